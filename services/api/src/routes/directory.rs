//! The unit directory item by item: units, a unit's handlers, the facility registry. Writes are
//! admin-only and each one becomes the directory's next revision through the same validation as
//! a whole-document import (`PUT /api/v1/reference/directory`), so nothing is half-written and a
//! rejected change leaves the previous data in force.
//!
//! - `GET    /api/v1/directory/facilities`                     list (admin, dispatcher, shift lead)
//! - `POST   /api/v1/directory/facilities`                     register a facility
//! - `PUT    /api/v1/directory/facilities/{id}`                replace it
//! - `DELETE /api/v1/directory/facilities/{id}`                remove it
//! - `POST   /api/v1/directory/units`                          add a unit (with its handlers)
//! - `PUT    /api/v1/directory/units/{unit}`                   replace a unit whole
//! - `DELETE /api/v1/directory/units/{unit}`                   remove a unit without open cases
//! - `POST   /api/v1/directory/units/{unit}/handlers`          add a handler to a unit
//! - `PUT    /api/v1/directory/units/{unit}/handlers/{id}`     replace a handler
//! - `DELETE /api/v1/directory/units/{unit}/handlers/{id}`     remove a handler without open cases
//!
//! Handler ids contain `/` (`dept-water/h1`): send it percent-encoded (`dept-water%2Fh1`).

use crate::AppState;
use crate::auth::Auth;
use crate::body::Body;
use crate::error::{ApiError, Code, parse_json};
use crate::routes::admin::{require_admin, require_reader};
use actix_web::{HttpResponse, delete, get, post, put, web};
use gridflow_engine::admin::Summary;
use gridflow_engine::admin::directory::{self, Edit, EditError};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

impl From<EditError> for ApiError {
    fn from(e: EditError) -> ApiError {
        let msg = e.to_string();
        match e {
            EditError::NoDirectory | EditError::NotFound { .. } => ApiError::new(Code::NotFound, msg),
            EditError::Exists { .. } => ApiError::new(Code::AlreadyExists, msg),
            EditError::InUse { .. } => ApiError::new(Code::InUse, msg),
            EditError::Reference(r) => r.into(),
        }
    }
}

/// Parses an item body whose `id` the path may name: a missing `id` is taken from the path, a
/// different one is refused (an item is renamed by removing it and adding the new one).
fn item<T: DeserializeOwned>(body: &[u8], id: Option<&str>) -> Result<(T, Value), ApiError> {
    let mut value: Value = parse_json(body)?;
    let object =
        value.as_object_mut().ok_or_else(|| ApiError::new(Code::InvalidRequest, "the body must be a JSON object"))?;
    if let Some(id) = id {
        match object.get("id") {
            None => {
                object.insert("id".into(), json!(id));
            }
            Some(given) if given == id => {}
            Some(given) => {
                let msg = format!("the body's id {given} differs from the path's `{id}`; remove and re-add to rename");
                return Err(ApiError::new(Code::ValidationFailed, msg));
            }
        }
    }
    let parsed =
        serde_json::from_value(value.clone()).map_err(|e| ApiError::new(Code::InvalidRequest, e.to_string()))?;
    Ok((parsed, value))
}

async fn apply(state: &AppState, actor: &str, edit: Edit) -> Result<Summary, ApiError> {
    let service = &state.service;
    let calendars = service.calendars.get();
    Ok(directory::edit(service.store.as_ref(), Some(&service.reference), Some(calendars.as_ref()), edit, actor).await?)
}

fn written(created: bool, item: Value, summary: &Summary) -> HttpResponse {
    let revision = summary.revisions.get("directory").copied().unwrap_or_default().to_string();
    let mut res = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    res.insert_header(("ETag", revision)).json(item)
}

#[get("/api/v1/directory/facilities")]
pub async fn list_facilities(state: web::Data<AppState>, Auth(actor): Auth) -> Result<HttpResponse, ApiError> {
    require_reader(&actor, "the facility registry")?;
    let reference = state.service.reference.get();
    let facilities = reference.directory().map(|d| d.facilities().to_vec()).unwrap_or_default();
    Ok(HttpResponse::Ok().json(json!({ "facilities": facilities })))
}

#[post("/api/v1/directory/facilities")]
pub async fn create_facility(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let (facility, value) = item(&body, None)?;
    let summary = apply(&state, &actor.id, Edit::PutFacility { facility, create: true }).await?;
    Ok(written(true, value, &summary))
}

#[put("/api/v1/directory/facilities/{id}")]
pub async fn update_facility(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let (facility, value) = item(&body, Some(&path))?;
    let summary = apply(&state, &actor.id, Edit::PutFacility { facility, create: false }).await?;
    Ok(written(false, value, &summary))
}

#[delete("/api/v1/directory/facilities/{id}")]
pub async fn delete_facility(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    apply(&state, &actor.id, Edit::DeleteFacility { facility: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[post("/api/v1/directory/units")]
pub async fn create_unit(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let (unit, value) = item(&body, None)?;
    let summary = apply(&state, &actor.id, Edit::PutUnit { unit, create: true }).await?;
    Ok(written(true, value, &summary))
}

#[put("/api/v1/directory/units/{unit}")]
pub async fn update_unit(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let (unit, value) = item(&body, Some(&path))?;
    let summary = apply(&state, &actor.id, Edit::PutUnit { unit, create: false }).await?;
    Ok(written(false, value, &summary))
}

#[delete("/api/v1/directory/units/{unit}")]
pub async fn delete_unit(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    apply(&state, &actor.id, Edit::DeleteUnit { unit: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[post("/api/v1/directory/units/{unit}/handlers")]
pub async fn create_handler(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let (handler, value) = item(&body, None)?;
    let edit = Edit::PutHandler { unit: path.into_inner(), handler, create: true };
    let summary = apply(&state, &actor.id, edit).await?;
    Ok(written(true, value, &summary))
}

#[put("/api/v1/directory/units/{unit}/handlers/{handler}")]
pub async fn update_handler(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<(String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let (unit, id) = path.into_inner();
    let (handler, value) = item(&body, Some(&id))?;
    let summary = apply(&state, &actor.id, Edit::PutHandler { unit, handler, create: false }).await?;
    Ok(written(false, value, &summary))
}

#[delete("/api/v1/directory/units/{unit}/handlers/{handler}")]
pub async fn delete_handler(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let (unit, handler) = path.into_inner();
    apply(&state, &actor.id, Edit::DeleteHandler { unit, handler }).await?;
    Ok(HttpResponse::NoContent().finish())
}
