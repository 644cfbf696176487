//! Routing decisions. Precedence, in order:
//!
//! 1. The category must exist in the catalogue version in force on the request date (or, when
//!    re-routing a case, the version it was registered under), else triage.
//! 2. Facility categories with a registered facility id go to the facility's **owner** 权属单位,
//!    with its maintainer as co-handler. The maintainer never leads: it works under the owner's
//!    contract and has no authority of its own (责随权走). If the owner is unknown or excluded,
//!    the case is routed like any other (steps 3–4, using the facility's grid when the request has
//!    no area) and the facility's supervising department joins as co-handler, so the sector
//!    authority is told that an ownerless facility needs an owner found.
//! 3. Rules of the rule set in force on the date whose category and area match. Among them the
//!    most specific area wins (unit grid = other-layer grid > community > street > district >
//!    any), then the most specific category (sub-class > class > any), then the higher priority,
//!    then the lowest rule id. Rules whose lead is excluded are skipped; an excluded co-handler is
//!    only dropped from the co-handlers, because the rule's lead is still the right one.
//! 4. Territorial fallback 属地兜底: the street office of the area's street (unit of type street
//!    whose `area` is that 9-digit code), else the district office (type district, 6-digit area).
//! 5. Triage: the case goes to the command centre's manual queue, with the reason.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::codes::{AreaCode, AreaLevel, CategoryRef, Kind, LayerGrid};
use crate::error::{ImportError, Issues};
use crate::rules::{ResponsibilityList, Rule};
use crate::units::{Directory, UnitType};

/// What to route. `area` is normally the 15-digit unit-grid code (its prefixes give community,
/// street and district); a hotline case that only knows its street may carry the 9-digit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRequest {
    pub category: CategoryRef,
    pub date: NaiveDate,
    #[serde(default)]
    pub area: Option<AreaCode>,
    /// Grids of other layers covering the spot (`school:SCH-0007`).
    #[serde(default)]
    pub layer_grids: Vec<LayerGrid>,
    #[serde(default)]
    pub facility_id: Option<String>,
    /// Units that returned the case as not theirs; re-routing must avoid them.
    #[serde(default)]
    pub excluded_units: Vec<String>,
    /// The catalogue version the case was registered under: re-routing an existing case keeps it
    /// (a case keeps its version), while the rules still follow `date`. `None`: the version in
    /// force on `date`, as for a new case.
    #[serde(default)]
    pub catalogue_version: Option<u32>,
}

impl RouteRequest {
    pub fn new(category: CategoryRef, date: NaiveDate, area: Option<AreaCode>) -> Self {
        Self {
            category,
            date,
            area,
            layer_grids: Vec::new(),
            facility_id: None,
            excluded_units: Vec::new(),
            catalogue_version: None,
        }
    }
    fn excluded(&self, unit: &str) -> bool {
        self.excluded_units.iter().any(|u| u == unit)
    }
}

/// What decided the lead unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Basis {
    FacilityOwner { facility_id: String },
    Rule { rule_id: u32 },
    StreetFallback { street: String },
    DistrictFallback { district: String },
    Triage { reason: TriageReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageReason {
    /// The category is not in the catalogue version in force on the date.
    UnknownCategory,
    /// No rule matched and there is no territorial code to fall back on.
    NoArea,
    /// No rule matched and no street or district unit is available (missing or excluded).
    NoTerritorialUnit,
}

/// Why a matching rule did or did not win; `winner` is the rule it lost to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Won,
    LessSpecificArea {
        winner: u32,
    },
    LessSpecificCategory {
        winner: u32,
    },
    LowerPriority {
        winner: u32,
    },
    HigherId {
        winner: u32,
    },
    /// Its lead returned this case before.
    ExcludedLead {
        unit: String,
    },
    /// The facility's owner leads; rules only apply when the owner is unknown or excluded.
    FacilityOwnerFirst,
}

/// A rule whose category and area matched the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub rule_id: u32,
    pub category: String,
    pub area: String,
    pub lead: String,
    pub priority: i32,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// The answer, explaining itself (the body of `POST /api/v1/routing/explain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// `None` only on triage.
    pub lead: Option<String>,
    pub co_handlers: Vec<String>,
    pub basis: Basis,
    pub catalogue_version: Option<u32>,
    pub rule_set_version: Option<u32>,
    /// Matching rules, best first (excluded ones last).
    pub candidates: Vec<Candidate>,
    /// Human-readable steps, in the order they were taken.
    pub trace: Vec<String>,
}

/// Catalogue, responsibility list and directory, checked against each other once.
#[derive(Debug, Clone)]
pub struct Router {
    catalogue: Catalogue,
    rules: ResponsibilityList,
    directory: Directory,
}

impl Router {
    /// Fails if any rule set names a unit the directory does not know.
    pub fn new(catalogue: Catalogue, rules: ResponsibilityList, directory: Directory) -> Result<Self, ImportError> {
        let mut issues = Issues::default();
        for set in rules.sets() {
            if let Err(e) = set.check_units(&directory) {
                issues.extend(e);
            }
        }
        issues.finish(Self { catalogue, rules, directory })
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
    pub fn rules(&self) -> &ResponsibilityList {
        &self.rules
    }
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn route(&self, req: &RouteRequest) -> Decision {
        let mut d = Decision {
            lead: None,
            co_handlers: Vec::new(),
            basis: Basis::Triage { reason: TriageReason::UnknownCategory },
            catalogue_version: None,
            rule_set_version: None,
            candidates: Vec::new(),
            trace: Vec::new(),
        };
        let pinned = req.catalogue_version.and_then(|v| self.catalogue.version(v));
        if let Some(v) = req.catalogue_version {
            match pinned {
                Some(_) => d.trace.push(format!("catalogue version {v}: the one the case was registered under")),
                None => d.trace.push(format!("catalogue version {v} is gone; using the one in force on {}", req.date)),
            }
        }
        let Some(catalogue) = pinned.or_else(|| self.catalogue.version_at(req.date)) else {
            d.trace.push(format!("no catalogue version in force on {}", req.date));
            return d;
        };
        d.catalogue_version = Some(catalogue.version());
        if catalogue.get(&req.category).is_none() {
            d.trace.push(format!("{} is not in catalogue version {}", req.category, catalogue.version()));
            return d;
        }

        let mut area = req.area.as_ref();
        let mut supervisor = None;
        let facility = req.facility_id.as_deref().and_then(|id| {
            let found = self.directory.facility(id);
            if found.is_none() {
                d.trace.push(format!("facility {id} is not in the registry; routing by category and area"));
            }
            found
        });
        let mut owner_leads = false;
        if let Some(f) = facility {
            if area.is_none() {
                area = Some(&f.grid);
                d.trace.push(format!("area taken from facility {}: grid {}", f.id, f.grid));
            }
            if req.category.kind == Kind::Event {
                d.trace.push("event category: the facility only locates the case".into());
            } else {
                match f.owner.as_deref() {
                    Some(owner) if !req.excluded(owner) => {
                        owner_leads = true;
                        d.lead = Some(owner.to_owned());
                        d.co_handlers.extend(f.maintainer.iter().filter(|m| *m != owner && !req.excluded(m)).cloned());
                        d.basis = Basis::FacilityOwner { facility_id: f.id.clone() };
                        d.trace.push(format!("facility {} is owned by {owner}: owner leads", f.id));
                    }
                    Some(owner) => d.trace.push(format!("facility owner {owner} is excluded; routing by rules")),
                    None => d.trace.push(format!("facility {} has no known owner; routing by rules", f.id)),
                }
                if !owner_leads {
                    supervisor = f.supervisor.as_deref().filter(|s| !req.excluded(s));
                }
            }
        }

        self.rank_rules(req, area, owner_leads, &mut d);
        if !owner_leads && d.lead.is_none() {
            self.territorial_fallback(req, area, &mut d);
        }
        if let (Some(sup), Some(lead)) = (supervisor, d.lead.as_deref())
            && sup != lead
            && !d.co_handlers.iter().any(|c| c == sup)
        {
            d.co_handlers.push(sup.to_owned());
            d.trace.push(format!("supervising department {sup} joins as co-handler"));
        }
        d
    }

    /// Fills candidates and, unless the facility owner already leads, the winning rule.
    fn rank_rules(&self, req: &RouteRequest, area: Option<&AreaCode>, owner_leads: bool, d: &mut Decision) {
        let Some(set) = self.rules.set_at(req.date) else {
            d.trace.push(format!("no rule set in force on {}", req.date));
            return;
        };
        d.rule_set_version = Some(set.version());
        let key = |r: &Rule| {
            (
                std::cmp::Reverse(r.area.specificity()),
                std::cmp::Reverse(r.category.specificity()),
                std::cmp::Reverse(r.priority),
                r.id,
            )
        };
        let mut matching: Vec<&Rule> = set
            .rules()
            .iter()
            .filter(|r| r.category.matches(&req.category) && r.area.matches(area, &req.layer_grids))
            .collect();
        matching.sort_by_key(|r| key(r));
        let (eligible, excluded): (Vec<&Rule>, Vec<&Rule>) = matching.into_iter().partition(|r| !req.excluded(&r.lead));
        let winner = if owner_leads { None } else { eligible.first().copied() };
        for &rule in &eligible {
            let verdict = match winner {
                None => Verdict::FacilityOwnerFirst,
                Some(w) if w.id == rule.id => Verdict::Won,
                Some(w) if w.area.specificity() != rule.area.specificity() => {
                    Verdict::LessSpecificArea { winner: w.id }
                }
                Some(w) if w.category.specificity() != rule.category.specificity() => {
                    Verdict::LessSpecificCategory { winner: w.id }
                }
                Some(w) if w.priority != rule.priority => Verdict::LowerPriority { winner: w.id },
                Some(w) => Verdict::HigherId { winner: w.id },
            };
            d.candidates.push(candidate(rule, verdict));
        }
        for &rule in &excluded {
            d.candidates.push(candidate(rule, Verdict::ExcludedLead { unit: rule.lead.clone() }));
        }
        let Some(w) = winner else {
            if !owner_leads {
                d.trace.push(format!("no usable rule in rule set {} ({} excluded)", set.version(), excluded.len()));
            }
            return;
        };
        d.lead = Some(w.lead.clone());
        d.basis = Basis::Rule { rule_id: w.id };
        for co in &w.co_handlers {
            if req.excluded(co) {
                d.trace.push(format!("co-handler {co} is excluded and dropped"));
            } else {
                d.co_handlers.push(co.clone());
            }
        }
        d.trace.push(format!("rule {} ({} × {}) wins out of {} matching", w.id, w.category, w.area, eligible.len()));
    }

    fn territorial_fallback(&self, req: &RouteRequest, area: Option<&AreaCode>, d: &mut Decision) {
        let Some(area) = area else {
            d.basis = Basis::Triage { reason: TriageReason::NoArea };
            d.trace.push("no territorial code to fall back on: triage".into());
            return;
        };
        let levels =
            [(UnitType::Street, AreaLevel::Street, "street"), (UnitType::District, AreaLevel::District, "district")];
        for (unit_type, level, name) in levels {
            let Some(code) = area.at_level(level) else { continue };
            match self.directory.territorial_unit(unit_type, code) {
                Some(unit) if !req.excluded(&unit.id) => {
                    d.lead = Some(unit.id.clone());
                    d.basis = match unit_type {
                        UnitType::Street => Basis::StreetFallback { street: code.to_owned() },
                        _ => Basis::DistrictFallback { district: code.to_owned() },
                    };
                    d.trace.push(format!("territorial fallback to the {name} unit {} of {code}", unit.id));
                    return;
                }
                Some(unit) => d.trace.push(format!("{name} unit {} of {code} is excluded", unit.id)),
                None => d.trace.push(format!("no {name} unit for {code}")),
            }
        }
        d.basis = Basis::Triage { reason: TriageReason::NoTerritorialUnit };
        d.trace.push("no territorial unit available: triage".into());
    }
}

fn candidate(rule: &Rule, verdict: Verdict) -> Candidate {
    Candidate {
        rule_id: rule.id,
        category: rule.category.to_string(),
        area: rule.area.to_string(),
        lead: rule.lead.clone(),
        priority: rule.priority,
        verdict,
    }
}
