//! Why a run could not start, and what would fix it, typed: the caller
//! words the remedy in its own terms.

use super::http;
use crate::engine::load::Diagnostic;
use crate::server;
use std::path::PathBuf;

/// Why a run could not start. The message says what happened; what would
/// fix it is [`RunError::remedy`], which the caller words in its own terms
/// (the CLI names its options, the `cargo test` builder its methods).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read cases from {path}: {source}")]
    ReadCases {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no case files (*.yaml) found under {0}")]
    NoCases(PathBuf),
    #[error(
        "the built-in suite is left out and no folder of cases is given, so there is nothing to run"
    )]
    NoSuite,
    #[error("{0} holds files of the built-in suite, which is already included")]
    BuiltinTwice(PathBuf),
    #[error("{} problem(s) in the case files", .0.len())]
    Cases(Vec<Diagnostic>),
    #[error("the contract's schemas do not compile: {0}")]
    Schemas(String),
    #[error("cannot read the fixture {path}: {reason}")]
    Fixture { path: PathBuf, reason: String },
    #[error("invalid target URL {url:?}: {reason}")]
    Target { url: String, reason: String },
    #[error("cannot reach the target {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the target {url} is not trusted: {reason}")]
    Untrusted { url: String, reason: String },
    /// `signed`: the probe was signed (and the signature refused), rather
    /// than sent unsigned to a target that wants a signature.
    #[error("the target {url} refused the probe request's authentication with {error}")]
    Signature {
        url: String,
        error: String,
        signed: bool,
    },
    /// The target answers, but not as this operation would: a wrong path
    /// prefix or port, or a server that does not implement it. Every case
    /// would fail the same way.
    #[error(
        "the target {url} does not answer a plain listing request (POST {url}/jobs/list with {{}}) as ListClassificationJobs would: it sent {found}; nothing was run"
    )]
    NotTheApi { url: String, found: String },
    #[error(transparent)]
    Client(#[from] http::ClientError),
    #[error("cannot start the embedded reference server: {0}")]
    Server(#[from] server::ServerError),
}

/// What would fix a [`RunError`], for the caller to say in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// Name the folder that holds the case files.
    NameCasesFolder,
    /// Leave the built-in suite out, to run a folder that copies it.
    LeaveBuiltinOut,
    /// The fixture is the JSON array of job summaries the target serves.
    FixtureFormat,
    /// Give a base URL, such as `http://127.0.0.1:8080`.
    BaseUrl,
    /// Check that the server runs and the URL is right.
    StartServer,
    /// A test server with a certificate of its own: skip verification.
    SkipVerification,
    /// The target wants AWS SigV4-signed requests: sign them, with a
    /// region and credentials.
    SignRequests,
    /// The signature was refused: check the credentials, the region the
    /// target expects, and the clock.
    CheckSigning,
    /// Check the path prefix and port of the URL, and that the server
    /// implements the operation.
    CheckTargetPath,
}

impl RunError {
    /// What would fix it, when the error says something the caller can do.
    pub fn remedy(&self) -> Option<Remedy> {
        Some(match self {
            RunError::ReadCases { .. } | RunError::NoCases(_) | RunError::NoSuite => {
                Remedy::NameCasesFolder
            }
            RunError::BuiltinTwice(_) => Remedy::LeaveBuiltinOut,
            RunError::Fixture { .. } => Remedy::FixtureFormat,
            RunError::Target { .. } => Remedy::BaseUrl,
            RunError::Unreachable { .. } => Remedy::StartServer,
            RunError::Untrusted { .. } => Remedy::SkipVerification,
            RunError::Signature { signed: true, .. } => Remedy::CheckSigning,
            RunError::Signature { signed: false, .. } => Remedy::SignRequests,
            RunError::NotTheApi { .. } => Remedy::CheckTargetPath,
            RunError::Cases(_)
            | RunError::Schemas(_)
            | RunError::Client(_)
            | RunError::Server(_) => {
                return None;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error the library can give before a run, one of each kind.
    fn every_error() -> Vec<RunError> {
        let url = "http://127.0.0.1:9".to_string();
        vec![
            RunError::ReadCases {
                path: "cases".into(),
                source: std::io::Error::other("denied"),
            },
            RunError::NoCases("cases".into()),
            RunError::NoSuite,
            RunError::BuiltinTwice("copy".into()),
            RunError::Fixture {
                path: "jobs.json".into(),
                reason: "not JSON".into(),
            },
            RunError::Target {
                url: url.clone(),
                reason: "no host".into(),
            },
            RunError::Unreachable {
                url: url.clone(),
                reason: "refused".into(),
            },
            RunError::Untrusted {
                url: url.clone(),
                reason: "self-signed".into(),
            },
            RunError::Signature {
                url: url.clone(),
                error: "403".into(),
                signed: true,
            },
            RunError::Signature {
                url: url.clone(),
                error: "403".into(),
                signed: false,
            },
            RunError::NotTheApi {
                url,
                found: "404".into(),
            },
        ]
    }

    #[test]
    fn library_errors_name_no_option_and_carry_their_remedy_typed() {
        for e in every_error() {
            let said = e.to_string();
            assert!(!said.contains("--"), "names an option: {said}");
            assert!(e.remedy().is_some(), "no remedy: {said}");
        }
        let signed = |signed| RunError::Signature {
            url: String::new(),
            error: String::new(),
            signed,
        };
        assert_eq!(signed(true).remedy(), Some(Remedy::CheckSigning));
        assert_eq!(signed(false).remedy(), Some(Remedy::SignRequests));
    }
}
