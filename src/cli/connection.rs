//! From the target options to a client: headers, signing, limits.

use super::prelude::*;

/// `--region` without `--sigv4` is a mistake worth saying.
pub(crate) fn check_region(net: &TargetArgs) -> Result<(), ExitCode> {
    if net.region.is_some() && !net.sigv4 {
        eprintln!(
            "error: --region is the region requests are signed for; add --sigv4 (or sigv4 = true in the settings file), or drop the region"
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(())
}

/// The target options, checked and read: what `run` and `explore` need
/// before the target is resolved.
pub(crate) struct Connection {
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) fixture: Option<Arc<Vec<serde_json::Value>>>,
    pub(crate) signer: Option<Arc<dyn RequestSigner>>,
}

impl Connection {
    pub(crate) fn prepare(net: &TargetArgs) -> Result<Connection, ExitCode> {
        let usage = |e: &dyn std::fmt::Display| {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        };
        let mut headers = Vec::new();
        for raw in &net.headers {
            headers.push(parse_header(raw).map_err(|e| usage(&e))?);
        }
        if !(net.timeout > 0.0 && net.timeout.is_finite()) {
            return Err(usage(&"--timeout must be a positive number of seconds"));
        }
        if net.rate_limit.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
            return Err(usage(
                &"--rate-limit must be a positive number of requests a second",
            ));
        }
        if net.concurrency == Some(0) {
            return Err(usage(&"--jobs must be 1 or more"));
        }
        let deadline = match Duration::try_from_secs_f64(net.deadline) {
            Ok(d) if d.is_zero() => None,
            Ok(d) => Some(d),
            Err(_) => {
                return Err(usage(
                    &"--deadline must be a number of seconds, 0 or more (0 for no deadline)",
                ));
            }
        };
        let fixture = match &net.fixture {
            // The word names the built-in copy (what `fixture` writes); a
            // file of that name is `./builtin`.
            Some(path) if path.as_os_str() == BUILTIN_FIXTURE => Some(Arc::new(
                runner::parse_fixture(crate::server::EMBEDDED_FIXTURE).map_err(|e| usage(&e))?,
            )),
            Some(path) => Some(Arc::new(runner::read_fixture(path).map_err(|e| fail(&e))?)),
            None => None,
        };
        if net.sigv4 && net.target.is_none() {
            return Err(usage(
                &"--sigv4 signs requests to a --target; without one, the embedded reference server checks signatures by a key of its own, which the run signs with",
            ));
        }
        let signer: Option<Arc<dyn RequestSigner>> = if net.sigv4 {
            let signer =
                SigV4Signer::from_environment(net.region.as_deref()).map_err(|e| usage(&e))?;
            eprintln!(
                "signing: SigV4 for macie2 in {}, key {} ({})",
                signer.region(),
                signer.access_key_id(),
                signer.source()
            );
            Some(Arc::new(signer))
        } else {
            None
        };
        Ok(Connection {
            headers,
            deadline,
            fixture,
            signer,
        })
    }

    /// The harness for these target options: the URL given, or the
    /// embedded reference server, with the client and the limits.
    pub(crate) fn harness(&self, net: &TargetArgs) -> Harness {
        Harness::new()
            .target_or_embedded(net.target.clone())
            .fixture(self.fixture.clone())
            .faults(net.faults)
            .client(self.client_options(net))
            .concurrency(net.concurrency.map(usize::from))
            .redact(net.redact.clone())
            .vocabulary(Vocabulary::Cli)
    }

    /// Starts `harness` (the embedded reference server, when no URL was
    /// given, said so).
    pub(crate) async fn start(harness: Harness) -> Result<Running, ExitCode> {
        let running = harness.start().await.map_err(|e| match e {
            HarnessError::Run(e) => fail(&e),
            other => {
                eprintln!("error: {other}");
                ExitCode::from(EXIT_USAGE)
            }
        })?;
        if running.is_embedded() {
            eprintln!("target: embedded reference server at {}", running.url());
        }
        Ok(running)
    }

    pub(crate) fn client_options(&self, net: &TargetArgs) -> ClientOptions {
        ClientOptions {
            timeout: Duration::from_secs_f64(net.timeout),
            max_body_bytes: net.max_body,
            insecure: net.insecure,
            headers: self.headers.clone(),
            retry: RetryPolicy {
                max_retries: net.retries,
                ..RetryPolicy::default()
            },
            signer: self.signer.clone(),
            max_transport_failures: net.max_transport_failures,
            deadline: self.deadline,
            max_retained_bytes: net.max_retained,
            target_checks_signatures: net.target_checks_signatures,
            // An exploration sets its own, from --budget.
            budget: None,
            rate_limit: net.rate_limit,
            adaptive: net.concurrency.is_none(),
        }
    }
}
