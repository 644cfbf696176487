//! Turns a [`CalendarSpec`] into checked, indexed [`Version`]s, or says precisely what is wrong.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;

use crate::calendar::{DayOverride, Version};
use crate::error::{Location, ValidationError};
use crate::model::{CalendarSpec, Interval, OverrideKind, OverrideSpec, VersionSpec, WeekTemplate};

const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// Validates the whole calendar and indexes each version's overrides by date.
pub(crate) fn compile(spec: &CalendarSpec) -> Result<(Tz, Vec<Version>), ValidationError> {
    if spec.code.is_empty() || spec.code.chars().any(char::is_whitespace) {
        return Err(ValidationError::BadCode);
    }
    let tz = Tz::from_str(&spec.time_zone).map_err(|_| ValidationError::UnknownTimeZone(spec.time_zone.clone()))?;
    if spec.versions.is_empty() {
        return Err(ValidationError::NoVersions);
    }
    for pair in spec.versions.windows(2) {
        if let [previous, next] = pair
            && next.effective_from <= previous.effective_from
        {
            return Err(ValidationError::VersionsOutOfOrder {
                previous: previous.effective_from,
                next: next.effective_from,
            });
        }
    }
    let mut versions = Vec::with_capacity(spec.versions.len());
    for (index, version) in spec.versions.iter().enumerate() {
        let next = spec.versions.get(index + 1).map(|v| v.effective_from);
        versions.push(compile_version(version, next)?);
    }
    Ok((tz, versions))
}

fn compile_version(spec: &VersionSpec, next: Option<NaiveDate>) -> Result<Version, ValidationError> {
    let effective_from = spec.effective_from;
    for weekday in WEEK {
        check_intervals(Location::Weekly { effective_from, weekday }, spec.weekly.day(weekday))?;
    }
    // Without any weekly working time, searching for the next working instant would never end.
    if WEEK.iter().all(|&d| spec.weekly.day(d).is_empty()) {
        return Err(ValidationError::NoWorkingTime { effective_from });
    }
    let mut days = BTreeMap::new();
    for entry in &spec.overrides {
        let at = Location::Override { effective_from, date: entry.date };
        let through = entry.through.unwrap_or(entry.date);
        if through < entry.date {
            return Err(ValidationError::BadRange { at, through });
        }
        // An override outside its version's dates would silently never apply (another version is in
        // force then), which is exactly the kind of editing mistake that must be loud.
        if entry.date < effective_from || next.is_some_and(|n| through >= n) {
            return Err(ValidationError::OutsideVersion { at, effective_from, next });
        }
        if entry.source.trim().is_empty() {
            return Err(ValidationError::MissingSource { at });
        }
        let rule = DayOverride {
            kind: entry.kind,
            intervals: override_intervals(&at, entry, &spec.weekly)?,
            name: entry.name.clone(),
            source: entry.source.clone(),
        };
        for date in entry.date.iter_days().take_while(|d| *d <= through) {
            if days.insert(date, rule.clone()).is_some() {
                return Err(ValidationError::DuplicateDate { effective_from, date });
            }
        }
    }
    Ok(Version::new(effective_from, spec.note.clone(), spec.weekly.clone(), days))
}

/// The intervals an override gives its day(s), after checking the kind's rules.
fn override_intervals(
    at: &Location,
    entry: &OverrideSpec,
    weekly: &WeekTemplate,
) -> Result<Vec<Interval>, ValidationError> {
    let at = || at.clone();
    match (entry.kind, &entry.intervals, entry.as_weekday) {
        (OverrideKind::Off, None, None) => Ok(Vec::new()),
        (OverrideKind::Off, _, _) => Err(ValidationError::OffWithHours { at: at() }),
        (OverrideKind::Short, Some(intervals), None) if !intervals.is_empty() => {
            check_intervals(at(), intervals)?;
            Ok(intervals.clone())
        }
        (OverrideKind::Short, _, _) => Err(ValidationError::ShortWithoutIntervals { at: at() }),
        (OverrideKind::Work, Some(_), Some(_)) => Err(ValidationError::WorkWithBoth { at: at() }),
        (OverrideKind::Work, Some(intervals), None) => {
            if intervals.is_empty() {
                return Err(ValidationError::WorkWithoutHours { at: at() });
            }
            check_intervals(at(), intervals)?;
            Ok(intervals.clone())
        }
        (OverrideKind::Work, None, Some(weekday)) => {
            let hours = weekly.day(weekday);
            if hours.is_empty() {
                return Err(ValidationError::AsWeekdayOff { at: at(), weekday });
            }
            Ok(hours.to_vec())
        }
        (OverrideKind::Work, None, None) => {
            normal_working_day(weekly).ok_or(ValidationError::AmbiguousMakeUpHours { at: at() })
        }
    }
}

/// "The normal weekday hours": defined only when every weekday that has hours has the same ones,
/// because guessing between, say, a long Monday and a short Friday would be arbitrary.
fn normal_working_day(weekly: &WeekTemplate) -> Option<Vec<Interval>> {
    let mut working = WEEK.iter().map(|&d| weekly.day(d)).filter(|hours| !hours.is_empty());
    let first = working.next()?;
    working.all(|hours| hours == first).then(|| first.to_vec())
}

/// Each interval non-empty, sorted by start, not overlapping (touching is allowed).
fn check_intervals(at: Location, intervals: &[Interval]) -> Result<(), ValidationError> {
    for &interval in intervals {
        if interval.end <= interval.start {
            return Err(ValidationError::EmptyInterval { at, interval });
        }
    }
    for pair in intervals.windows(2) {
        if let &[first, second] = pair {
            if second.start < first.start {
                return Err(ValidationError::UnsortedIntervals { at, first, second });
            }
            if second.start < first.end {
                return Err(ValidationError::OverlappingIntervals { at, first, second });
            }
        }
    }
    Ok(())
}
