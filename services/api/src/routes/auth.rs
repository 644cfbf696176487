//! POST /api/v1/auth/login: username + password → bearer token.

use crate::AppState;
use crate::auth::{hash_password, issue_token, verify_password};
use crate::body::Body;
use crate::error::{ApiError, Code, parse_json};
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use serde_json::json;
use std::sync::OnceLock;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    username: String,
    password: String,
}

/// Verified against when the user does not exist, so both failures take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

#[post("/api/v1/auth/login")]
pub async fn login(state: web::Data<AppState>, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: Login = parse_json(&body)?;
    let user = state.service.store.user(&req.username).await?;
    let hash = user.as_ref().map_or(dummy_hash(), |u| u.secret_hash.as_str()).to_string();
    let password = req.password;
    // argon2 is CPU-heavy by design: keep it off the async workers.
    let ok = web::block(move || verify_password(&hash, &password))
        .await
        .map_err(|_| ApiError::new(Code::Internal, "password check failed"))?;
    match user {
        Some(user) if ok => {
            let ttl = state.auth.token_ttl_seconds;
            Ok(HttpResponse::Ok().json(json!({
                "access_token": issue_token(&state.auth.jwt_secret, &user, ttl),
                "token_type": "Bearer",
                "expires_in": ttl,
                "roles": user.roles,
                "scopes": user.scopes,
            })))
        }
        _ => Err(ApiError::new(Code::InvalidCredentials, "unknown user or wrong password")),
    }
}
