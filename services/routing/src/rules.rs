//! The responsibility list 权责清单: versioned, effective-dated rule sets mapping category × area
//! to one lead unit (首接负责, exactly one responsible party) plus optional co-handlers 协办.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{AreaCode, AreaLevel, CategoryRef, ClassCode, CodeError, Kind, LayerGrid, serde_as_text};
use crate::error::{ImportError, Issues, Problem};
use crate::timeline::{Dated, Timeline};
use crate::units::Directory;

/// Which categories a rule covers: `*`, a class (`event:01`) or one sub-class (`event:0102`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategorySelector {
    Any,
    Class(Kind, ClassCode),
    SubClass(CategoryRef),
}

impl CategorySelector {
    /// Higher is more specific: sub-class 2 > class 1 > any 0.
    pub fn specificity(&self) -> u8 {
        match self {
            CategorySelector::Any => 0,
            CategorySelector::Class(..) => 1,
            CategorySelector::SubClass(_) => 2,
        }
    }
    pub fn matches(&self, category: &CategoryRef) -> bool {
        match self {
            CategorySelector::Any => true,
            CategorySelector::Class(kind, class) => category.kind == *kind && category.code.class() == *class,
            CategorySelector::SubClass(c) => c == category,
        }
    }
}

impl FromStr for CategorySelector {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, CodeError> {
        if s == "*" {
            return Ok(CategorySelector::Any);
        }
        match s.split_once(':') {
            Some((kind, class)) if class.len() == 2 => {
                let whole = |e: CodeError| CodeError { text: s.to_owned(), ..e };
                Ok(CategorySelector::Class(kind.parse().map_err(whole)?, ClassCode::parse(class).map_err(whole)?))
            }
            _ => s.parse().map(CategorySelector::SubClass),
        }
    }
}

impl fmt::Display for CategorySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CategorySelector::Any => f.write_str("*"),
            CategorySelector::Class(kind, class) => write!(f, "{}:{class}", kind.as_str()),
            CategorySelector::SubClass(c) => write!(f, "{c}"),
        }
    }
}

/// Which area a rule covers: `*`, a territorial code (6/9/12/15 digits, covering everything
/// beneath it) or a grid of another layer (`school:SCH-0007`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum AreaSelector {
    Any,
    Territory(AreaCode),
    Layer(LayerGrid),
}

impl AreaSelector {
    /// Higher is more specific: unit grid and other-layer grid 4 > community 3 > street 2 >
    /// district 1 > any 0. Another layer's grid ranks with the unit grid because both name one
    /// small patch of ground rather than an administrative region.
    pub fn specificity(&self) -> u8 {
        match self {
            AreaSelector::Any => 0,
            AreaSelector::Territory(code) => match code.level() {
                AreaLevel::District => 1,
                AreaLevel::Street => 2,
                AreaLevel::Community => 3,
                AreaLevel::UnitGrid => 4,
            },
            AreaSelector::Layer(_) => 4,
        }
    }
    pub fn matches(&self, area: Option<&AreaCode>, layers: &[LayerGrid]) -> bool {
        match self {
            AreaSelector::Any => true,
            AreaSelector::Territory(code) => area.is_some_and(|a| code.contains(a)),
            AreaSelector::Layer(grid) => layers.contains(grid),
        }
    }
}

impl FromStr for AreaSelector {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, CodeError> {
        if s == "*" {
            Ok(AreaSelector::Any)
        } else if s.contains(':') {
            s.parse().map(AreaSelector::Layer)
        } else {
            AreaCode::parse(s).map(AreaSelector::Territory)
        }
    }
}

impl fmt::Display for AreaSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AreaSelector::Any => f.write_str("*"),
            AreaSelector::Territory(code) => write!(f, "{code}"),
            AreaSelector::Layer(grid) => write!(f, "{grid}"),
        }
    }
}

// Same text form in CSV, JSON and the explain output.
serde_as_text!(CategorySelector, AreaSelector);

/// One line of the responsibility list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Unique within its rule set; the last tie-break (lowest wins), so it is never arbitrary.
    pub id: u32,
    pub category: CategorySelector,
    pub area: AreaSelector,
    pub lead: String,
    #[serde(default)]
    pub co_handlers: Vec<String>,
    /// Only compared between rules equally specific in area and category; higher wins.
    #[serde(default)]
    pub priority: i32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// One version of the responsibility list.
/// Serialises as `{version, effective_from, rules}`, the shape `import::rules_from_json` reads
/// (rules name units, so reading one back needs a [`Directory`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSet {
    version: u32,
    effective_from: NaiveDate,
    rules: Vec<Rule>,
}

impl RuleSet {
    /// Validates ids and unit references (problems located as `rules[i]`).
    pub fn new(
        version: u32,
        effective_from: NaiveDate,
        rules: Vec<Rule>,
        directory: &Directory,
    ) -> Result<Self, ImportError> {
        let located = rules.into_iter().enumerate().map(|(i, r)| (format!("rules[{i}]"), r)).collect();
        Self::build(version, effective_from, located, directory)
    }

    pub(crate) fn build(
        version: u32,
        effective_from: NaiveDate,
        rules: Vec<(String, Rule)>,
        directory: &Directory,
    ) -> Result<Self, ImportError> {
        let mut issues = Issues::default();
        let mut ids = std::collections::HashSet::new();
        for (at, rule) in &rules {
            let code = rule.id.to_string();
            let code = Some(code.as_str());
            if !ids.insert(rule.id) {
                issues.push(at, code, Problem::DuplicateId(rule.id.to_string()));
            }
            for unit in std::iter::once(&rule.lead).chain(&rule.co_handlers) {
                if directory.unit(unit).is_none() {
                    issues.push(at, code, Problem::UnknownUnit(unit.clone()));
                }
            }
            if rule.co_handlers.contains(&rule.lead) {
                issues.push(at, code, Problem::LeadIsCoHandler(rule.lead.clone()));
            }
        }
        let mut rules: Vec<Rule> = rules.into_iter().map(|(_, r)| r).collect();
        rules.sort_by_key(|r| r.id);
        issues.finish(Self { version, effective_from, rules })
    }

    /// Re-checks unit references against another directory (e.g. when a router is assembled).
    pub fn check_units(&self, directory: &Directory) -> Result<(), ImportError> {
        let located = self.rules.iter().map(|r| (format!("rule set {} rule {}", self.version, r.id), r.clone()));
        Self::build(self.version, self.effective_from, located.collect(), directory).map(drop)
    }

    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
    /// Sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

impl Dated for RuleSet {
    fn version(&self) -> u32 {
        self.version
    }
    fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
}

/// Every rule set version; the one in force on a case's date routes it.
#[derive(Debug, Clone)]
pub struct ResponsibilityList(Timeline<RuleSet>);

impl ResponsibilityList {
    pub fn new(sets: Vec<RuleSet>) -> Result<Self, ImportError> {
        Timeline::new(sets, "rule set").map(Self)
    }
    pub fn set_at(&self, date: NaiveDate) -> Option<&RuleSet> {
        self.0.at(date)
    }
    pub fn set(&self, version: u32) -> Option<&RuleSet> {
        self.0.by_version(version)
    }
    pub fn sets(&self) -> &[RuleSet] {
        self.0.all()
    }
}
