#![allow(clippy::unwrap_used)]
//! Supervisor SLA metrics over HTTP and in Prometheus: four cases with a 1-minute handling limit,
//! one closed on time, one closed late, one left open past due and one suspended, checked against
//! a hand computation; plus who may ask and what a bad query gets.

use super::clocks::one_minute_handling;
use super::support::assert_error;
use crate::common::TestApp;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CATEGORY: &str = "event:0505";
const UNIT: &str = "dept-sanitation";

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

fn row<'a>(report: &'a Value, key: &str) -> &'a Value {
    let rows = report["rows"].as_array().unwrap();
    rows.iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no row `{key}`: {report}"))
}

fn close_to(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

pub async fn sla_metrics_report(app: &TestApp) {
    one_minute_handling(app).await;
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;
    let lead = app.login("lead").await;
    let supervisor = app.login("supervisor").await;

    // Who may ask, and a bad query.
    let got = app.get("/api/v1/metrics/sla", &worker).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "a grid worker reads SLA metrics");
    let got = app.get("/api/v1/metrics/sla?by=district", &supervisor).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_query", "unknown `by`");
    let got = app.get("/api/v1/metrics/sla?from=yesterday", &supervisor).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_query", "malformed `from`");
    let before = Utc::now();

    let mut ids = vec![];
    for _ in 0..4 {
        ids.push(app.submit(&worker, CATEGORY).await);
    }
    let mut due = Utc::now();
    for id in &ids {
        let case = app.wait_status(&worker, id, "dispatched", Duration::from_secs(10)).await;
        due = due.max(instant(&case["clocks"]["handle"]["due_at"]));
    }
    let [on_time, late, _open, suspended] = [&ids[0], &ids[1], &ids[2], &ids[3]];
    app.must_act(&unit, on_time, json!({ "action": "sign" })).await;
    app.must_act(&unit, on_time, json!({ "action": "feedback", "note": "cleared" })).await;
    app.must_act(&unit, late, json!({ "action": "sign" })).await;
    app.must_act(&lead, suspended, json!({ "action": "suspend", "reason": "road closed" })).await;

    // Nothing is due yet: a deadline still ahead is not counted.
    let (status, report) = app.get("/api/v1/metrics/sla", &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert!(report["rows"].as_array().unwrap().iter().all(|r| r["key"] != UNIT), "{report}");

    // The one wait: every handle deadline passes; then one case is finished late.
    let wait = (due - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(2500);
    tokio::time::sleep(wait).await;
    app.must_act(&unit, late, json!({ "action": "feedback", "note": "cleared late" })).await;
    let late_case = app.case(&worker, late).await;
    let result = &late_case["clocks"]["handle"]["result"];
    assert_eq!(result["on_time"], false, "{late_case}");
    let late_seconds = result["late_seconds"].as_i64().unwrap();
    assert!(late_seconds >= 1, "{late_case}");
    // A failed check sends it back: a rework run of the handle clock starts, and the late run stays
    // on record (the metrics count every run, not only the last).
    let fail = json!({ "action": "verify", "passed": false, "note": "still dirty" });
    app.must_act(&worker, late, fail).await;
    let reworked = app.case(&worker, late).await;
    let handle = &reworked["clocks"]["handle"];
    assert_eq!(handle["runs"].as_array().map(Vec::len), Some(1), "{reworked}");
    assert_eq!((handle["reworks"].as_u64(), handle["unit"].as_str()), (Some(1), Some(UNIT)), "{reworked}");

    // By hand: due 4, deferred 1 (suspended), closed 2 of 3, on time 1 of 3, 1 open past due.
    for token in [&supervisor, &lead] {
        let (status, report) = app.get("/api/v1/metrics/sla?by=unit&stage=handle", token).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["by"], "unit");
        let r = row(&report, UNIT);
        assert_eq!((r["due"].as_u64(), r["deferred"].as_u64()), (Some(4), Some(1)), "{r}");
        assert_eq!((r["closed"].as_u64(), r["on_time"].as_u64()), (Some(2), Some(1)), "{r}");
        assert_eq!(r["overdue_open"], 1, "{r}");
        assert!(close_to(&r["on_time_rate"], 1.0 / 3.0), "{r}");
        assert!(close_to(&r["closure_rate"], 2.0 / 3.0), "{r}");
        assert!(close_to(&r["extension_rate"], 0.0) && close_to(&r["rework_rate"], 0.0), "{r}");
        assert_eq!(r["breach_seconds"], late_seconds, "the lateness the clock recorded: {r}");
        assert_eq!(r["breach_minutes"], late_seconds.div_euclid(60), "{r}");
    }
    // Routed at once, the four passed intake and dispatch on time at their report.
    for stage in ["intake", "dispatch"] {
        let (status, report) = app.get(&format!("/api/v1/metrics/sla?stage={stage}"), &supervisor).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let r = row(&report, UNIT);
        assert_eq!((r["due"].as_u64(), r["on_time"].as_u64()), (Some(4), Some(4)), "{stage}: {r}");
        assert!(close_to(&r["on_time_rate"], 1.0), "{stage}: {r}");
    }
    let (_, by_category) = app.get("/api/v1/metrics/sla?by=category", &supervisor).await;
    assert_eq!(row(&by_category, CATEGORY)["due"], 4, "{by_category}");
    let (_, by_street) = app.get("/api/v1/metrics/sla?by=street", &supervisor).await;
    assert_eq!(row(&by_street, "110101001")["overdue_open"], 1, "{by_street}");
    // By city-local day of the deadline: the four deadlines (one day, or two around midnight).
    let (status, by_day) = app.get("/api/v1/metrics/sla?by=day", &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{by_day}");
    let days = by_day["rows"].as_array().unwrap();
    assert!(days.iter().all(|r| r["key"].as_str().unwrap().len() == 10), "{by_day}");
    assert_eq!(days.iter().map(|r| r["due"].as_u64().unwrap()).sum::<u64>(), 4, "{by_day}");
    // A period that ended before the deadlines holds none of them.
    let earlier = format!("/api/v1/metrics/sla?to={}", before.to_rfc3339().replace('+', "%2B"));
    let (status, past) = app.get(&earlier, &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{past}");
    assert!(past["rows"].as_array().unwrap().iter().all(|r| r["key"] != UNIT), "{past}");

    // The gauges follow within one 30-second refresh.
    let start = Instant::now();
    let wanted = format!("gridflow_sla_overdue_open{{unit=\"{UNIT}\"}} 1");
    loop {
        let text = app.http.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        if text.lines().any(|l| l == wanted) {
            let rate = format!("gridflow_sla_on_time_rate{{unit=\"{UNIT}\"}} 0.333");
            assert!(text.lines().any(|l| l.starts_with(&rate)), "{text}");
            assert!(text.contains(&format!("gridflow_sla_breach_minutes{{unit=\"{UNIT}\"}}")), "{text}");
            let street = "gridflow_sla_rate{dimension=\"street\",key=\"110101001\",rate=\"on_time\"} 0.333";
            assert!(text.lines().any(|l| l.starts_with(street)), "{text}");
            let category = format!("gridflow_sla_rate{{dimension=\"category\",key=\"{CATEGORY}\",rate=\"rework\"}} 0");
            assert!(text.lines().any(|l| l == category), "{text}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(40), "no {wanted} within 40 s:\n{text}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
