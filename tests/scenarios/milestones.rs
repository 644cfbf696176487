#![allow(clippy::unwrap_used)]
//! Staged milestones over HTTP: a road collapse (event 0501: on site within 30 minutes, cordoned
//! off within 60) runs one clock per milestone from dispatch; the unit reports each reached, which
//! stops that clock on time; a milestone that is not running is refused with the running ones named.

use super::support::assert_error;
use crate::common::TestApp;
use chrono::{DateTime, Duration as Span, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

pub async fn milestones_reported_over_http(app: &TestApp) {
    let worker = app.login("worker").await;
    let id = app.submit(&worker, "event:0501").await;
    let case = app.wait_status(&worker, &id, "dispatched", Duration::from_secs(10)).await;
    assert_eq!(case["department"], "dept-municipal", "{case}");
    let dispatched = instant(&case["clocks"]["handle"]["started_at"]);
    let on_site = &case["clocks"]["milestone:on site"];
    assert_eq!(on_site["state"], "running", "{}", case["clocks"]);
    assert_eq!(instant(&on_site["due_at"]), dispatched + Span::minutes(30));
    let cordon = &case["clocks"]["milestone:cordoned off"];
    assert_eq!(instant(&cordon["due_at"]), dispatched + Span::minutes(60));

    let unit = app.login("municipal").await;
    let report = |m: &str| json!({ "action": "report_milestone", "milestone": m, "note": "crew arrived" });
    // Before signing, and by someone outside the unit, a report is refused.
    assert_error(&app.act(&unit, &id, report("on site")).await, StatusCode::CONFLICT, "invalid_transition", "unsigned");
    app.must_act(&unit, &id, json!({ "action": "sign" })).await;
    assert_error(&app.act(&worker, &id, report("on site")).await, StatusCode::FORBIDDEN, "forbidden", "grid worker");

    let case = app.must_act(&unit, &id, report("on site")).await;
    assert_eq!(case["clocks"]["milestone:on site"]["state"], "stopped", "{}", case["clocks"]);
    assert_eq!(case["clocks"]["milestone:cordoned off"]["state"], "running", "{}", case["clocks"]);
    assert_eq!(case["status"], "signed");
    let full = app.case(&unit, &id).await;
    let stopped: Vec<&Value> = full["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["type"] == "clock_stopped" && t["event"]["stage"] == "milestone:on site")
        .collect();
    assert_eq!(stopped.len(), 1, "{full}");
    assert_eq!(stopped[0]["event"]["on_time"], true);
    let reported = full["timeline"].as_array().unwrap().iter().find(|t| t["type"] == "milestone_reported").unwrap();
    assert_eq!(reported["event"]["milestone"], "on site");

    // Twice, or a milestone the category does not have: 422, naming what still runs.
    let again = app.act(&unit, &id, report("on site")).await;
    assert_error(&again, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "reported twice");
    assert!(again.1["message"].as_str().unwrap().contains("running: cordoned off"), "{}", again.1);
    let unknown = app.act(&unit, &id, report("demolished")).await;
    assert_error(&unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "unknown milestone");

    // Feedback ends the handle stage, and with it the milestone still open.
    let case = app.must_act(&unit, &id, json!({ "action": "feedback", "note": "repaired" })).await;
    assert_eq!(case["clocks"]["milestone:cordoned off"]["state"], "stopped", "{}", case["clocks"]);
}
