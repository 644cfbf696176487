//! Routing as data, end to end over HTTP: an admin imports a responsibility list, explain shows
//! each precedence rule at work, cases are routed by it (and re-routed after a change or a
//! return), facilities go to their owners, and border points resolve deterministically.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Rule set 3 (in force from 2026-01-01): one rule per precedence step, on demo units.
const RULES_V3: &str = "\
id,category,area,lead,co_handlers,priority,note
1,event:01,110101,dept-environment,,0,class x district
2,event:0102,110101,dept-sanitation,,0,sub-class x district
3,event:0102,110101001,street-110101001,dept-sanitation,0,sub-class x street
4,event:0102,110101001001001,community-110101001001,,0,sub-class x unit grid
5,event:0104,110101,dept-sanitation,,1,lower priority
6,event:0104,110101,contractor-cleaning,,5,higher priority
7,event:0106,110101,dept-greening,,0,tie: lower id wins
8,event:0106,110101,contractor-greening,,0,tie: higher id loses
9,facility:0101,*,dept-municipal,,0,facility without a registered owner
10,event:0401,school:SCHOOL,dept-enforcement,,0,school-zone grid
";

async fn explain(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, got) = app.post("/api/v1/routing/explain", Some(token), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "explain {body} → {got}");
    got
}

fn lead_and_basis(e: &Value) -> (String, String) {
    let d = &e["decision"];
    let basis = match d["basis"]["by"].as_str().unwrap() {
        "rule" => format!("rule {}", d["basis"]["rule_id"]),
        other => other.to_string(),
    };
    (d["lead"].as_str().unwrap_or("-").to_string(), basis)
}

async fn import_rules(app: &TestApp, admin: &str, version: u32, from: &str, csv: String) -> (StatusCode, Value) {
    let path = format!("/api/v1/reference/rules/versions?version={version}&effective_from={from}");
    let req = app.http.post(format!("{}{path}", app.base)).bearer_auth(admin).header("content-type", "text/csv");
    app.send(req.body(csv)).await
}

async fn grid_point(app: &TestApp, token: &str, layer: &str) -> (String, (f64, f64)) {
    let (status, body) = app.get(&format!("/api/v1/grids?layer={layer}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let g = &body["grids"][0];
    (
        g["code"].as_str().unwrap().to_string(),
        (g["centroid"]["lat"].as_f64().unwrap(), g["centroid"]["lon"].as_f64().unwrap()),
    )
}

fn at(category: &str, p: (f64, f64)) -> Value {
    json!({ "category": category, "lat": p.0, "lon": p.1 })
}

/// Import → explain → route, for every precedence rule, effective dates and the fallbacks.
pub async fn routing_precedence(app: &TestApp) {
    let admin = app.login("admin").await;
    let dispatcher = app.login("dispatcher").await;
    let worker = app.login("worker").await;
    let (school, school_point) = grid_point(app, &admin, "dedicated:school").await;
    let (status, body) = import_rules(app, &admin, 3, "2026-01-01", RULES_V3.replace("SCHOOL", &school)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["revisions"]["rules"], 2, "the import is the rules document's second revision");

    // Most specific area wins: unit grid > street > district; then category, priority, id.
    let e = explain(app, &dispatcher, at("event:0102", G1)).await;
    assert_eq!(lead_and_basis(&e), ("community-110101001001".into(), "rule 4".into()));
    assert_eq!(e["decision"]["rule_set_version"], 3);
    let verdicts: Vec<(u64, &str)> = e["decision"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["rule_id"].as_u64().unwrap(), c["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [(4, "won"), (3, "less_specific_area"), (2, "less_specific_area"), (1, "less_specific_area")],
        "{e}"
    );
    assert_eq!(lead_and_basis(&explain(app, &dispatcher, at("event:0102", G2)).await).1, "rule 3");
    assert_eq!(lead_and_basis(&explain(app, &dispatcher, at("event:0102", S2)).await).1, "rule 2");
    assert_eq!(lead_and_basis(&explain(app, &dispatcher, at("event:0103", S2)).await).1, "rule 1", "class-level rule");
    assert_eq!(lead_and_basis(&explain(app, &dispatcher, at("event:0104", S2)).await).1, "rule 6", "priority");
    assert_eq!(lead_and_basis(&explain(app, &dispatcher, at("event:0106", S2)).await).1, "rule 7", "lowest id");
    // Another layer's grid counts as a unit-grid area.
    assert_eq!(lead_and_basis(&explain(app, &dispatcher, at("event:0401", school_point)).await).1, "rule 10");
    assert_eq!(
        explain(app, &dispatcher, at("event:0401", school_point)).await["location"]["grids"]["dedicated:school"],
        school
    );

    // Effective dates: before 2026-01-01 the demo's rule set 2 applies, before 2025-07-01 set 1.
    let dated = |date: &str| json!({ "category": "event:0109", "lat": G1.0, "lon": G1.1, "date": date });
    let v1 = explain(app, &dispatcher, dated("2025-06-30")).await;
    let v2 = explain(app, &dispatcher, dated("2025-07-01")).await;
    assert_eq!(
        (v1["decision"]["rule_set_version"].clone(), v2["decision"]["rule_set_version"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(lead_and_basis(&v1).0, "dept-enforcement");
    assert_eq!(lead_and_basis(&v2).0, "dept-traffic", "abandoned vehicles moved to the traffic police in 2025-07");
    // A sub-class added in catalogue version 2 (2025) is unknown before it.
    let old =
        explain(app, &dispatcher, json!({ "category": "event:0111", "lat": G1.0, "lon": G1.1, "date": "2024-06-01" }))
            .await;
    assert_eq!(old["decision"]["basis"], json!({ "by": "triage", "reason": "unknown_category" }));

    // Territorial fallback: no rule for event:0201 in set 3 → the grid's street office, then the
    // district when the street is excluded, then triage when both are.
    let e = explain(app, &dispatcher, at("event:0201", G1)).await;
    assert_eq!(lead_and_basis(&e), ("street-110101001".into(), "street_fallback".into()));
    let body = json!({ "category": "event:0201", "lat": G1.0, "lon": G1.1, "exclude": ["street-110101001"] });
    assert_eq!(
        lead_and_basis(&explain(app, &dispatcher, body).await),
        ("district-110101".into(), "district_fallback".into())
    );
    let body = json!({ "category": "event:0201", "lat": G1.0, "lon": G1.1, "exclude": ["street-110101001", "district-110101"] });
    let e = explain(app, &dispatcher, body).await;
    assert_eq!(e["decision"]["lead"], Value::Null);
    assert_eq!(e["decision"]["basis"], json!({ "by": "triage", "reason": "no_territorial_unit" }));
    // Outside every grid: a clear answer, not an error.
    let e = explain(app, &dispatcher, at("event:0201", (0.0, 0.0))).await;
    assert_eq!(e["location"]["grids"]["unit"], Value::Null);
    assert_eq!(e["decision"]["basis"]["by"], "triage");

    // Real cases follow the imported rules and record why.
    let id = submit_at(app, &worker, "event:0102", G1).await;
    let case = app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    assert_eq!(case["department"], "community-110101001001");
    assert_eq!(case["routing"]["basis"], "rule");
    assert_eq!(case["routing"]["detail"], "4");
    assert_eq!(case["routing"]["rule_set_version"], 3);
    let routed: Vec<&Value> = case["timeline"].as_array().unwrap().iter().filter(|t| t["type"] == "routed").collect();
    assert_eq!(routed.len(), 1, "the decision is in the timeline");
    assert_eq!(routed[0]["event"]["note"]["detail"], "4");

    // A new rule set drops the grid rule; `reroute` re-runs the rules and moves the case.
    let v4: String = RULES_V3
        .replace("SCHOOL", &school)
        .lines()
        .filter(|l| !l.starts_with("4,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (status, body) = import_rules(app, &admin, 4, "2026-06-01", v4).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let moved = app.must_act(&dispatcher, &id, json!({ "action": "reroute", "reason": "rule set 4" })).await;
    assert_eq!(moved["department"], "street-110101001");
    assert_eq!(moved["routing"]["rule_set_version"], 4);
    assert_eq!(moved["co_handlers"], json!(["dept-sanitation"]));
    let again = app.must_act(&dispatcher, &id, json!({ "action": "reroute" })).await;
    assert_eq!(again["department"], "street-110101001", "re-running unchanged rules keeps the unit");
    let kinds = kinds(&app.case(&dispatcher, &id).await);
    assert!(kinds.ends_with(&["routed", "redispatched", "assigned", "routed"].map(String::from)), "{kinds:?}");

    // A street office returns a case that is not its own: re-routed at once without it.
    let street = app.login("street1").await;
    let lead = app.login("lead").await;
    let id = submit_at(app, &worker, "event:0201", G1).await;
    let case = app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    assert_eq!(case["department"], "street-110101001");
    app.must_act(&street, &id, json!({ "action": "request_return", "reason": "a district matter" })).await;
    let back = app.must_act(&lead, &id, json!({ "action": "approve_return" })).await;
    assert_eq!((back["status"].as_str(), back["department"].as_str()), (Some("dispatched"), Some("district-110101")));
    assert_eq!(back["routing"]["basis"], "district_fallback");
    // The district returns it too: nobody is left, so it waits in triage for a dispatcher.
    let district = app.login("district").await;
    app.must_act(&district, &id, json!({ "action": "request_return", "reason": "not ours either" })).await;
    let triaged = app.must_act(&lead, &id, json!({ "action": "approve_return" })).await;
    assert_eq!((triaged["status"].as_str(), triaged["department"].as_str()), (Some("registered"), None));
    assert_eq!(triaged["routing"]["basis"], "triage");
    assert_eq!(triaged["routing"]["detail"], "no_territorial_unit");
    assert_eq!(triaged["returned_by"], json!(["street-110101001", "district-110101"]));
    poll_get(app, "/api/v1/queues/triage", &dispatcher, DISPATCH_WITHIN, |q| {
        q["cases"].as_array().unwrap().iter().any(|c| c["id"] == id.as_str())
    })
    .await;
    let done = app.must_act(&dispatcher, &id, json!({ "action": "dispatch", "department": "dept-enforcement" })).await;
    assert_eq!(done["department"], "dept-enforcement", "a dispatcher decides by hand");
}

/// Facilities route to their registered owner first; a point on a shared border resolves to
/// the grid with the smallest code.
pub async fn facility_and_border_routing(app: &TestApp) {
    let dispatcher = app.login("dispatcher").await;
    let worker = app.login("worker").await;
    let owned = json!({ "category": "facility:0101", "facility_id": "F0101-0001" });
    let e = explain(app, &dispatcher, owned).await;
    assert_eq!(lead_and_basis(&e), ("owner-water".into(), "facility_owner".into()));
    assert_eq!(e["grid"], "110101001001002", "the facility's registered grid");
    let got = app
        .post(
            "/api/v1/routing/explain",
            Some(&dispatcher),
            json!({ "category": "facility:0101", "facility_id": "F-NOPE" }),
        )
        .await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "unknown_facility", "explain an unknown facility");

    // A report naming the facility goes to its owner.
    let body = json!({ "category": "facility:0101", "lat": G1.0, "lon": G1.1, "description": "cover missing", "facility_id": "F0101-0001" });
    let (status, created) = app.post("/api/v1/cases", Some(&worker), body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let case = app.wait_status(&worker, created["id"].as_str().unwrap(), "dispatched", DISPATCH_WITHIN).await;
    assert_eq!(case["department"], "owner-water");
    assert_eq!(case["facility_id"], "F0101-0001");
    assert_eq!(case["routing"]["basis"], "facility_owner");
    let body =
        json!({ "category": "facility:0101", "lat": G1.0, "lon": G1.1, "description": "x", "facility_id": "F-NOPE" });
    let got = app.post("/api/v1/cases", Some(&worker), body).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "report an unknown facility");

    // Border: find a vertex G1 shares with its neighbour in the exported geography.
    let (status, geo) = app.get("/api/v1/reference/geography", &dispatcher).await;
    assert_eq!(status, StatusCode::OK);
    let ring = |code: &str| -> Vec<(f64, f64)> {
        let f = geo["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == code).unwrap();
        f["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[1].as_f64().unwrap(), p[0].as_f64().unwrap()))
            .collect()
    };
    let (a, b) = (ring("110101001001001"), ring("110101001001002"));
    let shared = *a.iter().find(|p| b.contains(p)).expect("neighbouring grids share a vertex");
    let e = explain(app, &dispatcher, at("event:0201", shared)).await;
    let candidates: Vec<&str> =
        e["location"]["border_candidates"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(candidates.len() >= 2, "{e}");
    assert_eq!(e["location"]["grids"]["unit"], *candidates.iter().min().unwrap(), "smallest code wins on a border");
    assert_eq!(e["grid"], "110101001001001");
    let id = submit_at(app, &worker, "event:0201", shared).await;
    assert_eq!(app.case(&worker, &id).await["grid"], "110101001001001", "the case resolves like explain");
}
