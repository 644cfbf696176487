//! Escalation chains: what happens after a threshold fires (notify, urge 催办, escalate, whistle
//! 吹哨报到, re-dispatch), planned as pure data so the service can run each step exactly once.
//!
//! The chain runs only while the stage makes no progress: when the stage ends (or the clock is
//! reset, paused or extended and a new generation of threshold timers is armed) the caller simply
//! stops calling [`due_steps`] for the old firing instants. Nothing here needs cancelling.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Stage;
use crate::thresholds::{BREACH, Thresholds};

/// What a step waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A warning threshold (percent of the limit) was reached.
    Threshold(u16),
    /// The due instant passed (the 100% threshold).
    Breach,
}

impl Trigger {
    /// The threshold percent whose firing instant starts this step.
    pub fn percent(self) -> u16 {
        match self {
            Self::Threshold(percent) => percent,
            Self::Breach => BREACH,
        }
    }
}

/// What a step does. The service maps each to notifications, tasks or a re-dispatch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    NotifyDispatcher,
    /// Urge 催办 the handling department.
    Urge,
    /// Escalate to a named role or unit (e.g. the unit leader, copied on an overdue notice).
    Escalate {
        to: String,
    },
    /// Blow the whistle 吹哨: the named departments must report in within the deadline.
    Whistle {
        departments: Vec<String>,
        report_in_minutes: u32,
    },
    AutoRedispatch,
    /// Re-offer the case to another handler of the unit (DOMAIN.md §4: an offer not signed within
    /// its limit is re-offered and the miss recorded). Meant for the sign stage.
    Reoffer,
}

/// Repeat a step every `every_minutes` (natural), at most `max_times` more times after the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Repeat {
    pub every_minutes: u32,
    pub max_times: u32,
}

/// One step: `delay_minutes` (natural) after its trigger fired, do `action`, maybe repeatedly.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Step {
    pub after: Trigger,
    #[serde(default)]
    pub delay_minutes: u32,
    pub action: Action,
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// The stages whose clocks run this step (e.g. re-dispatch only when the sign clock breaches);
    /// empty: every stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Stage>,
}

impl Step {
    /// Whether a clock of `stage` runs this step.
    pub fn applies_to(&self, stage: Stage) -> bool {
        self.stages.is_empty() || self.stages.contains(&stage)
    }
}

/// The ordered steps for a category or stage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EscalationChain {
    pub steps: Vec<Step>,
}

/// A chain that cannot run as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EscalationError {
    #[error("step {step} waits for the {percent}% threshold, which the thresholds do not contain")]
    UnknownThreshold { step: usize, percent: u16 },
    #[error("step {step} repeats every 0 minutes")]
    ZeroRepeatInterval { step: usize },
}

impl EscalationChain {
    /// Checks that every trigger names a configured threshold and repeats have a period. An
    /// unchecked chain still plans safely: unknown triggers never fire, a 0-minute repeat never repeats.
    pub fn validate(&self, thresholds: &Thresholds) -> Result<(), EscalationError> {
        for (index, step) in self.steps.iter().enumerate() {
            let percent = step.after.percent();
            if !thresholds.percents().contains(&percent) {
                return Err(EscalationError::UnknownThreshold { step: index, percent });
            }
            if step.repeat.is_some_and(|r| r.every_minutes == 0) {
                return Err(EscalationError::ZeroRepeatInterval { step: index });
            }
        }
        Ok(())
    }
}

/// One run of a step: step index in the chain, repetition (0 = first run), and the planned instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StepRun {
    pub step: usize,
    pub repetition: u32,
    pub at: DateTime<Utc>,
}

/// The step runs due at `now`, ordered by planned instant then step index.
///
/// `fired` maps a threshold percent to the instant it fired (for the clock generation in force);
/// `done` holds the runs already carried out. Per step, only the *latest* repetition due by `now`
/// is returned, and only if it is newer than every done repetition of that step: after an outage,
/// missed reminders collapse into one instead of arriving in a burst, and nothing runs twice.
/// `at` is the planned instant, not `now`, so the result is deterministic.
pub fn due_steps(
    chain: &EscalationChain,
    fired: &BTreeMap<u16, DateTime<Utc>>,
    done: &[StepRun],
    now: DateTime<Utc>,
) -> Vec<StepRun> {
    let mut runs: Vec<StepRun> =
        chain.steps.iter().enumerate().filter_map(|(index, step)| plan(index, step, fired, done, now).due).collect();
    runs.sort_by_key(|run| (run.at, run.step));
    runs
}

/// When [`due_steps`] will next return something: `<= now` if a run is due and not yet done,
/// else the earliest future planned instant, `None` when the chain is exhausted or not triggered.
/// This is the instant to arm the next escalation timer at.
pub fn next_step_at(
    chain: &EscalationChain,
    fired: &BTreeMap<u16, DateTime<Utc>>,
    done: &[StepRun],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    chain
        .steps
        .iter()
        .enumerate()
        .filter_map(|(index, step)| {
            let plan = plan(index, step, fired, done, now);
            plan.due.map(|run| run.at).or(plan.next)
        })
        .min()
}

/// One step's situation at `now`: the run due (if any) and the next planned instant after `now`.
struct Plan {
    due: Option<StepRun>,
    next: Option<DateTime<Utc>>,
}

fn plan(index: usize, step: &Step, fired: &BTreeMap<u16, DateTime<Utc>>, done: &[StepRun], now: DateTime<Utc>) -> Plan {
    let none = Plan { due: None, next: None };
    let Some(first) = fired
        .get(&step.after.percent())
        .and_then(|fired_at| fired_at.checked_add_signed(TimeDelta::minutes(i64::from(step.delay_minutes))))
    else {
        return none;
    };
    let (every, max_times) = match step.repeat {
        Some(Repeat { every_minutes, max_times }) if every_minutes > 0 => {
            (TimeDelta::minutes(i64::from(every_minutes)), max_times)
        }
        _ => (TimeDelta::zero(), 0),
    };
    let planned = |repetition: u32| first.checked_add_signed(every * i32::try_from(repetition).unwrap_or(i32::MAX));
    let last_done = done.iter().filter(|run| run.step == index).map(|run| run.repetition).max();
    let newer = |repetition: u32| last_done.is_none_or(|last| repetition > last);

    // The latest repetition whose planned instant is <= now.
    let latest = if now < first {
        None
    } else if every.is_zero() {
        Some(0)
    } else {
        let elapsed = (now - first).num_seconds() / every.num_seconds();
        Some(u32::try_from(elapsed).unwrap_or(u32::MAX).min(max_times))
    };
    let due =
        latest.filter(|&r| newer(r)).and_then(|r| planned(r).map(|at| StepRun { step: index, repetition: r, at }));
    let following = latest.map_or(0, |r| r.saturating_add(1));
    let following = last_done.map_or(following, |last| following.max(last.saturating_add(1)));
    let next = if following <= max_times { planned(following).filter(|at| *at > now) } else { None };
    Plan { due, next }
}
