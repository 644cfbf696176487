//! Counted time: the one place that decides whether a clock measures business time (working units,
//! via gridflow-calendar) or natural time (minutes, 24×7). Every other module goes through here so
//! the two measures can never be mixed within one clock.

use chrono::{DateTime, TimeDelta, Utc};
use gridflow_calendar::{Calendar, CalendarError, Pause, natural_between};

use crate::clock::LimitUnit;

/// Counted time in `[a, b)` minus `pauses`; zero when `b <= a`.
pub(crate) fn counted(
    cal: &Calendar,
    unit: LimitUnit,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
    pauses: &[Pause],
) -> Result<TimeDelta, CalendarError> {
    match unit {
        LimitUnit::Minutes => natural_between(a, b, pauses),
        LimitUnit::WorkingHours | LimitUnit::WorkingDays => cal.business_between(a, b, pauses),
    }
}

/// The earliest instant `t >= from` with `counted(from, t) == by` (no pauses after `from`).
pub(crate) fn advance(
    cal: &Calendar,
    unit: LimitUnit,
    from: DateTime<Utc>,
    by: TimeDelta,
) -> Result<DateTime<Utc>, CalendarError> {
    match unit {
        LimitUnit::Minutes => from.checked_add_signed(by).ok_or(CalendarError::OutOfRange),
        LimitUnit::WorkingHours | LimitUnit::WorkingDays => cal.add_business(from, by),
    }
}

/// The earliest instant at which `target` counted time has elapsed since `start`, skipping
/// `pauses` (closed, in order, not overlapping, none before `start` — as a clock records them).
/// Walks the gaps between pauses because the calendar's own pause-aware search is private.
pub(crate) fn earliest_reaching(
    cal: &Calendar,
    unit: LimitUnit,
    start: DateTime<Utc>,
    pauses: &[Pause],
    target: TimeDelta,
) -> Result<DateTime<Utc>, CalendarError> {
    let mut cursor = start;
    let mut left = target;
    for &(pause_start, pause_end) in pauses {
        if pause_start > cursor {
            let gap = counted(cal, unit, cursor, pause_start, &[])?;
            // `>=`: a target used up exactly at a gap's end is reached there, not after the pause.
            if gap >= left {
                return advance(cal, unit, cursor, left);
            }
            left -= gap;
        }
        cursor = cursor.max(pause_end);
    }
    advance(cal, unit, cursor, left)
}

/// Nanoseconds of a duration, without the overflow `num_nanoseconds` has past ±292 years.
pub(crate) fn nanos(delta: TimeDelta) -> i128 {
    i128::from(delta.num_seconds()) * 1_000_000_000 + i128::from(delta.subsec_nanos())
}

/// `ceil(total × percent / 100)` exactly, so the instant a threshold is reached is never a
/// nanosecond early (which would show the light one step too soon).
pub(crate) fn percent_of(total: TimeDelta, percent: u16) -> TimeDelta {
    let scaled = nanos(total) * i128::from(percent);
    let ceil = scaled.div_euclid(100) + i128::from(scaled.rem_euclid(100) != 0);
    let seconds = ceil.div_euclid(1_000_000_000);
    let sub = ceil.rem_euclid(1_000_000_000);
    // Totals come from calendar arithmetic (well inside ±292 years), so these casts cannot truncate.
    TimeDelta::new(seconds as i64, sub as u32).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_up_to_the_nanosecond() {
        assert_eq!(percent_of(TimeDelta::hours(5), 80), TimeDelta::hours(4));
        assert_eq!(percent_of(TimeDelta::seconds(3), 50), TimeDelta::milliseconds(1500));
        assert_eq!(percent_of(TimeDelta::nanoseconds(3), 50), TimeDelta::nanoseconds(2));
        assert_eq!(percent_of(TimeDelta::seconds(10), 150), TimeDelta::seconds(15));
    }
}
