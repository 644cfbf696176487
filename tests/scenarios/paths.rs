//! The intake and supervision paths off the happy path: reject, duplicate, self-resolve, manual
//! registration; urge, escalate, redispatch, close by the shift lead, reopen.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

const CONFLICT: StatusCode = StatusCode::CONFLICT;

/// Intake decisions: refused once the router has dispatched a case, effective on an accepted one.
pub async fn intake_paths(app: &TestApp) {
    let worker = app.login("worker").await;
    let worker2 = app.login("worker2").await;
    let intake = app.login("intake").await;
    let dispatcher = app.login("dispatcher").await;
    let unit = app.login("sanitation").await;

    // Over HTTP every report is dispatched at once, after which intake decisions are too late.
    let master = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &master, "dispatched", DISPATCH_WITHIN).await;
    let got = app.act(&intake, &master, json!({ "action": "reject", "reason": "too_minor" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "reject a dispatched case");
    let got = app.act(&intake, &master, json!({ "action": "mark_duplicate", "master_id": uuid::Uuid::new_v4() })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "duplicate of a non-existent master");
    let other = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &other, "dispatched", DISPATCH_WITHIN).await;
    let got = app.act(&intake, &other, json!({ "action": "mark_duplicate", "master_id": master })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "mark a dispatched case as duplicate");
    let got = app.act(&worker, &other, json!({ "action": "self_resolve", "note": "fixed it myself" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "self-resolve a dispatched case");
    let got = app.act(&intake, &other, json!({ "action": "accept" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "accept a dispatched case");
    let got = app.act(&worker, &other, json!({ "action": "reject", "reason": "too_minor" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a grid worker rejects");
    let got = app.act(&intake, &other, json!({ "action": "dispatch", "department": "dept-municipal" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "intake dispatches");
    let before = app.case(&worker, &other).await;
    assert_eq!(
        kinds(&before),
        ["reported", "accepted", "registered", "routed", "dispatched", "assigned"],
        "refusals left no trace"
    );

    // Accepted cases (seeded: the router only ever touches `reported` ones).
    // Reject.
    let rejected = seed_accepted(app, "event:0505", G1, G1_CODE).await;
    assert_eq!(app.case(&intake, &rejected).await["status"], "accepted");
    let got = app.act(&intake, &rejected, json!({ "action": "reject", "reason": "not_a_reason" })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", "unknown reject reason");
    let case = app
        .must_act(&intake, &rejected, json!({ "action": "reject", "reason": "too_minor", "note": "a single leaf" }))
        .await;
    assert_eq!(case["status"], "rejected");
    assert_eq!(case["reject_reason"], "too_minor");
    assert!(case["department"].is_null());
    let got = app.act(&intake, &rejected, json!({ "action": "reject", "reason": "too_minor" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "reject twice");
    let got = app.act(&dispatcher, &rejected, json!({ "action": "dispatch", "department": "dept-sanitation" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "dispatch a rejected case");
    let case = app.case(&worker, &rejected).await;
    assert_eq!(kinds(&case), ["reported", "accepted", "rejected"]);
    assert_eq!(case["timeline"][2]["actor"], "intake");
    assert_eq!(ids(app, &dispatcher, "status=rejected&").await, std::slice::from_ref(&rejected));

    // Mark duplicate.
    let dup = seed_accepted(app, "event:0505", G1, G1_CODE).await;
    let got = app.act(&intake, &dup, json!({ "action": "mark_duplicate", "master_id": dup })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "a case duplicating itself");
    let got = app.act(&intake, &dup, json!({ "action": "mark_duplicate", "master_id": uuid::Uuid::new_v4() })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "duplicate of a non-existent master");
    let got = app.act(&unit, &dup, json!({ "action": "mark_duplicate", "master_id": master })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a unit marks a duplicate");
    let case = app.must_act(&intake, &dup, json!({ "action": "mark_duplicate", "master_id": master })).await;
    assert_eq!(case["status"], "duplicate");
    assert_eq!(case["master_id"], master.as_str());
    let got = app.act(&intake, &dup, json!({ "action": "mark_duplicate", "master_id": other })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "mark a duplicate again");
    assert_eq!(kinds(&app.case(&worker, &dup).await), ["reported", "accepted", "marked_duplicate"]);
    assert_eq!(app.case(&worker, &master).await["status"], "dispatched", "the master is untouched");

    // Self-resolve: only a grid worker whose area covers the case.
    let solved = seed_accepted(app, "event:0505", G1, G1_CODE).await;
    let got = app.act(&worker2, &solved, json!({ "action": "self_resolve", "note": "picked it up" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "worker2 self-resolves in street 110101001");
    let got = app.act(&intake, &solved, json!({ "action": "self_resolve", "note": "picked it up" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "intake self-resolves");
    let got = app.act(&worker, &solved, json!({ "action": "self_resolve", "note": "" })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "self-resolve without a note");
    let case = app.must_act(&worker, &solved, json!({ "action": "self_resolve", "note": "picked it up" })).await;
    assert_eq!(case["status"], "self_resolved");
    let got = app.act(&worker, &solved, json!({ "action": "self_resolve", "note": "again" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "self-resolve twice");
    assert_eq!(kinds(&app.case(&worker, &solved).await), ["reported", "accepted", "self_resolved"]);

    // Manual registration: the case waits in triage until a dispatcher picks a department.
    let manual = seed_accepted(app, "event:0505", G1, G1_CODE).await;
    let got = app.act(&worker, &manual, json!({ "action": "register" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a grid worker registers");
    let case = app.must_act(&intake, &manual, json!({ "action": "register" })).await;
    assert_eq!(case["status"], "registered");
    let has = |id: &str| {
        let id = id.to_string();
        move |q: &serde_json::Value| q["cases"].as_array().unwrap().iter().any(|c| c["id"] == id.as_str())
    };
    poll_get(app, "/api/v1/queues/triage", &dispatcher, DISPATCH_WITHIN, has(&manual)).await;
    let got = app.act(&intake, &manual, json!({ "action": "reject", "reason": "too_minor" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "reject a registered case");
    let case =
        app.must_act(&dispatcher, &manual, json!({ "action": "dispatch", "department": "dept-sanitation" })).await;
    assert_eq!(case["status"], "dispatched");
    assert_eq!(case["department"], "dept-sanitation");
    assert!(case["due_at"].is_string());
    poll_get(app, "/api/v1/queues/dept-sanitation", &unit, DISPATCH_WITHIN, has(&manual)).await;
    let triage = poll_get(app, "/api/v1/queues/triage", &dispatcher, DISPATCH_WITHIN, |q| !has(&manual)(q)).await;
    for closed in [&rejected, &dup, &solved] {
        assert!(!has(closed)(&triage), "a finished case is in triage: {triage}");
    }
    app.must_act(&unit, &manual, json!({ "action": "sign" })).await;
    assert_eq!(
        kinds(&app.case(&worker, &manual).await),
        ["reported", "accepted", "registered", "dispatched", "assigned", "signed"]
    );
}

/// Supervision: urge, escalate, redispatch, close by the shift lead, reopen and close again.
pub async fn supervision_paths(app: &TestApp) {
    let worker = app.login("worker").await;
    let supervisor = app.login("supervisor").await;
    let head = app.login("head").await;
    let lead = app.login("lead").await;
    let dispatcher = app.login("dispatcher").await;
    let sanitation = app.login("sanitation").await;
    let urban = app.login("enforcement").await;
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;

    // Urge and escalate count up and leave the case where it is.
    let urged = app.must_act(&supervisor, &id, json!({ "action": "urge", "note": "residents are calling" })).await;
    assert_eq!(urged["urge_count"], 1);
    assert_eq!(urged["status"], "dispatched");
    let urged = app.must_act(&supervisor, &id, json!({ "action": "urge" })).await;
    assert_eq!(urged["urge_count"], 2);
    let got = app.act(&worker, &id, json!({ "action": "urge" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a grid worker urges");
    let got = app.act(&head, &id, json!({ "action": "escalate", "reason": "" })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "escalate without a reason");
    let escalated =
        app.must_act(&head, &id, json!({ "action": "escalate", "reason": "third complaint", "to": "leader" })).await;
    assert_eq!(escalated["escalation_level"], 1);
    assert_eq!(escalated["status"], "dispatched");
    assert_eq!(escalated["urge_count"], 2);

    // Redispatch moves the case; the old unit loses it.
    let got = app.act(&dispatcher, &id, json!({ "action": "redispatch", "department": "dept-sanitation" })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "redispatch to the same department");
    let moved = app
        .must_act(
            &dispatcher,
            &id,
            json!({ "action": "redispatch", "department": "dept-enforcement", "reason": "vendor's rubbish" }),
        )
        .await;
    assert_eq!(moved["department"], "dept-enforcement");
    assert_eq!(moved["status"], "dispatched");
    let got = app.get(&format!("/api/v1/cases/{id}"), &sanitation).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "the old unit reads the case");
    let got = app.act(&sanitation, &id, json!({ "action": "sign" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "the old unit signs");
    app.must_act(&urban, &id, json!({ "action": "sign" })).await;
    app.must_act(&urban, &id, json!({ "action": "feedback", "note": "stall removed, area swept" })).await;

    // The shift lead closes from feedback_given (a note is required).
    let got = app.act(&lead, &id, json!({ "action": "close" })).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "close without a note");
    let got = app.act(&supervisor, &id, json!({ "action": "close", "note": "ok" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a supervisor closes");
    let closed = app.must_act(&lead, &id, json!({ "action": "close", "note": "confirmed by phone" })).await;
    assert_eq!(closed["status"], "closed");
    let got = app.act(&supervisor, &id, json!({ "action": "urge" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "urge a closed case");
    let got = app.act(&worker, &id, json!({ "action": "verify", "passed": true })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "verify a closed case");

    // Reopen, dispatch again, close again.
    let got = app.act(&dispatcher, &id, json!({ "action": "reopen", "reason": "it is back" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a dispatcher reopens");
    let reopened = app.must_act(&lead, &id, json!({ "action": "reopen", "reason": "the rubbish is back" })).await;
    assert_eq!(reopened["status"], "reopened");
    let got = app.act(&lead, &id, json!({ "action": "reopen", "reason": "again" })).await;
    assert_error(&got, CONFLICT, "invalid_transition", "reopen twice");
    let got = app.act(&urban, &id, json!({ "action": "sign" })).await;
    assert_eq!(got.0, StatusCode::CONFLICT, "nobody signs a reopened case before it is dispatched: {}", got.1);
    let again = app.must_act(&dispatcher, &id, json!({ "action": "dispatch", "department": "dept-sanitation" })).await;
    assert_eq!(again["status"], "dispatched");
    assert_eq!(again["department"], "dept-sanitation");
    let got = app.act(&urban, &id, json!({ "action": "sign" })).await;
    assert_error(&got, StatusCode::FORBIDDEN, "out_of_scope", "the previous unit signs after re-dispatch");
    app.must_act(&sanitation, &id, json!({ "action": "sign" })).await;
    app.must_act(&sanitation, &id, json!({ "action": "feedback", "note": "cleared again" })).await;
    let closed = app.must_act(&worker, &id, json!({ "action": "verify", "passed": true })).await;
    assert_eq!(closed["status"], "closed");

    let case = app.case(&lead, &id).await;
    assert_eq!(
        kinds(&case),
        [
            "reported",
            "accepted",
            "registered",
            "routed",
            "dispatched",
            "assigned",
            "urged",
            "urged",
            "escalated",
            "redispatched",
            "assigned",
            "signed",
            "feedback_given",
            "closed",
            "reopened",
            "dispatched",
            "assigned",
            "signed",
            "feedback_given",
            "verified",
            "closed",
        ]
    );
    let timeline = case["timeline"].as_array().unwrap();
    let seqs: Vec<i64> = timeline.iter().map(|t| t["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=timeline.len() as i64).collect::<Vec<_>>());
    let lifecycle = timeline.iter().filter(|t| !super::support::is_clock_kind(t["type"].as_str().unwrap()));
    let actors: Vec<&str> = lifecycle.map(|t| t["actor"].as_str().unwrap()).collect();
    assert_eq!(actors.len(), 21);
    assert_eq!(&actors[6..10], ["supervisor", "supervisor", "head", "dispatcher"]);
    assert_eq!(actors[10], "system:engine", "the handler is assigned by the engine after the re-dispatch");
    assert_eq!(actors[13], "lead");
}
