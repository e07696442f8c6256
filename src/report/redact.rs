//! What never leaves a run in the clear: credential headers, secret-looking
//! header names, a URL's password. Every format and file goes through here.

use super::*;

/// Headers whose values never appear in any report, snapshot or log, on
/// top of every header whose name says it carries a credential (see
/// [`SECRET_NAME_PARTS`]).
pub const ALWAYS_REDACTED: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-amz-security-token",
    "cookie",
    "set-cookie",
];

/// A header whose name contains one of these (case-insensitive) is secret:
/// `X-Auth-Token`, `X-Api-Key`, `X-Session-Id`, `X-Client-Secret`, ...
/// A name that says it carries a credential is trusted to; hiding a header
/// that turns out harmless costs a reader one value, showing a key costs
/// the key.
pub const SECRET_NAME_PARTS: &[&str] = &[
    "authorization",
    "token",
    "secret",
    "password",
    "passwd",
    "api-key",
    "apikey",
    "api_key",
    "session",
    "cookie",
    "credential",
];

/// What a redacted header value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Whether a header's value must be hidden, given the user's extra names.
pub fn is_secret(header: &str, extra: &[String]) -> bool {
    let lower = header.to_ascii_lowercase();
    ALWAYS_REDACTED.iter().any(|h| *h == lower)
        || SECRET_NAME_PARTS.iter().any(|part| lower.contains(part))
        || extra.iter().any(|h| h.eq_ignore_ascii_case(header))
}

/// Hides secrets in everything an exchange recorded: secret header values
/// in the request and the response, and wherever those values (or the
/// URL's password) recur, in the URL, other headers, bodies and transport
/// errors (see [`secrets`]).
pub fn redact(exchange: &mut Exchange, extra: &[String]) {
    secrets::Secrets::of(exchange, extra).apply(exchange, extra);
}

/// [`redact`], also hiding `values` wherever they occur: the values of
/// secret variables, which a case may put anywhere in a request.
pub fn redact_with(exchange: &mut Exchange, extra: &[String], values: &[String]) {
    secrets::Secrets::of(exchange, extra)
        .with_values(values)
        .apply(exchange, extra);
}

/// Replaces `user:password@` in a URL with `[REDACTED]@`: credentials in a
/// target URL are as secret as an `Authorization` header, and saying they
/// were there tells a reader why a copied `curl` line is refused.
pub fn redact_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{REDACTED}{}", &rest[at..]),
        None => url.to_string(),
    }
}

/// Strips `user:password@` from a URL, so a target given with credentials
/// can be shown and recorded.
pub fn without_credentials(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both setters only fail on URLs that cannot have credentials,
            // which these URLs just showed they can.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let text = parsed.to_string();
            // Url adds a `/` to a bare host; keep the user's spelling.
            if url.ends_with('/') {
                text
            } else {
                text.trim_end_matches('/').to_string()
            }
        }
        _ => url.to_string(),
    }
}
