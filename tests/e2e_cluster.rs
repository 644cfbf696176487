//! Production-stack guarantees that need more than one process or a fault: three `gridflow serve`
//! replicas sharing Postgres/RabbitMQ/Redis (one killed mid-run), a Redis FLUSHALL healed from
//! Postgres, and republished or redelivered events that change nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Api, Backends, TestApp};
use gridflow_domain::audit::verify_chain;
use gridflow_domain::ports::Store;
use gridflow_store::SeaStore;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A `gridflow serve` child process.
struct Replica {
    child: Child,
    api: Api,
}

async fn spawn_replica(backends: &Backends) -> Replica {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gridflow"))
        .arg("serve")
        .envs(backends.env("127.0.0.1:0"))
        .env("GRIDFLOW_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start gridflow");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The banner prints the bound address; port 0 lets the OS pick a free one.
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.trim().strip_prefix("Console:") {
                return url.trim().trim_end_matches('/').to_string();
            }
        }
        panic!("gridflow exited before printing its address");
    })
    .await
    .expect("gridflow printed its address");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let api = Api::new(base);
    let start = Instant::now();
    while api.http.get(format!("{}/readyz", api.base)).send().await.map(|r| r.status().is_success()).ok() != Some(true)
    {
        assert!(start.elapsed() < Duration::from_secs(60), "replica never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Replica { child, api }
}

fn kinds(case: &Value) -> Vec<String> {
    let kinds = case["timeline"].as_array().unwrap().iter().map(|t| t["type"].as_str().unwrap().to_string());
    kinds.filter(|k| !k.starts_with("clock_") && k != "threshold_reached").collect()
}

async fn dispatched_count(api: &Api, token: &str) -> usize {
    let (_, page) = api.get("/api/v1/cases?status=dispatched&limit=200", token).await;
    page["cases"].as_array().map_or(0, Vec::len)
}

async fn assert_audit_intact(database_url: &str, ids: &[String]) {
    let store = SeaStore::connect(database_url).await.unwrap();
    for id in ids {
        let records = store.audit(id.parse().unwrap()).await.unwrap();
        assert!(records.len() >= 4, "case {id} has {} audit records", records.len());
        assert_eq!(verify_chain(&records), Ok(()), "audit chain of {id}");
    }
}

async fn three_replicas_dispatch_each_case_exactly_once_body() {
    let backends = common::production().await;
    let mut replicas = vec![];
    for _ in 0..3 {
        replicas.push(spawn_replica(&backends).await);
    }
    // Tokens from one replica are accepted by all: they share the signing secret.
    let worker = replicas[0].api.login("worker").await;
    let mut ids = vec![];
    for i in 0..45 {
        if i == 20 {
            // A replica dies without warning mid-run; its unacked work goes to the others.
            replicas[2].child.start_kill().unwrap();
            replicas[2].child.wait().await.unwrap();
        }
        let alive = if i < 20 { 3 } else { 2 };
        ids.push(replicas[i % alive].api.submit(&worker, "event:0505").await);
    }
    let a = &replicas[0].api;
    let start = Instant::now();
    while dispatched_count(a, &worker).await < ids.len() {
        assert!(start.elapsed() < Duration::from_secs(60), "not every case was dispatched");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in &ids {
        let case = a.case(&worker, id).await;
        assert_eq!(
            kinds(&case),
            ["reported", "accepted", "registered", "routed", "dispatched", "assigned"],
            "case {id}"
        );
        // Six lifecycle events plus the sign and handle clocks started at dispatch (a report routed
        // at once runs no intake or dispatch clock): routed once.
        assert_eq!(case["version"], 8);
    }
    // The whole loop, each step on a different replica.
    let unit = replicas[1].api.login("sanitation").await;
    for id in ids.iter().take(3) {
        replicas[0].api.must_act(&unit, id, json!({ "action": "sign" })).await;
        replicas[1].api.must_act(&unit, id, json!({ "action": "feedback", "note": "cleared" })).await;
        let closed = replicas[0].api.must_act(&worker, id, json!({ "action": "verify", "passed": true })).await;
        assert_eq!(closed["status"], "closed");
    }
    assert_audit_intact(&backends.database_url, &ids).await;
    for r in &mut replicas {
        let _ = r.child.start_kill();
        let _ = r.child.wait().await;
    }
    backends.cleanup().await;
}

/// Marks every outbox row unpublished, as if the relay had crashed after publishing but before
/// recording it, so the whole history is delivered again.
async fn republish_all(database_url: &str) -> u64 {
    let store = SeaStore::connect(database_url).await.unwrap();
    let res = store
        .connection()
        .execute_unprepared("UPDATE outbox SET published_at_ms = NULL, claimed_until_ms = NULL")
        .await
        .unwrap();
    res.rows_affected()
}

async fn republished_events_change_nothing(app: &TestApp) {
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", Duration::from_secs(10)).await;
    app.must_act(&unit, &id, json!({ "action": "sign" })).await;
    let before = app.case(&worker, &id).await;
    assert!(republish_all(&app.backends.database_url).await >= 5);
    // Wait until the relay has sent everything again, then give consumers time to see it.
    let start = Instant::now();
    loop {
        let (_, text) = app.send(app.http.get(format!("{}/metrics", app.base))).await;
        let backlog_zero = text.as_str().unwrap_or("").lines().any(|l| l == "gridflow_outbox_backlog 0");
        let published = text
            .as_str()
            .unwrap_or("")
            .lines()
            .find(|l| l.starts_with("gridflow_outbox_published_total "))
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        if backlog_zero && published >= 10 {
            break;
        }
        // A publish whose confirm times out under load is retried when its 30 s claim lease ends.
        assert!(start.elapsed() < Duration::from_secs(75), "relay did not republish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = app.case(&worker, &id).await;
    assert_eq!(kinds(&after), kinds(&before), "a redelivered `reported` must not route the case again");
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["status"], "signed");
}

async fn republished_events_change_nothing_embedded_body() {
    let app = common::spawn_app(&common::embedded()).await;
    republished_events_change_nothing(&app).await;
    app.stop().await;
}

async fn republished_events_change_nothing_production_body() {
    let app = common::spawn_app(&common::production().await).await;
    republished_events_change_nothing(&app).await;
    app.stop().await;
}

/// A private redis-server, so FLUSHALL cannot disturb tests running in parallel.
struct PrivateRedis {
    child: std::process::Child,
    url: String,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (tests/run.sh checks)");
        PrivateRedis { child, url: format!("redis://127.0.0.1:{port}") }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn queue_ids(app: &TestApp, token: &str) -> Vec<String> {
    let (_, body) = app.get("/api/v1/queues/dept-sanitation", token).await;
    body["cases"]
        .as_array()
        .map(|c| c.iter().map(|x| x["id"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

async fn rebuilds(app: &TestApp) -> u64 {
    let (_, text) = app.send(app.http.get(format!("{}/metrics", app.base))).await;
    let text = text.as_str().unwrap_or_default().to_string();
    let line = text.lines().find(|l| l.starts_with("gridflow_live_rebuilds_total ")).unwrap_or("x 0");
    line.split(' ').nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

async fn redis_flushall_is_healed_from_postgres_body() {
    let redis = PrivateRedis::start();
    let mut backends = common::production().await;
    backends.redis_url = Some(redis.url.clone());
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let start = Instant::now();
    let mut conn = loop {
        match client.get_multiplexed_async_connection().await {
            Ok(c) => break c,
            Err(_) if start.elapsed() < Duration::from_secs(10) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => panic!("private redis did not start: {e}"),
        }
    };
    let app = common::spawn_app(&backends).await;
    let worker = app.login("worker").await;
    let unit = app.login("sanitation").await;
    let mut ids = vec![];
    for _ in 0..5 {
        ids.push(app.submit(&worker, "event:0505").await);
    }
    for id in &ids {
        app.wait_status(&worker, id, "dispatched", Duration::from_secs(10)).await;
    }
    let wait_queue = |expected: Vec<String>| {
        let (app, unit) = (&app, &unit);
        async move {
            let start = Instant::now();
            loop {
                let mut got = queue_ids(app, unit).await;
                got.sort();
                if got == expected {
                    return;
                }
                assert!(start.elapsed() < Duration::from_secs(15), "queue {got:?} never became {expected:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let mut expected = ids.clone();
    expected.sort();
    wait_queue(expected.clone()).await;

    let rebuilds_before = rebuilds(&app).await;
    let _: () = redis::cmd("FLUSHALL").query_async(&mut conn).await.unwrap();
    wait_queue(expected.clone()).await;
    assert!(rebuilds(&app).await > rebuilds_before, "the flush was noticed and live state rebuilt");

    // Work after the flush goes on and stays consistent.
    app.must_act(&unit, &ids[0], json!({ "action": "sign" })).await;
    app.must_act(&unit, &ids[0], json!({ "action": "feedback", "note": "done" })).await;
    app.must_act(&worker, &ids[0], json!({ "action": "verify", "passed": true })).await;
    expected.retain(|id| id != &ids[0]);
    wait_queue(expected).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_dispatch_each_case_exactly_once() {
    common::within(
        240,
        "three_replicas_dispatch_each_case_exactly_once",
        three_replicas_dispatch_each_case_exactly_once_body(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn republished_events_change_nothing_embedded() {
    common::within(
        240,
        "republished_events_change_nothing_embedded",
        republished_events_change_nothing_embedded_body(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn republished_events_change_nothing_production() {
    common::within(
        240,
        "republished_events_change_nothing_production",
        republished_events_change_nothing_production_body(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_flushall_is_healed_from_postgres() {
    common::within(240, "redis_flushall_is_healed_from_postgres", redis_flushall_is_healed_from_postgres_body()).await;
}
