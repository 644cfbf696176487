//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI document.

use crate::AppState;
use actix_web::{HttpResponse, get, web};
use prometheus::{Encoder, TextEncoder};
use serde_json::json;

#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready only while the store answers: a replica that cannot reach Postgres takes no traffic.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.service.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: store unreachable");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "code": "store_unavailable", "message": "the database is unreachable" }))
        }
    }
}

#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut buf = vec![];
    let families = state.service.metrics.registry.gather();
    if let Err(e) = TextEncoder::new().encode(&families, &mut buf) {
        tracing::error!(error = %e, "metrics encoding failed");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(buf)
}

#[get("/openapi.json")]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}

/// The dispatcher console: one static page that talks to the JSON API with the user's token.
#[get("/")]
pub async fn console() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(include_str!("../console.html"))
}

/// Browsers ask for it on every page; an empty answer keeps the log free of 404s.
#[get("/favicon.ico")]
pub async fn favicon() -> HttpResponse {
    HttpResponse::NoContent().finish()
}
