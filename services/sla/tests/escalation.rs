//! Escalation planning: delays respected, repeats bounded, nothing run twice, deterministic.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use common::sh;
use gridflow_sla::{
    Action, EscalationChain, Repeat, Step, StepRun, Thresholds, Trigger, due_steps, escalation::EscalationError,
    next_step_at,
};
use proptest::prelude::*;

fn chain() -> EscalationChain {
    EscalationChain {
        steps: vec![
            Step {
                after: Trigger::Threshold(80),
                delay_minutes: 0,
                action: Action::Urge,
                repeat: None,
                stages: vec![],
            },
            Step {
                after: Trigger::Breach,
                delay_minutes: 60,
                action: Action::Escalate { to: "unit_leader".into() },
                repeat: Some(Repeat { every_minutes: 1440, max_times: 2 }),
                stages: vec![],
            },
            Step {
                after: Trigger::Breach,
                delay_minutes: 0,
                action: Action::Whistle { departments: vec!["water".into(), "roads".into()], report_in_minutes: 30 },
                repeat: None,
                stages: vec![],
            },
        ],
    }
}

fn run(step: usize, repetition: u32, at: DateTime<Utc>) -> StepRun {
    StepRun { step, repetition, at }
}

#[test]
fn steps_wait_for_their_trigger_and_delay() {
    let (chain, warn, breach) = (chain(), sh("2026-03-02 14:00"), sh("2026-03-02 15:30"));
    let mut fired = BTreeMap::new();
    assert!(due_steps(&chain, &fired, &[], warn).is_empty());
    assert_eq!(next_step_at(&chain, &fired, &[], warn), None);
    fired.insert(80, warn);
    assert!(due_steps(&chain, &fired, &[], warn - TimeDelta::seconds(1)).is_empty());
    assert_eq!(due_steps(&chain, &fired, &[], warn), vec![run(0, 0, warn)]);
    let done = vec![run(0, 0, warn)];
    assert!(due_steps(&chain, &fired, &done, sh("2026-03-02 15:00")).is_empty());
    assert_eq!(next_step_at(&chain, &fired, &done, warn), None, "breach has not fired");
    fired.insert(100, breach);
    // Breach: the whistle at once, the escalation an hour later.
    assert_eq!(due_steps(&chain, &fired, &done, breach), vec![run(2, 0, breach)]);
    let done = vec![run(0, 0, warn), run(2, 0, breach)];
    assert_eq!(next_step_at(&chain, &fired, &done, breach), Some(breach + TimeDelta::hours(1)));
    assert!(due_steps(&chain, &fired, &done, breach + TimeDelta::minutes(59)).is_empty());
    assert_eq!(
        due_steps(&chain, &fired, &done, breach + TimeDelta::hours(1)),
        vec![run(1, 0, breach + TimeDelta::hours(1))]
    );
}

#[test]
fn repeats_are_bounded_and_missed_ones_coalesce() {
    let (chain, breach) = (chain(), sh("2026-03-02 15:30"));
    let fired = BTreeMap::from([(80, sh("2026-03-02 14:00")), (100, breach)]);
    let first = breach + TimeDelta::hours(1);
    let mut done = vec![run(0, 0, sh("2026-03-02 14:00")), run(2, 0, breach), run(1, 0, first)];
    assert_eq!(next_step_at(&chain, &fired, &done, first), Some(first + TimeDelta::days(1)));
    let second = due_steps(&chain, &fired, &done, first + TimeDelta::days(1) + TimeDelta::minutes(5));
    assert_eq!(second, vec![run(1, 1, first + TimeDelta::days(1))]);
    // After a long outage only the last allowed repetition (max_times = 2) is returned.
    let late = first + TimeDelta::days(30);
    assert_eq!(due_steps(&chain, &fired, &done, late), vec![run(1, 2, first + TimeDelta::days(2))]);
    done.push(run(1, 2, first + TimeDelta::days(2)));
    assert!(due_steps(&chain, &fired, &done, late).is_empty());
    assert_eq!(next_step_at(&chain, &fired, &done, late), None);
}

#[test]
fn several_due_steps_are_ordered_by_instant_then_step() {
    let chain = chain();
    let t = sh("2026-03-02 15:30");
    let fired = BTreeMap::from([(80, t), (100, t)]);
    let runs = due_steps(&chain, &fired, &[], t + TimeDelta::hours(2));
    assert_eq!(runs, vec![run(0, 0, t), run(2, 0, t), run(1, 0, t + TimeDelta::hours(1))]);
    assert_eq!(runs, due_steps(&chain, &fired, &[], t + TimeDelta::hours(2)));
}

#[test]
fn validation_and_wire_format() {
    let t = Thresholds::default();
    assert_eq!(chain().validate(&t), Ok(()));
    let mut bad = chain();
    bad.steps[0].after = Trigger::Threshold(90);
    assert_eq!(bad.validate(&t), Err(EscalationError::UnknownThreshold { step: 0, percent: 90 }));
    bad.steps[0].after = Trigger::Threshold(80);
    bad.steps[1].repeat = Some(Repeat { every_minutes: 0, max_times: 3 });
    assert_eq!(bad.validate(&t), Err(EscalationError::ZeroRepeatInterval { step: 1 }));
    let json = serde_json::to_value(chain()).unwrap();
    assert_eq!(json["steps"][0]["after"], serde_json::json!({"threshold": 80}));
    assert_eq!(json["steps"][1]["after"], "breach");
    assert_eq!(json["steps"][1]["action"], serde_json::json!({"kind": "escalate", "to": "unit_leader"}));
    assert_eq!(json["steps"][2]["action"]["kind"], "whistle");
    assert_eq!(serde_json::from_value::<EscalationChain>(json).unwrap(), chain());
}

fn any_step() -> impl Strategy<Value = Step> {
    let trigger = prop_oneof![Just(Trigger::Threshold(50)), Just(Trigger::Threshold(80)), Just(Trigger::Breach)];
    let repeat =
        proptest::option::of((0u32..300, 0u32..5).prop_map(|(e, m)| Repeat { every_minutes: e, max_times: m }));
    (trigger, 0u32..600, repeat).prop_map(|(after, delay_minutes, repeat)| Step {
        after,
        delay_minutes,
        action: Action::NotifyDispatcher,
        repeat,
        stages: vec![],
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A timer loop that wakes at `next_step_at` (or polls at random gaps) runs every step at most
    /// once per repetition, never before its delay, never beyond `max_times`, and terminates.
    #[test]
    fn timer_loop_never_repeats_and_terminates(
        steps in proptest::collection::vec(any_step(), 1..5), gaps in proptest::collection::vec(0i64..2000, 1..40),
    ) {
        let chain = EscalationChain { steps };
        let base = sh("2026-03-02 09:00");
        let fired = BTreeMap::from([(50, base), (80, base + TimeDelta::minutes(90)), (100, base + TimeDelta::minutes(180))]);
        let mut done: Vec<StepRun> = Vec::new();
        let mut now = base;
        let mut wakeups = gaps.into_iter();
        for _ in 0..200 {
            for step_run in due_steps(&chain, &fired, &done, now) {
                let step = &chain.steps[step_run.step];
                let earliest = fired[&step.after.percent()] + TimeDelta::minutes(i64::from(step.delay_minutes));
                prop_assert!(step_run.at >= earliest && step_run.at <= now);
                let max = step.repeat.filter(|r| r.every_minutes > 0).map_or(0, |r| r.max_times);
                prop_assert!(step_run.repetition <= max);
                done.push(step_run);
            }
            match (wakeups.next(), next_step_at(&chain, &fired, &done, now)) {
                (Some(gap), _) => now += TimeDelta::minutes(gap),
                (None, Some(next)) => { prop_assert!(next > now); now = next; }
                (None, None) => break,
            }
        }
        prop_assert_eq!(next_step_at(&chain, &fired, &done, now), None);
        let unique: BTreeSet<_> = done.iter().map(|r| (r.step, r.repetition)).collect();
        prop_assert_eq!(unique.len(), done.len());
    }
}
