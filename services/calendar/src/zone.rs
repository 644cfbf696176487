//! Local wall-clock time ↔ instants, with one fixed rule for DST gaps and overlaps.
//!
//! Rule (see the crate docs): an ambiguous local time (clocks turned back, the hour happens twice)
//! means its *earlier* occurrence; a nonexistent local time (clocks turned forward) means the instant
//! the gap ends, i.e. the first instant at which the clock reads a later time. Both choices keep the
//! local → instant mapping non-decreasing, so a working interval can never come out inverted and an
//! interval lying wholly inside a gap simply has no length.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::CalendarError;
use crate::model::TimeOfDay;

/// Wall-clock time of an instant in `tz`.
pub(crate) fn local(tz: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    tz.from_utc_datetime(&instant.naive_utc()).naive_local()
}

/// Local midnight starting `date` (as a wall-clock reading, not yet an instant).
pub(crate) fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_time(chrono::NaiveTime::MIN)
}

/// The instant of `date` at `time` local time (`24:00` is the next day's midnight).
pub(crate) fn instant_of(tz: Tz, date: NaiveDate, time: TimeOfDay) -> Result<DateTime<Utc>, CalendarError> {
    let wall = midnight(date)
        .checked_add_signed(TimeDelta::seconds(i64::from(time.seconds())))
        .ok_or(CalendarError::OutOfRange)?;
    resolve(tz, wall)
}

/// The instant a wall-clock reading denotes, by the module's gap/overlap rule.
pub(crate) fn resolve(tz: Tz, wall: NaiveDateTime) -> Result<DateTime<Utc>, CalendarError> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => Ok(first.min(second).with_timezone(&Utc)),
        LocalResult::None => gap_end(tz, wall),
    }
}

/// First instant whose wall-clock reading is after `wall`, which lies in a DST gap.
///
/// Found by bisection on whole seconds (zone transitions happen on whole seconds). The window is
/// ±15 h around `wall` read as UTC: UTC offsets lie within −12 h…+14 h, so the wall clock reads
/// before `wall` at the low end and after it at the high end.
fn gap_end(tz: Tz, wall: NaiveDateTime) -> Result<DateTime<Utc>, CalendarError> {
    let guess = wall.and_utc().timestamp();
    let (mut low, mut high) = (guess - 15 * 3600, guess + 15 * 3600);
    let reads_after = |seconds: i64| -> Result<bool, CalendarError> {
        let instant = DateTime::from_timestamp(seconds, 0).ok_or(CalendarError::OutOfRange)?;
        Ok(local(tz, instant) > wall)
    };
    // Invariant: the clock reads at or before `wall` at `low` and after it at `high`.
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if reads_after(middle)? {
            high = middle;
        } else {
            low = middle;
        }
    }
    DateTime::from_timestamp(high, 0).ok_or(CalendarError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn unambiguous_time() {
        let at = resolve(chrono_tz::Asia::Shanghai, wall("2026-02-13 16:00:00")).unwrap();
        assert_eq!(at, utc("2026-02-13T08:00:00Z"));
    }

    #[test]
    fn gap_resolves_to_its_end() {
        // Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let tz = chrono_tz::Europe::Berlin;
        assert_eq!(resolve(tz, wall("2026-03-29 02:00:00")).unwrap(), utc("2026-03-29T01:00:00Z"));
        assert_eq!(resolve(tz, wall("2026-03-29 02:30:00")).unwrap(), utc("2026-03-29T01:00:00Z"));
        assert_eq!(resolve(tz, wall("2026-03-29 02:59:59")).unwrap(), utc("2026-03-29T01:00:00Z"));
        assert_eq!(resolve(tz, wall("2026-03-29 01:59:59")).unwrap(), utc("2026-03-29T00:59:59Z"));
        assert_eq!(resolve(tz, wall("2026-03-29 03:00:00")).unwrap(), utc("2026-03-29T01:00:00Z"));
        // New York 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
        let ny = chrono_tz::America::New_York;
        assert_eq!(resolve(ny, wall("2026-03-08 02:15:00")).unwrap(), utc("2026-03-08T07:00:00Z"));
    }

    #[test]
    fn overlap_takes_the_earlier_instant() {
        // Berlin 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
        let tz = chrono_tz::Europe::Berlin;
        assert_eq!(resolve(tz, wall("2026-10-25 02:30:00")).unwrap(), utc("2026-10-25T00:30:00Z"));
        assert_eq!(resolve(tz, wall("2026-10-25 03:00:00")).unwrap(), utc("2026-10-25T02:00:00Z"));
    }

    #[test]
    fn end_of_day_is_next_midnight() {
        let date = NaiveDate::from_ymd_opt(2026, 2, 13).unwrap();
        let at = instant_of(chrono_tz::Asia::Shanghai, date, TimeOfDay::END_OF_DAY).unwrap();
        assert_eq!(at, utc("2026-02-13T16:00:00Z"));
    }
}
