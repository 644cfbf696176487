//! Reference-data administration over HTTP: bad imports are rejected with every problem located
//! and change nothing; roles and revisions are enforced; exports round-trip. Duplicate reports
//! are held at intake, offered, merged and counted.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn put_doc(app: &TestApp, token: &str, kind: &str, body: String, if_match: Option<&str>) -> (StatusCode, Value) {
    let mut req = app.http.put(format!("{}/api/v1/reference/{kind}", app.base)).bearer_auth(token).body(body);
    if let Some(rev) = if_match {
        req = req.header("if-match", rev);
    }
    app.send(req).await
}

fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!([[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]])
}

fn feature(props: Value, coordinates: Value) -> Value {
    json!({ "type": "Feature", "properties": props, "geometry": { "type": "Polygon", "coordinates": coordinates } })
}

/// Bad imports name each feature and problem and leave the data in force untouched.
pub async fn bad_imports_change_nothing(app: &TestApp) {
    let admin = app.login("admin").await;
    let dispatcher = app.login("dispatcher").await;
    let (_, before) = app.get("/api/v1/reference", &dispatcher).await;
    let probe = json!({ "category": "event:0102", "lat": G1.0, "lon": G1.1 });
    let (_, routed_before) = app.post("/api/v1/routing/explain", Some(&dispatcher), probe.clone()).await;

    // One document with four different problems.
    let unclosed = json!([[[116.40, 39.92], [116.401, 39.92], [116.401, 39.921], [116.40, 39.921]]]);
    let bow_tie = json!([[[116.40, 39.92], [116.401, 39.921], [116.401, 39.92], [116.40, 39.921], [116.40, 39.92]]]);
    let doc = json!({ "type": "FeatureCollection", "features": [
        feature(json!({ "kind": "district", "code": "110101", "name": "东城区" }), square(116.38, 39.90, 0.05)),
        feature(json!({ "kind": "street", "code": "110101001", "name": "街道" }), square(116.38, 39.90, 0.05)),
        feature(json!({ "kind": "community", "code": "110101001001", "name": "社区" }), square(116.38, 39.90, 0.01)),
        feature(json!({ "kind": "grid", "layer": "unit", "community": "110101001001", "code": "110101001001001", "name": "开口" }), unclosed),
        feature(json!({ "kind": "grid", "layer": "unit", "community": "110101001001", "code": "110101001001002", "name": "自交" }), bow_tie),
        feature(json!({ "kind": "grid", "layer": "unit", "community": "110101001001", "code": "110101001001003", "name": "甲" }), square(116.381, 39.901, 0.001)),
        feature(json!({ "kind": "grid", "layer": "unit", "community": "110101001001", "code": "110101001001003", "name": "重复" }), square(116.383, 39.901, 0.001)),
        feature(json!({ "kind": "grid", "layer": "unit", "community": "110101001001", "code": "110101001001004", "name": "界外" }), square(116.42, 39.94, 0.001)),
    ]});
    let (status, body) = put_doc(app, &admin, "geography", doc.to_string(), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_reference");
    let problems = body["problems"].as_array().unwrap();
    let about = |code: &str| {
        problems
            .iter()
            .filter(|p| p["code"] == code)
            .map(|p| p["problem"].as_str().unwrap().to_lowercase())
            .collect::<Vec<_>>()
    };
    assert!(about("110101001001001").iter().any(|p| p.contains("clos")), "unclosed ring: {body}");
    assert!(about("110101001001002").iter().any(|p| p.contains("intersect")), "self-intersection: {body}");
    assert!(about("110101001001003").iter().any(|p| p.contains("duplicate")), "duplicate code: {body}");
    // A grid outside its community: exactly one problem, located and worded as the importer says.
    let outside: Vec<&Value> = problems.iter().filter(|p| p["code"] == "110101001001004").collect();
    assert_eq!(
        outside,
        [&json!({ "document": "geography", "at": "features[7]", "code": "110101001001004",
                  "problem": "grid is not inside the boundary of its community `110101001001`" })],
        "outside its community: {body}"
    );
    assert!(problems.iter().all(|p| p["at"].as_str().unwrap().starts_with("features[")), "{body}");

    // Rules naming a unit the directory does not know.
    let rules = "id,category,area,lead,co_handlers,priority,note\n1,event:0102,110101,dept-nowhere,,0,\n";
    let req =
        app.http.post(format!("{}/api/v1/reference/rules/versions?version=3&effective_from=2026-01-01", app.base));
    let (status, body) = app.send(req.bearer_auth(&admin).header("content-type", "text/csv").body(rules)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["problems"][0]["problem"].as_str().unwrap().contains("dept-nowhere"), "{body}");
    // Not JSON at all.
    let (status, body) = put_doc(app, &admin, "directory", "{ not json".into(), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_reference")),
        "{body}"
    );

    // Roles and kinds.
    let (status, body) = put_doc(app, &dispatcher, "geography", doc.to_string(), None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");
    let (status, body) = put_doc(app, &admin, "weather", "{}".into(), None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");

    // Nothing changed: same revisions, same routing.
    let (_, after) = app.get("/api/v1/reference", &dispatcher).await;
    assert_eq!(after["documents"], before["documents"]);
    let (_, routed_after) = app.post("/api/v1/routing/explain", Some(&dispatcher), probe.clone()).await;
    assert_eq!(routed_after, routed_before);

    // A good import: the export re-imported becomes revision 2; a stale If-Match is a conflict.
    let (status, exported) = app.get("/api/v1/reference/geography", &dispatcher).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = put_doc(app, &admin, "geography", exported.to_string(), Some("1")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revisions"]["geography"], 2);
    let (status, body) = put_doc(app, &admin, "geography", exported.to_string(), Some("1")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("reference_conflict")), "{body}");
    let (_, routed_again) = app.post("/api/v1/routing/explain", Some(&dispatcher), probe).await;
    assert_eq!(routed_again["decision"], routed_before["decision"]);
    // CSV export of the rules in force.
    let (status, _) = app.get("/api/v1/reference/rules?format=csv", &dispatcher).await;
    assert_eq!(status, StatusCode::OK);
}

/// A second report of the same problem nearby is held at intake and offered as a duplicate;
/// merging links it to the master (never deletes it) and counts the repeat.
pub async fn duplicates_are_held_and_merged(app: &TestApp) {
    let worker = app.login("worker").await;
    let intake = app.login("intake").await;
    let master = submit_at(app, &worker, "event:0102", G1).await;
    app.wait_status(&worker, &master, "dispatched", DISPATCH_WITHIN).await;

    let near = (G1.0 + 0.0001, G1.1); // about 11 m north
    let body = json!({ "category": "event:0102", "lat": near.0, "lon": near.1, "description": "same rubbish" });
    let (status, created) = app.post("/api/v1/cases", Some(&worker), body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let offered = created["likely_duplicates"].as_array().unwrap();
    assert_eq!(offered.len(), 1, "{created}");
    assert_eq!(offered[0]["id"], master.as_str());
    let d = offered[0]["distance_m"].as_f64().unwrap();
    assert!((8.0..14.0).contains(&d), "{d} m");
    let repeat = created["id"].as_str().unwrap().to_string();
    // Held for the intake operator instead of being dispatched a second time.
    let held = app.wait_status(&worker, &repeat, "accepted", DISPATCH_WITHIN).await;
    assert_eq!(held["likely_duplicates"], json!([master]));
    // Held at intake, the report runs an intake clock counted from the report itself.
    let intake_clock = &held["clocks"]["intake"];
    assert_eq!(intake_clock["state"], "running", "{}", held["clocks"]);
    let from =
        |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().timestamp_millis();
    assert_eq!(from(&intake_clock["started_at"]), from(&held["created_at"]), "{held}");
    poll_get(app, "/api/v1/queues/triage", &intake, DISPATCH_WITHIN, |q| {
        q["cases"].as_array().unwrap().iter().any(|c| c["id"] == repeat.as_str())
    })
    .await;

    // Another category at the same spot, or the same category far away, is not a duplicate.
    let other = json!({ "category": "event:0104", "lat": near.0, "lon": near.1, "description": "dirty road" });
    let (_, created) = app.post("/api/v1/cases", Some(&worker), other).await;
    assert_eq!(created["likely_duplicates"], json!([]));
    let far = json!({ "category": "event:0102", "lat": S2.0, "lon": S2.1, "description": "rubbish elsewhere" });
    let (_, created) = app.post("/api/v1/cases", Some(&worker), far).await;
    assert_eq!(created["likely_duplicates"], json!([]));

    // Merge: the repeat stays, linked; the master counts it (via the bus, so poll).
    let merged = app.must_act(&intake, &repeat, json!({ "action": "mark_duplicate", "master_id": master })).await;
    assert_eq!((merged["status"].as_str(), merged["master_id"].as_str()), (Some("duplicate"), Some(master.as_str())));
    assert_eq!(merged["clocks"]["intake"]["state"], "stopped", "merging ends intake: {}", merged["clocks"]);
    let counted =
        poll_get(app, &format!("/api/v1/cases/{master}"), &intake, DISPATCH_WITHIN, |c| c["repeat_count"] == 1).await;
    assert_eq!(counted["duplicates"], json!([repeat]));

    // A held report that is not a duplicate after all is routed by the operator.
    let third = json!({ "category": "event:0102", "lat": G1.0, "lon": G1.1 + 0.0001, "description": "next door" });
    let (_, created) = app.post("/api/v1/cases", Some(&worker), third).await;
    let third = created["id"].as_str().unwrap().to_string();
    app.wait_status(&worker, &third, "accepted", DISPATCH_WITHIN).await;
    let dispatcher = app.login("dispatcher").await;
    let routed = app.must_act(&dispatcher, &third, json!({ "action": "reroute", "reason": "different pile" })).await;
    assert_eq!(routed["status"], "dispatched");
    assert_eq!(routed["department"], counted["department"]);
}
