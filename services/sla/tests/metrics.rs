//! Metrics formulas on a small hand-computed dataset (DOMAIN.md §6), including zero denominators.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Utc};
use common::sh;
use gridflow_sla::{ClockRecord, Dimension, Period, Stage, Summary, summarise};

fn record(case: &str, unit: &str, street: &str, due: &str, stopped: Option<&str>) -> ClockRecord {
    let due_at = sh(due);
    ClockRecord {
        case_id: case.into(),
        stage: Stage::Handle,
        unit: unit.into(),
        street: street.into(),
        grid: format!("{street}-01"),
        category: "0102".into(),
        started_at: due_at - chrono::TimeDelta::days(1),
        due_at,
        stopped_at: stopped.map(sh),
        late_seconds: None,
        extensions: 0,
        reworks: 0,
        suspended: false,
    }
}

fn march() -> Period {
    Period { from: sh("2026-03-01 00:00"), to: sh("2026-04-01 00:00") }
}

fn dataset() -> Vec<ClockRecord> {
    let s = "sanitation";
    vec![
        record("r1", s, "east", "2026-03-05 17:30", Some("2026-03-04 10:00")),
        ClockRecord {
            late_seconds: Some(3600),
            extensions: 1,
            ..record("r2", s, "east", "2026-03-10 17:30", Some("2026-03-11 10:00"))
        },
        ClockRecord { reworks: 2, ..record("r3", s, "west", "2026-03-12 17:30", None) },
        ClockRecord { suspended: true, extensions: 3, ..record("r4", s, "west", "2026-03-20 17:30", None) },
        ClockRecord { reworks: 1, ..record("r5", s, "east", "2026-03-25 12:00", Some("2026-03-25 12:00")) },
        record("r6", s, "east", "2026-04-02 12:00", Some("2026-03-30 12:00")),
        record("r7", s, "west", "2026-03-28 12:00", Some("2026-04-03 12:00")),
        record("r8", s, "east", "2026-03-15 12:00", Some("2026-03-15 13:30")),
        ClockRecord { suspended: true, ..record("r9", "water", "east", "2026-03-03 12:00", None) },
    ]
}

fn at(text: &str) -> DateTime<Utc> {
    sh(text)
}

#[test]
fn per_unit_formulas() {
    let summaries = summarise(&dataset(), Dimension::Unit, march(), at("2026-04-10 09:00"));
    assert_eq!(summaries.len(), 2);
    // sanitation: due r1 r2 r3 r4 r5 r7 r8 = 7 (r6 is due in April); r4 deferred → denominator 6.
    // Closed before April: r1 r2 r5 r8; on time r1, r5 (stopped exactly at due); r7 closed after the
    // period, so open for March; overdue open r3, r7. Breach: r2 recorded 3600 s + r8 natural 90 min.
    let sanitation = &summaries[0];
    let expected = Summary {
        key: "sanitation".into(),
        due: 7,
        deferred: 1,
        closed: 4,
        on_time: 2,
        overdue_open: 2,
        extended: 1,
        reworked: 2,
        breach_seconds: 3600 + 5400,
        breach_minutes: 150,
        on_time_rate: Some(2.0 / 6.0),
        closure_rate: Some(4.0 / 6.0),
        extension_rate: Some(1.0 / 6.0),
        rework_rate: Some(2.0 / 6.0),
    };
    assert_eq!(sanitation, &expected);
    // water: its only record is deferred → every denominator is 0 → no rates, never NaN.
    let water = &summaries[1];
    assert_eq!((water.key.as_str(), water.due, water.deferred, water.closed), ("water", 1, 1, 0));
    assert_eq!(
        (water.on_time_rate, water.closure_rate, water.extension_rate, water.rework_rate),
        (None, None, None, None)
    );
    let json = serde_json::to_value(water).unwrap();
    assert!(json["on_time_rate"].is_null());
}

#[test]
fn grouping_by_street_and_deadlines_not_yet_reached() {
    // Mid-March: only deadlines already passed count; r5 (due 03-25), r7, r8 … are not yet due.
    let summaries = summarise(&dataset(), Dimension::Street, march(), at("2026-03-12 17:30"));
    let keys: Vec<&str> = summaries.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["east", "west"]);
    // east: r1 (on time), r2 (late), r9 (deferred) → due 3, denominator 2.
    assert_eq!((summaries[0].due, summaries[0].on_time, summaries[0].closed), (3, 1, 2));
    assert_eq!(summaries[0].on_time_rate, Some(0.5));
    // west: r3 due exactly now, still open → overdue.
    assert_eq!((summaries[1].due, summaries[1].overdue_open, summaries[1].on_time_rate), (1, 1, Some(0.0)));
    assert!(summarise(&dataset(), Dimension::Grid, march(), at("2026-03-01 00:00")).is_empty());
}

#[test]
fn breached_is_derived_from_the_record() {
    let now = at("2026-03-30 00:00");
    let data = dataset();
    let breached: Vec<&str> = data.iter().filter(|r| r.breached(now)).map(|r| r.case_id.as_str()).collect();
    assert_eq!(breached, ["r2", "r3", "r7", "r8"]);
}

#[test]
fn records_deserialise_with_defaults() {
    let json = r#"{"case_id": "c1", "stage": "verify", "unit": "u", "street": "s", "grid": "g", "category": "0104",
        "started_at": "2026-03-02T00:30:00Z", "due_at": "2026-03-02T07:00:00Z", "stopped_at": null}"#;
    let record: ClockRecord = serde_json::from_str(json).unwrap();
    assert_eq!(
        (record.stage, record.extensions, record.suspended, record.late_seconds),
        (Stage::Verify, 0, false, None)
    );
}

#[test]
fn per_day_and_month_of_the_deadline_in_city_time() {
    // `sh` reads Beijing time: a deadline at 00:30 on 2026-03-06 is still 2026-03-05 in UTC.
    let records = vec![
        record("a", "s", "east", "2026-03-06 00:30", Some("2026-03-05 23:00")),
        record("b", "s", "east", "2026-03-06 17:00", None),
        record("c", "s", "east", "2026-03-07 09:00", Some("2026-03-07 10:00")),
    ];
    let now = at("2026-04-10 09:00");
    let days = summarise(&records, Dimension::Day, march(), now);
    let keys: Vec<(&str, u64, u64)> = days.iter().map(|s| (s.key.as_str(), s.due, s.on_time)).collect();
    assert_eq!(keys, [("2026-03-06", 2, 1), ("2026-03-07", 1, 0)]);
    let months = summarise(&records, Dimension::Month, march(), now);
    assert_eq!(months.iter().map(|s| (s.key.as_str(), s.due)).collect::<Vec<_>>(), [("2026-03", 3)]);
}
