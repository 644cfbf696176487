//! Properties of the arithmetic over random instants in 2025–2026, on the shipped calendar and on
//! Berlin calendars whose hours cross DST changes. Case counts are modest so debug runs stay fast.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use gridflow_calendar::{Calendar, Pause, Unit};
use proptest::prelude::*;

/// 2025-01-01T00:00:00Z … 2026-12-31T00:00:00Z, whole seconds.
const FROM: i64 = 1_735_689_600;
const TO: i64 = 1_798_675_200;

fn calendars() -> Vec<Calendar> {
    let night = r#"[["01:00", "05:00"]]"#;
    let office = r#"[["08:00", "12:00"], ["13:00", "17:00"]]"#;
    let berlin = |code: &str, day: &str, weekend: bool| {
        let weekend = if weekend { format!(r#", "sat": {day}, "sun": {day}"#) } else { String::new() };
        common::calendar(&format!(
            r#"{{"code": "{code}", "time_zone": "Europe/Berlin", "versions": [{{"effective_from": "2024-12-01",
            "weekly": {{"mon": {day}, "tue": {day}, "wed": {day}, "thu": {day}, "fri": {day}{weekend}}}}}]}}"#
        ))
    };
    vec![common::cn(), berlin("de-night", night, true), berlin("de-office", office, false)]
}

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn any_instant() -> impl Strategy<Value = i64> {
    FROM..TO
}

/// Up to 200 business hours, to the second.
fn any_budget() -> impl Strategy<Value = i64> {
    0i64..200 * 3600
}

/// Up to four pauses, each within about a month of the window start and up to 10 days long.
fn any_pauses(base: i64) -> impl Strategy<Value = Vec<Pause>> {
    prop::collection::vec((0i64..40 * 86_400, 0i64..10 * 86_400), 0..4).prop_map(move |raw| {
        raw.into_iter().map(|(offset, length)| (instant(base + offset), instant(base + offset + length))).collect()
    })
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 200, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn add_then_between_gives_the_amount(which in 0usize..3, start in any_instant(), budget in any_budget()) {
        let cal = &calendars()[which];
        let start = instant(start);
        let budget = TimeDelta::seconds(budget);
        let due = cal.add_business(start, budget).unwrap();
        prop_assert_eq!(cal.business_between(start, due, &[]).unwrap(), budget);
    }

    #[test]
    fn add_is_monotonic(which in 0usize..3, start in any_instant(), a in any_budget(), b in any_budget(), d1 in 0u32..30, d2 in 0u32..30) {
        let cal = &calendars()[which];
        let start = instant(start);
        let (low, high) = (a.min(b), a.max(b));
        prop_assert!(cal.add_business(start, TimeDelta::seconds(low)).unwrap()
            <= cal.add_business(start, TimeDelta::seconds(high)).unwrap());
        let (low, high) = (d1.min(d2), d1.max(d2));
        prop_assert!(cal.add(start, low, Unit::WorkingDays).unwrap() <= cal.add(start, high, Unit::WorkingDays).unwrap());
        prop_assert!(cal.add(start, low, Unit::WorkingHours).unwrap() <= cal.add(start, high, Unit::WorkingHours).unwrap());
    }

    #[test]
    fn result_is_a_working_instant_or_an_interval_end(which in 0usize..3, start in any_instant(), budget in 1i64..200 * 3600, days in 1u32..30) {
        let cal = &calendars()[which];
        let start = instant(start);
        let second = TimeDelta::seconds(1);
        // Working at `due - 1s` means `due` is inside an interval or exactly at its end.
        let due = cal.add_business(start, TimeDelta::seconds(budget)).unwrap();
        prop_assert!(cal.is_working_instant(due - second).unwrap());
        let due = cal.add(start, days, Unit::WorkingDays).unwrap();
        prop_assert!(cal.is_working_instant(due).unwrap() || cal.is_working_instant(due - second).unwrap());
        prop_assert!(due > start);
    }

    #[test]
    fn between_is_additive_and_bounded_by_wall_time(
        which in 0usize..3,
        a in any_instant(),
        gaps in (0i64..20 * 86_400, 0i64..20 * 86_400),
        pauses in any_pauses(FROM),
    ) {
        let cal = &calendars()[which];
        let (a, m, b) = (instant(a), instant(a + gaps.0), instant(a + gaps.0 + gaps.1));
        // Shift the pauses next to `a` so they actually overlap the range.
        let shift = a - instant(FROM);
        let pauses: Vec<Pause> = pauses.into_iter().map(|(s, e)| (s + shift, e + shift)).collect();
        let whole = cal.business_between(a, b, &pauses).unwrap();
        let split = cal.business_between(a, m, &pauses).unwrap() + cal.business_between(m, b, &pauses).unwrap();
        prop_assert_eq!(whole, split);
        prop_assert!(whole >= TimeDelta::zero());
        prop_assert!(whole <= b - a);
    }

    #[test]
    fn pauses_only_ever_reduce(which in 0usize..3, a in any_instant(), length in 0i64..30 * 86_400, pauses in any_pauses(FROM), extra in any_pauses(FROM)) {
        let cal = &calendars()[which];
        let (a, b) = (instant(a), instant(a + length));
        let shift = a - instant(FROM);
        let moved = |p: Vec<Pause>| -> Vec<Pause> { p.into_iter().map(|(s, e)| (s + shift, e + shift)).collect() };
        let some = moved(pauses);
        let mut more = some.clone();
        more.extend(moved(extra));
        let none = cal.business_between(a, b, &[]).unwrap();
        let with_some = cal.business_between(a, b, &some).unwrap();
        let with_more = cal.business_between(a, b, &more).unwrap();
        prop_assert!(with_some <= none);
        prop_assert!(with_more <= with_some);
    }

    #[test]
    fn paused_due_spends_exactly_the_amount(which in 0usize..3, start in any_instant(), hours in 0u32..150, pauses in any_pauses(FROM)) {
        let cal = &calendars()[which];
        let start = instant(start);
        let shift = start - instant(FROM);
        let pauses: Vec<Pause> = pauses.into_iter().map(|(s, e)| (s + shift, e + shift)).collect();
        let due = cal.add_with_pauses(start, hours, Unit::WorkingHours, &pauses).unwrap();
        prop_assert_eq!(cal.business_between(start, due, &pauses).unwrap(), TimeDelta::hours(i64::from(hours)));
        prop_assert!(due >= cal.add(start, hours, Unit::WorkingHours).unwrap());
        prop_assert_eq!(cal.add_with_pauses(start, hours, Unit::WorkingHours, &[]).unwrap(),
            cal.add(start, hours, Unit::WorkingHours).unwrap());
        let minutes = hours * 7;
        let natural = cal.add_with_pauses(start, minutes, Unit::Minutes, &pauses).unwrap();
        prop_assert_eq!(gridflow_calendar::natural_between(start, natural, &pauses).unwrap(),
            TimeDelta::minutes(i64::from(minutes)));
    }

    #[test]
    fn next_working_instant_is_the_first_working_moment(which in 0usize..3, t in any_instant()) {
        let cal = &calendars()[which];
        let t = instant(t);
        let next = cal.next_working_instant(t).unwrap();
        prop_assert!(next >= t);
        prop_assert!(cal.is_working_instant(next).unwrap());
        prop_assert_eq!(cal.business_between(t, next, &[]).unwrap(), TimeDelta::zero());
        prop_assert_eq!(cal.is_working_instant(t).unwrap(), next == t);
    }
}
