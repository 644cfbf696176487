#![allow(clippy::unwrap_used)]
//! Tiered extension approval: the tiers recorded with the request sign in order; only the last
//! one moves the deadline.

mod common;

use common::*;
use gridflow_domain::CaseState::*;
use gridflow_domain::Role::*;
use gridflow_domain::{Command, DomainError, Role, decide};

fn approve(note: &str) -> Command {
    Command::ApproveExtension { note: note.into() }
}

#[test]
fn tiers_sign_in_order_and_only_the_last_moves_the_due() {
    let mut case = case_in(InProgress);
    let due = case.due_at.unwrap();
    let unit = actor("u", &[UnitHandler], &["unit:sanitation"]);
    let (lead, head, leader) =
        (actor("l", &[ShiftLead], &[]), actor("h", &[SectionHead], &[]), actor("x", &[Leader], &[]));
    let request = Command::RequestExtension {
        minutes: 600,
        reason: "engineering".into(),
        approvers: Some(vec![SectionHead, Leader]),
    };
    let events = decide(&case, &request, &unit, ctx()).unwrap();
    apply_all(&mut case, &events, now());
    assert_eq!(case.pending_extension.as_ref().unwrap().approvers, vec![SectionHead, Leader]);

    // Out of turn: the shift lead, and the leader before the section head.
    assert_eq!(decide(&case, &approve(""), &lead, ctx()), Err(DomainError::Forbidden { action: "approve_extension" }));
    assert_eq!(
        decide(&case, &approve(""), &leader, ctx()),
        Err(DomainError::Forbidden { action: "approve_extension" })
    );

    let endorsed = decide(&case, &approve("ok from the section"), &head, ctx()).unwrap();
    assert_eq!(kinds(&endorsed), ["extension_endorsed"]);
    apply_all(&mut case, &endorsed, now());
    assert_eq!(case.due_at, Some(due), "an endorsement does not move the deadline");
    assert_eq!(case.pending_extension.as_ref().unwrap().endorsed, vec![SectionHead]);
    assert_eq!(decide(&case, &approve(""), &head, ctx()), Err(DomainError::Forbidden { action: "approve_extension" }));

    let approved = decide(&case, &approve("granted"), &leader, ctx()).unwrap();
    assert_eq!(kinds(&approved), ["extension_approved"]);
    apply_all(&mut case, &approved, now());
    assert_eq!(case.pending_extension, None);
    assert_eq!(case.extension_count, 1);
    assert!(case.due_at.unwrap() >= due + chrono::Duration::minutes(600));
}

#[test]
fn any_approver_may_deny_and_untiered_requests_take_one_signature() {
    let mut case = case_in(Signed);
    let unit = actor("u", &[UnitHandler], &["unit:sanitation"]);
    let tiers: Vec<Role> = vec![ShiftLead, SectionHead];
    let request = Command::RequestExtension { minutes: 60, reason: "parts".into(), approvers: Some(tiers) };
    let events = decide(&case, &request, &unit, ctx()).unwrap();
    apply_all(&mut case, &events, now());
    let denied =
        decide(&case, &Command::DenyExtension { note: "no".into() }, &actor("x", &[Leader], &[]), ctx()).unwrap();
    assert_eq!(kinds(&denied), ["extension_denied"]);

    let mut plain = case_in(Signed);
    let request = Command::RequestExtension { minutes: 60, reason: "parts".into(), approvers: None };
    let events = decide(&plain, &request, &unit, ctx()).unwrap();
    apply_all(&mut plain, &events, now());
    let approved = decide(&plain, &approve(""), &actor("h", &[SectionHead], &[]), ctx()).unwrap();
    assert_eq!(kinds(&approved), ["extension_approved"]);
}
