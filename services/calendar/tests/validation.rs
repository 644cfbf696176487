//! Every validation rule, each with a calendar that breaks exactly that rule.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use gridflow_calendar::{Calendar, CalendarError, Location, ValidationError};
use serde_json::{Value, json};

fn valid() -> Value {
    json!({
        "code": "test",
        "time_zone": "Asia/Shanghai",
        "versions": [
            {"effective_from": "2026-01-01",
             "weekly": {"mon": [["08:30", "12:00"], ["14:00", "17:30"]], "fri": [["08:30", "12:00"], ["14:00", "17:30"]]},
             "overrides": [{"date": "2026-01-01", "kind": "off", "source": "notice"}]},
            {"effective_from": "2026-07-01",
             "weekly": {"mon": [["09:00", "17:00"]]}}
        ]
    })
}

fn problem(spec: Value) -> ValidationError {
    match Calendar::from_json(&spec.to_string()) {
        Err(CalendarError::Invalid { problem, .. }) => problem,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn valid_base_is_accepted() {
    assert!(Calendar::from_json(&valid().to_string()).is_ok());
}

#[test]
fn code_zone_and_versions() {
    let mut spec = valid();
    spec["code"] = json!("");
    assert_eq!(problem(spec), ValidationError::BadCode);

    let mut spec = valid();
    spec["time_zone"] = json!("Asia/Beijing");
    assert_eq!(problem(spec), ValidationError::UnknownTimeZone("Asia/Beijing".to_owned()));

    let mut spec = valid();
    spec["versions"] = json!([]);
    assert_eq!(problem(spec), ValidationError::NoVersions);

    let mut spec = valid();
    spec["versions"][1]["effective_from"] = json!("2025-07-01");
    assert_eq!(
        problem(spec),
        ValidationError::VersionsOutOfOrder { previous: day("2026-01-01"), next: day("2025-07-01") }
    );

    let mut spec = valid();
    spec["versions"][1]["effective_from"] = json!("2026-01-01");
    assert!(matches!(problem(spec), ValidationError::VersionsOutOfOrder { .. }));

    let mut spec = valid();
    spec["versions"][1]["weekly"] = json!({});
    assert_eq!(problem(spec), ValidationError::NoWorkingTime { effective_from: day("2026-07-01") });
}

#[test]
fn intervals() {
    let at = Location::Weekly { effective_from: day("2026-01-01"), weekday: chrono::Weekday::Mon };
    let cases = [
        (json!([["12:00", "08:30"]]), "ends at or before its start"),
        (json!([["08:30", "08:30"]]), "ends at or before its start"),
        (json!([["14:00", "17:30"], ["08:30", "12:00"]]), "not sorted"),
        (json!([["08:30", "12:00"], ["11:00", "17:30"]]), "overlap"),
        (json!([["08:30", "12:00"], ["08:30", "17:30"]]), "overlap"),
    ];
    for (intervals, message) in cases {
        let mut spec = valid();
        spec["versions"][0]["weekly"]["mon"] = intervals.clone();
        let problem = problem(spec);
        match &problem {
            ValidationError::EmptyInterval { at: where_, .. }
            | ValidationError::UnsortedIntervals { at: where_, .. }
            | ValidationError::OverlappingIntervals { at: where_, .. } => assert_eq!(where_, &at),
            other => panic!("{intervals}: unexpected {other:?}"),
        }
        let text = problem.to_string();
        assert!(text.contains(message) && text.contains("version 2026-01-01, weekly template Mon"), "{text}");
    }
    // Touching intervals are fine.
    let mut spec = valid();
    spec["versions"][0]["weekly"]["mon"] = json!([["08:30", "12:00"], ["12:00", "13:00"]]);
    assert!(Calendar::from_json(&spec.to_string()).is_ok());
}

#[test]
fn malformed_json_is_a_json_error() {
    for (pointer, value) in [
        ("/versions/0/weekly/mon", json!([["8:30", "12:00"]])),
        ("/versions/0/weekly/mon", json!([["08:30", "24:30"]])),
        ("/versions/0/weekly/mon", json!([["08:30"]])),
        ("/versions/0/effective_from", json!("2026-13-01")),
        ("/versions/0/overrides/0/kind", json!("holiday")),
    ] {
        let mut spec = valid();
        *spec.pointer_mut(pointer).unwrap() = value;
        assert!(matches!(Calendar::from_json(&spec.to_string()), Err(CalendarError::Json(_))), "{pointer}");
    }
    let mut spec = valid();
    spec["versions"][0]["overides"] = json!([]);
    assert!(matches!(Calendar::from_json(&spec.to_string()), Err(CalendarError::Json(_))));
    // Deserialising a Calendar directly validates as well.
    let mut spec = valid();
    spec["time_zone"] = json!("Mars/Olympus");
    assert!(serde_json::from_value::<Calendar>(spec).unwrap_err().to_string().contains("Mars/Olympus"));
}

fn override_problem(entry: Value) -> ValidationError {
    let mut spec = valid();
    spec["versions"][0]["overrides"].as_array_mut().unwrap().push(entry);
    problem(spec)
}

#[test]
fn overrides() {
    let at = |date: &str| Location::Override { effective_from: day("2026-01-01"), date: day(date) };
    assert_eq!(
        override_problem(json!({"date": "2026-01-01", "kind": "work", "source": "again"})),
        ValidationError::DuplicateDate { effective_from: day("2026-01-01"), date: day("2026-01-01") }
    );
    assert_eq!(
        override_problem(json!({"date": "2025-12-30", "through": "2026-01-02", "kind": "off", "source": "n"})),
        ValidationError::OutsideVersion {
            at: at("2025-12-30"),
            effective_from: day("2026-01-01"),
            next: Some(day("2026-07-01"))
        }
    );
    // Ranges are expanded to dates: 01-01 is already taken by the base calendar.
    assert_eq!(
        override_problem(json!({"date": "2025-12-31", "through": "2026-01-03", "kind": "off", "source": "n"})),
        ValidationError::OutsideVersion {
            at: at("2025-12-31"),
            effective_from: day("2026-01-01"),
            next: Some(day("2026-07-01"))
        }
    );
    let mut spec = valid();
    spec["versions"][0]["overrides"] = json!([
        {"date": "2026-02-01", "through": "2026-02-05", "kind": "off", "source": "n"},
        {"date": "2026-02-04", "kind": "work", "source": "n"}
    ]);
    assert_eq!(
        problem(spec),
        ValidationError::DuplicateDate { effective_from: day("2026-01-01"), date: day("2026-02-04") }
    );
    assert_eq!(
        override_problem(json!({"date": "2026-06-29", "through": "2026-07-01", "kind": "off", "source": "n"})),
        ValidationError::OutsideVersion {
            at: at("2026-06-29"),
            effective_from: day("2026-01-01"),
            next: Some(day("2026-07-01"))
        }
    );
    assert_eq!(
        override_problem(json!({"date": "2026-02-05", "through": "2026-02-03", "kind": "off", "source": "n"})),
        ValidationError::BadRange { at: at("2026-02-05"), through: day("2026-02-03") }
    );
    assert_eq!(
        override_problem(json!({"date": "2026-02-05", "kind": "off", "source": "  "})),
        ValidationError::MissingSource { at: at("2026-02-05") }
    );
    assert_eq!(
        override_problem(
            json!({"date": "2026-02-05", "kind": "off", "intervals": [["08:30", "12:00"]], "source": "n"})
        ),
        ValidationError::OffWithHours { at: at("2026-02-05") }
    );
    assert_eq!(
        override_problem(json!({"date": "2026-02-05", "kind": "short", "source": "n"})),
        ValidationError::ShortWithoutIntervals { at: at("2026-02-05") }
    );
    assert_eq!(
        override_problem(json!({"date": "2026-02-05", "kind": "short", "intervals": [], "source": "n"})),
        ValidationError::ShortWithoutIntervals { at: at("2026-02-05") }
    );
    assert_eq!(
        override_problem(
            json!({"date": "2026-02-07", "kind": "work", "intervals": [["08:30", "12:00"]], "as_weekday": "mon", "source": "n"})
        ),
        ValidationError::WorkWithBoth { at: at("2026-02-07") }
    );
    assert_eq!(
        override_problem(json!({"date": "2026-02-07", "kind": "work", "intervals": [], "source": "n"})),
        ValidationError::WorkWithoutHours { at: at("2026-02-07") }
    );
    assert_eq!(
        override_problem(json!({"date": "2026-02-07", "kind": "work", "as_weekday": "tue", "source": "n"})),
        ValidationError::AsWeekdayOff { at: at("2026-02-07"), weekday: chrono::Weekday::Tue }
    );
    assert!(matches!(
        override_problem(
            json!({"date": "2026-02-07", "kind": "short", "intervals": [["12:00", "09:00"]], "source": "n"})
        ),
        ValidationError::EmptyInterval { .. }
    ));
    // Same date in two versions is fine: each lies within its own version.
    let mut spec = valid();
    spec["versions"][1]["overrides"] = json!([{"date": "2026-07-01", "kind": "off", "source": "n"}]);
    assert!(Calendar::from_json(&spec.to_string()).is_ok());
}

#[test]
fn error_messages_name_the_calendar_and_the_place() {
    let mut spec = valid();
    spec["versions"][0]["overrides"][0]["source"] = json!("");
    let message = Calendar::from_json(&spec.to_string()).unwrap_err().to_string();
    assert_eq!(message, "invalid calendar `test`: version 2026-01-01, override 2026-01-01: the override has no source");
}

#[test]
fn out_of_version_message_gives_the_range() {
    let mut spec = valid();
    spec["versions"][0]["overrides"] = json!([{"date": "2025-12-30", "kind": "off", "source": "n"}]);
    let message = Calendar::from_json(&spec.to_string()).unwrap_err().to_string();
    assert_eq!(
        message,
        "invalid calendar `test`: version 2026-01-01, override 2025-12-30: \
         the override lies outside the version's dates (2026-01-01 up to 2026-07-01, exclusive)"
    );
}
