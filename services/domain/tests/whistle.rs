#![allow(clippy::unwrap_used)]
//! The whistle 吹哨 and report-in 报到: who may blow it, who may answer, and what the case keeps.

mod common;

use common::*;
use gridflow_domain::CaseState::*;
use gridflow_domain::Command::*;
use gridflow_domain::{DomainError, Role, decide};

fn whistle_cmd(departments: &[&str], minutes: u32) -> gridflow_domain::Command {
    Whistle {
        departments: departments.iter().map(|d| d.to_string()).collect(),
        report_in_minutes: minutes,
        reason: "flooding".into(),
    }
}

#[test]
fn a_whistle_names_departments_once_with_a_bounded_deadline() {
    let supervisor = actor("sup", &[Role::Supervisor], &[]);
    let case = case_in(InProgress);
    let events =
        decide(&case, &whistle_cmd(&["dept-fire", "dept-fire", "street-110101001"], 30), &supervisor, ctx()).unwrap();
    assert_eq!(kinds(&events), ["whistled"]);
    let mut whistled = case.clone();
    apply_all(&mut whistled, &events, now());
    assert_eq!(whistled.pending_report_ins().collect::<Vec<_>>(), ["dept-fire", "street-110101001"]);
    assert_eq!(whistled.report_ins["dept-fire"].minutes, 30);
    for bad in [whistle_cmd(&[], 30), whistle_cmd(&["dept-fire"], 0), whistle_cmd(&["dept-fire"], 7 * 24 * 60 + 1)] {
        assert!(matches!(decide(&case, &bad, &supervisor, ctx()), Err(DomainError::Invalid(_))), "{bad:?}");
    }
    let odd = whistle_cmd(&["dept fire!"], 30);
    assert!(matches!(decide(&case, &odd, &supervisor, ctx()), Err(DomainError::Invalid(_))));
    // A unit handler cannot whistle.
    let handler = actor("h", &[Role::UnitHandler], &["unit:sanitation"]);
    assert!(matches!(
        decide(&case, &whistle_cmd(&["dept-fire"], 30), &handler, ctx()),
        Err(DomainError::Forbidden { .. })
    ));
}

#[test]
fn only_a_whistled_department_reports_in_and_only_once() {
    let mut case = case_in(InProgress);
    let report = ReportIn { note: "crew on site".into() };
    let fire = actor("f", &[Role::UnitDispatcher], &["unit:dept-fire"]);
    let refused = decide(&case, &report, &fire, ctx()).unwrap_err();
    assert!(matches!(&refused, DomainError::Invalid(m) if m.contains("no department is whistled")), "{refused:?}");
    whistle(&mut case, "dept-fire");
    // The unit handling the case was not whistled: it may not report in for the fire brigade.
    let own_unit = actor("s", &[Role::UnitDispatcher], &["unit:sanitation"]);
    assert_eq!(decide(&case, &report, &own_unit, ctx()), Err(DomainError::OutOfScope));
    let events = decide(&case, &report, &fire, ctx()).unwrap();
    assert_eq!(kinds(&events), ["reported_in"]);
    apply_all(&mut case, &events, now());
    assert_eq!(case.report_ins["dept-fire"].reported_at, Some(now()));
    assert_eq!(case.pending_report_ins().count(), 0);
    let again = decide(&case, &report, &fire, ctx()).unwrap_err();
    assert!(matches!(&again, DomainError::Invalid(m) if m.contains("dept-fire has already reported in")), "{again:?}");
    // Whistled again, it must report in again; the state never changes.
    whistle(&mut case, "dept-fire");
    assert_eq!(case.pending_report_ins().collect::<Vec<_>>(), ["dept-fire"]);
    assert_eq!(case.state, InProgress);
    let closed = case_in(Closed);
    assert!(matches!(decide(&closed, &report, &fire, ctx()), Err(DomainError::InvalidTransition { .. })));
}
