//! Identity: argon2 password hashes, HS256 bearer tokens (JWT), API keys for machine clients, and
//! the `Auth` extractor that every protected handler takes. There is no bypass.

use crate::AppState;
use crate::error::{ApiError, Code};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use futures_util::future::LocalBoxFuture;
use gridflow_domain::ports::Principal;
use gridflow_domain::{Actor, Role, Scope};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const ISSUER: &str = "gridflow";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub roles: Vec<Role>,
    pub scopes: Vec<Scope>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A new API key: the secret shown once to the operator, and the hash that is stored.
pub fn new_api_key() -> (String, String) {
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    let key = format!("gfk_{}", hex::encode(bytes));
    let hash = hash_api_key(&key);
    (key, hash)
}

/// API keys are long random secrets, so a fast hash suffices (no brute-forcing a 192-bit key).
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

pub fn issue_token(secret: &[u8], principal: &Principal, ttl_seconds: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: principal.id.clone(),
        roles: principal.roles.clone(),
        scopes: principal.scopes.clone(),
        iat: now,
        exp: now + ttl_seconds,
        iss: ISSUER.into(),
    };
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64.encode(serde_json::to_vec(&claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(secret);
    m.update(signing_input.as_bytes());
    let sig = B64.encode(m.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

pub fn verify_token(secret: &[u8], token: &str) -> Result<Claims, ApiError> {
    let bad = || ApiError::new(Code::Unauthenticated, "invalid bearer token; log in again");
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let header: serde_json::Value = serde_json::from_slice(&B64.decode(h).map_err(|_| bad())?).map_err(|_| bad())?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(bad());
    }
    let mut m = mac(secret);
    m.update(format!("{h}.{p}").as_bytes());
    m.verify_slice(&B64.decode(s).map_err(|_| bad())?).map_err(|_| bad())?;
    let claims: Claims = serde_json::from_slice(&B64.decode(p).map_err(|_| bad())?).map_err(|_| bad())?;
    if claims.iss != ISSUER || claims.exp <= chrono::Utc::now().timestamp() {
        return Err(ApiError::new(Code::Unauthenticated, "the bearer token has expired; log in again"));
    }
    Ok(claims)
}

/// The authenticated caller. Handlers that take it cannot run without valid credentials.
pub struct Auth(pub Actor);

async fn authenticate(
    state: web::Data<AppState>,
    authorization: Option<String>,
    api_key: Option<String>,
) -> Result<Actor, ApiError> {
    if let Some(token) = authorization.as_deref().and_then(|v| v.strip_prefix("Bearer ")) {
        let claims = verify_token(&state.auth.jwt_secret, token.trim())?;
        return Ok(Actor { id: claims.sub, roles: claims.roles, scopes: claims.scopes });
    }
    let key = api_key.or_else(|| authorization.as_deref().and_then(|v| v.strip_prefix("ApiKey ")).map(str::to_string));
    if let Some(key) = key {
        let found = state.service.store.api_key(&hash_api_key(key.trim())).await?;
        let p = found.ok_or_else(|| ApiError::new(Code::Unauthenticated, "unknown API key"))?;
        return Ok(Actor { id: p.id, roles: p.roles, scopes: p.scopes });
    }
    Err(ApiError::new(
        Code::Unauthenticated,
        "missing credentials: send `Authorization: Bearer <token>` from POST /api/v1/auth/login, or `X-Api-Key: <key>`",
    ))
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Auth, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (authorization, api_key) = (header("authorization"), header("x-api-key"));
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::new(Code::Internal, "application state missing"))?;
            authenticate(state, authorization, api_key).await.map(Auth)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            id: "w1".into(),
            name: "w1".into(),
            roles: vec![Role::GridWorker],
            scopes: vec![Scope::parse("grid:110101001001001").unwrap()],
            secret_hash: String::new(),
        }
    }

    #[test]
    fn token_round_trip_and_tampering() {
        let token = issue_token(b"secret", &principal(), 60);
        let claims = verify_token(b"secret", &token).unwrap();
        assert_eq!(claims.sub, "w1");
        assert_eq!(claims.roles, vec![Role::GridWorker]);
        assert!(verify_token(b"other", &token).is_err(), "wrong key");
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged =
            B64.encode(br#"{"sub":"w1","roles":["admin"],"scopes":[],"iat":0,"exp":9999999999,"iss":"gridflow"}"#);
        parts[1] = &forged;
        assert!(verify_token(b"secret", &parts.join(".")).is_err(), "forged claims");
        let expired = issue_token(b"secret", &principal(), -1);
        assert_eq!(verify_token(b"secret", &expired).unwrap_err().code, Code::Unauthenticated);
    }

    #[test]
    fn passwords_and_keys() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "wrong"));
        let (key, hash) = new_api_key();
        assert_eq!(hash_api_key(&key), hash);
        assert_ne!(new_api_key().0, key);
    }
}
