//! Precedence, effective dates, exclusions, facilities, fallback, triage and the explain output,
//! each on a hand-made rule table with literal expectations.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod fixture;

use fixture::{lead, request, router, router_with, verdicts};
use gridflow_routing::{Basis, TriageReason};

fn v(id: u32, verdict: &str) -> (u32, String) {
    (id, verdict.to_owned())
}

#[test]
fn most_specific_area_wins_at_every_level() {
    let r = router(
        "1,event:0102,*,dept-a,,0,\n\
         2,event:0102,110101,dept-b,,0,\n\
         3,event:0102,110101001,street-1,,0,\n\
         4,event:0102,110101001001,community-1,,0,\n\
         5,event:0102,110101001001001,dept-c,,0,\n",
    );
    assert_eq!(lead(&r, "event:0102", "110101001001001").as_deref(), Some("dept-c"));
    assert_eq!(lead(&r, "event:0102", "110101001001002").as_deref(), Some("community-1"));
    assert_eq!(lead(&r, "event:0102", "110101001002001").as_deref(), Some("street-1"));
    assert_eq!(lead(&r, "event:0102", "110101002001001").as_deref(), Some("dept-b"));
    assert_eq!(lead(&r, "event:0102", "110102001001001").as_deref(), Some("dept-a"));
    let d = r.route(&request("event:0102", "2024-06-03", Some("110101001001001")));
    assert_eq!(
        verdicts(&d),
        [
            v(5, "won"),
            v(4, "less_specific_area:winner=5"),
            v(3, "less_specific_area:winner=5"),
            v(2, "less_specific_area:winner=5"),
            v(1, "less_specific_area:winner=5"),
        ]
    );
}

#[test]
fn area_outranks_category() {
    // A street-level class rule beats a district-level sub-class rule.
    let r = router("1,event:0102,110101,dept-a,,0,\n2,event:01,110101001,street-1,,0,\n");
    let d = r.route(&request("event:0102", "2024-06-03", Some("110101001001001")));
    assert_eq!(d.basis, Basis::Rule { rule_id: 2 });
    assert_eq!(verdicts(&d), [v(2, "won"), v(1, "less_specific_area:winner=2")]);
}

#[test]
fn other_layer_grid_ranks_with_the_unit_grid() {
    let r = router(
        "1,event:0401,110101001001,community-1,,0,\n\
         2,event:0401,school:SCH-1,dept-a,,0,\n\
         3,event:0401,110101001001001,dept-b,,0,\n",
    );
    let mut req = request("event:0401", "2024-06-03", Some("110101001001002"));
    req.layer_grids.push("school:SCH-1".parse().unwrap());
    // Layer grid beats community.
    assert_eq!(r.route(&req).lead.as_deref(), Some("dept-a"));
    // Same level as the unit grid: equal category and priority, so the lower id (2) wins.
    req.area = Some(gridflow_routing::AreaCode::parse("110101001001001").unwrap());
    let d = r.route(&req);
    assert_eq!(verdicts(&d), [v(2, "won"), v(3, "higher_id:winner=2"), v(1, "less_specific_area:winner=2")]);
    // Without the layer grid, rule 2 does not match at all.
    req.layer_grids.clear();
    assert_eq!(r.route(&req).lead.as_deref(), Some("dept-b"));
}

#[test]
fn exact_sub_class_beats_class_prefix_beats_any() {
    let r = router("1,*,110101,dept-a,,0,\n2,event:01,110101,dept-b,,0,\n3,event:0102,110101,dept-c,,0,\n");
    assert_eq!(lead(&r, "event:0102", "110101002001001").as_deref(), Some("dept-c"));
    assert_eq!(lead(&r, "event:0101", "110101002001001").as_deref(), Some("dept-b"));
    assert_eq!(lead(&r, "event:0401", "110101002001001").as_deref(), Some("dept-a"));
    // The class prefix is per kind: event class 01 does not cover facility 0101.
    assert_eq!(lead(&r, "facility:0101", "110101002001001").as_deref(), Some("dept-a"));
    let d = r.route(&request("event:0102", "2024-06-03", Some("110101002001001")));
    assert_eq!(
        verdicts(&d),
        [v(3, "won"), v(2, "less_specific_category:winner=3"), v(1, "less_specific_category:winner=3")]
    );
}

#[test]
fn priority_then_lowest_id_break_ties() {
    let r = router(
        "9,event:0102,110101,dept-c,,0,\n\
         7,event:0102,110101,dept-b,,0,\n\
         8,event:0102,110101,dept-a,,5,\n",
    );
    let d = r.route(&request("event:0102", "2024-06-03", Some("110101002001001")));
    assert_eq!(d.lead.as_deref(), Some("dept-a"));
    assert_eq!(verdicts(&d), [v(8, "won"), v(7, "lower_priority:winner=8"), v(9, "lower_priority:winner=8")]);
    // Equal priority: the lowest id wins, whatever the row order.
    let r = router("9,event:0102,110101,dept-c,,0,\n7,event:0102,110101,dept-b,,0,\n");
    let d = r.route(&request("event:0102", "2024-06-03", Some("110101002001001")));
    assert_eq!(d.lead.as_deref(), Some("dept-b"));
    assert_eq!(verdicts(&d), [v(7, "won"), v(9, "higher_id:winner=7")]);
}

#[test]
fn a_rule_set_takes_effect_on_its_date_and_not_before() {
    let r = router_with(&[
        ("2024-03-01", "1,event:0102,110101,dept-a,,0,\n"),
        ("2025-07-01", "1,event:0102,110101,dept-b,,0,\n"),
    ]);
    let at = |date| {
        let d = r.route(&request("event:0102", date, Some("110101002001001")));
        (d.lead, d.rule_set_version)
    };
    // "Today" 2025-06-30: the set effective tomorrow is not used yet.
    assert_eq!(at("2025-06-30"), (Some("dept-a".into()), Some(1)));
    assert_eq!(at("2025-07-01"), (Some("dept-b".into()), Some(2)));
    assert_eq!(at("2024-03-01"), (Some("dept-a".into()), Some(1)));
    // Before any set is in force (the catalogue is, from 2024-01-01): territorial fallback.
    let d = r.route(&request("event:0102", "2024-02-29", Some("110101002001001")));
    assert_eq!((d.rule_set_version, d.basis), (None, Basis::StreetFallback { street: "110101002".into() }));
    assert!(d.trace.iter().any(|t| t == "no rule set in force on 2024-02-29"), "{:?}", d.trace);
}

#[test]
fn excluded_lead_re_routes_to_the_next_candidate() {
    let r = router("1,event:0102,110101001,street-1,dept-a,0,\n2,event:0102,110101,dept-b,dept-a,0,\n");
    let mut req = request("event:0102", "2024-06-03", Some("110101001001001"));
    assert_eq!(r.route(&req).lead.as_deref(), Some("street-1"));
    req.excluded_units.push("street-1".into());
    let d = r.route(&req);
    assert_eq!((d.lead.as_deref(), &d.basis), (Some("dept-b"), &Basis::Rule { rule_id: 2 }));
    assert_eq!(verdicts(&d), [v(2, "won"), v(1, "excluded_lead:unit=street-1")]);
    // An excluded co-handler is dropped; the rule still stands.
    req.excluded_units = vec!["dept-a".into()];
    let d = r.route(&req);
    assert_eq!((d.lead.as_deref(), d.co_handlers.len()), (Some("street-1"), 0));
    // Every rule excluded: territorial fallback, skipping the excluded street office.
    req.excluded_units = vec!["street-1".into(), "dept-b".into()];
    let d = r.route(&req);
    assert_eq!((d.lead.as_deref(), d.basis), (Some("district"), Basis::DistrictFallback { district: "110101".into() }));
}

#[test]
fn facilities_go_to_the_owner_first() {
    let r = router("1,facility:01,*,dept-a,,0,\n");
    let mut req = request("facility:0101", "2024-06-03", None);
    req.facility_id = Some("F1".into());
    let d = r.route(&req);
    assert_eq!(d.lead.as_deref(), Some("owner"));
    assert_eq!(d.co_handlers, ["maintainer"]);
    assert_eq!(d.basis, Basis::FacilityOwner { facility_id: "F1".into() });
    assert_eq!(verdicts(&d), [v(1, "facility_owner_first")]);

    // Owner returned it: rules decide, the supervising department joins.
    req.excluded_units.push("owner".into());
    let d = r.route(&req);
    assert_eq!((d.lead.as_deref(), d.co_handlers.as_slice()), (Some("dept-a"), ["dept-sup".to_owned()].as_slice()));

    // Unknown owner: the maintainer never leads.
    req.excluded_units.clear();
    req.facility_id = Some("F2".into());
    let d = r.route(&req);
    assert_eq!((d.lead.as_deref(), d.basis), (Some("dept-a"), Basis::Rule { rule_id: 1 }));
    assert_eq!(d.co_handlers, ["dept-sup"]);

    // Unknown owner and no rule: the facility's grid gives the street for the fallback.
    let bare = router("");
    let d = bare.route(&req);
    assert_eq!((d.lead.as_deref(), d.basis), (Some("street-2"), Basis::StreetFallback { street: "110101002".into() }));
    assert_eq!(d.co_handlers, ["dept-sup"]);

    // Not in the registry: routed by rules alone.
    req.facility_id = Some("F404".into());
    let d = r.route(&req);
    assert_eq!(d.lead.as_deref(), Some("dept-a"));
    assert!(d.trace.iter().any(|t| t.contains("F404 is not in the registry")), "{:?}", d.trace);

    // An event at a facility is routed as an event; the facility only locates it.
    let mut event = request("event:0102", "2024-06-03", None);
    event.facility_id = Some("F1".into());
    let d = bare.route(&event);
    assert_eq!(d.basis, Basis::StreetFallback { street: "110101001".into() });
}

#[test]
fn territorial_fallback_street_then_district() {
    let r = router("");
    let at = |area: &str, excluded: &[&str]| {
        let mut req = request("event:0102", "2024-06-03", Some(area));
        req.excluded_units = excluded.iter().map(|s| s.to_string()).collect();
        let d = r.route(&req);
        (d.lead, d.basis)
    };
    assert_eq!(
        at("110101001001001", &[]),
        (Some("street-1".into()), Basis::StreetFallback { street: "110101001".into() })
    );
    // A hotline case that only knows its street.
    assert_eq!(at("110101002", &[]), (Some("street-2".into()), Basis::StreetFallback { street: "110101002".into() }));
    let district = (Some("district".into()), Basis::DistrictFallback { district: "110101".into() });
    assert_eq!(at("110101001001001", &["street-1"]), district);
    // Street 003 has no office.
    assert_eq!(at("110101003001001", &[]), district);
    assert_eq!(at("110101", &[]), district);
}

#[test]
fn triage_when_nothing_else_applies() {
    let r = router("");
    let triage = |reason| Basis::Triage { reason };
    let d = r.route(&request("event:0102", "2024-06-03", None));
    assert_eq!((d.lead, d.basis), (None, triage(TriageReason::NoArea)));
    // Another district: no street or district unit.
    let d = r.route(&request("event:0102", "2024-06-03", Some("110102001001001")));
    assert_eq!((d.lead, d.basis), (None, triage(TriageReason::NoTerritorialUnit)));
    let mut req = request("event:0102", "2024-06-03", Some("110101001001001"));
    req.excluded_units = vec!["street-1".into(), "district".into()];
    assert_eq!(r.route(&req).basis, triage(TriageReason::NoTerritorialUnit));
    // A code outside the catalogue, or a date before the catalogue exists.
    let d = r.route(&request("event:0199", "2024-06-03", Some("110101001001001")));
    assert_eq!((d.basis, d.catalogue_version), (triage(TriageReason::UnknownCategory), Some(1)));
    let d = r.route(&request("event:0102", "2023-06-03", Some("110101001001001")));
    assert_eq!((d.basis, d.catalogue_version), (triage(TriageReason::UnknownCategory), None));
}

#[test]
fn explain_output_is_stable_json() {
    let r = router("1,event:01,110101,dept-a,dept-b,0,\n2,event:0102,110101001,street-1,dept-a,0,street first\n");
    let body = r#"{"category": "event:0102", "date": "2024-06-03", "area": "110101001001001",
                   "excluded_units": ["dept-x"]}"#;
    let req: gridflow_routing::RouteRequest = serde_json::from_str(body).unwrap();
    let json = serde_json::to_value(r.route(&req)).unwrap();
    let expected = serde_json::json!({
        "lead": "street-1",
        "co_handlers": ["dept-a"],
        "basis": {"by": "rule", "rule_id": 2},
        "catalogue_version": 1,
        "rule_set_version": 1,
        "candidates": [
            {"rule_id": 2, "category": "event:0102", "area": "110101001", "lead": "street-1", "priority": 0,
             "verdict": "won"},
            {"rule_id": 1, "category": "event:01", "area": "110101", "lead": "dept-a", "priority": 0,
             "verdict": "less_specific_area", "winner": 2}
        ],
        "trace": ["rule 2 (event:0102 × 110101001) wins out of 2 matching"]
    });
    assert_eq!(json, expected);
    let bad = r#"{"category": "event:102", "date": "2024-06-03"}"#;
    assert!(serde_json::from_str::<gridflow_routing::RouteRequest>(bad).is_err());
}
