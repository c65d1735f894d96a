//! Access tokens (HS256 JWTs, 15 minutes) and opaque refresh tokens (stored only as hashes).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::{rngs::OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::error::{ServiceError, ServiceResult};

/// The `aud` claim every access token carries and every check requires.
pub const AUDIENCE: &str = "parley";
/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: u64 = 15 * 60;

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user.
    pub sub: Uuid,
    /// The session it belongs to, so revoking the session revokes the token.
    pub sid: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Always [`AUDIENCE`].
    pub aud: String,
}

/// Signs and checks access tokens with the configured secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    /// Keys from the shared secret.
    pub fn new(secret: &[u8]) -> Self {
        // Only HS256 is accepted, which rules out `alg: none` and algorithm confusion.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "aud"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A fresh access token for the session, and its lifetime in seconds.
    pub fn issue(&self, user_id: Uuid, session_id: Uuid) -> ServiceResult<(String, u64)> {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user_id,
            sid: session_id,
            iat: now,
            exp: now + ACCESS_TTL_SECS as i64,
            aud: AUDIENCE.to_owned(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ServiceError::Internal(format!("signing failed: {e}")))?;
        Ok((token, ACCESS_TTL_SECS))
    }

    /// The claims of a genuine, unexpired token for this audience.
    pub fn verify(&self, token: &str) -> ServiceResult<AccessClaims> {
        decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ServiceError::Unauthenticated("invalid or expired access token"))
    }
}

/// A new refresh token (256 random bits, URL-safe) and the hash that is stored.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// SHA-256 of a refresh token; enough for 256-bit random secrets, and fast to look up.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an-adequately-long-test-secret-of-32-bytes";

    #[test]
    fn issued_tokens_verify() {
        let keys = TokenKeys::new(SECRET);
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let (token, ttl) = keys.issue(user, session).expect("issue");
        assert_eq!(ttl, ACCESS_TTL_SECS);
        let claims = keys.verify(&token).expect("verify");
        assert_eq!((claims.sub, claims.sid), (user, session));
    }

    #[test]
    fn rejects_foreign_expired_and_unsigned_tokens() {
        let keys = TokenKeys::new(SECRET);
        let (token, _) = keys.issue(Uuid::new_v4(), Uuid::new_v4()).expect("issue");
        assert!(TokenKeys::new(b"another-secret-another-secret-32b")
            .verify(&token)
            .is_err());

        let now = Utc::now().timestamp();
        let expired = AccessClaims {
            sub: Uuid::new_v4(),
            sid: Uuid::new_v4(),
            iat: now - 3600,
            exp: now - 1800,
            aud: AUDIENCE.into(),
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &expired,
            &EncodingKey::from_secret(SECRET),
        )
        .expect("encode");
        assert!(keys.verify(&token).is_err());

        let wrong_aud = AccessClaims {
            exp: now + 600,
            iat: now,
            aud: "other".into(),
            ..expired
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &wrong_aud,
            &EncodingKey::from_secret(SECRET),
        )
        .expect("encode");
        assert!(keys.verify(&token).is_err());

        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(
                serde_json::to_vec(&AccessClaims {
                    aud: AUDIENCE.into(),
                    ..wrong_aud
                })
                .expect("json")
            )
        );
        assert!(keys.verify(&none).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(ha, hash_refresh_token(&a));
    }
}
