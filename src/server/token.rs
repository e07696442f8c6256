//! Page tokens: opaque to clients, verifiable by the server that issued them.
//!
//! A token carries the fingerprint of the query it belongs to and the offset
//! of the next page, sealed with an HMAC under a key drawn when the server
//! starts. So a token is rejected when it was forged, garbled, issued by
//! another server process, or replayed with a different filter or sort.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const VERSION: u8 = 1;
const FINGERPRINT_LEN: usize = 16;
const TAG_LEN: usize = 16;
const PAYLOAD_LEN: usize = 1 + FINGERPRINT_LEN + 8;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not something this server could have issued (bad encoding, bad seal).
    NotIssued,
    /// Issued for a query with another filter or sort.
    OtherQuery,
}

/// Issues and verifies tokens for one server process.
pub struct TokenSealer {
    /// `None`: plain tokens (see [`TokenSealer::plain`]).
    key: Option<[u8; 32]>,
}

impl TokenSealer {
    /// A sealer with a fresh random key.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        for b in &mut key {
            *b = fastrand::u8(..);
        }
        TokenSealer { key: Some(key) }
    }

    /// Unsealed tokens: base64url of `{"offset":N}`, valid for any query.
    /// The document says nothing of what a token holds, so a server may
    /// hand out plain offsets and accept any it can read; the suite must
    /// not fail such a server.
    pub fn plain() -> Self {
        TokenSealer { key: None }
    }

    /// Whether this sealer hands out plain tokens, which clients can read
    /// and make.
    pub fn is_plain(&self) -> bool {
        self.key.is_none()
    }

    pub fn issue(&self, fingerprint: &[u8; FINGERPRINT_LEN], offset: u64) -> String {
        if self.key.is_none() {
            return URL_SAFE_NO_PAD.encode(format!("{{\"offset\":{offset}}}"));
        }
        let mut bytes = Vec::with_capacity(PAYLOAD_LEN + TAG_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(fingerprint);
        bytes.extend_from_slice(&offset.to_be_bytes());
        let tag = self.tag(&bytes);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Returns the offset a token points at, if it was issued by this sealer
    /// for a query with this fingerprint.
    pub fn verify(
        &self,
        token: &str,
        fingerprint: &[u8; FINGERPRINT_LEN],
    ) -> Result<u64, TokenError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| TokenError::NotIssued)?;
        if self.key.is_none() {
            return serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("offset").and_then(serde_json::Value::as_u64))
                .ok_or(TokenError::NotIssued);
        }
        if bytes.len() != PAYLOAD_LEN + TAG_LEN || bytes[0] != VERSION {
            return Err(TokenError::NotIssued);
        }
        let (payload, tag) = bytes.split_at(PAYLOAD_LEN);
        let mut mac = self.mac();
        mac.update(payload);
        mac.verify_truncated_left(tag)
            .map_err(|_| TokenError::NotIssued)?;
        if payload[1..1 + FINGERPRINT_LEN] != fingerprint[..] {
            return Err(TokenError::OtherQuery);
        }
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&payload[1 + FINGERPRINT_LEN..]);
        Ok(u64::from_be_bytes(offset))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail for 32 bytes.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key.unwrap_or_default())
            .expect("HMAC takes any key length")
    }

    fn tag(&self, payload: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = self.mac();
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let sealer = TokenSealer::random();
        let fp = [7u8; 16];
        let token = sealer.issue(&fp, 300);
        assert_eq!(sealer.verify(&token, &fp), Ok(300));
        assert_eq!(
            sealer.verify(&token, &[8u8; 16]),
            Err(TokenError::OtherQuery)
        );
        assert_eq!(
            TokenSealer::random().verify(&token, &fp),
            Err(TokenError::NotIssued)
        );
        assert_eq!(
            sealer.verify("not a token", &fp),
            Err(TokenError::NotIssued)
        );
        assert_eq!(sealer.verify("", &fp), Err(TokenError::NotIssued));
        // Flip one character of the sealed part.
        let mut garbled: Vec<char> = token.chars().collect();
        let last = garbled.len() - 2;
        garbled[last] = if garbled[last] == 'A' { 'B' } else { 'A' };
        let garbled: String = garbled.into_iter().collect();
        assert_eq!(sealer.verify(&garbled, &fp), Err(TokenError::NotIssued));
    }
}
