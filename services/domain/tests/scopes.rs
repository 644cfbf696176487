#![allow(clippy::unwrap_used)]
//! Scopes (unit, grid, street, district) for `decide`, and `report()` roles, scope and validation.

mod common;

use common::*;
use gridflow_domain::CaseState::{self, *};
use gridflow_domain::Role::*;
use gridflow_domain::{Command, DomainError, NewReport, RejectReason, Urgency, decide, report};

#[test]
fn unit_roles_act_only_for_their_own_department() {
    let sign = Command::Sign;
    let case = case_in(Dispatched);
    for role in [UnitDispatcher, UnitHandler] {
        let own = actor("u", &[role], &["unit:sanitation"]);
        assert_eq!(kinds(&decide(&case, &sign, &own, ctx()).unwrap()), ["signed"]);
        for scopes in [
            &["unit:roads"][..],
            &[][..],
            &["district:110101"][..],
            &["grid:110101001001001"][..],
            &["unit:sanitation2"][..],
        ] {
            let other = actor("u", &[role], scopes);
            assert_eq!(decide(&case, &sign, &other, ctx()), Err(DomainError::OutOfScope), "{scopes:?}");
        }
        let several = actor("u", &[role], &["unit:roads", "unit:sanitation"]);
        assert!(decide(&case, &sign, &several, ctx()).is_ok());
    }
    // After a redispatch the old unit loses the case and the new one gains it.
    let mut moved = case_in(Dispatched);
    moved.department = Some(OTHER_DEPT.into());
    let old = actor("u", &[UnitHandler], &["unit:sanitation"]);
    let new = actor("u", &[UnitHandler], &["unit:roads"]);
    assert_eq!(decide(&moved, &sign, &old, ctx()), Err(DomainError::OutOfScope));
    assert!(decide(&moved, &sign, &new, ctx()).is_ok());
}

#[test]
fn grid_worker_needs_an_area_scope_covering_the_case_grid() {
    let verify = Command::Verify { passed: true, note: String::new() };
    let case = case_in(Verifying);
    let cases: &[(&[&str], bool)] = &[
        (&["grid:110101001001001"], true),
        (&["grid:110101001001002"], false),
        (&["grid:11010100100100"], false), // grid scopes match exactly, not by prefix
        (&["street:110101001"], true),
        (&["street:110101002"], false),
        (&["district:110101"], true),
        (&["district:110102"], false),
        (&["district:110102", "grid:110101001001001"], true),
        (&[], false),
        (&["unit:sanitation"], false),
    ];
    for (scopes, ok) in cases {
        let gw = actor("gw", &[GridWorker], scopes);
        let got = decide(&case, &verify, &gw, ctx());
        if *ok {
            assert!(got.is_ok(), "{scopes:?}: {got:?}");
        } else {
            assert_eq!(got, Err(DomainError::OutOfScope), "{scopes:?}");
        }
    }
    // A case without a grid is covered by no area scope.
    let mut gridless = case_in(Verifying);
    gridless.grid = None;
    let gw = actor("gw", &[GridWorker], &["district:110101"]);
    assert_eq!(decide(&gridless, &verify, &gw, ctx()), Err(DomainError::OutOfScope));
}

#[test]
fn centre_roles_are_city_wide_unless_area_scoped() {
    let dispatch = Command::Dispatch { department: DEPT.into() };
    let mut far = case_in(Registered);
    far.grid = Some("120202003004005".into());
    let near = case_in(Registered);

    let city = actor("d", &[Dispatcher], &[]);
    assert!(decide(&near, &dispatch, &city, ctx()).is_ok());
    assert!(decide(&far, &dispatch, &city, ctx()).is_ok());
    // A unit scope is not an area limit for a centre role.
    let unit_only = actor("d", &[Dispatcher], &["unit:sanitation"]);
    assert!(decide(&far, &dispatch, &unit_only, ctx()).is_ok());

    let street = actor("d", &[Dispatcher], &["street:110101001"]);
    assert!(decide(&near, &dispatch, &street, ctx()).is_ok());
    assert_eq!(decide(&far, &dispatch, &street, ctx()), Err(DomainError::OutOfScope));
    let mut next_street = case_in(Registered);
    next_street.grid = Some("110101002001001".into());
    assert_eq!(decide(&next_street, &dispatch, &street, ctx()), Err(DomainError::OutOfScope));
    let mut gridless = case_in(Registered);
    gridless.grid = None;
    assert_eq!(decide(&gridless, &dispatch, &street, ctx()), Err(DomainError::OutOfScope));
    assert!(decide(&gridless, &dispatch, &city, ctx()).is_ok());
}

fn new_report() -> NewReport {
    NewReport {
        category: "event:0102".into(),
        lat: 39.9,
        lon: 116.4,
        description: "  overflowing bin  ".into(),
        urgency: Urgency::Urgent,
        client_ref: Some("app-123".into()),
        grid: Some(GRID.into()),
        facility_id: None,
        likely_duplicates: vec![],
    }
}

#[test]
fn report_produces_a_reported_event_for_the_actor() {
    let op = actor("user:op", &[IntakeOperator], &[]);
    let ev = report(&new_report(), &op).unwrap();
    let gridflow_domain::Event::Reported { category, description, reporter, urgency, grid, .. } = ev else {
        panic!("expected Reported, got {ev:?}");
    };
    assert_eq!(category, "event:0102");
    assert_eq!(description, "overflowing bin", "description is trimmed");
    assert_eq!(reporter, "user:op");
    assert_eq!(urgency, Urgency::Urgent);
    assert_eq!(grid.as_deref(), Some(GRID));
}

#[test]
fn report_is_limited_to_reporting_roles() {
    for role in ALL_ROLES {
        let a = actor("user:x", &[role], &["district:110101"]);
        let got = report(&new_report(), &a);
        if matches!(role, GridWorker | IntakeOperator | Dispatcher) {
            assert!(got.is_ok(), "{role}: {got:?}");
        } else {
            assert_eq!(got, Err(DomainError::Forbidden { action: "report" }), "{role}");
        }
    }
}

#[test]
fn report_scope_for_grid_workers_and_scoped_centre_roles() {
    let r = new_report();
    let outside = actor("gw", &[GridWorker], &["street:110101002"]);
    assert_eq!(report(&r, &outside), Err(DomainError::OutOfScope));
    let unscoped = actor("gw", &[GridWorker], &[]);
    assert_eq!(report(&r, &unscoped), Err(DomainError::OutOfScope));
    let inside = actor("gw", &[GridWorker], &["grid:110101001001001"]);
    assert!(report(&r, &inside).is_ok());
    let no_grid = NewReport { grid: None, ..new_report() };
    assert_eq!(report(&no_grid, &inside), Err(DomainError::OutOfScope));
    let op_elsewhere = actor("op", &[IntakeOperator], &["district:120202"]);
    assert_eq!(report(&r, &op_elsewhere), Err(DomainError::OutOfScope));
    assert!(report(&no_grid, &actor("op", &[IntakeOperator], &[])).is_ok());
}

#[test]
fn report_rejects_invalid_input() {
    let op = actor("user:op", &[IntakeOperator], &[]);
    let invalid = |r: NewReport, what: &str| {
        assert!(matches!(report(&r, &op), Err(DomainError::Invalid(_))), "{what}");
    };
    for (lat, lon) in [
        (f64::NAN, 116.4),
        (39.9, f64::NAN),
        (f64::INFINITY, 116.4),
        (39.9, f64::NEG_INFINITY),
        (90.0001, 116.4),
        (-90.5, 116.4),
        (39.9, 180.0001),
        (39.9, -181.0),
    ] {
        invalid(NewReport { lat, lon, ..new_report() }, &format!("lat {lat} lon {lon}"));
    }
    for (lat, lon) in [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)] {
        assert!(report(&NewReport { lat, lon, ..new_report() }, &op).is_ok(), "{lat},{lon}");
    }
    invalid(NewReport { description: String::new(), ..new_report() }, "empty description");
    invalid(NewReport { description: " \n\t ".into(), ..new_report() }, "blank description");
    invalid(NewReport { description: "x".repeat(2001), ..new_report() }, "long description");
    let max = NewReport { description: "é".repeat(2000), ..new_report() };
    assert!(report(&max, &op).is_ok(), "2000 characters (not bytes) is the limit");
    for bad in [
        "",
        "litter",
        "event:",
        ":0102",
        "event:01:02",
        "event:01 02",
        "事件:0102",
        &format!("event:{}", "1".repeat(65)),
    ] {
        invalid(NewReport { category: bad.into(), ..new_report() }, &format!("category {bad:?}"));
    }
    invalid(NewReport { facility_id: Some("F 1".into()), ..new_report() }, "facility id with a space");
    invalid(NewReport { client_ref: Some(" ".into()), ..new_report() }, "blank client_ref");
    invalid(NewReport { client_ref: Some("r".repeat(2001)), ..new_report() }, "long client_ref");
}

#[test]
fn command_text_is_validated() {
    let all = super_actor();
    let long = "x".repeat(2001);
    let bad: Vec<(Command, CaseState)> = vec![
        (Command::Feedback { note: "  ".into() }, InProgress),
        (Command::Close { note: String::new() }, FeedbackGiven),
        (Command::Suspend { reason: long.clone() }, InProgress),
        (Command::Reject { reason: RejectReason::Untrue, note: long.clone() }, Reported),
        (Command::Dispatch { department: "no such/unit".into() }, Registered),
        (Command::Dispatch { department: String::new() }, Registered),
        (Command::Verify { passed: false, note: String::new() }, Verifying),
        (Command::Escalate { reason: String::new(), to: String::new() }, Dispatched),
    ];
    for (cmd, state) in bad {
        let got = decide(&case_in(state), &cmd, &all, ctx());
        assert!(matches!(got, Err(DomainError::Invalid(_))), "{cmd:?}: {got:?}");
    }
}
