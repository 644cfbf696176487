#![allow(clippy::unwrap_used)]
//! Role policy (DOMAIN.md §7), written out literally rather than read from `roles_for`.

mod common;

use common::*;
use gridflow_domain::CaseState::{self, *};
use gridflow_domain::Role::{self, *};
use gridflow_domain::command::ReturnKind;
use gridflow_domain::{Command, DomainError, RejectReason, decide};
use uuid::Uuid;

/// (command, a state in which it is allowed, roles that may issue it) — DOMAIN.md §7.
#[rustfmt::skip]
fn policy() -> Vec<(Command, CaseState, &'static [Role])> {
    use Command::*;
    vec![
        (Accept, Reported, &[IntakeOperator, Dispatcher, System]),
        (Reject { reason: RejectReason::Fake, note: String::new() }, Reported, &[IntakeOperator, Dispatcher, ShiftLead]),
        (MarkDuplicate { master_id: Uuid::from_u128(7) }, Accepted, &[IntakeOperator, Dispatcher, System]),
        (Register, Accepted, &[IntakeOperator, Dispatcher, System]),
        (Dispatch { department: DEPT.into() }, Registered, &[Dispatcher, ShiftLead, System]),
        (Redispatch { department: OTHER_DEPT.into(), reason: String::new() }, Dispatched, &[Dispatcher, ShiftLead]),
        (Sign, Dispatched, &[UnitDispatcher, UnitHandler]),
        (Start, Signed, &[UnitDispatcher, UnitHandler]),
        (Feedback { note: "done".into() }, InProgress, &[UnitDispatcher, UnitHandler]),
        (ReportMilestone { milestone: "on site".into(), note: String::new() }, InProgress, &[UnitDispatcher, UnitHandler]),
        (RequestReturn { reason: "not ours".into(), kind: ReturnKind::WrongDispatch }, Signed, &[UnitDispatcher, UnitHandler]),
        (RequestExtension { minutes: 60, reason: "parts".into(), approvers: None }, InProgress, &[UnitDispatcher, UnitHandler]),
        (RequestVerification, FeedbackGiven, &[Dispatcher, System]),
        (Verify { passed: true, note: String::new() }, Verifying, &[GridWorker]),
        (Verify { passed: false, note: "no".into() }, FeedbackGiven, &[GridWorker]),
        (SelfResolve { note: "fixed".into() }, Reported, &[GridWorker]),
        (Close { note: "done".into() }, FeedbackGiven, &[ShiftLead]),
        (ApproveReturn { note: String::new() }, ReturnRequested, &[ShiftLead, SectionHead]),
        (DenyReturn { note: String::new() }, ReturnRequested, &[ShiftLead, SectionHead]),
        (ApproveExtension { note: String::new() }, Rework, &[ShiftLead, SectionHead, Leader]),
        (DenyExtension { note: String::new() }, Signed, &[ShiftLead, SectionHead, Leader]),
        (Suspend { reason: "storm".into() }, InProgress, &[ShiftLead, SectionHead, Leader]),
        (Resume, Suspended, &[ShiftLead, SectionHead, Leader]),
        (Reopen { reason: "complaint".into() }, Closed, &[ShiftLead, Supervisor]),
        (Escalate { reason: "slow".into(), to: String::new() }, Dispatched, &[Supervisor, ShiftLead, SectionHead, Leader, System]),
        (Urge { note: String::new() }, Rework, &[Supervisor, ShiftLead, Leader, System]),
    ]
}

fn fixture(cmd: &Command, state: CaseState) -> gridflow_domain::Case {
    let mut case = case_in(state);
    if matches!(cmd, Command::ApproveExtension { .. } | Command::DenyExtension { .. }) {
        case.pending_extension = pending(45);
    }
    if matches!(cmd, Command::ReportMilestone { .. }) {
        start_milestone(&mut case, "on site");
    }
    case
}

#[test]
fn each_single_role_actor_is_allowed_exactly_by_the_policy() {
    let policy = policy();
    let names: std::collections::HashSet<_> = policy.iter().map(|(c, _, _)| c.name()).collect();
    assert_eq!(names.len(), 25, "policy must list every command");
    for (cmd, state, allowed) in &policy {
        let case = fixture(cmd, *state);
        for role in ALL_ROLES {
            let a = actor("user:one", &[role], &["unit:sanitation", "district:110101"]);
            let got = decide(&case, cmd, &a, ctx());
            if allowed.contains(&role) {
                let events = got.unwrap_or_else(|e| panic!("{role} {}: {e:?}", cmd.name()));
                assert!(!events.is_empty());
            } else {
                assert_eq!(got, Err(DomainError::Forbidden { action: cmd.name() }), "{role} must not {}", cmd.name());
            }
        }
    }
}

#[test]
fn forbidden_is_reported_before_the_state_is_checked() {
    // An actor without the role learns nothing about the case's state.
    let admin = actor("user:admin", &[Admin], &[]);
    assert_eq!(
        decide(&case_in(Closed), &Command::Accept, &admin, ctx()),
        Err(DomainError::Forbidden { action: "accept" })
    );
}

#[test]
fn system_role_cannot_be_parsed_from_outside() {
    assert!(Role::parse("system").is_err());
    assert_eq!(Role::parse("grid_worker"), Ok(GridWorker));
    assert!(!Role::ASSIGNABLE.contains(&System));
}
