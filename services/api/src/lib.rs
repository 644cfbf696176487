//! Gridflow's HTTP API on actix-web: auth, cases and actions, reference data, live queues, ops
//! endpoints and the OpenAPI document. Handlers parse, make one service call and map the result.

pub mod auth;
mod body;
pub mod error;
mod http_metrics;
mod openapi;
mod openapi_actions;
mod routes;
pub mod views;

use actix_web::web;
use error::{ApiError, Code};
use gridflow_engine::CaseService;

/// Token signing and lifetime.
#[derive(Clone)]
pub struct AuthConfig {
    pub jwt_secret: Vec<u8>,
    pub token_ttl_seconds: i64,
}

pub struct AppState {
    pub service: CaseService,
    pub auth: AuthConfig,
}

/// Registers every route and the error handlers that keep extractor failures in the JSON shape.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|e, _| ApiError::new(Code::NotFound, e.to_string()).into()))
        .service(routes::ops::console)
        .service(routes::ops::favicon)
        .service(routes::ops::healthz)
        .service(routes::ops::readyz)
        .service(routes::ops::metrics)
        .service(routes::ops::openapi)
        .service(routes::auth::login)
        .service(routes::cases::submit)
        .service(routes::cases::list)
        .service(routes::cases::read)
        .service(routes::cases::act)
        .service(routes::metrics::sla)
        .service(routes::calendars::list)
        .service(routes::calendars::due)
        .service(routes::calendars::export)
        .service(routes::calendars::save)
        .service(routes::reference::categories)
        .service(routes::reference::grids)
        .service(routes::reference::departments)
        .service(routes::reference::queue)
        .service(routes::admin::overview)
        .service(routes::admin::export)
        .service(routes::admin::replace)
        .service(routes::admin::add_version)
        .service(routes::admin::explain)
        .service(routes::directory::list_facilities)
        .service(routes::directory::create_facility)
        .service(routes::directory::update_facility)
        .service(routes::directory::delete_facility)
        .service(routes::directory::create_unit)
        .service(routes::directory::update_unit)
        .service(routes::directory::delete_unit)
        .service(routes::directory::create_handler)
        .service(routes::directory::update_handler)
        .service(routes::directory::delete_handler)
        .service(routes::rules::list)
        .default_service(web::to(not_found));
}

/// Unmatched requests: a known path with another method is 405 with `Allow`, anything else 404.
async fn not_found(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let allowed = openapi::methods_for(req.path());
    if allowed.is_empty() {
        return ApiError::new(Code::NotFound, "no such endpoint; see /openapi.json").error_response();
    }
    let message = format!("{} is not supported here; use {}", req.method(), allowed.join(", "));
    let mut res = ApiError::new(Code::MethodNotAllowed, message).error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        res.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    res
}

pub use http_metrics::HttpMetrics;
