#![allow(clippy::unwrap_used)]
//! Escalation chains end to end: with a 1-minute handling limit, a case left alone gets the
//! default chain's first steps as durable timers, each exactly once: the unit's dispatcher is
//! notified at 80 % and the unit is urged at the breach. Webhook delivery with retries.

use super::clocks::{handling_limit, one_minute_handling};
use crate::common::{Backends, TestApp, spawn_app};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CATEGORY: &str = "event:0505";

pub(super) fn kinds(case: &Value, kind: &str) -> Vec<Value> {
    case["timeline"].as_array().unwrap().iter().filter(|t| t["type"] == kind).cloned().collect()
}

fn position(case: &Value, pred: impl Fn(&Value) -> bool) -> usize {
    case["timeline"].as_array().unwrap().iter().position(pred).unwrap()
}

/// The case as soon as its timeline holds an event of `kind` (the SLA timers fire it within 90 s).
pub(super) async fn first_of(app: &TestApp, token: &str, id: &str, kind: &str) -> Value {
    let start = Instant::now();
    loop {
        let c = app.case(token, id).await;
        if !kinds(&c, kind).is_empty() {
            return c;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "no `{kind}` within 90 s: {c}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// 80 % → `notified` (the unit's dispatcher), breach → `urged`, once each, by the system.
pub async fn sla_escalation_chain(app: &TestApp) {
    one_minute_handling(app).await;
    let worker = app.login("worker").await;
    let id = app.submit(&worker, CATEGORY).await;
    let case = app.wait_status(&worker, &id, "dispatched", Duration::from_secs(10)).await;
    let unit = case["department"].as_str().unwrap().to_string();
    first_of(app, &worker, &id, "urged").await;
    // Give any duplicate firing time to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let case = app.case(&worker, &id).await;
    let notified = kinds(&case, "notified");
    assert_eq!(notified.len(), 1, "{case}");
    assert_eq!(notified[0]["event"]["to"], format!("{unit}:dispatcher"), "{case}");
    assert!(notified[0]["actor"].as_str().unwrap().starts_with("system:"));
    let urged = kinds(&case, "urged");
    assert_eq!(urged.len(), 1, "{case}");
    assert_eq!(case["urge_count"], 1);
    assert!(kinds(&case, "escalated").is_empty(), "the street escalation is a day away: {case}");
    let at80 = position(&case, |t| t["type"] == "threshold_reached" && t["event"]["percent"] == 80);
    let at100 = position(&case, |t| t["type"] == "threshold_reached" && t["event"]["percent"] == 100);
    let note = position(&case, |t| t["type"] == "notified");
    let urge = position(&case, |t| t["type"] == "urged");
    assert!(at80 < note, "the notice follows the 80 % threshold");
    assert!(at100 < urge, "the urge follows the breach");
}

/// A sub-class's own SLA policy, from the catalogue: road flooding 0504 (an emergency) arms 25/50/100 %
/// instead of 50/80/100 %, notifies the unit's dispatcher at 25 %, blows the whistle 吹哨 at 50 % —
/// the emergency bureau and the street office of the grid must report in within 30 minutes — and
/// urges at the breach; the policy survives the CSV export and re-import that set the 1-minute limit.
pub async fn sla_policy_from_the_catalogue(app: &TestApp) {
    handling_limit(app, "event,0504,", ",15min,120min,60min,", ",15min,1min,60min,").await;
    let worker = app.login("worker").await;
    let id = app.submit(&worker, "event:0504").await;
    let case = app.wait_status(&worker, &id, "dispatched", Duration::from_secs(10)).await;
    let unit = case["department"].as_str().unwrap().to_string();
    let grid = case["grid"].as_str().unwrap().to_string();
    let case = first_of(app, &worker, &id, "urged").await;
    let handle_thresholds: Vec<u64> = kinds(&case, "threshold_reached")
        .iter()
        .filter(|t| t["event"]["stage"] == "handle")
        .map(|t| t["event"]["percent"].as_u64().unwrap())
        .collect();
    assert_eq!(handle_thresholds, [25, 50, 100], "{case}");
    let notified: Vec<String> =
        kinds(&case, "notified").iter().map(|n| n["event"]["to"].as_str().unwrap().to_string()).collect();
    assert_eq!(notified, [format!("{unit}:dispatcher")], "{case}");
    let street = format!("street-{}", &grid[..9]);
    let whistles = kinds(&case, "whistled");
    assert_eq!(whistles.len(), 1, "{case}");
    assert_eq!(whistles[0]["event"]["departments"], serde_json::json!(["dept-emergency", street]), "{case}");
    assert_eq!(whistles[0]["event"]["report_in_minutes"], 30);
    assert!(whistles[0]["actor"].as_str().unwrap().starts_with("system:"), "{case}");
    // Each whistled department's report-in deadline runs as a clock of its own.
    assert_eq!(case["clocks"]["report_in:dept-emergency"]["limit_value"], 30, "{case}");
    assert_eq!(case["clocks"][format!("report_in:{street}")]["state"], "running", "{case}");
    let at50 = position(&case, |t| t["type"] == "threshold_reached" && t["event"]["percent"] == 50);
    let blown = position(&case, |t| t["type"] == "whistled");
    assert!(at50 < blown, "the whistle follows the 50 % threshold");
    assert_eq!(kinds(&case, "urged").len(), 1, "{case}");
    // The case view's light uses the same policy: past 50 % (its warning threshold) it was yellow,
    // now it is red.
    assert_eq!(case["clocks"]["handle"]["light"], "red", "{case}");
}

/// The demo emergency policy re-dispatches a case its unit has not signed for by the sign clock's
/// breach: with a 1-minute sign limit on road flooding 0504, the system re-routes the case without
/// the silent unit, records why, and the new unit's sign clock starts afresh.
pub async fn sla_auto_redispatch_when_unsigned(app: &TestApp) {
    handling_limit(app, "event,0504,", ",10min,15min,120min,", ",10min,1min,120min,").await;
    let worker = app.login("worker").await;
    let id = app.submit(&worker, "event:0504").await;
    let case = app.wait_status(&worker, &id, "dispatched", Duration::from_secs(10)).await;
    let silent = case["department"].as_str().unwrap().to_string();
    let case = first_of(app, &worker, &id, "redispatched").await;
    let moved = &kinds(&case, "redispatched")[0];
    assert_eq!(moved["event"]["from"], silent.as_str(), "{moved}");
    assert!(moved["actor"].as_str().unwrap().starts_with("system:"), "{moved}");
    assert!(moved["event"]["reason"].as_str().unwrap().contains("re-dispatched automatically"), "{moved}");
    let to = moved["event"]["to"].as_str().unwrap();
    assert_ne!(to, silent);
    assert_eq!(case["status"], "dispatched");
    // On a slow machine the next unit's 1-minute sign clock may lapse too before this read: each
    // further re-dispatch starts where the last one went and leaves out every unit that let it lapse.
    let moves = kinds(&case, "redispatched");
    let mut silent_units = vec![silent.clone()];
    for pair in moves.windows(2) {
        assert_eq!(pair[1]["event"]["from"], pair[0]["event"]["to"], "{case}");
        silent_units.push(pair[1]["event"]["from"].as_str().unwrap().to_string());
    }
    assert_eq!(case["department"], moves.last().unwrap()["event"]["to"], "{case}");
    let excluded: Vec<&str> =
        case["routing"]["excluded"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    assert_eq!(excluded, silent_units, "{case}");
    // The re-dispatch follows the sign clock's breach, and a new sign clock runs for the new unit.
    let breach = position(&case, |t| {
        t["type"] == "threshold_reached" && t["event"]["stage"] == "sign" && t["event"]["percent"] == 100
    });
    assert!(breach < position(&case, |t| t["type"] == "redispatched"), "{case}");
    assert_eq!(case["clocks"]["sign"]["state"], "running", "{case}");
    assert!(case["clocks"]["sign"]["generation"].as_u64().unwrap() > 1, "{case}");
}

/// What the local receiver saw: the `Idempotency-Key`, the JSON body and the status it answered.
type Seen = Arc<Mutex<Vec<(String, Value, u16)>>>;

/// A minimal HTTP/1.1 receiver: answers 500 to the first request and 200 to every later one.
async fn receiver() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move { answer(stream, log).await });
        }
    });
    (url, seen)
}

async fn answer(mut stream: TcpStream, log: Seen) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head, mut body) = loop {
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&buf[..end]).to_string(), buf[end + 4..].to_vec());
        }
    };
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)))
            .map(|(_, v)| v.trim().to_string())
    };
    let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while body.len() < length {
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let key = header("idempotency-key").unwrap_or_default();
    let status = {
        let mut log = log.lock().unwrap();
        let status = if log.is_empty() { 500 } else { 200 };
        log.push((key, json, status));
        status
    };
    let reason = if status == 200 { "OK" } else { "Internal Server Error" };
    let reply = format!("HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The `dispatched` event reaches the webhook: refused once with a 500, retried after a pause with
/// the same `Idempotency-Key`, accepted once.
pub async fn webhooks_retry_until_accepted(mut backends: Backends) {
    let (url, seen) = receiver().await;
    backends.webhook_url = Some(url);
    let app = spawn_app(&backends).await;
    let worker = app.login("worker").await;
    let id = app.submit(&worker, CATEGORY).await;
    app.wait_status(&worker, &id, "dispatched", Duration::from_secs(10)).await;
    let mine = |seen: &Seen| -> Vec<(String, Value, u16)> {
        let seen = seen.lock().unwrap();
        seen.iter().filter(|(_, b, _)| b["case_id"] == id.as_str() && b["kind"] == "dispatched").cloned().collect()
    };
    let start = Instant::now();
    let deliveries = loop {
        let got = mine(&seen);
        if got.iter().any(|(_, _, status)| *status == 200) {
            break got;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no accepted webhook within 30 s: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Nothing is sent again once accepted.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(mine(&seen).len(), deliveries.len());
    assert_eq!(deliveries.len(), 2, "one refused, one accepted: {deliveries:?}");
    assert_eq!(deliveries[0].2, 500, "the very first request was refused");
    assert_eq!(deliveries[1].2, 200);
    let key = &deliveries[0].0;
    assert!(!key.is_empty());
    assert_eq!(&deliveries[1].0, key, "the retry carries the same Idempotency-Key");
    let body = &deliveries[1].1;
    assert_eq!(body["event"]["type"], "dispatched");
    assert_eq!(body["department"], body["event"]["department"]);
    assert!(body["occurred_at"].is_string(), "{body}");
    let (status, metrics) = app.send(app.http.get(format!("{}/metrics", app.base))).await;
    assert!(status.is_success());
    let text = metrics.as_str().unwrap_or_default();
    assert!(text.contains("gridflow_webhook_deliveries_total{outcome=\"failed\"} 1"), "{text}");
    app.stop().await;
}
