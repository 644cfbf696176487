#![allow(clippy::unwrap_used)]
//! Table-driven check of `decide` over every (state, command) pair. The expected table is written
//! out literally here; it is deliberately NOT derived from `lifecycle::states_for`.

mod common;

use common::*;
use gridflow_domain::CaseState::{self, *};
use gridflow_domain::command::ReturnKind;
use gridflow_domain::{Command, DomainError, RejectReason, decide};
use std::collections::HashSet;
use uuid::Uuid;

/// One representative command per variant (Verify twice: passed and failed), with a label used
/// by the table and the wire name that `InvalidTransition.action` must carry.
#[rustfmt::skip]
fn commands() -> Vec<(&'static str, &'static str, Command)> {
    use Command::*;
    vec![
        ("accept", "accept", Accept),
        ("reject", "reject", Reject { reason: RejectReason::TooMinor, note: "minor".into() }),
        ("mark_duplicate", "mark_duplicate", MarkDuplicate { master_id: Uuid::from_u128(99) }),
        ("register", "register", Register),
        ("dispatch", "dispatch", Dispatch { department: OTHER_DEPT.into() }),
        ("redispatch", "redispatch", Redispatch { department: OTHER_DEPT.into(), reason: "wrong unit".into() }),
        ("sign", "sign", Sign),
        ("start", "start", Start),
        ("feedback", "feedback", Feedback { note: "bin emptied".into() }),
        ("report_milestone", "report_milestone", ReportMilestone { milestone: "on site".into(), note: String::new() }),
        ("request_verification", "request_verification", RequestVerification),
        ("verify_pass", "verify", Verify { passed: true, note: "looks good".into() }),
        ("verify_fail", "verify", Verify { passed: false, note: "still full".into() }),
        ("close", "close", Close { note: "done".into() }),
        ("request_return", "request_return", RequestReturn { reason: "not ours".into(), kind: ReturnKind::WrongDispatch }),
        ("approve_return", "approve_return", ApproveReturn { note: String::new() }),
        ("deny_return", "deny_return", DenyReturn { note: "it is yours".into() }),
        ("request_extension", "request_extension", RequestExtension { minutes: 120, reason: "parts".into(), approvers: None }),
        ("approve_extension", "approve_extension", ApproveExtension { note: String::new() }),
        ("deny_extension", "deny_extension", DenyExtension { note: String::new() }),
        ("suspend", "suspend", Suspend { reason: "storm".into() }),
        ("resume", "resume", Resume),
        ("self_resolve", "self_resolve", SelfResolve { note: "fixed on the spot".into() }),
        ("reopen", "reopen", Reopen { reason: "citizen complaint".into() }),
        ("escalate", "escalate", Escalate { reason: "too slow".into(), to: "district".into() }),
        ("urge", "urge", Urge { note: "hurry".into() }),
        ("reroute", "reroute", Reroute { reason: String::new(), decision: Some(note(OTHER_DEPT)) }),
        ("route", "route", Route { note: note(OTHER_DEPT) }),
        ("assign", "assign", Assign { handler: Some("h1".into()), policy: "least_loaded".into(), reason: "fewest open".into() }),
        ("link_duplicate", "link_duplicate", LinkDuplicate { case_id: Uuid::from_u128(77) }),
        ("fire_threshold", "fire_threshold", FireThreshold { stage: "handle".into(), percent: 50, generation: 1, due: None }),
        ("notify", "notify", Notify { to: "sanitation:dispatcher".into(), reason: "limit near".into() }),
        ("whistle", "whistle", Whistle { departments: vec!["dept-emergency".into()], report_in_minutes: 30, reason: String::new() }),
        ("report_in", "report_in", ReportIn { note: "on our way".into() }),
    ]
}

fn note(lead: &str) -> gridflow_domain::RoutingNote {
    gridflow_domain::RoutingNote {
        lead: Some(lead.into()),
        co_handlers: vec![],
        basis: "rule".into(),
        detail: "7".into(),
        rule_set_version: Some(1),
        catalogue_version: Some(1),
        grid: Some(GRID.into()),
        building: None,
        excluded: vec![],
    }
}

/// Exhaustive (no wildcard): adding a `Command` variant breaks compilation until it is tabled.
fn variant_index(cmd: &Command) -> usize {
    match cmd {
        Command::Accept => 0,
        Command::Reject { .. } => 1,
        Command::MarkDuplicate { .. } => 2,
        Command::Register => 3,
        Command::Dispatch { .. } => 4,
        Command::Redispatch { .. } => 5,
        Command::Sign => 6,
        Command::Start => 7,
        Command::Feedback { .. } => 8,
        Command::RequestVerification => 9,
        Command::Verify { .. } => 10,
        Command::Close { .. } => 11,
        Command::RequestReturn { .. } => 12,
        Command::ApproveReturn { .. } => 13,
        Command::DenyReturn { .. } => 14,
        Command::RequestExtension { .. } => 15,
        Command::ApproveExtension { .. } => 16,
        Command::DenyExtension { .. } => 17,
        Command::Suspend { .. } => 18,
        Command::Resume => 19,
        Command::SelfResolve { .. } => 20,
        Command::Reopen { .. } => 21,
        Command::Escalate { .. } => 22,
        Command::Urge { .. } => 23,
        Command::Reroute { .. } => 24,
        Command::Route { .. } => 25,
        Command::Assign { .. } => 26,
        Command::LinkDuplicate { .. } => 27,
        Command::FireThreshold { .. } => 28,
        Command::Notify { .. } => 29,
        Command::ReportMilestone { .. } => 30,
        Command::Whistle { .. } => 31,
        Command::ReportIn { .. } => 32,
    }
}

type Row = (CaseState, &'static str, &'static [&'static str], CaseState);

/// Every allowed (state, command) pair → expected event kinds and the state after applying them.
/// Fixture cases: `Suspended` resumes to `InProgress`, `ReturnRequested` reverts to `Signed`.
#[rustfmt::skip]
const ALLOWED: &[Row] = &[
    (Reported, "accept", &["accepted"], Accepted),
    (Reported, "reject", &["rejected"], Rejected),
    (Reported, "mark_duplicate", &["marked_duplicate"], Duplicate),
    (Reported, "self_resolve", &["self_resolved"], SelfResolved),

    (Accepted, "reject", &["rejected"], Rejected),
    (Accepted, "mark_duplicate", &["marked_duplicate"], Duplicate),
    (Accepted, "self_resolve", &["self_resolved"], SelfResolved),
    (Accepted, "register", &["registered"], Registered),

    (Registered, "dispatch", &["dispatched"], Dispatched),
    (Registered, "escalate", &["escalated"], Registered),

    (Dispatched, "redispatch", &["redispatched"], Dispatched),
    (Dispatched, "sign", &["signed"], Signed),
    (Dispatched, "request_return", &["return_requested"], ReturnRequested),
    (Dispatched, "suspend", &["suspended"], Suspended),
    (Dispatched, "urge", &["urged"], Dispatched),
    (Dispatched, "escalate", &["escalated"], Dispatched),

    (Signed, "redispatch", &["redispatched"], Dispatched),
    (Signed, "start", &["started"], InProgress),
    (Signed, "feedback", &["feedback_given"], FeedbackGiven),
    (Signed, "report_milestone", &["milestone_reported"], Signed),
    (Signed, "request_return", &["return_requested"], ReturnRequested),
    (Signed, "request_extension", &["extension_requested"], Signed),
    (Signed, "approve_extension", &["extension_approved"], Signed),
    (Signed, "deny_extension", &["extension_denied"], Signed),
    (Signed, "suspend", &["suspended"], Suspended),
    (Signed, "urge", &["urged"], Signed),
    (Signed, "escalate", &["escalated"], Signed),

    (InProgress, "feedback", &["feedback_given"], FeedbackGiven),
    (InProgress, "report_milestone", &["milestone_reported"], InProgress),
    (InProgress, "request_extension", &["extension_requested"], InProgress),
    (InProgress, "approve_extension", &["extension_approved"], InProgress),
    (InProgress, "deny_extension", &["extension_denied"], InProgress),
    (InProgress, "suspend", &["suspended"], Suspended),
    (InProgress, "urge", &["urged"], InProgress),
    (InProgress, "escalate", &["escalated"], InProgress),

    (Rework, "start", &["started"], InProgress),
    (Rework, "feedback", &["feedback_given"], FeedbackGiven),
    (Rework, "request_extension", &["extension_requested"], Rework),
    (Rework, "approve_extension", &["extension_approved"], Rework),
    (Rework, "deny_extension", &["extension_denied"], Rework),
    (Rework, "suspend", &["suspended"], Suspended),
    (Rework, "urge", &["urged"], Rework),
    (Rework, "escalate", &["escalated"], Rework),

    (FeedbackGiven, "request_verification", &["verification_requested"], Verifying),
    (FeedbackGiven, "verify_pass", &["verified", "closed"], Closed),
    (FeedbackGiven, "verify_fail", &["verification_failed"], Rework),
    (FeedbackGiven, "close", &["closed"], Closed),
    (FeedbackGiven, "escalate", &["escalated"], FeedbackGiven),

    (Verifying, "verify_pass", &["verified", "closed"], Closed),
    (Verifying, "verify_fail", &["verification_failed"], Rework),
    (Verifying, "close", &["closed"], Closed),
    (Verifying, "escalate", &["escalated"], Verifying),

    (ReturnRequested, "approve_return", &["return_approved"], Registered),
    (ReturnRequested, "deny_return", &["return_denied"], Signed),
    (ReturnRequested, "escalate", &["escalated"], ReturnRequested),

    (Suspended, "resume", &["resumed"], InProgress),
    (Suspended, "escalate", &["escalated"], Suspended),

    (Reopened, "dispatch", &["dispatched"], Dispatched),
    (Reopened, "escalate", &["escalated"], Reopened),

    (Closed, "reopen", &["reopened"], Reopened),

    // Routing: re-running the rules moves the case when another unit wins; the decision itself is
    // recorded wherever routing applies; handlers are assigned while the unit holds the case.
    (Accepted, "reroute", &["registered", "routed", "dispatched"], Dispatched),
    (Registered, "reroute", &["routed", "dispatched"], Dispatched),
    (Reopened, "reroute", &["routed", "dispatched"], Dispatched),
    (Dispatched, "reroute", &["routed", "redispatched"], Dispatched),
    (Signed, "reroute", &["routed", "redispatched"], Dispatched),
    (Registered, "route", &["routed"], Registered),
    (Reopened, "route", &["routed"], Reopened),
    (Dispatched, "route", &["routed"], Dispatched),
    (Signed, "route", &["routed"], Signed),
    (Dispatched, "assign", &["assigned"], Dispatched),
    (Signed, "assign", &["assigned"], Signed),
    (InProgress, "assign", &["assigned"], InProgress),
    (Rework, "assign", &["assigned"], Rework),
    // A repeat report is counted on its master whatever state the master is in.
    (Reported, "link_duplicate", &["duplicate_linked"], Reported),
    (Accepted, "link_duplicate", &["duplicate_linked"], Accepted),
    (Rejected, "link_duplicate", &["duplicate_linked"], Rejected),
    (Duplicate, "link_duplicate", &["duplicate_linked"], Duplicate),
    (Registered, "link_duplicate", &["duplicate_linked"], Registered),
    (Dispatched, "link_duplicate", &["duplicate_linked"], Dispatched),
    (Signed, "link_duplicate", &["duplicate_linked"], Signed),
    (InProgress, "link_duplicate", &["duplicate_linked"], InProgress),
    (FeedbackGiven, "link_duplicate", &["duplicate_linked"], FeedbackGiven),
    (Verifying, "link_duplicate", &["duplicate_linked"], Verifying),
    (Rework, "link_duplicate", &["duplicate_linked"], Rework),
    (Closed, "link_duplicate", &["duplicate_linked"], Closed),
    (Reopened, "link_duplicate", &["duplicate_linked"], Reopened),
    (ReturnRequested, "link_duplicate", &["duplicate_linked"], ReturnRequested),
    (Suspended, "link_duplicate", &["duplicate_linked"], Suspended),
    (SelfResolved, "link_duplicate", &["duplicate_linked"], SelfResolved),

    // The fixture cases have no clocks: firing a threshold records nothing, in every state.
    (Reported, "fire_threshold", &[], Reported),
    (Accepted, "fire_threshold", &[], Accepted),
    (Rejected, "fire_threshold", &[], Rejected),
    (Duplicate, "fire_threshold", &[], Duplicate),
    (Registered, "fire_threshold", &[], Registered),
    (Dispatched, "fire_threshold", &[], Dispatched),
    (Signed, "fire_threshold", &[], Signed),
    (InProgress, "fire_threshold", &[], InProgress),
    (FeedbackGiven, "fire_threshold", &[], FeedbackGiven),
    (Verifying, "fire_threshold", &[], Verifying),
    (Rework, "fire_threshold", &[], Rework),
    (Closed, "fire_threshold", &[], Closed),
    (Reopened, "fire_threshold", &[], Reopened),
    (ReturnRequested, "fire_threshold", &[], ReturnRequested),
    (Suspended, "fire_threshold", &[], Suspended),
    (SelfResolved, "fire_threshold", &[], SelfResolved),

    // A notification from an escalation step is recorded whatever state the case is in.
    (Reported, "notify", &["notified"], Reported),
    (Accepted, "notify", &["notified"], Accepted),
    (Rejected, "notify", &["notified"], Rejected),
    (Duplicate, "notify", &["notified"], Duplicate),
    (Registered, "notify", &["notified"], Registered),
    (Dispatched, "notify", &["notified"], Dispatched),
    (Signed, "notify", &["notified"], Signed),
    (InProgress, "notify", &["notified"], InProgress),
    (FeedbackGiven, "notify", &["notified"], FeedbackGiven),
    (Verifying, "notify", &["notified"], Verifying),
    (Rework, "notify", &["notified"], Rework),
    (Closed, "notify", &["notified"], Closed),
    (Reopened, "notify", &["notified"], Reopened),
    (ReturnRequested, "notify", &["notified"], ReturnRequested),
    (Suspended, "notify", &["notified"], Suspended),
    (SelfResolved, "notify", &["notified"], SelfResolved),
    (Registered, "whistle", &["whistled"], Registered),
    (Reopened, "whistle", &["whistled"], Reopened),
    (Dispatched, "whistle", &["whistled"], Dispatched),
    (Signed, "whistle", &["whistled"], Signed),
    (InProgress, "whistle", &["whistled"], InProgress),
    (Rework, "whistle", &["whistled"], Rework),
    (ReturnRequested, "whistle", &["whistled"], ReturnRequested),
    (Reported, "report_in", &["reported_in"], Reported),
    (Accepted, "report_in", &["reported_in"], Accepted),
    (Registered, "report_in", &["reported_in"], Registered),
    (Dispatched, "report_in", &["reported_in"], Dispatched),
    (Signed, "report_in", &["reported_in"], Signed),
    (InProgress, "report_in", &["reported_in"], InProgress),
    (FeedbackGiven, "report_in", &["reported_in"], FeedbackGiven),
    (Verifying, "report_in", &["reported_in"], Verifying),
    (Rework, "report_in", &["reported_in"], Rework),
    (ReturnRequested, "report_in", &["reported_in"], ReturnRequested),
    (Suspended, "report_in", &["reported_in"], Suspended),
    (Reopened, "report_in", &["reported_in"], Reopened),
];

#[test]
fn a_milestone_is_reported_once_and_only_if_its_clock_runs() {
    let actor = super_actor();
    let mut case = case_in(Signed);
    let report = |m: &str| Command::ReportMilestone { milestone: m.into(), note: String::new() };
    let refused = decide(&case, &report("on site"), &actor, ctx()).unwrap_err();
    assert!(matches!(&refused, DomainError::Invalid(m) if m.contains("running: none")), "{refused:?}");
    start_milestone(&mut case, "on site");
    start_milestone(&mut case, "cordoned off");
    let unknown = decide(&case, &report("repaired"), &actor, ctx()).unwrap_err();
    assert!(matches!(&unknown, DomainError::Invalid(m) if m.contains("running: cordoned off, on site")), "{unknown:?}");
    let events = decide(&case, &report("on site"), &actor, ctx()).unwrap();
    apply_all(&mut case, &events, now());
    assert_eq!(case.milestones_reached, ["on site"]);
    assert_eq!(case.state, Signed);
}

#[test]
fn representatives_cover_every_command_variant() {
    let cmds = commands();
    let covered: HashSet<usize> = cmds.iter().map(|(_, _, c)| variant_index(c)).collect();
    assert_eq!(covered, (0..33).collect::<HashSet<_>>());
    for (label, name, cmd) in &cmds {
        assert_eq!(cmd.name(), *name, "wire name of {label}");
    }
    // The table itself must be well formed: known labels, no duplicate pairs.
    let labels: HashSet<&str> = cmds.iter().map(|(l, _, _)| *l).collect();
    let mut seen = HashSet::new();
    for (state, label, _, _) in ALLOWED {
        assert!(labels.contains(label), "unknown label {label}");
        assert!(seen.insert((*state, *label)), "duplicate row ({state}, {label})");
    }
}

#[test]
fn every_state_command_pair_matches_the_table() {
    let actor = super_actor();
    let mut allowed_seen = 0;
    for state in CaseState::ALL {
        for (label, name, cmd) in commands() {
            let mut case = case_in(state);
            // Give approve/deny a pending extension everywhere, so only the state decides.
            if matches!(cmd, Command::ApproveExtension { .. } | Command::DenyExtension { .. }) {
                case.pending_extension = pending(90);
            }
            // And the milestone a report names a running clock everywhere.
            if matches!(cmd, Command::ReportMilestone { .. }) {
                start_milestone(&mut case, "on site");
            }
            // And the actor's unit whistled in everywhere, so it may report in.
            if matches!(cmd, Command::ReportIn { .. }) {
                whistle(&mut case, DEPT);
            }
            let got = decide(&case, &cmd, &actor, ctx());
            let row = ALLOWED.iter().find(|(s, l, _, _)| *s == state && *l == label);
            match row {
                Some((_, _, want_kinds, want_next)) => {
                    allowed_seen += 1;
                    let events = got.unwrap_or_else(|e| panic!("({state}, {label}) refused: {e:?}"));
                    assert_eq!(kinds(&events), want_kinds.to_vec(), "events of ({state}, {label})");
                    let version = case.version;
                    apply_all(&mut case, &events, now());
                    assert_eq!(case.state, *want_next, "next state of ({state}, {label})");
                    assert_eq!(case.version, version + events.len() as i64);
                    if !events.is_empty() {
                        assert_eq!(case.updated_at, now());
                    }
                }
                None => assert_eq!(
                    got,
                    Err(DomainError::InvalidTransition { state, action: name }),
                    "({state}, {label}) must be refused"
                ),
            }
        }
    }
    assert_eq!(allowed_seen, ALLOWED.len());
}

#[test]
fn request_extension_is_refused_while_one_is_pending() {
    let actor = super_actor();
    let cmd = Command::RequestExtension { minutes: 30, reason: "more parts".into(), approvers: None };
    for state in [Signed, InProgress, Rework] {
        let mut case = case_in(state);
        case.pending_extension = pending(90);
        assert_eq!(
            decide(&case, &cmd, &actor, ctx()),
            Err(DomainError::InvalidTransition { state, action: "request_extension" })
        );
        // Once the pending one is decided, a new request is accepted again.
        let denied = decide(&case, &Command::DenyExtension { note: String::new() }, &actor, ctx()).unwrap();
        apply_all(&mut case, &denied, now());
        assert_eq!(case.pending_extension, None);
        let events = decide(&case, &cmd, &actor, ctx()).unwrap();
        assert_eq!(kinds(&events), ["extension_requested"]);
        apply_all(&mut case, &events, now());
        let p = case.pending_extension.as_ref().map(|p| (p.minutes, p.reason.as_str()));
        assert_eq!(p, Some((30, "more parts")));
    }
}

#[test]
fn approve_and_deny_extension_are_refused_when_none_is_pending() {
    let actor = super_actor();
    let approve = Command::ApproveExtension { note: String::new() };
    let deny = Command::DenyExtension { note: String::new() };
    for state in [Signed, InProgress, Rework] {
        let case = case_in(state);
        assert_eq!(case.pending_extension, None);
        assert_eq!(
            decide(&case, &approve, &actor, ctx()),
            Err(DomainError::InvalidTransition { state, action: "approve_extension" })
        );
        assert_eq!(
            decide(&case, &deny, &actor, ctx()),
            Err(DomainError::InvalidTransition { state, action: "deny_extension" })
        );
    }
}

#[test]
fn a_pending_extension_does_not_block_other_commands() {
    let actor = super_actor();
    let mut case = case_in(InProgress);
    case.pending_extension = pending(60);
    for (cmd, want) in [
        (Command::Urge { note: String::new() }, "urged"),
        (Command::Suspend { reason: "storm".into() }, "suspended"),
        (Command::Feedback { note: "done".into() }, "feedback_given"),
    ] {
        assert_eq!(kinds(&decide(&case, &cmd, &actor, ctx()).unwrap()), [want]);
    }
    // Feedback closes the unit's part of the work, so the pending request lapses.
    let events = decide(&case, &Command::Feedback { note: "done".into() }, &actor, ctx()).unwrap();
    apply_all(&mut case, &events, now());
    assert_eq!(case.pending_extension, None);
}

#[test]
fn request_extension_minutes_are_bounded() {
    let actor = super_actor();
    let case = case_in(Signed);
    for bad in [0, -5, 60 * 24 * 90 + 1] {
        let cmd = Command::RequestExtension { minutes: bad, reason: "x".into(), approvers: None };
        assert!(matches!(decide(&case, &cmd, &actor, ctx()), Err(DomainError::Invalid(_))), "{bad} minutes");
    }
    for ok in [1, 60 * 24 * 90] {
        let cmd = Command::RequestExtension { minutes: ok, reason: "x".into(), approvers: None };
        assert!(decide(&case, &cmd, &actor, ctx()).is_ok(), "{ok} minutes");
    }
}
