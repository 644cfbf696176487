//! Bad input and missing or insufficient credentials: every refusal is a 4xx with a stable code,
//! and nothing is half-written.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::{JWT_SECRET, TestApp};
use gridflow_domain::Role;
use gridflow_domain::ports::Principal;
use reqwest::StatusCode;
use serde_json::{Value, json};

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

fn report(extra: Value) -> Value {
    let mut body = json!({ "category": "event:0505", "lat": G1.0, "lon": G1.1, "description": "garbage by the gate" });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    body
}

/// Malformed, incomplete, out-of-range and unknown input is refused with the right code.
pub async fn bad_input_is_4xx(app: &TestApp) {
    let worker = app.login("worker").await;
    let dispatcher = app.login("dispatcher").await;
    let mut created = vec![];

    // Bodies that are not JSON at all.
    for raw in ["{\"category\": \"0102\",", "not json", ""] {
        let got = app.send(raw_post(app, "/api/v1/cases", Some(&worker), raw)).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "malformed_json", &format!("submit body {raw:?}"));
    }
    let got = app.send(raw_post(app, "/api/v1/auth/login", None, "{username")).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "malformed_json", "login body");

    // Well-formed JSON of the wrong shape.
    let shapes = [
        ("missing description", report(json!({ "description": null }))),
        ("missing lat", report(json!({ "lat": null }))),
        ("lat as text", report(json!({ "lat": "north" }))),
        ("category as number", report(json!({ "category": 102 }))),
        ("unknown field", report(json!({ "priority": "high" }))),
        ("unknown urgency", report(json!({ "urgency": "whenever" }))),
        ("array body", json!([1, 2, 3])),
    ];
    for (what, body) in shapes {
        let got = app.post("/api/v1/cases", Some(&worker), body).await;
        assert_error(&got, UNPROCESSABLE, "invalid_request", what);
    }
    let got = app.post("/api/v1/auth/login", None, json!({ "username": "worker" })).await;
    assert_error(&got, UNPROCESSABLE, "invalid_request", "login without password");

    // Valid shape, invalid content.
    for (lat, lon) in [(91.0, G1.1), (-90.5, G1.1), (G1.0, 200.0), (G1.0, -181.0)] {
        let got = app.post("/api/v1/cases", Some(&worker), report(json!({ "lat": lat, "lon": lon }))).await;
        assert_error(&got, UNPROCESSABLE, "validation_failed", &format!("position ({lat}, {lon})"));
    }
    for description in ["", "   "] {
        let got = app.post("/api/v1/cases", Some(&worker), report(json!({ "description": description }))).await;
        assert_error(&got, UNPROCESSABLE, "validation_failed", &format!("description {description:?}"));
    }
    let got = app.post("/api/v1/cases", Some(&worker), report(json!({ "description": "x".repeat(2001) }))).await;
    assert_error(&got, UNPROCESSABLE, "validation_failed", "description over 2000 characters");
    for category in ["9999", "", "../0102"] {
        let got = app.post("/api/v1/cases", Some(&worker), report(json!({ "category": category }))).await;
        assert_error(&got, UNPROCESSABLE, "unknown_category", &format!("category {category:?}"));
    }
    let got = app.post("/api/v1/cases", Some(&worker), report(json!({ "lat": 39.0, "lon": 116.0 }))).await;
    assert_error(&got, UNPROCESSABLE, "outside_service_area", "a point in Hebei, outside every grid");
    for key in [String::new(), "k".repeat(201)] {
        let req = raw_post(app, "/api/v1/cases", Some(&worker), report(json!({})).to_string())
            .header("idempotency-key", key.clone());
        let got = app.send(req).await;
        assert_error(&got, UNPROCESSABLE, "invalid_request", &format!("Idempotency-Key of {} characters", key.len()));
    }

    // Actions: unknown, malformed and misaddressed.
    let id = app.submit(&worker, "event:0505").await;
    created.push(id.clone());
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let actions = [
        ("unknown action", json!({ "action": "fly" })),
        ("no action", json!({ "note": "x" })),
        ("unknown field on an action", json!({ "action": "feedback", "note": "done", "force": true })),
        ("missing field of an action", json!({ "action": "feedback" })),
        ("wrong type", json!({ "action": "verify", "passed": "yes" })),
        ("non-integer expected_version", json!({ "action": "sign", "expected_version": "3" })),
        ("unknown field on a parameterless action", json!({ "action": "sign", "force": true })),
        ("unknown reject reason", json!({ "action": "reject", "reason": "boring" })),
        ("master id that is not a UUID", json!({ "action": "mark_duplicate", "master_id": "nope" })),
    ];
    for (what, action) in actions {
        let got = app.act(&dispatcher, &id, action).await;
        assert_error(&got, UNPROCESSABLE, "invalid_request", what);
    }
    let got = app.send(raw_post(app, &format!("/api/v1/cases/{id}/actions"), Some(&dispatcher), "{\"action\":")).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "malformed_json", "action body");
    let got = app.act(&dispatcher, &id, json!({ "action": "redispatch", "department": "nowhere" })).await;
    assert_error(&got, UNPROCESSABLE, "unknown_department", "redispatch to an unknown department");
    let got = app.act(&dispatcher, &id, json!({ "action": "dispatch", "department": "nowhere" })).await;
    assert_error(&got, UNPROCESSABLE, "unknown_department", "dispatch to an unknown department");
    let got = app.get("/api/v1/cases/not-a-uuid", &worker).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_case_id", "read by a non-UUID id");
    let got = app.act(&dispatcher, "12345", json!({ "action": "sign" })).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_case_id", "act on a non-UUID id");
    let unknown = uuid::Uuid::new_v4();
    let got = app.get(&format!("/api/v1/cases/{unknown}"), &worker).await;
    assert_error(&got, StatusCode::NOT_FOUND, "case_not_found", "read an unknown case");
    let got = app.act(&dispatcher, &unknown.to_string(), json!({ "action": "urge" })).await;
    assert_error(&got, StatusCode::NOT_FOUND, "case_not_found", "act on an unknown case");

    // Listing with a bad query.
    for query in [
        "status=bogus",
        "limit=0",
        "limit=201",
        "limit=ten",
        "cursor=garbage",
        "cursor=bm90OmEtdXVpZA",
        "from=yesterday",
        "sort=asc",
    ] {
        let got = app.get(&format!("/api/v1/cases?{query}"), &dispatcher).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_query", query);
    }

    // Unknown routes.
    for path in ["/api/v1/nope", "/api/v2/cases", "/api/v1/cases/extra/segments/here"] {
        let got = app.get(path, &worker).await;
        assert_error(&got, StatusCode::NOT_FOUND, "not_found", path);
    }
    let (status, _) = app.send(app.http.delete(format!("{}/api/v1/cases", app.base)).bearer_auth(&worker)).await;
    assert!(status.is_client_error(), "DELETE on a collection: {status}");

    // An oversized body is refused before it is parsed, in the same JSON error shape.
    let big = report(json!({ "description": "x".repeat(300 * 1024) })).to_string();
    let got = app.send(raw_post(app, "/api/v1/cases", Some(&worker), big)).await;
    assert_error(&got, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "oversized body");

    // One more good submission, then nothing half-written: exactly the created cases exist.
    created.push(app.submit(&worker, "event:0401").await);
    let listed = ids(app, &dispatcher, "").await;
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(listed, expected, "only successful submissions created cases");
    let case = app.case(&worker, &created[0]).await;
    assert_eq!(
        kinds(&case),
        ["reported", "accepted", "registered", "routed", "dispatched", "assigned"],
        "refused actions left no trace"
    );
}

/// Tokens are required and checked; roles and scopes limit what each user can see and do.
pub async fn auth_is_enforced(app: &TestApp) {
    // Credentials.
    let got = app.post("/api/v1/auth/login", None, json!({ "username": "worker", "password": "wrong" })).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_credentials", "wrong password");
    let got = app.post("/api/v1/auth/login", None, json!({ "username": "nobody", "password": "nobody-demo" })).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_credentials", "unknown user");
    let got = app.post("/api/v1/auth/login", None, json!({ "username": "", "password": "" })).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_credentials", "empty credentials");

    let worker = app.login("worker").await;
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let case_path = format!("/api/v1/cases/{id}");

    // No token, or a token that is not ours.
    let anonymous = [
        app.http.get(format!("{}/api/v1/cases", app.base)),
        app.http.get(format!("{}{case_path}", app.base)),
        app.http.get(format!("{}/api/v1/categories", app.base)),
        app.http.get(format!("{}/api/v1/queues/dept-sanitation", app.base)),
        app.http.post(format!("{}/api/v1/cases", app.base)).json(&report(json!({}))),
        app.http.post(format!("{}{case_path}/actions", app.base)).json(&json!({ "action": "sign" })),
    ];
    for req in anonymous {
        let got = app.send(req).await;
        assert_error(&got, StatusCode::UNAUTHORIZED, "unauthenticated", "no credentials");
    }
    let admin = Principal {
        id: "mallory".into(),
        name: "mallory".into(),
        roles: vec![Role::Admin, Role::Dispatcher],
        scopes: vec![],
        secret_hash: String::new(),
    };
    let other_secret = gridflow_api::auth::issue_token(b"not-the-server-secret-not-the-server", &admin, 3600);
    let expired = gridflow_api::auth::issue_token(JWT_SECRET.as_bytes(), &admin, -10);
    let mut parts: Vec<String> = worker.split('.').map(str::to_string).collect();
    parts[1] = gridflow_api::auth::issue_token(b"x", &admin, 3600).split('.').nth(1).unwrap().to_string();
    let forged = parts.join(".");
    let none_alg = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    for (what, token) in [
        ("garbage", "garbage"),
        ("empty", ""),
        ("four segments", "a.b.c.d"),
        ("signed with another secret", other_secret.as_str()),
        ("expired", expired.as_str()),
        ("forged claims", forged.as_str()),
        ("alg none", none_alg.as_str()),
    ] {
        let got = app
            .send(app.http.get(format!("{}{case_path}", app.base)).header("authorization", format!("Bearer {token}")))
            .await;
        assert_error(&got, StatusCode::UNAUTHORIZED, "unauthenticated", what);
    }
    let got = app
        .send(app.http.get(format!("{}{case_path}", app.base)).header("authorization", format!("Basic {worker}")))
        .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "unauthenticated", "Basic scheme");
    let got = app.send(app.http.get(format!("{}{case_path}", app.base)).header("x-api-key", "gfk_0000")).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "unauthenticated", "unknown API key");

    // Area scope: worker2 covers street 110101002 only.
    let worker2 = app.login("worker2").await;
    let got = app.get(&case_path, &worker2).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "worker2 reads a case in street 110101001");
    let got = app.post("/api/v1/cases", Some(&worker2), report(json!({}))).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "worker2 reports in street 110101001");
    let own = submit_at(app, &worker2, "event:0505", S2).await;
    assert_eq!(app.case(&worker2, &own).await["street"], "110101002");
    assert_eq!(ids(app, &worker2, "").await, std::slice::from_ref(&own), "worker2 lists only its street");

    // Unit scope: a unit acts only on cases dispatched to it.
    let unit = app.login("sanitation").await;
    let urban = app.login("enforcement").await;
    let got = app.get(&case_path, &urban).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "urban reads a sanitation case");
    let got = app.act(&urban, &id, json!({ "action": "sign" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "urban signs a sanitation case");
    let got = app.get("/api/v1/queues/dept-sanitation", &urban).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "urban reads the sanitation queue");

    // Roles: each action has its own set of roles.
    let got = app.act(&worker, &id, json!({ "action": "dispatch", "department": "dept-municipal" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a grid worker dispatches");
    let got = app.act(&worker, &id, json!({ "action": "redispatch", "department": "dept-municipal" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a grid worker redispatches");
    let got = app.act(&unit, &id, json!({ "action": "close", "note": "done" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a unit closes");
    let admin = app.login("admin").await;
    let got = app.act(&admin, &id, json!({ "action": "sign" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "admin is not a unit");

    // worker2 cannot verify outside its street; the district worker can.
    app.must_act(&unit, &id, json!({ "action": "sign" })).await;
    app.must_act(&unit, &id, json!({ "action": "feedback", "note": "cleared" })).await;
    let got = app.act(&worker2, &id, json!({ "action": "verify", "passed": true })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "worker2 verifies in street 110101001");
    let got = app.act(&unit, &id, json!({ "action": "verify", "passed": true })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a unit verifies its own work");
    let closed = app.must_act(&worker, &id, json!({ "action": "verify", "passed": true })).await;
    assert_eq!(closed["status"], "closed");
    let case = app.case(&worker, &id).await;
    assert_eq!(
        kinds(&case),
        [
            "reported",
            "accepted",
            "registered",
            "routed",
            "dispatched",
            "assigned",
            "signed",
            "feedback_given",
            "verified",
            "closed"
        ]
    );
    assert!(case["timeline"].as_array().unwrap().iter().all(|t| t["actor"] != "mallory"));
}
