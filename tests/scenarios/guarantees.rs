//! Retries and races change nothing: idempotent submissions and actions, stale versions, and
//! concurrent identical commands.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const BURST: usize = 8;

fn submission(description: &str) -> String {
    json!({ "category": "event:0505", "lat": G1.0, "lon": G1.1, "description": description }).to_string()
}

fn with_key(app: &TestApp, path: &str, token: &str, key: &str, body: &str) -> reqwest::RequestBuilder {
    raw_post(app, path, Some(token), body.to_string()).header("idempotency-key", key)
}

/// The same Idempotency-Key and body create one case, however often and however concurrently sent.
pub async fn idempotent_submission(app: &TestApp) {
    let worker = app.login("worker").await;
    let worker2 = app.login("worker2").await;
    let dispatcher = app.login("dispatcher").await;
    let body = submission("overflowing bin at the gate");

    // Sequential retry: the stored response is replayed.
    let first = app.send(with_key(app, "/api/v1/cases", &worker, "retry-1", &body)).await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.1);
    let id = first.1["id"].as_str().unwrap().to_string();
    assert_eq!(first.1["status"], "reported");
    let second = app.send(with_key(app, "/api/v1/cases", &worker, "retry-1", &body)).await;
    assert_eq!(second.0, StatusCode::CREATED, "{}", second.1);
    assert_eq!(second.1, first.1, "a retry replays the first response verbatim");
    assert_eq!(ids(app, &dispatcher, "").await, std::slice::from_ref(&id), "one case for two identical requests");

    // The same key for a different request is a client error and creates nothing.
    let other = app.send(with_key(app, "/api/v1/cases", &worker, "retry-1", &submission("something else"))).await;
    assert_error(&other, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused", "same key, other body");
    let verify = json!({ "action": "verify", "passed": true }).to_string();
    let act = app.send(with_key(app, &format!("/api/v1/cases/{id}/actions"), &worker, "retry-1", &verify)).await;
    assert_error(&act, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused", "same key, other endpoint");
    assert_eq!(ids(app, &dispatcher, "").await.len(), 1);

    // Keys belong to their user: another user's identical key is a new request.
    let s2 =
        json!({ "category": "event:0505", "lat": S2.0, "lon": S2.1, "description": "overflowing bin" }).to_string();
    let theirs = app.send(with_key(app, "/api/v1/cases", &worker2, "retry-1", &s2)).await;
    assert_eq!(theirs.0, StatusCode::CREATED, "{}", theirs.1);
    assert_ne!(theirs.1["id"], first.1["id"]);
    assert_eq!(ids(app, &dispatcher, "").await.len(), 2);

    // Concurrent retries: every answer names the one case created.
    let burst = submission("reported from a flaky connection");
    let reqs = (0..BURST).map(|_| with_key(app, "/api/v1/cases", &worker, "burst-1", &burst)).collect();
    let answers = all_at_once(reqs).await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "concurrent retry: {body}");
    }
    let burst_ids: std::collections::HashSet<&str> = answers.iter().map(|(_, b)| b["id"].as_str().unwrap()).collect();
    assert_eq!(burst_ids.len(), 1, "all concurrent retries name one case: {answers:?}");
    let burst_id = burst_ids.into_iter().next().unwrap().to_string();
    let all = ids(app, &dispatcher, "").await;
    assert_eq!(all.len(), 3, "exactly one case per key: {all:?}");
    assert!(all.contains(&burst_id));
    let case = app.wait_status(&worker, &burst_id, "dispatched", DISPATCH_WITHIN).await;
    assert_eq!(
        kinds(&case),
        ["reported", "accepted", "registered", "routed", "dispatched", "assigned"],
        "the burst case was routed once"
    );

    // A later replay still answers with the stored 201, not the case's current state.
    let late = app.send(with_key(app, "/api/v1/cases", &worker, "burst-1", &burst)).await;
    assert_eq!(late.0, StatusCode::CREATED);
    assert_eq!(late.1["id"], burst_id.as_str());
    assert_eq!(late.1["status"], "reported");
    assert_eq!(ids(app, &dispatcher, "").await.len(), 3);
}

fn timeline_len(case: &Value) -> usize {
    case["timeline"].as_array().unwrap().len()
}

/// Repeating a command, sending it with a stale version, or racing it changes nothing further.
pub async fn repeated_command_changes_nothing(app: &TestApp) {
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;

    // A second sign is refused and leaves the timeline as it was.
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let signed = app.must_act(&unit, &id, json!({ "action": "sign" })).await;
    let before = app.case(&unit, &id).await;
    let again = app.act(&unit, &id, json!({ "action": "sign" })).await;
    assert_error(&again, StatusCode::CONFLICT, "invalid_transition", "second sign");
    let after = app.case(&unit, &id).await;
    assert_eq!(timeline_len(&after), timeline_len(&before));
    assert_eq!(after["version"], before["version"]);

    // A stale expected_version is refused; the current one is accepted.
    let version = signed["version"].as_i64().unwrap();
    let stale =
        app.act(&unit, &id, json!({ "action": "feedback", "note": "done", "expected_version": version - 1 })).await;
    assert_error(&stale, StatusCode::CONFLICT, "version_conflict", "stale expected_version");
    let ahead =
        app.act(&unit, &id, json!({ "action": "feedback", "note": "done", "expected_version": version + 5 })).await;
    assert_error(&ahead, StatusCode::CONFLICT, "version_conflict", "future expected_version");
    assert_eq!(app.case(&unit, &id).await["status"], "signed", "refused actions changed nothing");
    let fed =
        app.must_act(&unit, &id, json!({ "action": "feedback", "note": "done", "expected_version": version })).await;
    // feedback_given, then the handle clock's stop and the verify clock's start.
    assert_eq!(fed["version"], version + 3);
    assert_eq!(fed["status"], "feedback_given");

    // Eight identical signs at once: exactly one wins.
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let path = format!("/api/v1/cases/{id}/actions");
    let reqs = (0..BURST).map(|_| raw_post(app, &path, Some(&unit), json!({ "action": "sign" }).to_string())).collect();
    let answers = all_at_once(reqs).await;
    let won = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(won, 1, "exactly one concurrent sign succeeds: {answers:?}");
    for got in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_error(got, StatusCode::CONFLICT, "invalid_transition", "losing concurrent sign");
    }
    let case = app.case(&unit, &id).await;
    assert_eq!(kinds(&case), ["reported", "accepted", "registered", "routed", "dispatched", "assigned", "signed"]);
    assert_eq!(case["status"], "signed");

    // An action retried with its Idempotency-Key replays the answer and adds no transition.
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let path = format!("/api/v1/cases/{id}/actions");
    let sign = json!({ "action": "sign" }).to_string();
    let first = app.send(with_key(app, &path, &unit, "sign-once", &sign)).await;
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    assert_eq!(first.1["status"], "signed");
    let len = timeline_len(&app.case(&unit, &id).await);
    let retried = app.send(with_key(app, &path, &unit, "sign-once", &sign)).await;
    assert_eq!(retried.0, StatusCode::OK, "a retried action is answered as the first time: {}", retried.1);
    assert_eq!(retried.1, first.1, "same response body");
    assert_eq!(timeline_len(&app.case(&unit, &id).await), len, "no transition added by the retry");
    let reused = app.send(with_key(app, &path, &unit, "sign-once", &json!({ "action": "start" }).to_string())).await;
    assert_error(&reused, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused", "same key, other action");

    // Concurrent retries of one keyed action: one transition, the same answer for all.
    let feedback = json!({ "action": "feedback", "note": "swept and washed" }).to_string();
    let reqs = (0..BURST).map(|_| with_key(app, &path, &unit, "feedback-once", &feedback)).collect();
    let answers = all_at_once(reqs).await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "concurrent keyed retry: {body}");
        assert_eq!(*body, answers[0].1, "every retry gets the first answer");
    }
    let case = app.case(&unit, &id).await;
    assert_eq!(
        kinds(&case),
        ["reported", "accepted", "registered", "routed", "dispatched", "assigned", "signed", "feedback_given"]
    );
}
