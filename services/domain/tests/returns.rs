#![allow(clippy::unwrap_used)]
//! Returns, redispatch, duplicates, reopening, and replay of a long history.

mod common;

use chrono::Duration;
use common::*;
use gridflow_domain::CaseState::*;
use gridflow_domain::Command::*;
use gridflow_domain::Event;
use gridflow_domain::command::ReturnKind;
use gridflow_domain::{Case, DomainError, decide};
use uuid::Uuid;

#[test]
fn approve_return_hands_the_case_back_to_the_centre() {
    let mut r = dispatched_run();
    r.at(11, RequestReturn { reason: s("not ours"), kind: ReturnKind::WrongDispatch });
    assert_eq!((r.case.state, r.case.resume_to), (ReturnRequested, Some(Dispatched)));
    let ev = r.at(12, ApproveReturn { note: String::new() });
    let want = Event::ReturnApproved { returned_by: s(DEPT), note: String::new() };
    assert_eq!(ev, [want]);
    assert_eq!(r.case.state, Registered);
    assert_eq!((r.case.department.clone(), r.case.due_at), (None, None));
    assert_eq!(r.case.resume_to, None);
    assert_eq!(r.case.returned_by, [DEPT]);

    // A second unit returns it too: both are remembered, in order.
    r.at(20, Dispatch { department: s(OTHER_DEPT) });
    r.actor = actor("u", &ALL_ROLES, &["unit:roads"]);
    r.at(21, Sign);
    r.at(22, RequestExtension { minutes: 10, reason: s("x"), approvers: None });
    r.at(23, RequestReturn { reason: s("not ours either"), kind: ReturnKind::WrongDispatch });
    r.at(24, ApproveReturn { note: String::new() });
    assert_eq!(r.case.returned_by, [DEPT, OTHER_DEPT]);
    assert_eq!(r.case.pending_extension, None, "a returned case carries no pending extension");
    assert_eq!(r.replayed(), r.case);
}

#[test]
fn deny_return_restores_the_prior_state() {
    for from in [Dispatched, Signed] {
        let mut r = dispatched_run();
        if from == Signed {
            r.at(11, Sign);
        }
        let due = r.case.due_at;
        r.at(15, RequestReturn { reason: s("not ours"), kind: ReturnKind::WrongDispatch });
        r.at(16, DenyReturn { note: s("it is") });
        assert_eq!(r.case.state, from);
        assert_eq!((r.case.department.as_deref(), r.case.due_at), (Some(DEPT), due));
        assert_eq!(r.case.resume_to, None);
        assert!(r.case.returned_by.is_empty());
        assert_eq!(r.replayed(), r.case);
    }
}

#[test]
fn redispatch_moves_the_case_and_refuses_the_same_department() {
    let mut r = dispatched_run();
    let same = Redispatch { department: s(DEPT), reason: String::new() };
    let got = decide(&r.case, &same, &r.actor, ctx_at(t0() + mins(30)));
    assert!(matches!(got, Err(DomainError::Invalid(_))), "{got:?}");
    r.at(11, Sign);
    r.at(12, RequestExtension { minutes: 5, reason: s("x"), approvers: None });
    let ev = r.at(30, Redispatch { department: s(OTHER_DEPT), reason: s("roads") });
    let due = t0() + mins(30) + Duration::hours(HANDLE_LIMIT_HOURS);
    let (from, to, reason) = (s(DEPT), s(OTHER_DEPT), s("roads"));
    assert_eq!(ev, [Event::Redispatched { from, to, reason, due_at: due }]);
    assert_eq!((r.case.state, r.case.department.as_deref()), (Dispatched, Some(OTHER_DEPT)));
    assert_eq!((r.case.due_at, r.case.pending_extension.clone()), (Some(due), None));
}

#[test]
fn a_case_cannot_be_a_duplicate_of_itself() {
    let mut case = reported_case();
    let got = decide(&case, &MarkDuplicate { master_id: case.id }, &super_actor(), ctx());
    assert!(matches!(got, Err(DomainError::Invalid(_))), "{got:?}");
    let master = Uuid::from_u128(5);
    let events = decide(&case, &MarkDuplicate { master_id: master }, &super_actor(), ctx());
    apply_all(&mut case, &events.unwrap(), now());
    assert_eq!((case.state, case.master_id), (Duplicate, Some(master)));
}

#[test]
fn reopen_clears_the_assignment_and_replay_matches_a_long_history() {
    let mut r = dispatched_run();
    r.at(11, Sign);
    r.at(12, Start);
    r.at(13, RequestExtension { minutes: 60, reason: s("parts"), approvers: None });
    r.at(14, Suspend { reason: s("storm") });
    r.at(74, Resume);
    r.at(75, ApproveExtension { note: String::new() });
    r.at(76, Urge { note: String::new() });
    r.at(80, Feedback { note: s("done") });
    r.at(81, Close { note: s("ok") });
    r.at(90, Reopen { reason: s("came back") });
    assert_eq!(r.case.state, Reopened);
    assert_eq!((r.case.department.clone(), r.case.due_at), (None, None));
    r.at(91, Escalate { reason: s("again"), to: String::new() });
    r.at(92, Dispatch { department: s(OTHER_DEPT) });

    let replayed = r.replayed();
    assert_eq!(replayed, r.case);
    assert_eq!(replayed.version, r.log.len() as i64);
    assert_eq!(replayed.updated_at, t0() + mins(92));
    assert_eq!(replayed.created_at, t0());
    // A history must start with `Reported`.
    assert_eq!(Case::replay(case_id(), &r.log[1..]), None);
    assert_eq!(Case::replay(case_id(), &[]), None);
}

#[test]
fn other_returns_need_the_shift_lead_then_the_section_head() {
    let unit = actor("u", &[gridflow_domain::Role::UnitHandler], &["unit:sanitation"]);
    let lead = actor("l", &[gridflow_domain::Role::ShiftLead], &[]);
    let head = actor("h", &[gridflow_domain::Role::SectionHead], &[]);
    let mut case = case_in(Signed);
    let ask = RequestReturn { reason: s("no crane"), kind: ReturnKind::Other };
    let events = decide(&case, &ask, &unit, ctx()).unwrap();
    apply_all(&mut case, &events, now());
    let approve = ApproveReturn { note: String::new() };
    assert_eq!(decide(&case, &approve, &head, ctx()), Err(DomainError::Forbidden { action: "approve_return" }));
    let endorsed = decide(&case, &approve, &lead, ctx()).unwrap();
    assert!(matches!(endorsed.as_slice(), [Event::ReturnEndorsed { .. }]), "{endorsed:?}");
    apply_all(&mut case, &endorsed, now());
    assert_eq!(case.state, ReturnRequested);
    assert_eq!(decide(&case, &approve, &lead, ctx()), Err(DomainError::Forbidden { action: "approve_return" }));
    let approved = decide(&case, &approve, &head, ctx()).unwrap();
    assert!(matches!(approved.as_slice(), [Event::ReturnApproved { .. }]), "{approved:?}");
    apply_all(&mut case, &approved, now());
    assert_eq!(case.state, Registered);
    assert_eq!(case.pending_return, None);
}
