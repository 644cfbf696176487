#![allow(clippy::unwrap_used)]
//! Properties of the clock events over random command sequences on working-hour limits, the city
//! and the extended calendar, with and without holds: whatever happens, the case's deadline is
//! the running handle clock's due, nothing counts while suspended (or held by policy), clock
//! generations never go back, and every stopped run records non-negative times.

use super::*;
use crate::clocks::tests::{cals, registered, set, try_step_in};
use chrono::{Duration, TimeZone};
use gridflow_domain::{ClockRun, Command, ReturnKind};
use gridflow_routing::{LimitUnit, TimeLimit};
use proptest::prelude::*;

fn command(pick: u8, amount: u16) -> Command {
    match pick % 14 {
        0 => Command::Dispatch { department: "roads".into() },
        1 | 2 => Command::Sign,
        3 => Command::Start,
        4 => Command::Suspend { reason: "storm".into() },
        5 => Command::Resume,
        6 => {
            Command::RequestExtension { minutes: i64::from(amount % 600 + 30), reason: "parts".into(), approvers: None }
        }
        7 => Command::ApproveExtension { note: String::new() },
        8 => Command::DenyExtension { note: String::new() },
        9 => Command::Feedback { note: "done".into() },
        10 => Command::Verify { passed: amount.is_multiple_of(2), note: "checked".into() },
        11 => Command::Redispatch {
            department: if amount.is_multiple_of(2) { "water" } else { "roads" }.into(),
            reason: "r".into(),
        },
        12 => Command::RequestReturn { reason: "not ours".into(), kind: ReturnKind::WrongDispatch },
        _ => Command::DenyReturn { note: "it is yours".into() },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_deadline_follows_the_handle_clock_and_holds_stop_the_count(
        start_minutes in 0i64..(2 * 365 * 24 * 60),
        extended in any::<bool>(),
        hold_returns in any::<bool>(),
        hold_extensions in any::<bool>(),
        steps in proptest::collection::vec((any::<u8>(), any::<u16>(), 0i64..(3 * 24 * 60)), 1..40),
    ) {
        let wh = |value| TimeLimit { value, unit: LimitUnit::WorkingHours };
        let limits = StageLimits { accept: wh(1), dispatch: wh(1), sign: wh(1), handle: wh(8), verify: wh(4) };
        let mut holds = vec![];
        if hold_returns { holds.push(PauseWhile::ReturnPending); }
        if hold_extensions { holds.push(PauseWhile::ExtensionPending); }
        let policy = ClockPolicy { limits: Some(&limits), milestones: &[], pause_while: &holds };
        let unit_code = if extended { gridflow_calendar::CN_EXTENDED } else { gridflow_calendar::CN_DEFAULT };
        let cals = ClockCalendars { unit: set().get(unit_code).unwrap(), ..cals() };
        let mut now = Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 0).unwrap() + Duration::minutes(start_minutes);
        let mut case = registered();
        for (pick, amount, gap) in steps {
            now += Duration::minutes(gap);
            let before = case.clone();
            let Some((next, events)) = try_step_in(&case, command(pick, amount), now, &policy, &cals) else { continue };
            case = next;
            if let Some(h) = case.clocks.get(HANDLE).filter(|h| h.state != ClockRun::Stopped) {
                prop_assert_eq!(case.due_at, Some(h.due_at), "the deadline is the handle clock's: {:?}", events);
            }
            let held = case.state == CaseState::Suspended
                || (hold_returns && case.state == CaseState::ReturnRequested);
            if held {
                prop_assert!(case.clocks.values().all(|c| c.state != ClockRun::Running), "{:?}", case.clocks);
            }
            if hold_extensions && case.pending_extension.is_some() && case.state != CaseState::Suspended {
                prop_assert!(case.clocks.get(HANDLE).is_none_or(|h| h.state != ClockRun::Running));
            }
            for (stage, c) in &case.clocks {
                if let Some(old) = before.clocks.get(stage) {
                    prop_assert!(c.generation >= old.generation, "{} went back", stage);
                }
            }
            for e in &events {
                if let Event::ClockStopped { business_seconds, wall_seconds, paused_seconds, late_seconds, .. } = e {
                    prop_assert!(*business_seconds >= 0 && *wall_seconds >= 0 && *paused_seconds >= 0 && *late_seconds >= 0);
                    prop_assert!(*paused_seconds <= *wall_seconds, "{:?}", e);
                }
            }
        }
    }
}
