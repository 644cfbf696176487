//! Calendars shipped with the crate. Data, not code: each year's State Council notice (published
//! each November) is added to `data/cn-default.json` as a new version, never by editing a version
//! that clocks may already have recorded.

use crate::calendar::Calendar;
use crate::error::CalendarError;

/// Code of the city default calendar.
pub const CN_DEFAULT: &str = "cn-default";

/// The JSON source of `cn-default` (Asia/Shanghai, 08:30–12:00 and 14:00–17:30 Monday–Friday, the
/// 2025 and 2026 holidays and make-up days), for export or as a template for a unit's own calendar.
pub const CN_DEFAULT_JSON: &str = include_str!("../data/cn-default.json");

/// Code of the extended-hours calendar for frontline units (sanitation, enforcement): 07:00–21:00
/// every day, holidays included, so a Saturday report to them is not left waiting for Monday.
pub const CN_EXTENDED: &str = "cn-extended";

pub const CN_EXTENDED_JSON: &str = include_str!("../data/cn-extended.json");

/// The built-in calendars, validated. Fails only if the embedded data were broken, which this
/// crate's tests rule out.
pub fn try_builtin() -> Result<Vec<Calendar>, CalendarError> {
    Ok(vec![Calendar::from_json(CN_DEFAULT_JSON)?, Calendar::from_json(CN_EXTENDED_JSON)?])
}

/// The built-in calendars (`cn-default`, `cn-extended`). The embedded JSON is checked by this crate's tests, so the
/// list is never short in practice; if it were, the calendar would be missing rather than wrong
/// (callers look calendars up by code and must handle "not found" anyway). Use [`try_builtin`] to
/// see the error instead.
pub fn builtin() -> Vec<Calendar> {
    try_builtin().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_calendar_is_valid() {
        let calendars = try_builtin().unwrap();
        assert_eq!(calendars.len(), 2);
        assert_eq!(builtin(), calendars);
        assert_eq!(calendars[0].code(), CN_DEFAULT);
        assert_eq!(calendars[0].time_zone(), chrono_tz::Asia::Shanghai);
        assert_eq!(calendars[1].code(), CN_EXTENDED);
        // 2026-02-17 is Spring Festival: off on the city calendar, a working day for frontline crews.
        let festival = chrono::NaiveDate::from_ymd_opt(2026, 2, 17).unwrap();
        assert!(!calendars[0].is_working_day(festival).unwrap());
        assert!(calendars[1].is_working_day(festival).unwrap());
    }
}
