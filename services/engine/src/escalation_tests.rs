#![allow(clippy::unwrap_used)]

use super::*;
use chrono::{Duration, TimeZone};
use gridflow_domain::{CaseState, Event};
use gridflow_sla::Thresholds;
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 1, 0, 0).unwrap()
}

/// A dispatched case whose handle clock (generation 1) runs from `t0` for 60 minutes.
fn dispatched() -> Case {
    let reported = Event::Reported {
        category: "event:0101".into(),
        lat: 0.0,
        lon: 0.0,
        description: "d".into(),
        urgency: Urgency::Normal,
        client_ref: None,
        grid: Some("110101001001001".into()),
        reporter: "u".into(),
        facility_id: None,
        likely_duplicates: vec![],
    };
    let mut case = Case::from_reported(Uuid::from_u128(7), &reported, t0()).unwrap();
    for e in [
        Event::Accepted,
        Event::Registered,
        Event::Dispatched { department: "sanitation".into(), due_at: t0() + Duration::minutes(60) },
        Event::ClockStarted {
            stage: "handle".into(),
            due_at: t0() + Duration::minutes(60),
            limit_value: 60,
            limit_unit: "minutes".into(),
            calendar: "cn-default".into(),
            calendar_version: t0().date_naive(),
            generation: 1,
            counted_from: None,
        },
    ] {
        case.apply(&e, t0());
    }
    case
}

fn chain() -> EscalationChain {
    chain_for(None, Urgency::Normal)
}

fn emergency_sub_class() -> SubClass {
    let catalogue = gridflow_routing::demo::catalogue().unwrap();
    let code: gridflow_routing::CategoryRef = "event:0503".parse().unwrap();
    catalogue.versions()[1].get(&code).unwrap().clone()
}

#[test]
fn a_sub_class_policy_overrides_the_default_chain_and_thresholds() {
    let gas_leak = emergency_sub_class();
    assert_eq!(thresholds_for(Some(&gas_leak)).percents(), &[25, 50, 100]);
    let chain = chain_for(Some(&gas_leak), Urgency::Emergency);
    assert_ne!(chain, default_chain());
    assert!(matches!(chain.steps[1].action, Action::Whistle { .. }));
    // Without a policy: the city defaults.
    let plain = SubClass { sla: None, ..gas_leak };
    assert_eq!(chain_for(Some(&plain), Urgency::Emergency), default_chain());
    assert_eq!(thresholds_for(Some(&plain)), Thresholds::default());
}

#[test]
fn a_whistle_names_the_street_office_of_the_grid() {
    let chain = chain_for(Some(&emergency_sub_class()), Urgency::Emergency);
    let sent = commands(&chain.steps[1].action, &dispatched(), "handle", (1, 0), None);
    match sent.as_slice() {
        [Command::Whistle { departments, report_in_minutes: 30, reason }] => {
            assert_eq!(departments, &["dept-emergency", "street-110101001"]);
            assert!(reason.contains("whistle"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_default_chain_is_valid_for_the_default_thresholds() {
    chain().validate(&Thresholds::default()).unwrap();
}

#[test]
fn kinds_round_trip_and_thresholds_are_not_steps() {
    assert_eq!(kind(2, 1), "esc:2:1");
    assert_eq!(parse_kind("esc:2:1"), Some((2, 1)));
    assert_eq!(parse_kind("100"), None);
    assert_eq!(parse_kind("esc:x:1"), None);
}

#[test]
fn the_80_percent_threshold_arms_the_dispatcher_notice_at_once() {
    let case = dispatched();
    let at = t0() + Duration::minutes(48);
    let runs = first_runs(&chain(), &case, "handle", 1, 80, at);
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].kind.as_str(), runs[0].due_at, runs[0].generation), ("esc:0:0", at, 1));
    assert!(first_runs(&chain(), &case, "handle", 1, 50, at).is_empty(), "50 % starts nothing");
}

#[test]
fn the_breach_arms_the_urge_the_reminder_and_the_street_escalation() {
    let case = dispatched();
    let breach = t0() + Duration::minutes(60);
    let runs: Vec<(String, DateTime<Utc>)> =
        first_runs(&chain(), &case, "handle", 1, 100, breach).into_iter().map(|t| (t.kind, t.due_at)).collect();
    assert_eq!(
        runs,
        [
            ("esc:1:0".to_string(), breach),
            ("esc:2:0".to_string(), breach + Duration::minutes(60)),
            ("esc:3:0".to_string(), breach + Duration::hours(24)),
        ]
    );
}

#[test]
fn a_repeating_urge_arms_each_repetition_up_to_the_limit() {
    let case = dispatched();
    let first = t0() + Duration::minutes(120);
    let mut at = first;
    let mut seen = vec![];
    for repetition in 0.. {
        let Some(next) = next_run(&chain(), &case, "handle", 1, (2, repetition), at) else { break };
        assert_eq!(next.kind, kind(2, repetition + 1));
        assert_eq!(next.due_at, at + Duration::hours(24));
        at = next.due_at;
        seen.push(next.kind);
    }
    assert_eq!(seen, ["esc:2:1", "esc:2:2", "esc:2:3"], "3 repetitions after the first");
    assert_eq!(next_run(&chain(), &case, "handle", 1, (1, 0), first), None, "the breach urge runs once");
    assert_eq!(next_run(&chain(), &case, "handle", 1, (9, 0), first), None, "unknown step");
}

#[test]
fn steps_become_commands_for_the_case() {
    let case = dispatched();
    let c = chain();
    let notify = commands(&c.steps[0].action, &case, "handle", (0, 0), None);
    assert!(matches!(notify.as_slice(), [Command::Notify { to, .. }] if to == "sanitation:dispatcher"), "{notify:?}");
    assert!(matches!(commands(&c.steps[1].action, &case, "handle", (1, 0), None).as_slice(), [Command::Urge { .. }]));
    let escalate = commands(&c.steps[3].action, &case, "handle", (3, 0), None);
    assert!(matches!(escalate.as_slice(), [Command::Escalate { to, .. }] if to == "street-110101001"), "{escalate:?}");
    let whistle = Action::Whistle { departments: vec!["a".into(), "b".into()], report_in_minutes: 30 };
    assert!(matches!(commands(&whistle, &case, "handle", (0, 0), None).as_slice(), [Command::Whistle { .. }]));
}

#[test]
fn progress_on_the_stage_stops_the_chain() {
    let mut case = dispatched();
    assert!(running_at(&case, "handle", 1));
    assert!(!running_at(&case, "handle", 2), "another generation");
    assert!(!running_at(&case, "sign", 1), "another clock");
    case.apply(&Event::ClockPaused { stage: "handle".into(), reason: "suspended".into(), generation: 2 }, t0());
    assert!(!running_at(&case, "handle", 1));
    case.state = CaseState::Suspended;
    assert!(commands(&Action::Urge, &case, "handle", (1, 0), None).is_empty(), "no urge while suspended");
}

#[test]
fn the_street_office_needs_nine_grid_digits() {
    let mut case = dispatched();
    assert_eq!(street_office(&case).as_deref(), Some("street-110101001"));
    case.grid = Some("1101".into());
    assert_eq!(street_office(&case), None);
}

#[test]
fn auto_redispatch_reroutes_elsewhere_or_asks_the_dispatcher() {
    let case = dispatched();
    let elsewhere = RoutingNote {
        lead: Some("street-110101001".into()),
        co_handlers: vec![],
        basis: "street_fallback".into(),
        detail: "110101001".into(),
        rule_set_version: Some(2),
        catalogue_version: Some(2),
        grid: case.grid.clone(),
        building: None,
        excluded: vec!["sanitation".into()],
    };
    let moved = commands(&Action::AutoRedispatch, &case, "sign", (2, 0), Some(&elsewhere));
    match moved.as_slice() {
        [Command::Reroute { reason, decision: Some(note) }] => {
            assert!(reason.contains("re-dispatched automatically"), "{reason}");
            assert_eq!(note.lead.as_deref(), Some("street-110101001"));
        }
        other => panic!("{other:?}"),
    }
    let by_hand = commands(&Action::AutoRedispatch, &case, "sign", (2, 0), None);
    assert!(matches!(by_hand.as_slice(), [Command::Notify { to, .. }] if to == "dispatcher"), "{by_hand:?}");
    // Once the case is past signing and handling, there is nothing to re-dispatch.
    let mut fed_back = dispatched();
    fed_back.state = CaseState::FeedbackGiven;
    assert!(commands(&Action::AutoRedispatch, &fed_back, "verify", (2, 0), Some(&elsewhere)).is_empty());
}

#[test]
fn a_step_limited_to_a_stage_runs_only_on_that_stage_clock() {
    let case = dispatched();
    let chain = chain_for(Some(&emergency_sub_class()), Urgency::Emergency);
    let redispatch = chain.steps.iter().position(|s| s.action == Action::AutoRedispatch).unwrap();
    let breach = t0() + Duration::minutes(60);
    let on = |clock: &str| -> Vec<String> {
        first_runs(&chain, &case, clock, 1, 100, breach).into_iter().map(|t| t.kind).collect()
    };
    assert!(on("sign").contains(&kind(redispatch, 0)), "{:?}", on("sign"));
    assert!(!on("handle").contains(&kind(redispatch, 0)), "{:?}", on("handle"));
    assert!(on("handle").contains(&kind(2, 0)), "the breach urge runs on every clock: {:?}", on("handle"));
}
