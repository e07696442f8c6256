//! Secrets hidden in everything an exchange records, not only in the
//! header fields that carry them.
//!
//! A target may echo what it was sent: a body that quotes the request's
//! headers, an error naming the token it refused, a `Location` built from
//! the URL with its `user:password@`. So the values of secret headers (and
//! a URL's password) are looked for in every recorded text (URL, header
//! values, bodies, transport errors) and replaced with [`REDACTED`]; what
//! the checks, snapshots and reports are made from then holds no secret.
//!
//! A target may also write what it echoes in another spelling: a JSON
//! encoder may write `/` as `\/` (PHP) or `=` as `\u003d` (Gson), a URL
//! encoder `%2F`, an HTML one `&#47;`; decoded, the report would show the
//! secret whole. So a secret is searched for in every spelling of each of
//! its characters, mixed freely ([`Secrets::find`]), and a Basic
//! credential's `user:password` counts as a secret beside its base64.

use super::{REDACTED, is_secret};
use crate::engine::exchange::{Exchange, TransportError};
use std::borrow::Cow;

/// Values shorter than this are hidden in their header fields but not
/// searched for in free text. Replacing every `1`, `ab` or `yes` in bodies
/// and messages would make reports unreadable and would even point at the
/// value (the `[REDACTED]` marks spell out where it occurs); a credential
/// that short is no secret anyway, since it is guessed in a few tries.
pub(crate) const MIN_SECRET_LEN: usize = 4;

/// The secret values of one exchange, longest first (so a secret that
/// contains another is hidden whole).
#[derive(Debug, Default, Clone)]
pub(crate) struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// What `exchange` holds that must not be shown: the values of its
    /// secret headers (request and response; see [`is_secret`]), and the
    /// password of its URL.
    pub(crate) fn of(exchange: &Exchange, extra: &[String]) -> Secrets {
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
    pub(crate) fn with_values(self, values: &[String]) -> Secrets {
        if values.is_empty() {
            return self;
        }
        let mut all = self.values;
        all.extend(values.iter().cloned());
        Secrets::finish(all)
    }

    /// Drops values too short to hide and orders them longest first. Other
    /// spellings need no entry of their own: [`Secrets::find`] reads every
    /// character in each of its encodings.
    fn finish(mut values: Vec<String>) -> Secrets {
        values.retain(|v| v.chars().count() >= MIN_SECRET_LEN && v != REDACTED);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Secrets { values }
    }

    /// `text` with every secret value, and every URL's `user:password@`,
    /// replaced.
    pub(crate) fn text(&self, text: &str) -> String {
        self.changed(text).unwrap_or_else(|| text.to_string())
    }

    /// [`Secrets::text`], or `None` when nothing in `text` needs hiding:
    /// every header and URL of every exchange is looked at, and nearly all
    /// hold nothing to hide.
    fn changed(&self, text: &str) -> Option<String> {
        let found = self.any_in(text.as_bytes());
        if !found && !text.contains('@') {
            return None;
        }
        let mut out = text.to_string();
        if found {
            let hidden = self.bytes(out.as_bytes());
            // Matches start and end on whole characters (a spelling of a
            // character is ASCII or the character itself), so the text
            // stays UTF-8; lossy only in case it did not.
            out = String::from_utf8(hidden)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        }
        Some(strip_url_credentials(&out).into_owned())
    }

    fn any_in(&self, hay: &[u8]) -> bool {
        self.values.iter().any(|v| find(hay, 0, v).is_some())
    }

    /// `bytes` (a body, maybe not UTF-8) with every secret value replaced,
    /// in whatever spelling it is written.
    pub(crate) fn bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for value in &self.values {
            out = replace_all(&out, value);
        }
        out
    }

    /// Hides every secret value in `body` where it stands. A body may be
    /// `--max-body` bytes, and several cases redact at once: it is copied
    /// only when a secret is found in it, never to look.
    fn hide_in(&self, body: &mut Vec<u8>) {
        for value in &self.values {
            if find(body, 0, value).is_some() {
                *body = replace_all(body, value);
            }
        }
    }

    /// Hides the secrets in everything `exchange` recorded: secret header
    /// values whole, every other text searched.
    pub(crate) fn apply(&self, exchange: &mut Exchange, extra: &[String]) {
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
/// value, the credential after an auth scheme (`Bearer xyz` → `xyz`), a
/// Basic credential decoded (`user:password` and the password), and each
/// cookie's value (`a=xyz; b=...` → `xyz`).
fn header_secrets(value: &str) -> Vec<String> {
    let mut out = vec![value.trim().to_string()];
    if let Some((scheme, credential)) = value.trim().split_once(' ')
        && !scheme.contains(['=', ';'])
    {
        out.push(credential.trim().to_string());
        if scheme.eq_ignore_ascii_case("basic") {
            use base64::Engine as _;
            if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credential.trim())
                && let Ok(pair) = String::from_utf8(decoded)
            {
                if let Some((_, password)) = pair.split_once(':') {
                    out.push(password.to_string());
                }
                out.push(pair);
            }
        }
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

/// `text` with every `%XX` turned back into its byte.
pub(crate) fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
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

/// `hay` with every spelling of `secret` replaced by [`REDACTED`].
fn replace_all(hay: &[u8], secret: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut at = 0;
    while let Some((start, end)) = find(hay, at, secret) {
        out.extend_from_slice(&hay[at..start]);
        out.extend_from_slice(REDACTED.as_bytes());
        at = end;
    }
    out.extend_from_slice(&hay[at..]);
    out
}

/// The first place at or after `from` where `hay` spells `secret`, each
/// character written as itself or in any encoding a JSON, URL or HTML
/// encoder may give it ([`spelling_len`]), mixed freely: `tok/a=b` is
/// found as `tok\/a\u003db`, `tok%2Fa%3Db` or `tok&#47;a=b`.
fn find(hay: &[u8], from: usize, secret: &str) -> Option<(usize, usize)> {
    let chars: Vec<char> = secret.chars().collect();
    let first = *chars.first()?;
    let mut lead = [0u8; 4];
    let lead = first.encode_utf8(&mut lead).as_bytes()[0];
    (from..hay.len())
        // Every spelling starts with the character's own first byte or
        // with one of these.
        .filter(|&i| matches!(hay[i], b'\\' | b'%' | b'&' | b'+') || hay[i] == lead)
        .find_map(|i| spelled_at(hay, i, &chars).map(|end| (i, end)))
}

/// Where the spelling of `chars` that starts at `at` ends, if one does.
/// Spellings of one character differ in length, so each is tried in turn.
fn spelled_at(hay: &[u8], at: usize, chars: &[char]) -> Option<usize> {
    let Some((&c, rest)) = chars.split_first() else {
        return Some(at);
    };
    spellings(hay.get(at..)?, c)
        .into_iter()
        .find_map(|len| spelled_at(hay, at + len, rest))
}

/// The lengths of every spelling of `c` that `hay` starts with.
fn spellings(hay: &[u8], c: char) -> Vec<usize> {
    let mut out = Vec::new();
    let mut own = [0u8; 4];
    let own = c.encode_utf8(&mut own).as_bytes();
    if hay.starts_with(own) {
        out.push(own.len());
    }
    let Some(&first) = hay.first() else {
        return out;
    };
    match first {
        b'\\' => {
            // JSON: `\uXXXX` (a surrogate pair beyond the BMP), or the
            // short escapes.
            let mut units = [0u16; 2];
            let units = c.encode_utf16(&mut units);
            let mut len = 0;
            let all = units.iter().all(|&unit| {
                let ok = hay.get(len..len + 2).is_some_and(|p| p == b"\\u")
                    && hay
                        .get(len + 2..len + 6)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u16::from_str_radix(h, 16).ok())
                        == Some(unit);
                len += 6;
                ok
            });
            if all {
                out.push(len);
            }
            let short = match c {
                '/' => Some(b'/'),
                '"' => Some(b'"'),
                '\\' => Some(b'\\'),
                '\n' => Some(b'n'),
                '\r' => Some(b'r'),
                '\t' => Some(b't'),
                '\u{8}' => Some(b'b'),
                '\u{c}' => Some(b'f'),
                _ => None,
            };
            if short.is_some() && hay.get(1).copied() == short {
                out.push(2);
            }
        }
        b'%' => {
            // URL: each UTF-8 byte as `%XX`.
            let all = own.iter().enumerate().all(|(k, &b)| {
                hay.get(3 * k) == Some(&b'%')
                    && hay
                        .get(3 * k + 1..3 * k + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        == Some(b)
            });
            if all {
                out.push(3 * own.len());
            }
        }
        b'+' if c == ' ' => out.push(1),
        b'&' => {
            // HTML: `&#47;`, `&#x2f;`, and the named entities an encoder
            // writes for the characters HTML reserves.
            let end = hay.iter().take(12).position(|&b| b == b';');
            if let Some(end) = end
                && let Ok(entity) = std::str::from_utf8(&hay[1..end])
            {
                let named = match entity {
                    "quot" => Some('"'),
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "apos" => Some('\''),
                    _ => None,
                };
                let number =
                    entity
                        .strip_prefix('#')
                        .and_then(|n| match n.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => n.parse().ok(),
                        });
                if named == Some(c) || number == Some(c as u32) {
                    out.push(end + 1);
                }
            }
        }
        _ => {}
    }
    out
}

/// `text` with the `user:password@` of every URL in it replaced by
/// `[REDACTED]@`, wherever the URL sits (an HTTP library's error message,
/// a `Location` header): the URL's password may be shorter than
/// [`MIN_SECRET_LEN`], or spelt differently from the target given.
pub(crate) fn strip_url_credentials(text: &str) -> Cow<'_, str> {
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
                hold: Default::default(),
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
    fn a_secret_is_found_in_every_spelling_an_encoder_may_give_it() {
        let secret = "tok/AB+c=d\"é";
        for spelled in [
            "tok/AB+c=d\"é",
            // JSON: `\/` (PHP), `\u003d` (Gson), `\"`, any character as
            // `\uXXXX` in either case.
            "tok\\/AB\\u002bc\\u003Dd\\\"\\u00e9",
            "\\u0074ok\\/AB+c=d\\u0022é",
            // URL and form encoding.
            "tok%2FAB%2Bc%3dd%22%C3%A9",
            // HTML.
            "tok&#47;AB&#x2B;c=d&quot;&#233;",
        ] {
            let hay = format!("[{spelled}]");
            assert_eq!(
                find(hay.as_bytes(), 0, secret),
                Some((1, hay.len() - 1)),
                "{spelled}"
            );
            assert_eq!(replace_all(hay.as_bytes(), secret), b"[[REDACTED]]");
        }
        assert_eq!(find(b"tok/AB+c=x", 0, "tok/AB+c=d"), None);
        // Beyond the BMP, JSON writes a surrogate pair.
        assert!(find(b"k\\ud83d\\ude00y", 0, "k\u{1f600}y").is_some());
    }

    #[test]
    fn a_basic_credential_hides_its_user_and_password_too() {
        let found = header_secrets("Basic YWxpY2U6cGE1NS1zZWNyZXQ=");
        assert!(
            found.contains(&"alice:pa55-secret".to_string()),
            "{found:?}"
        );
        assert!(found.contains(&"pa55-secret".to_string()), "{found:?}");
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
