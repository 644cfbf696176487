//! Version switches, short days, make-up hours, the working-day clamp rule, sets and round trips.
#![allow(clippy::unwrap_used)]

mod common;

use common::{calendar, cn, date, hours, sh};
use gridflow_calendar::{Calendar, CalendarError, CalendarSet, TimeOfDay, Unit, ValidationError};

const OFFICE: &str = r#"[["08:30", "12:00"], ["14:00", "17:30"]]"#;

/// Until 2026-02-28 the usual hours; from 2026-03-01 09:00–12:00 and 13:00–18:00.
fn switching() -> Calendar {
    let later = r#"[["09:00", "12:00"], ["13:00", "18:00"]]"#;
    calendar(&format!(
        r#"{{"code": "unit-7", "time_zone": "Asia/Shanghai", "versions": [
        {{"effective_from": "2026-01-01", "weekly": {{"mon": {OFFICE}, "tue": {OFFICE}, "wed": {OFFICE}, "thu": {OFFICE}, "fri": {OFFICE}}}}},
        {{"effective_from": "2026-03-01", "note": "summer hours",
          "weekly": {{"mon": {later}, "tue": {later}, "wed": {later}, "thu": {later}, "fri": {later}}}}}]}}"#
    ))
}

/// Usual hours with two short days: Wed 2026-03-04 09:00–11:00 + 15:00–16:00, Fri 2026-03-06 08:30–12:00.
fn with_short_days() -> Calendar {
    calendar(&format!(
        r#"{{"code": "short", "time_zone": "Asia/Shanghai", "versions": [{{"effective_from": "2026-01-01",
        "weekly": {{"mon": {OFFICE}, "tue": {OFFICE}, "wed": {OFFICE}, "thu": {OFFICE}, "fri": {OFFICE}}},
        "overrides": [
          {{"date": "2026-03-04", "kind": "short", "intervals": [["09:00", "11:00"], ["15:00", "16:00"]], "source": "test"}},
          {{"date": "2026-03-06", "kind": "short", "intervals": [["08:30", "12:00"]], "source": "test"}}]}}]}}"#
    ))
}

#[test]
fn version_switch_at_its_effective_date() {
    let cal = switching();
    assert_eq!(cal.version_for(date("2026-02-28")).unwrap().effective_from(), date("2026-01-01"));
    assert_eq!(cal.version_for(date("2026-03-01")).unwrap().effective_from(), date("2026-03-01"));
    assert_eq!(cal.version_for(date("2026-03-01")).unwrap().note(), Some("summer hours"));
    assert!(matches!(cal.version_for(date("2025-12-31")), Err(CalendarError::NoVersionInForce { .. })));
    // Friday 17:00 + 2 h: 0.5 h under the old hours, then Monday 09:00 + 1.5 h under the new ones.
    assert_eq!(cal.add(sh("2026-02-27 17:00"), 2, Unit::WorkingHours).unwrap(), sh("2026-03-02 10:30"));
    assert_eq!(cal.business_between(sh("2026-02-27 00:00"), sh("2026-03-03 00:00"), &[]).unwrap(), hours(15));
    // Working days: the time of day is clamped into the new hours, or kept where it fits.
    assert_eq!(cal.add(sh("2026-02-27 08:45"), 1, Unit::WorkingDays).unwrap(), sh("2026-03-02 09:00"));
    assert_eq!(cal.add(sh("2026-02-27 12:30"), 1, Unit::WorkingDays).unwrap(), sh("2026-03-02 14:00"));
    assert_eq!(cal.add(sh("2026-02-27 17:15"), 1, Unit::WorkingDays).unwrap(), sh("2026-03-02 17:15"));
    assert!(cal.is_working_instant(sh("2026-03-02 13:30")).unwrap());
    assert!(!cal.is_working_instant(sh("2026-02-27 13:30")).unwrap());
}

#[test]
fn working_day_target_time_is_clamped_into_a_short_day() {
    let cal = with_short_days();
    let add = |from: &str| cal.add(sh(from), 1, Unit::WorkingDays).unwrap();
    assert_eq!(add("2026-03-03 08:45"), sh("2026-03-04 09:00")); // before the first interval
    assert_eq!(add("2026-03-03 10:00"), sh("2026-03-04 10:00")); // inside
    assert_eq!(add("2026-03-03 11:30"), sh("2026-03-04 11:00")); // in the break → end of the morning
    assert_eq!(add("2026-03-03 17:00"), sh("2026-03-04 16:00")); // after the last interval
    assert_eq!(add("2026-03-05 15:00"), sh("2026-03-06 12:00")); // short Friday ends at noon
    // Business hours on the short day follow its own intervals.
    assert_eq!(cal.add(sh("2026-03-04 10:30"), 1, Unit::WorkingHours).unwrap(), sh("2026-03-04 15:30"));
    assert_eq!(cal.business_between(sh("2026-03-04 00:00"), sh("2026-03-05 00:00"), &[]).unwrap(), hours(3));
}

#[test]
fn make_up_day_hours() {
    let friday = r#"[["08:30", "12:00"], ["14:00", "16:30"]]"#;
    let json = |extra: &str| {
        format!(
            r#"{{"code": "uneven", "time_zone": "Asia/Shanghai", "versions": [{{"effective_from": "2026-01-01",
            "weekly": {{"mon": {OFFICE}, "tue": {OFFICE}, "wed": {OFFICE}, "thu": {OFFICE}, "fri": {friday}}},
            "overrides": [{{"date": "2026-03-07", "kind": "work", {extra} "source": "test"}}]}}]}}"#
        )
    };
    // Friday differs from Monday–Thursday, so "the normal hours" are ambiguous.
    let err = Calendar::from_json(&json("")).unwrap_err();
    assert!(matches!(err, CalendarError::Invalid { problem: ValidationError::AmbiguousMakeUpHours { .. }, .. }));
    let as_friday = calendar(&json(r#""as_weekday": "fri","#));
    let end = as_friday.intervals_on(date("2026-03-07")).unwrap().last().unwrap().end;
    assert_eq!(end, "16:30".parse::<TimeOfDay>().unwrap());
    let explicit = calendar(&json(r#""intervals": [["10:00", "11:00"]],"#));
    assert_eq!(explicit.business_between(sh("2026-03-07 00:00"), sh("2026-03-08 00:00"), &[]).unwrap(), hours(1));
    // In cn-default every weekday has the same hours, so make-up days take them.
    assert_eq!(cn().business_between(sh("2026-01-04 00:00"), sh("2026-01-05 00:00"), &[]).unwrap(), hours(7));
}

#[test]
fn json_round_trip_and_sets() {
    let cal = cn();
    let json = serde_json::to_string(&cal).unwrap();
    let again: Calendar = serde_json::from_str(&json).unwrap();
    assert_eq!(again, cal);
    assert_eq!(again.add(sh("2026-02-13 16:00"), 8, Unit::WorkingHours).unwrap(), sh("2026-02-14 17:00"));

    let set = CalendarSet::from_json(&format!("[{json}, {}]", serde_json::to_string(&switching()).unwrap())).unwrap();
    assert_eq!(set.codes().collect::<Vec<_>>(), ["cn-default", "unit-7"]);
    assert_eq!(set.get("unit-7").unwrap().versions().len(), 2);
    assert!(set.get("unit-8").is_none());
    let twice = CalendarSet::new([cn(), cn()]);
    assert!(matches!(twice, Err(CalendarError::DuplicateCalendar(code)) if code == "cn-default"));
}
