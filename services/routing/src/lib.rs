//! Category catalogue and responsibility list 权责清单 for Gridflow: which unit a case goes to, and
//! which handler inside it, with an explanation of every decision.
//!
//! Owns: the versioned category catalogue (codes, conditions, per-stage limits, milestones), the
//! unit directory and facility registry, the effective-dated responsibility list, routing and
//! in-unit assignment, CSV/JSON importers and a demo dataset. Pure: it parses strings it is handed,
//! does no I/O and holds no clock; of Gridflow's crates it uses only the pure gridflow-sla, whose
//! threshold and escalation types a sub-class's SLA policy is written in. The engine, the API and
//! tools can all share it. Areas are referred to by code strings only (see [`codes`]).
//!
//! Routing precedence is documented on [`decide`].

pub mod assign;
pub mod catalogue;
pub mod codes;
pub mod decide;
pub mod demo;
pub mod error;
pub mod import;
pub mod rules;
pub mod sla_policy;
mod timeline;
pub mod units;

pub use assign::{Assignment, Eligibility, HandlerCheck, Workload, assign};
pub use catalogue::{
    Catalogue, CatalogueDoc, CatalogueVersion, Class, LimitUnit, Milestone, Stage, StageLimits, SubClass, TimeLimit,
    Urgency,
};
pub use codes::{AreaCode, AreaLevel, CategoryCode, CategoryRef, ClassCode, CodeError, Kind, LayerGrid};
pub use decide::{Basis, Candidate, Decision, RouteRequest, Router, TriageReason, Verdict};
pub use error::{ImportError, Issue, Problem};
pub use rules::{AreaSelector, CategorySelector, ResponsibilityList, Rule, RuleSet};
pub use sla_policy::{LimitsPatch, PauseWhile, SlaPolicy};
pub use timeline::Dated;
pub use units::{AssignmentPolicy, Directory, DirectoryDoc, DutyWindow, Facility, Handler, Unit, UnitType};
