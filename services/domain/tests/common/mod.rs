//! Shared fixtures for the domain integration tests. Each test crate uses a different subset.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridflow_domain::Command::{self, *};
use gridflow_domain::case::PendingExtension;
use gridflow_domain::decide;
use gridflow_domain::{Actor, Case, CaseState, Ctx, Event, Role, Scope, Urgency};
use uuid::Uuid;

pub const DEPT: &str = "sanitation";
pub const OTHER_DEPT: &str = "roads";
pub const GRID: &str = "110101001001001";
pub const HANDLE_LIMIT_HOURS: i64 = 4;

/// Every role, including the non-assignable `System`, written out (not taken from `ASSIGNABLE`).
pub const ALL_ROLES: [Role; 11] = [
    Role::GridWorker,
    Role::IntakeOperator,
    Role::Dispatcher,
    Role::ShiftLead,
    Role::SectionHead,
    Role::Leader,
    Role::UnitDispatcher,
    Role::UnitHandler,
    Role::Supervisor,
    Role::Admin,
    Role::System,
];

pub fn case_id() -> Uuid {
    Uuid::from_u128(0x1001)
}

/// When the case was reported.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap()
}

/// The default decision instant for fixture cases.
pub fn now() -> DateTime<Utc> {
    t0() + Duration::hours(1)
}

pub fn ctx_at(now: DateTime<Utc>) -> Ctx {
    Ctx { now, handle_limit: Duration::hours(HANDLE_LIMIT_HOURS) }
}

pub fn ctx() -> Ctx {
    ctx_at(now())
}

pub fn reported_event() -> Event {
    Event::Reported {
        category: "litter".into(),
        lat: 39.9042,
        lon: 116.4074,
        description: "overflowing bin".into(),
        urgency: Urgency::Normal,
        client_ref: None,
        grid: Some(GRID.into()),
        reporter: "user:reporter".into(),
        facility_id: None,
        likely_duplicates: vec![],
    }
}

/// A freshly reported case (state `Reported`, version 1).
pub fn reported_case() -> Case {
    Case::from_reported(case_id(), &reported_event(), t0()).unwrap()
}

/// A case forced into `state` with the fields a case in that state would plausibly carry.
pub fn case_in(state: CaseState) -> Case {
    let mut c = reported_case();
    c.state = state;
    c.department = Some(DEPT.into());
    c.grid = Some(GRID.into());
    c.due_at = Some(now() + Duration::hours(2));
    match state {
        CaseState::Suspended => {
            c.suspended_at = Some(now() - Duration::minutes(30));
            c.resume_to = Some(CaseState::InProgress);
        }
        CaseState::ReturnRequested => c.resume_to = Some(CaseState::Signed),
        _ => {}
    }
    c
}

pub fn pending(minutes: i64) -> Option<PendingExtension> {
    Some(PendingExtension { minutes, reason: "waiting for parts".into(), approvers: vec![], endorsed: vec![] })
}

pub fn actor(id: &str, roles: &[Role], scopes: &[&str]) -> Actor {
    Actor { id: id.into(), roles: roles.to_vec(), scopes: scopes.iter().map(|s| Scope::parse(s).unwrap()).collect() }
}

/// Holds every role, scoped so that no fixture case is ever out of scope.
pub fn super_actor() -> Actor {
    actor("user:all", &ALL_ROLES, &["unit:sanitation", "district:110101"])
}

pub fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::kind).collect()
}

pub fn apply_all(case: &mut Case, events: &[Event], at: DateTime<Utc>) {
    for e in events {
        case.apply(e, at);
    }
}

/// Drives one case through commands, keeping the full event log for replay.
pub struct Run {
    pub case: Case,
    pub log: Vec<(Event, DateTime<Utc>)>,
    pub actor: Actor,
}

impl Run {
    pub fn new() -> Run {
        let log = vec![(reported_event(), t0())];
        Run { case: reported_case(), log, actor: super_actor() }
    }

    /// Issues `cmd` at `now` and applies the events at `now`.
    pub fn at_time(&mut self, now: DateTime<Utc>, cmd: Command) -> Vec<Event> {
        let events = decide(&self.case, &cmd, &self.actor, ctx_at(now))
            .unwrap_or_else(|e| panic!("{} in {}: {e:?}", cmd.name(), self.case.state));
        for e in &events {
            self.case.apply(e, now);
            self.log.push((e.clone(), now));
        }
        events
    }

    /// Issues `cmd` `m` minutes after the case was reported.
    pub fn at(&mut self, m: i64, cmd: Command) -> Vec<Event> {
        self.at_time(t0() + mins(m), cmd)
    }

    pub fn replayed(&self) -> Case {
        Case::replay(case_id(), &self.log).unwrap()
    }
}

pub fn mins(m: i64) -> Duration {
    Duration::minutes(m)
}

pub fn s(text: &str) -> String {
    text.to_string()
}

pub fn dispatched_run() -> Run {
    let mut r = Run::new();
    r.at(5, Accept);
    r.at(6, Register);
    r.at(10, Dispatch { department: s(DEPT) });
    r
}

/// Starts the clock of milestone `name` (30 natural minutes), so that it can be reported.
pub fn start_milestone(case: &mut Case, name: &str) {
    let started = Event::ClockStarted {
        stage: format!("milestone:{name}"),
        due_at: now() + Duration::minutes(30),
        limit_value: 30,
        limit_unit: "minutes".into(),
        calendar: "cn-default".into(),
        calendar_version: now().date_naive(),
        generation: 1,
        counted_from: None,
    };
    case.apply(&started, now());
}

/// Whistles `department` in on the case (30 minutes to report in).
pub fn whistle(case: &mut Case, department: &str) {
    let whistled =
        Event::Whistled { departments: vec![department.into()], report_in_minutes: 30, reason: String::new() };
    case.apply(&whistled, now());
}
