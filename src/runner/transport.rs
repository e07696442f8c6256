//! What a failed request was, read from the HTTP library's error: nothing
//! listening, TLS refused, a timeout, or a connection closed before any
//! answer (worth one more try), worded for the report.

use crate::engine::exchange::TransportError;

pub(super) fn closed_before_answer(e: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    if e.is_connect() || e.is_timeout() || tls_failure(e).is_some() {
        return false;
    }
    let mut through_hyper = false;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() {
                return true;
            }
            through_hyper = true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            // Only an I/O error hyper met on the connection: anywhere
            // else it is not about a connection the target closed.
            if through_hyper
                && matches!(
                    io.kind(),
                    ErrorKind::ConnectionReset
                        | ErrorKind::BrokenPipe
                        | ErrorKind::ConnectionAborted
                        | ErrorKind::UnexpectedEof
                )
            {
                return true;
            }
            // An io::Error's `source()` skips the error it wraps.
            current = io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static));
        } else {
            current = err.source();
        }
    }
    false
}

/// Whether a failure means the target gave no (complete) answer: nothing
/// listens, no TLS it accepts, no headers in time, a body that stalled, a
/// broken connection. A request that could not be built is the harness's
/// or the case's doing, not the target's.
pub fn no_answer(e: &TransportError) -> bool {
    match e {
        TransportError::Connect(_)
        | TransportError::Tls(_)
        | TransportError::Timeout(_)
        | TransportError::BodyTimeout { .. }
        | TransportError::Broken(_) => true,
        TransportError::Request(_) | TransportError::NotSent { .. } => false,
    }
}

pub(super) fn classify(e: reqwest::Error) -> TransportError {
    let text = chain(&e);
    if let Some(tls) = tls_failure(&e) {
        TransportError::Tls(tls)
    } else if e.is_connect() {
        // The outer layers only repeat the URL; the root cause says what happened.
        TransportError::Connect(root_cause(&e))
    } else if e.is_timeout() {
        TransportError::Timeout(0)
    } else if e.is_builder() {
        TransportError::Request(text)
    } else {
        TransportError::Broken(text)
    }
}

/// The certificate problem behind an error, in words, if that is what it is.
pub(super) fn tls_failure(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::{CertificateError, Error};
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(tls) = err.downcast_ref::<Error>() {
            return Some(match tls {
                Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                    "the certificate is not signed by an authority this machine trusts (self-signed or private CA)".into()
                }
                Error::InvalidCertificate(
                    CertificateError::Expired | CertificateError::ExpiredContext { .. },
                ) => "the certificate has expired".into(),
                Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                ) => "the certificate is not valid for this host name".into(),
                other => other.to_string(),
            });
        }
        // An io::Error's `source()` skips the error it wraps, which is
        // where rustls puts its own (sometimes inside another io::Error).
        current = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

pub(super) fn root_cause(e: &dyn std::error::Error) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// An error with its causes, which is where the useful words are
/// ("connection refused", "invalid HTTP version", ...).
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
