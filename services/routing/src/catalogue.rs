//! Category catalogue: classes 大类 and sub-classes 小类 with registration and closure conditions,
//! urgency levels, per-stage time limits and staged milestones. Versioned by effective date.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{CategoryCode, CategoryRef, ClassCode, Kind};
use crate::error::{ImportError, Issues, Problem, bad_field};
use crate::sla_policy::SlaPolicy;
use crate::timeline::{Dated, Timeline};

/// The three clocks limits are counted on. Natural minutes run around the clock; working hours
/// and working days follow the city calendar, which this crate does not own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    Minutes,
    WorkingHours,
    WorkingDays,
}

impl LimitUnit {
    fn suffix(self) -> &'static str {
        match self {
            LimitUnit::Minutes => "min",
            LimitUnit::WorkingHours => "wh",
            LimitUnit::WorkingDays => "wd",
        }
    }
}

/// A time limit, e.g. `{value: 5, unit: working_hours}`; written `5wh` in CSV (`30min`, `1wd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimit {
    pub value: u32,
    pub unit: LimitUnit,
}

/// Length of the nominal office day (08:30–12:00 + 14:00–17:30). Used only to check that
/// milestones mixing working hours and working days are in order; real deadlines come from the
/// calendar.
const NOMINAL_WORKING_DAY_MINUTES: u64 = 7 * 60;

impl TimeLimit {
    pub fn new(value: u32, unit: LimitUnit) -> Self {
        Self { value, unit }
    }

    /// Parses the CSV form; `field` names the column in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self, Problem> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let unit = match suffix.trim() {
            "min" => LimitUnit::Minutes,
            "wh" => LimitUnit::WorkingHours,
            "wd" => LimitUnit::WorkingDays,
            other => return Err(Problem::UnknownLimitUnit { field: field.to_owned(), unit: other.to_owned() }),
        };
        let value =
            number.parse::<u32>().map_err(|_| bad_field(field, format!("{text:?} is not like 30min, 5wh or 1wd")))?;
        Ok(Self { value, unit })
    }

    /// (is natural time, nominal length in minutes) — comparable only within the same clock.
    fn nominal(&self) -> (bool, u64) {
        let v = u64::from(self.value);
        match self.unit {
            LimitUnit::Minutes => (true, v),
            LimitUnit::WorkingHours => (false, v * 60),
            LimitUnit::WorkingDays => (false, v * NOMINAL_WORKING_DAY_MINUTES),
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.unit.suffix())
    }
}

/// The clocked stages of a case, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Accept,
    Dispatch,
    Sign,
    Handle,
    Verify,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Accept, Stage::Dispatch, Stage::Sign, Stage::Handle, Stage::Verify];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Accept => "accept",
            Stage::Dispatch => "dispatch",
            Stage::Sign => "sign",
            Stage::Handle => "handle",
            Stage::Verify => "verify",
        }
    }
}

/// One limit per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageLimits {
    pub accept: TimeLimit,
    pub dispatch: TimeLimit,
    pub sign: TimeLimit,
    pub handle: TimeLimit,
    pub verify: TimeLimit,
}

impl StageLimits {
    pub fn get(&self, stage: Stage) -> TimeLimit {
        match stage {
            Stage::Accept => self.accept,
            Stage::Dispatch => self.dispatch,
            Stage::Sign => self.sign,
            Stage::Handle => self.handle,
            Stage::Verify => self.verify,
        }
    }
}

/// An intermediate deadline inside the handle stage, counted from dispatch (e.g. illegal
/// construction: stop work 4wh, penalty 7wd, demolition 20wd).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub name_zh: String,
    pub name_en: String,
    pub limit: TimeLimit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Normal,
    Urgent,
    Emergency,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::Emergency => "emergency",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Problem> {
        match s.trim() {
            "normal" => Ok(Urgency::Normal),
            "urgent" => Ok(Urgency::Urgent),
            "emergency" => Ok(Urgency::Emergency),
            other => Err(Problem::UnknownUrgency(other.to_owned())),
        }
    }
}

/// Class 大类.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    pub kind: Kind,
    pub code: ClassCode,
    pub name_zh: String,
    pub name_en: String,
}

/// Sub-class 小类: what a case is registered under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubClass {
    pub kind: Kind,
    pub code: CategoryCode,
    pub name_zh: String,
    pub name_en: String,
    /// 立案条件: when a report becomes a case.
    pub registration: String,
    /// 结案条件: what verification checks before closing.
    pub closure: String,
    /// Levels a case of this sub-class may be raised to; the first is the default.
    pub urgency_levels: Vec<Urgency>,
    /// Skill a handler needs (e.g. "manhole"); `None` means any handler of the unit will do.
    #[serde(default)]
    pub skill: Option<String>,
    pub limits: StageLimits,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// Thresholds and escalation chain of this sub-class; `None` runs the city defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaPolicy>,
}

impl SubClass {
    pub fn category(&self) -> CategoryRef {
        CategoryRef::new(self.kind, self.code)
    }

    /// Per-item checks; cross-item checks (duplicates, missing class) live in `CatalogueVersion`.
    fn check(&self, at: &str, issues: &mut Issues) {
        let code = self.code.to_string();
        let mut push = |p: Problem| issues.push(at, Some(&code), p);
        if self.name_zh.trim().is_empty() {
            push(Problem::Invalid("name_zh is empty".into()));
        }
        if self.urgency_levels.is_empty() {
            push(Problem::NoUrgency);
        }
        for stage in Stage::ALL {
            if self.limits.get(stage).value == 0 {
                push(Problem::NonPositiveLimit { field: stage.as_str().into() });
            }
        }
        for m in &self.milestones {
            if m.limit.value == 0 {
                push(Problem::NonPositiveLimit { field: format!("milestone {}", m.name_zh) });
            }
        }
        if let Some(policy) = &self.sla {
            for p in policy.problems(&self.urgency_levels) {
                push(p);
            }
        }
        if self.milestones.is_empty() {
            return;
        }
        let handle = self.limits.handle.nominal();
        if self.milestones.iter().any(|m| m.limit.nominal().0 != handle.0) {
            push(Problem::MixedClocks);
            return;
        }
        let mut previous = 0;
        for m in &self.milestones {
            let (_, len) = m.limit.nominal();
            if len <= previous || len > handle.1 {
                push(Problem::MilestonesNotIncreasing(format!("{} at {}", m.name_zh, m.limit)));
                return;
            }
            previous = len;
        }
    }
}

/// One version of the catalogue: every class and sub-class in force from `effective_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CatalogueDoc")]
pub struct CatalogueVersion {
    version: u32,
    effective_from: NaiveDate,
    classes: Vec<Class>,
    sub_classes: Vec<SubClass>,
}

/// The unvalidated JSON shape of a [`CatalogueVersion`].
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogueDoc {
    pub version: u32,
    pub effective_from: NaiveDate,
    pub classes: Vec<Class>,
    pub sub_classes: Vec<SubClass>,
}

impl TryFrom<CatalogueDoc> for CatalogueVersion {
    type Error = ImportError;
    fn try_from(doc: CatalogueDoc) -> Result<Self, ImportError> {
        CatalogueVersion::new(doc.version, doc.effective_from, doc.classes, doc.sub_classes)
    }
}

impl CatalogueVersion {
    /// Validates and builds; problems are located as `classes[i]` / `sub_classes[i]`.
    pub fn new(
        version: u32,
        effective_from: NaiveDate,
        classes: Vec<Class>,
        sub_classes: Vec<SubClass>,
    ) -> Result<Self, ImportError> {
        let classes = classes.into_iter().enumerate().map(|(i, c)| (format!("classes[{i}]"), c)).collect();
        let subs = sub_classes.into_iter().enumerate().map(|(i, s)| (format!("sub_classes[{i}]"), s)).collect();
        Self::build(version, effective_from, classes, subs)
    }

    /// Shared by every importer: each item comes with the location to blame.
    pub(crate) fn build(
        version: u32,
        effective_from: NaiveDate,
        classes: Vec<(String, Class)>,
        sub_classes: Vec<(String, SubClass)>,
    ) -> Result<Self, ImportError> {
        let mut issues = Issues::default();
        let mut seen_classes = std::collections::HashSet::new();
        for (at, class) in &classes {
            if !seen_classes.insert((class.kind, class.code)) {
                issues.push(at, Some(class.code.as_str()), Problem::DuplicateCode);
            }
        }
        let mut seen_subs = std::collections::HashSet::new();
        for (at, sub) in &sub_classes {
            let code = Some(sub.code.as_str());
            if !seen_subs.insert(sub.category()) {
                issues.push(at, code, Problem::DuplicateCode);
            }
            if !seen_classes.contains(&(sub.kind, sub.code.class())) {
                issues.push(at, code, Problem::SubClassWithoutClass { class: sub.code.class().to_string() });
            }
            sub.check(at, &mut issues);
        }
        let mut classes: Vec<Class> = classes.into_iter().map(|(_, c)| c).collect();
        let mut sub_classes: Vec<SubClass> = sub_classes.into_iter().map(|(_, s)| s).collect();
        // Sorted so lookups can binary-search and exports come out in code order.
        classes.sort_by_key(|c| (c.kind, c.code));
        sub_classes.sort_by_key(SubClass::category);
        issues.finish(Self { version, effective_from, classes, sub_classes })
    }

    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
    pub fn classes(&self) -> &[Class] {
        &self.classes
    }
    pub fn sub_classes(&self) -> &[SubClass] {
        &self.sub_classes
    }
    pub fn get(&self, category: &CategoryRef) -> Option<&SubClass> {
        let i = self.sub_classes.binary_search_by_key(category, SubClass::category).ok()?;
        self.sub_classes.get(i)
    }
    pub fn class(&self, kind: Kind, code: ClassCode) -> Option<&Class> {
        let i = self.classes.binary_search_by_key(&(kind, code), |c| (c.kind, c.code)).ok()?;
        self.classes.get(i)
    }
}

impl Dated for CatalogueVersion {
    fn version(&self) -> u32 {
        self.version
    }
    fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
}

/// Every catalogue version ever in force.
#[derive(Debug, Clone)]
pub struct Catalogue(Timeline<CatalogueVersion>);

impl Catalogue {
    /// Version numbers must be unique and grow with the effective date.
    pub fn new(versions: Vec<CatalogueVersion>) -> Result<Self, ImportError> {
        Timeline::new(versions, "catalogue").map(Self)
    }
    /// The version new cases registered on `date` take.
    pub fn version_at(&self, date: NaiveDate) -> Option<&CatalogueVersion> {
        self.0.at(date)
    }
    pub fn version(&self, version: u32) -> Option<&CatalogueVersion> {
        self.0.by_version(version)
    }
    /// A sub-class as defined in the version a case was registered under.
    pub fn get(&self, version: u32, category: &CategoryRef) -> Option<&SubClass> {
        self.version(version)?.get(category)
    }
    pub fn versions(&self) -> &[CatalogueVersion] {
        self.0.all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limit_text_form() {
        let parse = |s| TimeLimit::parse("handle", s);
        assert_eq!(parse("30min"), Ok(TimeLimit::new(30, LimitUnit::Minutes)));
        assert_eq!(parse(" 5wh "), Ok(TimeLimit::new(5, LimitUnit::WorkingHours)));
        assert_eq!(parse("1wd").map(|l| l.to_string()), Ok("1wd".to_owned()));
        assert!(matches!(parse("5 weeks"), Err(Problem::UnknownLimitUnit { .. })));
        assert!(matches!(parse("wd"), Err(Problem::BadField { .. })));
        assert!(matches!(parse("-1wd"), Err(Problem::UnknownLimitUnit { .. })));
        // Zero parses; validation rejects it with the sub-class's location.
        assert_eq!(parse("0wh"), Ok(TimeLimit::new(0, LimitUnit::WorkingHours)));
    }
}
