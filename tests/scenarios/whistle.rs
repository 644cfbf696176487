#![allow(clippy::unwrap_used)]
//! The whistle 吹哨 with its report-in 报到 deadlines, units counting on their own calendars, and
//! clocks held while a return awaits approval — end to end over HTTP.

use super::clocks::handling_limit;
use super::escalation::{first_of, kinds};
use crate::common::TestApp;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const CATEGORY: &str = "event:0505";

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

async fn dispatched(app: &TestApp, urgency: &str) -> (String, Value) {
    let worker = app.login("worker").await;
    let report = json!({
        "category": CATEGORY, "lat": 39.92016480496015, "lon": 116.39389718115333,
        "description": "snow on the road", "urgency": urgency,
    });
    let (status, body) = app.post("/api/v1/cases", Some(&worker), report).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let case = app.wait_status(&worker, &id, "dispatched", Duration::from_secs(10)).await;
    (id, case)
}

/// A supervisor whistles two departments in with a 1-minute deadline: the enforcement bureau sees
/// the case and reports in on time (its report-in clock stops on time, a second report is
/// refused); the municipal centre misses it, the timer worker records the miss exactly once and
/// tells the street office, and a late report-in is still recorded as late.
pub async fn whistle_and_report_in(app: &TestApp) {
    let (id, _) = dispatched(app, "normal").await;
    let supervisor = app.login("supervisor").await;
    let bad = json!({ "action": "whistle", "departments": [], "report_in_minutes": 1 });
    let (status, body) = app.act(&supervisor, &id, bad).await;
    assert!(status.is_client_error(), "{status} {body}");
    let whistle = json!({
        "action": "whistle", "departments": ["dept-enforcement", "dept-municipal"],
        "report_in_minutes": 1, "reason": "road blocked by snow",
    });
    let (status, body) = app.act(&supervisor, &id, whistle).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let enforcement = app.login("enforcement").await;
    let (status, case) = app.get(&format!("/api/v1/cases/{id}"), &enforcement).await;
    assert_eq!(status, StatusCode::OK, "a whistled department reads the case: {case}");
    assert_eq!(case["clocks"]["report_in:dept-enforcement"]["state"], "running", "{case}");
    // The whistled department finds the case in its queue, with the deadline; the holder does not
    // owe a report-in.
    let awaited = report_in_queue(app, &enforcement, "dept-enforcement").await;
    assert_eq!(awaited.len(), 1, "{awaited:?}");
    assert_eq!(awaited[0]["id"], id.as_str());
    assert_eq!(awaited[0]["department"], case["department"]);
    let whistled_at = instant(&awaited[0]["whistled_at"]);
    assert_eq!(instant(&awaited[0]["report_in_due"]) - whistled_at, chrono::TimeDelta::minutes(1));
    assert!(report_in_queue(app, &supervisor, case["department"].as_str().unwrap()).await.is_empty());
    let report = json!({ "action": "report_in", "note": "team of four on the way" });
    let (status, body) = app.act(&enforcement, &id, report.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(report_in_queue(app, &enforcement, "dept-enforcement").await.is_empty(), "reported in: off its list");
    assert_eq!(report_in_queue(app, &supervisor, "dept-municipal").await.len(), 1);
    let (status, body) = app.act(&enforcement, &id, report.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only once: {body}");
    // The unit handling the case was not whistled in, so it cannot report in for anyone.
    let sanitation = app.login("sanitation").await;
    let (status, _) = app.act(&sanitation, &id, report.clone()).await;
    assert!(status.is_client_error());

    let case = first_of(app, &supervisor, &id, "threshold_reached").await;
    let missed: Vec<Value> = kinds(&case, "threshold_reached")
        .into_iter()
        .filter(|t| t["event"]["stage"] == "report_in:dept-municipal")
        .collect();
    assert_eq!(missed.len(), 1, "{case}");
    assert_eq!(missed[0]["event"]["percent"], 100);
    let on_time = &case["clocks"]["report_in:dept-enforcement"];
    assert_eq!(on_time["state"], "stopped", "{case}");
    assert_eq!(on_time["result"]["on_time"], true, "{case}");
    assert!(case["report_ins"]["dept-enforcement"]["reported_at"].is_string(), "{case}");
    assert!(case["report_ins"]["dept-municipal"]["reported_at"].is_null(), "{case}");
    let told: Vec<Value> = kinds(&case, "notified")
        .into_iter()
        .filter(|n| n["event"]["reason"].as_str().unwrap().contains("dept-municipal did not report in"))
        .collect();
    assert_eq!(told.len(), 1, "{case}");
    let grid = case["grid"].as_str().unwrap();
    assert_eq!(told[0]["event"]["to"], format!("street-{}", &grid[..9]));

    let municipal = app.login("municipal").await;
    let (status, body) = app.act(&municipal, &id, report).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let case = app.case(&supervisor, &id).await;
    let late = &case["clocks"]["report_in:dept-municipal"];
    assert_eq!(late["state"], "stopped", "{case}");
    assert_eq!(late["result"]["on_time"], false, "{case}");
    assert_eq!(kinds(&case, "whistled").len(), 1);
    assert_eq!(kinds(&case, "reported_in").len(), 2);
    assert!(report_in_queue(app, &municipal, "dept-municipal").await.is_empty());
}

/// The `report_in` list of a department's queue.
async fn report_in_queue(app: &TestApp, token: &str, department: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/api/v1/queues/{department}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["report_in"].as_array().unwrap().clone()
}

/// The sanitation crew works 07:00–21:00 every day on the shipped `cn-extended` calendar: a case
/// dispatched to it counts its sign and handle clocks there, and the case deadline is the handle
/// clock's. With a catalogue policy holding clocks while a return is pending, the clocks pause
/// on the request and resume on the denial with their dues moved later.
pub async fn unit_calendars_and_held_clocks(app: &TestApp) {
    // The policy holds clocks while a return is pending, and gives urgent and emergency reports
    // 100 minutes to handle instead of the sub-class's 240 (the case below is reported urgent).
    let patch = r#"{""handle"":{""value"":100,""unit"":""minutes""}}"#;
    let hold = format!(
        r#","{{""pause_while"":[""return_pending""],""limits_by_urgency"":{{""urgent"":{patch},""emergency"":{patch}}}}}""#
    );
    handling_limit(app, "event,0505,", ",240min,120min,,", &format!(",240min,120min,{hold}")).await;
    let (id, case) = dispatched(app, "urgent").await;
    let dispatcher = app.login("dispatcher").await;
    if case["department"] != "dept-sanitation" {
        let to = json!({ "action": "redispatch", "department": "dept-sanitation", "reason": "snow is sanitation's" });
        let (status, body) = app.act(&dispatcher, &id, to).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let case = app.case(&dispatcher, &id).await;
    assert_eq!(case["clocks"]["handle"]["calendar"], "cn-extended", "{case}");
    assert_eq!(case["clocks"]["handle"]["limit_value"], 100, "the limit of its urgency: {case}");
    assert_eq!(case["clocks"]["sign"]["calendar"], "cn-extended", "{case}");
    let due_before = instant(&case["clocks"]["handle"]["due_at"]);
    // The case view shows instants to the millisecond.
    let ms = |v: &Value| instant(v).timestamp_millis();
    assert_eq!(ms(&case["due_at"]), due_before.timestamp_millis(), "the case deadline is the handle clock's");

    let sanitation = app.login("sanitation").await;
    let ask = json!({ "action": "request_return", "reason": "this is the road authority's", "kind": "wrong_dispatch" });
    let (status, body) = app.act(&sanitation, &id, ask).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let case = app.case(&dispatcher, &id).await;
    for stage in ["sign", "handle"] {
        let clock = &case["clocks"][stage];
        assert_eq!(clock["state"], "paused", "{stage}: {case}");
        assert_eq!(clock["pauses"][0]["reason"], "return_pending", "{stage}: {case}");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let lead = app.login("lead").await;
    let (status, body) = app.act(&lead, &id, json!({ "action": "deny_return", "note": "it is yours" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let case = app.case(&dispatcher, &id).await;
    assert_eq!(case["clocks"]["handle"]["state"], "running", "{case}");
    let due_after = instant(&case["clocks"]["handle"]["due_at"]);
    assert!(due_after > due_before, "the held time moves the due: {due_before} → {due_after}");
    assert_eq!(ms(&case["due_at"]), due_after.timestamp_millis());
}

/// A unit may name its own calendar, but only one in force: a typo is refused with the unit and
/// field named, and nothing changes; a calendar in force is taken.
pub async fn unit_calendar_must_be_in_force(app: &TestApp) {
    let admin = app.login("admin").await;
    let unit = |calendar: &str| {
        json!({ "id": "contractor-night", "name_zh": "夜间养护公司", "name_en": "Night Maintenance Co.",
                "type": "contractor", "calendar": calendar,
                "handlers": [{ "id": "contractor-night/h1", "name": "丙", "skills": ["sanitation"] }] })
    };
    let (status, body) = app.post("/api/v1/directory/units", Some(&admin), unit("cn-nowhere")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_reference")),
        "{body}"
    );
    let problem = &body["problems"][0];
    assert!(problem["at"].as_str().unwrap().ends_with("].calendar"), "{body}");
    assert_eq!(problem["code"], "contractor-night", "{body}");
    assert!(problem["problem"].as_str().unwrap().contains("cn-extended"), "the calendars in force are named: {body}");
    let (_, directory) = app.get("/api/v1/reference/directory", &admin).await;
    assert!(!directory.to_string().contains("contractor-night"), "nothing was written");
    let (status, body) = app.post("/api/v1/directory/units", Some(&admin), unit("cn-extended")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, directory) = app.get("/api/v1/reference/directory", &admin).await;
    let units = directory["units"].as_array().unwrap();
    let night = units.iter().find(|u| u["id"] == "contractor-night").unwrap();
    assert_eq!(night["calendar"], "cn-extended");
}
