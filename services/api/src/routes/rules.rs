//! The responsibility list 权责清单 as a list of rules (admin, dispatcher, shift lead: the centre
//! routes and re-dispatches by it and judges wrong-dispatch returns against it).
//!
//! - `GET /api/v1/rules`             the rule set in force today (`?date=YYYY-MM-DD` or `?version=N`)

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Code};
use crate::routes::admin::require_reader;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{NaiveDate, Utc};
use gridflow_engine::routing::local_date;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesQuery {
    date: Option<NaiveDate>,
    version: Option<u32>,
}

#[get("/api/v1/rules")]
pub async fn list(state: web::Data<AppState>, Auth(actor): Auth, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    require_reader(&actor, "the responsibility list")?;
    let q = web::Query::<RulesQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::new(Code::InvalidQuery, e.to_string()))?;
    let reference = state.service.reference.get();
    let rules = reference.router.as_ref().map(|r| r.rules());
    let set = match (q.version, q.date) {
        (Some(_), Some(_)) => return Err(ApiError::new(Code::InvalidQuery, "give `version` or `date`, not both")),
        (Some(v), None) => rules.and_then(|r| r.sets().iter().find(|s| s.version() == v)),
        (None, date) => rules.and_then(|r| r.set_at(date.unwrap_or_else(|| local_date(Utc::now())))),
    }
    .ok_or_else(|| ApiError::new(Code::NotFound, "no such rule set"))?;
    Ok(HttpResponse::Ok().json(json!({
        "version": set.version(), "effective_from": set.effective_from(), "rules": set.rules(),
    })))
}
