#![allow(clippy::unwrap_used)]

use super::*;
use chrono::{Duration, TimeZone};
use gridflow_domain::{Actor, CaseState, Command, Ctx, Event, Urgency, decide};
use gridflow_routing::{Milestone, TimeLimit};
use uuid::Uuid;

pub(crate) static SET: std::sync::LazyLock<CalendarSet> =
    std::sync::LazyLock::new(|| CalendarSet::new(gridflow_calendar::builtin()).unwrap());

pub(crate) fn set() -> &'static CalendarSet {
    &SET
}

pub(crate) fn cal() -> Calendar {
    set().get(gridflow_calendar::CN_DEFAULT).unwrap().clone()
}

/// Every clock on the city default.
pub(crate) fn cals() -> ClockCalendars<'static> {
    let default = set().get(gridflow_calendar::CN_DEFAULT).unwrap();
    ClockCalendars { set: set(), centre: default, unit: default }
}

pub(crate) fn policy<'a>(limits: &'a StageLimits, milestones: &'a [Milestone]) -> ClockPolicy<'a> {
    ClockPolicy { limits: Some(limits), milestones, pause_while: &[] }
}

fn mins(value: u32) -> TimeLimit {
    TimeLimit { value, unit: gridflow_routing::LimitUnit::Minutes }
}

pub(crate) fn limits() -> StageLimits {
    StageLimits { accept: mins(10), dispatch: mins(10), sign: mins(30), handle: mins(60), verify: mins(120) }
}

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 1, 0, 0).unwrap()
}

pub(crate) fn registered() -> Case {
    let reported = Event::Reported {
        category: "event:0101".into(),
        lat: 0.0,
        lon: 0.0,
        description: "d".into(),
        urgency: Urgency::Normal,
        client_ref: None,
        grid: Some("110101001001001".into()),
        reporter: "u".into(),
        facility_id: None,
        likely_duplicates: vec![],
    };
    let mut case = Case::from_reported(Uuid::from_u128(7), &reported, t0()).unwrap();
    case.apply(&Event::Accepted, t0());
    case.apply(&Event::Registered, t0());
    case
}

/// Runs a command as a super-user at `now`, then the clock events, like the service does.
pub(crate) fn step(case: &Case, cmd: Command, now: DateTime<Utc>) -> (Case, Vec<Event>) {
    step_with(case, cmd, now, &[])
}

/// [`step`] for a category with staged `milestones`.
fn step_with(case: &Case, cmd: Command, now: DateTime<Utc>, milestones: &[Milestone]) -> (Case, Vec<Event>) {
    step_in(case, cmd, now, &policy(&limits(), milestones), &cals())
}

/// [`step`] under a given clock policy and calendars.
pub(crate) fn step_in(
    case: &Case,
    cmd: Command,
    now: DateTime<Utc>,
    policy: &ClockPolicy<'_>,
    cals: &ClockCalendars<'_>,
) -> (Case, Vec<Event>) {
    let name = cmd.name();
    try_step_in(case, cmd, now, policy, cals).unwrap_or_else(|| panic!("{name} refused in {}", case.state))
}

/// [`step_in`], or `None` when the domain refuses the command.
pub(crate) fn try_step_in(
    case: &Case,
    cmd: Command,
    now: DateTime<Utc>,
    policy: &ClockPolicy<'_>,
    cals: &ClockCalendars<'_>,
) -> Option<(Case, Vec<Event>)> {
    let actor = Actor { id: "x".into(), roles: gridflow_domain::Role::ASSIGNABLE.to_vec(), scopes: vec![] };
    let scopes = ["unit:roads", "unit:water", "district:110101"];
    let actor = Actor { scopes: scopes.iter().map(|s| gridflow_domain::Scope::parse(s).unwrap()).collect(), ..actor };
    let due = handle_due(policy.limits, &cal(), now).unwrap();
    let events = decide(case, &cmd, &actor, Ctx { now, handle_limit: due - now }).ok()?;
    let mut next = case.clone();
    for e in &events {
        next.apply(e, now);
    }
    let clock = clock_events(case, &next, policy, cals, now);
    for e in &clock {
        next.apply(e, now);
    }
    Some((next, clock))
}

pub(crate) fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::kind).collect()
}

#[test]
fn dispatch_starts_sign_and_handle_with_the_dispatch_due() {
    let (case, events) = step(&registered(), Command::Dispatch { department: "roads".into() }, t0());
    assert_eq!(kinds(&events), ["clock_started", "clock_started"]);
    assert_eq!(case.clocks[HANDLE].due_at, case.due_at.unwrap());
    assert_eq!(case.clocks[HANDLE].due_at, t0() + Duration::minutes(60));
    assert_eq!(case.clocks[SIGN].due_at, t0() + Duration::minutes(30));
    assert_eq!(case.clocks[HANDLE].generation, 1);
    let timers = timer_changes(&case, &events, set(), &Thresholds::default());
    let handle: Vec<_> = timers.arm.iter().filter(|t| t.clock == HANDLE).map(|t| (t.kind.as_str(), t.due_at)).collect();
    assert_eq!(
        handle,
        [
            ("50", t0() + Duration::minutes(30)),
            ("80", t0() + Duration::minutes(48)),
            ("100", t0() + Duration::minutes(60))
        ]
    );
    assert!(timers.cancel.contains(&(HANDLE.to_string(), Some(1))));
}

#[test]
fn sign_feedback_suspend_resume_extension_rework() {
    let (case, _) = step(&registered(), Command::Dispatch { department: "roads".into() }, t0());
    let (case, events) = step(&case, Command::Sign, t0() + Duration::minutes(5));
    assert_eq!(kinds(&events), ["clock_stopped"]);
    assert!(matches!(events[0], Event::ClockStopped { on_time: true, wall_seconds: 300, .. }));
    assert_eq!(case.clocks[SIGN].state, ClockRun::Stopped);

    // Suspended 10 minutes: the handle clock pauses and its due moves 10 minutes.
    let (case, events) = step(&case, Command::Suspend { reason: "storm".into() }, t0() + Duration::minutes(10));
    assert_eq!(kinds(&events), ["clock_paused"]);
    let timers = timer_changes(&case, &events, set(), &Thresholds::default());
    assert_eq!(timers.cancel, [(HANDLE.to_string(), None)]);
    assert!(timers.arm.is_empty());
    let (case, events) = step(&case, Command::Resume, t0() + Duration::minutes(20));
    assert_eq!(kinds(&events), ["clock_resumed"]);
    assert_eq!(case.clocks[HANDLE].due_at, t0() + Duration::minutes(70));
    assert_eq!(case.clocks[HANDLE].due_at, case.due_at.unwrap(), "same as the domain's resumed due");
    assert_eq!(case.clocks[HANDLE].generation, 3);

    let (case, _) =
        step(&case, Command::RequestExtension { minutes: 30, reason: "parts".into(), approvers: None }, t0());
    let (case, events) = step(&case, Command::ApproveExtension { note: String::new() }, t0() + Duration::minutes(25));
    assert_eq!(kinds(&events), ["clock_extended"]);
    assert_eq!(case.clocks[HANDLE].due_at, t0() + Duration::minutes(100));

    let (case, events) = step(&case, Command::Feedback { note: "done".into() }, t0() + Duration::minutes(40));
    assert_eq!(kinds(&events), ["clock_stopped", "clock_started"]);
    assert!(matches!(events[0], Event::ClockStopped { on_time: true, paused_seconds: 600, late_seconds: 0, .. }));
    assert_eq!(case.clocks[VERIFY].due_at, t0() + Duration::minutes(160));

    let verify = Command::Verify { passed: false, note: "still broken".into() };
    let (case, events) = step(&case, verify, t0() + Duration::minutes(50));
    assert_eq!(kinds(&events), ["clock_stopped", "clock_started"]);
    assert_eq!(case.clocks[VERIFY].state, ClockRun::Stopped);
    assert_eq!(case.clocks[HANDLE].state, ClockRun::Running);
    assert_eq!(case.clocks[HANDLE].due_at, t0() + Duration::minutes(110));
    assert!(case.clocks[HANDLE].generation > 3);
}

#[test]
fn late_stop_redispatch_restart_and_nothing_for_other_changes() {
    let (case, _) = step(&registered(), Command::Dispatch { department: "roads".into() }, t0());
    let (case, events) = step(&case, Command::Urge { note: String::new() }, t0());
    assert!(events.is_empty());
    let redispatch = Command::Redispatch { department: "water".into(), reason: "wrong".into() };
    let (case, events) = step(&case, redispatch, t0() + Duration::minutes(45));
    assert_eq!(kinds(&events), ["clock_stopped", "clock_started", "clock_stopped", "clock_started"]);
    assert!(matches!(events[0], Event::ClockStopped { on_time: false, late_seconds: 900, .. }));
    assert_eq!(case.clocks[HANDLE].generation, 3);
    assert_eq!(case.clocks[HANDLE].due_at, case.due_at.unwrap());
    let (case, _) = step(&case, Command::Sign, t0() + Duration::minutes(50));
    let (case, events) = step(&case, Command::Feedback { note: "n".into() }, t0() + Duration::minutes(200));
    assert!(matches!(events[0], Event::ClockStopped { on_time: false, .. }));
    let (case, events) = step(&case, Command::Close { note: "ok".into() }, t0() + Duration::minutes(210));
    assert_eq!(kinds(&events), ["clock_stopped"]);
    assert!(case.clocks.values().all(|c| c.state == ClockRun::Stopped));
    assert_eq!(
        light(VERIFY, &case.clocks[VERIFY], set(), &Thresholds::default(), t0() + Duration::days(9)),
        Some(Light::Green)
    );
    assert_eq!(light(HANDLE, &case.clocks[HANDLE], set(), &Thresholds::default(), t0()), Some(Light::Red));
}

fn reported() -> Case {
    let mut case = registered();
    case.state = CaseState::Reported;
    case
}

#[test]
fn a_report_routed_at_once_runs_no_intake_or_dispatch_clock() {
    let reported = reported();
    assert!(clock_events(&reported, &reported, &policy(&limits(), &[]), &cals(), t0()).is_empty(), "intake commit");
    let mut routed = reported.clone();
    let now = t0() + Duration::seconds(2);
    for e in [Event::Accepted, Event::Registered, Event::Dispatched { department: "roads".into(), due_at: now }] {
        routed.apply(&e, now);
    }
    let events = clock_events(&reported, &routed, &policy(&limits(), &[]), &cals(), now);
    let stages: Vec<&str> = events
        .iter()
        .map(|e| match e {
            Event::ClockStarted { stage, .. } => stage.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(stages, [SIGN, HANDLE]);
}

#[test]
fn a_report_held_at_intake_runs_its_intake_then_dispatch_clock() {
    // Held as a likely duplicate 4 minutes after the report: the intake clock starts, counted from
    // the report.
    let (accepted, events) = step(&reported(), Command::Accept, t0() + Duration::minutes(4));
    assert_eq!(kinds(&events), ["clock_started"]);
    assert_eq!(accepted.clocks[INTAKE].started_at, t0());
    assert_eq!(accepted.clocks[INTAKE].due_at, t0() + Duration::minutes(10));
    // Its thresholds already past (50 % at 5 minutes is not; none are yet) are armed as usual.
    let timers = timer_changes(&accepted, &events, set(), &Thresholds::default());
    assert_eq!(timers.arm.len(), 3, "{timers:?}");
    // Registered 12 minutes after the report: the intake clock stops late; the dispatch clock runs.
    let (registered, events) = step(&accepted, Command::Register, t0() + Duration::minutes(12));
    assert_eq!(kinds(&events), ["clock_stopped", "clock_started"]);
    assert!(
        matches!(&events[0], Event::ClockStopped { stage, on_time: false, late_seconds: 120, .. } if stage == INTAKE)
    );
    assert_eq!(registered.clocks[DISPATCH].state, ClockRun::Running);
    let dispatch = Command::Dispatch { department: "roads".into() };
    let (dispatched, events) = step(&registered, dispatch, t0() + Duration::minutes(15));
    assert_eq!(kinds(&events), ["clock_stopped", "clock_started", "clock_started"]);
    assert_eq!(dispatched.clocks[DISPATCH].state, ClockRun::Stopped);
    // Rejecting a held report stops its intake clock too.
    let reject = Command::Reject { reason: gridflow_domain::RejectReason::Fake, note: String::new() };
    let (_, events) = step(&accepted, reject, t0() + Duration::minutes(5));
    assert_eq!(kinds(&events), ["clock_stopped"]);
}

fn on(kind: &'static str, stage: &str) -> (&'static str, String) {
    (kind, stage.to_string())
}

fn on_site_and_cordoned() -> Vec<Milestone> {
    let m = |zh: &str, en: &str, value| Milestone { name_zh: zh.into(), name_en: en.into(), limit: mins(value) };
    vec![m("到场", "on site", 15), m("围挡", "cordoned off", 45)]
}

/// (kind, stage) of clock events.
fn staged(events: &[Event]) -> Vec<(&'static str, String)> {
    events
        .iter()
        .map(|e| match e {
            Event::ClockStarted { stage, .. }
            | Event::ClockPaused { stage, .. }
            | Event::ClockResumed { stage, .. }
            | Event::ClockExtended { stage, .. }
            | Event::ClockStopped { stage, .. } => (e.kind(), stage.clone()),
            other => (other.kind(), String::new()),
        })
        .collect()
}

#[test]
fn milestones_run_from_dispatch_until_reported_and_pause_with_the_case() {
    let ms = on_site_and_cordoned();
    let dispatch = Command::Dispatch { department: "roads".into() };
    let (case, events) = step_with(&registered(), dispatch, t0(), &ms);
    assert_eq!(
        staged(&events),
        [
            on("clock_started", SIGN),
            on("clock_started", HANDLE),
            on("clock_started", "milestone:on site"),
            on("clock_started", "milestone:cordoned off")
        ]
    );
    assert_eq!(case.clocks["milestone:on site"].due_at, t0() + Duration::minutes(15));
    let (case, _) = step_with(&case, Command::Sign, t0() + Duration::minutes(5), &ms);
    // On site after 20 minutes: that clock stops, late by 5 minutes; the other runs on.
    let report = Command::ReportMilestone { milestone: "on site".into(), note: "arrived".into() };
    let (case, events) = step_with(&case, report, t0() + Duration::minutes(20), &ms);
    assert_eq!(staged(&events), [on("clock_stopped", "milestone:on site")]);
    assert!(matches!(&events[0], Event::ClockStopped { on_time: false, late_seconds: 300, .. }), "{events:?}");
    // Suspension pauses every running clock under its own name; resume restarts them.
    let (case, events) =
        step_with(&case, Command::Suspend { reason: "storm".into() }, t0() + Duration::minutes(25), &ms);
    assert_eq!(staged(&events), [on("clock_paused", "handle"), on("clock_paused", "milestone:cordoned off")]);
    let (case, events) = step_with(&case, Command::Resume, t0() + Duration::minutes(35), &ms);
    assert_eq!(staged(&events), [on("clock_resumed", "handle"), on("clock_resumed", "milestone:cordoned off")]);
    assert_eq!(case.clocks["milestone:cordoned off"].due_at, t0() + Duration::minutes(55));
    // Feedback ends the handle stage and every milestone still open.
    let (case, events) = step_with(&case, Command::Feedback { note: "done".into() }, t0() + Duration::minutes(40), &ms);
    assert_eq!(
        staged(&events),
        [on("clock_stopped", "handle"), on("clock_stopped", "milestone:cordoned off"), on("clock_started", "verify")]
    );
    assert!(case.clocks.values().filter(|c| c.state == ClockRun::Running).count() == 1);
}
