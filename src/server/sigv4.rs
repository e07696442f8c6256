//! `serve --sigv4-credentials`: the server checks AWS Signature Version 4
//! as the real service does, and refuses in the same words.
//!
//! The signature is recomputed over the request as received, following the
//! SigV4 definition (canonical request from the method, path, query, the
//! headers the `Authorization` header says were signed, and the payload
//! hash; string to sign with the request's `X-Amz-Date` and the scope it
//! names), so a request signed by any correct signer (boto3, the AWS CLI,
//! an AWS SDK, the harness's `--sigv4`) is accepted. The canonical request
//! is built here, not by `aws-sigv4`'s signer, because a signer decides
//! itself which headers to sign and adds `host` and `x-amz-date` its own
//! way, where a verifier must take the client's list as given; the key
//! derivation and HMAC are `aws-sigv4`'s.
//!
//! A request dated more than [`MAX_SKEW`] from the server's clock is
//! refused, as AWS does (15 minutes either way).

use super::error::ApiError;
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime};

/// How far a request's `X-Amz-Date` may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// The keys a server accepts, and what it checks signatures against.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<(String, String)>,
    service: String,
    /// The server's clock; fixed by tests that check published vectors.
    clock: Option<SystemTime>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Verifier")
            .field("access_key_ids", &ids)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// Why `--sigv4-credentials` was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "--sigv4-credentials takes ACCESS_KEY_ID:SECRET_ACCESS_KEY (both non-empty, e.g. AKIDEXAMPLE:wJalr...); the value given has no ':' or an empty part"
)]
pub struct BadCredentials;

impl Verifier {
    /// Accepts requests signed for `macie2` with the one key of
    /// `AKID:SECRET`.
    pub fn parse(spec: &str) -> Result<Verifier, BadCredentials> {
        match spec.split_once(':') {
            Some((id, secret)) if !id.trim().is_empty() && !secret.trim().is_empty() => {
                Ok(Verifier::new(id.trim(), secret.trim()))
            }
            _ => Err(BadCredentials),
        }
    }

    pub fn new(access_key_id: &str, secret_access_key: &str) -> Verifier {
        Verifier {
            keys: vec![(access_key_id.to_string(), secret_access_key.to_string())],
            service: "macie2".into(),
            clock: None,
        }
    }

    /// Checks signatures for another service name (the published test
    /// vectors use `service`).
    pub fn for_service(mut self, service: &str) -> Verifier {
        self.service = service.to_string();
        self
    }

    /// Judges dates against `now` instead of the system clock.
    pub fn at(mut self, now: SystemTime) -> Verifier {
        self.clock = Some(now);
        self
    }

    pub fn access_key_id(&self) -> &str {
        self.keys.first().map_or("", |(id, _)| id.as_str())
    }

    /// Accepts the request, or says why not as the service would.
    /// `path_and_query` is the request target as received; `headers` as
    /// received, in order.
    pub fn verify(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<(), ApiError> {
        let Some(authorization) = header(headers, "authorization") else {
            return Err(refuse(
                403,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token: the request has no Authorization header; sign it with AWS Signature Version 4 (service macie2)".into(),
            ));
        };
        let auth = Authorization::parse(&authorization).map_err(|why| {
            refuse(
                400,
                "IncompleteSignatureException",
                format!("the Authorization header is not a SigV4 signature: {why}"),
            )
        })?;
        let Some((_, secret)) = self.keys.iter().find(|(id, _)| *id == auth.access_key_id) else {
            return Err(refuse(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid: the access key id is not known to this server".into(),
            ));
        };
        let Some(stamp) = header(headers, "x-amz-date") else {
            return Err(refuse(
                400,
                "IncompleteSignatureException",
                "the request has no X-Amz-Date header; a SigV4 request must carry the time it was signed".into(),
            ));
        };
        let signed_at = parse_amz_date(&stamp).ok_or_else(|| {
            refuse(
                400,
                "IncompleteSignatureException",
                format!("X-Amz-Date {stamp:?} is not a date in the form 20150830T123600Z"),
            )
        })?;
        let now = self.clock.unwrap_or_else(SystemTime::now);
        let skew = match now.duration_since(signed_at) {
            Ok(past) => past,
            Err(future) => future.duration(),
        };
        if skew > MAX_SKEW {
            return Err(refuse(
                403,
                "InvalidSignatureException",
                format!(
                    "Signature expired or not yet current: X-Amz-Date {stamp} is more than 15 minutes from the server's time; check the signing machine's clock"
                ),
            ));
        }
        if auth.date != stamp[..8] {
            return Err(invalid(format!(
                "the credential scope's date {} is not the date of X-Amz-Date {stamp}",
                auth.date
            )));
        }
        if auth.service != self.service {
            return Err(invalid(format!(
                "Credential should be scoped to correct service: '{}', not '{}'",
                self.service, auth.service
            )));
        }
        if !auth.signed_headers.iter().any(|h| h == "host") {
            return Err(invalid(
                "'Host' must be a signed header in the Authorization header".into(),
            ));
        }
        let canonical =
            canonical_request(method, path_and_query, headers, &auth.signed_headers, body);
        let string_to_sign = string_to_sign(&stamp, &auth.scope(), &canonical);
        let key = aws_sigv4::sign::v4::generate_signing_key(
            secret,
            signed_at,
            &auth.region,
            &auth.service,
        );
        let expected = aws_sigv4::sign::v4::calculate_signature(key, string_to_sign.as_bytes());
        if !constant_time_eq(
            expected.as_bytes(),
            auth.signature.to_ascii_lowercase().as_bytes(),
        ) {
            return Err(invalid(
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".into(),
            ));
        }
        Ok(())
    }
}

fn refuse(status: u16, error_type: &'static str, message: String) -> ApiError {
    ApiError {
        status,
        error_type,
        message,
    }
}

fn invalid(message: String) -> ApiError {
    refuse(403, "InvalidSignatureException", message)
}

/// All values of a header, joined by `,` as SigV4 joins repeated headers.
fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The parts of `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
#[derive(Debug)]
struct Authorization {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl Authorization {
    fn parse(value: &str) -> Result<Authorization, String> {
        let rest = value
            .trim()
            .strip_prefix("AWS4-HMAC-SHA256")
            .filter(|r| r.starts_with([' ', '\t']))
            .ok_or("it does not start with AWS4-HMAC-SHA256")?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let Some((k, v)) = part.trim().split_once('=') else {
                return Err(format!("{:?} is not name=value", part.trim()));
            };
            match k.trim() {
                "Credential" => credential = Some(v.trim()),
                "SignedHeaders" => signed = Some(v.trim()),
                "Signature" => signature = Some(v.trim()),
                _ => {}
            }
        }
        let credential = credential.ok_or("it has no Credential")?;
        let signed = signed.ok_or("it has no SignedHeaders")?;
        let signature = signature.ok_or("it has no Signature")?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [id, date, region, service, "aws4_request"] = scope[..] else {
            return Err(
                "its Credential is not ACCESS_KEY_ID/DATE/REGION/SERVICE/aws4_request".into(),
            );
        };
        if id.is_empty() || date.len() != 8 || region.is_empty() || service.is_empty() {
            return Err("its Credential has an empty or malformed part".into());
        }
        Ok(Authorization {
            access_key_id: id.to_string(),
            date: date.to_string(),
            region: region.to_string(),
            service: service.to_string(),
            signed_headers: signed
                .split(';')
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            signature: signature.to_string(),
        })
    }

    fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

fn parse_amz_date(stamp: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let at = time::PrimitiveDateTime::parse(stamp, &format).ok()?;
    let seconds = at.assume_utc().unix_timestamp();
    let seconds = u64::try_from(seconds).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// The canonical request of SigV4 (AWS's definition, as for every service
/// but S3): the path normalised and URI-encoded a second time, the query's
/// parameters encoded and sorted, the signed headers lower-cased with their
/// values trimmed and inner runs of spaces folded, the body's SHA-256.
pub fn canonical_request(
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    signed_headers: &[String],
    body: &[u8],
) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut out = String::new();
    out.push_str(method);
    out.push('\n');
    out.push_str(&encode(&normalize_path(path), false));
    out.push('\n');
    out.push_str(&canonical_query(query));
    out.push('\n');
    for name in signed_headers {
        let values: Vec<String> = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| fold_spaces(v))
            .collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(&hex(&Sha256::digest(body)));
    out
}

fn string_to_sign(stamp: &str, scope: &str, canonical: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fold_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 3986 dot segments removed and empty segments dropped, as AWS's
/// signers normalise paths before signing (a trailing `/` is kept).
fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    if !(path.contains('.') || path.contains("//")) {
        return path.to_string();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    if (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..")) && !out.ends_with('/')
    {
        out.push('/');
    }
    out
}

/// Percent-encodes all but RFC 3986's unreserved characters (and `/` in a
/// path). A path arrives encoded once, so this is the second encoding
/// SigV4 asks for outside S3.
fn encode(text: &str, slash_too: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (b == b'/' && !slash_too)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_at = |at: usize| {
            bytes
                .get(at)
                .and_then(|c| (*c as char).to_digit(16))
                .map(|d| d as u8)
        };
        match (bytes[i], hex_at(i + 1), hex_at(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(k), true), encode(&decode(v), true))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Compares without stopping at the first difference, so answer times say
/// nothing about how much of a guessed signature was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // From the AWS SigV4 test suite (as shipped with aws-sigv4 1.6.4,
    // aws-signing-test-suite/v4): key, scope and time of every vector.
    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn vector_verifier() -> Verifier {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 20150830T123600Z
        Verifier::new(AKID, SECRET).for_service("service").at(at)
    }

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn get_vanilla() {
        let headers = h(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ]);
        let canonical = canonical_request(
            "GET",
            "/",
            &headers,
            &["host".into(), "x-amz-date".into()],
            b"",
        );
        assert_eq!(
            canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            string_to_sign(
                "20150830T123600Z",
                "20150830/us-east-1/service/aws4_request",
                &canonical
            ),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        vector_verifier()
            .verify("GET", "/", &headers, b"")
            .expect("get-vanilla verifies");
        // The same request with one bit of the signature changed does not.
        let mut tampered = headers.clone();
        tampered[2].1 = tampered[2].1.replace("fbf31", "fbf30");
        let refused = vector_verifier()
            .verify("GET", "/", &tampered, b"")
            .expect_err("tampered");
        assert_eq!(refused.error_type, "InvalidSignatureException");
        assert_eq!(refused.status, 403);
    }

    #[test]
    fn post_x_www_form_urlencoded() {
        let headers = h(&[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Host", "example.amazonaws.com"),
            ("Content-Length", "13"),
            ("X-Amz-Date", "20150830T123600Z"),
            (
                "x-amz-content-sha256",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
            ),
        ]);
        vector_verifier()
            .verify("POST", "/", &headers, b"Param1=value1")
            .expect("post-x-www-form-urlencoded verifies");
        // Another body under the same signature is refused.
        assert!(
            vector_verifier()
                .verify("POST", "/", &headers, b"Param1=value2")
                .is_err()
        );
    }

    #[test]
    fn get_vanilla_with_session_token() {
        let headers = h(&[
            ("Host", "example.amazonaws.com"),
            (
                "X-Amz-Security-Token",
                "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
            ),
            ("X-Amz-Date", "20150830T123600Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
            ),
        ]);
        vector_verifier()
            .verify("GET", "/", &headers, b"")
            .expect("get-vanilla-with-session-token verifies");
    }

    #[test]
    fn canonical_paths_queries_and_header_values() {
        assert_eq!(normalize_path("/./"), "/");
        assert_eq!(normalize_path("//example//"), "/example/");
        assert_eq!(normalize_path("/example/.."), "/");
        assert_eq!(normalize_path("/a/b/../c"), "/a/c");
        assert_eq!(encode("/%E1%88%B4 x", false), "/%25E1%2588%25B4%20x");
        assert_eq!(
            canonical_query("Param2=value2&Param1=value1"),
            "Param1=value1&Param2=value2"
        );
        assert_eq!(canonical_query("a=b%2Fc&-._~=~"), "-._~=~&a=b%2Fc");
        assert_eq!(canonical_query("Param1"), "Param1=");
        assert_eq!(fold_spaces("  value1   value2  "), "value1 value2");
    }

    #[test]
    fn refusals_name_the_error_the_service_would() {
        let v = vector_verifier();
        let none = v
            .verify("GET", "/", &h(&[("Host", "h")]), b"")
            .expect_err("unsigned");
        assert_eq!(
            (none.status, none.error_type),
            (403, "MissingAuthenticationTokenException")
        );
        let other = h(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
            ),
        ]);
        let unknown = v.verify("GET", "/", &other, b"").expect_err("unknown key");
        assert_eq!(
            (unknown.status, unknown.error_type),
            (403, "UnrecognizedClientException")
        );
        let garbled = h(&[("Authorization", "Bearer abc")]);
        let garbled = v.verify("GET", "/", &garbled, b"").expect_err("garbled");
        assert_eq!(
            (garbled.status, garbled.error_type),
            (400, "IncompleteSignatureException")
        );
        // Out of the 15 minutes: refused, whatever the signature.
        let late = Verifier::new(AKID, SECRET)
            .for_service("service")
            .at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160 + 16 * 60));
        let signed = h(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ]);
        let expired = late.verify("GET", "/", &signed, b"").expect_err("expired");
        assert_eq!(expired.error_type, "InvalidSignatureException");
        assert!(expired.message.contains("15 minutes"));
        let within = Verifier::new(AKID, SECRET)
            .for_service("service")
            .at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160 + 14 * 60));
        within
            .verify("GET", "/", &signed, b"")
            .expect("within the skew");
        // Signed for another service.
        let macie = Verifier::new(AKID, SECRET)
            .at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160));
        let wrong = macie.verify("GET", "/", &signed, b"").expect_err("service");
        assert!(wrong.message.contains("macie2"), "{}", wrong.message);
    }

    #[test]
    fn credentials_spec() {
        assert_eq!(
            Verifier::parse("AKID:se:cret").expect("parsed").keys[0],
            ("AKID".to_string(), "se:cret".to_string())
        );
        assert!(Verifier::parse("AKID").is_err());
        assert!(Verifier::parse(":secret").is_err());
        assert!(!format!("{:?}", Verifier::new(AKID, SECRET)).contains(SECRET));
    }
}
