#![allow(clippy::unwrap_used)]

use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

const DISPATCH_WITHIN: Duration = Duration::from_secs(5);

/// The scripted session of the issue: login → submit → dispatched → sign → feedback → verify → closed.
pub async fn happy_path(app: &TestApp) {
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;
    let id = app.submit(&worker, "event:0505").await;
    let case = app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    assert_eq!(case["department"], "dept-sanitation");
    assert_eq!(case["grid"], "110101001001001");
    assert!(case["due_at"].is_string());
    app.must_act(&unit, &id, json!({ "action": "sign" })).await;
    app.must_act(&unit, &id, json!({ "action": "feedback", "note": "cleared, photos attached" })).await;
    let closed = app.must_act(&worker, &id, json!({ "action": "verify", "passed": true })).await;
    assert_eq!(closed["status"], "closed");
    let case = app.case(&worker, &id).await;
    // Clock events carry their stage: `clock_started:intake`.
    let kinds: Vec<String> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| match t["event"]["stage"].as_str() {
            Some(stage) if t["type"].as_str().unwrap().starts_with("clock_") => {
                format!("{}:{stage}", t["type"].as_str().unwrap())
            }
            _ => t["type"].as_str().unwrap().to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "reported",
            "accepted",
            "registered",
            "routed",
            "dispatched",
            "assigned",
            "clock_started:sign",
            "clock_started:handle",
            "signed",
            "clock_stopped:sign",
            "feedback_given",
            "clock_stopped:handle",
            "clock_started:verify",
            "verified",
            "closed",
            "clock_stopped:verify"
        ]
    );
    let seqs: Vec<i64> = case["timeline"].as_array().unwrap().iter().map(|t| t["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=16).collect::<Vec<_>>());
}

/// Rework after a failed verification, then a return that is approved and re-dispatched.
pub async fn rework_return_and_redispatch(app: &TestApp) {
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;
    let urban = app.login("enforcement").await;
    let lead = app.login("lead").await;
    let dispatcher = app.login("dispatcher").await;
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;

    // Rework: feedback, failed verification, back to the unit, counter +1.
    app.must_act(&unit, &id, json!({ "action": "sign" })).await;
    app.must_act(&unit, &id, json!({ "action": "feedback", "note": "done" })).await;
    let rework =
        app.must_act(&worker, &id, json!({ "action": "verify", "passed": false, "note": "still dirty" })).await;
    assert_eq!(rework["status"], "rework");
    assert_eq!(rework["rework_count"], 1);
    app.must_act(&unit, &id, json!({ "action": "start" })).await;

    // Return: the unit says "not ours"; the shift lead approves; the dispatcher re-dispatches.
    let (status, body) = app.act(&unit, &id, json!({ "action": "request_return", "reason": "not ours" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "return is only possible before handling starts: {body}");
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let requested =
        app.must_act(&unit, &id, json!({ "action": "request_return", "reason": "this is a private yard" })).await;
    assert_eq!(requested["status"], "return_requested");
    let approved = app.must_act(&lead, &id, json!({ "action": "approve_return" })).await;
    // A wrong dispatch is re-routed at once without the unit that returned it: the only matching
    // rule names that unit, so the territorial fallback (the grid's street office) takes the case.
    assert_eq!(approved["status"], "dispatched");
    assert_eq!(approved["returned_by"], json!(["dept-sanitation"]));
    assert_eq!(approved["routing"]["excluded"], json!(["dept-sanitation"]));
    let explain = json!({ "category": "event:0505", "lat": approved["lat"], "lon": approved["lon"], "exclude": ["dept-sanitation"] });
    let (status, expected) = app.post("/api/v1/routing/explain", Some(&dispatcher), explain).await;
    assert_eq!(status, StatusCode::OK, "{expected}");
    assert_ne!(expected["decision"]["lead"], "dept-sanitation");
    assert_eq!(
        approved["department"], expected["decision"]["lead"],
        "re-routed as the rules say without the returning unit"
    );
    let kinds: Vec<_> = approved_timeline(app, &lead, &id).await;
    assert!(
        kinds.ends_with(&["return_approved".into(), "routed".into(), "dispatched".into(), "assigned".into()]),
        "{kinds:?}"
    );
    let (status, _) = app.act(&unit, &id, json!({ "action": "sign" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the returning unit no longer holds the case");
    let redispatched = app
        .must_act(
            &dispatcher,
            &id,
            json!({ "action": "redispatch", "department": "dept-enforcement", "reason": "street asks" }),
        )
        .await;
    assert_eq!(redispatched["department"], "dept-enforcement");
    let (status, body) = app.act(&unit, &id, json!({ "action": "sign" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the old unit is out of scope now: {body}");
    assert_eq!(body["code"], "out_of_scope");
    app.must_act(&urban, &id, json!({ "action": "sign" })).await;

    // A return for another reason than a dispatch error takes two signatures: shift lead, then
    // section head; only the second hands the case back (and re-routes it).
    let head = app.login("head").await;
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let body = json!({ "action": "request_return", "reason": "needs a crane we do not have", "kind": "other" });
    app.must_act(&unit, &id, body).await;
    let (status, got) = app.act(&head, &id, json!({ "action": "approve_return" })).await;
    assert_eq!(
        (status, got["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "the shift lead signs first"
    );
    let endorsed = app.must_act(&lead, &id, json!({ "action": "approve_return", "note": "agreed" })).await;
    assert_eq!(endorsed["status"], "return_requested", "one signature is not enough");
    let (status, _) = app.act(&lead, &id, json!({ "action": "approve_return" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the same tier cannot sign twice");
    let back = app.must_act(&head, &id, json!({ "action": "approve_return" })).await;
    assert_eq!(back["status"], "dispatched");
    assert_eq!(back["returned_by"], json!(["dept-sanitation"]));
    let kinds = approved_timeline(app, &lead, &id).await;
    assert!(kinds.iter().any(|k| k == "return_endorsed"), "{kinds:?}");
}

/// Extension request and approval move the due instant; suspension pauses and resumes.
pub async fn extension_and_suspension(app: &TestApp) {
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;
    let lead = app.login("lead").await;
    let head = app.login("head").await;
    let leader = app.login("leader").await;
    // Emergencies (limits in natural minutes) and hour-scale work get no extension at all.
    let urgent = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &urgent, "dispatched", DISPATCH_WITHIN).await;
    app.must_act(&unit, &urgent, json!({ "action": "sign" })).await;
    let (status, body) =
        app.act(&unit, &urgent, json!({ "action": "request_extension", "minutes": 60, "reason": "snow" })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("extension_not_allowed")),
        "{body}"
    );

    // A litter bin is repaired within a working day: a first, short extension is the shift lead's.
    let id = app.submit(&worker, "facility:0302").await;
    let dispatched = app.wait_status(&worker, &id, "dispatched", DISPATCH_WITHIN).await;
    let due0 = chrono::DateTime::parse_from_rfc3339(dispatched["due_at"].as_str().unwrap()).unwrap();
    app.must_act(&unit, &id, json!({ "action": "sign" })).await;

    let (status, _) = app.act(&lead, &id, json!({ "action": "approve_extension" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing to approve yet");
    let pending = app
        .must_act(&unit, &id, json!({ "action": "request_extension", "minutes": 120, "reason": "needs a crane" }))
        .await;
    assert_eq!(pending["pending_extension"]["minutes"], 120);
    assert_eq!(pending["pending_extension"]["approvers"], json!(["shift_lead"]));
    let (status, _) =
        app.act(&unit, &id, json!({ "action": "request_extension", "minutes": 60, "reason": "again" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "one pending extension at a time");
    let (status, body) = app.act(&unit, &id, json!({ "action": "approve_extension" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a unit cannot approve its own extension: {body}");
    let approved = app.must_act(&lead, &id, json!({ "action": "approve_extension", "note": "ok" })).await;
    let due1 = chrono::DateTime::parse_from_rfc3339(approved["due_at"].as_str().unwrap()).unwrap();
    assert!(due1 - due0 >= chrono::Duration::minutes(119), "due moved by the extension: {due0} → {due1}");
    assert_eq!(approved["extension_count"], 1);
    assert!(approved["pending_extension"].is_null());

    // A second extension needs the section head, then the leader, in that order.
    let second = app
        .must_act(&unit, &id, json!({ "action": "request_extension", "minutes": 240, "reason": "crane booked" }))
        .await;
    assert_eq!(second["pending_extension"]["approvers"], json!(["section_head", "leader"]));
    let (status, body) = app.act(&lead, &id, json!({ "action": "approve_extension" })).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");
    let (status, _) = app.act(&leader, &id, json!({ "action": "approve_extension" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the leader signs after the section head");
    let endorsed = app.must_act(&head, &id, json!({ "action": "approve_extension", "note": "section agrees" })).await;
    assert_eq!(endorsed["pending_extension"]["endorsed"], json!(["section_head"]));
    assert_eq!(endorsed["due_at"], approved["due_at"], "an endorsement alone moves nothing");
    let granted = app.must_act(&leader, &id, json!({ "action": "approve_extension", "note": "granted" })).await;
    assert_eq!(granted["extension_count"], 2);
    let due1 = chrono::DateTime::parse_from_rfc3339(granted["due_at"].as_str().unwrap()).unwrap();

    let suspended =
        app.must_act(&lead, &id, json!({ "action": "suspend", "reason": "winter: asphalt cannot be laid" })).await;
    assert_eq!(suspended["status"], "suspended");
    let (status, _) = app.act(&unit, &id, json!({ "action": "feedback", "note": "x" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "nobody handles a suspended case");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let resumed = app.must_act(&lead, &id, json!({ "action": "resume" })).await;
    assert_eq!(resumed["status"], "signed");
    let due2 = chrono::DateTime::parse_from_rfc3339(resumed["due_at"].as_str().unwrap()).unwrap();
    assert!(due2 - due1 >= chrono::Duration::seconds(1), "the pause moved the deadline: {due1} → {due2}");
    app.must_act(&unit, &id, json!({ "action": "feedback", "note": "done" })).await;
    app.must_act(&worker, &id, json!({ "action": "verify", "passed": true })).await;
}

async fn approved_timeline(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let case = app.case(token, id).await;
    super::support::kinds(&case)
}
