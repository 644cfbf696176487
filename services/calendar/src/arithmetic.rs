//! Working-time arithmetic on a [`Calendar`]: due instants, elapsed business time, pauses.
//! The rules are stated once, in the crate documentation; comments here say how code follows them.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::error::CalendarError;
use crate::model::Interval;
use crate::segments::{Cursor, MAX_IDLE_DAYS, Measure, Pieces, merge_pauses};
use crate::zone;

/// A pause `[start, end)` of a clock (e.g. the case was suspended 挂起).
pub type Pause = (DateTime<Utc>, DateTime<Utc>);

/// The unit of a time limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Natural minutes, 24×7, ignoring the calendar (emergencies).
    Minutes,
    /// Business minutes (working time only).
    WorkingMinutes,
    /// Business hours 工作时 (working time only).
    WorkingHours,
    /// Working days 工作日: the same local time on the N-th following working day.
    WorkingDays,
}

impl Unit {
    /// What a clock in this unit counts, for pauses and elapsed time.
    fn measure(self) -> Measure {
        match self {
            Self::Minutes => Measure::Natural,
            Self::WorkingMinutes | Self::WorkingHours | Self::WorkingDays => Measure::Business,
        }
    }
}

impl Calendar {
    /// The due instant of a limit of `amount` `unit`s starting at `start`. `amount == 0` is due at
    /// `start` in every unit.
    pub fn add(&self, start: DateTime<Utc>, amount: u32, unit: Unit) -> Result<DateTime<Utc>, CalendarError> {
        let amount = i64::from(amount);
        match unit {
            Unit::Minutes => start.checked_add_signed(TimeDelta::minutes(amount)).ok_or(CalendarError::OutOfRange),
            Unit::WorkingMinutes => self.add_business(start, TimeDelta::minutes(amount)),
            Unit::WorkingHours => self.add_business(start, TimeDelta::hours(amount)),
            Unit::WorkingDays => self.add_working_days(start, amount),
        }
    }

    /// The earliest instant `t >= start` with `business_between(start, t) == business`, exact to the
    /// nanosecond. Ends on an interval end rather than the next interval's start (12:00, not 14:00).
    pub fn add_business(&self, start: DateTime<Utc>, business: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        if business < TimeDelta::zero() {
            return Err(CalendarError::NegativeDuration(business));
        }
        let mut pieces = Pieces::new(self, Measure::Business, start, Vec::new())?;
        consume(&mut pieces, start, business)
    }

    /// Like [`Calendar::add`] for a clock that was paused: the due instant moves later by exactly the
    /// counted time (business time, or natural time for [`Unit::Minutes`]) that the pauses removed
    /// before the unpaused due instant, itself counted outside pauses from that instant on.
    /// Without pauses (or with pauses that cover no counted time) the result equals [`Calendar::add`].
    pub fn add_with_pauses(
        &self,
        start: DateTime<Utc>,
        amount: u32,
        unit: Unit,
        pauses: &[Pause],
    ) -> Result<DateTime<Utc>, CalendarError> {
        let pauses = merge_pauses(pauses)?;
        let unpaused_due = self.add(start, amount, unit)?;
        let measure = unit.measure();
        // Working-day limits become the business time they span from `start`; extending from the
        // unpaused due (not re-counting from `start`) keeps the no-pause result identical to `add`.
        let paused = self.counted_between(measure, start, unpaused_due, Vec::new())?
            - self.counted_between(measure, start, unpaused_due, pauses.clone())?;
        let mut pieces = Pieces::new(self, measure, unpaused_due, pauses)?;
        consume(&mut pieces, unpaused_due, paused)
    }

    /// Business time in `[a, b)` minus the pauses (which may overlap each other, holidays, or lie
    /// partly outside `[a, b)`). Zero when `b <= a`.
    pub fn business_between(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
        pauses: &[Pause],
    ) -> Result<TimeDelta, CalendarError> {
        self.counted_between(Measure::Business, a, b, merge_pauses(pauses)?)
    }

    /// Whether `instant` lies inside a working interval (`[start, end)`: 12:00 is not in 08:30–12:00).
    pub fn is_working_instant(&self, instant: DateTime<Utc>) -> Result<bool, CalendarError> {
        Ok(self.next_working_instant(instant)? == instant)
    }

    /// `instant` itself when it is working, else the start of the next working interval.
    pub fn next_working_instant(&self, instant: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        Ok(Cursor::new(self, instant)?.next_segment()?.start)
    }

    fn counted_between(
        &self,
        measure: Measure,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
        pauses: Vec<Pause>,
    ) -> Result<TimeDelta, CalendarError> {
        let mut total = TimeDelta::zero();
        if b <= a {
            return Ok(total);
        }
        let mut pieces = Pieces::new(self, measure, a, pauses)?;
        loop {
            let (start, end) = pieces.next_piece()?;
            if start >= b {
                return Ok(total);
            }
            total += end.min(b) - start;
            if end >= b {
                return Ok(total);
            }
        }
    }

    /// Working days: anchor at the first working instant at or after `start`; find the `days`-th
    /// working day after the anchor's day; take the anchor's local time of day there, clamped into
    /// that day's working intervals (see crate docs).
    fn add_working_days(&self, start: DateTime<Utc>, days: i64) -> Result<DateTime<Utc>, CalendarError> {
        if days == 0 {
            return Ok(start);
        }
        let anchor = Cursor::new(self, start)?.next_segment()?;
        let time_of_day = zone::local(self.time_zone(), anchor.start) - zone::midnight(anchor.date);
        let mut date = anchor.date;
        let (mut counted, mut idle) = (0, 0);
        while counted < days {
            date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if self.is_working_day(date)? {
                counted += 1;
                idle = 0;
            } else {
                idle += 1;
                if idle > MAX_IDLE_DAYS {
                    return Err(CalendarError::NoWorkingTime { code: self.code().to_owned(), after: start });
                }
            }
        }
        let offset = clamp_into(time_of_day, self.intervals_on(date)?);
        let wall = zone::midnight(date).checked_add_signed(offset).ok_or(CalendarError::OutOfRange)?;
        zone::resolve(self.time_zone(), wall)
    }
}

/// Natural time in `[a, b)` minus pauses; zero when `b <= a`. Calendar-free, for 24×7 clocks.
pub fn natural_between(a: DateTime<Utc>, b: DateTime<Utc>, pauses: &[Pause]) -> Result<TimeDelta, CalendarError> {
    let mut total = if b > a { b - a } else { return Ok(TimeDelta::zero()) };
    for (start, end) in merge_pauses(pauses)? {
        let (start, end) = (start.max(a), end.min(b));
        if end > start {
            total -= end - start;
        }
    }
    Ok(total)
}

/// The earliest instant from `from` at which `budget` of counted time has elapsed.
fn consume(pieces: &mut Pieces<'_>, from: DateTime<Utc>, budget: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
    if budget <= TimeDelta::zero() {
        return Ok(from);
    }
    let mut left = budget;
    loop {
        let (start, end) = pieces.next_piece()?;
        let length = end - start;
        // `>=`: a budget that runs out exactly at an interval end is due at that end.
        if length >= left {
            return start.checked_add_signed(left).ok_or(CalendarError::OutOfRange);
        }
        left -= length;
    }
}

/// Clamps a local time-of-day offset into a day's intervals: before the first interval → its start;
/// inside an interval → unchanged; in a break or after the last interval → the end of the interval
/// before it. I.e. the earliest time of that day with the same amount of the day's work done.
fn clamp_into(offset: TimeDelta, intervals: &[Interval]) -> TimeDelta {
    let seconds = |t: crate::model::TimeOfDay| TimeDelta::seconds(i64::from(t.seconds()));
    let mut clamped = intervals.first().map_or(offset, |first| seconds(first.start));
    for interval in intervals {
        if offset < seconds(interval.start) {
            break;
        }
        if offset < seconds(interval.end) {
            return offset;
        }
        clamped = seconds(interval.end);
    }
    clamped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimeOfDay;

    fn iv(start: &str, end: &str) -> Interval {
        Interval::new(start.parse::<TimeOfDay>().unwrap(), end.parse::<TimeOfDay>().unwrap())
    }

    #[test]
    fn clamp_rules() {
        let day = [iv("08:30", "12:00"), iv("14:00", "17:30")];
        let at = |h: i64, m: i64| TimeDelta::hours(h) + TimeDelta::minutes(m);
        assert_eq!(clamp_into(at(7, 0), &day), at(8, 30));
        assert_eq!(clamp_into(at(8, 30), &day), at(8, 30));
        assert_eq!(clamp_into(at(11, 59), &day), at(11, 59));
        assert_eq!(clamp_into(at(12, 0), &day), at(12, 0));
        assert_eq!(clamp_into(at(13, 0), &day), at(12, 0));
        assert_eq!(clamp_into(at(14, 0), &day), at(14, 0));
        assert_eq!(clamp_into(at(18, 0), &day), at(17, 30));
    }
}
