//! The seam between cases and the responsibility list: builds a routing request from a case (or
//! an explain query), runs gridflow-routing, and turns the decision into what the timeline
//! records. Handler assignment inside the lead unit lives here too.

use crate::reference::Reference;
use crate::service::ServiceError;
use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use gridflow_domain::ports::{Store, StoreError};
use gridflow_domain::{Case, Command, RoutingNote};
use gridflow_geo::Layer;
use gridflow_routing::{
    AreaCode, Assignment, AssignmentPolicy, Basis, CategoryRef, Decision, LayerGrid, RouteRequest, TriageReason,
    Workload, assign,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The service's civil time zone for effective dates and duty rosters (China has one offset and
/// no daylight saving; a city elsewhere would take this from its calendar).
pub const SERVICE_OFFSET_SECONDS: i32 = 8 * 3600;

fn offset() -> FixedOffset {
    FixedOffset::east_opt(SERVICE_OFFSET_SECONDS).unwrap_or_else(|| Utc.fix())
}

/// The local calendar date of an instant: rules and catalogue versions take effect on dates.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&offset()).date_naive()
}

/// What explain and the router ask: a category at a point (or a facility), on a date.
#[derive(Debug, Clone)]
pub struct Query {
    pub category: String,
    pub point: Option<(f64, f64)>,
    pub facility_id: Option<String>,
    pub date: NaiveDate,
    pub excluded_units: Vec<String>,
    /// The catalogue version of an already registered case (see [`RouteRequest`]); `None` for a
    /// new case or an explain query: the version in force on `date`.
    pub catalogue_version: Option<u32>,
}

/// The grids a point falls in, per layer (explain shows them all).
#[derive(Debug, Clone, Serialize)]
pub struct Located {
    /// Layer name → grid code (`None`: the point is outside that layer).
    pub grids: BTreeMap<String, Option<String>>,
    /// Unit grids whose closed outline contains the point; more than one means it is on a
    /// shared border and the smallest code was taken.
    pub border_candidates: Vec<String>,
    /// The 20-digit code of the building 楼栋 the point is in, if the geography has one there.
    pub building: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub category: String,
    pub date: NaiveDate,
    pub location: Option<Located>,
    /// The unit grid used as the area (from the point, or the facility's registered grid).
    pub grid: Option<String>,
    pub decision: Decision,
}

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("`category` must look like `event:0102` (kind:code): {0}")]
    BadCategory(String),
    #[error("no routing data is loaded; import a catalogue, directory and rules first")]
    NoRouter,
    #[error("give `lat` and `lon`, or a `facility_id`")]
    NoLocation,
    #[error("unknown facility `{0}`")]
    UnknownFacility(String),
}

/// How the rules name grid `code` of `layer` (`school:…`, `responsibility:…`; unit grids by code).
pub(crate) fn layer_grid(layer: &Layer, code: &str) -> Option<LayerGrid> {
    let name = match layer {
        Layer::Unit => return None,
        Layer::Responsibility => "responsibility".to_string(),
        Layer::Dedicated(kind) => kind.as_str().to_string(),
    };
    format!("{name}:{code}").parse().ok()
}

/// Resolves the query's place and runs the rules.
pub fn explain(reference: &Reference, q: &Query) -> Result<Explanation, ExplainError> {
    let category: CategoryRef =
        q.category.parse().map_err(|e: gridflow_routing::CodeError| ExplainError::BadCategory(e.to_string()))?;
    let router = reference.router.as_ref().ok_or(ExplainError::NoRouter)?;
    let facility = match &q.facility_id {
        Some(id) => Some(router.directory().facility(id).ok_or_else(|| ExplainError::UnknownFacility(id.clone()))?),
        None => None,
    };
    if q.point.is_none() && facility.is_none() {
        return Err(ExplainError::NoLocation);
    }
    let mut location = None;
    let mut layer_grids = vec![];
    let mut grid = None;
    if let (Some((lat, lon)), Some(geo)) = (q.point, reference.geography.as_ref()) {
        let mut grids = BTreeMap::new();
        for (layer, found) in geo.resolve_all(lat, lon) {
            if let Some(g) = found {
                layer_grids.extend(layer_grid(layer, &g.code));
                if *layer == Layer::Unit {
                    grid = Some(g.code.clone());
                }
            }
            grids.insert(layer.to_string(), found.map(|g| g.code.clone()));
        }
        let border_candidates = geo.containing(&Layer::Unit, lat, lon).iter().map(|g| g.code.clone()).collect();
        let building = geo.building_at(lat, lon).map(|b| b.full_code());
        location = Some(Located { grids, border_candidates, building });
    }
    if grid.is_none() {
        grid = facility.map(|f| f.grid.as_str().to_string());
    }
    let mut req = RouteRequest::new(category, q.date, grid.as_deref().and_then(|g| AreaCode::parse(g).ok()));
    req.layer_grids = layer_grids;
    req.facility_id = q.facility_id.clone();
    req.excluded_units = q.excluded_units.clone();
    req.catalogue_version = q.catalogue_version;
    let decision = router.route(&req);
    Ok(Explanation { category: q.category.clone(), date: q.date, location, grid, decision })
}

/// The routing decision for a case, excluding units that returned it.
pub fn decide_for(reference: &Reference, case: &Case, now: DateTime<Utc>) -> Option<Explanation> {
    decide_excluding(reference, case, now, case.returned_by.clone())
}

fn decide_excluding(
    reference: &Reference,
    case: &Case,
    now: DateTime<Utc>,
    excluded_units: Vec<String>,
) -> Option<Explanation> {
    let q = Query {
        category: case.category.clone(),
        point: Some((case.lat, case.lon)),
        facility_id: case.facility_id.clone(),
        date: local_date(now),
        excluded_units,
        catalogue_version: case.routing.as_ref().and_then(|r| r.catalogue_version),
    };
    explain(reference, &q).ok()
}

/// Where the rules send the case without its current unit, the units that returned it and those
/// the last routing decision already left out (so automatic re-dispatches never bounce back): the
/// target of an automatic re-dispatch. `None` when they name no other unit.
pub fn decide_elsewhere(reference: &Reference, case: &Case, now: DateTime<Utc>) -> Option<RoutingNote> {
    let current = case.department.clone()?;
    let mut excluded = case.returned_by.clone();
    let before = case.routing.iter().flat_map(|r| r.excluded.iter().cloned());
    for unit in before.chain([current.clone()]) {
        if !excluded.contains(&unit) {
            excluded.push(unit);
        }
    }
    let e = decide_excluding(reference, case, now, excluded.clone())?;
    let mut n = note(&e);
    n.excluded = excluded;
    n.lead.as_ref().is_some_and(|lead| *lead != current).then_some(n)
}

/// The timeline's record of a decision.
pub fn note(e: &Explanation) -> RoutingNote {
    let d = &e.decision;
    let (basis, detail) = match &d.basis {
        Basis::FacilityOwner { facility_id } => ("facility_owner", facility_id.clone()),
        Basis::Rule { rule_id } => ("rule", rule_id.to_string()),
        Basis::StreetFallback { street } => ("street_fallback", street.clone()),
        Basis::DistrictFallback { district } => ("district_fallback", district.clone()),
        Basis::Triage { reason } => (
            "triage",
            match reason {
                TriageReason::UnknownCategory => "unknown_category",
                TriageReason::NoArea => "no_area",
                TriageReason::NoTerritorialUnit => "no_territorial_unit",
            }
            .to_string(),
        ),
    };
    RoutingNote {
        lead: d.lead.clone(),
        co_handlers: d.co_handlers.clone(),
        basis: basis.into(),
        detail,
        rule_set_version: d.rule_set_version,
        catalogue_version: d.catalogue_version,
        grid: e.grid.clone(),
        building: e.location.as_ref().and_then(|l| l.building.clone()),
        excluded: Vec::new(),
    }
}

/// What in-unit assignment needs from the store, read just before the commit: open cases per
/// handler and, for a round-robin unit, the turn this assignment takes.
#[derive(Debug, Clone, Default)]
pub struct UnitWork {
    pub loads: Vec<(String, u32)>,
    pub turn: Option<u64>,
}

impl UnitWork {
    /// Reads the open-case loads of `unit` and, if it assigns round-robin, takes its next turn
    /// from the store. The turn count only grows (closing cases cannot step it back) and the
    /// store hands each turn out once, so simultaneous reports go to different handlers; a turn
    /// whose commit then fails is a skip in the rotation, never a repeat. Call it only when the
    /// case is about to be assigned.
    pub async fn read(store: &dyn Store, reference: &Reference, unit: &str) -> Result<UnitWork, StoreError> {
        let loads = store.handler_loads(unit).await?;
        let round_robin = reference
            .directory()
            .and_then(|d| d.unit(unit))
            .is_some_and(|u| u.assignment == AssignmentPolicy::RoundRobin);
        let turn = if round_robin { Some(store.take_assignment_turn(unit).await?) } else { None };
        Ok(UnitWork { loads, turn })
    }
}

/// Picks a handler in `unit` for a case of `category`, with the skill its catalogue version
/// (the one the case was registered under) asks for.
pub fn assignment(
    reference: &Reference,
    unit: &str,
    category: &str,
    catalogue_version: Option<u32>,
    now: DateTime<Utc>,
    work: &UnitWork,
) -> Option<Assignment> {
    let unit = reference.directory()?.unit(unit)?;
    let sub = reference.sub_class_of(category, catalogue_version, now).or_else(|| reference.sub_class(category, now));
    let skill = sub.and_then(|s| s.skill.clone());
    let loads: HashMap<String, u32> = work.loads.iter().cloned().collect();
    let cursor = usize::try_from(work.turn.unwrap_or_default()).unwrap_or_default();
    Some(assign(unit, skill.as_deref(), now, offset(), &Workload { loads, cursor }))
}

/// The re-offer 改派 of a case its assigned handler did not sign for in time: the next handler of
/// the unit after the one who missed it, in list order, on duty and with the skill, with the miss
/// in the reason. `None` when the case has no handler or nobody else qualifies.
pub fn reoffer(
    reference: &Reference,
    case: &Case,
    now: DateTime<Utc>,
    (step, repetition): (usize, u32),
) -> Option<Command> {
    let missed = case.handler.as_deref()?;
    let mut unit = reference.directory()?.unit(case.department.as_deref()?)?.clone();
    let at = unit.handlers.iter().position(|h| h.id == missed)?;
    unit.handlers.remove(at);
    unit.assignment = AssignmentPolicy::RoundRobin;
    let version = case.routing.as_ref().and_then(|r| r.catalogue_version);
    let sub = reference.sub_class_of(&case.category, version, now).or_else(|| reference.sub_class(&case.category, now));
    let skill = sub.and_then(|s| s.skill.clone());
    // Starting at the missed handler's place, which the next one now holds.
    let a = assign(&unit, skill.as_deref(), now, offset(), &Workload { loads: HashMap::new(), cursor: at });
    let handler = a.handler?;
    // The run is named as the other escalation steps name theirs, so the timeline tells a repeat
    // of the step from a second offer of the same run.
    let reason = format!(
        "{missed} did not sign in time: re-offered to {handler} ({}) (escalation step {step}, run {repetition})",
        a.reason
    );
    Some(Command::Assign { handler: Some(handler), policy: "reoffer".into(), reason })
}

pub fn assign_command(a: &Assignment) -> Command {
    Command::Assign {
        handler: a.handler.clone(),
        policy: serde_json::to_value(a.policy).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        reason: a.reason.clone(),
    }
}

/// Fills in what the wire form of a command leaves to the service, and checks references the
/// domain cannot see (the handler must belong to the case's unit).
pub(crate) fn complete(
    cmd: &Command,
    case: &Case,
    reference: &Reference,
    now: DateTime<Utc>,
) -> Result<Command, ServiceError> {
    match cmd {
        Command::Reroute { reason, .. } => {
            let decision = decide_for(reference, case, now).map(|e| {
                let mut n = note(&e);
                n.excluded = case.returned_by.clone();
                n
            });
            Ok(Command::Reroute { reason: reason.clone(), decision })
        }
        Command::Assign { handler: Some(h), .. } => {
            let unit = case.department.clone().unwrap_or_default();
            let known = reference
                .directory()
                .and_then(|d| d.unit(&unit))
                .is_some_and(|u| u.handlers.iter().any(|x| &x.id == h));
            if known { Ok(cmd.clone()) } else { Err(ServiceError::UnknownHandler { unit, handler: h.clone() }) }
        }
        Command::RequestExtension { minutes, reason, .. } => Ok(Command::RequestExtension {
            minutes: *minutes,
            reason: reason.clone(),
            approvers: Some(crate::approvals::approvers_for(reference, case, *minutes, now)?),
        }),
        other => Ok(other.clone()),
    }
}
