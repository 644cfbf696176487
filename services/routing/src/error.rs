//! Validation errors shared by every importer and constructor. Imports are all-or-nothing, so an
//! error carries every problem found, each naming where (CSV row, JSON path) and which code.

use std::fmt;

use crate::codes::CodeError;

/// One thing wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("bad code format: {0}")]
    BadCode(#[from] CodeError),
    #[error("sub-class has no class {class} (declare the class, or name it on the class's first row)")]
    SubClassWithoutClass { class: String },
    #[error("duplicate code")]
    DuplicateCode,
    #[error("duplicate id {0}")]
    DuplicateId(String),
    #[error("{field}: unknown time-limit unit {unit:?} (expected min, wh or wd)")]
    UnknownLimitUnit { field: String, unit: String },
    #[error("{field}: limit must be positive")]
    NonPositiveLimit { field: String },
    #[error("milestones must increase strictly and not exceed the handle limit: {0}")]
    MilestonesNotIncreasing(String),
    #[error("milestones and handle limit mix natural minutes with working time")]
    MixedClocks,
    #[error("unknown urgency level {0:?} (expected normal, urgent or emergency)")]
    UnknownUrgency(String),
    #[error("at least one urgency level is required")]
    NoUrgency,
    #[error("unknown unit {0}")]
    UnknownUnit(String),
    #[error("lead unit {0} is also listed as a co-handler")]
    LeadIsCoHandler(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{field}: {message}")]
    BadField { field: String, message: String },
}

/// One located problem: `at` is a CSV row ("row 7", the header being row 1) or a JSON path
/// (`sub_classes[3]`); `code` is the item's code or id when it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub at: String,
    pub code: Option<String>,
    pub problem: Problem,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} ({}): {}", self.at, code, self.problem),
            None => write!(f, "{}: {}", self.at, self.problem),
        }
    }
}

/// Every problem an import or constructor found; nothing was accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub issues: Vec<Issue>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s)", self.issues.len())?;
        for issue in &self.issues {
            write!(f, "; {issue}")?;
        }
        Ok(())
    }
}

/// Collects issues while a whole input is checked, so the caller sees them all at once.
#[derive(Debug, Default)]
pub(crate) struct Issues(Vec<Issue>);

impl Issues {
    pub fn push(&mut self, at: &str, code: Option<&str>, problem: impl Into<Problem>) {
        self.0.push(Issue { at: at.to_owned(), code: code.map(str::to_owned), problem: problem.into() });
    }
    /// Runs `parse`, recording its error; `None` tells the caller to skip dependent checks.
    pub fn check<T, E: Into<Problem>>(&mut self, at: &str, code: Option<&str>, parse: Result<T, E>) -> Option<T> {
        parse.map_err(|e| self.push(at, code, e)).ok()
    }
    pub fn finish<T>(self, value: T) -> Result<T, ImportError> {
        if self.0.is_empty() { Ok(value) } else { Err(ImportError { issues: self.0 }) }
    }
    pub fn into_error(self) -> ImportError {
        ImportError { issues: self.0 }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn extend(&mut self, other: ImportError) {
        self.0.extend(other.issues);
    }
}

/// Shorthand for a field that failed to parse.
pub(crate) fn bad_field(field: &str, message: impl fmt::Display) -> Problem {
    Problem::BadField { field: field.to_owned(), message: message.to_string() }
}
