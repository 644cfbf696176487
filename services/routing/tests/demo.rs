//! The demo dataset: validates through its own importers, round-trips, and routes as documented.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use gridflow_routing::import::{
    catalogue_from_csv, catalogue_from_json, catalogue_to_csv, directory_from_json, rules_from_csv, rules_from_json,
    rules_to_csv,
};
use gridflow_routing::{Basis, CategoryRef, LimitUnit, RouteRequest, Router, TimeLimit, demo};

fn router() -> Router {
    demo::router().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn cat(s: &str) -> CategoryRef {
    s.parse().unwrap()
}

fn route(r: &Router, category: &str, date: &str, area: &str) -> gridflow_routing::Decision {
    r.route(&RouteRequest::new(cat(category), day(date), Some(gridflow_routing::AreaCode::parse(area).unwrap())))
}

#[test]
fn sizes() {
    let r = router();
    let versions = r.catalogue().versions();
    assert_eq!(versions.iter().map(|v| v.sub_classes().len()).collect::<Vec<_>>(), vec![85, 86]);
    assert_eq!(versions[0].classes().len(), 11);
    assert_eq!(r.directory().units().len(), 30);
    assert_eq!(r.directory().facilities().len(), 20);
    assert_eq!(r.rules().sets().iter().map(|s| s.rules().len()).collect::<Vec<_>>(), vec![78, 80]);
}

#[test]
fn catalogue_round_trips_through_csv_and_json() {
    let r = router();
    for v in r.catalogue().versions() {
        let csv = catalogue_to_csv(v);
        assert_eq!(&catalogue_from_csv(v.version(), v.effective_from(), &csv).unwrap(), v);
        let json = serde_json::to_string(v).unwrap();
        assert_eq!(&catalogue_from_json(&json).unwrap(), v);
    }
    // The shipped CSV (class names only on each class's first row, no SLA policies) plus the
    // emergency policy is what v1 was built from.
    let v1 = &r.catalogue().versions()[0];
    let shipped = catalogue_from_csv(1, demo::CATALOGUE_V1_FROM, demo::catalogue_v1_csv()).unwrap();
    assert!(shipped.sub_classes().iter().all(|s| s.sla.is_none()));
    assert_ne!(&shipped, v1);
    let subs = demo::with_emergency_policy(shipped.sub_classes().to_vec());
    assert_eq!(subs.iter().filter(|s| s.sla.is_some()).count(), 6, "0501–0504, 0506 and 0507");
    let with_policy =
        gridflow_routing::CatalogueVersion::new(1, demo::CATALOGUE_V1_FROM, shipped.classes().to_vec(), subs);
    assert_eq!(&with_policy.unwrap(), v1);
}

#[test]
fn rules_and_directory_round_trip() {
    let r = router();
    let json = demo::directory_json().unwrap();
    let directory = directory_from_json(&json).unwrap();
    assert_eq!(serde_json::to_string(&directory).unwrap(), serde_json::to_string(r.directory()).unwrap());
    for set in r.rules().sets() {
        let csv = rules_to_csv(set);
        assert_eq!(&rules_from_csv(set.version(), set.effective_from(), &csv, &directory).unwrap(), set);
        let json = serde_json::to_string(set).unwrap();
        assert_eq!(&rules_from_json(&json, &directory).unwrap(), set);
    }
    assert_eq!(
        &rules_from_csv(1, demo::RULES_V1_FROM, demo::rules_v1_csv(), &directory).unwrap(),
        &r.rules().sets()[0]
    );
}

#[test]
fn limits_follow_the_domain_examples() {
    let r = router();
    let c = r.catalogue();
    let handle = |v, code: &str| c.get(v, &cat(code)).unwrap().limits.handle;
    assert_eq!(handle(1, "event:0102"), TimeLimit::new(1, LimitUnit::WorkingDays));
    assert_eq!(handle(1, "event:0104"), TimeLimit::new(5, LimitUnit::WorkingHours));
    assert_eq!(handle(2, "event:0104"), TimeLimit::new(4, LimitUnit::WorkingHours));
    assert_eq!(handle(1, "event:0101"), TimeLimit::new(15, LimitUnit::WorkingDays));
    let construction = c.get(1, &cat("event:0301")).unwrap();
    let stages: Vec<String> = construction.milestones.iter().map(|m| format!("{}={}", m.name_en, m.limit)).collect();
    assert_eq!(stages, ["stop work=4wh", "penalty=7wd", "demolition=20wd"]);
    let manhole = c.get(1, &cat("facility:0107")).unwrap();
    assert_eq!(manhole.name_zh, "燃气井盖");
    let stages: Vec<String> = manhole.milestones.iter().map(|m| m.limit.to_string()).collect();
    assert_eq!(stages, ["30min", "360min"]);
    assert!(c.get(1, &cat("event:0111")).is_none());
    assert_eq!(c.get(2, &cat("event:0111")).unwrap().name_en, "Improper waste sorting");
}

fn lead_and_basis(d: &gridflow_routing::Decision) -> (Option<&str>, &Basis) {
    (d.lead.as_deref(), &d.basis)
}

#[test]
fn demo_exercises_every_precedence_level() {
    let r = router();
    let rule = |id| Basis::Rule { rule_id: id };
    // Unit grid (rule 70) beats street (rule 104) for street order in the 东华门 tourist grid.
    let d = route(&r, "event:0401", "2024-05-06", "110101001001001");
    assert_eq!(lead_and_basis(&d), (Some("dept-enforcement"), &rule(70)));
    // Next grid over: the street rule for class 04.
    let d = route(&r, "event:0401", "2024-05-06", "110101001001002");
    assert_eq!(lead_and_basis(&d), (Some("street-110101001"), &rule(104)));
    // Community (rule 60) beats street (rule 101) for exposed garbage in 多福巷.
    let d = route(&r, "event:0102", "2024-05-06", "110101001001002");
    assert_eq!(lead_and_basis(&d), (Some("community-110101001001"), &rule(60)));
    assert_eq!(d.co_handlers, ["dept-sanitation"]);
    // Street sub-class 0405 (rule 107) beats the street class rule 104 in 东华门 only.
    let d = route(&r, "event:0405", "2024-05-06", "110101001002001");
    assert_eq!(lead_and_basis(&d), (Some("dept-traffic"), &rule(107)));
    let d = route(&r, "event:0405", "2024-05-06", "110101002002001");
    assert_eq!(lead_and_basis(&d), (Some("street-110101002"), &rule(204)));
    // District sub-class, priority and id tie-breaks.
    let d = route(&r, "event:0105", "2024-05-06", "110101004001001");
    assert_eq!(lead_and_basis(&d), (Some("dept-water"), &rule(30)));
    let d = route(&r, "event:0301", "2024-05-06", "110101004001001");
    assert_eq!(lead_and_basis(&d), (Some("dept-enforcement"), &rule(34)));
    let d = route(&r, "event:0604", "2024-05-06", "110101004001001");
    assert_eq!(lead_and_basis(&d), (Some("dept-environment"), &rule(47)));
    // Any-area class rule for emergencies without a district line; facility type rule without id.
    let d = route(&r, "event:0505", "2024-05-06", "110101004001001");
    assert_eq!(lead_and_basis(&d), (Some("dept-sanitation"), &rule(50)));
    let d = route(&r, "facility:0113", "2024-05-06", "110101004001001");
    assert_eq!(lead_and_basis(&d), (Some("dept-municipal"), &rule(1)));
    // No line for open burning: the street office of the grid's street.
    let d = route(&r, "event:0107", "2024-05-06", "110101005003004");
    assert_eq!(lead_and_basis(&d), (Some("street-110101005"), &Basis::StreetFallback { street: "110101005".into() }));
}

#[test]
fn demo_layers_facilities_and_version_switch() {
    let r = router();
    let mut req = RouteRequest::new(
        cat("event:0401"),
        day("2024-09-02"),
        gridflow_routing::AreaCode::parse("110101002001001").ok(),
    );
    req.layer_grids.push("school:SCH-0007".parse().unwrap());
    assert_eq!(r.route(&req).basis, Basis::Rule { rule_id: 80 });

    let mut req = RouteRequest::new(cat("facility:0107"), day("2024-09-02"), None);
    req.facility_id = Some("F0107-0001".into());
    let d = r.route(&req);
    assert_eq!(lead_and_basis(&d), (Some("owner-gas"), &Basis::FacilityOwner { facility_id: "F0107-0001".into() }));
    req.category = cat("facility:0109");
    req.facility_id = Some("F0109-0002".into());
    let d = r.route(&req);
    assert_eq!(lead_and_basis(&d), (Some("dept-municipal"), &Basis::Rule { rule_id: 1 }));

    // Abandoned vehicles change hands on 2025-07-01; waste sorting exists from 2025-01-01.
    let d = route(&r, "event:0109", "2025-06-30", "110101003001001");
    assert_eq!((d.lead.as_deref(), d.rule_set_version), (Some("dept-enforcement"), Some(1)));
    let d = route(&r, "event:0109", "2025-07-01", "110101003001001");
    assert_eq!((d.lead.as_deref(), d.rule_set_version), (Some("dept-traffic"), Some(2)));
    let d = route(&r, "event:0111", "2024-12-31", "110101003001001");
    assert_eq!(d.basis, Basis::Triage { reason: gridflow_routing::TriageReason::UnknownCategory });
    let d = route(&r, "event:0111", "2025-03-01", "110101003001001");
    assert_eq!((d.lead.as_deref(), d.catalogue_version), (Some("street-110101003"), Some(2)));
    let d = route(&r, "event:0111", "2025-07-01", "110101003001001");
    assert_eq!(lead_and_basis(&d), (Some("dept-sanitation"), &Basis::Rule { rule_id: 51 }));
}

#[test]
fn sample_requests_are_reproducible_and_all_route() {
    let r = router();
    let a = demo::sample_requests(&r, 500, 42);
    assert!(a == demo::sample_requests(&r, 500, 42), "same seed, same requests");
    assert!(a != demo::sample_requests(&r, 500, 43), "another seed, other requests");
    let triaged = a.iter().filter(|q| r.route(q).lead.is_none()).count();
    // Sample categories come from catalogue v1, which v2 extends, and every street and the
    // district have an office, so nothing needs triage.
    assert_eq!(triaged, 0);
    assert!(a.iter().any(|q| q.facility_id.is_some()));
    assert!(a.iter().any(|q| !q.layer_grids.is_empty()));
    assert!(a.iter().any(|q| !q.excluded_units.is_empty()));
}

#[test]
fn demo_handlers_have_schedules_and_skills() {
    let r = router();
    let water = r.directory().unit("dept-water").unwrap();
    assert_eq!(water.handlers.len(), 3);
    assert_eq!(water.handlers[0].skills, ["water", "drainage"]);
    assert_eq!(water.handlers[1].skills, ["water"]);
    assert_eq!(water.handlers[2].skills, ["drainage"]);
    assert_eq!(water.handlers[0].schedule.len(), 10, "office hours: two windows a weekday");
    let gas = r.directory().unit("owner-gas").unwrap();
    assert!(gas.handlers.iter().all(|h| h.skills == ["gas", "manhole"]));
    assert_eq!(gas.handlers.iter().map(|h| h.schedule.len()).collect::<Vec<_>>(), [7, 7, 7]);
    assert_eq!(
        r.directory().territorial_unit(gridflow_routing::UnitType::Street, "110101003").unwrap().id,
        "street-110101003"
    );
}

#[test]
fn a_pinned_catalogue_version_outlives_newer_ones() {
    let r = router();
    // Re-routing in 2025 a case registered under version 1 keeps version 1 (the rules still
    // follow the date): waste sorting 0111, new in version 2, is unknown to it.
    let mut req = RouteRequest::new(
        cat("event:0111"),
        day("2025-07-01"),
        gridflow_routing::AreaCode::parse("110101003001001").ok(),
    );
    req.catalogue_version = Some(1);
    let d = r.route(&req);
    assert_eq!(
        (d.basis, d.catalogue_version),
        (Basis::Triage { reason: gridflow_routing::TriageReason::UnknownCategory }, Some(1))
    );
    req.category = cat("event:0109");
    let d = r.route(&req);
    assert_eq!((d.lead.as_deref(), d.catalogue_version, d.rule_set_version), (Some("dept-traffic"), Some(1), Some(2)));
    // A version that no longer exists falls back to the one in force on the date.
    req.catalogue_version = Some(9);
    assert_eq!(r.route(&req).catalogue_version, Some(2));
}
