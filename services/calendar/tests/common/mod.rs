//! Helpers shared by the integration tests. Expected values in tests are literal RFC 3339 strings;
//! these helpers only parse them (with chrono, not with the code under test).
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use gridflow_calendar::{CN_DEFAULT, Calendar, CalendarSet, builtin};

/// An instant from RFC 3339, e.g. `2026-02-13T16:00:00+08:00`.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// A local time in Asia/Shanghai (always +08:00), e.g. `sh("2026-02-13 16:00")`.
pub fn sh(text: &str) -> DateTime<Utc> {
    let (date, time) = text.split_once(' ').unwrap();
    let seconds = if time.len() == 5 { ":00" } else { "" };
    at(&format!("{date}T{time}{seconds}+08:00"))
}

pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

pub fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

pub fn minutes(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

/// The shipped city default calendar.
pub fn cn() -> Calendar {
    let set = CalendarSet::new(builtin()).unwrap();
    set.get(CN_DEFAULT).unwrap().clone()
}

/// Builds a calendar from JSON, panicking with the validation message if it is invalid.
pub fn calendar(json: &str) -> Calendar {
    Calendar::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}
