//! Stage clocks (DOMAIN.md §5): their names and limits, the clock rebuilt from what a case
//! recorded, its light, and the service step that appends the clock events a change implies
//! ([`clock_events`]) with the durable timers that go with them ([`timer_changes`]). The arithmetic
//! is gridflow-sla's [`StageClock`]; the case keeps only what the events recorded ([`ClockView`]).

pub use crate::clock_events::{ClockCalendars, ClockPolicy, clock_events};
pub use crate::clock_timers::timer_changes;
use crate::service::{CaseService, DEFAULT_CALENDAR, apply_events};
use chrono::{DateTime, Duration, Utc};
use gridflow_calendar::{Calendar, CalendarSet};
use gridflow_domain::Actor;
use gridflow_domain::audit::Transition;
use gridflow_domain::ports::TimerChanges;
use gridflow_domain::{Case, ClockRun, ClockView};
use gridflow_routing::{StageLimits, TimeLimit};
use gridflow_sla::{ClockPause, ClockState, Limit, LimitUnit, Stage, StageClock};
pub use gridflow_sla::{Light, Thresholds};

/// Accept 受理 and register 立案: from the report until a case held at intake is registered (or
/// turned away).
pub const INTAKE: &str = "intake";
/// From registration (or a reopening) until the case is dispatched.
pub const DISPATCH: &str = "dispatch";
pub const SIGN: &str = "sign";
pub const HANDLE: &str = gridflow_domain::clock::HANDLE;
pub const VERIFY: &str = "verify";
/// Handling limit when a category has none configured.
pub const DEFAULT_HANDLE: Limit = Limit { amount: 24 * 60, unit: LimitUnit::Minutes };

/// A catalogue limit as a clock limit (a zero limit counts as 1: it would be overdue at start).
pub fn limit_of(l: TimeLimit) -> Limit {
    let unit = match l.unit {
        gridflow_routing::LimitUnit::Minutes => LimitUnit::Minutes,
        gridflow_routing::LimitUnit::WorkingHours => LimitUnit::WorkingHours,
        gridflow_routing::LimitUnit::WorkingDays => LimitUnit::WorkingDays,
    };
    Limit::new(l.value.max(1), unit)
}

/// The limit of a stage clock: the sub-class's, or none (the handle clock falls back to a day).
pub(crate) fn stage_limit(stage: &str, limits: Option<&StageLimits>) -> Option<Limit> {
    match (stage, limits) {
        (INTAKE, Some(l)) => Some(limit_of(l.accept)),
        (DISPATCH, Some(l)) => Some(limit_of(l.dispatch)),
        (SIGN, Some(l)) => Some(limit_of(l.sign)),
        (HANDLE, Some(l)) => Some(limit_of(l.handle)),
        (VERIFY, Some(l)) => Some(limit_of(l.verify)),
        (HANDLE, None) => Some(DEFAULT_HANDLE),
        _ => None,
    }
}

/// The stage limits of a case of `urgency` in sub-class `sub`: the sub-class's, with its SLA
/// policy's limits for that urgency level put in.
pub fn case_limits(sub: &gridflow_routing::SubClass, urgency: gridflow_domain::Urgency) -> StageLimits {
    let level = crate::escalation::urgency_of(urgency);
    sub.sla.as_ref().map_or(sub.limits, |p| p.limits_for(level, sub.limits))
}

/// When a handle clock started at `now` is due: the `Dispatched.due_at` the domain records.
pub fn handle_due(limits: Option<&StageLimits>, cal: &Calendar, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let limit = stage_limit(HANDLE, limits)?;
    StageClock::start(Stage::Handle, limit, cal, now).ok().map(|c| c.due_at)
}

/// The SLA stage a clock name times.
pub(crate) fn stage_of(name: &str) -> Stage {
    match name {
        SIGN => Stage::Sign,
        VERIFY => Stage::Verify,
        DISPATCH => Stage::Dispatch,
        INTAKE => Stage::Intake,
        _ => Stage::Handle,
    }
}

pub(crate) fn unit_name(unit: LimitUnit) -> &'static str {
    match unit {
        LimitUnit::Minutes => "minutes",
        LimitUnit::WorkingHours => "working_hours",
        LimitUnit::WorkingDays => "working_days",
    }
}

fn unit_of(name: &str) -> Option<LimitUnit> {
    match name {
        "minutes" => Some(LimitUnit::Minutes),
        "working_hours" => Some(LimitUnit::WorkingHours),
        "working_days" => Some(LimitUnit::WorkingDays),
        _ => None,
    }
}

/// Rebuilds the SLA clock from what the case recorded (extension history stays in the timeline).
pub fn stage_clock(stage: &str, v: &ClockView) -> Option<StageClock> {
    Some(StageClock {
        stage: stage_of(stage),
        limit: Limit::new(v.limit_value, unit_of(&v.limit_unit)?),
        calendar_code: v.calendar.clone(),
        calendar_version: v.calendar_version,
        started_at: v.started_at,
        state: match v.state {
            ClockRun::Running => ClockState::Running,
            ClockRun::Paused => ClockState::Paused,
            ClockRun::Stopped => ClockState::Stopped,
        },
        pauses: v.pauses.iter().map(|p| ClockPause { start: p.start, end: p.end, reason: p.reason.clone() }).collect(),
        extensions: vec![],
        reset_count: 0,
        due_at: v.due_at,
        stopped_at: v.stopped_at,
        generation: v.generation,
        updated_at: v.updated_at,
    })
}

/// The light of a recorded clock at `now` on the calendar it recorded (a stopped clock is measured
/// at its stop): yellow from the highest of `thresholds` below 100 %.
pub fn light(
    stage: &str,
    v: &ClockView,
    cals: &CalendarSet,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Option<Light> {
    let clock = stage_clock(stage, v)?;
    clock.snapshot(cals.get(&v.calendar)?, now.max(v.updated_at), thresholds).ok().map(|s| s.light)
}

/// The calendar the clocks of `unit` count on: its own if it names one in force, else the
/// city default.
pub fn unit_calendar<'a>(
    reference: &crate::reference::Reference,
    cals: &'a CalendarSet,
    unit: Option<&str>,
) -> Option<&'a Calendar> {
    let own = unit.and_then(|u| reference.directory()?.unit(u)?.calendar.clone());
    own.and_then(|code| cals.get(&code)).or_else(|| cals.get(DEFAULT_CALENDAR))
}

impl CaseService {
    /// The handling limit of the case's category (catalogue version it was reported under), counted on the
    /// default calendar from `now`: working hours and days skip nights, weekends and holidays.
    /// `Dispatched.due_at` records it before the unit is known; the handle clock then starts on the
    /// unit's calendar in the same commit and the case's deadline follows the clock.
    pub fn handle_limit(&self, case: &Case, now: DateTime<Utc>) -> Duration {
        let reference = self.reference.get();
        let limits = reference.registered_sub_class(case, now).map(|s| case_limits(s, case.urgency));
        let limit = limits.map_or(DEFAULT_HANDLE, |l| limit_of(l.handle));
        let calendars = self.calendars.get();
        match calendars.get(DEFAULT_CALENDAR).and_then(|c| handle_due(limits.as_ref(), c, now)) {
            Some(due) => due - now,
            None => Duration::minutes(i64::from(limit.amount)),
        }
    }

    /// Appends the clock events a change implies (as `system:sla`) and the timers that go with them.
    pub fn with_clocks(
        &self,
        before: &Case,
        next: Case,
        mut transitions: Vec<Transition>,
        now: DateTime<Utc>,
    ) -> (Case, Vec<Transition>, TimerChanges) {
        let set = self.calendars.get();
        let reference = self.reference.get();
        let (Some(centre), Some(unit)) =
            (set.get(DEFAULT_CALENDAR), unit_calendar(&reference, &set, next.department.as_deref()))
        else {
            return (next, transitions, TimerChanges::default());
        };
        let cals = ClockCalendars { set: &set, centre, unit };
        let sub = reference.registered_sub_class(&next, now);
        let limits = sub.map(|s| case_limits(s, next.urgency));
        let policy = ClockPolicy {
            limits: limits.as_ref(),
            milestones: sub.map_or(&[][..], |s| &s.milestones[..]),
            pause_while: sub.and_then(|s| s.sla.as_ref()).map_or(&[][..], |p| &p.pause_while[..]),
        };
        let events = clock_events(before, &next, &policy, &cals, now);
        if events.is_empty() {
            return (next, transitions, TimerChanges::default());
        }
        let (next, more) = apply_events(&next, &events, &Actor::system("sla"), now);
        transitions.extend(more);
        let timers = timer_changes(&next, &events, &set, &crate::escalation::thresholds_for(sub));
        (next, transitions, timers)
    }
}

#[cfg(test)]
#[path = "clocks_tests.rs"]
pub(crate) mod tests;
