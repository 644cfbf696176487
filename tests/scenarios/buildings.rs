//! Buildings 楼栋 over HTTP: an admin adds buildings to the geography, explain names the building
//! a point is in, and a building outside its grid is refused with the data left as it was.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A square footprint of `half` degrees around (lat, lon), as GeoJSON.
fn footprint(at: (f64, f64), half: f64) -> Value {
    let (lat, lon) = at;
    json!({ "type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half], [lon - half, lat - half]
    ]] })
}

fn building(code: &str, grid: &str, geometry: Value) -> Value {
    json!({ "type": "Feature", "geometry": geometry,
            "properties": { "kind": "building", "code": code, "name": format!("{code}号楼"), "grid": grid } })
}

async fn put_geography(app: &TestApp, admin: &str, doc: &Value) -> (StatusCode, Value) {
    let req = app.http.put(format!("{}/api/v1/reference/geography", app.base)).bearer_auth(admin);
    app.send(req.body(doc.to_string())).await
}

pub async fn buildings_under_grids(app: &TestApp) {
    let admin = app.login("admin").await;
    let dispatcher = app.login("dispatcher").await;
    let (status, mut geography) = app.get("/api/v1/reference/geography", &admin).await;
    assert_eq!(status, StatusCode::OK);
    // The demo district has buildings in every unit grid: clear G1's, so the point is in none.
    let in_g1 = |f: &Value| f["properties"]["kind"] == "building" && f["properties"]["grid"] == G1_CODE;
    let features = geography["features"].as_array_mut().unwrap();
    assert!(features.iter().any(in_g1), "the demo has buildings in G1");
    features.retain(|f| !in_g1(f));
    let (status, body) = put_geography(app, &admin, &geography).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let probe = json!({ "category": "event:0102", "lat": G1.0, "lon": G1.1 });
    let (_, before) = app.post("/api/v1/routing/explain", Some(&dispatcher), probe.clone()).await;
    assert_eq!(before["location"]["building"], Value::Null, "{before}");

    // A building around the centre of grid G1 (about 20 m across).
    let features = geography["features"].as_array_mut().unwrap();
    features.push(building("00001", G1_CODE, footprint(G1, 0.0001)));
    let (status, body) = put_geography(app, &admin, &geography).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, explained) = app.post("/api/v1/routing/explain", Some(&dispatcher), probe.clone()).await;
    assert_eq!(explained["location"]["building"], format!("{G1_CODE}00001"), "{explained}");
    assert_eq!(explained["decision"], before["decision"], "a building does not change routing");
    let nearby = json!({ "category": "event:0102", "lat": G1.0 + 0.0003, "lon": G1.1 });
    let (_, outside) = app.post("/api/v1/routing/explain", Some(&dispatcher), nearby).await;
    assert_eq!(outside["location"]["building"], Value::Null, "between buildings: {outside}");
    // The export carries it, so export → import round-trips.
    let (_, exported) = app.get("/api/v1/reference/geography", &admin).await;
    assert_eq!(exported["features"].as_array().unwrap().iter().filter(|f| in_g1(f)).count(), 1);

    // A building reaching out of its grid is refused, located, and nothing changes.
    let (_, revisions_before) = app.get("/api/v1/reference", &admin).await;
    let mut bad = exported.clone();
    bad["features"].as_array_mut().unwrap().push(building("00002", G1_CODE, footprint(G1, 0.005)));
    let (status, body) = put_geography(app, &admin, &bad).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_reference")),
        "{body}"
    );
    let problems = body["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["code"], format!("{G1_CODE}00002"));
    assert_eq!(problems[0]["problem"], format!("building is not inside the boundary of its grid `{G1_CODE}`"));
    let (_, revisions_after) = app.get("/api/v1/reference", &admin).await;
    assert_eq!(revisions_after["documents"], revisions_before["documents"]);
    let (_, still) = app.post("/api/v1/routing/explain", Some(&dispatcher), probe).await;
    assert_eq!(still["location"]["building"], format!("{G1_CODE}00001"));

    // A report from inside it records the building with the routing decision.
    let worker = app.login("worker").await;
    let id = submit_at(app, &worker, "event:0102", G1).await;
    let case = app.wait_status(&worker, &id, "dispatched", std::time::Duration::from_secs(10)).await;
    assert_eq!(case["routing"]["building"], format!("{G1_CODE}00001"), "{case}");
    assert_eq!(case["routing"]["grid"], G1_CODE, "{case}");
}
