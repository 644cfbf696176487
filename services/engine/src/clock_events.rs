//! Which clock starts, pauses, resumes, moves or stops when a case changes (DOMAIN.md §5), decided
//! as events appended to the same commit. Every recorded clock is rebuilt and moved on the calendar
//! it recorded; a new clock counts on the calendar of whoever owns the stage: the dispatched unit's
//! for sign, handle and milestones, the centre's for intake, dispatch and verify.

use crate::clocks::{DISPATCH, HANDLE, INTAKE, SIGN, VERIFY, limit_of, stage_clock, stage_limit, stage_of, unit_name};
use chrono::{DateTime, Duration, Utc};
use gridflow_calendar::{Calendar, CalendarSet};
use gridflow_domain::clock::{MILESTONE_PREFIX, REPORT_IN_PREFIX, SUSPENDED};
use gridflow_domain::{Case, CaseState, Event};
use gridflow_routing::{Milestone, PauseWhile, StageLimits};
use gridflow_sla::{ClockState, ExtensionGrant, Limit, LimitUnit, Stage, StageClock, Thresholds};
use std::collections::BTreeMap;

/// The catalogue's word on a case's clocks: its stage limits, staged milestones, and what pauses them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClockPolicy<'a> {
    pub limits: Option<&'a StageLimits>,
    pub milestones: &'a [Milestone],
    pub pause_while: &'a [PauseWhile],
}

/// The calendars clocks count on.
#[derive(Debug, Clone, Copy)]
pub struct ClockCalendars<'a> {
    pub set: &'a CalendarSet,
    /// The command centre's calendar (intake, dispatch, verify).
    pub centre: &'a Calendar,
    /// The dispatched unit's calendar (sign, handle, milestones); the centre's if it has none.
    pub unit: &'a Calendar,
}

impl<'a> ClockCalendars<'a> {
    /// The calendar a new clock of `stage` counts on.
    fn for_stage(&self, stage: &str) -> &'a Calendar {
        match stage {
            INTAKE | DISPATCH | VERIFY => self.centre,
            s if s.starts_with(REPORT_IN_PREFIX) => self.centre,
            _ => self.unit,
        }
    }

    /// The calendar a recorded clock counts on (`None` if it is no longer in force).
    fn recorded(&self, c: &StageClock) -> Option<&'a Calendar> {
        self.set.get(&c.calendar_code)
    }
}

/// Why a clock is held.
const RETURN_PENDING: &str = "return_pending";
const EXTENSION_PENDING: &str = "extension_pending";

/// Clock changes as events, applied in order.
struct Changes<'a> {
    cals: ClockCalendars<'a>,
    now: DateTime<Utc>,
    clocks: BTreeMap<String, StageClock>,
    events: Vec<Event>,
}

impl Changes<'_> {
    fn at(&self, c: &StageClock) -> DateTime<Utc> {
        self.now.max(c.updated_at)
    }

    fn stop(&mut self, stage: &str) {
        let Some(mut c) = self.clocks.get(stage).filter(|c| c.state != ClockState::Stopped).cloned() else { return };
        let Some(cal) = self.cals.recorded(&c) else { return };
        let at = self.at(&c);
        if c.stop(cal, at).is_err() {
            return;
        }
        let Ok(s) = c.snapshot(cal, at, &Thresholds::default()) else { return };
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
        let Ok(mut c) = StageClock::start(stage_of(stage), limit, self.cals.for_stage(stage), from) else { return };
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

    /// Pauses or resumes every clock that is not stopped as `want` says: held for a reason, run, or
    /// left as it is. A clock already held keeps its first reason (one pause covers an extension
    /// request that turned into a suspension).
    fn hold(&mut self, want: impl Fn(&str) -> Want) {
        let keys: Vec<String> = self.clocks.keys().cloned().collect();
        for stage in keys {
            let Some(mut c) = self.clocks.get(&stage).cloned() else { continue };
            let Some(cal) = self.cals.recorded(&c) else { continue };
            let at = self.at(&c);
            let event = match (c.state, want(&stage)) {
                (ClockState::Running, Want::Held(reason)) => c.pause(cal, at, reason).ok().map(|()| {
                    Event::ClockPaused { stage: stage.clone(), reason: reason.into(), generation: c.generation }
                }),
                (ClockState::Paused, Want::Running) => c.resume(cal, at).ok().map(|()| Event::ClockResumed {
                    stage: stage.clone(),
                    due_at: c.due_at,
                    generation: c.generation,
                }),
                _ => None,
            };
            if let Some(event) = event {
                self.events.push(event);
                self.clocks.insert(stage, c);
            }
        }
    }

    /// Moves the handle clock by the approved minutes, from its due or from now if it is already
    /// overdue (natural minutes, as the request counted them). A held clock is extended too; its
    /// resume then moves the extended due.
    fn extend(&mut self, minutes: i64) {
        let Some(mut c) = self.clocks.get(HANDLE).filter(|c| c.state != ClockState::Stopped).cloned() else { return };
        let Some(cal) = self.cals.recorded(&c) else { return };
        let at = self.at(&c);
        let to = c.due_at.max(at) + Duration::minutes(minutes.max(1));
        if c.stage != Stage::Handle
            || c.extend(cal, at, ExtensionGrant::Until(to), "approved extension", "system:sla").is_err()
        {
            return;
        }
        self.events.push(Event::ClockExtended { stage: HANDLE.into(), due_at: c.due_at, generation: c.generation });
        self.clocks.insert(HANDLE.into(), c);
    }
}

/// What a clock should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Running,
    Held(&'static str),
    /// Neither: it is about to stop, or nothing changed for it.
    AsItIs,
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

/// Why the clock `stage` of `case` is held, if it is: every clock while the case is suspended 挂账;
/// where the category's policy says so, every clock while a return 退回 awaits approval, and the
/// handle clock and its milestones while an extension 延期 does (the unit asked in time and waits on
/// the centre). Without such a policy the clocks keep running: asking buys no time.
fn held(case: &Case, pause_while: &[PauseWhile], stage: &str) -> Option<&'static str> {
    if case.state == CaseState::Suspended {
        return Some(SUSPENDED);
    }
    if case.state == CaseState::ReturnRequested && pause_while.contains(&PauseWhile::ReturnPending) {
        return Some(RETURN_PENDING);
    }
    let handling = stage == HANDLE || stage.starts_with(MILESTONE_PREFIX);
    (handling && case.pending_extension.is_some() && pause_while.contains(&PauseWhile::ExtensionPending))
        .then_some(EXTENSION_PENDING)
}

/// The clock events a change from `before` to `after` implies, at `now`: the intake clock runs from
/// the report of a case held at intake to its registration, the dispatch clock from registration
/// (or reopening) to a dispatch that did not come in the same commit, sign and handle clocks
/// (re)start at (re-)dispatch, sign stops at sign-for, handle stops at feedback and restarts at
/// rework, verify runs from feedback to close or a failed check; clocks are held while suspended
/// (and while a return or extension is pending where the policy says) and resume after; an
/// approved extension moves the handle clock to the new due. Each staged milestone of the
/// category runs its own clock from dispatch, counted like the handle clock, until the unit
/// reports it reached or the handle stage ends.
pub fn clock_events(
    before: &Case,
    after: &Case,
    policy: &ClockPolicy<'_>,
    cals: &ClockCalendars<'_>,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let clocks = after.clocks.iter().filter_map(|(k, v)| Some((k.clone(), stage_clock(k, v)?))).collect();
    let mut ch = Changes { cals: *cals, now, clocks, events: vec![] };
    let limits = policy.limits;
    let keep = running_in(after.state);
    let kept = |k: &str| {
        // Milestone clocks belong to the handle stage; report-in clocks run until the department
        // reports in or the case is over, whatever the stage.
        (k.starts_with(REPORT_IN_PREFIX) && after.state.is_open())
            || keep.is_none_or(|keep| keep.contains(&k) || (k.starts_with(MILESTONE_PREFIX) && keep.contains(&HANDLE)))
    };
    // Release first what the change releases, so the held time ends now (a clock about to stop
    // stops held: its pause is closed by the stop).
    ch.hold(|stage| match (held(before, policy.pause_while, stage), held(after, policy.pause_while, stage)) {
        (Some(_), None) if kept(stage) => Want::Running,
        _ => Want::AsItIs,
    });
    if after.extension_count > before.extension_count {
        ch.extend(before.pending_extension.as_ref().map_or(0, |p| p.minutes));
    }
    let dispatched_anew = after.state == CaseState::Dispatched
        && (matches!(before.state, CaseState::Registered | CaseState::Reopened)
            || before.department != after.department);
    // The intake clock runs only for reports the router holds at intake (a likely duplicate,
    // triage): it starts when the case is first seen accepted, counted from the report. A report
    // routed at once spent no time worth a clock, and recording one cost every report two events
    // and a third of intake throughput on the Postgres stack.
    let held_at_intake = after.state == CaseState::Accepted && !ch.clocks.contains_key(INTAKE);
    // A case the router registers and dispatches in one commit spent no time awaiting dispatch:
    // it gets no dispatch clock (two events per routed report that said nothing), only cases
    // left registered or reopened for a dispatcher do.
    let awaiting_dispatch = |s: CaseState| matches!(s, CaseState::Registered | CaseState::Reopened);
    let registered_anew = awaiting_dispatch(after.state) && !awaiting_dispatch(before.state);
    let reworked = after.rework_count > before.rework_count;
    let fed_back = after.state == CaseState::FeedbackGiven && before.state != CaseState::FeedbackGiven;
    let stale: Vec<String> = ch.clocks.keys().filter(|k| !kept(k)).cloned().collect();
    for stage in stale {
        ch.stop(&stage);
    }
    // A (re-)dispatch clears the reached list, so this sees only reports of this commit's unit.
    for m in after.milestones_reached.iter().filter(|m| !before.milestones_reached.contains(m)) {
        ch.stop(&format!("{MILESTONE_PREFIX}{m}"));
    }
    for (department, r) in &after.report_ins {
        let key = format!("{REPORT_IN_PREFIX}{department}");
        let was_pending = before.report_ins.get(department).is_some_and(|b| b.reported_at.is_none());
        match (was_pending, r.reported_at) {
            (true, Some(_)) => ch.stop(&key),
            (false, None) if after.state.is_open() => {
                ch.start(&key, Some(Limit::new(r.minutes.max(1), LimitUnit::Minutes)));
            }
            _ => {}
        }
    }
    if held_at_intake {
        ch.start_from(INTAKE, stage_limit(INTAKE, limits), after.created_at);
    }
    if registered_anew {
        ch.start(DISPATCH, stage_limit(DISPATCH, limits));
    }
    if dispatched_anew {
        ch.start(SIGN, stage_limit(SIGN, limits));
        ch.start(HANDLE, stage_limit(HANDLE, limits));
        for m in policy.milestones {
            ch.start(&format!("{MILESTONE_PREFIX}{}", m.name_en), Some(limit_of(m.limit)));
        }
    }
    if reworked {
        ch.start(HANDLE, stage_limit(HANDLE, limits));
    }
    if fed_back {
        ch.start(VERIFY, stage_limit(VERIFY, limits));
    }
    // Then hold what the new state holds (clocks started above included).
    ch.hold(|stage| held(after, policy.pause_while, stage).map_or(Want::AsItIs, Want::Held));
    ch.events
}

#[cfg(test)]
#[path = "clock_events_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "clock_props_tests.rs"]
mod props;
