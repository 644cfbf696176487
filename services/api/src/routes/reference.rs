//! Read-only reference data: categories, grids, departments, and live department queues.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Code};
use actix_web::{HttpResponse, get, web};
use gridflow_domain::Role;
use gridflow_domain::ports::{LiveError, TRIAGE_QUEUE};
use serde_json::json;

#[get("/api/v1/categories")]
pub async fn categories(state: web::Data<AppState>, _auth: Auth) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "categories": state.service.reference.get().categories }))
}

#[get("/api/v1/grids")]
pub async fn grids(state: web::Data<AppState>, _auth: Auth) -> HttpResponse {
    let data = state.service.reference.get();
    let grids: Vec<_> = data
        .grids
        .iter()
        .map(|g| json!({ "code": g.code, "name": g.name, "centroid": g.centroid(), "ring": g.ring }))
        .collect();
    HttpResponse::Ok().json(json!({ "grids": grids }))
}

#[get("/api/v1/departments")]
pub async fn departments(state: web::Data<AppState>, _auth: Auth) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "departments": state.service.reference.get().departments }))
}

/// The live work queue of a department (or `triage`), soonest due first, from live state.
#[get("/api/v1/queues/{department}")]
pub async fn queue(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let department = path.into_inner();
    let centre = actor.roles.iter().any(|r| !matches!(r, Role::UnitDispatcher | Role::UnitHandler | Role::GridWorker));
    let own_unit = actor.role_applies(Role::UnitDispatcher, None, Some(&department))
        || actor.role_applies(Role::UnitHandler, None, Some(&department));
    if !centre && !own_unit {
        return Err(ApiError::new(Code::OutOfScope, "you may only read your own unit's queue"));
    }
    if department != TRIAGE_QUEUE && !state.service.reference.has_department(&department) {
        return Err(ApiError::new(Code::UnknownDepartment, format!("unknown department `{department}`")));
    }
    let cases = state.service.live.queue(&department, 200).await.map_err(|e: LiveError| {
        tracing::error!(error = %e, "live state read failed");
        ApiError::new(Code::StoreUnavailable, "live state is unavailable; retry shortly")
    })?;
    Ok(HttpResponse::Ok().json(json!({ "department": department, "cases": cases })))
}
