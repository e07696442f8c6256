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
