//! Cases: submit, read with timeline, list with filters and cursor, act.

use crate::AppState;
use crate::auth::Auth;
use crate::body::Body;
use crate::error::{ApiError, Code, parse_json};
use crate::views::{CaseView, can_view};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use gridflow_domain::ports::CaseFilter;
use gridflow_domain::{Case, CaseState, Command, NewReport, Urgency};
use gridflow_engine::Outcome;
use gridflow_engine::service::{ActRequest, Idempotency, LikelyDuplicate};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const MAX_KEY_LEN: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    category: String,
    lat: f64,
    lon: f64,
    description: String,
    #[serde(default)]
    urgency: Urgency,
    #[serde(default)]
    client_ref: Option<String>,
    /// For facility reports: the registered facility id (routes to its owner first).
    #[serde(default)]
    facility_id: Option<String>,
}

/// Reads the `Idempotency-Key` header and fingerprints the request it came with.
fn idempotency(req: &HttpRequest, body: &[u8]) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else { return Ok(None) };
    let key =
        value.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN).ok_or_else(|| {
            ApiError::new(Code::InvalidRequest, "Idempotency-Key must be 1-200 visible ASCII characters")
        })?;
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update(req.path());
    h.update(body);
    Ok(Some(Idempotency { key: key.to_string(), request_hash: hex::encode(h.finalize()) }))
}

fn respond(outcome: Outcome, fresh: impl Fn(&Case) -> (u16, String)) -> HttpResponse {
    let (status, body) = match outcome {
        Outcome::Fresh(case) => fresh(&case),
        Outcome::Replayed { status, body } => (status, body),
    };
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status).content_type("application/json").body(body)
}

/// The answer to a new report, including open cases nearby that are probably the same problem
/// (for the intake operator to merge with `mark_duplicate`).
fn created_body(case: &Case, duplicates: &[LikelyDuplicate]) -> (u16, String) {
    let body = json!({ "id": case.id, "status": case.state.as_str(), "version": case.version, "grid": case.grid,
                       "likely_duplicates": duplicates });
    (201, body.to_string())
}

fn case_body(case: &Case) -> (u16, String) {
    (200, serde_json::to_string(&CaseView::of(case, None)).unwrap_or_default())
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::new(Code::InvalidCaseId, format!("`{raw}` is not a case id (UUID)")))
}

#[post("/api/v1/cases")]
pub async fn submit(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    req: HttpRequest,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let idem = idempotency(&req, &body)?;
    let s: Submission = parse_json(&body)?;
    let new = NewReport {
        category: s.category,
        lat: s.lat,
        lon: s.lon,
        description: s.description,
        urgency: s.urgency,
        client_ref: s.client_ref,
        grid: None,
        facility_id: s.facility_id,
        likely_duplicates: vec![],
    };
    let outcome = state.service.submit(&actor, new, idem, &created_body).await?;
    Ok(respond(outcome, case_body))
}

#[get("/api/v1/cases/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let case = state
        .service
        .store
        .case(id)
        .await?
        .ok_or_else(|| ApiError::new(Code::CaseNotFound, format!("case {id} not found")))?;
    if !can_view(&actor, &case) {
        return Err(ApiError::new(Code::OutOfScope, "this case is outside your scope"));
    }
    let timeline = state.service.store.transitions(id).await?;
    let calendars = state.service.calendars.get();
    let now = chrono::Utc::now();
    let reference = state.service.reference.get();
    let thresholds = gridflow_engine::escalation::thresholds_for(reference.registered_sub_class(&case, now));
    Ok(HttpResponse::Ok().json(CaseView::of(&case, Some(&timeline)).with_lights(&calendars, &thresholds, now)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    department: Option<String>,
    grid: Option<String>,
    category: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    cursor: Option<String>,
    limit: Option<u64>,
}

fn encode_cursor(case: &Case) -> String {
    B64.encode(format!("{}:{}", case.created_at.timestamp_millis(), case.id))
}

fn decode_cursor(raw: &str) -> Option<(i64, Uuid)> {
    let text = String::from_utf8(B64.decode(raw).ok()?).ok()?;
    let (ms, id) = text.split_once(':')?;
    Some((ms.parse().ok()?, Uuid::parse_str(id).ok()?))
}

#[get("/api/v1/cases")]
pub async fn list(state: web::Data<AppState>, Auth(actor): Auth, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<ListQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::new(Code::InvalidQuery, e.to_string()))?
        .into_inner();
    let state_filter = match q.status.as_deref() {
        Some(s) => Some(
            CaseState::parse(s).ok_or_else(|| ApiError::new(Code::InvalidQuery, format!("unknown status `{s}`")))?,
        ),
        None => None,
    };
    let after = match q.cursor.as_deref() {
        Some(c) => Some(decode_cursor(c).ok_or_else(|| ApiError::new(Code::InvalidQuery, "malformed cursor"))?),
        None => None,
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::new(Code::InvalidQuery, "limit must be between 1 and 200"));
    }
    let filter = CaseFilter {
        state: state_filter,
        department: q.department,
        grid: q.grid,
        category: q.category,
        created_from: q.from,
        created_to: q.to,
        after,
        limit,
    };
    let page = state.service.store.list_cases(&filter).await?;
    // The cursor follows the last row scanned, so rows hidden by scope never stall paging.
    let next_cursor = (page.len() as u64 == limit).then(|| page.last().map(encode_cursor)).flatten();
    let cases: Vec<CaseView> = page.iter().filter(|c| can_view(&actor, c)).map(|c| CaseView::of(c, None)).collect();
    Ok(HttpResponse::Ok().json(json!({ "cases": cases, "next_cursor": next_cursor })))
}

/// Parses an action body. serde's `deny_unknown_fields` is not enforced for internally tagged
/// unit variants (serde-rs/serde#2123), so stray fields are caught by comparing the sent keys with
/// those the parsed command serialises back to.
fn parse_command(value: serde_json::Value) -> Result<Command, ApiError> {
    let sent: Vec<String> = value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let cmd: Command = serde_json::from_value(value).map_err(|e| ApiError::new(Code::InvalidRequest, e.to_string()))?;
    let known = serde_json::to_value(&cmd).unwrap_or_default();
    if let Some(extra) = sent.iter().find(|k| known.get(k.as_str()).is_none()) {
        return Err(ApiError::new(
            Code::InvalidRequest,
            format!("unknown field `{extra}` for action `{}`", cmd.name()),
        ));
    }
    Ok(cmd)
}

#[post("/api/v1/cases/{id}/actions")]
pub async fn act(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    req: HttpRequest,
    path: web::Path<String>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let idem = idempotency(&req, &body)?;
    let mut value: serde_json::Value = parse_json(&body)?;
    let expected_version = match value.as_object_mut().and_then(|o| o.remove("expected_version")) {
        None => None,
        Some(v) => {
            Some(v.as_i64().ok_or_else(|| ApiError::new(Code::InvalidRequest, "expected_version must be an integer"))?)
        }
    };
    let cmd = parse_command(value)?;
    let req = ActRequest { actor: &actor, id, command: &cmd, expected_version, idem, respond: &case_body };
    let outcome = state.service.act(req).await?;
    Ok(respond(outcome, case_body))
}
