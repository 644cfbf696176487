//! Properties of stage clocks on `cn-default` over random starts in 2025–2026, random limits and
//! pauses. Case counts are modest so debug runs stay fast.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::cn;
use gridflow_calendar::natural_between;
use gridflow_sla::{Light, Limit, LimitUnit, Stage, StageClock, Thresholds, threshold_instants};
use proptest::prelude::*;

/// 2025-01-01T00:00:00Z … 2026-12-01T00:00:00Z, whole seconds.
const FROM: i64 = 1_735_689_600;
const TO: i64 = 1_796_083_200;

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn any_limit() -> impl Strategy<Value = Limit> {
    prop_oneof![
        (1u32..=2000).prop_map(|m| Limit::new(m, LimitUnit::Minutes)),
        (1u32..=40).prop_map(|h| Limit::new(h, LimitUnit::WorkingHours)),
        (1u32..=15).prop_map(|d| Limit::new(d, LimitUnit::WorkingDays)),
    ]
}

fn any_thresholds() -> impl Strategy<Value = Thresholds> {
    (1u16..=99, 1u16..=99, 101u16..=1000).prop_map(|(a, b, over)| {
        let (low, high) = (a.min(b), a.max(b));
        let mut percents = vec![low];
        if high > low {
            percents.push(high);
        }
        percents.extend([100, over]);
        Thresholds::new(percents).unwrap()
    })
}

fn counted(
    unit: LimitUnit,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
    pauses: &[(DateTime<Utc>, DateTime<Utc>)],
) -> TimeDelta {
    match unit {
        LimitUnit::Minutes => natural_between(a, b, pauses).unwrap(),
        _ => cn().business_between(a, b, pauses).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn threshold_instants_ascend_and_end_at_due(start in FROM..TO, limit in any_limit(), t in any_thresholds()) {
        let cal = cn();
        let clock = StageClock::start(Stage::Handle, limit, &cal, instant(start)).unwrap();
        let instants = threshold_instants(&clock, &cal, &t).unwrap();
        prop_assert_eq!(instants.len(), t.percents().len());
        for pair in instants.windows(2) {
            prop_assert!(pair[0].1 < pair[1].1, "{:?}", instants);
        }
        prop_assert!(instants.contains(&(100, clock.due_at)));
    }

    #[test]
    fn lights_at_threshold_instants(start in FROM..TO, limit in any_limit(), t in any_thresholds()) {
        let cal = cn();
        let clock = StageClock::start(Stage::Handle, limit, &cal, instant(start)).unwrap();
        let warning = t.warning().unwrap();
        for (percent, at) in threshold_instants(&clock, &cal, &t).unwrap() {
            let snap = clock.snapshot(&cal, at, &t).unwrap();
            // A tiny threshold of a short limit can fall within the first second.
            let Ok(before) = clock.snapshot(&cal, (at - TimeDelta::seconds(1)).max(clock.started_at), &t) else {
                continue;
            };
            let budget = snap.budget_seconds as f64;
            if percent == 100 {
                prop_assert_eq!(snap.fraction, 1.0);
                prop_assert_eq!(snap.light, Light::Red);
                prop_assert_ne!(before.light, Light::Red);
                prop_assert!((1.0 - before.fraction) * budget <= 1.0 + 1e-6);
            } else if percent == warning {
                prop_assert_eq!(snap.light, Light::Yellow);
                prop_assert_eq!(before.light, Light::Green);
            }
            // Exact to the second: the threshold's share of the budget has just been used.
            let share = f64::from(percent) / 100.0 * budget;
            prop_assert!((snap.fraction * budget - share).abs() < 1.0, "{percent}% {snap:?}");
        }
    }

    #[test]
    fn pause_moves_due_by_exactly_the_paused_counted_time(
        start in FROM..TO, limit in any_limit(), into in 0i64..40 * 3600, length in 1i64..20 * 86_400,
    ) {
        let cal = cn();
        let mut clock = StageClock::start(Stage::Handle, limit, &cal, instant(start)).unwrap();
        let due_before = clock.due_at;
        let (pause, resume) = (instant(start + into), instant(start + into + length));
        clock.pause(&cal, pause, "suspended").unwrap();
        clock.resume(&cal, resume).unwrap();
        let pauses = [(pause, resume)];
        // The counted time the pause removed before the old due …
        let removed = counted(limit.unit, pause, resume.min(due_before), &[]);
        let removed = if pause < due_before { removed } else { TimeDelta::zero() };
        // … is exactly the counted time the due moved by (outside the pause).
        prop_assert_eq!(counted(limit.unit, due_before, clock.due_at, &pauses), removed);
        // The calendar's own pause arithmetic agrees, and the budget is unchanged.
        let expected = cal.add_with_pauses(instant(start), limit.amount, limit.unit.calendar_unit(), &pauses).unwrap();
        prop_assert_eq!(clock.due_at, expected);
        let budget = counted(limit.unit, instant(start), clock.due_at, &pauses);
        prop_assert_eq!(budget, counted(limit.unit, instant(start), due_before, &[]));
    }

    #[test]
    fn working_time_pause_inside_the_limit(start in FROM..TO, hours in 2u32..40, at in 0i64..3600, paused in 1i64..3600) {
        let cal = cn();
        let limit = Limit::new(hours, LimitUnit::WorkingHours);
        let mut clock = StageClock::start(Stage::Handle, limit, &cal, instant(start)).unwrap();
        let due_before = clock.due_at;
        // Pause and resume at business offsets, so the pause holds exactly `paused` working seconds.
        let pause = cal.add_business(instant(start), TimeDelta::seconds(at)).unwrap();
        let resume = cal.add_business(pause, TimeDelta::seconds(paused)).unwrap();
        prop_assume!(resume <= due_before);
        clock.pause(&cal, pause, "p").unwrap();
        clock.resume(&cal, resume).unwrap();
        prop_assert_eq!(cal.business_between(due_before, clock.due_at, &[]).unwrap(), TimeDelta::seconds(paused));
    }

    #[test]
    fn thresholds_recomputed_after_pause_and_extension(
        start in FROM..TO, limit in any_limit(), into in 0i64..86_400, length in 1i64..86_400, extra in 1u32..10,
    ) {
        let cal = cn();
        let t = Thresholds::default();
        let mut clock = StageClock::start(Stage::Handle, limit, &cal, instant(start)).unwrap();
        clock.pause(&cal, instant(start + into), "p").unwrap();
        clock.resume(&cal, instant(start + into + length)).unwrap();
        let grant = gridflow_sla::ExtensionGrant::By(Limit::new(extra, LimitUnit::WorkingHours));
        clock.extend(&cal, instant(start + into + length), grant, "r", "lead").unwrap();
        prop_assert_eq!(clock.generation, 4);
        let instants = threshold_instants(&clock, &cal, &t).unwrap();
        for pair in instants.windows(2) {
            prop_assert!(pair[0].1 < pair[1].1, "{:?}", instants);
        }
        let (_, due) = instants[instants.len() - 1];
        prop_assert_eq!(due, clock.due_at);
        let snap = clock.snapshot(&cal, due.max(clock.updated_at), &t).unwrap();
        prop_assert_eq!(snap.light, Light::Red);
    }
}
