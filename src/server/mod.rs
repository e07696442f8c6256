//! The reference implementation of `ListClassificationJobs`.
//!
//! It answers from an in-memory job set (the canonical fixture unless told
//! otherwise) and is both the harness's default target and the yardstick the
//! suite is checked against. It shares only the document's types
//! ([`crate::model`]) with the checks.
//!
//! Behaviour where the document is silent (default page size, default order,
//! which comparators apply to which key, ...) is listed in
//! `docs/open-choices.md`.

pub(crate) mod error;
pub mod request;
pub mod sigv4;
pub mod store;
pub mod synth;
pub mod token;

use crate::model::{ErrorKind, JobSummary};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use error::ApiError;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::JobStore;
use token::TokenSealer;

/// The canonical fixture, built into the binary so `serve` works anywhere.
pub const EMBEDDED_FIXTURE: &str = include_str!("../../cases/fixtures/jobs.json");

/// Request header that asks a server started with fault injection to answer
/// with a given error. Its value is an error name (`ThrottlingException`) or
/// the error's status code (`429`).
pub const FAULT_HEADER: &str = "x-macie-conform-fault";

/// Request bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Why a server could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot read fixture {path}: {source}; check the path passed to --fixture")]
    ReadFixture {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "fixture {origin} is not a JSON array of job summaries (line {line}, column {column}): {reason}"
    )]
    ParseFixture {
        origin: String,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("fixture {origin}: {source}")]
    BadFixture {
        origin: String,
        source: store::StoreError,
    },
    #[error("cannot listen on {addr}: {source}; pick another port or use --port 0")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

/// Parses a job set in the response shape (a JSON array of `JobSummary`).
/// `origin` names the source in error messages.
pub fn parse_jobs(text: &str, origin: &str) -> Result<Vec<JobSummary>, ServerError> {
    serde_json::from_str(text).map_err(|e| ServerError::ParseFixture {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        reason: error::json_reason(&e),
    })
}

/// What the server answers from and how.
pub struct ServerConfig {
    pub store: JobStore,
    /// Honour [`FAULT_HEADER`]. Off unless asked for.
    pub faults: bool,
    pub choices: Choices,
    /// Refuse requests without a valid SigV4 signature by this key
    /// (`serve --sigv4-credentials`). Off unless asked for.
    pub sigv4: Option<sigv4::Verifier>,
}

/// Other legal answers where the document leaves the choice open. The
/// defaults are the reference server's own choices (docs/open-choices.md);
/// each switch makes the most extreme alternative that is still correct, so
/// the suite can be proven never to fail a server that chose differently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Choices {
    /// Hand out plain offsets as tokens (see [`TokenSealer::plain`]).
    pub plain_tokens: bool,
    /// Answer every filter key with every comparator (OC-7) instead of
    /// refusing the pairs [`request::supports`] leaves out.
    pub every_pair: bool,
}

impl ServerConfig {
    /// The embedded canonical fixture.
    pub fn embedded() -> Result<Self, ServerError> {
        Self::from_text(EMBEDDED_FIXTURE, "(embedded cases/fixtures/jobs.json)")
    }

    /// A fixture file in the response shape.
    pub fn from_file(path: &Path) -> Result<Self, ServerError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServerError::ReadFixture {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(&text, &path.display().to_string())
    }

    /// `n` synthetic jobs (see [`synth::jobs`]), each rendered when a page
    /// lists it.
    pub fn synthetic(n: usize) -> Result<Self, ServerError> {
        let store = JobStore::synthetic(n).map_err(|source| ServerError::BadFixture {
            origin: format!("(synthetic, {n} jobs)"),
            source,
        })?;
        Ok(ServerConfig {
            store,
            faults: false,
            choices: Choices::default(),
            sigv4: None,
        })
    }

    pub fn from_text(text: &str, origin: &str) -> Result<Self, ServerError> {
        Self::from_jobs(parse_jobs(text, origin)?, origin)
    }

    pub fn from_jobs(jobs: Vec<JobSummary>, origin: &str) -> Result<Self, ServerError> {
        let store = JobStore::new(jobs).map_err(|source| ServerError::BadFixture {
            origin: origin.to_string(),
            source,
        })?;
        Ok(ServerConfig {
            store,
            faults: false,
            choices: Choices::default(),
            sigv4: None,
        })
    }

    pub fn with_choices(mut self, choices: Choices) -> Self {
        self.choices = choices;
        self
    }

    pub fn with_faults(mut self, on: bool) -> Self {
        self.faults = on;
        self
    }

    pub fn with_sigv4(mut self, verifier: Option<sigv4::Verifier>) -> Self {
        self.sigv4 = verifier;
        self
    }
}

struct AppState {
    store: JobStore,
    sealer: TokenSealer,
    faults: bool,
    every_pair: bool,
}

/// The server's routes, ready to be served or driven in-process.
pub fn router(config: ServerConfig) -> Router {
    let verifier = config.sigv4.clone();
    let state = Arc::new(AppState {
        store: config.store,
        sealer: if config.choices.plain_tokens {
            TokenSealer::plain()
        } else {
            TokenSealer::random()
        },
        faults: config.faults,
        every_pair: config.choices.every_pair,
    });
    let app = Router::new()
        .route(
            "/jobs/list",
            post(list_jobs).fallback(|| async {
                let mut r = protocol_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "MethodNotAllowedException",
                    "/jobs/list only accepts POST",
                );
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                r
            }),
        )
        .fallback(|| async {
            protocol_error(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                "no operation at this path; ListClassificationJobs is POST /jobs/list",
            )
        })
        .with_state(state);
    // Outside the routes, as the service checks a signature before it
    // looks at the path or the body; inside the request id, which every
    // answer carries.
    let app = match verifier {
        Some(v) => app.layer(axum::middleware::from_fn_with_state(
            Arc::new(v),
            check_signature,
        )),
        None => app,
    };
    app.layer(axum::middleware::map_response(add_request_id))
}

async fn check_signature(
    State(verifier): State<Arc<sigv4::Verifier>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    // The payload hash covers the whole body, so it is read here and
    // handed on.
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::validation(format!(
                "request body could not be read or is larger than {MAX_BODY_BYTES} bytes"
            ))
            .into_response();
        }
    };
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // HTTP/2 carries the host as :authority, which is not a header here.
    if !parts.headers.contains_key(header::HOST)
        && let Some(authority) = parts.uri.authority()
    {
        headers.push(("host".into(), authority.as_str().to_string()));
    }
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    if let Err(refused) = verifier.verify(parts.method.as_str(), target, &headers, &bytes) {
        return refused.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

async fn list_jobs(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if state.faults
        && let Some(fault) = injected_fault(&parts.headers)
    {
        return fault.into_response();
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::validation(format!(
                "request body could not be read or is larger than {MAX_BODY_BYTES} bytes"
            ))
            .into_response();
        }
    };
    let query = match request::parse_with(&bytes, state.every_pair) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    match state.store.list(&query, &state.sealer) {
        Ok(page) => json_response(StatusCode::OK, page.body),
        Err(e) => e.into_response(),
    }
}

fn injected_fault(headers: &HeaderMap) -> Option<ApiError> {
    let value = headers.get(FAULT_HEADER)?;
    let text = value.to_str().unwrap_or("").trim();
    let kind = ErrorKind::from_name(text)
        .or_else(|| text.parse::<u16>().ok().and_then(ErrorKind::from_status));
    Some(match kind {
        Some(kind) => ApiError::new(
            kind,
            format!("{kind} injected on request ({FAULT_HEADER} header)"),
        ),
        None => ApiError::validation(format!(
            "{FAULT_HEADER}: {text:?} names no documented error; use one of {} or its status code",
            ErrorKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, Body::from(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn protocol_error(status: StatusCode, error_type: &'static str, message: &str) -> Response {
    ApiError {
        status: status.as_u16(),
        error_type,
        message: message.to_string(),
    }
    .into_response()
}

/// Every answer carries a request id, as AWS services' answers do; SDKs copy
/// it into their error and response metadata.
async fn add_request_id(mut response: Response) -> Response {
    let mut rng = fastrand::Rng::new();
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        rng.u32(..),
        rng.u16(..),
        rng.u16(..0x1000),
        rng.u16(0x8000..0xc000),
        rng.u64(..1 << 48)
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

/// A reference server listening in the background of a tokio runtime.
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result.map_err(ServerError::Serve),
            Err(e) => Err(ServerError::Serve(std::io::Error::other(e))),
        }
    }
}

/// Binds `addr` (port 0 picks a free port) and serves in a background task.
pub async fn spawn(config: ServerConfig, addr: SocketAddr) -> Result<RunningServer, ServerError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { addr, source })?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(config);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        task,
    })
}
