//! Error answers in the AWS REST-JSON style: the document's status code, the
//! error name in `x-amzn-ErrorType`, and a JSON body with a `message`.

use crate::model::ErrorKind;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error the reference server answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    /// Name sent in `x-amzn-ErrorType`; one of the documented errors, or a
    /// protocol-level name for requests that never reach the operation.
    pub error_type: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            status: kind.status(),
            error_type: kind.as_str(),
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ValidationException, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static(self.error_type),
        );
        response
    }
}

/// What a serde_json error says, without the " at line L column C" that
/// its `Display` appends: callers state the position themselves, from
/// `line()` and `column()`. serde_json has no accessor for the bare
/// message, so this is the one place that knows the suffix's wording; it is
/// cut only where it names the error's own position, so a message that
/// itself says "at line" keeps its words.
pub(crate) fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(reason) => reason.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn reason(text: &str) -> String {
        json_reason(&serde_json::from_str::<Value>(text).expect_err("not JSON"))
    }

    #[test]
    fn json_reasons_lose_only_their_position() {
        // Syntax, end of input, and a type the target does not accept.
        assert_eq!(reason("{\"a\" 1}"), "expected `:`");
        assert_eq!(reason("[1,"), "EOF while parsing a value");
        let data = serde_json::from_str::<Vec<u32>>("\"x\"").expect_err("not a list");
        assert_eq!(
            json_reason(&data),
            "invalid type: string \"x\", expected a sequence"
        );
        // Without a position (from a value, not text) nothing is cut.
        let unplaced =
            serde_json::from_value::<Vec<u32>>(Value::from("x")).expect_err("not a list");
        assert_eq!(unplaced.line(), 0);
        assert_eq!(
            json_reason(&unplaced),
            "invalid type: string \"x\", expected a sequence"
        );
        // A message that says "at line" itself keeps it.
        #[derive(Debug)]
        struct Picky;
        impl<'de> serde::Deserialize<'de> for Picky {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let _ = u32::deserialize(d)?;
                Err(serde::de::Error::custom("wanted at line 9"))
            }
        }
        let custom = serde_json::from_str::<Picky>("7").expect_err("refused");
        assert_eq!(json_reason(&custom), "wanted at line 9");
    }
}
