//! Stage clocks as the case records them: started, paused, resumed, extended and stopped by
//! events the engine derives from state changes, and the thresholds fired on them. The SLA
//! arithmetic lives outside the domain; this is only what the events say.

use crate::event::Event;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a clock is counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockRun {
    Running,
    Paused,
    Stopped,
}

/// One pause of the current run; `end` is `None` while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseView {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub reason: String,
}

/// What the clock's stop recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockResult {
    pub on_time: bool,
    pub business_seconds: i64,
    pub wall_seconds: i64,
    pub paused_seconds: i64,
    pub late_seconds: i64,
}

/// One stage clock of a case (`handle`, `sign`, `verify`, ...), as its events left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    pub state: ClockRun,
    pub limit_value: u32,
    /// `minutes`, `working_hours` or `working_days`.
    pub limit_unit: String,
    pub calendar: String,
    pub calendar_version: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Bumps on every change that makes armed timers stale.
    pub generation: u64,
    /// The instant of the last change.
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub pauses: Vec<PauseView>,
    /// Threshold percentages already reached in this run.
    #[serde(default)]
    pub fired: Vec<u16>,
    #[serde(default)]
    pub stopped_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub result: Option<ClockResult>,
    /// The unit that held the case when this run started (`None`: the command centre).
    #[serde(default)]
    pub unit: Option<String>,
    /// Failed verifications of the case when this run started (above 0: a rework run).
    #[serde(default)]
    pub reworks: u32,
    /// Approved extensions in this run.
    #[serde(default)]
    pub extensions: u32,
    /// The earlier runs of this clock, oldest first: a re-dispatch, a rework or a reopening starts
    /// a new run, and the metrics count every run, not only the last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<PastRun>,
}

/// A finished (or abandoned) run of a clock, as the metrics need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastRun {
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub result: Option<ClockResult>,
    pub unit: Option<String>,
    pub reworks: u32,
    pub extensions: u32,
    /// The run ended held by a suspension 挂账: it leaves the rate denominators.
    pub suspended: bool,
}

impl ClockView {
    /// Whether this run is held by a suspension 挂账, or ended held by one: like a suspended case,
    /// it leaves the denominators (a run suspended and resumed is judged on its moved due).
    pub fn suspended(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.reason == SUSPENDED && (p.end.is_none() || p.end == self.stopped_at))
    }

    fn past(&self) -> PastRun {
        PastRun {
            started_at: self.started_at,
            due_at: self.due_at,
            stopped_at: self.stopped_at,
            result: self.result,
            unit: self.unit.clone(),
            reworks: self.reworks,
            extensions: self.extensions,
            suspended: self.suspended(),
        }
    }
}

/// The pause reason of a suspension 挂账.
pub const SUSPENDED: &str = "suspended";

/// Applies a clock event to the case's clocks; other events are ignored.
pub fn apply(clocks: &mut BTreeMap<String, ClockView>, event: &Event, at: DateTime<Utc>) {
    match event {
        Event::ClockStarted {
            stage,
            due_at,
            limit_value,
            limit_unit,
            calendar,
            calendar_version,
            generation,
            counted_from,
        } => {
            let runs = clocks
                .remove(stage)
                .map(|old| {
                    let mut runs = old.runs.clone();
                    runs.push(old.past());
                    runs
                })
                .unwrap_or_default();
            clocks.insert(
                stage.clone(),
                ClockView {
                    state: ClockRun::Running,
                    limit_value: *limit_value,
                    limit_unit: limit_unit.clone(),
                    calendar: calendar.clone(),
                    calendar_version: *calendar_version,
                    started_at: counted_from.unwrap_or(at),
                    due_at: *due_at,
                    generation: *generation,
                    updated_at: at,
                    pauses: vec![],
                    fired: vec![],
                    stopped_at: None,
                    result: None,
                    unit: None,
                    reworks: 0,
                    extensions: 0,
                    runs,
                },
            );
        }
        Event::ClockPaused { stage, reason, generation } => {
            if let Some(c) = clocks.get_mut(stage) {
                c.state = ClockRun::Paused;
                c.pauses.push(PauseView { start: at, end: None, reason: reason.clone() });
                c.generation = *generation;
                c.updated_at = at;
            }
        }
        Event::ClockResumed { stage, due_at, generation } => {
            if let Some(c) = clocks.get_mut(stage) {
                close_pause(c, at);
                c.state = ClockRun::Running;
                c.due_at = *due_at;
                c.generation = *generation;
                c.updated_at = at;
            }
        }
        Event::ClockExtended { stage, due_at, generation } => {
            if let Some(c) = clocks.get_mut(stage) {
                // A breached run that is extended can breach again at the new due: its breach
                // (and later) thresholds re-arm. Warnings already given are not repeated.
                c.fired.retain(|p| *p < 100);
                c.extensions += 1;
                c.due_at = *due_at;
                c.generation = *generation;
                c.updated_at = at;
            }
        }
        Event::ClockStopped { stage, on_time, business_seconds, wall_seconds, paused_seconds, late_seconds } => {
            if let Some(c) = clocks.get_mut(stage) {
                close_pause(c, at);
                c.state = ClockRun::Stopped;
                c.stopped_at = Some(at);
                c.generation += 1;
                c.updated_at = at;
                c.result = Some(ClockResult {
                    on_time: *on_time,
                    business_seconds: *business_seconds,
                    wall_seconds: *wall_seconds,
                    paused_seconds: *paused_seconds,
                    late_seconds: *late_seconds,
                });
            }
        }
        Event::ThresholdReached { stage, percent, .. } => {
            if let Some(c) = clocks.get_mut(stage)
                && !c.fired.contains(percent)
            {
                c.fired.push(*percent);
            }
        }
        _ => {}
    }
}

fn close_pause(c: &mut ClockView, at: DateTime<Utc>) {
    if let Some(open) = c.pauses.last_mut().filter(|p| p.end.is_none()) {
        open.end = Some(at);
    }
}

/// The key of the handling clock, whose due is the case's deadline.
pub const HANDLE: &str = "handle";

/// The prefix of report-in clocks, one per whistled department: `report_in:dept-emergency`.
pub const REPORT_IN_PREFIX: &str = "report_in:";

/// The prefix of milestone clocks: `milestone:on site`.
pub const MILESTONE_PREFIX: &str = "milestone:";

/// Whether the clock of milestone `name` runs (or is paused: a suspended case keeps its milestones).
pub fn milestone_running(clocks: &BTreeMap<String, ClockView>, name: &str) -> bool {
    clocks.get(&format!("{MILESTONE_PREFIX}{name}")).is_some_and(|c| c.state != ClockRun::Stopped)
}

/// The names of the milestones whose clocks still run, in key order.
pub fn running_milestones(clocks: &BTreeMap<String, ClockView>) -> Vec<&str> {
    clocks
        .iter()
        .filter(|(_, c)| c.state != ClockRun::Stopped)
        .filter_map(|(k, _)| k.strip_prefix(MILESTONE_PREFIX))
        .collect()
}

/// Whether a `FireThreshold` for this clock, generation and percent is still to be recorded.
pub fn threshold_pending(clocks: &BTreeMap<String, ClockView>, stage: &str, percent: u16, generation: u64) -> bool {
    clocks
        .get(stage)
        .is_some_and(|c| c.state == ClockRun::Running && c.generation == generation && !c.fired.contains(&percent))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Actor, Case, Command, Ctx, Event, Urgency, decide};
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    fn case_with_clock(at: DateTime<Utc>) -> Case {
        let reported = Event::Reported {
            category: "event:0101".into(),
            lat: 0.0,
            lon: 0.0,
            description: "d".into(),
            urgency: Urgency::Normal,
            client_ref: None,
            grid: None,
            reporter: "u".into(),
            facility_id: None,
            likely_duplicates: vec![],
        };
        let mut case = Case::from_reported(Uuid::from_u128(1), &reported, at).unwrap();
        case.apply(
            &Event::ClockStarted {
                stage: "handle".into(),
                due_at: at + Duration::minutes(10),
                limit_value: 10,
                limit_unit: "minutes".into(),
                calendar: "cn-default".into(),
                calendar_version: at.date_naive(),
                generation: 1,
                counted_from: None,
            },
            at,
        );
        case
    }

    #[test]
    fn fire_threshold_records_once_per_running_generation() {
        let at = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let mut case = case_with_clock(at);
        let system = Actor::system("sla");
        let ctx = Ctx { now: at + Duration::minutes(5), handle_limit: Duration::minutes(10) };
        let fire = |g| Command::FireThreshold {
            stage: "handle".into(),
            percent: 50,
            generation: g,
            due: Some(at + Duration::minutes(5) - Duration::milliseconds(20)),
        };
        assert_eq!(decide(&case, &fire(2), &system, ctx).unwrap(), vec![]);
        let events = decide(&case, &fire(1), &system, ctx).unwrap();
        assert!(matches!(events.as_slice(), [Event::ThresholdReached { percent: 50, lateness_ms: 20, .. }]));
        case.apply(&events[0], ctx.now);
        assert_eq!(case.clocks["handle"].fired, vec![50]);
        assert_eq!(decide(&case, &fire(1), &system, ctx).unwrap(), vec![]);
        case.apply(&Event::ClockPaused { stage: "handle".into(), reason: "r".into(), generation: 2 }, ctx.now);
        let other = Command::FireThreshold { stage: "handle".into(), percent: 80, generation: 2, due: None };
        assert_eq!(decide(&case, &other, &system, ctx).unwrap(), vec![], "paused");
        let person = Actor { id: "u".into(), roles: vec![crate::Role::ShiftLead], scopes: vec![] };
        assert!(decide(&case, &other, &person, ctx).is_err(), "system only");
    }
}
