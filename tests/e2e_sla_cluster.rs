//! Durable SLA timers across replicas and a crash: two `gridflow serve` processes share one
//! Postgres database, RabbitMQ namespace and Redis; ~2,000 cases get 1-minute sign and handle
//! limits, so ~12,000 thresholds fall due within about a minute; one replica is killed with
//! SIGKILL while they fire (and started again). Afterwards Postgres must show every armed timer
//! fired once and every (case, clock, generation, percent) `threshold_reached` recorded once.
//!
//! `GRIDFLOW_SLA_CASES` overrides the number of cases (default 2,000).
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{FixedOffset, Utc};
use common::{Api, Backends};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CATEGORY: &str = "event:0505";
/// Thresholds armed per case: 50/80/100 % of the sign and of the handle clock.
const PER_CASE: i64 = 6;

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

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
    row.try_get::<Option<i64>>("", "n").unwrap().unwrap_or(0)
}

/// Imports a catalogue version, effective today (Beijing time), in which `CATEGORY` must be signed
/// for and handled within 1 natural minute each; returns its number.
async fn one_minute_limits(api: &Api, admin: &str) -> u64 {
    let (status, versions) = api.get("/api/v1/reference/catalogue", admin).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    let latest = versions.as_array().unwrap().iter().filter_map(|v| v["version"].as_u64()).max().unwrap();
    let csv = api
        .http
        .get(format!("{}/api/v1/reference/catalogue?format=csv", api.base))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = csv.lines().find(|l| l.starts_with("event,0505,")).unwrap().to_string();
    let changed = row.replace(",30min,240min,120min,", ",1min,1min,120min,");
    assert_ne!(row, changed, "the demo limits of {CATEGORY} changed: {row}");
    let today = Utc::now().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).date_naive();
    let url = format!("{}/api/v1/reference/catalogue/versions?version={}&effective_from={today}", api.base, latest + 1);
    let req =
        api.http.post(url).bearer_auth(admin).header("content-type", "text/csv").body(csv.replace(&row, &changed));
    let (status, body) = api.send(req).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    latest + 1
}

/// Waits until `api` serves catalogue `version` (replicas reload reference data every 5 s).
async fn wait_catalogue(api: &Api, admin: &str, version: u64) {
    let start = Instant::now();
    loop {
        let (_, versions) = api.get("/api/v1/reference/catalogue", admin).await;
        if versions.as_array().is_some_and(|a| a.iter().any(|v| v["version"].as_u64() == Some(version))) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{} never loaded catalogue version {version}", api.base);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Submits `n` reports of `CATEGORY` spread over the demo grids, round-robin over `bases`.
async fn submit_all(bases: &[String], token: &str, points: &[(f64, f64)], n: usize) -> Vec<String> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    let workers = 16;
    for w in 0..workers {
        let (http, token, bases, points) = (http.clone(), token.to_string(), bases.to_vec(), points.to_vec());
        tasks.spawn(async move {
            let mut ids = vec![];
            for i in (w..n).step_by(workers) {
                let (lat, lon) = points[i % points.len()];
                let body =
                    json!({ "category": CATEGORY, "lat": lat, "lon": lon, "description": format!("sla report {i}") });
                let res = http
                    .post(format!("{}/api/v1/cases", bases[i % bases.len()]))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                let body: Value = res.json().await.unwrap();
                assert_eq!(status, StatusCode::CREATED, "report {i}: {body}");
                ids.push(body["id"].as_str().unwrap().to_string());
            }
            ids
        });
    }
    let mut ids = vec![];
    while let Some(r) = tasks.join_next().await {
        ids.extend(r.unwrap());
    }
    ids
}

/// Polls `sql` (a `SELECT ... AS n`) until `done(n)`, failing with `what` after `secs`.
async fn wait_for(db: &DatabaseConnection, sql: &str, secs: u64, what: &str, done: impl Fn(i64) -> bool) -> i64 {
    let start = Instant::now();
    loop {
        let n = scalar(db, sql).await;
        if done(n) {
            return n;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "{what}: still {n} after {secs} s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

// Threshold timers have numeric kinds (50, 80, 100); escalation steps (`esc:<step>:<rep>`) are
// armed as thresholds fire, and the later ones are due hours ahead, so they are left out of
// "armed" and "fired" and count as pending only once due.
const FIRED: &str =
    "SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE fired_at_ms IS NOT NULL AND kind NOT LIKE 'esc:%'";
const PENDING: &str =
    "SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE fired_at_ms IS NULL AND cancelled_at_ms IS NULL
     AND (kind NOT LIKE 'esc:%' OR due_at_ms <= (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT)";
const ARMED: &str = "SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE kind NOT LIKE 'esc:%'";

type Key = (String, String, i64, i64);

async fn keys(db: &DatabaseConnection, sql: &str) -> Vec<(Key, i64)> {
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap();
    rows.iter()
        .map(|r| {
            let key = (
                r.try_get::<String>("", "case_id").unwrap(),
                r.try_get::<String>("", "clock").unwrap(),
                r.try_get::<i64>("", "generation").unwrap(),
                r.try_get::<i64>("", "percent").unwrap(),
            );
            (key, r.try_get::<i64>("", "n").unwrap())
        })
        .collect()
}

async fn assert_exactly_once(db: &DatabaseConnection, ids: &[String]) {
    let n = ids.len() as i64;
    // Every timer armed for the clocks' running generation (nothing moved a clock, so none was
    // cancelled and every clock is at generation 1) fired.
    let cancelled = scalar(db, "SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE cancelled_at_ms IS NOT NULL").await;
    assert_eq!(cancelled, 0, "no clock moved, so no timer should have been cancelled");
    let timers = keys(
        db,
        "SELECT case_id, clock, generation::BIGINT AS generation, kind::BIGINT AS percent, COUNT(*)::BIGINT AS n
         FROM sla_timers WHERE cancelled_at_ms IS NULL AND fired_at_ms IS NOT NULL AND kind NOT LIKE 'esc:%'
         GROUP BY 1, 2, 3, 4",
    )
    .await;
    // (A timer key cannot appear twice in `sla_timers`: the `sla_timers_once` constraint; the
    // exactly-once proof is the timeline check below.)
    assert_eq!(timers.len() as i64, n * PER_CASE, "fired timers");
    let unfired = scalar(db, PENDING).await;
    assert_eq!(unfired, 0, "armed timers (thresholds, and escalation steps already due) never fired");
    // The running generation of each clock, as the case records it.
    let gens = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id, (body::jsonb #>> '{clocks,sign,generation}')::BIGINT AS sign,
                    (body::jsonb #>> '{clocks,handle,generation}')::BIGINT AS handle FROM cases",
        ))
        .await
        .unwrap();
    let mut running = BTreeSet::new();
    for r in &gens {
        let id: String = r.try_get("", "id").unwrap();
        for clock in ["sign", "handle"] {
            let g: Option<i64> = r.try_get("", clock).unwrap();
            running.insert((
                id.clone(),
                clock.to_string(),
                g.unwrap_or_else(|| panic!("case {id} has no {clock} clock")),
            ));
        }
    }
    let submitted: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(gens.len(), ids.len(), "cases in the database");
    assert!(gens.iter().all(|r| submitted.contains(&r.try_get::<String>("", "id").unwrap())));
    let expected: BTreeSet<Key> =
        running.iter().flat_map(|(id, clock, g)| [50, 80, 100].map(|p| (id.clone(), clock.clone(), *g, p))).collect();
    let fired: BTreeSet<Key> = timers.iter().map(|(k, _)| k.clone()).collect();
    let missing_timers: Vec<&Key> = expected.difference(&fired).take(5).collect();
    assert!(missing_timers.is_empty(), "thresholds of running generations with no fired timer: {missing_timers:?}");
    let extra_timers: Vec<&Key> = fired.difference(&expected).take(5).collect();
    assert!(extra_timers.is_empty(), "fired timers of no running generation: {extra_timers:?}");

    // Each threshold is in the timeline exactly once.
    let reached = keys(
        db,
        "SELECT case_id, body::jsonb #>> '{event,stage}' AS clock,
                (body::jsonb #>> '{event,generation}')::BIGINT AS generation,
                (body::jsonb #>> '{event,percent}')::BIGINT AS percent, COUNT(*)::BIGINT AS n
         FROM transitions WHERE kind = 'threshold_reached' AND body::jsonb #>> '{event,type}' = 'threshold_reached'
         GROUP BY 1, 2, 3, 4",
    )
    .await;
    let duplicated: Vec<&(Key, i64)> = reached.iter().filter(|(_, c)| *c != 1).take(5).collect();
    assert!(duplicated.is_empty(), "thresholds recorded more than once: {duplicated:?}");
    let recorded: BTreeSet<Key> = reached.iter().map(|(k, _)| k.clone()).collect();
    let missing: Vec<&Key> = expected.difference(&recorded).take(5).collect();
    assert!(missing.is_empty(), "thresholds never recorded: {missing:?}");
    let extra: Vec<&Key> = recorded.difference(&expected).take(5).collect();
    assert!(extra.is_empty(), "thresholds recorded for no armed timer: {extra:?}");
    let all = scalar(db, "SELECT COUNT(*)::BIGINT AS n FROM transitions WHERE kind = 'threshold_reached'").await;
    assert_eq!(all, n * PER_CASE, "threshold_reached transitions");
    // Each breach (sign and handle) urged the unit once.
    let urges = scalar(
        db,
        "SELECT COUNT(*)::BIGINT AS n FROM (SELECT case_id FROM transitions WHERE kind = 'urged'
         GROUP BY case_id HAVING COUNT(*) <> 2) x",
    )
    .await;
    assert_eq!(urges, 0, "cases not urged exactly twice (once per breach)");
}

/// Threshold timers matching `filter`, counted by the replica that fired (or claimed) them.
async fn owners(db: &DatabaseConnection, filter: &str) -> BTreeMap<String, i64> {
    let who = if filter.starts_with("fired") { "fired_by" } else { "claimed_by" };
    let sql = format!(
        "SELECT {who} AS owner, COUNT(*)::BIGINT AS n FROM sla_timers WHERE {filter} AND kind NOT LIKE 'esc:%' GROUP BY 1"
    );
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap();
    rows.iter()
        .map(|r| (r.try_get::<Option<String>>("", "owner").unwrap().unwrap_or_default(), r.try_get("", "n").unwrap()))
        .collect()
}

async fn report_lateness(db: &DatabaseConnection) {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT COUNT(*)::BIGINT AS n,
                    (percentile_disc(0.5) WITHIN GROUP (ORDER BY lateness_ms))::BIGINT AS p50,
                    (percentile_disc(0.99) WITHIN GROUP (ORDER BY lateness_ms))::BIGINT AS p99,
                    MAX(lateness_ms)::BIGINT AS max,
                    (MAX(fired_at_ms) - MIN(due_at_ms))::BIGINT AS span
             FROM sla_timers WHERE fired_at_ms IS NOT NULL AND kind NOT LIKE 'esc:%'",
        ))
        .await
        .unwrap()
        .unwrap();
    let get = |c: &str| row.try_get::<Option<i64>>("", c).unwrap().unwrap_or(-1);
    eprintln!(
        "sla timers: {} fired, lateness p50={} ms p99={} ms max={} ms; first due → last fire {} ms",
        get("n"),
        get("p50"),
        get("p99"),
        get("max"),
        get("span")
    );
    let by = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT fired_by, COUNT(*)::BIGINT AS n FROM sla_timers GROUP BY 1 ORDER BY 1",
        ))
        .await
        .unwrap();
    let by: BTreeMap<String, i64> = by
        .iter()
        .map(|r| {
            (r.try_get::<Option<String>>("", "fired_by").unwrap().unwrap_or_default(), r.try_get("", "n").unwrap())
        })
        .collect();
    eprintln!("sla timers by fired_by: {by:?}");
}

async fn two_replicas_fire_each_threshold_once_across_a_kill_body() {
    let n: usize = std::env::var("GRIDFLOW_SLA_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let t0 = Instant::now();
    let backends = common::production().await;
    let mut a = spawn_replica(&backends).await;
    let mut b = spawn_replica(&backends).await;
    let db = Database::connect(&backends.database_url).await.unwrap();

    let admin = a.api.login("admin").await;
    let version = one_minute_limits(&a.api, &admin).await;
    wait_catalogue(&a.api, &admin, version).await;
    wait_catalogue(&b.api, &admin, version).await;

    let worker = a.api.login("worker").await;
    let (status, grids) = a.api.get("/api/v1/grids", &worker).await;
    assert_eq!(status, StatusCode::OK, "{grids}");
    let points: Vec<(f64, f64)> = grids["grids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| Some((g["centroid"]["lat"].as_f64()?, g["centroid"]["lon"].as_f64()?)))
        .collect();
    assert!(!points.is_empty(), "no grids");

    let submitted = Instant::now();
    let bases = [a.api.base.clone(), b.api.base.clone()];
    let ids = submit_all(&bases, &worker, &points, n).await;
    assert_eq!(ids.len(), n);
    eprintln!("submitted {n} cases over {} grids in {:.1} s", points.len(), submitted.elapsed().as_secs_f64());
    let expected = n as i64 * PER_CASE;

    // Kill B once a good part (but not all) of the thresholds has fired.
    let fired = wait_for(&db, FIRED, 150, "thresholds started firing", |f| f >= expected / 4).await;
    let pending = scalar(&db, PENDING).await;
    assert!(pending > 0, "every timer fired before the kill ({fired} fired); nothing was tested");
    // Both replicas were firing: the kill takes down a process doing real work.
    let by_owner = owners(&db, "fired_at_ms IS NOT NULL").await;
    assert_eq!(by_owner.len(), 2, "both replicas fire thresholds before the kill: {by_owner:?}");
    b.child.start_kill().unwrap(); // SIGKILL
    b.child.wait().await.unwrap();
    // Claims held by whichever process is gone stay until their lease lapses, then another takes them.
    let claimed = owners(&db, "fired_at_ms IS NULL AND claimed_by IS NOT NULL").await;
    eprintln!("fired by owner before the kill: {by_owner:?}; unfired claims at the kill: {claimed:?}");
    eprintln!(
        "killed replica B (SIGKILL) at {:.1} s: {fired} fired, {pending} pending, {} armed",
        t0.elapsed().as_secs_f64(),
        scalar(&db, ARMED).await
    );
    // A keeps going alone for a while; then B comes back.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut b = spawn_replica(&backends).await;
    eprintln!("restarted replica B at {:.1} s: {} fired", t0.elapsed().as_secs_f64(), scalar(&db, FIRED).await);

    // Every case dispatched (armed), then no timer left pending (B's claims lapse after 30 s).
    wait_for(&db, ARMED, 60, "timers armed for every case", |x| x >= expected).await;
    wait_for(&db, PENDING, 120, "pending SLA timers", |p| p == 0).await;
    eprintln!("all timers fired at {:.1} s", t0.elapsed().as_secs_f64());
    // Let anything still in flight land, so a late duplicate would be seen.
    tokio::time::sleep(Duration::from_secs(2)).await;

    report_lateness(&db).await;
    assert_exactly_once(&db, &ids).await;

    db.close().await.ok();
    for r in [&mut a, &mut b] {
        let _ = r.child.start_kill();
        let _ = r.child.wait().await;
    }
    backends.cleanup().await;
    eprintln!("total {:.1} s", t0.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_fire_each_threshold_once_across_a_kill() {
    common::within(
        300,
        "two_replicas_fire_each_threshold_once_across_a_kill",
        two_replicas_fire_each_threshold_once_across_a_kill_body(),
    )
    .await;
}
