//! Golden cases on the shipped `cn-default` calendar (Asia/Shanghai, 08:30–12:00, 14:00–17:30).
//! Every expected value was worked out by hand from the reference table, never by the code.
#![allow(clippy::unwrap_used)]

mod common;

use common::{cn, date, hours, minutes, sh};
use gridflow_calendar::{CalendarError, OverrideKind, Unit};

#[test]
fn worked_example_from_the_reference_file() {
    // Friday 16:00 + 8 working hours: 1.5 h Friday, 6.5 h on the make-up Saturday 02-14.
    let due = cn().add(sh("2026-02-13 16:00"), 8, Unit::WorkingHours).unwrap();
    assert_eq!(due, sh("2026-02-14 17:00"));
    assert_eq!(due.to_rfc3339(), "2026-02-14T09:00:00+00:00");
}

#[test]
fn lunch_break_is_skipped() {
    let cal = cn();
    assert_eq!(cal.add(sh("2026-03-02 11:00"), 2, Unit::WorkingHours).unwrap(), sh("2026-03-02 15:00"));
    assert_eq!(cal.business_between(sh("2026-03-02 11:00"), sh("2026-03-02 15:00"), &[]).unwrap(), hours(2));
    assert_eq!(cal.business_between(sh("2026-03-02 00:00"), sh("2026-03-03 00:00"), &[]).unwrap(), hours(7));
}

#[test]
fn start_outside_working_hours() {
    let cal = cn();
    // Before 08:30, during lunch, after 17:30 (Monday 2026-03-02), on a Saturday.
    assert_eq!(cal.add(sh("2026-03-02 07:00"), 1, Unit::WorkingHours).unwrap(), sh("2026-03-02 09:30"));
    assert_eq!(cal.add(sh("2026-03-02 12:30"), 1, Unit::WorkingHours).unwrap(), sh("2026-03-02 15:00"));
    assert_eq!(cal.add(sh("2026-03-02 18:00"), 1, Unit::WorkingHours).unwrap(), sh("2026-03-03 09:30"));
    assert_eq!(cal.add(sh("2026-03-07 10:00"), 1, Unit::WorkingHours).unwrap(), sh("2026-03-09 09:30"));
    // Dispatched exactly at 12:00: counting starts at 14:00.
    assert_eq!(cal.add(sh("2026-03-02 12:00"), 1, Unit::WorkingHours).unwrap(), sh("2026-03-02 15:00"));
}

#[test]
fn limit_ending_exactly_at_a_boundary_is_due_at_the_boundary() {
    let cal = cn();
    assert_eq!(cal.add(sh("2026-03-02 11:00"), 1, Unit::WorkingHours).unwrap(), sh("2026-03-02 12:00"));
    assert_eq!(cal.add(sh("2026-03-02 08:30"), 210, Unit::WorkingMinutes).unwrap(), sh("2026-03-02 12:00"));
    assert_eq!(cal.add(sh("2026-03-02 08:30"), 7, Unit::WorkingHours).unwrap(), sh("2026-03-02 17:30"));
    assert!(!cal.is_working_instant(sh("2026-03-02 12:00")).unwrap());
    assert!(cal.is_working_instant(sh("2026-03-02 11:59:59")).unwrap());
    assert!(cal.is_working_instant(sh("2026-03-02 08:30")).unwrap());
    assert!(!cal.is_working_instant(sh("2026-03-02 08:29:59")).unwrap());
    assert_eq!(cal.next_working_instant(sh("2026-03-02 12:00")).unwrap(), sh("2026-03-02 14:00"));
    assert_eq!(cal.next_working_instant(sh("2026-03-02 17:30")).unwrap(), sh("2026-03-03 08:30"));
    assert_eq!(cal.next_working_instant(sh("2026-03-02 09:17:05")).unwrap(), sh("2026-03-02 09:17:05"));
}

#[test]
fn exact_to_the_second_and_below() {
    let cal = cn();
    assert_eq!(cal.add(sh("2026-03-02 11:59:59"), 1, Unit::WorkingMinutes).unwrap(), sh("2026-03-02 14:00:59"));
    let start = common::at("2026-03-02T11:59:59.250+08:00");
    let due = cal.add_business(start, chrono::TimeDelta::seconds(1)).unwrap();
    assert_eq!(due, common::at("2026-03-02T14:00:00.250+08:00"));
    assert_eq!(cal.business_between(start, due, &[]).unwrap(), chrono::TimeDelta::seconds(1));
}

#[test]
fn spring_festival_2026_is_off_and_the_make_up_saturdays_work() {
    let cal = cn();
    for day in ["2026-02-15", "2026-02-16", "2026-02-19", "2026-02-21", "2026-02-22", "2026-02-23"] {
        assert!(!cal.is_working_day(date(day)).unwrap(), "{day}");
    }
    for day in ["2026-02-13", "2026-02-14", "2026-02-24", "2026-02-28"] {
        assert!(cal.is_working_day(date(day)).unwrap(), "{day}");
    }
    // Half an hour left on the make-up Saturday, the rest after the whole holiday.
    assert_eq!(cal.add(sh("2026-02-14 17:00"), 1, Unit::WorkingHours).unwrap(), sh("2026-02-24 09:00"));
    assert_eq!(cal.business_between(sh("2026-02-14 17:30"), sh("2026-02-24 08:30"), &[]).unwrap(), hours(0));
    assert_eq!(cal.business_between(sh("2026-02-13 16:00"), sh("2026-02-24 10:00"), &[]).unwrap(), hours(10));
}

#[test]
fn new_year_2026_make_up_sunday() {
    let cal = cn();
    assert!(cal.is_working_day(date("2026-01-04")).unwrap());
    assert!(!cal.is_working_day(date("2026-01-02")).unwrap());
    assert!(!cal.is_working_day(date("2026-01-03")).unwrap());
    assert!(cal.is_working_instant(sh("2026-01-04 09:00")).unwrap());
    assert!(!cal.is_working_instant(sh("2026-01-02 09:00")).unwrap());
    // Wednesday 2025-12-31 17:00 + 1 h: 30 min that day, 30 min on Sunday 01-04 (crosses versions).
    assert_eq!(cal.add(sh("2025-12-31 17:00"), 1, Unit::WorkingHours).unwrap(), sh("2026-01-04 09:00"));
}

#[test]
fn working_days_across_national_day_2025() {
    let cal = cn();
    let start = sh("2025-09-26 10:00"); // Friday
    let expected = [
        (1, "2025-09-28 10:00"), // make-up Sunday
        (2, "2025-09-29 10:00"),
        (3, "2025-09-30 10:00"),
        (4, "2025-10-09 10:00"), // 10-01 … 10-08 off
        (5, "2025-10-10 10:00"),
        (6, "2025-10-11 10:00"), // make-up Saturday
        (7, "2025-10-13 10:00"),
    ];
    for (n, due) in expected {
        assert_eq!(cal.add(start, n, Unit::WorkingDays).unwrap(), sh(due), "{n} working days");
    }
    for day in ["2025-10-01", "2025-10-04", "2025-10-06", "2025-10-08"] {
        assert!(!cal.is_working_day(date(day)).unwrap(), "{day}");
    }
}

#[test]
fn working_days_from_outside_working_hours() {
    let cal = cn();
    // Friday evening → anchor Monday 08:30 → Tuesday 08:30.
    assert_eq!(cal.add(sh("2026-03-06 18:00"), 1, Unit::WorkingDays).unwrap(), sh("2026-03-10 08:30"));
    // Lunch (and exactly 12:00) → anchor 14:00.
    assert_eq!(cal.add(sh("2026-03-02 12:30"), 1, Unit::WorkingDays).unwrap(), sh("2026-03-03 14:00"));
    assert_eq!(cal.add(sh("2026-03-02 12:00"), 1, Unit::WorkingDays).unwrap(), sh("2026-03-03 14:00"));
    // Saturday → anchor Monday 08:30 → Wednesday 08:30.
    assert_eq!(cal.add(sh("2026-03-07 10:00"), 2, Unit::WorkingDays).unwrap(), sh("2026-03-11 08:30"));
    // Inside hours: same time of day, seconds kept.
    assert_eq!(cal.add(sh("2026-03-02 10:15:30"), 5, Unit::WorkingDays).unwrap(), sh("2026-03-09 10:15:30"));
}

#[test]
fn pause_spanning_the_spring_festival() {
    let cal = cn();
    let start = sh("2026-02-13 16:00");
    let pause = [(sh("2026-02-14 09:00"), sh("2026-02-25 10:00"))];
    // 1.5 h Fri + 0.5 h Sat before the pause; 2 h + 3.5 h on Wed 02-25; 0.5 h on Thu 02-26.
    assert_eq!(cal.add_with_pauses(start, 8, Unit::WorkingHours, &pause).unwrap(), sh("2026-02-26 09:00"));
    assert_eq!(cal.business_between(start, sh("2026-02-26 09:00"), &pause).unwrap(), hours(8));
    assert_eq!(cal.business_between(start, sh("2026-02-26 09:00"), &[]).unwrap(), hours(23));
    // The same suspension recorded as two overlapping pauses.
    let split = [(sh("2026-02-18 00:00"), sh("2026-02-25 10:00")), (sh("2026-02-14 09:00"), sh("2026-02-20 00:00"))];
    assert_eq!(cal.add_with_pauses(start, 8, Unit::WorkingHours, &split).unwrap(), sh("2026-02-26 09:00"));
    // A pause wholly inside the holiday changes nothing.
    let idle = [(sh("2026-02-16 00:00"), sh("2026-02-18 00:00"))];
    assert_eq!(cal.add_with_pauses(start, 8, Unit::WorkingHours, &idle).unwrap(), sh("2026-02-14 17:00"));
}

#[test]
fn pauses_for_other_units_and_edges() {
    let cal = cn();
    // Natural minutes: the pause stops the 24×7 clock too.
    let pause = [(sh("2026-02-13 16:30"), sh("2026-02-13 17:00"))];
    assert_eq!(cal.add_with_pauses(sh("2026-02-13 16:00"), 60, Unit::Minutes, &pause).unwrap(), sh("2026-02-13 17:30"));
    let natural = gridflow_calendar::natural_between(sh("2026-02-13 16:00"), sh("2026-02-13 17:30"), &pause);
    assert_eq!(natural.unwrap(), minutes(60));
    // Working days: Mon 10:00 + 2 days = Wed 10:00; Tuesday morning (3.5 h) paused → Wed 15:30.
    let tuesday_morning = [(sh("2026-03-03 08:30"), sh("2026-03-03 12:00"))];
    let due = cal.add_with_pauses(sh("2026-03-02 10:00"), 2, Unit::WorkingDays, &tuesday_morning).unwrap();
    assert_eq!(due, sh("2026-03-04 15:30"));
    assert_eq!(cal.add_with_pauses(sh("2026-03-02 10:00"), 2, Unit::WorkingDays, &[]).unwrap(), sh("2026-03-04 10:00"));
    // A pause that began before the clock started only counts from the start.
    let early = [(sh("2026-03-02 08:00"), sh("2026-03-02 09:30"))];
    assert_eq!(
        cal.add_with_pauses(sh("2026-03-02 09:00"), 1, Unit::WorkingHours, &early).unwrap(),
        sh("2026-03-02 10:30")
    );
    // A pause ending before it starts is refused.
    let backwards = [(sh("2026-03-02 10:00"), sh("2026-03-02 09:00"))];
    assert!(matches!(
        cal.business_between(sh("2026-03-02 08:00"), sh("2026-03-02 18:00"), &backwards),
        Err(CalendarError::InvalidPause { .. })
    ));
}

#[test]
fn zero_amount_is_due_at_start() {
    let cal = cn();
    let saturday = sh("2026-03-07 10:00");
    for unit in [Unit::Minutes, Unit::WorkingMinutes, Unit::WorkingHours, Unit::WorkingDays] {
        assert_eq!(cal.add(saturday, 0, unit).unwrap(), saturday, "{unit:?}");
        assert_eq!(cal.add_with_pauses(saturday, 0, unit, &[(saturday, sh("2026-03-09 10:00"))]).unwrap(), saturday);
    }
    assert_eq!(cal.business_between(saturday, saturday, &[]).unwrap(), hours(0));
    // Reversed range: zero, not negative.
    assert_eq!(cal.business_between(sh("2026-03-03 10:00"), sh("2026-03-02 10:00"), &[]).unwrap(), hours(0));
}

#[test]
fn versions_and_provenance() {
    let cal = cn();
    assert_eq!(cal.version_for(date("2025-12-31")).unwrap().effective_from(), date("2025-01-01"));
    assert_eq!(cal.version_for(date("2026-01-01")).unwrap().effective_from(), date("2026-01-01"));
    assert_eq!(cal.version_at(sh("2026-01-01 00:00")).unwrap().effective_from(), date("2026-01-01"));
    // 2025-12-31T16:30Z is already 2026-01-01 in Shanghai.
    assert_eq!(cal.version_at(common::at("2025-12-31T16:30:00Z")).unwrap().effective_from(), date("2026-01-01"));
    let national_day = cal.version_for(date("2025-10-03")).unwrap().override_on(date("2025-10-03")).unwrap();
    assert_eq!(national_day.kind, OverrideKind::Off);
    assert_eq!(national_day.source, "国办发明电〔2024〕12号");
    assert_eq!(national_day.name.as_deref(), Some("国庆节、中秋节"));
    let make_up = cal.version_for(date("2026-02-14")).unwrap().override_on(date("2026-02-14")).unwrap();
    assert_eq!(make_up.kind, OverrideKind::Work);
    assert!(make_up.source.contains("2026年部分节假日安排"), "{}", make_up.source);
    assert!(matches!(
        cal.add(sh("2024-12-31 10:00"), 1, Unit::WorkingHours),
        Err(CalendarError::NoVersionInForce { .. })
    ));
}

/// Every date of the reference table, typed in again here.
#[test]
fn whole_reference_table() {
    let cal = cn();
    let off = [
        ("2025-01-01", "2025-01-01"),
        ("2025-01-28", "2025-02-04"),
        ("2025-04-04", "2025-04-06"),
        ("2025-05-01", "2025-05-05"),
        ("2025-05-31", "2025-06-02"),
        ("2025-10-01", "2025-10-08"),
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ];
    let work = [
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ];
    for (first, last) in off {
        for day in date(first).iter_days().take_while(|d| *d <= date(last)) {
            assert!(!cal.is_working_day(day).unwrap(), "{day} should be off");
        }
    }
    for day in work {
        assert!(cal.is_working_day(date(day)).unwrap(), "{day} should be a make-up day");
        assert_eq!(cal.intervals_on(date(day)).unwrap().len(), 2, "{day} has normal hours");
    }
    // Counted independently from the table: 261 weekdays − 18 holiday weekdays + 5 make-up days.
    for (year, working_days) in [(2025, 248), (2026, 248)] {
        let first = date(&format!("{year}-01-01"));
        let count = first
            .iter_days()
            .take_while(|d| *d <= date(&format!("{year}-12-31")))
            .filter(|d| cal.is_working_day(*d).unwrap())
            .count();
        assert_eq!(count, working_days, "{year}");
    }
}
