//! Golden stage-clock cases on the shipped `cn-default` calendar (Asia/Shanghai, 08:30–12:00 and
//! 14:00–17:30 on working days; 2026-02-14 is a make-up Saturday, 02-15…02-23 the Spring Festival).
//! Expected values were worked out by hand, not by the code.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::NaiveDate;
use common::{cn, sh};
use gridflow_calendar::{CN_DEFAULT_JSON, Calendar};
use gridflow_sla::{
    ClockError, ClockState, ExtensionGrant, Light, Limit, LimitUnit, Stage, StageClock, Thresholds, light,
    threshold_instants,
};

fn hours(amount: u32) -> Limit {
    Limit::new(amount, LimitUnit::WorkingHours)
}

/// Handle clock of 5 working hours dispatched Friday 2026-02-13 16:00: 1.5 h on Friday, 3.5 h on
/// the make-up Saturday morning, so due Saturday 12:00 exactly (a limit ending at a break is due then).
fn friday_handle() -> StageClock {
    StageClock::start(Stage::Handle, hours(5), &cn(), sh("2026-02-13 16:00")).unwrap()
}

#[test]
fn start_records_calendar_version_and_due() {
    let clock = friday_handle();
    assert_eq!(clock.due_at, sh("2026-02-14 12:00"));
    assert_eq!(clock.calendar_code, "cn-default");
    assert_eq!(clock.calendar_version, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    assert_eq!((clock.state, clock.generation, clock.reset_count), (ClockState::Running, 1, 0));
    let old = StageClock::start(Stage::Handle, hours(5), &cn(), sh("2025-12-31 09:00")).unwrap();
    assert_eq!(old.calendar_version, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
}

#[test]
fn threshold_instants_of_the_friday_clock() {
    let instants = threshold_instants(&friday_handle(), &cn(), &Thresholds::default()).unwrap();
    // 50% = 2.5 h: 1.5 h Friday + 1 h Saturday; 80% = 4 h: 1.5 h + 2.5 h.
    assert_eq!(
        instants,
        vec![(50, sh("2026-02-14 09:30")), (80, sh("2026-02-14 11:00")), (100, sh("2026-02-14 12:00"))]
    );
}

#[test]
fn lights_change_exactly_at_the_boundaries() {
    let (cal, clock, t) = (cn(), friday_handle(), Thresholds::default());
    let at = |text: &str| clock.snapshot(&cal, sh(text), &t).unwrap();
    assert_eq!(at("2026-02-14 10:59:59").light, Light::Green);
    let yellow = at("2026-02-14 11:00:00");
    assert_eq!((yellow.light, yellow.fraction, yellow.counted_elapsed_seconds), (Light::Yellow, 0.8, 4 * 3600));
    assert_eq!(light(yellow.fraction, &t), Light::Yellow);
    assert_eq!(at("2026-02-14 09:29:59").fraction, (2.5 * 3600.0 - 1.0) / 18000.0);
    assert_eq!(at("2026-02-14 09:30:00").fraction, 0.5);
    assert_eq!(at("2026-02-14 11:59:59").light, Light::Yellow);
    let red = at("2026-02-14 12:00:00");
    assert_eq!((red.light, red.fraction, red.remaining_seconds, red.overdue), (Light::Red, 1.0, 0, true));
    let late = at("2026-02-14 15:00:00");
    assert_eq!((late.light, late.remaining_seconds), (Light::Red, -3600));
    assert!(late.fraction > 1.0);
}

#[test]
fn pause_across_the_spring_festival_then_resume() {
    let (cal, t) = (cn(), Thresholds::default());
    let mut clock = friday_handle();
    // Suspended Saturday 10:00 with 3 h used; resumed Tuesday 02-24 10:00 after the holiday.
    clock.pause(&cal, sh("2026-02-14 10:00"), "awaiting parts over the holiday").unwrap();
    assert_eq!((clock.state, clock.generation), (ClockState::Paused, 2));
    assert!(threshold_instants(&clock, &cal, &t).unwrap().is_empty());
    // While paused, the snapshot projects the due as if resumed now (2 h left from the first
    // working instant after 02-20 10:00, a holiday) and never turns red.
    let paused = clock.snapshot(&cal, sh("2026-02-20 10:00"), &t).unwrap();
    assert_eq!(
        (paused.due_at, paused.light, paused.counted_elapsed_seconds),
        (sh("2026-02-24 10:30"), Light::Green, 3 * 3600)
    );
    clock.resume(&cal, sh("2026-02-24 10:00")).unwrap();
    // 2 h were left; they run 10:00–12:00 on the 24th.
    assert_eq!((clock.due_at, clock.generation), (sh("2026-02-24 12:00"), 3));
    let instants = threshold_instants(&clock, &cal, &t).unwrap();
    assert_eq!(
        instants,
        vec![(50, sh("2026-02-14 09:30")), (80, sh("2026-02-24 11:00")), (100, sh("2026-02-24 12:00"))]
    );
    let snap = clock.snapshot(&cal, sh("2026-02-24 11:00"), &t).unwrap();
    assert_eq!(snap.business_elapsed_seconds, 4 * 3600);
    assert_eq!(snap.paused_seconds, 10 * 86_400);
    assert_eq!(snap.wall_elapsed_seconds, 10 * 86_400 + 19 * 3600);
    assert_eq!((snap.remaining_seconds, snap.fraction, snap.light), (3600, 0.8, Light::Yellow));
    // The calendar's own pause arithmetic agrees.
    let pauses = [(sh("2026-02-14 10:00"), sh("2026-02-24 10:00"))];
    assert_eq!(
        cal.add_with_pauses(sh("2026-02-13 16:00"), 5, LimitUnit::WorkingHours.calendar_unit(), &pauses).unwrap(),
        clock.due_at
    );
}

#[test]
fn one_working_day_started_after_hours() {
    let (cal, t) = (cn(), Thresholds::default());
    // Friday 18:30: counting starts on the make-up Saturday 08:30; the next working day is 02-24.
    let clock =
        StageClock::start(Stage::Sign, Limit::new(1, LimitUnit::WorkingDays), &cal, sh("2026-02-13 18:30")).unwrap();
    assert_eq!(clock.due_at, sh("2026-02-24 08:30"));
    // Budget = Saturday's 7 h; 50% = 3.5 h → 12:00; 80% = 5.6 h → 14:00 + 2 h 06 min.
    let instants = threshold_instants(&clock, &cal, &t).unwrap();
    assert_eq!(
        instants,
        vec![(50, sh("2026-02-14 12:00")), (80, sh("2026-02-14 16:06")), (100, sh("2026-02-24 08:30"))]
    );
    // The budget is used up Saturday 17:30, but the deadline is 02-24 08:30: yellow until then.
    let evening = clock.snapshot(&cal, sh("2026-02-14 17:30"), &t).unwrap();
    assert_eq!((evening.fraction, evening.light, evening.overdue), (1.0, Light::Yellow, false));
    let due = clock.snapshot(&cal, sh("2026-02-24 08:30"), &t).unwrap();
    assert_eq!((due.fraction, due.light), (1.0, Light::Red));
}

#[test]
fn natural_thirty_minute_emergency_clock_runs_through_the_holiday_night() {
    let (cal, t) = (cn(), Thresholds::default());
    let limit = Limit::new(30, LimitUnit::Minutes);
    let mut clock = StageClock::start(Stage::Dispatch, limit, &cal, sh("2026-02-15 03:00")).unwrap();
    assert_eq!(clock.due_at, sh("2026-02-15 03:30"));
    let instants = threshold_instants(&clock, &cal, &t).unwrap();
    assert_eq!(
        instants,
        vec![(50, sh("2026-02-15 03:15")), (80, sh("2026-02-15 03:24")), (100, sh("2026-02-15 03:30"))]
    );
    assert_eq!(clock.snapshot(&cal, sh("2026-02-15 03:23:59"), &t).unwrap().light, Light::Green);
    let snap = clock.snapshot(&cal, sh("2026-02-15 03:24"), &t).unwrap();
    assert_eq!((snap.light, snap.counted_elapsed_seconds, snap.business_elapsed_seconds), (Light::Yellow, 24 * 60, 0));
    // A 10-minute pause moves the due by 10 natural minutes.
    clock.pause(&cal, sh("2026-02-15 03:10"), "road closed").unwrap();
    clock.resume(&cal, sh("2026-02-15 03:20")).unwrap();
    assert_eq!(clock.due_at, sh("2026-02-15 03:40"));
    clock.stop(&cal, sh("2026-02-15 03:40")).unwrap();
    let stopped = clock.snapshot(&cal, sh("2026-02-16 09:00"), &t).unwrap();
    assert_eq!((stopped.at, stopped.on_time, stopped.paused_seconds), (sh("2026-02-15 03:40"), Some(true), 600));
}

#[test]
fn extension_moves_due_records_approver_and_bumps_generation() {
    let cal = cn();
    // Monday 08:30 + 5 h: 3.5 h morning, 1.5 h afternoon → 15:30.
    let mut clock = StageClock::start(Stage::Handle, hours(5), &cal, sh("2026-03-02 08:30")).unwrap();
    assert_eq!(clock.due_at, sh("2026-03-02 15:30"));
    clock.extend(&cal, sh("2026-03-02 10:00"), ExtensionGrant::By(hours(2)), "parts on order", "lead-7").unwrap();
    assert_eq!((clock.due_at, clock.generation), (sh("2026-03-02 17:30"), 2));
    let ext = &clock.extensions[0];
    assert_eq!(
        (ext.approver.as_str(), ext.due_before, ext.due_after),
        ("lead-7", sh("2026-03-02 15:30"), sh("2026-03-02 17:30"))
    );
    // One working day from 17:30 anchors at Tuesday 08:30, due Wednesday 08:30.
    clock
        .extend(
            &cal,
            sh("2026-03-02 11:00"),
            ExtensionGrant::By(Limit::new(1, LimitUnit::WorkingDays)),
            "second",
            "head-2",
        )
        .unwrap();
    assert_eq!(clock.due_at, sh("2026-03-04 08:30"));
    let earlier = ExtensionGrant::Until(sh("2026-03-03 08:30"));
    assert!(matches!(
        clock.extend(&cal, sh("2026-03-02 11:00"), earlier, "x", "y"),
        Err(ClockError::ExtensionNotLater { .. })
    ));
    clock
        .extend(&cal, sh("2026-03-02 11:00"), ExtensionGrant::Until(sh("2026-03-05 12:00")), "third", "leader-1")
        .unwrap();
    assert_eq!((clock.due_at, clock.extensions.len(), clock.generation), (sh("2026-03-05 12:00"), 3, 4));
    // The fraction is measured against the extended budget: 2.5 h of 7 + 7 + 7 + 3.5 h.
    let snap = clock.snapshot(&cal, sh("2026-03-02 11:00"), &Thresholds::default()).unwrap();
    assert_eq!((snap.budget_seconds, snap.fraction, snap.light), (88_200, 9000.0 / 88_200.0, Light::Green));
    // A snapshot may not look behind the last change: the data no longer describe that moment.
    let stale = clock.snapshot(&cal, sh("2026-03-02 10:00"), &Thresholds::default());
    assert!(matches!(stale, Err(ClockError::TimeWentBackwards { .. })));
}

#[test]
fn reset_on_rework_restarts_with_the_original_limit() {
    let cal = cn();
    let mut clock = StageClock::start(Stage::Handle, hours(5), &cal, sh("2026-03-02 08:30")).unwrap();
    clock.extend(&cal, sh("2026-03-02 09:00"), ExtensionGrant::By(hours(2)), "r", "lead").unwrap();
    clock.stop(&cal, sh("2026-03-02 15:00")).unwrap();
    assert_eq!((clock.state, clock.stopped_at), (ClockState::Stopped, Some(sh("2026-03-02 15:00"))));
    // Verification failed Tuesday 09:00: 3 h to 12:00, 2 h from 14:00 → 16:00.
    clock.reset(&cal, sh("2026-03-03 09:00")).unwrap();
    assert_eq!(
        (clock.due_at, clock.started_at, clock.reset_count),
        (sh("2026-03-03 16:00"), sh("2026-03-03 09:00"), 1)
    );
    assert_eq!((clock.state, clock.stopped_at, clock.extensions.len()), (ClockState::Running, None, 1));
}

#[test]
fn refusals() {
    let cal = cn();
    let mut clock = friday_handle();
    assert!(matches!(clock.resume(&cal, sh("2026-02-13 17:00")), Err(ClockError::InvalidState { .. })));
    assert!(matches!(clock.pause(&cal, sh("2026-02-13 15:00"), "x"), Err(ClockError::TimeWentBackwards { .. })));
    let other = Calendar::from_json(&CN_DEFAULT_JSON.replace("\"cn-default\"", "\"unit-7\"")).unwrap();
    assert!(matches!(clock.stop(&other, sh("2026-02-13 17:00")), Err(ClockError::CalendarMismatch { .. })));
    assert!(matches!(
        StageClock::start(Stage::Verify, hours(0), &cal, sh("2026-02-13 16:00")),
        Err(ClockError::ZeroLimit)
    ));
    clock.stop(&cal, sh("2026-02-13 17:00")).unwrap();
    assert!(matches!(
        clock.extend(&cal, sh("2026-02-13 17:00"), ExtensionGrant::By(hours(1)), "x", "y"),
        Err(ClockError::InvalidState { .. })
    ));
}

#[test]
fn wire_format_is_snake_case_json_and_round_trips() {
    let mut clock = friday_handle();
    clock.extend(&cn(), sh("2026-02-13 16:30"), ExtensionGrant::By(hours(1)), "r", "lead").unwrap();
    let json = serde_json::to_value(&clock).unwrap();
    assert_eq!(json["limit"], serde_json::json!({"amount": 5, "unit": "working_hours"}));
    assert_eq!(json["state"], "running");
    assert_eq!(json["stage"], "handle");
    assert_eq!(json["calendar_version"], "2026-01-01");
    assert_eq!(json["extensions"][0]["grant"], serde_json::json!({"by": {"amount": 1, "unit": "working_hours"}}));
    assert_eq!(serde_json::from_value::<StageClock>(json).unwrap(), clock);
    assert!(serde_json::from_str::<Thresholds>("[50, 120]").is_err());
    assert_eq!(serde_json::from_str::<Thresholds>("[50,80,100]").unwrap(), Thresholds::default());
}
