//! The validated calendar, its versions, and a set of calendars looked up by code.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CalendarError;
use crate::model::{CalendarSpec, Interval, OverrideKind, WeekTemplate};
use crate::{validate, zone};

/// A dated override after validation: the kind, the hours it gives (empty for `off`), provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayOverride {
    pub kind: OverrideKind,
    /// Resolved hours: explicit intervals, the `as_weekday` template, or the normal weekday hours.
    pub intervals: Vec<Interval>,
    pub name: Option<String>,
    pub source: String,
}

/// One version of a calendar. Identified by its `effective_from` date, which an SLA clock records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    effective_from: NaiveDate,
    note: Option<String>,
    weekly: WeekTemplate,
    days: BTreeMap<NaiveDate, DayOverride>,
}

impl Version {
    pub(crate) fn new(
        effective_from: NaiveDate,
        note: Option<String>,
        weekly: WeekTemplate,
        days: BTreeMap<NaiveDate, DayOverride>,
    ) -> Self {
        Self { effective_from, note, weekly, days }
    }

    /// First date this version is in force.
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }

    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    pub fn weekly(&self) -> &WeekTemplate {
        &self.weekly
    }

    /// The override for `date`, if any (ranges are already expanded to single dates).
    pub fn override_on(&self, date: NaiveDate) -> Option<&DayOverride> {
        self.days.get(&date)
    }

    /// All overrides by date, ascending.
    pub fn overrides(&self) -> impl Iterator<Item = (NaiveDate, &DayOverride)> {
        self.days.iter().map(|(date, rule)| (*date, rule))
    }

    /// Working intervals of `date` under this version: the override's, else the weekly template's.
    pub fn intervals_on(&self, date: NaiveDate) -> &[Interval] {
        match self.days.get(&date) {
            Some(rule) => &rule.intervals,
            None => self.weekly.day(date.weekday()),
        }
    }
}

/// A validated business calendar. Build it with [`Calendar::from_spec`] / [`Calendar::from_json`] (or
/// deserialise it: deserialisation validates too). The arithmetic lives in `arithmetic.rs`.
#[derive(Clone, Debug)]
pub struct Calendar {
    spec: CalendarSpec,
    tz: Tz,
    versions: Vec<Version>,
}

impl Calendar {
    /// Validates `spec`; the error names the calendar and the offending place.
    pub fn from_spec(spec: CalendarSpec) -> Result<Self, CalendarError> {
        match validate::compile(&spec) {
            Ok((tz, versions)) => Ok(Self { spec, tz, versions }),
            Err(problem) => Err(CalendarError::Invalid { code: spec.code, problem }),
        }
    }

    /// Parses one calendar object from JSON and validates it.
    pub fn from_json(json: &str) -> Result<Self, CalendarError> {
        Self::from_spec(serde_json::from_str(json)?)
    }

    pub fn code(&self) -> &str {
        &self.spec.code
    }

    pub fn name(&self) -> Option<&str> {
        self.spec.name.as_deref()
    }

    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The data this calendar was built from (for editing and storage).
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// Versions, ascending by `effective_from`.
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// The version in force on a local date: the latest with `effective_from <= date`.
    pub fn version_for(&self, date: NaiveDate) -> Result<&Version, CalendarError> {
        // Versions are strictly ascending (validated), so the partition point is well defined.
        let after = self.versions.partition_point(|v| v.effective_from <= date);
        after
            .checked_sub(1)
            .and_then(|index| self.versions.get(index))
            .ok_or_else(|| CalendarError::NoVersionInForce { code: self.spec.code.clone(), date })
    }

    /// The version in force at an instant (on the calendar's local date of that instant).
    pub fn version_at(&self, instant: DateTime<Utc>) -> Result<&Version, CalendarError> {
        self.version_for(self.local_date(instant))
    }

    /// The local date of an instant in the calendar's zone.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        zone::local(self.tz, instant).date()
    }

    /// Working intervals of a local date, from the version in force that day.
    pub fn intervals_on(&self, date: NaiveDate) -> Result<&[Interval], CalendarError> {
        Ok(self.version_for(date)?.intervals_on(date))
    }

    /// Whether a local date has any working interval (make-up days do, holidays do not).
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(!self.intervals_on(date)?.is_empty())
    }
}

impl PartialEq for Calendar {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl Serialize for Calendar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.spec.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Calendar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spec = CalendarSpec::deserialize(deserializer)?;
        Self::from_spec(spec).map_err(serde::de::Error::custom)
    }
}

/// Several calendars (the city default, per-unit ones) looked up by code.
#[derive(Clone, Debug, Default)]
pub struct CalendarSet {
    calendars: BTreeMap<String, Calendar>,
}

impl CalendarSet {
    /// Refuses two calendars with the same code: which one applies would be ambiguous.
    pub fn new(calendars: impl IntoIterator<Item = Calendar>) -> Result<Self, CalendarError> {
        let mut set = Self::default();
        for calendar in calendars {
            set.insert(calendar)?;
        }
        Ok(set)
    }

    /// Parses a JSON array of calendar objects, validating each.
    pub fn from_json(json: &str) -> Result<Self, CalendarError> {
        let specs: Vec<CalendarSpec> = serde_json::from_str(json)?;
        Self::new(specs.into_iter().map(Calendar::from_spec).collect::<Result<Vec<_>, _>>()?)
    }

    /// Adds a calendar; a code already present is an error.
    pub fn insert(&mut self, calendar: Calendar) -> Result<(), CalendarError> {
        let code = calendar.code().to_owned();
        if self.calendars.contains_key(&code) {
            return Err(CalendarError::DuplicateCalendar(code));
        }
        self.calendars.insert(code, calendar);
        Ok(())
    }

    pub fn get(&self, code: &str) -> Option<&Calendar> {
        self.calendars.get(code)
    }

    /// Codes, ascending.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.calendars.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.calendars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calendars.is_empty()
    }
}
