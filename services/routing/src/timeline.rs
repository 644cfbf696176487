//! Versioned, effective-dated data: the catalogue and the responsibility list both keep every
//! version, because a case stays under the version in force when it was registered.

use chrono::NaiveDate;

use crate::error::{ImportError, Issues, Problem};

/// Something that takes effect on a date and carries a version number.
pub trait Dated {
    fn version(&self) -> u32;
    fn effective_from(&self) -> NaiveDate;
}

/// Versions ordered by effective date. Version numbers must grow with the date, so "newer
/// version" and "later date" never disagree when someone reads an audit trail.
#[derive(Debug, Clone)]
pub(crate) struct Timeline<T>(Vec<T>);

impl<T: Dated> Timeline<T> {
    pub fn new(mut items: Vec<T>, what: &str) -> Result<Self, ImportError> {
        items.sort_by_key(|v| (v.effective_from(), v.version()));
        let mut issues = Issues::default();
        for pair in items.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let at = format!("{what} version {}", b.version());
            if a.version() == b.version() {
                issues.push(&at, None, Problem::Invalid("duplicate version number".into()));
            } else if a.effective_from() == b.effective_from() {
                let msg = format!("same effective date {} as version {}", b.effective_from(), a.version());
                issues.push(&at, None, Problem::Invalid(msg));
            } else if a.version() > b.version() {
                let msg = format!("takes effect after version {} but has a lower number", a.version());
                issues.push(&at, None, Problem::Invalid(msg));
            }
        }
        issues.finish(Self(items))
    }

    /// The version in force on `date`: the latest one whose effective date is not after it.
    pub fn at(&self, date: NaiveDate) -> Option<&T> {
        let after = self.0.partition_point(|v| v.effective_from() <= date);
        after.checked_sub(1).and_then(|i| self.0.get(i))
    }

    pub fn by_version(&self, version: u32) -> Option<&T> {
        self.0.iter().find(|v| v.version() == version)
    }

    pub fn all(&self) -> &[T] {
        &self.0
    }
}
