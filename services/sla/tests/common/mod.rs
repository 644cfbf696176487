//! Helpers shared by the integration tests: parse literal instants, load the shipped calendar.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use gridflow_calendar::{CN_DEFAULT, Calendar, CalendarSet, builtin};

/// A local time in Asia/Shanghai (always +08:00), e.g. `sh("2026-02-13 16:00")` or with seconds.
pub fn sh(text: &str) -> DateTime<Utc> {
    let (date, time) = text.split_once(' ').unwrap();
    let seconds = if time.len() == 5 { ":00" } else { "" };
    DateTime::parse_from_rfc3339(&format!("{date}T{time}{seconds}+08:00")).unwrap().with_timezone(&Utc)
}

/// The shipped city default calendar `cn-default`.
pub fn cn() -> Calendar {
    CalendarSet::new(builtin()).unwrap().get(CN_DEFAULT).unwrap().clone()
}
