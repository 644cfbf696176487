//! Stage clocks from state changes (DOMAIN.md §5): which clock starts, pauses, resumes, moves or
//! stops when a case changes, decided as events appended to the same commit, and the durable
//! timers that go with them. The arithmetic is gridflow-sla's [`StageClock`]; the case keeps only
//! what the events recorded ([`ClockView`]), from which the clock is rebuilt for the next change.

pub use crate::clock_timers::timer_changes;
use crate::service::{CaseService, DEFAULT_CALENDAR, apply_events};
use chrono::{DateTime, Duration, Utc};
use gridflow_calendar::Calendar;
use gridflow_domain::Actor;
use gridflow_domain::audit::Transition;
use gridflow_domain::clock::MILESTONE_PREFIX;
use gridflow_domain::ports::TimerChanges;
use gridflow_domain::{Case, CaseState, ClockRun, ClockView, Event};
use gridflow_routing::{Milestone, StageLimits, TimeLimit};
use gridflow_sla::{ClockPause, ClockState, ExtensionGrant, Limit, LimitUnit, Stage, StageClock};
pub use gridflow_sla::{Light, Thresholds};
use std::collections::BTreeMap;

/// Accept 受理 and register 立案: from the report until a case held at intake is registered (or
/// turned away).
pub const INTAKE: &str = "intake";
/// From registration (or a reopening) until the case is dispatched.
pub const DISPATCH: &str = "dispatch";
pub const SIGN: &str = "sign";
pub const HANDLE: &str = "handle";
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
fn stage_limit(stage: &str, limits: Option<&StageLimits>) -> Option<Limit> {
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

fn unit_name(unit: LimitUnit) -> &'static str {
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

/// The light of a recorded clock at `now` (a stopped clock is measured at its stop): yellow from
/// the highest of `thresholds` below 100 %.
pub fn light(stage: &str, v: &ClockView, cal: &Calendar, thresholds: &Thresholds, now: DateTime<Utc>) -> Option<Light> {
    let clock = stage_clock(stage, v)?;
    clock.snapshot(cal, now.max(v.updated_at), thresholds).ok().map(|s| s.light)
}

/// Clock changes as events, applied in order.
struct Changes<'a> {
    cal: &'a Calendar,
    now: DateTime<Utc>,
    clocks: BTreeMap<String, StageClock>,
    events: Vec<Event>,
}

impl Changes<'_> {
    fn active(&self, stage: &str) -> bool {
        self.clocks.get(stage).is_some_and(|c| c.state != ClockState::Stopped)
    }

    fn at(&self, c: &StageClock) -> DateTime<Utc> {
        self.now.max(c.updated_at)
    }

    fn stop(&mut self, stage: &str) {
        let Some(mut c) = self.clocks.get(stage).filter(|c| c.state != ClockState::Stopped).cloned() else { return };
        let at = self.at(&c);
        if c.stop(self.cal, at).is_err() {
            return;
        }
        let Ok(s) = c.snapshot(self.cal, at, &Thresholds::default()) else { return };
        self.events.push(Event::ClockStopped {
            stage: stage.into(),
            on_time: s.on_time.unwrap_or(!s.overdue),
            business_seconds: s.business_elapsed_seconds,
            wall_seconds: s.wall_elapsed_seconds,
            paused_seconds: s.paused_seconds,
            late_seconds: (-s.remaining_seconds).max(0),
        });
        self.clocks.insert(stage.into(), c);
    }

    /// (Re)starts a clock; a running one is stopped first, and the new run takes the next generation.
    fn start(&mut self, stage: &str, limit: Option<Limit>) {
        self.start_from(stage, limit, self.now);
    }

    /// [`Self::start`] with the clock counted from `from` (not after now).
    fn start_from(&mut self, stage: &str, limit: Option<Limit>, from: DateTime<Utc>) {
        self.stop(stage);
        let Some(limit) = limit else { return };
        let from = from.min(self.now);
        let Ok(mut c) = StageClock::start(stage_of(stage), limit, self.cal, from) else { return };
        c.generation = self.clocks.get(stage).map_or(1, |old| old.generation + 1);
        self.events.push(Event::ClockStarted {
            stage: stage.into(),
            due_at: c.due_at,
            limit_value: c.limit.amount,
            limit_unit: unit_name(c.limit.unit).into(),
            calendar: c.calendar_code.clone(),
            calendar_version: c.calendar_version,
            generation: c.generation,
            counted_from: (from < self.now).then_some(from),
        });
        self.clocks.insert(stage.into(), c);
    }

    /// Applies `op` to every clock in `state`, passing its key (the stage name events record).
    fn each(
        &mut self,
        state: ClockState,
        mut op: impl FnMut(&str, &mut StageClock, &Calendar, DateTime<Utc>) -> Option<Event>,
    ) {
        let stages: Vec<String> =
            self.clocks.iter().filter(|(_, c)| c.state == state).map(|(k, _)| k.clone()).collect();
        for stage in stages {
            let Some(mut c) = self.clocks.get(&stage).cloned() else { continue };
            let at = self.at(&c);
            if let Some(event) = op(&stage, &mut c, self.cal, at) {
                self.events.push(event);
                self.clocks.insert(stage, c);
            }
        }
    }
}

/// The stages whose clocks run while a case is in `state` (`None`: keep whatever runs).
fn running_in(state: CaseState) -> Option<&'static [&'static str]> {
    match state {
        CaseState::Reported | CaseState::Accepted => Some(&[INTAKE]),
        CaseState::Registered | CaseState::Reopened => Some(&[DISPATCH]),
        CaseState::Dispatched => Some(&[SIGN, HANDLE]),
        CaseState::Signed | CaseState::InProgress | CaseState::Rework => Some(&[HANDLE]),
        CaseState::FeedbackGiven | CaseState::Verifying => Some(&[VERIFY]),
        CaseState::Suspended | CaseState::ReturnRequested => None,
        _ => Some(&[]),
    }
}

/// The clock events a change from `before` to `after` implies, at `now`: the intake clock runs from
/// the report of a case held at intake to its registration, the dispatch clock from registration
/// (or reopening) to a dispatch that did not come in the same commit, sign and handle clocks
/// (re)start at (re-)dispatch, sign stops at sign-for, handle stops at feedback and restarts at
/// rework, verify runs from feedback to close or a failed check; everything pauses while suspended
/// and resumes after; an approved extension moves the handle clock to the new due. Each staged
/// milestone of the category (`milestones`) runs its own clock from dispatch, counted like the
/// handle clock, until the unit reports it reached or the handle stage ends.
pub fn clock_events(
    before: &Case,
    after: &Case,
    (limits, milestones): (Option<&StageLimits>, &[Milestone]),
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let clocks = after.clocks.iter().filter_map(|(k, v)| Some((k.clone(), stage_clock(k, v)?))).collect();
    let mut ch = Changes { cal, now, clocks, events: vec![] };
    if before.state == CaseState::Suspended && after.state != CaseState::Suspended {
        ch.each(ClockState::Paused, |stage, c, cal, at| {
            c.resume(cal, at).ok()?;
            Some(Event::ClockResumed { stage: stage.into(), due_at: c.due_at, generation: c.generation })
        });
    }
    if after.extension_count > before.extension_count && ch.active(HANDLE) {
        let minutes = before.pending_extension.as_ref().map_or(0, |p| p.minutes);
        let to = after.due_at;
        ch.each(ClockState::Running, |stage, c, cal, at| (stage == HANDLE).then(|| extend(c, cal, at, to, minutes))?);
    }
    if after.state == CaseState::Suspended && before.state != CaseState::Suspended {
        ch.each(ClockState::Running, |stage, c, cal, at| {
            c.pause(cal, at, "suspended").ok()?;
            Some(Event::ClockPaused { stage: stage.into(), reason: "suspended".into(), generation: c.generation })
        });
    }
    let dispatched_anew = after.state == CaseState::Dispatched
        && (matches!(before.state, CaseState::Registered | CaseState::Reopened)
            || before.department != after.department);
    // The intake clock runs only for reports the router holds at intake (a likely duplicate,
    // triage): it starts when the case is first seen accepted, counted from the report. A report
    // routed at once spent no time worth a clock, and recording one cost every report two events
    // and a third of intake throughput on the Postgres stack.
    let held = after.state == CaseState::Accepted && !ch.clocks.contains_key(INTAKE);
    // A case the router registers and dispatches in one commit spent no time awaiting dispatch:
    // it gets no dispatch clock (two events per routed report that said nothing), only cases
    // left registered or reopened for a dispatcher do.
    let awaiting_dispatch = |s: CaseState| matches!(s, CaseState::Registered | CaseState::Reopened);
    let registered_anew = awaiting_dispatch(after.state) && !awaiting_dispatch(before.state);
    let reworked = after.rework_count > before.rework_count;
    let fed_back = after.state == CaseState::FeedbackGiven && before.state != CaseState::FeedbackGiven;
    if let Some(keep) = running_in(after.state) {
        // Milestone clocks belong to the handle stage.
        let kept = |k: &str| keep.contains(&k) || (k.starts_with(MILESTONE_PREFIX) && keep.contains(&HANDLE));
        let stale: Vec<String> = ch.clocks.keys().filter(|k| !kept(k)).cloned().collect();
        for stage in stale {
            ch.stop(&stage);
        }
    }
    // A (re-)dispatch clears the reached list, so this sees only reports of this commit's unit.
    for m in after.milestones_reached.iter().filter(|m| !before.milestones_reached.contains(m)) {
        ch.stop(&format!("{MILESTONE_PREFIX}{m}"));
    }
    if held {
        ch.start_from(INTAKE, stage_limit(INTAKE, limits), after.created_at);
    }
    if registered_anew {
        ch.start(DISPATCH, stage_limit(DISPATCH, limits));
    }
    if dispatched_anew {
        ch.start(SIGN, stage_limit(SIGN, limits));
        ch.start(HANDLE, stage_limit(HANDLE, limits));
        for m in milestones {
            ch.start(&format!("{MILESTONE_PREFIX}{}", m.name_en), Some(limit_of(m.limit)));
        }
    }
    if reworked {
        ch.start(HANDLE, stage_limit(HANDLE, limits));
    }
    if fed_back {
        ch.start(VERIFY, stage_limit(VERIFY, limits));
    }
    ch.events
}

/// Moves the handle clock to the domain's new due (or by the requested minutes if that is not later).
fn extend(
    c: &mut StageClock,
    cal: &Calendar,
    at: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    minutes: i64,
) -> Option<Event> {
    if c.stage != Stage::Handle {
        return None;
    }
    let by = ExtensionGrant::By(Limit::new(u32::try_from(minutes).ok()?.max(1), LimitUnit::Minutes));
    let grant = to.filter(|t| *t > c.due_at).map_or(by, ExtensionGrant::Until);
    c.extend(cal, at, grant, "approved extension", "system:sla").ok()?;
    Some(Event::ClockExtended { stage: HANDLE.into(), due_at: c.due_at, generation: c.generation })
}

impl CaseService {
    /// The handling limit of the case's category (catalogue version it was reported under), counted on the
    /// default calendar from `now`: working hours and days skip nights, weekends and holidays.
    /// It is the handle clock's due (see `handle_due`), so `Dispatched.due_at` equals it.
    pub fn handle_limit(&self, case: &Case, now: DateTime<Utc>) -> Duration {
        let reference = self.reference.get();
        let limits = reference.registered_sub_class(case, now).map(|s| s.limits);
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
        let calendars = self.calendars.get();
        let Some(cal) = calendars.get(DEFAULT_CALENDAR) else {
            return (next, transitions, TimerChanges::default());
        };
        let reference = self.reference.get();
        let sub = reference.registered_sub_class(&next, now);
        let limits = sub.map(|s| s.limits);
        let milestones = sub.map_or(&[][..], |s| &s.milestones[..]);
        let events = clock_events(before, &next, (limits.as_ref(), milestones), cal, now);
        if events.is_empty() {
            return (next, transitions, TimerChanges::default());
        }
        let (next, more) = apply_events(&next, &events, &Actor::system("sla"), now);
        transitions.extend(more);
        let timers = timer_changes(&next, &events, cal, &crate::escalation::thresholds_for(sub));
        (next, transitions, timers)
    }
}

#[cfg(test)]
#[path = "clocks_tests.rs"]
mod tests;
