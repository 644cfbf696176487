//! Read-only reference data for every signed-in user: categories in force, grids, units, and
//! live unit queues.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Code};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{NaiveDate, Utc};
use gridflow_domain::Role;
use gridflow_domain::ports::{LiveError, TRIAGE_QUEUE};
use gridflow_engine::reference::inside_point;
use gridflow_engine::routing::local_date;
use gridflow_geo::Layer;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DateQuery {
    date: Option<NaiveDate>,
}

/// Sub-classes of the catalogue version in force today (or on `?date=`), with their conditions
/// and stage limits.
#[get("/api/v1/categories")]
pub async fn categories(state: web::Data<AppState>, _auth: Auth, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<DateQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::new(Code::InvalidQuery, e.to_string()))?;
    let date = q.date.unwrap_or_else(|| local_date(Utc::now()));
    let reference = state.service.reference.get();
    let Some(version) = reference.router.as_ref().and_then(|r| r.catalogue().version_at(date)) else {
        return Ok(HttpResponse::Ok().json(json!({ "catalogue_version": null, "categories": [] })));
    };
    let categories: Vec<_> = version
        .sub_classes()
        .iter()
        .map(|s| {
            let class = version.class(s.kind, s.code.class());
            json!({
                "code": s.category().to_string(), "kind": s.kind.as_str(), "name": s.name_zh, "name_en": s.name_en,
                "class": class.map(|c| json!({ "code": c.code.as_str(), "name": c.name_zh, "name_en": c.name_en })),
                "registration": s.registration, "closure": s.closure, "urgency_levels": s.urgency_levels,
                "skill": s.skill, "limits": s.limits, "milestones": s.milestones,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "catalogue_version": version.version(), "effective_from": version.effective_from(), "categories": categories,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GridQuery {
    layer: Option<String>,
}

/// Grids of a layer (`unit` by default) with a point inside each; outlines are in the
/// geography export.
#[get("/api/v1/grids")]
pub async fn grids(state: web::Data<AppState>, _auth: Auth, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<GridQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::new(Code::InvalidQuery, e.to_string()))?;
    let layer: Layer = q
        .layer
        .as_deref()
        .unwrap_or("unit")
        .parse()
        .map_err(|e: gridflow_geo::LayerParseError| ApiError::new(Code::InvalidQuery, e.to_string()))?;
    let reference = state.service.reference.get();
    let grids: Vec<_> = reference
        .geography
        .as_ref()
        .map(|g| g.grids(&layer))
        .unwrap_or_default()
        .iter()
        .map(|g| {
            let centroid = inside_point(g).map(|(lat, lon)| json!({ "lat": lat, "lon": lon }));
            json!({ "code": g.code, "name": g.name, "layer": g.layer.to_string(), "community": g.community,
                    "street": g.street_code(), "centroid": centroid })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "layer": layer.to_string(), "grids": grids })))
}

/// Units 部门 of the directory, with their handlers (ids, names, skills) for those who assign
/// work: the centre's dispatching roles see every unit's roster, a unit's own dispatcher and
/// handlers see their unit's; everyone else gets the units without people in them.
#[get("/api/v1/departments")]
pub async fn departments(state: web::Data<AppState>, Auth(actor): Auth) -> HttpResponse {
    let centre = actor.roles.iter().any(|r| matches!(r, Role::Admin | Role::Dispatcher | Role::ShiftLead));
    let sees_roster = |unit: &str| {
        centre
            || actor.role_applies(Role::UnitDispatcher, None, Some(unit))
            || actor.role_applies(Role::UnitHandler, None, Some(unit))
    };
    let reference = state.service.reference.get();
    let units: Vec<_> = reference
        .directory()
        .map(|d| d.units())
        .unwrap_or_default()
        .iter()
        .map(|u| {
            let handlers: Vec<_> = if sees_roster(&u.id) {
                u.handlers.iter().map(|h| json!({ "id": h.id, "name": h.name, "skills": h.skills })).collect()
            } else {
                vec![]
            };
            json!({ "code": u.id, "name": u.name_zh, "name_en": u.name_en, "type": u.unit_type,
                    "area": u.area.as_ref().map(|a| a.as_str()), "assignment": u.assignment, "handlers": handlers })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "departments": units }))
}

/// The live work queue of a department (or `triage`), soonest due first, from live state, and the
/// cases awaiting the department's report-in, earliest deadline first.
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
    if department != TRIAGE_QUEUE && !state.service.reference.get().has_unit(&department) {
        return Err(ApiError::new(Code::UnknownDepartment, format!("unknown department `{department}`")));
    }
    let cases = state.service.live.queue(&department, 200).await.map_err(|e: LiveError| {
        tracing::error!(error = %e, "live state read failed");
        ApiError::new(Code::StoreUnavailable, "live state is unavailable; retry shortly")
    })?;
    // Cases held elsewhere whose whistle 吹哨 awaits this department's report-in 报到: the live
    // queue is keyed by the holder, so these come from the store.
    let awaited = state.service.store.awaiting_report_in(&department, 200).await?;
    let report_in: Vec<_> = awaited
        .iter()
        .filter_map(|c| {
            let r = c.report_ins.get(&department)?;
            let due = r.whistled_at + chrono::TimeDelta::minutes(i64::from(r.minutes));
            Some(json!({ "id": c.id, "state": c.state, "category": c.category, "grid": c.grid,
                         "department": c.department, "whistled_at": r.whistled_at, "report_in_due": due }))
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "department": department, "cases": cases, "report_in": report_in })))
}
