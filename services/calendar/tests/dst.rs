//! Non-China zones across DST changes. Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST and
//! 2026-10-25 03:00 CEST → 02:00 CET. America/New_York: 2026-03-08 02:00 EST → 03:00 EDT and
//! 2026-11-01 02:00 EDT → 01:00 EST. Expected instants are written with their real offsets.
#![allow(clippy::unwrap_used)]

mod common;

use common::{at, calendar, hours, minutes};
use gridflow_calendar::{Calendar, Unit};

/// Every day 01:00–05:00: the night shift that contains both Berlin transitions.
fn berlin_night() -> Calendar {
    let day = r#"[["01:00", "05:00"]]"#;
    calendar(&format!(
        r#"{{"code": "de-night", "time_zone": "Europe/Berlin", "versions": [{{"effective_from": "2026-01-01",
        "weekly": {{"mon": {day}, "tue": {day}, "wed": {day}, "thu": {day}, "fri": {day}, "sat": {day}, "sun": {day}}}}}]}}"#
    ))
}

fn office(code: &str, zone: &str) -> Calendar {
    let day = r#"[["09:00", "17:00"]]"#;
    calendar(&format!(
        r#"{{"code": "{code}", "time_zone": "{zone}", "versions": [{{"effective_from": "2026-01-01",
        "weekly": {{"mon": {day}, "tue": {day}, "wed": {day}, "thu": {day}, "fri": {day}}}}}]}}"#
    ))
}

#[test]
fn night_shift_lasts_the_real_elapsed_time() {
    let cal = berlin_night();
    let day = |from: &str, to: &str| cal.business_between(at(from), at(to), &[]).unwrap();
    assert_eq!(day("2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00"), hours(4));
    assert_eq!(day("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"), hours(3));
    assert_eq!(day("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"), hours(5));
    // The repeated hour 02:00–03:00 is worked twice.
    assert!(cal.is_working_instant(at("2026-10-25T02:30:00+02:00")).unwrap());
    assert!(cal.is_working_instant(at("2026-10-25T02:30:00+01:00")).unwrap());
}

#[test]
fn working_hours_across_the_changes() {
    let cal = berlin_night();
    let add = |from: &str, h: u32| cal.add(at(from), h, Unit::WorkingHours).unwrap();
    assert_eq!(add("2026-03-29T01:00:00+01:00", 3), at("2026-03-29T05:00:00+02:00"));
    assert_eq!(add("2026-03-29T01:00:00+01:00", 4), at("2026-03-30T02:00:00+02:00"));
    assert_eq!(add("2026-10-25T01:00:00+02:00", 4), at("2026-10-25T04:00:00+01:00"));
    assert_eq!(add("2026-10-25T01:00:00+02:00", 5), at("2026-10-25T05:00:00+01:00"));
    assert_eq!(add("2026-10-25T01:00:00+02:00", 6), at("2026-10-26T02:00:00+01:00"));
}

#[test]
fn office_hours_over_a_dst_weekend_keep_local_time() {
    let berlin = office("de-office", "Europe/Berlin");
    // Friday 16:00 CET + 2 h: 1 h Friday, Monday 09:00–10:00 CEST (not 09:00 as a fixed offset would give).
    let due = berlin.add(at("2026-03-27T16:00:00+01:00"), 2, Unit::WorkingHours).unwrap();
    assert_eq!(due, at("2026-03-30T10:00:00+02:00"));
    let due = berlin.add(at("2026-10-23T16:00:00+02:00"), 2, Unit::WorkingHours).unwrap();
    assert_eq!(due, at("2026-10-26T10:00:00+01:00"));
    let span = berlin.business_between(at("2026-03-27T09:00:00+01:00"), at("2026-03-30T17:00:00+02:00"), &[]);
    assert_eq!(span.unwrap(), hours(16));
    let due = berlin.add(at("2026-03-27T10:00:00+01:00"), 1, Unit::WorkingDays).unwrap();
    assert_eq!(due, at("2026-03-30T10:00:00+02:00"));

    let new_york = office("us-office", "America/New_York");
    let due = new_york.add(at("2026-03-06T16:00:00-05:00"), 2, Unit::WorkingHours).unwrap();
    assert_eq!(due, at("2026-03-09T10:00:00-04:00"));
    let due = new_york.add(at("2026-10-30T16:00:00-04:00"), 2, Unit::WorkingHours).unwrap();
    assert_eq!(due, at("2026-11-02T10:00:00-05:00"));
}

#[test]
fn round_the_clock_days_are_23_and_25_hours_long() {
    let day = r#"[["00:00", "24:00"]]"#;
    let cal = calendar(&format!(
        r#"{{"code": "us-24", "time_zone": "America/New_York", "versions": [{{"effective_from": "2026-01-01",
        "weekly": {{"mon": {day}, "tue": {day}, "wed": {day}, "thu": {day}, "fri": {day}, "sat": {day}, "sun": {day}}}}}]}}"#
    ));
    let span = |from: &str, to: &str| cal.business_between(at(from), at(to), &[]).unwrap();
    assert_eq!(span("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"), hours(23));
    assert_eq!(span("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"), hours(25));
    let due = cal.add(at("2026-03-08T00:00:00-05:00"), 24, Unit::WorkingHours).unwrap();
    assert_eq!(due, at("2026-03-09T01:00:00-04:00"));
    // 24:00 joins the next day's 00:00 seamlessly: no gap at midnight.
    assert!(cal.is_working_instant(at("2026-03-10T00:00:00-04:00")).unwrap());
}

#[test]
fn interval_starting_in_the_gap_or_the_overlap() {
    // Sundays 02:30–04:00.
    let cal = calendar(
        r#"{"code": "de-sun", "time_zone": "Europe/Berlin", "versions": [{"effective_from": "2026-01-01",
        "weekly": {"sun": [["02:30", "04:00"]]}}]}"#,
    );
    let span = |from: &str, to: &str| cal.business_between(at(from), at(to), &[]).unwrap();
    assert_eq!(span("2026-03-22T00:00:00+01:00", "2026-03-23T00:00:00+01:00"), minutes(90));
    // 02:30 does not exist: the interval starts when the gap ends, 03:00 CEST.
    assert_eq!(span("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"), minutes(60));
    assert_eq!(cal.next_working_instant(at("2026-03-29T00:00:00+01:00")).unwrap(), at("2026-03-29T03:00:00+02:00"));
    // 02:30 happens twice: the earlier one (CEST) starts the interval, which ends at 04:00 CET.
    assert_eq!(span("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"), minutes(150));
    assert_eq!(cal.next_working_instant(at("2026-10-25T00:00:00+02:00")).unwrap(), at("2026-10-25T02:30:00+02:00"));
}

#[test]
fn working_days_landing_in_the_gap_or_the_overlap() {
    let cal = berlin_night();
    let add = |from: &str| cal.add(at(from), 1, Unit::WorkingDays).unwrap();
    // Same local time next day, across the change.
    assert_eq!(add("2026-03-28T04:30:00+01:00"), at("2026-03-29T04:30:00+02:00"));
    // 02:30 on 2026-03-29 does not exist → 03:00 CEST.
    assert_eq!(add("2026-03-28T02:30:00+01:00"), at("2026-03-29T03:00:00+02:00"));
    // 02:30 on 2026-10-25 happens twice → the earlier, CEST.
    assert_eq!(add("2026-10-24T02:30:00+02:00"), at("2026-10-25T02:30:00+02:00"));
}
