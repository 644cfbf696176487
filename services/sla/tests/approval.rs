//! Approval tiers for extensions and returns (DOMAIN.md §3), as a table.
#![allow(clippy::unwrap_used)]

use gridflow_sla::{
    ApprovalError, ApprovalProgress, Approver, ExtensionPolicy, Limit, LimitUnit, ReturnKind, required_approvers,
    return_approvers,
};

use Approver::{Leader, PrincipalLeader, SectionHead, ShiftLead};

fn days(n: u32) -> Limit {
    Limit::new(n, LimitUnit::WorkingDays)
}

fn hours(n: u32) -> Limit {
    Limit::new(n, LimitUnit::WorkingHours)
}

fn policy(engineering: bool) -> ExtensionPolicy {
    ExtensionPolicy {
        allowed: true,
        first_bound: days(3),
        engineering,
        long_bound: Some(days(10)),
        working_day_hours: 7,
    }
}

/// Name, policy, extensions so far, requested, bulk, expected approvers.
type Row = (&'static str, ExtensionPolicy, u32, Limit, bool, Vec<Approver>);

#[test]
fn extension_tiers() {
    let table: [Row; 12] = [
        ("first, within bound", policy(false), 0, days(2), false, vec![ShiftLead]),
        ("first, exactly the bound", policy(false), 0, days(3), false, vec![ShiftLead]),
        ("first, over bound", policy(false), 0, days(4), false, vec![SectionHead, Leader]),
        ("second", policy(false), 1, days(1), false, vec![SectionHead, Leader]),
        ("third", policy(false), 2, days(1), false, vec![SectionHead, Leader]),
        ("engineering, first", policy(true), 0, days(1), false, vec![SectionHead, Leader]),
        ("bulk, first within bound", policy(false), 0, days(1), true, vec![ShiftLead, PrincipalLeader]),
        ("long", policy(false), 1, days(11), false, vec![SectionHead, Leader, PrincipalLeader]),
        ("21 h within 3 days", policy(false), 0, hours(21), false, vec![ShiftLead]),
        ("22 h over 3 days", policy(false), 0, hours(22), false, vec![SectionHead, Leader]),
        ("71 h over 10 days", policy(false), 1, hours(71), false, vec![SectionHead, Leader, PrincipalLeader]),
        (
            "minutes vs days",
            policy(false),
            0,
            Limit::new(60, LimitUnit::Minutes),
            false,
            vec![SectionHead, Leader, PrincipalLeader],
        ),
    ];
    for (name, policy, count, requested, bulk, expected) in table {
        assert_eq!(required_approvers(&policy, count, requested, bulk).unwrap(), expected, "{name}");
    }
    let ordinary = ExtensionPolicy { allowed: false, ..policy(false) };
    assert_eq!(required_approvers(&ordinary, 0, days(1), false), Err(ApprovalError::ExtensionNotAllowed));
    assert_eq!(required_approvers(&policy(false), 0, days(0), false), Err(ApprovalError::EmptyRequest));
}

#[test]
fn return_tiers() {
    assert_eq!(return_approvers(ReturnKind::DispatchError), vec![ShiftLead]);
    assert_eq!(return_approvers(ReturnKind::Other), vec![ShiftLead, SectionHead]);
}

#[test]
fn approvals_are_signed_in_order() {
    let mut progress = ApprovalProgress::new(vec![SectionHead, Leader, PrincipalLeader]);
    assert_eq!(progress.next_approver(), Some(SectionHead));
    assert_eq!(progress.approve(Leader), Err(ApprovalError::OutOfOrder { expected: SectionHead, given: Leader }));
    progress.approve(SectionHead).unwrap();
    assert_eq!(progress.approve(SectionHead), Err(ApprovalError::OutOfOrder { expected: Leader, given: SectionHead }));
    progress.approve(Leader).unwrap();
    assert!(!progress.is_complete());
    progress.approve(PrincipalLeader).unwrap();
    assert!(progress.is_complete());
    assert_eq!(progress.next_approver(), None);
    assert_eq!(progress.approve(ShiftLead), Err(ApprovalError::AlreadyComplete));
    let json = serde_json::to_value(&progress).unwrap();
    assert_eq!(json["required"], serde_json::json!(["section_head", "leader", "principal_leader"]));
}
