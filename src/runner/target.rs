//! Where a run sends its requests: checking a target URL, probing that it
//! answers, and starting the embedded reference server.

use super::http::{Client, ClientOptions, RequestSigner};
use super::sigv4::SigV4Signer;
use super::{RunError, parse_fixture};
use crate::engine::exchange::{HttpRequest, TransportError};
use crate::server::{self, RunningServer, ServerConfig};
use serde_json::Value;
use std::sync::Arc;

/// Checks that the target answers at all. Any HTTP answer counts, even one
/// whose body never finishes (its headers came, so the cases will report
/// the stall); only a failure to connect, or no status line and headers in
/// time, means unreachable.
pub async fn probe(client: &Client, target: &str) -> Result<(), RunError> {
    let request = HttpRequest {
        method: "POST".into(),
        url: join_url(target, "/jobs/list"),
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{}".to_vec(),
    };
    // The error is printed: neither the target's password nor the URL an
    // HTTP library quotes in its message may show it.
    let mut exchange = client.send(request, false).await;
    crate::report::redact(&mut exchange, &[]);
    let url = crate::report::without_credentials(target);
    let signing = client.options().signer.is_some();
    match exchange.outcome {
        Ok(response) => match signature_refusal(&response) {
            // Every case would fail the same way; the run would say
            // nothing about the API.
            Some(error) => Err(RunError::Signature {
                url,
                error,
                signed: signing,
            }),
            None => match not_the_api(&response) {
                Some(found) => Err(RunError::NotTheApi { url, found }),
                None => Ok(()),
            },
        },
        Err(TransportError::Tls(reason)) => Err(RunError::Untrusted { url, reason }),
        Err(e @ (TransportError::Connect(_) | TransportError::Timeout(_))) => {
            Err(RunError::Unreachable {
                url,
                reason: e.to_string(),
            })
        }
        // A target that breaks connections or stalls mid-body still answers
        // something; each case will report what it does. Named one by one so
        // that a new kind of failure needs a decision here.
        Err(
            TransportError::BodyTimeout { .. }
            | TransportError::Broken(_)
            | TransportError::Request(_),
        ) => Ok(()),
        // A spent budget sends nothing more; the cases say so.
        Err(TransportError::NotSent { .. }) => Ok(()),
    }
}

/// What the probe's answer shows when it cannot come from this operation:
/// every request member is optional, so any implementation answers `{}`
/// with a listing, or at worst a JSON error it documents (throttling, a
/// refused signature, ...). A 404 or 405 (no such operation here), a 5xx,
/// or a body that is not JSON (an HTML error page, a proxy's text) means
/// the URL or the server is wrong, and every case would fail alike.
fn not_the_api(response: &crate::engine::exchange::HttpResponse) -> Option<String> {
    let status = response.status;
    let what = || {
        let media = response
            .header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "no Content-Type".into());
        format!("status {status} with {media}")
    };
    if matches!(status, 404 | 405) || status >= 500 {
        return Some(what());
    }
    // A body cut at the size cap, an empty one or a compressed one is left
    // to the cases, which say what is wrong with it.
    if response.truncated || response.body.is_empty() || response.content_encoding().is_some() {
        return None;
    }
    match response.json() {
        Ok(_) => None,
        Err(_) => Some(format!("{}, a body that is not JSON", what())),
    }
}

/// Errors by which AWS services refuse a request's authentication (JSON
/// and query protocols' names), as opposed to refusing the operation.
const SIGNATURE_ERRORS: [&str; 8] = [
    "MissingAuthenticationTokenException",
    "MissingAuthenticationToken",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "ExpiredTokenException",
];

/// The probe's answer refuses its signature (or its lack of one): the
/// error's name, with the target's message when it gives one.
fn signature_refusal(response: &crate::engine::exchange::HttpResponse) -> Option<String> {
    if !matches!(response.status, 400 | 401 | 403) {
        return None;
    }
    let body = response.json().ok();
    let name = crate::engine::check::error_signals(response, body.as_ref())
        .into_iter()
        .map(|(_, name)| name)
        .find(|name| SIGNATURE_ERRORS.contains(&name.as_str()))?;
    let message = body
        .as_ref()
        .and_then(|b| b.get("message").or_else(|| b.get("Message")))
        .and_then(Value::as_str)
        .map(|m| m.chars().take(300).collect::<String>());
    Some(match message {
        Some(m) => format!("{} {name} ({m:?})", response.status),
        None => format!("{} {name}", response.status),
    })
}

/// Checks a target URL for the mistakes a user makes most.
pub fn validate_target(url: &str) -> Result<String, RunError> {
    // The URL as an error shows it: a password typed into it stays hidden.
    let shown = crate::report::secrets::strip_url_credentials(url).into_owned();
    let parsed = reqwest::Url::parse(url).map_err(|e| RunError::Target {
        url: shown.clone(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(RunError::Target {
            url: shown.clone(),
            reason: format!("scheme {:?} is not http or https", parsed.scheme()),
        });
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(RunError::Target {
            url: shown.clone(),
            reason: "a base URL has no query or fragment".into(),
        });
    }
    Ok(url.trim_end_matches('/').to_string())
}

pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Starts the embedded reference server (canonical fixture, fault injection
/// on) on a free loopback port.
pub async fn start_embedded() -> Result<RunningServer, RunError> {
    let config = ServerConfig::embedded()?.with_faults(true);
    Ok(server::spawn(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?)
}

/// [`start_embedded`], checking SigV4 signatures by a key made for this
/// run, with the signer that holds it: so a run against the embedded server
/// signs every request, and the cases about signature checking run too.
pub async fn start_embedded_signing() -> Result<(RunningServer, Arc<dyn RequestSigner>), RunError> {
    let mut rng = fastrand::Rng::new();
    let id: String = std::iter::repeat_with(|| rng.uppercase())
        .take(12)
        .collect();
    let id = format!("AKIDEMBEDDED{id}");
    let secret: String = std::iter::repeat_with(|| rng.alphanumeric())
        .take(40)
        .collect();
    let config = ServerConfig::embedded()?
        .with_faults(true)
        .with_sigv4(Some(server::sigv4::Verifier::new(&id, &secret)));
    let running = server::spawn(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let signer = SigV4Signer::new(&id, &secret, None, "us-east-1");
    Ok((running, Arc::new(signer)))
}

/// The canonical fixture as the checks see it.
pub fn embedded_fixture() -> Vec<Value> {
    parse_fixture(server::EMBEDDED_FIXTURE).unwrap_or_default()
}

/// What a run talks to: a URL and what that target is declared to offer.
/// Built the same way by the CLI and by `cargo test --test conformance`.
pub struct Target {
    /// Base URL, checked by [`validate_target`].
    pub url: String,
    /// The canonical data set, when the target holds it.
    pub fixture: Option<Arc<Vec<Value>>>,
    /// Whether it honours the fault-injection header.
    pub faults: bool,
    /// Whether it refuses requests without a valid SigV4 signature.
    pub checks_signatures: bool,
    /// What signs requests for it, when the target itself decides (the
    /// embedded server's key); `run --sigv4` brings its own.
    pub signer: Option<Arc<dyn RequestSigner>>,
    /// The reference server this run started, when no URL was given.
    embedded: Option<RunningServer>,
}

impl Target {
    /// The given URL with what it is declared to offer, or, without a URL,
    /// the embedded reference server on a free loopback port (which holds
    /// the fixture and injects faults).
    pub async fn resolve(
        url: Option<&str>,
        fixture: Option<Arc<Vec<Value>>>,
        faults: bool,
    ) -> Result<Target, RunError> {
        match url {
            Some(url) => Ok(Target {
                url: validate_target(url)?,
                fixture,
                faults,
                checks_signatures: false,
                signer: None,
                embedded: None,
            }),
            None => {
                let (server, signer) = start_embedded_signing().await?;
                Ok(Target {
                    url: server.url(),
                    fixture: Some(Arc::new(embedded_fixture())),
                    faults: true,
                    checks_signatures: true,
                    signer: Some(signer),
                    embedded: Some(server),
                })
            }
        }
    }

    /// `options` with what this target declares about signatures: its
    /// signer, unless `options` brings one, and whether it checks them.
    pub fn client_options(&self, mut options: ClientOptions) -> ClientOptions {
        if options.signer.is_none() {
            options.signer = self.signer.clone();
        }
        options.target_checks_signatures |= self.checks_signatures;
        options
    }

    /// Whether this run started the reference server itself.
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Stops the embedded server, if this run started one.
    pub async fn finish(self) {
        if let Some(server) = self.embedded {
            // A server that fails while shutting down has served the run;
            // there is nothing left to report.
            let _ = server.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_target_path_prefix() {
        assert_eq!(join_url("http://h:1", "/jobs/list"), "http://h:1/jobs/list");
        assert_eq!(
            join_url("http://h:1/macie/", "/jobs/list"),
            "http://h:1/macie/jobs/list"
        );
        assert_eq!(
            validate_target("http://h:1/prefix/").ok().as_deref(),
            Some("http://h:1/prefix")
        );
        assert!(validate_target("h:1").is_err());
        assert!(validate_target("http://h:1/?a=b").is_err());
    }
}
