//! Secrets hidden in everything an exchange records, not only in the
//! header fields that carry them.
//!
//! A target may echo what it was sent: a body that quotes the request's
//! headers, an error naming the token it refused, a `Location` built from
//! the URL with its `user:password@`. So the values of secret headers (and
//! a URL's password) are looked for in every recorded text (URL, header
//! values, bodies, transport errors) and replaced with [`REDACTED`]; what
//! the checks, snapshots and reports are made from then holds no secret.

use super::{REDACTED, is_secret};
use crate::engine::exchange::{Exchange, TransportError};
use std::borrow::Cow;

/// Values shorter than this are hidden in their header fields but not
/// searched for in free text. Replacing every `1`, `ab` or `yes` in bodies
/// and messages would make reports unreadable and would even point at the
/// value (the `[REDACTED]` marks spell out where it occurs); a credential
/// that short is no secret anyway, since it is guessed in a few tries.
pub const MIN_SECRET_LEN: usize = 4;

/// The secret values of one exchange, longest first (so a secret that
/// contains another is hidden whole).
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// What `exchange` holds that must not be shown: the values of its
    /// secret headers (request and response; see [`is_secret`]), and the
    /// password of its URL.
    pub fn of(exchange: &Exchange, extra: &[String]) -> Secrets {
        let mut values = Vec::new();
        let mut headers: Vec<&(String, String)> = exchange.request.headers.iter().collect();
        if let Ok(response) = &exchange.outcome {
            headers.extend(&response.headers);
        }
        for (name, value) in headers {
            if is_secret(name, extra) {
                values.extend(header_secrets(value));
            }
        }
        values.extend(url_password(&exchange.request.url));
        Secrets::finish(values)
    }

    /// These secrets and `values` too (the values of secret variables).
    pub fn with_values(self, values: &[String]) -> Secrets {
        if values.is_empty() {
            return self;
        }
        let mut all = self.values;
        all.extend(values.iter().cloned());
        Secrets::finish(all)
    }

    /// Adds the JSON-escaped spellings, drops values too short to hide and
    /// orders them longest first.
    fn finish(mut values: Vec<String>) -> Secrets {
        let mut more = Vec::new();
        for value in &values {
            // A body that quotes the value as a JSON string escapes `"` and
            // `\`; that spelling is hidden too.
            if let Ok(json) = serde_json::to_string(value) {
                let inner = &json[1..json.len() - 1];
                if inner != value {
                    more.push(inner.to_string());
                }
            }
        }
        values.extend(more);
        values.retain(|v| v.chars().count() >= MIN_SECRET_LEN && v != REDACTED);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Secrets { values }
    }

    /// `text` with every secret value, and every URL's `user:password@`,
    /// replaced.
    pub fn text(&self, text: &str) -> String {
        self.changed(text).unwrap_or_else(|| text.to_string())
    }

    /// [`Secrets::text`], or `None` when nothing in `text` needs hiding:
    /// every header and URL of every exchange is looked at, and nearly all
    /// hold nothing to hide.
    fn changed(&self, text: &str) -> Option<String> {
        if !text.contains('@') && !self.values.iter().any(|v| text.contains(v.as_str())) {
            return None;
        }
        let mut out = text.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), REDACTED);
            }
        }
        Some(strip_url_credentials(&out).into_owned())
    }

    /// `bytes` (a body, maybe not UTF-8) with every secret value replaced.
    pub fn bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for value in &self.values {
            out = replace_bytes(&out, value.as_bytes(), REDACTED.as_bytes());
        }
        out
    }

    /// Hides every secret value in `body` where it stands. A body may be
    /// `--max-body` bytes, and several cases redact at once: it is copied
    /// only when a secret is found in it, never to look.
    fn hide_in(&self, body: &mut Vec<u8>) {
        for value in &self.values {
            let needle = value.as_bytes();
            if !needle.is_empty() && body.windows(needle.len()).any(|w| w == needle) {
                *body = replace_bytes(body, needle, REDACTED.as_bytes());
            }
        }
    }

    /// Hides the secrets in everything `exchange` recorded: secret header
    /// values whole, every other text searched.
    pub fn apply(&self, exchange: &mut Exchange, extra: &[String]) {
        let request = &mut exchange.request;
        if let Some(url) = self.changed(&request.url) {
            request.url = url;
        }
        self.hide_in(&mut request.body);
        self.headers(&mut request.headers, extra);
        match &mut exchange.outcome {
            Ok(response) => {
                self.hide_in(&mut response.body);
                self.headers(&mut response.headers, extra);
            }
            Err(
                TransportError::Connect(e)
                | TransportError::Tls(e)
                | TransportError::Broken(e)
                | TransportError::Request(e),
            ) => *e = self.text(e),
            Err(
                TransportError::Timeout(_)
                | TransportError::BodyTimeout { .. }
                | TransportError::NotSent { .. },
            ) => {}
        }
    }

    fn headers(&self, headers: &mut [(String, String)], extra: &[String]) {
        for (name, value) in headers.iter_mut() {
            if is_secret(name, extra) {
                if value != REDACTED {
                    *value = REDACTED.to_string();
                }
            } else if let Some(hidden) = self.changed(value) {
                *value = hidden;
            }
        }
    }
}

/// The parts of a secret header's value that a target may echo: the whole
/// value, the credential after an auth scheme (`Bearer xyz` → `xyz`), and
/// each cookie's value (`a=xyz; b=...` → `xyz`).
fn header_secrets(value: &str) -> Vec<String> {
    let mut out = vec![value.trim().to_string()];
    if let Some((scheme, credential)) = value.trim().split_once(' ')
        && !scheme.contains(['=', ';'])
    {
        out.push(credential.trim().to_string());
    }
    for pair in value.split(';') {
        if let Some((_, v)) = pair.split_once('=') {
            out.push(v.trim().trim_matches('"').to_string());
        }
    }
    out
}

/// The password of `url`, as written and percent-decoded.
fn url_password(url: &str) -> Vec<String> {
    // Without an `@` there are no credentials, and parsing costs more
    // than the rest of hiding secrets in an exchange.
    if !url.contains('@') {
        return Vec::new();
    }
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Vec::new();
    };
    let Some(password) = parsed.password() else {
        return Vec::new();
    };
    let mut out = vec![password.to_string()];
    if let Ok(decoded) = percent_decode(password) {
        out.push(decoded);
    }
    out
}

fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// `text` with the `user:password@` of every URL in it replaced by
/// `[REDACTED]@`, wherever the URL sits (an HTTP library's error message,
/// a `Location` header): the URL's password may be shorter than
/// [`MIN_SECRET_LEN`], or spelt differently from the target given.
pub fn strip_url_credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | ')' | '`')
                    || c.is_whitespace()
            })
            .unwrap_or(after.len());
        match after[..end].rfind('@') {
            Some(user_end) => {
                out.push_str(REDACTED);
                rest = &after[user_end..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::exchange::{HttpRequest, HttpResponse};

    fn exchange(headers: &[(&str, &str)], body: &str) -> Exchange {
        Exchange {
            request: HttpRequest {
                method: "POST".into(),
                url: "http://al:p%40ss-word@127.0.0.1:1/jobs/list".into(),
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body: b"{}".to_vec(),
            },
            outcome: Ok(HttpResponse {
                status: 200,
                headers: vec![("x-echo".into(), body.into())],
                body: body.as_bytes().to_vec(),
                truncated: false,
                elapsed_ms: 1,
                received: None,
            }),
            attempts: 1,
            step: 0,
            page: None,
        }
    }

    #[test]
    fn echoed_values_are_hidden_in_bodies_and_other_headers() {
        let mut e = exchange(
            &[
                ("Authorization", "Bearer tok-123456"),
                ("x-vendor-key", "vend\"or"),
                ("x-short", "abc"),
                ("proxy-authorization", "Basic cHJveHk="),
            ],
            r#"{"seen": "Bearer tok-123456", "alone": "tok-123456", "v": "vend\"or", "pw": "p@ss-word", "short": "abc", "proxy": "cHJveHk="}"#,
        );
        let extra = vec!["X-Vendor-Key".to_string(), "x-short".to_string()];
        Secrets::of(&e, &extra).apply(&mut e, &extra);
        let Ok(r) = &e.outcome else { panic!() };
        let body = String::from_utf8_lossy(&r.body);
        for secret in ["tok-123456", "vend", "p@ss-word", "cHJveHk="] {
            assert!(!body.contains(secret), "{secret} in {body}");
            assert!(!r.headers[0].1.contains(secret), "{secret} in header");
        }
        assert!(
            body.contains(r#""short": "abc""#),
            "short values stay in text: {body}"
        );
        assert_eq!(e.request.headers[2].1, REDACTED, "but not in their header");
        assert_eq!(e.request.url, "http://[REDACTED]@127.0.0.1:1/jobs/list");
        assert!(
            serde_json::from_slice::<serde_json::Value>(&r.body).is_ok(),
            "still JSON"
        );
    }

    #[test]
    fn url_credentials_are_stripped_anywhere_in_text() {
        assert_eq!(
            strip_url_credentials(
                "error sending request for url (http://u:pw@h:1/jobs/list): refused; see https://x@y and http://plain/a@b"
            ),
            "error sending request for url (http://[REDACTED]@h:1/jobs/list): refused; see https://[REDACTED]@y and http://plain/a@b"
        );
        assert_eq!(
            strip_url_credentials("http://[REDACTED]@h"),
            "http://[REDACTED]@h"
        );
        assert!(matches!(strip_url_credentials("no url"), Cow::Borrowed(_)));
    }
}
