//! The calendar as data: what an operator writes in JSON and what [`crate::Calendar`] serialises back.
//!
//! These types are deliberately plain (public fields, serde derives) so a calendar can be edited and
//! stored anywhere; nothing here is trusted until [`crate::Calendar::from_spec`] has validated it.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds in a local calendar day without a DST change; `24:00` is the exclusive end of a day.
pub(crate) const DAY_SECONDS: u32 = 86_400;

/// A local wall-clock time of day, to the second, from `00:00` up to and including `24:00`.
///
/// `24:00` exists so an interval can run to the end of the day (`["18:00", "24:00"]`); it is the
/// midnight that starts the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u32);

impl TimeOfDay {
    /// `00:00`.
    pub const MIDNIGHT: Self = Self(0);
    /// `24:00`, the end of the day.
    pub const END_OF_DAY: Self = Self(DAY_SECONDS);

    /// `hour:minute:second`; `None` unless it lies within `00:00:00..=24:00:00`.
    pub fn from_hms(hour: u32, minute: u32, second: u32) -> Option<Self> {
        if minute >= 60 || second >= 60 {
            return None;
        }
        let total = hour.checked_mul(3600)?.checked_add(minute * 60 + second)?;
        (total <= DAY_SECONDS).then_some(Self(total))
    }

    /// Seconds since local midnight.
    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// Why a time of day did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time of day `{0}`: expected HH:MM or HH:MM:SS between 00:00 and 24:00")]
pub struct ParseTimeOfDayError(String);

impl FromStr for TimeOfDay {
    type Err = ParseTimeOfDayError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ParseTimeOfDayError(text.to_owned());
        let parts: Vec<&str> = text.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        // Two digits per field, so "8:3" or "+8:30" never sneak through u32 parsing.
        let mut fields = [0u32; 3];
        for (slot, part) in fields.iter_mut().zip(&parts) {
            if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            *slot = part.parse().map_err(|_| bad())?;
        }
        Self::from_hms(fields[0], fields[1], fields[2]).ok_or_else(bad)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 { write!(f, "{h:02}:{m:02}") } else { write!(f, "{h:02}:{m:02}:{s:02}") }
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A working interval `[start, end)` in local wall-clock time; JSON `["08:30", "12:00"]`.
///
/// Half-open: `12:00` is not inside `["08:30", "12:00"]`, so a limit used up exactly at 12:00 is due
/// at 12:00 and a case dispatched at 12:00 starts counting at the next interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "(TimeOfDay, TimeOfDay)", into = "(TimeOfDay, TimeOfDay)")]
pub struct Interval {
    /// Inclusive start.
    pub start: TimeOfDay,
    /// Exclusive end.
    pub end: TimeOfDay,
}

impl Interval {
    /// An interval; validation (not construction) rejects `end <= start`.
    pub fn new(start: TimeOfDay, end: TimeOfDay) -> Self {
        Self { start, end }
    }
}

impl From<(TimeOfDay, TimeOfDay)> for Interval {
    fn from((start, end): (TimeOfDay, TimeOfDay)) -> Self {
        Self { start, end }
    }
}

impl From<Interval> for (TimeOfDay, TimeOfDay) {
    fn from(interval: Interval) -> Self {
        (interval.start, interval.end)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.start, self.end)
    }
}

/// Working intervals for each weekday; a missing weekday is a day off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeekTemplate {
    pub mon: Vec<Interval>,
    pub tue: Vec<Interval>,
    pub wed: Vec<Interval>,
    pub thu: Vec<Interval>,
    pub fri: Vec<Interval>,
    pub sat: Vec<Interval>,
    pub sun: Vec<Interval>,
}

impl WeekTemplate {
    /// The template's intervals for `weekday`.
    pub fn day(&self, weekday: Weekday) -> &[Interval] {
        match weekday {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }
}

/// What a dated override does to its day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideKind {
    /// A holiday (including weekdays moved into a holiday): no working time.
    Off,
    /// A make-up working day 调休, usually a weekend day; normal working hours unless given.
    Work,
    /// A shortened day with its own intervals.
    Short,
}

/// A dated exception to the weekly template, with the notice it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideSpec {
    /// The (first) date.
    pub date: NaiveDate,
    /// Last date, inclusive, when one entry covers a run of days (e.g. a whole holiday week).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through: Option<NaiveDate>,
    pub kind: OverrideKind,
    /// `work`: optional (see [`OverrideSpec::as_weekday`]); `short`: required; `off`: forbidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Vec<Interval>>,
    /// `work` only: take the hours of this weekday's template instead of giving intervals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_weekday: Option<Weekday>,
    /// Human name, e.g. "春节".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the rule comes from, e.g. "国办发明电〔2024〕12号". Required: calendars carry provenance.
    pub source: String,
}

/// One version of a calendar, in force from `effective_from` until the next version's date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSpec {
    pub effective_from: NaiveDate,
    /// Free text, e.g. which notice this version implements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub weekly: WeekTemplate,
    #[serde(default)]
    pub overrides: Vec<OverrideSpec>,
}

/// A whole calendar as stored (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Stable identifier, e.g. `cn-default` or a unit's own calendar.
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// IANA zone name, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Ascending by `effective_from`.
    pub versions: Vec<VersionSpec>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_times() {
        assert_eq!("08:30".parse::<TimeOfDay>().map(TimeOfDay::seconds), Ok(30_600));
        assert_eq!("17:30:15".parse::<TimeOfDay>().map(TimeOfDay::seconds), Ok(63_015));
        assert_eq!("24:00".parse::<TimeOfDay>(), Ok(TimeOfDay::END_OF_DAY));
        assert_eq!("00:00".parse::<TimeOfDay>(), Ok(TimeOfDay::MIDNIGHT));
        for bad in ["24:01", "8:30", "08:60", "08:30:60", "25:00", "08", "08:30:00:00", "+8:30", "ab:cd", ""] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad} should be rejected");
        }
        assert_eq!(TimeOfDay::from_hms(8, 30, 0).map(|t| t.to_string()), Some("08:30".to_owned()));
        assert_eq!(TimeOfDay::from_hms(8, 30, 5).map(|t| t.to_string()), Some("08:30:05".to_owned()));
    }

    #[test]
    fn interval_is_a_json_pair() {
        let iv: Interval = serde_json::from_str(r#"["08:30","12:00"]"#).unwrap();
        assert_eq!(iv.start.seconds(), 30_600);
        assert_eq!(iv.end.seconds(), 43_200);
        assert_eq!(serde_json::to_string(&iv).unwrap(), r#"["08:30","12:00"]"#);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<WeekTemplate>(r#"{"monday": []}"#).unwrap_err();
        assert!(err.to_string().contains("monday"), "{err}");
    }
}
