//! `run --sigv4`: AWS Signature Version 4 on every request, with the region
//! and credentials found where AWS tools look for them.
//!
//! The signing itself is `aws-sigv4`'s. Credentials come from the
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`), then from a profile (`AWS_PROFILE`, default
//! `default`) of the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`,
//! default `~/.aws/credentials`), read by the small reader below.
//!
//! Why not `aws-config`, which reads the same places and many more (SSO,
//! assumed roles, `credential_process`, instance metadata): measured on this
//! machine with `cargo build -j 1` in an empty crate, `aws-config` 1.13
//! (default features) resolves to 225 crates, among them `aws-lc-sys` (C),
//! hyper's client stack and the STS, SSO and SSO-OIDC SDKs, and builds cold
//! in 2 min 8 s; `aws-sigv4` 1.6 with `aws-credential-types` 1.3 resolves to
//! 83 crates and builds cold in 20 s, and most of those crates (tokio, http,
//! time, sha2's family) are already in this project. The harness needs three
//! keys of one profile, which the reader below gets, with tests of every
//! rule it follows; a user who relies on SSO or roles can export the
//! resolved keys (`aws configure export-credentials --format env`).
//!
//! No secret leaves this module: errors name variables, files and
//! profiles, never a value, and [`SigV4Signer`]'s `Debug` shows none.

use super::http::RequestSigner;
use crate::engine::exchange::HttpRequest;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The signing name of Amazon Macie.
pub const SERVICE: &str = "macie2";

/// Why `--sigv4` cannot sign.
#[derive(Debug, thiserror::Error)]
pub enum SigV4Error {
    #[error(
        "--sigv4 needs a region: pass --region (e.g. --region us-east-1) or set AWS_REGION or AWS_DEFAULT_REGION"
    )]
    NoRegion,
    #[error(
        "--sigv4 found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile [{profile}] with aws_access_key_id and aws_secret_access_key to {file} (set AWS_SHARED_CREDENTIALS_FILE or AWS_PROFILE to use another file or profile)"
    )]
    NoCredentials { profile: String, file: String },
    #[error(
        "{set} is set but {missing} is not; set both, or neither to use the shared credentials file"
    )]
    HalfEnvironment {
        set: &'static str,
        missing: &'static str,
    },
    #[error(
        "profile [{profile}] of {file} has no {missing}; add it, or choose another profile with AWS_PROFILE"
    )]
    IncompleteProfile {
        profile: String,
        file: String,
        missing: &'static str,
    },
    #[error(
        "profile [{profile}] is not in {file} (it has: {known}); set AWS_PROFILE to one of them"
    )]
    NoSuchProfile {
        profile: String,
        file: String,
        known: String,
    },
    #[error(
        "cannot read the shared credentials file {file}: {reason}; check AWS_SHARED_CREDENTIALS_FILE"
    )]
    ReadFile { file: String, reason: String },
}

/// Where the credentials came from, for messages (never the keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Environment,
    Profile { profile: String, file: PathBuf },
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Environment => f.write_str("AWS_ACCESS_KEY_ID from the environment"),
            CredentialSource::Profile { profile, file } => {
                write!(f, "profile [{profile}] of {}", file.display())
            }
        }
    }
}

/// Signs each request for `macie2` in one region.
pub struct SigV4Signer {
    credentials: Credentials,
    region: String,
    service: String,
    source: CredentialSource,
}

impl fmt::Debug for SigV4Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Signer")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl SigV4Signer {
    /// A signer with the region and credentials the process environment
    /// gives (`region` from `--region` first).
    pub fn from_environment(region: Option<&str>) -> Result<SigV4Signer, SigV4Error> {
        let env = |name: &str| std::env::var(name).ok();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Self::resolve(region, &env, home.as_deref())
    }

    /// [`SigV4Signer::from_environment`] with the environment given, so
    /// tests need not change the process's own.
    pub fn resolve(
        region: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<SigV4Signer, SigV4Error> {
        let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let region = region
            .map(str::to_string)
            .filter(|r| !r.trim().is_empty())
            .or_else(|| set("AWS_REGION"))
            .or_else(|| set("AWS_DEFAULT_REGION"))
            .ok_or(SigV4Error::NoRegion)?;
        let (credentials, source) = credentials(&set, home)?;
        Ok(SigV4Signer {
            credentials,
            region: region.trim().to_string(),
            service: SERVICE.to_string(),
            source,
        })
    }

    /// A signer with given keys, for tests and for the library.
    pub fn new(
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<&str>,
        region: &str,
    ) -> SigV4Signer {
        SigV4Signer {
            credentials: Credentials::new(
                access_key_id,
                secret_access_key,
                session_token.map(str::to_string),
                None,
                "macie-conform",
            ),
            region: region.to_string(),
            service: SERVICE.to_string(),
            source: CredentialSource::Environment,
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn source(&self) -> &CredentialSource {
        &self.source
    }

    pub fn access_key_id(&self) -> &str {
        self.credentials.access_key_id()
    }
}

/// Headers signing writes; a request's own are dropped first, so a case or
/// `-H` cannot leave a second, stale one beside them.
const SIGNING_HEADERS: [&str; 3] = ["authorization", "x-amz-date", "x-amz-security-token"];

impl RequestSigner for SigV4Signer {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), String> {
        request
            .headers
            .retain(|(k, _)| !SIGNING_HEADERS.iter().any(|h| k.eq_ignore_ascii_case(h)));
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let signable = SignableRequest::new(
            &request.method,
            request.url.as_str(),
            request
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&request.body),
        )
        .map_err(|e| format!("cannot sign {} {}: {e}", request.method, request.url))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| format!("cannot sign {} {}: {e}", request.method, request.url))?
            .into_parts();
        let added: Vec<(String, String)> = instructions
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        request.headers.extend(added);
        Ok(())
    }
}

fn credentials(
    set: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<(Credentials, CredentialSource), SigV4Error> {
    match (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            let token = set("AWS_SESSION_TOKEN");
            return Ok((
                Credentials::new(id.trim(), secret.trim(), token, None, "environment"),
                CredentialSource::Environment,
            ));
        }
        (Some(_), None) => {
            return Err(SigV4Error::HalfEnvironment {
                set: "AWS_ACCESS_KEY_ID",
                missing: "AWS_SECRET_ACCESS_KEY",
            });
        }
        (None, Some(_)) => {
            return Err(SigV4Error::HalfEnvironment {
                set: "AWS_SECRET_ACCESS_KEY",
                missing: "AWS_ACCESS_KEY_ID",
            });
        }
        (None, None) => {}
    }
    let profile = set("AWS_PROFILE").unwrap_or_else(|| "default".to_string());
    let named = set("AWS_SHARED_CREDENTIALS_FILE").map(PathBuf::from);
    let file = match (&named, home) {
        (Some(file), _) => file.clone(),
        (None, Some(home)) => home.join(".aws").join("credentials"),
        (None, None) => {
            return Err(SigV4Error::NoCredentials {
                profile,
                file: "~/.aws/credentials (HOME is not set)".into(),
            });
        }
    };
    let shown = file.display().to_string();
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        // The default file is optional; one named on purpose must exist.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && named.is_none() => {
            return Err(SigV4Error::NoCredentials {
                profile,
                file: shown,
            });
        }
        Err(e) => {
            return Err(SigV4Error::ReadFile {
                file: shown,
                reason: e.to_string(),
            });
        }
    };
    let profiles = parse_profiles(&text);
    let Some((_, keys)) = profiles.iter().find(|(name, _)| *name == profile) else {
        if profiles.is_empty() && named.is_none() {
            return Err(SigV4Error::NoCredentials {
                profile,
                file: shown,
            });
        }
        let known: Vec<&str> = profiles.iter().map(|(n, _)| n.as_str()).collect();
        return Err(SigV4Error::NoSuchProfile {
            profile,
            file: shown,
            known: if known.is_empty() {
                "no profile".into()
            } else {
                known.join(", ")
            },
        });
    };
    let get = |key: &str| {
        keys.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let incomplete = |missing| SigV4Error::IncompleteProfile {
        profile: profile.clone(),
        file: shown.clone(),
        missing,
    };
    let id = get("aws_access_key_id").ok_or_else(|| incomplete("aws_access_key_id"))?;
    let secret = get("aws_secret_access_key").ok_or_else(|| incomplete("aws_secret_access_key"))?;
    let token = get("aws_session_token");
    Ok((
        Credentials::new(id, secret, token, None, "shared credentials file"),
        CredentialSource::Profile { profile, file },
    ))
}

/// The profiles of a shared credentials file, in file order, each with its
/// `key = value` lines (keys lower-cased, values trimmed).
///
/// The rules are those AWS SDKs and the CLI follow: `[name]` opens a
/// profile (a name given twice adds to the first); `#` and `;` start a
/// comment line, and a `#` or `;` after whitespace ends a value;
/// an indented line under a key with an empty value is a sub-setting (as
/// in `s3 =` blocks) and is not a key of the profile; lines before the
/// first profile and lines without `=` are ignored.
pub fn parse_profiles(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut profiles: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut current: Option<usize> = None;
    let mut in_nested = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented && in_nested {
            continue;
        }
        in_nested = false;
        if let Some(rest) = line.strip_prefix('[') {
            let name = strip_comment(rest);
            let name = name.strip_suffix(']').unwrap_or(name).trim().to_string();
            current = Some(match profiles.iter().position(|(n, _)| *n == name) {
                Some(at) => at,
                None => {
                    profiles.push((name, Vec::new()));
                    profiles.len() - 1
                }
            });
            continue;
        }
        let (Some(at), Some((key, value))) = (current, line.split_once('=')) else {
            continue;
        };
        let value = strip_comment(value).trim().to_string();
        if value.is_empty() {
            in_nested = true;
        }
        profiles[at]
            .1
            .push((key.trim().to_ascii_lowercase(), value));
    }
    profiles
}

/// `value` up to a `#` or `;` that follows whitespace (an inline comment);
/// secret keys hold `/` and `+`, never whitespace, so a key is kept whole.
fn strip_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if (*b == b'#' || *b == b';') && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return &value[..i];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// A credentials file in a folder of its own; the folder goes on drop.
    struct TempFile(PathBuf);

    impl std::ops::Deref for TempFile {
        type Target = std::path::Path;
        fn deref(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    fn temp_file(name: &str, text: &str) -> TempFile {
        let dir =
            std::env::temp_dir().join(format!("macie-conform-sigv4-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("credentials");
        std::fs::write(&path, text).expect("write credentials");
        TempFile(path)
    }

    #[test]
    fn profiles_follow_the_aws_file_rules() {
        let text = "\
top = ignored
# comment
[default]
aws_access_key_id = AKIDDEFAULT
AWS_Secret_Access_Key=secret/with+chars=   ; inline comment
s3 =
    aws_access_key_id = NESTED
  max_concurrent_requests = 10
[ staging ]
aws_access_key_id=AKIDSTAGING
aws_secret_access_key = s#not-a-comment
aws_session_token = tok
[default]
region = eu-west-1
";
        let profiles = parse_profiles(text);
        let names: Vec<&str> = profiles.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["default", "staging"]);
        let default = &profiles[0].1;
        assert_eq!(
            default,
            &vec![
                ("aws_access_key_id".to_string(), "AKIDDEFAULT".to_string()),
                (
                    "aws_secret_access_key".to_string(),
                    "secret/with+chars=".to_string()
                ),
                ("s3".to_string(), String::new()),
                ("region".to_string(), "eu-west-1".to_string()),
            ]
        );
        assert_eq!(profiles[1].1[1].1, "s#not-a-comment");
    }

    #[test]
    fn environment_comes_before_the_file() {
        let file = temp_file(
            "env-first",
            "[default]\naws_access_key_id=FILE\naws_secret_access_key=FILESECRET\n",
        );
        let e = env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", "TOKEN"),
            ("AWS_SHARED_CREDENTIALS_FILE", file.to_str().expect("utf-8")),
            ("AWS_REGION", "eu-central-1"),
        ]);
        let signer = SigV4Signer::resolve(None, &e, None).expect("signer");
        assert_eq!(signer.access_key_id(), "AKIDENV");
        assert_eq!(signer.credentials.session_token(), Some("TOKEN"));
        assert_eq!(signer.region(), "eu-central-1");
        assert_eq!(signer.source(), &CredentialSource::Environment);
        // --region wins over the environment.
        let signer = SigV4Signer::resolve(Some("us-west-2"), &e, None).expect("signer");
        assert_eq!(signer.region(), "us-west-2");
    }

    #[test]
    fn profile_selection_and_default_file() {
        let text = "[default]\naws_access_key_id=AKIDDEFAULT\naws_secret_access_key=s1\n\
                    [ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=s2\naws_session_token=t2\n";
        let file = temp_file("profiles", text);
        let path = file.to_str().expect("utf-8");
        let with = |profile: Option<&str>| {
            let mut pairs = vec![
                ("AWS_SHARED_CREDENTIALS_FILE", path),
                ("AWS_DEFAULT_REGION", "us-east-1"),
            ];
            if let Some(p) = profile {
                pairs.push(("AWS_PROFILE", p));
            }
            SigV4Signer::resolve(None, &env(&pairs), None)
        };
        let default = with(None).expect("default profile");
        assert_eq!(default.access_key_id(), "AKIDDEFAULT");
        assert_eq!(default.credentials.session_token(), None);
        let ci = with(Some("ci")).expect("ci profile");
        assert_eq!(ci.access_key_id(), "AKIDCI");
        assert_eq!(ci.credentials.secret_access_key(), "s2");
        assert_eq!(ci.credentials.session_token(), Some("t2"));
        let missing = with(Some("prod")).expect_err("no such profile").to_string();
        assert!(
            missing.contains("[prod]") && missing.contains("default, ci"),
            "{missing}"
        );
        // ~/.aws/credentials when no file is named.
        let home = file.parent().expect("dir").join("home");
        std::fs::create_dir_all(home.join(".aws")).expect("dir");
        std::fs::write(home.join(".aws/credentials"), text).expect("write");
        let e = env(&[("AWS_REGION", "us-east-1"), ("AWS_PROFILE", "ci")]);
        let signer = SigV4Signer::resolve(None, &e, Some(&home)).expect("home file");
        assert_eq!(signer.access_key_id(), "AKIDCI");
    }

    #[test]
    fn errors_say_what_to_set_and_show_no_secret() {
        let none = env(&[]);
        let e = SigV4Signer::resolve(None, &none, None).expect_err("no region");
        assert!(e.to_string().contains("--region"), "{e}");
        let half = env(&[
            ("AWS_REGION", "us-east-1"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ]);
        let e = SigV4Signer::resolve(None, &half, None).expect_err("half");
        assert!(e.to_string().contains("AWS_ACCESS_KEY_ID"), "{e}");
        assert!(!e.to_string().contains(SECRET));
        let empty_home = std::env::temp_dir().join("macie-conform-sigv4-no-home-file");
        let e = SigV4Signer::resolve(
            None,
            &env(&[("AWS_REGION", "us-east-1")]),
            Some(&empty_home),
        )
        .expect_err("no credentials");
        assert!(e.to_string().contains("AWS_ACCESS_KEY_ID"), "{e}");
        let file = temp_file(
            "incomplete",
            &format!("[default]\naws_secret_access_key={SECRET}\n"),
        );
        let e = SigV4Signer::resolve(
            None,
            &env(&[
                ("AWS_REGION", "us-east-1"),
                ("AWS_SHARED_CREDENTIALS_FILE", file.to_str().expect("utf-8")),
            ]),
            None,
        )
        .expect_err("incomplete");
        assert!(e.to_string().contains("aws_access_key_id"), "{e}");
        assert!(!e.to_string().contains(SECRET));
        let signer = SigV4Signer::new("AKIDEXAMPLE", SECRET, Some("SESSIONTOKEN"), "us-east-1");
        let shown = format!("{signer:?}");
        assert!(
            !shown.contains(SECRET) && !shown.contains("SESSIONTOKEN"),
            "{shown}"
        );
    }

    #[test]
    fn signing_adds_date_token_and_authorization_once() {
        let signer = SigV4Signer::new("AKIDEXAMPLE", SECRET, Some("SESSIONTOKEN"), "us-east-1");
        let mut request = HttpRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/jobs/list".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("Authorization".into(), "stale".into()),
            ],
            body: b"{}".to_vec(),
        };
        signer.sign(&mut request).expect("signed");
        signer.sign(&mut request).expect("signed again");
        let count = |name: &str| {
            request
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .count()
        };
        assert_eq!(count("authorization"), 1);
        assert_eq!(count("x-amz-date"), 1);
        assert_eq!(count("x-amz-security-token"), 1);
        let auth = &request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .expect("authorization")
            .1;
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{auth}"
        );
        assert!(auth.contains("/us-east-1/macie2/aws4_request"), "{auth}");
        assert!(!auth.contains(SECRET));
    }
}
