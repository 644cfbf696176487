#![allow(clippy::unwrap_used)]
//! What the events do to the case: counters and clocks (rework, suspension, extensions).

mod common;

use chrono::Duration;
use common::*;
use gridflow_domain::CaseState::*;
use gridflow_domain::Command::*;
use gridflow_domain::Event;

#[test]
fn dispatch_sets_department_and_due_from_the_handling_limit() {
    let r = dispatched_run();
    assert_eq!(r.case.state, Dispatched);
    assert_eq!(r.case.department.as_deref(), Some(DEPT));
    let due = t0() + mins(10) + Duration::hours(HANDLE_LIMIT_HOURS);
    assert_eq!(r.case.due_at, Some(due));
    assert_eq!(r.case.version, 4);
}

#[test]
fn each_failed_verification_increments_rework_count() {
    let mut r = dispatched_run();
    r.at(11, Sign);
    for round in 1..=3u32 {
        r.at(20, Feedback { note: s("done") });
        let ev = r.at(30, Verify { passed: false, note: s("not done") });
        let want = Event::VerificationFailed { note: s("not done"), rework_count: round };
        assert_eq!(ev, [want]);
        assert_eq!((r.case.rework_count, r.case.state), (round, Rework));
        assert_eq!(r.case.department.as_deref(), Some(DEPT), "rework stays with the unit");
    }
    r.at(40, Feedback { note: s("really done") });
    r.at(41, RequestVerification);
    let ev = r.at(50, Verify { passed: true, note: String::new() });
    assert_eq!(kinds(&ev), ["verified", "closed"]);
    assert_eq!(r.case.state, Closed);
    assert_eq!(r.case.rework_count, 3, "passing does not reset the count");
    assert_eq!(r.replayed(), r.case);
}

#[test]
fn resume_moves_due_by_the_suspended_duration_and_restores_state() {
    for from in [Dispatched, Signed, InProgress, Rework] {
        let mut r = dispatched_run();
        if from != Dispatched {
            r.at(11, Sign);
        }
        if from == InProgress {
            r.at(12, Start);
        }
        if from == Rework {
            r.at(12, Feedback { note: s("done") });
            r.at(13, Verify { passed: false, note: s("no") });
        }
        assert_eq!(r.case.state, from);
        let due = r.case.due_at.unwrap();
        r.at(20, Suspend { reason: s("storm") });
        assert_eq!(r.case.state, Suspended);
        assert_eq!(r.case.suspended_at, Some(t0() + mins(20)));
        assert_eq!(r.case.due_at, Some(due), "suspending alone does not move the deadline");
        let ev = r.at(20 + 95, Resume);
        assert_eq!(ev, [Event::Resumed { due_at: Some(due + mins(95)) }]);
        assert_eq!(r.case.state, from, "resume restores {from}");
        assert_eq!(r.case.due_at, Some(due + mins(95)));
        assert_eq!((r.case.suspended_at, r.case.resume_to), (None, None));
        assert_eq!(r.replayed(), r.case);
    }
}

#[test]
fn approve_extension_extends_from_the_later_of_due_and_now() {
    // Not yet overdue: extend from the current due instant.
    let mut r = dispatched_run();
    r.at(11, Sign);
    let due = r.case.due_at.unwrap();
    r.at(12, RequestExtension { minutes: 90, reason: s("parts"), approvers: None });
    assert_eq!(r.case.pending_extension.as_ref().map(|p| p.minutes), Some(90));
    assert_eq!(r.case.due_at, Some(due), "requesting alone does not move the deadline");
    let ev = r.at(13, ApproveExtension { note: s("ok") });
    assert_eq!(ev, [Event::ExtensionApproved { due_at: due + mins(90), note: s("ok") }]);
    assert_eq!(r.case.due_at, Some(due + mins(90)));
    assert_eq!((r.case.pending_extension.clone(), r.case.extension_count), (None, 1));

    // Already overdue: extend from now.
    let late = due + Duration::hours(3);
    r.at_time(late, RequestExtension { minutes: 30, reason: s("more parts"), approvers: None });
    r.at_time(late, ApproveExtension { note: String::new() });
    assert_eq!(r.case.due_at, Some(late + mins(30)));
    assert_eq!(r.case.extension_count, 2);

    // Denied: nothing moves except the pending request.
    let due = r.case.due_at.unwrap();
    r.at_time(late, RequestExtension { minutes: 30, reason: s("again"), approvers: None });
    r.at_time(late, DenyExtension { note: s("no") });
    assert_eq!((r.case.due_at, r.case.extension_count), (Some(due), 2));
    assert_eq!(r.case.pending_extension, None);
    assert_eq!(r.replayed(), r.case);
}

#[test]
fn escalate_and_urge_count_up() {
    let mut r = dispatched_run();
    for n in 1..=3u32 {
        let ev = r.at(20, Escalate { reason: s("slow"), to: s("city") });
        assert_eq!(ev, [Event::Escalated { level: n, to: s("city"), reason: s("slow") }]);
        let ev = r.at(21, Urge { note: String::new() });
        assert_eq!(ev, [Event::Urged { count: n, note: String::new() }]);
        assert_eq!((r.case.escalation_level, r.case.urge_count), (n, n));
        assert_eq!(r.case.state, Dispatched, "escalating and urging do not move the case");
    }
    assert_eq!(r.replayed(), r.case);
}
