//! Wire shapes of cases and their timelines.

use chrono::{DateTime, SecondsFormat, Utc};
use gridflow_domain::audit::Transition;
use gridflow_domain::case::PendingExtension;
use gridflow_domain::{Actor, Case, ClockView, Role};
use gridflow_engine::clocks::Light;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Serialize)]
pub struct CaseView {
    pub id: Uuid,
    pub status: &'static str,
    pub version: i64,
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub description: String,
    pub urgency: gridflow_domain::Urgency,
    pub client_ref: Option<String>,
    pub reporter: String,
    pub grid: Option<String>,
    /// The 9-digit street code: a prefix of the 15-digit grid code.
    pub street: Option<String>,
    pub department: Option<String>,
    pub due_at: Option<String>,
    pub overdue: bool,
    pub master_id: Option<Uuid>,
    pub reject_reason: Option<gridflow_domain::RejectReason>,
    pub pending_extension: Option<PendingExtension>,
    pub rework_count: u32,
    pub urge_count: u32,
    pub escalation_level: u32,
    pub extension_count: u32,
    pub returned_by: Vec<String>,
    pub facility_id: Option<String>,
    pub handler: Option<String>,
    pub co_handlers: Vec<String>,
    /// The last routing decision: basis, rule id and versions.
    pub routing: Option<gridflow_domain::RoutingNote>,
    pub repeat_count: u32,
    pub duplicates: Vec<Uuid>,
    /// Open cases found nearby at intake; while set and `accepted`, the case awaits an operator.
    pub likely_duplicates: Vec<Uuid>,
    pub created_at: String,
    pub updated_at: String,
    /// Stage clocks by stage; `light` is filled where a calendar was at hand (the case read).
    pub clocks: BTreeMap<String, ClockOut>,
    /// Departments whistled 吹哨 to report in 报到, and when they did.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub report_ins: BTreeMap<String, gridflow_domain::case::ReportIn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEntry>>,
}

/// A stage clock as recorded, and its traffic light now.
#[derive(Serialize)]
pub struct ClockOut {
    #[serde(flatten)]
    pub clock: ClockView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub light: Option<Light>,
}

#[derive(Serialize)]
pub struct TimelineEntry {
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub from: Option<&'static str>,
    pub to: &'static str,
    pub actor: String,
    pub at: String,
    pub event: serde_json::Value,
}

impl CaseView {
    pub fn of(case: &Case, timeline: Option<&[Transition]>) -> CaseView {
        let now = Utc::now();
        CaseView {
            id: case.id,
            status: case.state.as_str(),
            version: case.version,
            category: case.category.clone(),
            lat: case.lat,
            lon: case.lon,
            description: case.description.clone(),
            urgency: case.urgency,
            client_ref: case.client_ref.clone(),
            reporter: case.reporter.clone(),
            grid: case.grid.clone(),
            street: case.grid.as_ref().filter(|g| g.len() >= 9).map(|g| g[..9].to_string()),
            department: case.department.clone(),
            due_at: case.due_at.map(ts),
            overdue: case.state.is_with_department() && case.due_at.is_some_and(|d| d < now),
            master_id: case.master_id,
            reject_reason: case.reject_reason,
            pending_extension: case.pending_extension.clone(),
            rework_count: case.rework_count,
            urge_count: case.urge_count,
            escalation_level: case.escalation_level,
            extension_count: case.extension_count,
            returned_by: case.returned_by.clone(),
            facility_id: case.facility_id.clone(),
            handler: case.handler.clone(),
            co_handlers: case.co_handlers.clone(),
            routing: case.routing.clone(),
            repeat_count: case.repeat_count,
            duplicates: case.duplicates.clone(),
            likely_duplicates: case.likely_duplicates.clone(),
            created_at: ts(case.created_at),
            updated_at: ts(case.updated_at),
            report_ins: case.report_ins.clone(),
            clocks: case.clocks.iter().map(|(k, c)| (k.clone(), ClockOut { clock: c.clone(), light: None })).collect(),
            timeline: timeline.map(|ts| ts.iter().map(TimelineEntry::of).collect()),
        }
    }
}

impl CaseView {
    /// Fills in each clock's light at `now` on the calendar it recorded (green, yellow from the
    /// category's warning threshold, 80 % by default, red when overdue).
    pub fn with_lights(
        mut self,
        cals: &gridflow_calendar::CalendarSet,
        thresholds: &gridflow_engine::clocks::Thresholds,
        now: DateTime<Utc>,
    ) -> CaseView {
        for (stage, out) in &mut self.clocks {
            out.light = gridflow_engine::clocks::light(stage, &out.clock, cals, thresholds, now);
        }
        self
    }
}

impl TimelineEntry {
    fn of(t: &Transition) -> TimelineEntry {
        TimelineEntry {
            seq: t.seq,
            kind: t.event.kind(),
            from: t.from_state.map(|s| s.as_str()),
            to: t.to_state.as_str(),
            actor: t.actor.clone(),
            at: ts(t.at),
            event: serde_json::to_value(&t.event).unwrap_or_default(),
        }
    }
}

/// Whether `actor` may read `case`: some role of theirs applies to it (same scopes as commands),
/// also as a department whistled 吹哨 to report in on it.
pub fn can_view(actor: &Actor, case: &Case) -> bool {
    let grid = case.grid.as_deref();
    let units: Vec<Option<&str>> =
        std::iter::once(case.department.as_deref()).chain(case.report_ins.keys().map(|d| Some(d.as_str()))).collect();
    actor.roles.iter().any(|r| *r != Role::Admin && units.iter().any(|d| actor.role_applies(*r, grid, *d)))
        || actor.roles.contains(&Role::Admin)
        || case.reporter == actor.id
}
