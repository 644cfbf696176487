//! Walking time forward: the calendar's working segments as instants, and the "counted" pieces that
//! remain after pauses are cut out. All arithmetic is built on these two iterators.

use std::collections::VecDeque;

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::arithmetic::Pause;
use crate::calendar::Calendar;
use crate::error::CalendarError;
use crate::zone;

/// How many consecutive days without working time we scan before giving up. Validation guarantees
/// weekly working time, so only absurd data (years of overrides) could reach this; it turns an
/// endless search into an error.
pub(crate) const MAX_IDLE_DAYS: u32 = 3_660;

/// A working interval `[start, end)` as instants, tagged with the local date it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub date: NaiveDate,
}

impl Calendar {
    /// The working intervals of a local date as instants, without zero-length ones (an interval that
    /// fell wholly into a DST gap).
    pub(crate) fn segments_on(&self, date: NaiveDate) -> Result<Vec<Segment>, CalendarError> {
        let tz = self.time_zone();
        let mut segments = Vec::new();
        for interval in self.intervals_on(date)? {
            let start = zone::instant_of(tz, date, interval.start)?;
            let end = zone::instant_of(tz, date, interval.end)?;
            if end > start {
                segments.push(Segment { start, end, date });
            }
        }
        Ok(segments)
    }
}

/// Working segments from an instant onwards, the first one clipped to start there.
pub(crate) struct Cursor<'a> {
    calendar: &'a Calendar,
    from: DateTime<Utc>,
    next_date: NaiveDate,
    buffered: VecDeque<Segment>,
    /// The first date loaded is the day before `from`'s local date: its intervals can reach past
    /// local midnight (`24:00`, odd DST rules). If that day has no version, it is simply skipped.
    lenient: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(calendar: &'a Calendar, from: DateTime<Utc>) -> Result<Self, CalendarError> {
        let mut cursor = Self { calendar, from, next_date: NaiveDate::MIN, buffered: VecDeque::new(), lenient: true };
        cursor.seek(from)?;
        Ok(cursor)
    }

    /// Restart at `from` (used to jump over a long pause without visiting every day in it).
    pub(crate) fn seek(&mut self, from: DateTime<Utc>) -> Result<(), CalendarError> {
        let date = self.calendar.local_date(from);
        self.from = from;
        self.next_date = date.checked_sub_days(Days::new(1)).ok_or(CalendarError::OutOfRange)?;
        self.buffered.clear();
        self.lenient = true;
        Ok(())
    }

    /// The next segment ending after `from`. Calendars always have more working time, so this never
    /// runs out; it fails only on missing versions, range overflow or the idle-day guard.
    pub(crate) fn next_segment(&mut self) -> Result<Segment, CalendarError> {
        let mut idle_days = 0;
        loop {
            while let Some(segment) = self.buffered.pop_front() {
                if segment.end > self.from {
                    return Ok(Segment { start: segment.start.max(self.from), ..segment });
                }
            }
            if idle_days > MAX_IDLE_DAYS {
                return Err(CalendarError::NoWorkingTime { code: self.calendar.code().to_owned(), after: self.from });
            }
            let date = self.next_date;
            self.next_date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
            let segments = match self.calendar.segments_on(date) {
                Err(CalendarError::NoVersionInForce { .. }) if self.lenient => Vec::new(),
                other => other?,
            };
            self.lenient = false;
            if segments.is_empty() {
                idle_days += 1;
            }
            self.buffered.extend(segments);
        }
    }
}

/// What a clock counts: every second (natural time) or working seconds only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Measure {
    Natural,
    Business,
}

enum Base<'a> {
    /// Natural time: one endless piece starting at the held instant (taken once).
    Natural(Option<DateTime<Utc>>),
    Business(Cursor<'a>),
}

impl Base<'_> {
    fn next(&mut self) -> Result<(DateTime<Utc>, DateTime<Utc>), CalendarError> {
        match self {
            Self::Natural(start) => {
                let start = start.take().ok_or(CalendarError::OutOfRange)?;
                Ok((start, DateTime::<Utc>::MAX_UTC))
            }
            Self::Business(cursor) => cursor.next_segment().map(|s| (s.start, s.end)),
        }
    }

    fn seek(&mut self, from: DateTime<Utc>) -> Result<(), CalendarError> {
        match self {
            Self::Natural(start) => {
                *start = Some(from);
                Ok(())
            }
            Self::Business(cursor) => cursor.seek(from),
        }
    }
}

/// Sorts pauses and merges overlapping or touching ones; rejects a pause that ends before it starts.
pub(crate) fn merge_pauses(pauses: &[Pause]) -> Result<Vec<Pause>, CalendarError> {
    let mut sorted = Vec::with_capacity(pauses.len());
    for &(start, end) in pauses {
        if end < start {
            return Err(CalendarError::InvalidPause { start, end });
        }
        if end > start {
            sorted.push((start, end));
        }
    }
    sorted.sort();
    let mut merged: Vec<Pause> = Vec::with_capacity(sorted.len());
    for (start, end) in sorted {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    Ok(merged)
}

/// Counted time from an instant onwards: the measure's pieces minus (merged) pauses, in order.
pub(crate) struct Pieces<'a> {
    base: Base<'a>,
    pauses: Vec<Pause>,
    next_pause: usize,
    pending: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl<'a> Pieces<'a> {
    /// `pauses` must come from [`merge_pauses`].
    pub(crate) fn new(
        calendar: &'a Calendar,
        measure: Measure,
        from: DateTime<Utc>,
        pauses: Vec<Pause>,
    ) -> Result<Self, CalendarError> {
        let base = match measure {
            Measure::Natural => Base::Natural(Some(from)),
            Measure::Business => Base::Business(Cursor::new(calendar, from)?),
        };
        Ok(Self { base, pauses, next_pause: 0, pending: None })
    }

    /// The next non-empty counted piece `[start, end)`.
    pub(crate) fn next_piece(&mut self) -> Result<(DateTime<Utc>, DateTime<Utc>), CalendarError> {
        loop {
            let (start, end) = match self.pending.take() {
                Some(piece) => piece,
                None => self.base.next()?,
            };
            while self.pauses.get(self.next_pause).is_some_and(|p| p.1 <= start) {
                self.next_pause += 1;
            }
            let Some(&(pause_start, pause_end)) = self.pauses.get(self.next_pause) else {
                return Ok((start, end));
            };
            if pause_start >= end {
                return Ok((start, end));
            }
            // The pause cuts this piece: keep what follows it, or jump the base past the pause.
            if pause_end < end {
                self.pending = Some((pause_end, end));
            } else if pause_end > end {
                self.base.seek(pause_end)?;
            }
            if pause_start > start {
                return Ok((start, pause_start));
            }
        }
    }
}
