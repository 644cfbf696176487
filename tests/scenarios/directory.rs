//! The directory item by item over HTTP: role checks on every write and on the exports that
//! carry rosters and routing data, create/update/delete round trips for facilities, units and
//! handlers, and rejected items that leave the data in force untouched.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app.http.request(method, format!("{}{path}", app.base)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.send(req).await
}

fn roster<'a>(departments: &'a Value, unit: &str) -> Option<&'a Value> {
    departments["departments"].as_array().unwrap().iter().find(|d| d["code"] == unit)
}

async fn revisions(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get("/api/v1/reference", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["documents"].clone()
}

async fn explain_facility(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    app.post("/api/v1/routing/explain", Some(token), json!({ "category": "facility:0302", "facility_id": id })).await
}

pub async fn directory_items_over_http(app: &TestApp) {
    let admin = app.login("admin").await;
    let dispatcher = app.login("dispatcher").await;
    let worker = app.login("worker").await;

    // Reads: the whole directory (handler rosters) is the admin's; rules and facilities are for
    // the centre's dispatching roles; grid maps and the catalogue for everyone signed in.
    for (path, worker_may, dispatcher_may) in [
        ("/api/v1/reference/directory", false, false),
        ("/api/v1/reference/rules", false, true),
        ("/api/v1/reference/rules?format=csv", false, true),
        ("/api/v1/directory/facilities", false, true),
        ("/api/v1/rules", false, true),
        ("/api/v1/reference/geography", true, true),
        ("/api/v1/reference/catalogue", true, true),
    ] {
        for (token, may) in [(&worker, worker_may), (&dispatcher, dispatcher_may), (&admin, true)] {
            let got = app.get(path, token).await;
            if may {
                assert_eq!(got.0, StatusCode::OK, "{path}: {}", got.1);
            } else {
                assert_error(&got, StatusCode::FORBIDDEN, "forbidden", path);
            }
        }
    }
    let (_, rules) = app.get("/api/v1/rules", &dispatcher).await;
    assert!(rules["rules"].as_array().unwrap().iter().any(|r| r["lead"] == "dept-sanitation"), "{rules}");
    let (_, seen_by_worker) = app.get("/api/v1/departments", &worker).await;
    assert_eq!(roster(&seen_by_worker, "dept-sanitation").unwrap()["handlers"], json!([]), "no rosters for workers");
    let (_, seen_by_dispatcher) = app.get("/api/v1/departments", &dispatcher).await;
    assert!(!roster(&seen_by_dispatcher, "dept-sanitation").unwrap()["handlers"].as_array().unwrap().is_empty());

    // Every write is the admin's.
    let facility =
        json!({ "id": "F0302-0099", "category": "facility:0302", "owner": "dept-sanitation", "grid": G1_CODE });
    let unit = json!({ "id": "contractor-test", "name_zh": "测试养护公司", "name_en": "Test Maintenance Co.",
                       "type": "contractor", "assignment": "round_robin",
                       "handlers": [{ "id": "contractor-test/h1", "name": "甲", "skills": ["sanitation"] }] });
    let handler = json!({ "id": "contractor-test/h2", "name": "乙", "skills": ["sanitation"] });
    let writes = [
        (Method::POST, "/api/v1/directory/facilities", Some(facility.clone())),
        (Method::PUT, "/api/v1/directory/facilities/F0302-0001", Some(facility.clone())),
        (Method::DELETE, "/api/v1/directory/facilities/F0302-0001", None),
        (Method::POST, "/api/v1/directory/units", Some(unit.clone())),
        (Method::PUT, "/api/v1/directory/units/dept-water", Some(unit.clone())),
        (Method::DELETE, "/api/v1/directory/units/dept-water", None),
        (Method::POST, "/api/v1/directory/units/dept-water/handlers", Some(handler.clone())),
        (Method::PUT, "/api/v1/directory/units/dept-water/handlers/dept-water%2Fh1", Some(handler.clone())),
        (Method::DELETE, "/api/v1/directory/units/dept-water/handlers/dept-water%2Fh1", None),
    ];
    let before = revisions(app, &admin).await;
    for (method, path, body) in writes {
        for token in [&worker, &dispatcher] {
            let got = call(app, token, method.clone(), path, body.clone()).await;
            assert_error(&got, StatusCode::FORBIDDEN, "forbidden", &format!("{method} {path}"));
        }
    }
    assert_eq!(revisions(app, &admin).await, before, "refused writes change nothing");

    // Facility round trip: routing follows each change at once.
    let got = call(app, &admin, Method::POST, "/api/v1/directory/facilities", Some(facility.clone())).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    let (_, e) = explain_facility(app, &dispatcher, "F0302-0099").await;
    assert_eq!(e["decision"]["lead"], "dept-sanitation", "{e}");
    let moved = json!({ "category": "facility:0302", "owner": "dept-greening", "grid": G1_CODE });
    let got = call(app, &admin, Method::PUT, "/api/v1/directory/facilities/F0302-0099", Some(moved)).await;
    assert_eq!((got.0, &got.1["id"]), (StatusCode::OK, &json!("F0302-0099")), "{}", got.1);
    let (_, e) = explain_facility(app, &dispatcher, "F0302-0099").await;
    assert_eq!(e["decision"]["lead"], "dept-greening", "{e}");
    let (_, list) = app.get("/api/v1/directory/facilities", &dispatcher).await;
    assert!(list["facilities"].as_array().unwrap().iter().any(|f| f["id"] == "F0302-0099"), "{list}");
    let got = call(app, &admin, Method::DELETE, "/api/v1/directory/facilities/F0302-0099", None).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
    assert_error(
        &explain_facility(app, &dispatcher, "F0302-0099").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_facility",
        "deleted facility",
    );

    // Unit and handler round trip (a handler id carries a `/`, percent-encoded in the path).
    let got = call(app, &admin, Method::POST, "/api/v1/directory/units", Some(unit.clone())).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    let mut renamed = unit.clone();
    renamed["name_en"] = json!("Test Upkeep Co.");
    let got = call(app, &admin, Method::PUT, "/api/v1/directory/units/contractor-test", Some(renamed)).await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    let got = call(app, &admin, Method::POST, "/api/v1/directory/units/contractor-test/handlers", Some(handler)).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    let retrained = json!({ "name": "乙", "skills": ["greening"] });
    let path = "/api/v1/directory/units/contractor-test/handlers/contractor-test%2Fh2";
    let got = call(app, &admin, Method::PUT, path, Some(retrained)).await;
    assert_eq!((got.0, &got.1["id"]), (StatusCode::OK, &json!("contractor-test/h2")), "{}", got.1);
    let (_, seen) = app.get("/api/v1/departments", &dispatcher).await;
    let test_unit = roster(&seen, "contractor-test").unwrap();
    assert_eq!(test_unit["name_en"], "Test Upkeep Co.");
    let skills: Vec<&Value> = test_unit["handlers"].as_array().unwrap().iter().map(|h| &h["skills"]).collect();
    assert_eq!(skills, [&json!(["sanitation"]), &json!(["greening"])], "{test_unit}");
    let got = call(app, &admin, Method::DELETE, path, None).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
    let got = call(app, &admin, Method::DELETE, "/api/v1/directory/units/contractor-test", None).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
    let (_, seen) = app.get("/api/v1/departments", &dispatcher).await;
    assert!(roster(&seen, "contractor-test").is_none());

    // Invalid items: a clear 4xx with a stable code, and the data in force untouched.
    let id = submit_at(app, &worker, "facility:0302", G1).await;
    let busy = app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let busy_handler = busy["handler"].as_str().unwrap().replace('/', "%2F");
    let before = revisions(app, &admin).await;
    let outside = json!({ "id": "F0302-0100", "category": "facility:0302", "owner": "dept-sanitation", "grid": "110101999999999" });
    let nobody = json!({ "id": "F0302-0101", "category": "facility:0302", "owner": "dept-nowhere", "grid": G1_CODE });
    let twin = json!({ "id": "dept-water/h1", "name": "twin" });
    let bad = [
        (
            Method::POST,
            "/api/v1/directory/facilities".to_string(),
            Some(outside),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
        ),
        (
            Method::POST,
            "/api/v1/directory/facilities".into(),
            Some(nobody),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
        ),
        (
            Method::POST,
            "/api/v1/directory/facilities".into(),
            Some(json!({ "id": "F-1" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::PUT,
            "/api/v1/directory/facilities/F0302-0001".into(),
            Some(json!({ "id": "F0302-0002", "category": "facility:0302", "grid": G1_CODE })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/api/v1/directory/units".into(),
            Some(json!({ "id": "dept-sanitation", "name_zh": "x", "name_en": "x", "type": "contractor" })),
            StatusCode::CONFLICT,
            "already_exists",
        ),
        (
            Method::PUT,
            "/api/v1/directory/units/dept-nowhere".into(),
            Some(json!({ "name_zh": "x", "name_en": "x", "type": "contractor" })),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::POST,
            "/api/v1/directory/units/dept-sanitation/handlers".into(),
            Some(twin),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
        ),
        (
            Method::DELETE,
            "/api/v1/directory/units/dept-greening".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
        ),
        (Method::DELETE, "/api/v1/directory/units/dept-sanitation".into(), None, StatusCode::CONFLICT, "in_use"),
        (
            Method::DELETE,
            format!("/api/v1/directory/units/dept-sanitation/handlers/{busy_handler}"),
            None,
            StatusCode::CONFLICT,
            "in_use",
        ),
        (Method::DELETE, "/api/v1/directory/facilities/F-none".into(), None, StatusCode::NOT_FOUND, "not_found"),
    ];
    for (method, path, body, status, code) in bad {
        let got = call(app, &admin, method.clone(), &path, body).await;
        assert_error(&got, status, code, &format!("{method} {path}"));
    }
    let req = app.http.post(format!("{}/api/v1/directory/units", app.base)).bearer_auth(&admin);
    let got = app.send(req.header("content-type", "application/json").body("{ not json")).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "malformed_json", "malformed unit");
    assert_eq!(revisions(app, &admin).await, before, "rejected items change nothing");
    let (_, seen_after) = app.get("/api/v1/departments", &dispatcher).await;
    assert_eq!(roster(&seen_after, "dept-sanitation"), roster(&seen_by_dispatcher, "dept-sanitation"));
}
