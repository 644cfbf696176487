//! Escalation chains as durable timers: the policy ([`chain_for`]) is catalogue data, and
//! every run of a step is one `sla_timers` row of kind `esc:<step>:<repetition>` on the clock
//! generation whose threshold started it. The first runs are armed in the same commit as the
//! `threshold_reached` event; each run, when it fires, is applied and arms its next repetition in
//! the same commit that marks it fired. A run whose clock stopped or moved to another generation
//! (the stage made progress, was paused, extended, ...) does nothing: progress stops the chain.

use chrono::{DateTime, TimeDelta, Utc};
use gridflow_domain::lifecycle::states_for;
use gridflow_domain::ports::TimerSpec;
use gridflow_domain::{Case, ClockRun, Command, RoutingNote, Urgency};
use gridflow_routing::SubClass;
use gridflow_sla::{Action, EscalationChain, Repeat, Step, StepRun, Thresholds, Trigger, next_step_at};
use std::collections::BTreeMap;

/// Prefix of escalation timer kinds.
pub const KIND_PREFIX: &str = "esc:";
/// The symbolic `Escalate` target resolved to the street office of the case's grid.
pub const STREET_OFFICE: &str = "street";

/// The city's default chain, for sub-classes whose SLA policy sets none:
///
/// 0. at 80 % of the limit: notify the unit's dispatcher;
/// 1. at the breach: urge 催办 the unit;
/// 2. 60 minutes after the breach: urge again, then every 24 h, at most 3 more times;
/// 3. 24 h (natural) after the breach: escalate to the street office of the case's grid
///    (`street-<first 9 digits of the grid>`, written [`STREET_OFFICE`] in the chain);
/// 4. on the sign clock only, at its breach: re-offer the case to the unit's next eligible
///    handler, and again every 30 minutes while nobody signs, at most 3 more times.
pub fn default_chain() -> EscalationChain {
    EscalationChain {
        steps: vec![
            Step {
                after: Trigger::Threshold(80),
                delay_minutes: 0,
                action: Action::NotifyDispatcher,
                repeat: None,
                stages: vec![],
            },
            Step { after: Trigger::Breach, delay_minutes: 0, action: Action::Urge, repeat: None, stages: vec![] },
            Step {
                after: Trigger::Breach,
                delay_minutes: 60,
                action: Action::Urge,
                repeat: Some(Repeat { every_minutes: 24 * 60, max_times: 3 }),
                stages: vec![],
            },
            Step {
                after: Trigger::Breach,
                delay_minutes: 24 * 60,
                action: Action::Escalate { to: STREET_OFFICE.into() },
                repeat: None,
                stages: vec![],
            },
            // Last, so the indices armed timers carry keep meaning the steps above.
            Step {
                after: Trigger::Breach,
                delay_minutes: 0,
                action: Action::Reoffer,
                repeat: Some(Repeat { every_minutes: 30, max_times: 3 }),
                stages: vec![gridflow_sla::Stage::Sign],
            },
        ],
    }
}

pub(crate) fn urgency_of(u: Urgency) -> gridflow_routing::Urgency {
    match u {
        Urgency::Normal => gridflow_routing::Urgency::Normal,
        Urgency::Urgent => gridflow_routing::Urgency::Urgent,
        Urgency::Emergency => gridflow_routing::Urgency::Emergency,
    }
}

/// The escalation chain of a case of sub-class `sub` (the catalogue version the case was reported
/// under) at `urgency`: the sub-class's chain for that urgency, else its general chain, else the
/// [`default_chain`]. Timers carry step indices, so a chain edited while runs are armed applies
/// its new step at that index from then on.
pub fn chain_for(sub: Option<&SubClass>, urgency: Urgency) -> EscalationChain {
    sub.and_then(|s| s.sla.as_ref())
        .and_then(|p| p.chain_for(urgency_of(urgency)).cloned())
        .unwrap_or_else(default_chain)
}

/// The warning thresholds of sub-class `sub`: its policy's, else 50/80/100 %.
pub fn thresholds_for(sub: Option<&SubClass>) -> Thresholds {
    sub.and_then(|s| s.sla.as_ref()).and_then(|p| p.thresholds.clone()).unwrap_or_default()
}

/// The timer kind of one step run.
pub fn kind(step: usize, repetition: u32) -> String {
    format!("{KIND_PREFIX}{step}:{repetition}")
}

/// `(step, repetition)` of an escalation timer kind.
pub fn parse_kind(kind: &str) -> Option<(usize, u32)> {
    let (step, repetition) = kind.strip_prefix(KIND_PREFIX)?.split_once(':')?;
    Some((step.parse().ok()?, repetition.parse().ok()?))
}

/// The chain reduced to one step, so that the planner answers for that step alone (index 0).
fn only(chain: &EscalationChain, step: usize) -> Option<EscalationChain> {
    chain.steps.get(step).map(|s| EscalationChain { steps: vec![s.clone()] })
}

fn spec(case: &Case, clock: &str, generation: i32, step: usize, repetition: u32, due_at: DateTime<Utc>) -> TimerSpec {
    TimerSpec { case_id: case.id, clock: clock.into(), generation, kind: kind(step, repetition), due_at }
}

/// The first run of every step that threshold `percent` of `clock` (fired at its instant
/// `fired_at`) starts, among the steps that apply to that clock's stage.
pub fn first_runs(
    chain: &EscalationChain,
    case: &Case,
    clock: &str,
    generation: i32,
    percent: u16,
    fired_at: DateTime<Utc>,
) -> Vec<TimerSpec> {
    let fired = BTreeMap::from([(percent, fired_at)]);
    let stage = crate::clocks::stage_of(clock);
    (0..chain.steps.len())
        .filter(|&i| chain.steps[i].after.percent() == percent && chain.steps[i].applies_to(stage))
        .filter_map(|i| {
            let at = next_step_at(&only(chain, i)?, &fired, &[], fired_at)?;
            Some(spec(case, clock, generation, i, 0, at))
        })
        .collect()
}

/// The run after `(step, repetition)`, planned at `at`: its next repetition, if the step repeats.
pub fn next_run(
    chain: &EscalationChain,
    case: &Case,
    clock: &str,
    generation: i32,
    (step, repetition): (usize, u32),
    at: DateTime<Utc>,
) -> Option<TimerSpec> {
    let single = only(chain, step)?;
    let s = &single.steps[0];
    // The trigger's instant, back from the planned instant of this run.
    let every = s.repeat.map_or(0, |r| i64::from(r.every_minutes));
    let back = TimeDelta::minutes(i64::from(s.delay_minutes) + every * i64::from(repetition));
    let fired = BTreeMap::from([(s.after.percent(), at.checked_sub_signed(back)?)]);
    let done = [StepRun { step: 0, repetition, at }];
    let next = next_step_at(&single, &fired, &done, at)?;
    (next > at).then(|| spec(case, clock, generation, step, repetition + 1, next))
}

/// Whether `clock` of `case` still runs at `generation` (else the chain is over for that run).
pub fn running_at(case: &Case, clock: &str, generation: i32) -> bool {
    case.clocks
        .get(clock)
        .is_some_and(|c| c.state == ClockRun::Running && i32::try_from(c.generation).ok() == Some(generation))
}

/// `street-<first 9 digits of the grid>`, the street office responsible for the case's grid.
pub fn street_office(case: &Case) -> Option<String> {
    let digits: String = case.grid.as_deref()?.chars().filter(char::is_ascii_digit).take(9).collect();
    (digits.len() == 9).then(|| format!("street-{digits}"))
}

/// The commands one step run applies to `case` (empty when the action does not apply now).
/// `elsewhere` is where an automatic re-dispatch sends the case (see
/// [`crate::routing::decide_elsewhere`]); without it the dispatcher is asked to re-dispatch by hand.
pub fn commands(
    action: &Action,
    case: &Case,
    clock: &str,
    (step, repetition): (usize, u32),
    elsewhere: Option<&RoutingNote>,
) -> Vec<Command> {
    // Before dispatch (intake and dispatch clocks) the case is the command center's 指挥中心.
    let unit = case.department.clone().unwrap_or_else(|| "center".into());
    let why = |what: &str| format!("{what} (escalation step {step}, run {repetition}, {clock} clock)");
    // The symbolic [`STREET_OFFICE`] names the street office of the case's grid.
    let resolve =
        |to: &String| if to == STREET_OFFICE { street_office(case).unwrap_or_else(|| to.clone()) } else { to.clone() };
    let commands = match action {
        Action::NotifyDispatcher => {
            vec![Command::Notify { to: format!("{unit}:dispatcher"), reason: why("the limit is near") }]
        }
        Action::Urge => vec![Command::Urge { note: why("the limit is passed: automatic urge") }],
        Action::Escalate { to } => vec![Command::Escalate { reason: why("overdue"), to: resolve(to) }],
        // The whistle is recorded on the case and each department's report-in deadline runs as a
        // clock of its own (see `crate::clock_events`); the notice goes out with the event.
        Action::Whistle { departments, report_in_minutes } => vec![Command::Whistle {
            departments: departments.iter().map(resolve).collect(),
            report_in_minutes: *report_in_minutes,
            reason: why("whistle 吹哨"),
        }],
        // The timer worker offers the case to the next handler itself (see
        // `crate::routing::reoffer`); reaching here means nobody else in the unit can take it.
        Action::Reoffer => vec![Command::Notify {
            to: format!("{unit}:dispatcher"),
            reason: why(
                "not signed in time and no other handler of the unit is on duty with the skill: assign by hand",
            ),
        }],
        Action::AutoRedispatch => match elsewhere {
            Some(note) => vec![Command::Reroute {
                reason: why("no progress in time: re-dispatched automatically"),
                decision: Some(note.clone()),
            }],
            None => vec![Command::Notify {
                to: "dispatcher".into(),
                reason: why("no progress in time and the rules name no other unit: re-dispatch by hand"),
            }],
        },
    };
    commands.into_iter().filter(|c| states_for(c).contains(&case.state)).collect()
}

#[cfg(test)]
#[path = "escalation_tests.rs"]
mod tests;
