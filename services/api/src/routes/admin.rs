//! Reference-data administration and routing explanations.
//!
//! - `GET  /api/v1/reference`                 revisions and what is loaded (any signed-in user)
//! - `GET  /api/v1/reference/{kind}`          export a document (`?format=csv&version=N` for
//!   catalogue and rules); who may read it is [`may_export`]
//! - `PUT  /api/v1/reference/{kind}`          replace a document (admin); `If-Match: <revision>`
//!   guards against overwriting someone else's import
//! - `POST /api/v1/reference/{kind}/versions` add one catalogue or rules version (admin), as
//!   CSV (`?version=N&effective_from=YYYY-MM-DD`) or single-version JSON
//! - `POST /api/v1/routing/explain`           where a case would go and why, without a case

use crate::AppState;
use crate::auth::Auth;
use crate::body::{Body, Document};
use crate::error::{ApiError, Code, parse_json};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{NaiveDate, Utc};
use gridflow_domain::{Actor, Role};
use gridflow_engine::admin::{self, VersionFormat};
use gridflow_engine::reference::{CATALOGUE, GEOGRAPHY, KINDS, RULES};
use gridflow_engine::routing::{self, Query};
use gridflow_routing::import::{catalogue_to_csv, rules_to_csv};
use serde::Deserialize;
use serde_json::json;

pub(crate) fn require_admin(actor: &Actor) -> Result<(), ApiError> {
    if actor.roles.contains(&Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::new(Code::Forbidden, "only an admin may change reference data"))
    }
}

/// The centre roles that route and re-dispatch cases by hand, besides the admin: they need the
/// responsibility list and the facility registry (who owns what) to do it.
const CENTRE: [Role; 3] = [Role::Admin, Role::Dispatcher, Role::ShiftLead];

pub(crate) fn require_reader(actor: &Actor, what: &str) -> Result<(), ApiError> {
    if actor.roles.iter().any(|r| CENTRE.contains(r)) {
        Ok(())
    } else {
        Err(ApiError::new(Code::Forbidden, format!("only an admin, dispatcher or shift lead may read {what}")))
    }
}

/// Who may export which document. The geography (grid maps are posted publicly in every
/// community) and the catalogue (what can be reported) are for everyone signed in. The rules and
/// the facility registry are for the centre roles that route by them ([`require_reader`]). The
/// whole directory holds the handler rosters — names and duty hours of people — so it is the
/// admin's alone; others see units and the facility registry through their own endpoints.
fn may_export(actor: &Actor, kind: &str) -> Result<(), ApiError> {
    match kind {
        GEOGRAPHY | CATALOGUE => Ok(()),
        RULES => require_reader(actor, "the responsibility list"),
        _ if actor.roles.contains(&Role::Admin) => Ok(()),
        _ => Err(ApiError::new(Code::Forbidden, "only an admin may export the directory (it holds handler rosters)")),
    }
}

fn known_kind(kind: &str) -> Result<(), ApiError> {
    if KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(ApiError::new(Code::NotFound, format!("unknown reference document `{kind}`; one of {}", KINDS.join(", "))))
    }
}

fn utf8(bytes: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::new(Code::InvalidRequest, "the document must be UTF-8 text"))
}

/// The revision in `If-Match` (quoted or not): the one the client last read, `0` for a document
/// or calendar never saved before. Shared by every revisioned resource.
pub(crate) fn if_match(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    let Some(value) = req.headers().get("if-match") else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim().trim_matches('"');
    text.parse::<i32>().map(Some).map_err(|_| {
        ApiError::new(Code::InvalidRequest, "If-Match must be the revision you last read (0 if never saved)")
    })
}

#[get("/api/v1/reference")]
pub async fn overview(state: web::Data<AppState>, _auth: Auth) -> HttpResponse {
    let reference = state.service.reference.get();
    let docs: Vec<_> = reference
        .docs
        .values()
        .map(|d| {
            json!({ "kind": d.kind, "revision": d.revision, "created_by": d.created_by,
                         "created_at": d.created_at, "bytes": d.body.len() })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "documents": docs, "summary": admin::summary(&reference) }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
    version: Option<u32>,
}

#[get("/api/v1/reference/{kind}")]
pub async fn export(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let kind = path.into_inner();
    known_kind(&kind)?;
    may_export(&actor, &kind)?;
    let q = web::Query::<ExportQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::new(Code::InvalidQuery, e.to_string()))?;
    let reference = state.service.reference.get();
    let doc = reference
        .docs
        .get(&kind)
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("no {kind} document has been imported yet")))?;
    let revision = doc.revision.to_string();
    match q.format.as_deref() {
        None | Some("json") => {
            let content_type = if kind == "geography" { "application/geo+json" } else { "application/json" };
            Ok(HttpResponse::Ok().content_type(content_type).insert_header(("ETag", revision)).body(doc.body.clone()))
        }
        Some("csv") => {
            let router = reference.router.as_ref().ok_or_else(|| ApiError::new(Code::NotFound, "no routing data"))?;
            let wanted = q.version;
            let csv = match kind.as_str() {
                CATALOGUE => {
                    let versions = router.catalogue().versions();
                    let v = match wanted {
                        Some(n) => versions.iter().find(|v| v.version() == n),
                        None => versions.last(),
                    };
                    v.map(catalogue_to_csv)
                }
                RULES => {
                    let sets = router.rules().sets();
                    let s = match wanted {
                        Some(n) => sets.iter().find(|s| s.version() == n),
                        None => sets.last(),
                    };
                    s.map(rules_to_csv)
                }
                _ => return Err(ApiError::new(Code::InvalidQuery, "only catalogue and rules export as CSV")),
            }
            .ok_or_else(|| ApiError::new(Code::NotFound, "no such version"))?;
            Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").insert_header(("ETag", revision)).body(csv))
        }
        Some(other) => Err(ApiError::new(Code::InvalidQuery, format!("unknown format `{other}` (json or csv)"))),
    }
}

#[put("/api/v1/reference/{kind}")]
pub async fn replace(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
    req: HttpRequest,
    Document(body): Document,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let kind = path.into_inner();
    known_kind(&kind)?;
    let expected = if_match(&req)?;
    let service = &state.service;
    let calendars = service.calendars.get();
    let summary = admin::import(
        service.store.as_ref(),
        Some(&service.reference),
        Some(calendars.as_ref()),
        vec![(kind, utf8(&body)?)],
        &actor.id,
        expected,
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionQuery {
    version: Option<u32>,
    effective_from: Option<NaiveDate>,
}

#[post("/api/v1/reference/{kind}/versions")]
pub async fn add_version(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    path: web::Path<String>,
    req: HttpRequest,
    Document(body): Document,
) -> Result<HttpResponse, ApiError> {
    require_admin(&actor)?;
    let kind = path.into_inner();
    if kind != CATALOGUE && kind != RULES {
        return Err(ApiError::new(Code::NotFound, "only catalogue and rules have versions"));
    }
    let q = web::Query::<VersionQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::new(Code::InvalidQuery, e.to_string()))?;
    let csv =
        req.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/csv"));
    let format = match (csv, q.version, q.effective_from) {
        (false, _, _) => VersionFormat::Json,
        (true, Some(version), Some(effective_from)) => VersionFormat::Csv { version, effective_from },
        (true, _, _) => {
            return Err(ApiError::new(Code::InvalidQuery, "CSV needs ?version=N&effective_from=YYYY-MM-DD"));
        }
    };
    let service = &state.service;
    let current = service.reference.get();
    let expected = current.docs.get(&kind).map_or(0, |d| d.revision);
    let text = admin::add_version(&current, &kind, &utf8(&body)?, format)?;
    let calendars = service.calendars.get();
    let summary = admin::import(
        service.store.as_ref(),
        Some(&service.reference),
        Some(calendars.as_ref()),
        vec![(kind, text)],
        &actor.id,
        Some(expected),
    )
    .await?;
    Ok(HttpResponse::Created().json(summary))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainRequest {
    category: String,
    lat: Option<f64>,
    lon: Option<f64>,
    facility_id: Option<String>,
    /// Route as on this date (effective-dated rules); today by default.
    date: Option<NaiveDate>,
    /// Units to leave out, as after they returned the case.
    #[serde(default)]
    exclude: Vec<String>,
}

#[post("/api/v1/routing/explain")]
pub async fn explain(state: web::Data<AppState>, _auth: Auth, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let r: ExplainRequest = parse_json(&body)?;
    let point = match (r.lat, r.lon) {
        (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 => {
            Some((lat, lon))
        }
        (None, None) => None,
        _ => return Err(ApiError::new(Code::ValidationFailed, "`lat` and `lon` must both be a valid WGS-84 position")),
    };
    let q = Query {
        category: r.category,
        point,
        facility_id: r.facility_id,
        date: r.date.unwrap_or_else(|| routing::local_date(Utc::now())),
        excluded_units: r.exclude,
        catalogue_version: None,
    };
    let reference = state.service.reference.get();
    let explanation = routing::explain(&reference, &q).map_err(|e| {
        let code = match e {
            routing::ExplainError::BadCategory(_) => Code::ValidationFailed,
            routing::ExplainError::UnknownFacility(_) => Code::UnknownFacility,
            routing::ExplainError::NoLocation => Code::ValidationFailed,
            routing::ExplainError::NoRouter => Code::NotFound,
        };
        ApiError::new(code, e.to_string())
    })?;
    Ok(HttpResponse::Ok().json(explanation))
}
