//! Sending one request: timeouts, a cap on body size, retries on throttling
//! and on kept-alive connections the target closed, and a hook for signing.
//! Whatever the target does, the outcome is an [`Exchange`]; nothing here
//! panics on a target's behaviour.

use crate::engine::check::{error_signals, normalise_error_name};
use crate::engine::exchange::{Exchange, Hold, HttpRequest, HttpResponse, TransportError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::gate::{BodyGate, gate_bytes};
pub use super::transport::no_answer;
use super::transport::{chain, classify, closed_before_answer};

/// Signs a request just before it is sent (for example AWS SigV4). It sees
/// the final method, URL, headers and body.
pub trait RequestSigner: Send + Sync {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), String>;
}

/// Retries of throttled requests.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retrying off.
    pub max_retries: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Upper bound on one delay, including one a `Retry-After` header asks for.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// Settings of the HTTP client.
/// Start from `ClientOptions::default()` and set the fields you need
/// (fields may be added).
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub insecure: bool,
    /// Sent with every request, after the case's own headers.
    pub headers: Vec<(String, String)>,
    pub retry: RetryPolicy,
    pub signer: Option<Arc<dyn RequestSigner>>,
    /// Requests in a row that may get no answer at all (see
    /// [`no_answer`]) before the run stops sending; 0 never stops. The
    /// client counts them because every request of a run goes through it.
    pub max_transport_failures: usize,
    /// The whole run's time limit, counted from when the client is built;
    /// `None` for no limit. The runner enforces it (see `runner::run`).
    pub deadline: Option<Duration>,
    /// What the run's walks may hold at once, in bytes (estimated in
    /// memory), shared by all cases; 0 for no limit. A walk keeps every
    /// page's jobs until it judges the listing, so a target whose
    /// nextToken never ends would otherwise fill memory. Lives here, like
    /// the deadline, because it is a limit of the run every case sees.
    pub max_retained_bytes: usize,
    /// The target refuses requests without a valid signature, so the cases
    /// about that (`signatures: true`) run, and send their requests as the
    /// case wrote them, never through `signer`.
    pub target_checks_signatures: bool,
    /// A cap on the requests sent, shared by every client made with these
    /// options (the rounds of an exploration: `explore --budget`); `None`
    /// for no cap. A request over it is not sent (see
    /// [`TransportError::NotSent`]).
    pub budget: Option<Arc<RequestBudget>>,
    /// At most this many requests started a second (`--rate-limit`), each
    /// retry counted; `None` for no cap.
    pub rate_limit: Option<f64>,
    /// Let the number of requests in flight follow the target (see
    /// [`super::pace`]): what a run does unless `-j` fixes the number of
    /// cases at once.
    pub adaptive: bool,
}

/// A number of requests that may be sent, shared by clients.
#[derive(Debug)]
pub struct RequestBudget {
    limit: AtomicUsize,
    spent: AtomicUsize,
}

impl RequestBudget {
    pub fn new(limit: usize) -> Arc<RequestBudget> {
        Arc::new(RequestBudget {
            limit: AtomicUsize::new(limit),
            spent: AtomicUsize::new(0),
        })
    }

    /// Takes one request from the budget; `false` when none is left.
    pub fn take(&self) -> bool {
        let limit = self.limit();
        self.spent
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                (s < limit).then_some(s + 1)
            })
            .is_ok()
    }

    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::SeqCst)
    }

    /// Moves the limit: an exploration holds part of its budget back for
    /// shrinking, then releases it.
    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::SeqCst);
    }

    /// Requests taken so far.
    pub fn spent(&self) -> usize {
        self.spent.load(Ordering::SeqCst)
    }
}

/// Default of [`ClientOptions::max_retained_bytes`]: a listing of tens of
/// thousands of job summaries fits; with the other limits' defaults, a
/// run stays well under 128 MiB whatever the target sends (docs/ci.md,
/// limits; docs/internals/benchmarks.md, memory).
pub const DEFAULT_MAX_RETAINED: usize = 32 << 20;

/// Default of [`ClientOptions::max_transport_failures`]: enough that a few
/// cases a target refuses by dropping the connection do not stop a run,
/// few enough that a target that hangs stops it within a handful of
/// timeouts.
pub const DEFAULT_MAX_TRANSPORT_FAILURES: usize = 10;

/// Default of [`ClientOptions::deadline`]: far longer than a full suite
/// takes against any target that answers (seconds against the reference
/// server), short enough that a CI job never hangs for hours.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30 * 60);

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            max_body_bytes: 8 << 20,
            insecure: false,
            headers: Vec::new(),
            retry: RetryPolicy::default(),
            signer: None,
            max_transport_failures: DEFAULT_MAX_TRANSPORT_FAILURES,
            deadline: Some(DEFAULT_DEADLINE),
            max_retained_bytes: DEFAULT_MAX_RETAINED,
            target_checks_signatures: false,
            budget: None,
            rate_limit: None,
            adaptive: false,
        }
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot set up the HTTP client: {0}")]
    Build(String),
}

/// An HTTP client bound to a target.
pub struct Client {
    http: reqwest::Client,
    /// `http` without a connection pool: every request on a new connection.
    /// Only for the one retry of a request whose kept-alive connection the
    /// target closed before answering (see [`closed_before_answer`]); the
    /// pooled client could hand out another connection the target is
    /// closing just as well.
    fresh: reqwest::Client,
    options: ClientOptions,
    /// Requests in a row that got no answer; any answer resets it.
    no_answer_run: AtomicUsize,
    /// Set once, when `no_answer_run` reaches the limit: the count and the
    /// last failure, which is what the run reports as its reason to stop.
    gave_up: OnceLock<(usize, String)>,
    /// Requests sent, each retry counted: what `explore` spends its budget on.
    sent: AtomicUsize,
    /// Requests sent again on a new connection because the one they were
    /// sent on was closed before any answer came.
    connection_retries: AtomicUsize,
    /// Bytes of answer bodies being read at once, across every case (see
    /// [`BodyGate`]).
    bodies: BodyGate,
    /// How fast requests go (see [`super::pace`]).
    pace: super::pace::Pace,
}

tokio::task_local! {
    /// Requests sent by the case whose task this is: a case sends one
    /// request at a time, so this is its chain of round trips (see
    /// [`crate::report::CaseReport::requests`]).
    static CASE_REQUESTS: std::cell::Cell<usize>;
}

/// Runs `work`, counting the requests it sends through any [`Client`].
pub(crate) async fn counting<T>(work: impl std::future::Future<Output = T>) -> (T, usize) {
    CASE_REQUESTS
        .scope(std::cell::Cell::new(0), async move {
            let out = work.await;
            (out, CASE_REQUESTS.with(std::cell::Cell::get))
        })
        .await
}

/// Counts one request sent, for the run and for the case sending it.
fn count_sent(sent: &AtomicUsize) {
    sent.fetch_add(1, Ordering::Relaxed);
    // Outside a case (the probe, explore's own requests) nothing counts it.
    let _ = CASE_REQUESTS.try_with(|n| n.set(n.get() + 1));
}

/// One try of a request that got no answer.
struct Failed {
    error: TransportError,
    /// The connection was closed (or reset) before any answer came: a
    /// server may close an idle kept-alive connection at any time, so the
    /// request may have crossed its closing and is worth one more try.
    closed_before_answer: bool,
}

impl From<TransportError> for Failed {
    fn from(error: TransportError) -> Self {
        Failed {
            error,
            closed_before_answer: false,
        }
    }
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Self, ClientError> {
        // reqwest is built without a default TLS crypto provider so that the
        // smaller `ring` one can be chosen here; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = || {
            reqwest::Client::builder()
                .danger_accept_invalid_certs(options.insecure)
                // A conformance verdict is about this endpoint's answer, not
                // another one's, so redirects are reported, not followed.
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(options.timeout)
        };
        let http = builder()
            .build()
            .map_err(|e| ClientError::Build(chain(&e)))?;
        let fresh = builder()
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| ClientError::Build(chain(&e)))?;
        Ok(Client {
            http,
            fresh,
            no_answer_run: AtomicUsize::new(0),
            gave_up: OnceLock::new(),
            sent: AtomicUsize::new(0),
            connection_retries: AtomicUsize::new(0),
            bodies: BodyGate::new(gate_bytes(options.max_body_bytes)),
            pace: super::pace::Pace::new(options.rate_limit, options.adaptive),
            options,
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Requests sent so far, each retry counted.
    pub fn sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Requests sent again, once, on a new connection because the target
    /// closed the one they were sent on before answering (a server may
    /// close an idle kept-alive connection at any time). Each is also
    /// counted in [`Client::sent`].
    pub fn connection_retries(&self) -> usize {
        self.connection_retries.load(Ordering::Relaxed)
    }

    /// When the target stopped answering: how many requests in a row got no
    /// answer, and the last one's failure. Once set, it stays set.
    pub fn gave_up(&self) -> Option<&(usize, String)> {
        self.gave_up.get()
    }

    /// Counts an outcome towards the limit of requests without an answer.
    fn note(&self, outcome: &Result<HttpResponse, TransportError>) {
        match outcome {
            Ok(_) => self.no_answer_run.store(0, Ordering::Relaxed),
            Err(e) if no_answer(e) => {
                let run = self.no_answer_run.fetch_add(1, Ordering::Relaxed) + 1;
                let limit = self.options.max_transport_failures;
                // With requests in flight side by side, another failure may
                // count past the limit before this one records it; the
                // limit is what was reached, so that is what is reported.
                if limit > 0 && run >= limit {
                    let _ = self.gave_up.set((limit, e.to_string()));
                }
            }
            // A request the harness could not build says nothing about the target.
            Err(_) => {}
        }
    }

    /// Sends `request`, retrying throttled answers when `retry_throttling`.
    pub async fn send(&self, request: HttpRequest, retry_throttling: bool) -> Exchange {
        self.send_as(request, retry_throttling, true).await
    }

    /// [`Client::send`], signed only when `sign` (and a signer is set): a
    /// case that checks the target's signature checking sends its own
    /// `Authorization` header, or none.
    pub async fn send_as(
        &self,
        mut request: HttpRequest,
        retry_throttling: bool,
        sign: bool,
    ) -> Exchange {
        // A URL's `user:password@` would become `Authorization: Basic ...`
        // inside the HTTP library, where redaction never sees it, and an
        // echoing target would then show it in every report. Sent as a
        // header of the request instead, it is recorded and hidden like
        // any other credential.
        if let Some((url, basic)) = basic_credentials(&request.url) {
            request.url = url;
            if !request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            {
                request.headers.push(("authorization".into(), basic));
            }
        }
        // Answers are judged as sent and never decompressed, so ask for them
        // uncompressed. Without the header any coding is acceptable (RFC
        // 9110, 12.5.3) and a compressed answer would be no fault of the
        // target. A case or `-H` may still ask for another coding.
        if !request
            .headers
            .iter()
            .chain(&self.options.headers)
            .any(|(k, _)| k.eq_ignore_ascii_case("accept-encoding"))
        {
            request
                .headers
                .push(("accept-encoding".into(), "identity".into()));
        }
        for (name, value) in &self.options.headers {
            request
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            request.headers.push((name.clone(), value.clone()));
        }
        if let Some(signer) = self.options.signer.as_ref().filter(|_| sign)
            && let Err(e) = signer.sign(&mut request)
        {
            return Exchange {
                request,
                outcome: Err(TransportError::Request(format!("signing failed: {e}"))),
                attempts: 0,
                step: 0,
                page: None,
            };
        }
        let retry = self.options.retry;
        let mut attempts = 0;
        let over_budget = || {
            self.options
                .budget
                .as_ref()
                .filter(|b| !b.take())
                .map(|b| TransportError::NotSent { budget: b.limit() })
        };
        loop {
            attempts += 1;
            // Over the cap nothing is sent, and the target is not blamed:
            // this is no answer of its own.
            if let Some(not_sent) = over_budget() {
                return Exchange {
                    request,
                    outcome: Err(not_sent),
                    attempts: attempts - 1,
                    step: 0,
                    page: None,
                };
            }
            let ticket = self.pace.enter().await;
            count_sent(&self.sent);
            let mut answered_in = None;
            let outcome = match self.attempt(&self.http, &request, &mut answered_in).await {
                Ok(response) => Ok(response),
                // As AWS SDKs do: once, on a connection of its own, so a
                // target that closes every connection gets no second
                // retry. The operation only reads, so a request the target
                // did see, after all, is harmless to send again. Only the
                // retry's outcome is noted, so a retry that gets an answer
                // is an answer.
                Err(Failed {
                    closed_before_answer: true,
                    error,
                }) => match over_budget() {
                    Some(_) => Err(error),
                    None => {
                        self.pace.turn().await;
                        count_sent(&self.sent);
                        self.connection_retries.fetch_add(1, Ordering::Relaxed);
                        self.attempt(&self.fresh, &request, &mut answered_in)
                            .await
                            .map_err(|f| f.error)
                    }
                },
                Err(f) => Err(f.error),
            };
            // A request that asks to be throttled says nothing of the
            // target's load.
            let signal = retry_throttling
                .then(|| load_signal(&outcome, answered_in))
                .flatten();
            ticket.done(signal);
            let delay = match &outcome {
                Ok(response) if retry_throttling && attempts <= retry.max_retries => {
                    throttled(response).then(|| backoff(retry, attempts, response))
                }
                _ => None,
            };
            match delay {
                Some(d) => {
                    // The throttled answer is not kept: its claim on the
                    // gate must not wait on the next read.
                    drop(outcome);
                    tokio::time::sleep(d).await
                }
                None => {
                    self.note(&outcome);
                    return Exchange {
                        request,
                        outcome,
                        attempts,
                        step: 0,
                        page: None,
                    };
                }
            }
        }
    }

    /// Sends `request` once through `http` and reads the answer.
    async fn attempt(
        &self,
        http: &reqwest::Client,
        request: &HttpRequest,
        answered_in: &mut Option<Duration>,
    ) -> Result<HttpResponse, Failed> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| TransportError::Request(format!("invalid method {:?}", request.method)))?;
        let mut builder = http.request(method, &request.url);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let built = builder
            .body(request.body.clone())
            .build()
            .map_err(|e| TransportError::Request(chain(&e)))?;
        let started = Instant::now();
        let limit = self.options.timeout;
        let ms = limit.as_millis() as u64;
        let max = self.options.max_body_bytes;
        // One deadline for the whole answer, but headers and body are timed
        // apart: a target that sent its headers is reachable, and a stalled
        // body is its answer's fault, not a sign that nothing listens.
        let deadline = tokio::time::Instant::now() + limit;
        let mut response = match tokio::time::timeout_at(deadline, http.execute(built)).await {
            Ok(Ok(response)) => response,
            // Only before the headers: once they came, the target answered,
            // and a body cut short is its answer's fault.
            Ok(Err(e)) => {
                return Err(Failed {
                    closed_before_answer: closed_before_answer(&e),
                    error: classify(e),
                });
            }
            Err(_) => return Err(TransportError::Timeout(ms).into()),
        };
        // The time to the headers, not to the whole body: reading a body
        // also waits for others' (the gate) and grows with its size.
        *answered_in = Some(started.elapsed());
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        // A body that says up front it is over the cap is not read to the
        // cap: the answer is judged "too large" either way, so only the
        // part a report shows is read.
        let declared = response.content_length();
        let declared_over = declared.is_some_and(|n| n > max as u64);
        let keep = if declared_over {
            max.min(crate::runner::RECORDED_BODY)
        } else {
            max
        };
        // What the body will take, reserved before it is read: a declared
        // length is read into one buffer of that size; an undeclared one
        // as chunks, joined at the end (so twice what came), reserved as
        // it grows.
        let expected = declared.map(|n| (n as usize).min(keep));
        let waiting = tokio::time::Instant::now();
        let mut held = self
            .bodies
            .reserve(expected.unwrap_or(64 << 10), limit)
            .await;
        // Time spent waiting for other reads is not the target's: the
        // body's deadline moves by it.
        let mut deadline = deadline + waiting.elapsed();
        let mut chunks = Vec::new();
        let mut body: Vec<u8> = Vec::with_capacity(expected.unwrap_or(0));
        let mut total = 0usize;
        let mut truncated = false;
        let read = loop {
            let chunk = match tokio::time::timeout_at(deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => chunk,
                Ok(Ok(None)) => break Ok(()),
                Ok(Err(e)) => break Err(classify(e)),
                Err(_) => {
                    break Err(TransportError::BodyTimeout {
                        ms,
                        status,
                        received: total,
                    });
                }
            };
            let whole = chunk.len();
            let take = whole.min(keep.saturating_sub(total));
            total += take;
            if expected.is_some() {
                body.extend_from_slice(&chunk[..take]);
            } else {
                // Chunks are kept as they come and joined once, at their
                // final size: a body grown by doubling would copy itself
                // and leave blocks of every size behind.
                chunks.push(if take < whole {
                    chunk.slice(..take)
                } else {
                    chunk
                });
                if let Some(permit) = held.as_mut()
                    && !self.bodies.try_grow(permit, total.saturating_mul(2))
                {
                    // No room now: wait, holding nothing of the gate (so
                    // no two reads wait on each other), for room for the
                    // largest body.
                    drop(held.take());
                    let waiting = tokio::time::Instant::now();
                    held = self.bodies.reserve(keep.saturating_mul(2), limit).await;
                    deadline += waiting.elapsed();
                }
            }
            if take < whole || (declared_over && total >= keep) {
                truncated = true;
                break Ok(());
            }
        };
        if declared_over {
            truncated = true;
        }
        if let Err(e) = read {
            return Err(e.into());
        }
        // What is over the cap is never judged, so only what a report
        // shows is kept of it.
        let kept = if truncated {
            total.min(crate::runner::RECORDED_BODY)
        } else {
            total
        };
        if expected.is_some() {
            body.truncate(kept);
            // A declared length that was a lie leaves room unused.
            if body.capacity() > body.len() * 2 {
                body.shrink_to_fit();
            }
        } else {
            body.reserve_exact(kept);
            for chunk in &chunks {
                let room = kept - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
        }
        drop(chunks);
        Ok(HttpResponse {
            status,
            headers,
            body,
            truncated,
            elapsed_ms: started.elapsed().as_millis() as u64,
            received: (truncated && total > kept).then_some(total),
            // Kept until the body is judged and dropped, or cut to what a
            // report keeps: parsing it takes a few times its size.
            hold: held.map(Hold::new).unwrap_or_default(),
        })
    }
}

/// Whether a request failed because its connection was closed or reset
/// before any answer came: hyper's "connection closed before message
/// completed", or a reset, broken pipe or early end of the stream inside
/// hyper while the request was written or the answer awaited. The error's
/// types decide, never its words. Not a connect failure, a timeout or a
/// TLS failure: those say the target is not answering, and are counted as
/// such rather than retried.
/// The URL without its `user:password@`, and the `Basic` credential they
/// make (percent-decoded first, as HTTP clients do), when it has them.
fn basic_credentials(url: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    // Most URLs have no `@`, and parsing costs more than the check.
    if !url.contains('@') {
        return None;
    }
    let parsed = reqwest::Url::parse(url).ok()?;
    if parsed.username().is_empty() && parsed.password().is_none() {
        return None;
    }
    let decode =
        |s: &str| crate::report::secrets::percent_decode(s).unwrap_or_else(|_| s.to_string());
    let pair = format!(
        "{}:{}",
        decode(parsed.username()),
        decode(parsed.password().unwrap_or_default())
    );
    Some((
        crate::report::without_credentials(url),
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ),
    ))
}

/// A throttling answer: 429, or an error named ThrottlingException.
fn throttled(response: &HttpResponse) -> bool {
    if response.status == 429 {
        return true;
    }
    // Only an error answer can name an error; reading every listing page
    // for one would parse each body once more.
    if response.status < 400 {
        return false;
    }
    let body = response.json().ok();
    error_signals(response, body.as_ref())
        .iter()
        .any(|(_, name)| normalise_error_name(name) == "ThrottlingException")
}

/// What an attempt says of the target's load (see [`super::pace`]): a
/// throttled answer or a timeout pushes back; an answer tells how long the
/// target took; other failures say nothing of load.
fn load_signal(
    outcome: &Result<HttpResponse, TransportError>,
    answered_in: Option<Duration>,
) -> Option<super::pace::Signal> {
    use super::pace::Signal;
    match outcome {
        Ok(response) if throttled(response) || response.status == 503 => Some(Signal::PushedBack),
        Ok(_) => answered_in.map(Signal::Answered),
        Err(TransportError::Timeout(_) | TransportError::BodyTimeout { .. }) => {
            Some(Signal::PushedBack)
        }
        Err(_) => None,
    }
}

fn backoff(retry: RetryPolicy, attempt: u32, response: &HttpResponse) -> Duration {
    let asked = response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let exponential = retry
        .base_delay
        .saturating_mul(1u32 << (attempt - 1).min(16));
    asked.unwrap_or(exponential).min(retry.max_delay)
}
