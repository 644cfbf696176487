//! Reading: paging and filters, reference data, live queues and the operations endpoints.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

fn id_of(c: &Value) -> String {
    c["id"].as_str().unwrap().to_string()
}

fn set(ids: &[String]) -> HashSet<String> {
    ids.iter().cloned().collect()
}

/// Paging visits every case once, newest first; filters narrow; reference, queue and ops endpoints answer.
pub async fn listing_and_paging(app: &TestApp) {
    let worker = app.login("worker").await;
    let dispatcher = app.login("dispatcher").await;
    let sanitation = app.login("sanitation").await;

    // Seven cases over four departments and three grids, in creation order.
    let plan = [
        ("event:0505", G1, "dept-sanitation", G1_CODE),
        ("facility:0302", G1, "dept-sanitation", G1_CODE),
        ("event:0401", G1, "dept-enforcement", G1_CODE),
        ("event:0201", G1, "street-110101001", G1_CODE),
        ("event:0505", G2, "dept-sanitation", G2_CODE),
        ("facility:0101", G1, "owner-water", G1_CODE),
        ("event:0505", S2, "dept-sanitation", S2_CODE),
    ];
    let mut created = vec![];
    for (category, at, department, grid) in plan {
        let id = submit_at(app, &worker, category, at).await;
        let case = app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
        assert_eq!(case["department"], department, "category {category} routes to {department}");
        assert_eq!(case["grid"], grid);
        created.push(id);
    }
    // The first case is finished.
    app.must_act(&sanitation, &created[0], json!({ "action": "sign" })).await;
    app.must_act(&sanitation, &created[0], json!({ "action": "feedback", "note": "gone" })).await;
    app.must_act(&worker, &created[0], json!({ "action": "verify", "passed": true })).await;

    // Pages of three: 3 + 3 + 1, every case once, newest first.
    let mut seen: Vec<Value> = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=3&cursor={c}"),
            None => "/api/v1/cases?limit=3".to_string(),
        };
        let (status, body) = app.get(&path, &dispatcher).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = body["cases"].as_array().unwrap();
        assert!(page.len() <= 3, "{body}");
        seen.extend(page.iter().cloned());
        pages += 1;
        assert!(pages <= 5, "paging does not end: {seen:?}");
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3, "7 cases in pages of 3");
    let seen_ids: Vec<String> = seen.iter().map(id_of).collect();
    assert_eq!(seen_ids.len(), 7, "{seen_ids:?}");
    assert_eq!(set(&seen_ids), set(&created), "every created case, each once");
    let stamps: Vec<&str> = seen.iter().map(|c| c["created_at"].as_str().unwrap()).collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "newest first: {stamps:?}");
    if stamps.windows(2).all(|w| w[0] > w[1]) {
        let mut newest_first = created.clone();
        newest_first.reverse();
        assert_eq!(seen_ids, newest_first);
    }
    assert!(seen.iter().all(|c| c.get("timeline").is_none()), "lists carry no timelines");

    // Filters, each compared with what the cases really are.
    let d = &dispatcher;
    let filtered = |query: &'static str| async move { set(&ids(app, d, query).await) };
    let pick = |idx: &[usize]| idx.iter().map(|i| created[*i].clone()).collect::<HashSet<_>>();
    assert_eq!(filtered("status=dispatched&").await, pick(&[1, 2, 3, 4, 5, 6]));
    assert_eq!(filtered("status=closed&").await, pick(&[0]));
    assert_eq!(filtered("status=signed&").await, pick(&[]));
    assert_eq!(filtered("department=dept-sanitation&").await, pick(&[0, 1, 4, 6]));
    assert_eq!(filtered("department=dept-sanitation&status=dispatched&").await, pick(&[1, 4, 6]));
    assert_eq!(filtered("department=nowhere&").await, pick(&[]));
    assert_eq!(filtered("category=event:0505&").await, pick(&[0, 4, 6]));
    assert_eq!(filtered("category=event:0505&grid=110101001002001&").await, pick(&[4]));
    assert_eq!(filtered("grid=110101001001001&").await, pick(&[0, 1, 2, 3, 5]));
    assert_eq!(filtered("grid=110101002001001&").await, pick(&[6]));
    let (status, body) = app.get("/api/v1/cases?status=dispatched&limit=2", &dispatcher).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["cases"].as_array().unwrap().len(), 2);
    assert!(body["cases"].as_array().unwrap().iter().all(|c| c["status"] == "dispatched"));
    assert!(body["next_cursor"].is_string());
    // Time window: `from` is inclusive, `to` exclusive.
    let pivot =
        seen.iter().find(|c| c["id"] == created[3].as_str()).unwrap()["created_at"].as_str().unwrap().to_string();
    let after: HashSet<String> =
        seen.iter().filter(|c| c["created_at"].as_str().unwrap() >= pivot.as_str()).map(id_of).collect();
    let before: HashSet<String> =
        seen.iter().filter(|c| c["created_at"].as_str().unwrap() < pivot.as_str()).map(id_of).collect();
    assert_eq!(set(&ids(app, &dispatcher, &format!("from={pivot}&")).await), after);
    assert_eq!(set(&ids(app, &dispatcher, &format!("to={pivot}&")).await), before);
    // Scope filters what a unit lists.
    assert_eq!(set(&ids(app, &sanitation, "").await), pick(&[0, 1, 4, 6]));

    // Reference data.
    let (status, body) = app.get("/api/v1/categories", &worker).await;
    assert_eq!(status, StatusCode::OK);
    let categories = body["categories"].as_array().unwrap();
    assert_eq!(categories.len(), 86, "catalogue version 2 of the demo");
    let snow = categories.iter().find(|c| c["code"] == "event:0505").unwrap();
    assert_eq!(snow["limits"]["handle"], json!({ "value": 240, "unit": "minutes" }), "{snow}");
    assert_eq!(snow["name"], "道路积雪结冰");
    let (status, body) = app.get("/api/v1/grids", &worker).await;
    assert_eq!(status, StatusCode::OK);
    let grids = body["grids"].as_array().unwrap();
    assert!(grids.len() >= 400, "the demo district has hundreds of unit grids");
    for g in grids {
        assert_eq!(g["code"].as_str().unwrap().len(), 15, "{g}");
        let (lat, lon) = (g["centroid"]["lat"].as_f64().unwrap(), g["centroid"]["lon"].as_f64().unwrap());
        assert!((39.85..40.0).contains(&lat) && (116.3..116.5).contains(&lon), "{g}");
    }
    let g1 = grids.iter().find(|g| g["code"] == G1_CODE).unwrap();
    assert!((g1["centroid"]["lat"].as_f64().unwrap() - G1.0).abs() < 1e-9);
    assert!((g1["centroid"]["lon"].as_f64().unwrap() - G1.1).abs() < 1e-9);
    let (status, body) = app.get("/api/v1/departments", &worker).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["departments"].as_array().unwrap().iter().any(|d| d["code"] == "dept-sanitation"));

    // The sanitation queue: its open cases, soonest due first, nothing closed or foreign.
    let open: HashSet<String> = pick(&[1, 4, 6]);
    let queue = poll_get(app, "/api/v1/queues/dept-sanitation", &sanitation, DISPATCH_WITHIN, |q| {
        q["cases"].as_array().unwrap().iter().map(id_of).collect::<HashSet<_>>() == open
    })
    .await;
    let cases = queue["cases"].as_array().unwrap();
    let due: Vec<i64> = cases.iter().map(|c| c["due_at_ms"].as_i64().unwrap()).collect();
    assert!(due.windows(2).all(|w| w[0] <= w[1]), "soonest due first: {queue}");
    for c in cases {
        // The queue's countdown is the case's own due instant.
        let case = app.case(&dispatcher, &id_of(c)).await;
        let due_at = chrono::DateTime::parse_from_rfc3339(case["due_at"].as_str().unwrap()).unwrap();
        assert_eq!(c["due_at_ms"].as_i64().unwrap(), due_at.timestamp_millis(), "{case}");
    }
    let got = app.get("/api/v1/queues/nowhere", &dispatcher).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "unknown_department", "queue of an unknown department");
    let (status, _) = app.get("/api/v1/queues/triage", &dispatcher).await;
    assert_eq!(status, StatusCode::OK);

    // Operations endpoints.
    let (status, doc) = app.send(app.http.get(format!("{}/openapi.json", app.base))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    for path in [
        "/api/v1/auth/login",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/actions",
        "/api/v1/categories",
        "/api/v1/grids",
        "/api/v1/queues/{department}",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI documents {path}");
    }
    let (status, metrics) = app.send(app.http.get(format!("{}/metrics", app.base))).await;
    assert_eq!(status, StatusCode::OK);
    let text = metrics.as_str().unwrap();
    for name in ["gridflow_http_requests_total", "gridflow_transitions_total"] {
        assert!(text.lines().any(|l| l.starts_with(name)), "/metrics has no {name} sample");
    }
    let (status, body) = app.send(app.http.get(format!("{}/readyz", app.base))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
