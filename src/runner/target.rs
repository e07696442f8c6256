//! Where a run sends its requests: checking a target URL, probing that it
//! answers, and starting the embedded reference server.

use super::http::Client;
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
    match exchange.outcome {
        Ok(_) => Ok(()),
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
    }
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
                embedded: None,
            }),
            None => {
                let server = start_embedded().await?;
                Ok(Target {
                    url: server.url(),
                    fixture: Some(Arc::new(embedded_fixture())),
                    faults: true,
                    embedded: Some(server),
                })
            }
        }
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
