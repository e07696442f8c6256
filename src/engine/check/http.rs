//! HTTP-level checks: the status, the Content-Type, named headers, and how
//! an error answer names and explains its error.

use super::{CheckKind, CheckResult, truncate};
use crate::engine::case::{HeaderCheck, Level};
use crate::engine::diagnose::Diagnosis;
use crate::engine::exchange::HttpResponse;
use crate::model::ErrorKind;
use serde_json::Value;

/// The answer's status is one of `codes`.
pub(super) fn status_check(codes: &[u16], response: &HttpResponse, level: Level) -> CheckResult {
    CheckResult::holds(
        CheckKind::Status,
        level,
        codes.contains(&response.status),
        format!("status {}", response.status),
        format!(
            "status {} where {} was expected{}",
            response.status,
            list_codes(codes),
            error_hint(response)
        ),
    )
    .expecting(
        Some(serde_json::json!(codes)),
        Some(serde_json::json!(response.status)),
    )
}

pub(super) fn list_codes(codes: &[u16]) -> String {
    match codes {
        [one] => one.to_string(),
        many => {
            let parts: Vec<String> = many.iter().map(u16::to_string).collect();
            format!("one of {}", parts.join(", "))
        }
    }
}

/// For an unexpected error answer, the error's name and message help more
/// than the bare status.
pub(super) fn error_hint(response: &HttpResponse) -> String {
    if (300..400).contains(&response.status) {
        // Redirects are not followed (the verdict is about this endpoint),
        // so the reader needs to see where the target pointed.
        return match response.header("location") {
            Some(to) => format!(
                " (a redirect to {}, which the harness does not follow; if the API lives there, make that the target)",
                truncate(to, 300)
            ),
            None => " (a redirect with no Location header)".into(),
        };
    }
    if response.status < 400 {
        return String::new();
    }
    let body = response.json().ok();
    let name = error_signals(response, body.as_ref()).into_iter().next();
    let message = body
        .as_ref()
        .and_then(|b| b.get("message").or_else(|| b.get("Message")))
        .and_then(Value::as_str)
        .map(|m| truncate(m, 160));
    match (name, message) {
        (Some((_, n)), Some(m)) => format!(" ({n}: {m})"),
        (Some((_, n)), None) => format!(" ({n})"),
        (None, Some(m)) => format!(" ({m})"),
        (None, None) => String::new(),
    }
}

pub(super) fn content_type_check(response: &HttpResponse, level: Level) -> CheckResult {
    let ct = response.header("content-type");
    let ok = ct.is_some_and(|v| {
        let media = v
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        media == "application/json"
            || media.ends_with("+json")
            || media == "application/x-amz-json-1.1"
    });
    CheckResult::holds(
        CheckKind::ContentType,
        level,
        ok,
        "Content-Type is JSON".into(),
        match ct {
            Some(v) => format!("Content-Type is {v:?}, not application/json"),
            None => {
                "no Content-Type header; a JSON body should be labelled application/json".into()
            }
        },
    )
}

/// Error names as the REST-JSON protocol carries them, normalised the way
/// AWS SDKs do: anything from the first ':' on and any namespace up to '#'
/// are dropped. Returns (where, name).
pub fn error_signals(response: &HttpResponse, body: Option<&Value>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(h) = response.header("x-amzn-ErrorType") {
        out.push(("x-amzn-ErrorType header", normalise_error_name(h)));
    }
    if let Some(b) = body {
        for (member, label) in [
            ("__type", "body member __type"),
            ("code", "body member code"),
        ] {
            if let Some(v) = b.get(member).and_then(Value::as_str) {
                out.push((label, normalise_error_name(v)));
            }
        }
    }
    out.retain(|(_, n)| !n.is_empty());
    out
}

pub fn normalise_error_name(raw: &str) -> String {
    let before_colon = raw.split(':').next().unwrap_or("");
    let after_hash = before_colon.rsplit('#').next().unwrap_or("");
    after_hash.trim().to_string()
}

pub(super) fn error_type_check(
    response: &HttpResponse,
    body: Option<&Value>,
    expected: ErrorKind,
    level: Level,
) -> CheckResult {
    let signals = error_signals(response, body);
    if signals.is_empty() {
        return CheckResult::fail(
            CheckKind::ErrorName,
            level,
            format!(
                "the answer does not name its error: no x-amzn-ErrorType header and no __type or code in the body (expected {expected})"
            ),
        )
        .expecting(Some(Value::from(expected.as_str())), None)
        .diagnosed(Some(Diagnosis::ErrorNotNamed));
    }
    let wrong: Vec<String> = signals
        .iter()
        .filter(|(_, n)| n != expected.as_str())
        .map(|(w, n)| format!("{w} says {n}"))
        .collect();
    if wrong.is_empty() {
        CheckResult::pass(
            CheckKind::ErrorType,
            level,
            format!("error named {expected} ({})", signals[0].0),
        )
    } else {
        CheckResult::fail(
            CheckKind::ErrorType,
            level,
            format!("expected error {expected}, but {}", wrong.join(", ")),
        )
        .expecting(
            Some(Value::from(expected.as_str())),
            signals
                .iter()
                .find(|(_, n)| n != expected.as_str())
                .map(|(_, n)| Value::from(n.as_str())),
        )
    }
}

/// An error body says what went wrong in `message` (or `Message`, as some
/// AWS services spell it).
pub(super) fn error_message_check(body: &Value, level: Level) -> CheckResult {
    let has_message = body
        .get("message")
        .and_then(Value::as_str)
        .is_some_and(|m| !m.is_empty())
        || body
            .get("Message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty());
    CheckResult::holds(
        CheckKind::ErrorMessage,
        level,
        has_message,
        "error body explains the error in `message`".into(),
        "error body has no `message` saying what went wrong".into(),
    )
}

pub(super) fn header_check(
    response: &HttpResponse,
    name: &str,
    check: &HeaderCheck,
    level: Level,
) -> CheckResult {
    let value = response.header(name);
    let mut problems = Vec::new();
    if let Some(present) = check.present
        && present != value.is_some()
    {
        problems.push(if present {
            format!("header {name} is missing")
        } else {
            format!(
                "header {name} should be absent but is {:?}",
                value.unwrap_or_default()
            )
        });
    }
    if let Some(expected) = &check.equals {
        match value {
            Some(v) if v == expected => {}
            Some(v) => problems.push(format!("header {name} is {v:?}, expected {expected:?}")),
            None => problems.push(format!("header {name} is missing (expected {expected:?})")),
        }
    }
    if let Some(part) = &check.contains {
        match value {
            Some(v) if v.to_ascii_lowercase().contains(&part.to_ascii_lowercase()) => {}
            Some(v) => problems.push(format!(
                "header {name} is {v:?}, which does not contain {part:?}"
            )),
            None => problems.push(format!(
                "header {name} is missing (expected it to contain {part:?})"
            )),
        }
    }
    // A case that checks Content-Type through `headers` checks the same
    // thing as the content type check (LCJ-CONV-003), and counts against
    // the same requirement, not against the other headers the case names.
    let kind = if name.eq_ignore_ascii_case("content-type") {
        CheckKind::ContentType
    } else {
        CheckKind::Header
    };
    if problems.is_empty() {
        return CheckResult::pass(kind, level, format!("header {name} as expected"));
    }
    // A missing error-type header on an answer that names its error
    // nowhere else is the same defect the error name check finds.
    let unnamed = value.is_none()
        && name.eq_ignore_ascii_case("x-amzn-ErrorType")
        && response.status >= 400
        && error_signals(response, response.json().ok().as_ref()).is_empty();
    CheckResult::fail(kind, level, problems.join("; "))
        .about(super::Subject {
            // The Content-Type is judged as the content type check judges
            // it (see `kind`), and is the same subject.
            rule: (kind == CheckKind::Header).then(|| name.to_ascii_lowercase()),
            ..super::Subject::default()
        })
        .expecting(None, value.map(Value::from))
        .diagnosed(unnamed.then_some(Diagnosis::ErrorNotNamed))
}
