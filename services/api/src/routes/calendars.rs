//! Business calendars: list them, and preview a due instant (`start` + amount in a unit).

use crate::AppState;
use crate::auth::Auth;
use crate::body::Body;
use crate::error::{ApiError, Code, parse_json};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use gridflow_calendar::Unit;
use serde::Deserialize;
use serde_json::json;

#[get("/api/v1/calendars")]
pub async fn list(state: web::Data<AppState>, _auth: Auth) -> HttpResponse {
    let calendars: Vec<_> = state
        .calendars
        .codes()
        .filter_map(|code| state.calendars.get(code))
        .map(|c| {
            let versions: Vec<_> = c.versions().iter().map(|v| v.effective_from().to_string()).collect();
            json!({ "code": c.code(), "name": c.name(), "time_zone": c.time_zone().name(), "versions": versions })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "calendars": calendars }))
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
    let calendar = state
        .calendars
        .get(&code)
        .ok_or_else(|| ApiError::new(Code::CalendarNotFound, format!("no calendar `{code}`; GET /api/v1/calendars")))?;
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
