//! Errors: [`ValidationError`] for bad calendar data, [`CalendarError`] for everything a caller sees.

use chrono::{DateTime, NaiveDate, Utc, Weekday};

use crate::model::Interval;

/// Where in a calendar's data a problem was found, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The weekly template of the version effective from the date.
    Weekly { effective_from: NaiveDate, weekday: Weekday },
    /// The override starting on `date` in the version effective from `effective_from`.
    Override { effective_from: NaiveDate, date: NaiveDate },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Weekly { effective_from, weekday } => {
                write!(f, "version {effective_from}, weekly template {weekday}")
            }
            Self::Override { effective_from, date } => write!(f, "version {effective_from}, override {date}"),
        }
    }
}

/// A calendar's data is inconsistent; each variant says where and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("calendar code is empty or contains whitespace")]
    BadCode,
    #[error("unknown IANA time zone `{0}`")]
    UnknownTimeZone(String),
    #[error("calendar has no versions")]
    NoVersions,
    #[error("versions out of order: {next} must come strictly after {previous}")]
    VersionsOutOfOrder { previous: NaiveDate, next: NaiveDate },
    #[error("{at}: interval {interval} ends at or before its start")]
    EmptyInterval { at: Location, interval: Interval },
    #[error("{at}: intervals not sorted: {second} comes after {first}")]
    UnsortedIntervals { at: Location, first: Interval, second: Interval },
    #[error("{at}: intervals {first} and {second} overlap")]
    OverlappingIntervals { at: Location, first: Interval, second: Interval },
    #[error("version {effective_from}: the weekly template has no working time")]
    NoWorkingTime { effective_from: NaiveDate },
    #[error("version {effective_from}: date {date} has more than one override")]
    DuplicateDate { effective_from: NaiveDate, date: NaiveDate },
    #[error("{at}: `through` {through} is before the date")]
    BadRange { at: Location, through: NaiveDate },
    #[error("{at}: the override lies outside the version's dates ({effective_from} {})", until(*.next))]
    OutsideVersion { at: Location, effective_from: NaiveDate, next: Option<NaiveDate> },
    #[error("{at}: the override has no source")]
    MissingSource { at: Location },
    #[error("{at}: an `off` override cannot have intervals or as_weekday")]
    OffWithHours { at: Location },
    #[error("{at}: a `short` override needs non-empty intervals and no as_weekday")]
    ShortWithoutIntervals { at: Location },
    #[error("{at}: a `work` override takes intervals or as_weekday, not both")]
    WorkWithBoth { at: Location },
    #[error("{at}: a `work` override with empty intervals; use `off` for a day without work")]
    WorkWithoutHours { at: Location },
    #[error("{at}: as_weekday {weekday} has no working hours in the weekly template")]
    AsWeekdayOff { at: Location, weekday: Weekday },
    #[error("{at}: the working weekdays have different hours, so a make-up day needs intervals or as_weekday")]
    AmbiguousMakeUpHours { at: Location },
}

/// "up to D (exclusive)" or "onwards", for the version range in messages.
fn until(next: Option<NaiveDate>) -> String {
    next.map_or_else(|| "onwards".to_owned(), |date| format!("up to {date}, exclusive"))
}

/// Any failure of this crate.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("invalid calendar `{code}`: {problem}")]
    Invalid { code: String, problem: ValidationError },
    #[error("calendar JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("calendar `{0}` is defined twice")]
    DuplicateCalendar(String),
    #[error("calendar `{code}` has no version in force on {date} (its first version starts later)")]
    NoVersionInForce { code: String, date: NaiveDate },
    #[error("calendar `{code}` has no working time for years after {after}")]
    NoWorkingTime { code: String, after: DateTime<Utc> },
    #[error("pause ends ({end}) before it starts ({start})")]
    InvalidPause { start: DateTime<Utc>, end: DateTime<Utc> },
    #[error("negative business duration {0}")]
    NegativeDuration(chrono::TimeDelta),
    #[error("date or time out of the supported range")]
    OutOfRange,
}
