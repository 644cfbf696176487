//! A case keeps the catalogue version it was registered under: a newer version taking effect
//! today changes the limits and thresholds of new cases only, re-routing keeps the recorded
//! version, and an import may neither change nor drop a version that is already in force.
#![allow(clippy::unwrap_used)]

use super::support::*;
use crate::common::TestApp;
use chrono::{Days, FixedOffset, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Litter bin 垃圾桶: at G1 it goes to dept-sanitation (facility class 03), whose demo user is `sanitation`.
const BIN: &str = "facility:0302";

fn today() -> NaiveDate {
    Utc::now().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).date_naive()
}

async fn catalogue(app: &TestApp, admin: &str) -> Vec<Value> {
    let (status, versions) = app.get("/api/v1/reference/catalogue", admin).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    versions.as_array().unwrap().clone()
}

/// Limits and thresholds of the litter bin in a test version.
struct Bin {
    handle_minutes: u32,
    verify_minutes: u32,
    thresholds: Value,
}

/// `latest` renumbered and re-dated, with the litter bin's handle and verify limits and its
/// thresholds replaced.
fn next_version(latest: &Value, version: u64, from: NaiveDate, bin: Bin) -> Value {
    let mut v = latest.clone();
    v["version"] = json!(version);
    v["effective_from"] = json!(from);
    let sub = v["sub_classes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["kind"] == "facility" && s["code"] == "0302")
        .unwrap();
    sub["limits"]["handle"] = json!({ "value": bin.handle_minutes, "unit": "minutes" });
    sub["limits"]["verify"] = json!({ "value": bin.verify_minutes, "unit": "minutes" });
    sub["sla"] = json!({ "thresholds": bin.thresholds });
    v
}

async fn add_version(app: &TestApp, admin: &str, version: &Value) {
    let url = format!("{}/api/v1/reference/catalogue/versions", app.base);
    let req = app.http.post(url).bearer_auth(admin).header("content-type", "application/json");
    let (status, body) = app.send(req.body(version.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn put_catalogue(app: &TestApp, admin: &str, versions: &[Value]) -> (StatusCode, Value) {
    let req = app.http.put(format!("{}/api/v1/reference/catalogue", app.base)).bearer_auth(admin);
    app.send(req.body(Value::Array(versions.to_vec()).to_string())).await
}

/// The case once its timeline holds a `threshold_reached` of the handle clock's `generation` at `percent`.
async fn handle_threshold(app: &TestApp, token: &str, id: &str, generation: u64, percent: u64) -> Value {
    let start = Instant::now();
    loop {
        let case = app.case(token, id).await;
        let fired = case["timeline"].as_array().unwrap().iter().any(|t| {
            let e = &t["event"];
            t["type"] == "threshold_reached"
                && e["stage"] == "handle"
                && e["generation"] == generation
                && e["percent"] == percent
        });
        if fired {
            return case;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no handle threshold at {percent} % within 60 s: {case}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn limit(case: &Value, stage: &str) -> (u64, String) {
    let c = &case["clocks"][stage];
    (c["limit_value"].as_u64().unwrap(), c["limit_unit"].as_str().unwrap().to_string())
}

/// A case registered under version N keeps N's limits and thresholds after version N + 1,
/// effective today, is posted: in the clocks it starts later (verify after feedback, handle again
/// after a failed check) and when it is re-routed.
pub async fn case_keeps_its_catalogue_version(app: &TestApp) {
    let admin = app.login("admin").await;
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;
    let dispatcher = app.login("dispatcher").await;
    let latest = catalogue(app, &admin).await.last().unwrap().clone();
    let n = latest["version"].as_u64().unwrap() + 1;

    // Version N, in force since yesterday: short natural-minute limits and a threshold at 25 %
    // that the city default (50/80/100) lacks.
    let yesterday = today().checked_sub_days(Days::new(1)).unwrap();
    let v_n = Bin { handle_minutes: 2, verify_minutes: 3, thresholds: json!([25, 50, 80, 100]) };
    add_version(app, &admin, &next_version(&latest, n, yesterday, v_n)).await;
    let old = submit_at(app, &worker, BIN, G1).await;
    let case = app.wait_status(&worker, &old, "dispatched", DISPATCH_WITHIN).await;
    assert_eq!(case["department"], "dept-sanitation", "{case}");
    assert_eq!(case["routing"]["catalogue_version"].as_u64(), Some(n), "{case}");

    // Version N + 1 takes effect today; new cases take it.
    let v_next = Bin { handle_minutes: 600, verify_minutes: 500, thresholds: json!([50, 80, 100]) };
    add_version(app, &admin, &next_version(&latest, n + 1, today(), v_next)).await;
    let new = submit_at(app, &worker, BIN, G1).await;
    let case = app.wait_status(&worker, &new, "dispatched", DISPATCH_WITHIN).await;
    assert_eq!(case["routing"]["catalogue_version"].as_u64(), Some(n + 1), "{case}");
    assert_eq!(limit(&case, "handle"), (600, "minutes".into()), "{case}");

    // Re-routing re-runs today's rules but keeps the case's catalogue version.
    app.must_act(&dispatcher, &old, json!({ "action": "reroute", "reason": "check the rules" })).await;
    let case = app.case(&worker, &old).await;
    let routed: Vec<&Value> = case["timeline"].as_array().unwrap().iter().filter(|t| t["type"] == "routed").collect();
    assert_eq!(routed.len(), 2, "{case}");
    assert_eq!(routed[1]["event"]["note"]["catalogue_version"].as_u64(), Some(n), "{case}");

    // The case registered under N keeps N in every clock it starts from now on.
    app.must_act(&unit, &old, json!({ "action": "sign" })).await;
    let case = app.must_act(&unit, &old, json!({ "action": "feedback", "note": "bin replaced" })).await;
    assert_eq!(limit(&case, "verify"), (3, "minutes".into()), "verify under version {n}: {case}");
    let case =
        app.must_act(&worker, &old, json!({ "action": "verify", "passed": false, "note": "still broken" })).await;
    assert_eq!(case["status"], "rework");
    assert_eq!(limit(&case, "handle"), (2, "minutes".into()), "handle again under version {n}: {case}");
    // ... and N's thresholds: the restarted handle clock fires at 25 % (30 s into 2 minutes).
    let generation = case["clocks"]["handle"]["generation"].as_u64().unwrap();
    assert!(generation > 1, "{case}");
    handle_threshold(app, &worker, &old, generation, 25).await;

    // Versions in force are frozen: rewriting N or dropping an old one is refused, nothing changes.
    let (_, overview_before) = app.get("/api/v1/reference", &admin).await;
    let all = catalogue(app, &admin).await;
    let mut rewritten = all.clone();
    let at_n = rewritten.iter().position(|v| v["version"].as_u64() == Some(n)).unwrap();
    let slower = Bin { handle_minutes: 20, verify_minutes: 3, thresholds: json!([25, 50, 80, 100]) };
    rewritten[at_n] = next_version(&rewritten[at_n], n, yesterday, slower);
    let got = put_catalogue(app, &admin, &rewritten).await;
    assert_error(&got, StatusCode::CONFLICT, "catalogue_version_in_force", "rewriting a version in force");
    assert!(got.1["message"].as_str().unwrap().contains(&format!("version {n} ")), "{}", got.1);
    let got = put_catalogue(app, &admin, &all[1..]).await;
    assert_error(&got, StatusCode::CONFLICT, "catalogue_version_in_force", "dropping a version in force");
    let (_, overview_after) = app.get("/api/v1/reference", &admin).await;
    assert_eq!(overview_after["documents"], overview_before["documents"]);

    // A version not yet in force is a draft: it may still be withdrawn.
    let tomorrow = today().checked_add_days(Days::new(1)).unwrap();
    let draft = Bin { handle_minutes: 45, verify_minutes: 45, thresholds: json!([50, 80, 100]) };
    add_version(app, &admin, &next_version(&latest, n + 2, tomorrow, draft)).await;
    let mut withdrawn = catalogue(app, &admin).await;
    withdrawn.pop();
    let (status, body) = put_catalogue(app, &admin, &withdrawn).await;
    assert_eq!(status, StatusCode::OK, "withdrawing a version not yet in force: {body}");
}
