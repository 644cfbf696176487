//! Picking a handler inside the lead unit: skill first, then duty schedule, then the unit's
//! policy (least-loaded or round-robin). Loads and the round-robin cursor are owned by the
//! caller's store, so this stays a pure function.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::units::{AssignmentPolicy, Unit};

/// The caller's view of current work in a unit.
#[derive(Debug, Clone, Default)]
pub struct Workload {
    /// Open cases per handler id; a missing handler counts as 0.
    pub loads: HashMap<String, u32>,
    /// Round-robin position: where in the unit's handler list to start looking, taken modulo
    /// the number of handlers, so the unit's ever-growing turn count can be passed as it is.
    pub cursor: usize,
}

/// Why a handler was or was not eligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    Eligible,
    MissingSkill,
    OffDuty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerCheck {
    pub handler: String,
    pub eligibility: Eligibility,
    pub load: u32,
}

/// The pick and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// `None` when nobody is eligible: the unit's own dispatcher must assign by hand.
    pub handler: Option<String>,
    pub policy: AssignmentPolicy,
    /// Every handler of the unit, in list order.
    pub checks: Vec<HandlerCheck>,
    /// For round-robin, the cursor to store for the next assignment.
    pub next_cursor: Option<usize>,
    pub reason: String,
}

/// Picks a handler of `unit` for a case needing `skill` at instant `at`, reading duty schedules
/// in local time at the fixed `offset`.
pub fn assign(unit: &Unit, skill: Option<&str>, at: DateTime<Utc>, offset: FixedOffset, work: &Workload) -> Assignment {
    let local = at.with_timezone(&offset);
    let (day, time) = (local.weekday(), local.time());
    let checks: Vec<HandlerCheck> = unit
        .handlers
        .iter()
        .map(|h| {
            let eligibility = if skill.is_some_and(|s| !h.has_skill(s)) {
                Eligibility::MissingSkill
            } else if !h.on_duty(day, time) {
                Eligibility::OffDuty
            } else {
                Eligibility::Eligible
            };
            HandlerCheck { handler: h.id.clone(), eligibility, load: work.loads.get(&h.id).copied().unwrap_or(0) }
        })
        .collect();
    let eligible = |i: &usize| checks.get(*i).is_some_and(|c| c.eligibility == Eligibility::Eligible);
    let n = checks.len();
    let when = format!("{day} {}", time.format("%H:%M"));
    let start = if n == 0 { 0 } else { work.cursor % n };
    let (chosen, next_cursor) = match unit.assignment {
        // Ties go to the earlier handler in the list, so the result never depends on hashing.
        AssignmentPolicy::LeastLoaded => ((0..n).filter(eligible).min_by_key(|&i| (checks[i].load, i)), None),
        AssignmentPolicy::RoundRobin => {
            let pick = (0..n).map(|k| (start + k) % n).find(eligible);
            (pick, pick.map(|i| (i + 1) % n))
        }
    };
    let skill_text = skill.unwrap_or("no particular skill");
    let reason = match chosen {
        Some(i) => match unit.assignment {
            AssignmentPolicy::LeastLoaded => {
                format!(
                    "{} has {skill_text}, is on duty at {when} and has the lowest load ({})",
                    checks[i].handler, checks[i].load
                )
            }
            AssignmentPolicy::RoundRobin => {
                format!(
                    "{} is the next eligible handler from position {start} of {n} (turn {}; {skill_text}, on duty at {when})",
                    checks[i].handler, work.cursor
                )
            }
        },
        None if !checks.iter().any(|c| c.eligibility != Eligibility::MissingSkill) => {
            format!("nobody in {} has {skill_text}", unit.id)
        }
        None => format!("nobody in {} with {skill_text} is on duty at {when}", unit.id),
    };
    Assignment {
        handler: chosen.map(|i| checks[i].handler.clone()),
        policy: unit.assignment,
        checks,
        next_cursor,
        reason,
    }
}
