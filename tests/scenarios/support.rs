//! Helpers shared by the scenarios: error assertions, raw requests, concurrent bursts, full
//! listings and one deliberate bypass of HTTP (seeding a case that the router will leave alone).
#![allow(clippy::unwrap_used)]

use crate::common::TestApp;
use gridflow_domain::audit::Transition;
use gridflow_domain::ports::{CaseCommit, Store};
use gridflow_domain::{Actor, Case, Event, Role, Urgency};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DISPATCH_WITHIN: Duration = Duration::from_secs(10);

/// Centre of grid 110101001001001 (street 110101001).
pub const G1: (f64, f64) = (39.92016480496015, 116.39389718115333);
pub const G1_CODE: &str = "110101001001001";
/// Centre of grid 110101001002001 (street 110101001, second community).
pub const G2: (f64, f64) = (39.923030777977544, 116.39387552855283);
pub const G2_CODE: &str = "110101001002001";
/// Centre of grid 110101002001001 (street 110101002: the only street `worker2` covers).
pub const S2: (f64, f64) = (39.92012986830602, 116.39774166003514);
pub const S2_CODE: &str = "110101002001001";

/// Asserts an error response: its status and its stable `code`, and that it carries a message.
#[track_caller]
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, code: &str, what: &str) {
    let (s, body) = got;
    assert_eq!(*s, status, "{what}: wrong status, body {body}");
    assert_eq!(body["code"], code, "{what}: wrong code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: no message in {body}");
}

/// Submits a report at `at` and returns the new case id.
pub async fn submit_at(app: &TestApp, token: &str, category: &str, at: (f64, f64)) -> String {
    let body = serde_json::json!({ "category": category, "lat": at.0, "lon": at.1, "description": "test report" });
    let (status, body) = app.post("/api/v1/cases", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// A POST with a raw body and optional extra header, for bodies `post` cannot express.
pub fn raw_post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::RequestBuilder {
    let mut req = app.http.post(format!("{}{path}", app.base)).header("content-type", "application/json").body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req
}

/// Sends all requests at once (released together by a barrier) and returns their responses in order.
pub async fn all_at_once(reqs: Vec<reqwest::RequestBuilder>) -> Vec<(StatusCode, Value)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(reqs.len()));
    let tasks: Vec<_> = reqs
        .into_iter()
        .map(|req| {
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                let res = tokio::time::timeout(Duration::from_secs(30), req.send())
                    .await
                    .expect("no answer within 30 s")
                    .unwrap();
                let status = res.status();
                let text = res.text().await.unwrap();
                (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.expect("request task panicked"));
    }
    out
}

/// Every case `token` may see under `query` (e.g. `status=dispatched&`), walking all pages.
pub async fn list_all(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?{query}limit=200&cursor={c}"),
            None => format!("/api/v1/cases?{query}limit=200"),
        };
        let (status, body) = app.get(&path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        out.extend(body["cases"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("listing {query} did not end within 100 pages");
}

/// Ids of every case `token` may see under `query`, newest first.
pub async fn ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    list_all(app, token, query).await.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

/// The lifecycle event types of a case's timeline, oldest first, without the SLA clock events
/// (`clock_*`, `threshold_reached`; the `sla_clocks_and_timers` scenario checks those).
pub fn kinds(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap().to_string())
        .filter(|k| !is_clock_kind(k))
        .collect()
}

/// Whether an event type is one of the SLA clock's.
pub fn is_clock_kind(kind: &str) -> bool {
    kind.starts_with("clock_") || kind == "threshold_reached"
}

/// Polls `check` on a GET until it holds, failing after `within`.
pub async fn poll_get(
    app: &TestApp,
    path: &str,
    token: &str,
    within: Duration,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let (status, body) = app.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        if check(&body) {
            return body;
        }
        assert!(start.elapsed() < within, "{path} never met the expectation within {within:?}; last: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Writes a case that `worker` reported and `intake` already accepted straight into the store,
/// with its audit records and outgoing events, exactly as the service commits one. Over HTTP an
/// accepted case is unreachable on purpose (the router dispatches every report within
/// milliseconds); seeding it lets the intake paths be tested without racing the router, which
/// ignores any case that is no longer `reported`.
pub async fn seed_accepted(app: &TestApp, category: &str, at: (f64, f64), grid: &str) -> String {
    let store = gridflow_store::SeaStore::connect(&app.backends.database_url).await.expect("open the test's store");
    let now = chrono::Utc::now();
    let id = uuid::Uuid::new_v4();
    let reported = Event::Reported {
        category: category.into(),
        lat: at.0,
        lon: at.1,
        description: "phoned in to the hotline".into(),
        urgency: Urgency::Normal,
        client_ref: None,
        grid: Some(grid.into()),
        reporter: "worker".into(),
        facility_id: None,
        likely_duplicates: vec![],
    };
    let case = Case::from_reported(id, &reported, now).unwrap();
    let first = Transition {
        case_id: id,
        seq: 1,
        event: reported,
        actor: "worker".into(),
        at: now,
        from_state: None,
        to_state: case.state,
    };
    let intake = Actor { id: "intake".into(), roles: vec![Role::IntakeOperator], scopes: vec![] };
    let (next, rest) = gridflow_engine::service::apply_events(&case, &[Event::Accepted], &intake, now);
    let transitions: Vec<Transition> = std::iter::once(first).chain(rest).collect();
    let commit = CaseCommit {
        outbox: transitions.iter().map(|t| gridflow_engine::events::message_for(&next, t)).collect(),
        idempotency: None,
        timers: Default::default(),
        case: next,
        expected_version: 0,
        transitions,
        inbox: None,
    };
    store.commit(&commit).await.expect("seed an accepted case");
    id.to_string()
}
