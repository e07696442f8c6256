//! What was sent and what came back, as plain data: the runner fills these
//! in, the checks read them, the reports render them.

use serde::Serialize;
use std::fmt;

/// A request as sent (after variable substitution and signing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(serialize_with = "lossy_text")]
    pub body: Vec<u8>,
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(serialize_with = "lossy_text")]
    pub body: Vec<u8>,
    /// The body was cut at the size cap; what is kept is its beginning.
    pub truncated: bool,
    pub elapsed_ms: u64,
    /// Set when only the body's beginning is kept: how many bytes were
    /// received. For a body within the cap all of them were judged (see
    /// [`HttpResponse::keep_at_most`]); for one cut at the cap, this is
    /// where it was cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<usize>,
    /// What must live as long as the whole body is held, and no longer
    /// (the runner's claim on memory for bodies; see [`Hold`]).
    #[serde(skip)]
    pub hold: Hold,
}

/// Something kept alive with a response's whole body and dropped with it:
/// the HTTP client's claim on the bytes bodies may take at once, so that
/// a body is counted while it is read and judged. Opaque here, never
/// recorded, and equal to every other (it says nothing about the answer).
#[derive(Clone, Default)]
pub struct Hold(Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>);

impl Hold {
    pub fn new(claim: impl std::any::Any + Send + Sync) -> Hold {
        Hold(Some(std::sync::Arc::new(claim)))
    }
}

impl PartialEq for Hold {
    fn eq(&self, _: &Hold) -> bool {
        true
    }
}

impl Eq for Hold {}

impl std::fmt::Debug for Hold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Hold(held)"
        } else {
            "Hold"
        })
    }
}

impl HttpResponse {
    /// Keeps at most `limit` bytes of the body, once it has been judged: a
    /// run keeps every case's evidence to its end, and whole bodies of up
    /// to `--max-body` each would add up to gigabytes (see
    /// `runner::RECORDED_BODY`).
    pub fn keep_at_most(&mut self, limit: usize) {
        // What is kept from here on is evidence, no longer a body in work.
        self.hold = Hold::default();
        if self.body.len() > limit {
            self.received.get_or_insert(self.body.len());
            // A fresh copy, not a shrink in place: a shrunk block stays at
            // the head of the large one it was cut from, and the hole after
            // it fits no later body, so memory would grow with every cut.
            self.body = self.body[..limit].to_vec();
        }
    }

    /// Why the body was not read whole, if it was cut at the size cap.
    pub fn cut(&self) -> Option<String> {
        if !self.truncated {
            return None;
        }
        let declared = self
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&n| n > self.body.len() as u64);
        Some(match (declared, self.received) {
            (_, Some(cut)) => {
                format!("the body is larger than the size cap and was cut after {cut} bytes")
            }
            (Some(declared), None) => format!(
                "the body is larger than the size cap (Content-Length: {declared}); only its first {} bytes were read",
                self.body.len()
            ),
            (None, None) => format!(
                "the body is larger than the size cap and was cut after {} bytes",
                self.body.len()
            ),
        })
    }

    /// What a report says about a body it does not show whole, in
    /// parentheses after the status.
    pub fn kept_note(&self) -> Option<String> {
        let shown = self.body.len();
        let declared = self
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&n| n > shown as u64);
        Some(match (self.truncated, self.received, declared) {
            (true, Some(cut), _) => format!(
                "body cut at the size cap after {cut} bytes; the report keeps its first {shown}"
            ),
            (true, None, Some(declared)) => format!(
                "body larger than the size cap (Content-Length: {declared}); its first {shown} bytes were read"
            ),
            (true, None, None) => format!("body cut at the size cap after {shown} bytes"),
            (false, Some(received), _) => format!(
                "body of {received} bytes, judged whole; the report keeps its first {shown}"
            ),
            (false, None, _) => return None,
        })
    }

    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The content coding of the body (`gzip`, `br`, ...), if it has one.
    pub fn content_encoding(&self) -> Option<&str> {
        self.header("content-encoding")
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("identity"))
    }

    /// The body as JSON, or why it is not.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        // Bodies are judged as sent, never decoded: the client is built
        // without decompression and asks for `Accept-Encoding: identity`.
        // Compressed bytes are not "invalid JSON"; saying so would send the
        // reader hunting for a syntax error.
        if let Some(coding) = self.content_encoding()
            && !self.body.is_empty()
        {
            let named = if coding.contains(',') {
                format!("compressed ({coding})")
            } else {
                format!("{coding}-compressed")
            };
            return Err(format!(
                "the body is {named} (Content-Encoding: {coding}) although the request asked for none (Accept-Encoding: identity); the harness does not decompress answers, so it cannot read this one as JSON"
            ));
        }
        if let Some(cut) = self.cut() {
            return Err(cut);
        }
        if let Some(received) = self.received {
            return Err(format!(
                "the report keeps only the first {} of the body's {received} bytes",
                self.body.len()
            ));
        }
        let text = std::str::from_utf8(&self.body).map_err(|e| {
            format!(
                "the body is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            )
        })?;
        if text.trim().is_empty() {
            return Err("the body is empty".into());
        }
        serde_json::from_str(text).map_err(|e| format!("the body is not valid JSON: {e}"))
    }
}

/// Why no response was received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TransportError {
    /// Nothing listens there, or the address cannot be reached.
    Connect(String),
    /// The target's TLS certificate was not accepted.
    Tls(String),
    /// No status line and headers within the time limit (milliseconds).
    Timeout(u64),
    /// The status line and headers came, but not the whole body within the
    /// time limit. The target is reachable; its answer is what failed.
    BodyTimeout {
        ms: u64,
        status: u16,
        /// Body bytes received before the limit.
        received: usize,
    },
    /// The connection broke while sending or receiving.
    Broken(String),
    /// The request could not be built (bad URL, bad header).
    Request(String),
    /// Not sent: the run's cap on requests (`explore --budget`) was spent.
    /// Not the target's doing.
    NotSent { budget: usize },
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Connect(e) => write!(f, "cannot connect: {e}"),
            TransportError::Tls(e) => write!(f, "TLS verification failed: {e}"),
            TransportError::Timeout(ms) => write!(f, "no complete answer within {ms} ms"),
            TransportError::BodyTimeout {
                ms,
                status,
                received,
            } => write!(
                f,
                "no complete answer within {ms} ms: status {status} and its headers came, but the body stalled after {received} byte(s)"
            ),
            TransportError::Broken(e) => write!(f, "connection broke: {e}"),
            TransportError::Request(e) => write!(f, "request could not be sent: {e}"),
            TransportError::NotSent { budget } => write!(
                f,
                "not sent: the exploration's request budget of {budget} is spent"
            ),
        }
    }
}

/// One request and its outcome, with the retries it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    pub request: HttpRequest,
    pub outcome: Result<HttpResponse, TransportError>,
    /// Attempts made; more than 1 when throttling answers were retried.
    pub attempts: u32,
    /// Index (0-based) of the case step that sent it.
    pub step: usize,
    /// Its page number (from 1) when the step is a walk.
    pub page: Option<usize>,
}

fn lossy_text<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(bytes))
}
