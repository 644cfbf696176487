#![allow(clippy::unwrap_used)]

use super::*;
use crate::clock_timers::timer_changes;
use crate::clocks::tests::{cals, kinds, limits, registered, set, step, step_in, t0};
use chrono::{Duration, TimeZone};
use gridflow_domain::{ClockRun, Command, ReturnKind};
use gridflow_routing::{LimitUnit, TimeLimit};

/// An instant in Beijing time.
fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    // Beijing keeps +08:00 all year.
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    beijing.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn working_hours(value: u32) -> TimeLimit {
    TimeLimit { value, unit: LimitUnit::WorkingHours }
}

/// Sign in 1 working hour, handle in 4, verify in 2.
fn office_limits() -> StageLimits {
    StageLimits { handle: working_hours(4), sign: working_hours(1), verify: working_hours(2), ..limits() }
}

#[test]
fn a_unit_on_its_own_calendar_counts_sign_and_handle_there_and_the_centre_counts_verify() {
    let extended = set().get(gridflow_calendar::CN_EXTENDED).unwrap();
    let cals = ClockCalendars { unit: extended, ..cals() };
    let limits = office_limits();
    let policy = ClockPolicy { limits: Some(&limits), ..Default::default() };
    // Friday 16:30: the sanitation crew works until 21:00, so 4 working hours end at 20:30 the same
    // day (the city calendar would say Monday 11:30).
    let friday = bj(2025, 3, 7, 16, 30);
    let (case, events) =
        step_in(&registered(), Command::Dispatch { department: "roads".into() }, friday, &policy, &cals);
    assert_eq!(kinds(&events), ["clock_started", "clock_started"]);
    assert_eq!(case.clocks[HANDLE].calendar, "cn-extended");
    assert_eq!(case.clocks[HANDLE].due_at, bj(2025, 3, 7, 20, 30));
    assert_eq!(case.due_at, Some(bj(2025, 3, 7, 20, 30)), "the case's deadline follows the unit's clock");
    assert_eq!(case.clocks[SIGN].due_at, bj(2025, 3, 7, 17, 30));
    // Thresholds fall on the unit's calendar too: 50 % of 4 h is 18:30.
    let timers = timer_changes(&case, &events, set(), &gridflow_sla::Thresholds::default());
    let half = timers.arm.iter().find(|t| t.clock == HANDLE && t.kind == "50").unwrap();
    assert_eq!(half.due_at, bj(2025, 3, 7, 18, 30));

    let (case, _) = step_in(&case, Command::Sign, friday + Duration::minutes(10), &policy, &cals);
    let saturday = bj(2025, 3, 8, 10, 0);
    let (case, events) = step_in(&case, Command::Feedback { note: "swept".into() }, saturday, &policy, &cals);
    assert_eq!(kinds(&events), ["clock_stopped", "clock_started"]);
    // 4 h after 16:30 on the crew's calendar is 20:30 Friday: Saturday 10:00 is 3 h 30 min late.
    assert!(matches!(events[0], Event::ClockStopped { on_time: false, late_seconds: 12_600, .. }));
    // The centre verifies on the city calendar: Saturday counts nothing, Monday 08:30 + 2 h.
    assert_eq!(case.clocks[VERIFY].calendar, "cn-default");
    assert_eq!(case.clocks[VERIFY].due_at, bj(2025, 3, 10, 10, 30));
}

#[test]
fn a_suspension_moves_the_case_deadline_by_working_time_not_wall_time() {
    let limits = office_limits();
    let policy = ClockPolicy { limits: Some(&limits), ..Default::default() };
    // Friday 16:00 + 4 working hours: 1.5 h on Friday, 2.5 h on Monday, due Monday 11:00.
    let (case, _) = step_in(
        &registered(),
        Command::Dispatch { department: "roads".into() },
        bj(2025, 3, 7, 16, 0),
        &policy,
        &cals(),
    );
    assert_eq!(case.due_at, Some(bj(2025, 3, 10, 11, 0)));
    let (case, _) = step_in(&case, Command::Sign, bj(2025, 3, 7, 16, 10), &policy, &cals());
    let (case, _) =
        step_in(&case, Command::Suspend { reason: "storm".into() }, bj(2025, 3, 7, 17, 0), &policy, &cals());
    // Resumed Monday 09:00: 1 h was used, 3 h remain from 09:00 — 12:00, not Monday 11:00 plus the
    // 64 wall-clock hours of the weekend.
    let (case, events) = step_in(&case, Command::Resume, bj(2025, 3, 10, 9, 0), &policy, &cals());
    assert_eq!(kinds(&events), ["clock_resumed"]);
    assert_eq!(case.clocks[HANDLE].due_at, bj(2025, 3, 10, 12, 0));
    assert_eq!(case.due_at, Some(case.clocks[HANDLE].due_at));
}

#[test]
fn a_pending_return_holds_the_clocks_only_where_the_policy_says() {
    let limits = limits();
    let request = || Command::RequestReturn { reason: "not ours".into(), kind: ReturnKind::WrongDispatch };
    // City default: the clocks run on while the shift lead decides.
    let (case, _) = step(&registered(), Command::Dispatch { department: "roads".into() }, t0());
    let (_, events) = step(&case, request(), t0() + Duration::minutes(10));
    assert!(events.is_empty(), "{events:?}");

    let holding = [PauseWhile::ReturnPending];
    let policy = ClockPolicy { limits: Some(&limits), milestones: &[], pause_while: &holding };
    let (case, _) = step_in(&registered(), Command::Dispatch { department: "roads".into() }, t0(), &policy, &cals());
    let (held, events) = step_in(&case, request(), t0() + Duration::minutes(10), &policy, &cals());
    assert_eq!(kinds(&events), ["clock_paused", "clock_paused"]);
    assert!(held.clocks.values().all(|c| c.state == ClockRun::Paused && c.pauses[0].reason == "return_pending"));
    // Denied after 30 minutes: both clocks resume with their dues 30 minutes later.
    let deny = Command::DenyReturn { note: "it is yours".into() };
    let (case, events) = step_in(&held, deny, t0() + Duration::minutes(40), &policy, &cals());
    assert_eq!(kinds(&events), ["clock_resumed", "clock_resumed"]);
    assert_eq!(case.clocks[HANDLE].due_at, t0() + Duration::minutes(90));
    assert_eq!(case.clocks[SIGN].due_at, t0() + Duration::minutes(60));
    assert_eq!(case.due_at, Some(t0() + Duration::minutes(90)));
    // Approved instead: the held clocks stop where they were held (no resume), and the case waits
    // for dispatch on a fresh dispatch clock.
    let approve = Command::ApproveReturn { note: "misrouted".into() };
    let (case, events) = step_in(&held, approve, t0() + Duration::minutes(40), &policy, &cals());
    assert_eq!(kinds(&events), ["clock_stopped", "clock_stopped", "clock_started"]);
    assert!(matches!(events[0], Event::ClockStopped { paused_seconds: 1800, .. }));
    assert_eq!(case.clocks[DISPATCH].state, ClockRun::Running);
}

#[test]
fn a_pending_extension_holds_the_handle_clock_where_the_policy_says_then_moves_it() {
    let limits = limits();
    let holding = [PauseWhile::ExtensionPending];
    let policy = ClockPolicy { limits: Some(&limits), milestones: &[], pause_while: &holding };
    let (case, _) = step_in(&registered(), Command::Dispatch { department: "roads".into() }, t0(), &policy, &cals());
    let (case, _) = step_in(&case, Command::Sign, t0() + Duration::minutes(5), &policy, &cals());
    let ask = Command::RequestExtension { minutes: 30, reason: "parts on order".into(), approvers: None };
    let (case, events) = step_in(&case, ask, t0() + Duration::minutes(20), &policy, &cals());
    assert_eq!(kinds(&events), ["clock_paused"]);
    assert_eq!(case.clocks[HANDLE].pauses[0].reason, "extension_pending");
    // Approved 30 minutes later: the held 30 minutes move the due from 60 to 90, then the 30
    // granted minutes to 120.
    let approve = Command::ApproveExtension { note: String::new() };
    let (case, events) = step_in(&case, approve, t0() + Duration::minutes(50), &policy, &cals());
    assert_eq!(kinds(&events), ["clock_resumed", "clock_extended"]);
    assert_eq!(case.clocks[HANDLE].due_at, t0() + Duration::minutes(120));
    assert_eq!(case.due_at, Some(t0() + Duration::minutes(120)));
    assert_eq!(case.clocks[HANDLE].state, ClockRun::Running);
}

#[test]
fn an_extension_after_the_breach_re_arms_the_breach_at_the_new_due() {
    let (case, _) = step(&registered(), Command::Dispatch { department: "roads".into() }, t0());
    let (mut case, _) = step(&case, Command::Sign, t0() + Duration::minutes(5));
    let generation = case.clocks[HANDLE].generation;
    for percent in [50, 80, 100] {
        let due_at = t0() + Duration::minutes(i64::from(percent) * 60 / 100);
        let fired = Event::ThresholdReached { stage: HANDLE.into(), percent, generation, due_at, lateness_ms: 0 };
        case.apply(&fired, due_at);
    }
    let ask = Command::RequestExtension { minutes: 30, reason: "late parts".into(), approvers: None };
    let (case, _) = step(&case, ask, t0() + Duration::minutes(70));
    let (case, events) = step(&case, Command::ApproveExtension { note: String::new() }, t0() + Duration::minutes(75));
    assert_eq!(kinds(&events), ["clock_extended"]);
    // Overdue already: the 30 minutes count from the approval.
    assert_eq!(case.clocks[HANDLE].due_at, t0() + Duration::minutes(105));
    let timers = timer_changes(&case, &events, set(), &gridflow_sla::Thresholds::default());
    let armed: Vec<_> = timers.arm.iter().map(|t| (t.kind.as_str(), t.due_at)).collect();
    assert_eq!(armed, [("100", t0() + Duration::minutes(105))], "warnings are not repeated, the breach is");
}
