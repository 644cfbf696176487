//! Units, their handlers and duty schedules, and the facility registry. Data only: who exists,
//! what they are responsible for, when they are on duty. Deciding happens in `decide`/`assign`.

use std::collections::HashMap;

use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::codes::{AreaCode, AreaLevel, CategoryRef, Kind};
use crate::error::{ImportError, Issues, Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    /// District office 区级: the territorial fallback of last resort.
    District,
    /// Street office 街道办事处: the territorial fallback for its street.
    Street,
    Community,
    SectorDepartment,
    FacilityOwner,
    Contractor,
}

impl UnitType {
    /// The area level a territorial unit must declare, `None` for non-territorial units.
    pub fn territory_level(self) -> Option<AreaLevel> {
        match self {
            UnitType::District => Some(AreaLevel::District),
            UnitType::Street => Some(AreaLevel::Street),
            UnitType::Community => Some(AreaLevel::Community),
            _ => None,
        }
    }
}

/// How a unit spreads cases over its eligible handlers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentPolicy {
    #[default]
    LeastLoaded,
    RoundRobin,
}

/// A weekly duty window in the unit's local time. `end <= start` means the shift runs past
/// midnight into the next day (a 20:00–08:00 night shift on Monday covers Tuesday 00:00–08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyWindow {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl DutyWindow {
    pub fn new(weekday: Weekday, start: NaiveTime, end: NaiveTime) -> Self {
        Self { weekday, start, end }
    }

    /// Is local wall-clock `(day, time)` inside this window? Start inclusive, end exclusive.
    pub fn covers(&self, day: Weekday, time: NaiveTime) -> bool {
        if self.start < self.end {
            day == self.weekday && self.start <= time && time < self.end
        } else {
            (day == self.weekday && time >= self.start) || (day == self.weekday.succ() && time < self.end)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handler {
    /// Unique across the directory, so loads can be keyed by handler id alone.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub schedule: Vec<DutyWindow>,
}

impl Handler {
    pub fn has_skill(&self, skill: &str) -> bool {
        self.skills.iter().any(|s| s == skill)
    }
    pub fn on_duty(&self, day: Weekday, time: NaiveTime) -> bool {
        self.schedule.iter().any(|w| w.covers(day, time))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(rename = "type")]
    pub unit_type: UnitType,
    /// The territory a district/street/community unit governs; how territorial fallback finds
    /// "the street office of street 110101003". Left out for other unit types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<AreaCode>,
    #[serde(default)]
    pub assignment: AssignmentPolicy,
    #[serde(default)]
    pub handlers: Vec<Handler>,
    /// The business calendar this unit's sign and handle clocks count working time on (a unit on
    /// a six-day week or a 24×7 depot); `None`: the city default. Must name a calendar in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
}

/// A registered facility 部件. The owner 权属单位 is accountable; the maintainer 养护单位 does the
/// work under the owner's contract; the supervising department 主管部门 oversees the sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facility {
    pub id: String,
    pub category: CategoryRef,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub maintainer: Option<String>,
    #[serde(default)]
    pub supervisor: Option<String>,
    /// The unit grid (15 digits) the facility stands in.
    pub grid: AreaCode,
}

/// All units and facilities, indexed for routing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "DirectoryDoc", into = "DirectoryDoc")]
pub struct Directory {
    units: Vec<Unit>,
    facilities: Vec<Facility>,
    unit_index: HashMap<String, usize>,
    facility_index: HashMap<String, usize>,
    territory_index: HashMap<UnitType, HashMap<String, usize>>,
}

/// The JSON shape of a [`Directory`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DirectoryDoc {
    pub units: Vec<Unit>,
    #[serde(default)]
    pub facilities: Vec<Facility>,
}

impl TryFrom<DirectoryDoc> for Directory {
    type Error = ImportError;
    fn try_from(doc: DirectoryDoc) -> Result<Self, ImportError> {
        Directory::new(doc.units, doc.facilities)
    }
}

impl From<Directory> for DirectoryDoc {
    fn from(d: Directory) -> Self {
        DirectoryDoc { units: d.units, facilities: d.facilities }
    }
}

impl Directory {
    /// Validates ids, territories, duty windows and facility references (`units[i]`,
    /// `facilities[i]` locate problems).
    pub fn new(units: Vec<Unit>, facilities: Vec<Facility>) -> Result<Self, ImportError> {
        let mut issues = Issues::default();
        let mut unit_index = HashMap::new();
        let mut territory_index: HashMap<UnitType, HashMap<String, usize>> = HashMap::new();
        let mut handler_ids = std::collections::HashSet::new();
        for (i, unit) in units.iter().enumerate() {
            let at = format!("units[{i}]");
            let code = Some(unit.id.as_str());
            if unit_index.insert(unit.id.clone(), i).is_some() {
                issues.push(&at, code, Problem::DuplicateId(unit.id.clone()));
            }
            match (unit.unit_type.territory_level(), &unit.area) {
                (Some(level), Some(area)) if area.level() == level => {
                    // Two street offices for one street would make the fallback a coin toss.
                    if territory_index.entry(unit.unit_type).or_default().insert(area.to_string(), i).is_some() {
                        let msg = format!("a second {:?} unit for area {area}", unit.unit_type);
                        issues.push(&at, code, Problem::Invalid(msg));
                    }
                }
                (Some(level), _) => {
                    issues.push(&at, code, Problem::Invalid(format!("needs an area code at {level:?} level")))
                }
                (None, Some(_)) => {
                    issues.push(&at, code, Problem::Invalid("only territorial units have an area".into()))
                }
                (None, None) => {}
            }
            for h in &unit.handlers {
                if !handler_ids.insert(h.id.as_str()) {
                    issues.push(&at, code, Problem::DuplicateId(h.id.clone()));
                }
                if h.schedule.iter().any(|w| w.start == w.end) {
                    issues.push(&at, Some(&h.id), Problem::Invalid("duty window starts and ends at once".into()));
                }
            }
        }
        let mut facility_index = HashMap::new();
        for (i, f) in facilities.iter().enumerate() {
            let at = format!("facilities[{i}]");
            let code = Some(f.id.as_str());
            if facility_index.insert(f.id.clone(), i).is_some() {
                issues.push(&at, code, Problem::DuplicateId(f.id.clone()));
            }
            if f.category.kind != Kind::Facility {
                issues.push(&at, code, Problem::Invalid(format!("{} is not a facility category", f.category)));
            }
            if f.grid.level() != AreaLevel::UnitGrid {
                issues.push(&at, code, Problem::Invalid(format!("grid {} is not a 15-digit unit grid", f.grid)));
            }
            for unit in [&f.owner, &f.maintainer, &f.supervisor].into_iter().flatten() {
                if !unit_index.contains_key(unit) {
                    issues.push(&at, code, Problem::UnknownUnit(unit.clone()));
                }
            }
        }
        issues.finish(Self { units, facilities, unit_index, facility_index, territory_index })
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }
    pub fn facilities(&self) -> &[Facility] {
        &self.facilities
    }
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.unit_index.get(id).and_then(|&i| self.units.get(i))
    }
    pub fn facility(&self, id: &str) -> Option<&Facility> {
        self.facility_index.get(id).and_then(|&i| self.facilities.get(i))
    }
    /// The unit of `unit_type` whose declared area is exactly `area` (e.g. the street office of a
    /// street code).
    pub fn territorial_unit(&self, unit_type: UnitType, area: &str) -> Option<&Unit> {
        self.territory_index.get(&unit_type)?.get(area).and_then(|&i| self.units.get(i))
    }
}
