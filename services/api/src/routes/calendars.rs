//! Business calendars: list, export and save them (admins add next year's holidays and make-up
//! days this way), and preview a due instant (`start` + amount in a unit).

use crate::AppState;
use crate::auth::Auth;
use crate::body::Body;
use crate::error::{ApiError, Code, parse_json};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use gridflow_calendar::Unit;
use gridflow_engine::calendars::CalendarAdminError;
use serde::Deserialize;
use serde_json::json;

#[get("/api/v1/calendars")]
pub async fn list(state: web::Data<AppState>, _auth: Auth) -> HttpResponse {
    let cache = &state.service.calendars;
    let set = cache.get();
    let calendars: Vec<_> = set
        .codes()
        .filter_map(|code| set.get(code))
        .map(|c| {
            let versions: Vec<_> = c.versions().iter().map(|v| v.effective_from().to_string()).collect();
            let last_day = c.versions().iter().flat_map(|v| v.overrides().map(|(d, _)| d)).max();
            json!({ "code": c.code(), "name": c.name(), "time_zone": c.time_zone().name(), "versions": versions,
                    "overrides_until": last_day, "provenance": cache.provenance(c.code()) })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "calendars": calendars }))
}

fn not_found(code: &str) -> ApiError {
    ApiError::new(Code::CalendarNotFound, format!("no calendar `{code}`; GET /api/v1/calendars"))
}

/// The calendar as JSON (the shape `PUT` takes), with its revision as `ETag`.
#[get("/api/v1/calendars/{code}")]
pub async fn export(
    state: web::Data<AppState>,
    _auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let cache = &state.service.calendars;
    let spec = cache.with(&code, |c| c.spec().clone()).ok_or_else(|| not_found(&code))?;
    let revision = cache.provenance(&code).and_then(|p| p.revision).unwrap_or(0);
    Ok(HttpResponse::Ok().insert_header(("ETag", revision.to_string())).json(spec))
}

/// Saves a calendar (admin): validated, stored as the next revision, in force at once on this
/// replica and within seconds on the others. `If-Match` carries the revision last read (`0` for
/// a calendar never saved before) so two admins cannot overwrite each other unknowingly.
#[put("/api/v1/calendars/{code}")]
pub async fn save(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
    req: HttpRequest,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    if !actor.roles.contains(&gridflow_domain::Role::Admin) {
        return Err(ApiError::new(Code::Forbidden, "only an admin may change calendars"));
    }
    let code = path.into_inner();
    let expected = super::admin::if_match(&req)?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::new(Code::InvalidRequest, "the body must be UTF-8"))?;
    let service = &state.service;
    let revision = service.calendars.save(service.timers.as_ref(), &code, text, &actor.id, expected).await.map_err(
        |e| match e {
            CalendarAdminError::Invalid(_) | CalendarAdminError::CodeMismatch { .. } => {
                ApiError::new(Code::ValidationFailed, e.to_string())
            }
            CalendarAdminError::Conflict(_) => ApiError::new(Code::ReferenceConflict, e.to_string()),
            CalendarAdminError::VersionInForce { .. } => ApiError::new(Code::CalendarVersionInForce, e.to_string()),
            CalendarAdminError::Store(s) => s.into(),
        },
    )?;
    Ok(HttpResponse::Ok().json(json!({ "code": code, "revision": revision })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DueRequest {
    start: DateTime<FixedOffset>,
    amount: u32,
    unit: PreviewUnit,
}

/// The units a stage limit is written in (DOMAIN.md §5).
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum PreviewUnit {
    Minutes,
    WorkingHours,
    WorkingDays,
}

/// Preview: when is something due that starts at `start` and may take `amount` `unit`s?
/// The answer is RFC 3339 in the calendar's own zone, with the calendar version that was used.
#[post("/api/v1/calendars/{code}/due")]
pub async fn due(
    state: web::Data<AppState>,
    _auth: Auth,
    path: web::Path<String>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let set = state.service.calendars.get();
    let calendar = set.get(&code).ok_or_else(|| not_found(&code))?;
    let req: DueRequest = parse_json(&body)?;
    let unit = match req.unit {
        PreviewUnit::Minutes => Unit::Minutes,
        PreviewUnit::WorkingHours => Unit::WorkingHours,
        PreviewUnit::WorkingDays => Unit::WorkingDays,
    };
    let start = req.start.with_timezone(&Utc);
    let invalid = |e: gridflow_calendar::CalendarError| ApiError::new(Code::ValidationFailed, e.to_string());
    let due = calendar.add(start, req.amount, unit).map_err(invalid)?;
    let version = calendar.version_at(start).map_err(invalid)?.effective_from();
    let local = due.with_timezone(&calendar.time_zone());
    Ok(HttpResponse::Ok().json(json!({
        "due": local.to_rfc3339_opts(SecondsFormat::Secs, false),
        "calendar": calendar.code(),
        "calendar_version": version.to_string(),
    })))
}
