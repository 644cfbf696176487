//! Assignment inside a unit, end to end: which handler the router picks and the policy and reason
//! it records in the timeline, for a round-robin unit (a durable turn count: closing a case does
//! not step it back, and simultaneous reports get different handlers) and a least-loaded one.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// Litter bins at G1 go to dept-sanitation (login `sanitation`), whose handlers need `sanitation`.
const BIN: &str = "facility:0302";
/// Illegal buildings at G1 go to dept-enforcement (login `enforcement`), skill `enforcement`.
const BUILDING: &str = "event:0101";

/// Every day, around the clock: 00:00–12:00 and 12:00–24:00 (a window ending at midnight runs
/// "into the next day" until 00:00).
fn around_the_clock() -> Value {
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let windows: Vec<Value> = days
        .iter()
        .flat_map(|d| {
            [
                json!({ "weekday": d, "start": "00:00:00", "end": "12:00:00" }),
                json!({ "weekday": d, "start": "12:00:00", "end": "00:00:00" }),
            ]
        })
        .collect();
    Value::Array(windows)
}

/// Gives `unit` three handlers with `skill` who are always on duty, and `policy`.
async fn staff(app: &TestApp, admin: &str, unit: &str, skill: &str, policy: &str) -> Vec<String> {
    let (status, mut directory) = app.get("/api/v1/reference/directory", admin).await;
    assert_eq!(status, StatusCode::OK, "{directory}");
    let ids: Vec<String> = (1..=3).map(|i| format!("{unit}/t{i}")).collect();
    let entry = directory["units"].as_array_mut().unwrap().iter_mut().find(|u| u["id"] == unit).unwrap();
    entry["assignment"] = json!(policy);
    entry["handlers"] = ids
        .iter()
        .map(|id| json!({ "id": id, "name": id, "skills": [skill], "schedule": around_the_clock() }))
        .collect();
    let req = app.http.put(format!("{}/api/v1/reference/directory", app.base)).bearer_auth(admin);
    let (status, body) = app.send(req.body(directory.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ids
}

async fn lead_of(app: &TestApp, token: &str, category: &str) -> String {
    let probe = json!({ "category": category, "lat": G1.0, "lon": G1.1 });
    let (status, e) = app.post("/api/v1/routing/explain", Some(token), probe).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    e["decision"]["lead"].as_str().unwrap().to_string()
}

/// Reports `category` at G1, waits for the dispatch and returns (case id, handler, the
/// `assigned` event of its timeline).
async fn report(app: &TestApp, worker: &str, category: &str) -> (String, String, Value) {
    let id = submit_at(app, worker, category, G1).await;
    app.wait_status(worker, &id, "dispatched", DISPATCH_WITHIN).await;
    assigned(app, worker, &id).await
}

async fn assigned(app: &TestApp, worker: &str, id: &str) -> (String, String, Value) {
    let case = app.case(worker, id).await;
    let events: Vec<&Value> =
        case["timeline"].as_array().unwrap().iter().filter(|t| t["type"] == "assigned").map(|t| &t["event"]).collect();
    assert_eq!(events.len(), 1, "{case}");
    let handler = case["handler"].as_str().unwrap().to_string();
    assert_eq!(events[0]["handler"], handler.as_str(), "{case}");
    (id.to_string(), handler, events[0].clone())
}

/// Sign, feedback, verify: the case closes and leaves its handler's load.
async fn close(app: &TestApp, unit: &str, worker: &str, id: &str) {
    app.must_act(unit, id, json!({ "action": "sign" })).await;
    app.must_act(unit, id, json!({ "action": "feedback", "note": "done" })).await;
    let closed = app.must_act(worker, id, json!({ "action": "verify", "passed": true })).await;
    assert_eq!(closed["status"], "closed");
}

pub async fn assignment_policies_inside_a_unit(app: &TestApp) {
    let admin = app.login("admin").await;
    let worker = app.login("worker").await;
    assert_eq!(lead_of(app, &admin, BIN).await, "dept-sanitation");
    assert_eq!(lead_of(app, &admin, BUILDING).await, "dept-enforcement");

    // Round-robin: each report takes the unit's next turn.
    let sanitation = app.login("sanitation").await;
    let bins = staff(app, &admin, "dept-sanitation", "sanitation", "round_robin").await;
    let next = |h: &str| {
        let i = bins.iter().position(|b| b == h).unwrap();
        bins[(i + 1) % bins.len()].clone()
    };
    let mut picked = vec![];
    for _ in 0..3 {
        let (id, handler, event) = report(app, &worker, BIN).await;
        assert_eq!(event["policy"], "round_robin", "{event}");
        let reason = event["reason"].as_str().unwrap();
        assert!(reason.starts_with(&format!("{handler} is the next eligible handler")), "{reason}");
        assert!(reason.contains("turn"), "{reason}");
        picked.push((id, handler));
    }
    assert_eq!(picked[1].1, next(&picked[0].1), "{picked:?}");
    assert_eq!(picked[2].1, next(&picked[1].1), "{picked:?}");
    // Closing a case does not step the rotation back.
    close(app, &sanitation, &worker, &picked[0].0).await;
    let (_, handler, _) = report(app, &worker, BIN).await;
    assert_eq!(handler, next(&picked[2].1), "after a closed case the rotation goes on");
    // Simultaneous reports take different turns, hence different handlers.
    let body = json!({ "category": BIN, "lat": G1.0, "lon": G1.1, "description": "bin" });
    let burst = all_at_once((0..3).map(|_| raw_post(app, "/api/v1/cases", Some(&worker), body.to_string())).collect());
    let mut handlers = HashSet::new();
    for (status, created) in burst.await {
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap();
        app.wait_status(&worker, id, "dispatched", DISPATCH_WITHIN).await;
        handlers.insert(assigned(app, &worker, id).await.1);
    }
    assert_eq!(handlers.len(), 3, "three simultaneous reports, three handlers: {handlers:?}");

    // Least-loaded: the handler with the fewest open cases, ties to the earlier in the list.
    let enforcement = app.login("enforcement").await;
    let crew = staff(app, &admin, "dept-enforcement", "enforcement", "least_loaded").await;
    let mut open = vec![];
    for expected in [&crew[0], &crew[1], &crew[2], &crew[0]] {
        let (id, handler, event) = report(app, &worker, BUILDING).await;
        assert_eq!((&handler, event["policy"].as_str()), (expected, Some("least_loaded")), "{event}");
        let reason = event["reason"].as_str().unwrap();
        assert!(reason.contains("has the lowest load"), "{reason}");
        open.push(id);
    }
    // crew[1]'s case closes: it now has the lowest load (0; the others 2 and 1).
    close(app, &enforcement, &worker, &open[1]).await;
    let (_, handler, event) = report(app, &worker, BUILDING).await;
    assert_eq!(handler, crew[1]);
    assert!(event["reason"].as_str().unwrap().contains("lowest load (0)"), "{event}");
}
