//! `gridflow-slabench`: the SLA timer worker of a real `gridflow serve` under a timer burst, with a
//! million pending timers in the table.
//!
//! 1. Creates a fresh Postgres database and starts `gridflow serve` on it as a child process
//!    (demo data, in-process bus unless `--amqp-url`/`--redis-url` are given).
//! 2. Bulk-inserts `--background` pending timers (default 1,000,000) for synthetic case ids, due
//!    from `--background-after-s` on, spread over `--days` days: never claimed during the run
//!    (and harmless if they were: the worker retires timers of unknown cases).
//! 3. Reports `--burst` cases (default 10,000) over the API, spread over the demo grids, and waits
//!    until each is dispatched: its handle clock runs at generation 1 with its 50/80/100 % timers
//!    armed hours ahead.
//! 4. Measures API latency while idle (`--sample-s` seconds of GET /api/v1/cases/{id} and
//!    POST /api/v1/cases from a few paced clients).
//! 5. Moves the 50 % handle timer of every burst case into one wall-clock second a few seconds
//!    ahead, so `--burst` real thresholds fall due at once, and measures the same API latency
//!    until the worker has fired them all.
//!
//! Reports firing lateness p50/p99/max (`sla_timers.lateness_ms`), the time to drain the burst,
//! API latency idle vs during the burst, the server's VmHWM/VmRSS, and checks every burst
//! threshold was recorded exactly once. Progress goes to stderr, results to stdout. Only ever run
//! it against servers you run yourself (default 127.0.0.1).

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::future::join_all;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

#[derive(Parser)]
#[command(about = "SLA timer burst against a real gridflow serve on Postgres")]
struct Args {
    /// The gridflow binary (default: `gridflow` next to this one)
    #[arg(long)]
    gridflow: Option<std::path::PathBuf>,
    /// Postgres server URL, without a database: a fresh database is created on it
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    pg: String,
    /// Keep the database afterwards
    #[arg(long)]
    keep: bool,
    /// Optional RabbitMQ URL for the server (default: in-process bus)
    #[arg(long)]
    amqp_url: Option<String>,
    /// Optional Redis URL for the server (default: in-memory live state)
    #[arg(long)]
    redis_url: Option<String>,
    /// Background pending timers inserted directly
    #[arg(long, default_value_t = 1_000_000)]
    background: u64,
    /// Rows per INSERT … SELECT generate_series
    #[arg(long, default_value_t = 100_000)]
    insert_batch: u64,
    /// Background timers fall due from this many seconds ahead …
    #[arg(long, default_value_t = 3_600)]
    background_after_s: i64,
    /// … spread over this many days
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// Real cases whose thresholds fall due in the same second
    #[arg(long, default_value_t = 10_000)]
    burst: usize,
    #[arg(long, default_value = "event:0505")]
    category: String,
    /// Concurrent reporters while creating the burst cases
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// How far ahead the burst second starts (rounded up to a whole second)
    #[arg(long, default_value_t = 5_000)]
    burst_ahead_ms: i64,
    /// Seconds of idle latency sampling
    #[arg(long, default_value_t = 15)]
    sample_s: u64,
    /// Paced GET clients (one POST client runs alongside)
    #[arg(long, default_value_t = 4)]
    readers: usize,
    /// Pause of each latency client between requests
    #[arg(long, default_value_t = 20)]
    pace_ms: u64,
    /// Give up on any wait after this many seconds
    #[arg(long, default_value_t = 900)]
    timeout: u64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn summary(name: &str, mut ms: Vec<f64>, errors: usize) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{name:<30} n={:<6} p50={:>8.1} ms  p99={:>8.1} ms  max={:>8.1} ms  errors={errors}",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

fn proc_status(pid: u32, field: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(|l| l[field.len()..].trim().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn admin_exec(server: &str, sql: &str) -> anyhow::Result<()> {
    let admin = Database::connect(format!("{server}/postgres")).await.context("connect to the Postgres server")?;
    admin.execute_unprepared(sql).await?;
    admin.close().await.ok();
    Ok(())
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await?.context("no row")?;
    Ok(row.try_get::<Option<i64>>("", "n")?.unwrap_or(0))
}

/// The server child and what the clients need to reach it.
struct Server {
    child: Child,
    pid: u32,
    base: String,
}

async fn start_server(args: &Args, url: &str) -> anyhow::Result<Server> {
    let bin = match &args.gridflow {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("gridflow"),
    };
    let mut cmd = Command::new(&bin);
    cmd.arg("serve")
        .env("GRIDFLOW_DATABASE_URL", url)
        .env("GRIDFLOW_JWT_SECRET", "slabench-secret-slabench-secret-0123456789")
        .env("GRIDFLOW_DEMO", "true")
        .env("GRIDFLOW_LISTEN", "127.0.0.1:0")
        .env("GRIDFLOW_NAMESPACE", format!("slabench-{}", &Uuid::new_v4().simple().to_string()[..8]))
        .env("GRIDFLOW_DUPLICATE_RADIUS_M", "0")
        .env("GRIDFLOW_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(u) = &args.amqp_url {
        cmd.env("GRIDFLOW_AMQP_URL", u);
    }
    if let Some(u) = &args.redis_url {
        cmd.env("GRIDFLOW_REDIS_URL", u);
    }
    let mut child = cmd.spawn().with_context(|| format!("start {}", bin.display()))?;
    let pid = child.id().context("server pid")?;
    let mut lines = BufReader::new(child.stdout.take().context("server stdout")?).lines();
    let base = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(url) = line.trim().strip_prefix("Console:") {
                return Ok(url.trim().trim_end_matches('/').to_string());
            }
        }
        bail!("gridflow exited before printing its address")
    })
    .await
    .context("gridflow did not print its address within 120 s")??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let http = reqwest::Client::new();
    let start = Instant::now();
    while http.get(format!("{base}/readyz")).send().await.map(|r| r.status().is_success()).ok() != Some(true) {
        if start.elapsed() > Duration::from_secs(120) {
            bail!("gridflow never became ready");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Server { child, pid, base })
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let res: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": user, "password": format!("{user}-demo") }))
        .send()
        .await?
        .json()
        .await?;
    res["access_token"].as_str().map(str::to_string).context("login failed")
}

/// Inserts the background timers in batches, due from `from_ms` over `span_ms`.
async fn insert_background(db: &DatabaseConnection, args: &Args) -> anyhow::Result<()> {
    let from = now_ms() + args.background_after_s * 1_000;
    let span = (args.days * 86_400_000).max(1);
    let started = Instant::now();
    let mut done = 0u64;
    while done < args.background {
        let n = (args.background - done).min(args.insert_batch.max(1));
        // Three thresholds per synthetic case; md5 of the case number makes a stable UUID.
        let sql = format!(
            "INSERT INTO sla_timers (case_id, clock, generation, kind, due_at_ms, created_at_ms)
             SELECT md5('slabench-' || (g / 3))::uuid::text, 'handle', 1, (ARRAY['50','80','100'])[g % 3 + 1],
                    {from} + (random() * {span})::BIGINT, {now}
             FROM generate_series({lo}, {hi}) AS g",
            now = now_ms(),
            lo = done,
            hi = done + n - 1
        );
        db.execute_unprepared(&sql).await.context("inserting background timers")?;
        done += n;
        eprintln!(
            "background timers: {done}/{} ({:.0}/s)",
            args.background,
            done as f64 / started.elapsed().as_secs_f64().max(1e-9)
        );
    }
    db.execute_unprepared("ANALYZE sla_timers").await?;
    eprintln!("background timers inserted in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Reports `n` cases spread over the demo grids and returns their ids.
async fn report_cases(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    category: &str,
    points: &[(f64, f64)],
    n: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers = (0..concurrency.max(1)).map(|_| {
        let next = Arc::clone(&next);
        async move {
            let mut ids = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(ids);
                }
                let (lat, lon) = points[i % points.len()];
                let body =
                    json!({ "category": category, "lat": lat, "lon": lon, "description": format!("slabench {i}") });
                let res = http.post(format!("{base}/api/v1/cases")).bearer_auth(token).json(&body).send().await?;
                let status = res.status();
                let v: Value = res.json().await?;
                if status.as_u16() != 201 {
                    bail!("report {i}: {status} {v}");
                }
                ids.push(v["id"].as_str().context("id")?.to_string());
                if (i + 1).is_multiple_of(1_000) {
                    eprintln!(
                        "reported {}/{n} ({:.0}/s)",
                        i + 1,
                        (i + 1) as f64 / started.elapsed().as_secs_f64().max(1e-9)
                    );
                }
            }
        }
    });
    let mut ids = vec![];
    for r in join_all(workers).await {
        ids.extend(r?);
    }
    Ok(ids)
}

#[derive(Default)]
struct Latencies {
    get_ms: Vec<f64>,
    post_ms: Vec<f64>,
    errors: usize,
}

/// Paced GET /cases/{id} readers and one POST reporter until `stop`.
async fn sample_api(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    ids: &[String],
    args: &Args,
    point: (f64, f64),
    stop: Arc<AtomicBool>,
) -> Latencies {
    let pace = Duration::from_millis(args.pace_ms);
    let readers = (0..args.readers).map(|r| {
        let stop = Arc::clone(&stop);
        async move {
            let (mut ms, mut errors, mut i) = (vec![], 0, r * 7919);
            while !stop.load(Ordering::Relaxed) {
                i = (i + 104_729) % ids.len().max(1);
                let t = Instant::now();
                let res = http.get(format!("{base}/api/v1/cases/{}", ids[i])).bearer_auth(token).send().await;
                let ok = match res {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    ms.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
                tokio::time::sleep(pace).await;
            }
            (ms, errors)
        }
    });
    let poster = {
        let stop = Arc::clone(&stop);
        async move {
            let (mut ms, mut errors) = (vec![], 0);
            while !stop.load(Ordering::Relaxed) {
                let body = json!({ "category": args.category, "lat": point.0, "lon": point.1, "description": "slabench probe" });
                let t = Instant::now();
                let res = http.post(format!("{base}/api/v1/cases")).bearer_auth(token).json(&body).send().await;
                let ok = match res {
                    Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    ms.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
                tokio::time::sleep(pace).await;
            }
            (ms, errors)
        }
    };
    let (reads, post) = tokio::join!(join_all(readers), poster);
    let mut out = Latencies::default();
    for (ms, e) in reads {
        out.get_ms.extend(ms);
        out.errors += e;
    }
    out.post_ms = post.0;
    out.errors += post.1;
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.pg.starts_with("postgres") {
        bail!("--pg must be a postgres:// server URL");
    }
    let server = args.pg.trim_end_matches('/').to_string();
    let name = format!("gf_slabench_{}", &Uuid::new_v4().simple().to_string()[..12]);
    admin_exec(&server, &format!("CREATE DATABASE {name}")).await?;
    eprintln!("created database {name}");
    let url = format!("{server}/{name}");
    let result = run(&args, &url).await;
    if !args.keep {
        admin_exec(&server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        eprintln!("dropped database {name}");
    }
    result
}

async fn wait_until(
    db: &DatabaseConnection,
    sql: &str,
    secs: u64,
    what: &str,
    done: impl Fn(i64) -> bool,
) -> anyhow::Result<i64> {
    let start = Instant::now();
    loop {
        let n = scalar(db, sql).await?;
        if done(n) {
            return Ok(n);
        }
        if start.elapsed() > Duration::from_secs(secs) {
            bail!("{what}: still {n} after {secs} s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn run(args: &Args, url: &str) -> anyhow::Result<()> {
    let mut srv = start_server(args, url).await?;
    eprintln!("gridflow serve pid {} at {} (VmRSS {})", srv.pid, srv.base, proc_status(srv.pid, "VmRSS:"));
    let db = Database::connect(url).await.context("connect to the bench database")?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).pool_max_idle_per_host(64).build()?;
    let token = login(&http, &srv.base, "worker").await?;
    let grids: Value = http.get(format!("{}/api/v1/grids", srv.base)).bearer_auth(&token).send().await?.json().await?;
    let points: Vec<(f64, f64)> = grids["grids"]
        .as_array()
        .context("no grids")?
        .iter()
        .filter_map(|g| Some((g["centroid"]["lat"].as_f64()?, g["centroid"]["lon"].as_f64()?)))
        .collect();
    let first = *points.first().context("the server has no grids")?;

    insert_background(&db, args).await?;

    let reported = Instant::now();
    let ids = report_cases(&http, &srv.base, &token, &args.category, &points, args.burst, args.concurrency).await?;
    eprintln!("reported {} cases in {:.1} s", ids.len(), reported.elapsed().as_secs_f64());
    let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
    let keys = format!("case_id IN ({list}) AND clock = 'handle' AND generation = 1 AND kind = '50'");
    let armed_sql = format!("SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE {keys}");
    let want = ids.len() as i64;
    wait_until(&db, &armed_sql, args.timeout, "burst cases dispatched (handle timers armed)", |n| n >= want).await?;
    // The burst timers by id, so the polls during the burst stay cheap.
    db.execute_unprepared(&format!(
        "CREATE TABLE slabench_burst AS SELECT id FROM sla_timers WHERE {keys};
         ALTER TABLE slabench_burst ADD PRIMARY KEY (id); ANALYZE slabench_burst"
    ))
    .await?;
    let burst_keys = "id IN (SELECT id FROM slabench_burst)";
    eprintln!("all {want} burst cases dispatched after {:.1} s", reported.elapsed().as_secs_f64());
    let total = scalar(&db, "SELECT COUNT(*)::BIGINT AS n FROM sla_timers").await?;
    let pending = scalar(
        &db,
        "SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE fired_at_ms IS NULL AND cancelled_at_ms IS NULL",
    )
    .await?;
    eprintln!("sla_timers: {total} rows, {pending} pending");
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Idle latency.
    eprintln!("sampling idle API latency for {} s", args.sample_s);
    let stop = Arc::new(AtomicBool::new(false));
    let idle = {
        let stop2 = Arc::clone(&stop);
        let sampler = sample_api(&http, &srv.base, &token, &ids, args, first, Arc::clone(&stop));
        let timer = async move {
            tokio::time::sleep(Duration::from_secs(args.sample_s)).await;
            stop2.store(true, Ordering::Relaxed);
        };
        tokio::join!(sampler, timer).0
    };
    let hwm_idle = proc_status(srv.pid, "VmHWM:");

    // The burst: every burst case's 50 % handle timer due within one second.
    let burst_start = (now_ms() + args.burst_ahead_ms).div_euclid(1_000) * 1_000 + 1_000;
    let moved = db
        .execute_unprepared(&format!(
            "UPDATE sla_timers t SET due_at_ms = {burst_start} + (r.rn * 1000 / {want})
             FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM sla_timers WHERE {burst_keys}) r
             WHERE t.id = r.id AND t.fired_at_ms IS NULL AND t.cancelled_at_ms IS NULL"
        ))
        .await?
        .rows_affected();
    if moved as i64 != want {
        bail!("moved {moved} of {want} burst timers into the burst second");
    }
    let ahead = burst_start - now_ms();
    eprintln!("{moved} thresholds due in [{burst_start}, +1 s), {ahead} ms from now; sampling API latency");
    let stop = Arc::new(AtomicBool::new(false));
    let pending_sql =
        format!("SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE {burst_keys} AND fired_at_ms IS NULL");
    let burst = {
        let stop2 = Arc::clone(&stop);
        let sampler = async {
            // Measure from the burst second on.
            tokio::time::sleep(Duration::from_millis(ahead.max(0) as u64)).await;
            sample_api(&http, &srv.base, &token, &ids, args, first, Arc::clone(&stop)).await
        };
        let watcher = async move {
            let start = Instant::now();
            let mut shown = 0;
            let res = loop {
                match scalar(&db, &pending_sql).await {
                    Ok(0) => break Ok(db),
                    Ok(n) => {
                        let secs = start.elapsed().as_secs();
                        if secs >= shown {
                            eprintln!("burst: {n} pending at {:.1} s", start.elapsed().as_secs_f64());
                            shown = secs + 1;
                        }
                    }
                    Err(e) => break Err(e),
                }
                if start.elapsed() > Duration::from_secs(args.timeout) {
                    break Err(anyhow::anyhow!("burst not drained within {} s", args.timeout));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            stop2.store(true, Ordering::Relaxed);
            res
        };
        tokio::join!(sampler, watcher)
    };
    let (during, db) = (burst.0, burst.1?);
    let hwm = proc_status(srv.pid, "VmHWM:");
    let rss = proc_status(srv.pid, "VmRSS:");

    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT COUNT(*)::BIGINT AS n,
                    (percentile_disc(0.5) WITHIN GROUP (ORDER BY lateness_ms))::BIGINT AS p50,
                    (percentile_disc(0.99) WITHIN GROUP (ORDER BY lateness_ms))::BIGINT AS p99,
                    MAX(lateness_ms)::BIGINT AS max, MAX(fired_at_ms)::BIGINT AS last
                 FROM sla_timers WHERE {burst_keys}"
            ),
        ))
        .await?
        .context("no row")?;
    let get = |c: &str| -> anyhow::Result<i64> { Ok(row.try_get::<Option<i64>>("", c)?.unwrap_or(-1)) };
    let recorded = scalar(
        &db,
        &format!(
            "SELECT COUNT(*)::BIGINT AS n FROM transitions WHERE kind = 'threshold_reached'
             AND case_id IN (SELECT case_id FROM sla_timers WHERE {burst_keys})
             AND body::jsonb #>> '{{event,stage}}' = 'handle' AND body::jsonb #>> '{{event,percent}}' = '50'"
        ),
    )
    .await?;
    let other_fired = scalar(
        &db,
        &format!("SELECT COUNT(*)::BIGINT AS n FROM sla_timers WHERE fired_at_ms IS NOT NULL AND NOT ({burst_keys})"),
    )
    .await?;

    println!("database                       {url}");
    println!(
        "sla_timers                     {total} rows ({} background), {pending} pending before the burst",
        args.background
    );
    println!(
        "burst                          {want} real thresholds (handle 50 %) due within 1 s, moved {ahead} ms ahead"
    );
    println!(
        "burst lateness                 n={} p50={} ms p99={} ms max={} ms",
        get("n")?,
        get("p50")?,
        get("p99")?,
        get("max")?
    );
    let last = get("last")?;
    println!(
        "drain                          last fire {} ms after the first due instant ({} ms after the last)",
        last - burst_start,
        last - (burst_start + 999)
    );
    summary("GET /cases/{id} idle", idle.get_ms, idle.errors);
    summary("GET /cases/{id} during burst", during.get_ms, during.errors);
    summary("POST /cases idle", idle.post_ms, 0);
    summary("POST /cases during burst", during.post_ms, 0);
    println!("server RSS                     VmHWM {hwm} (after idle phase {hwm_idle}), VmRSS now {rss}");
    println!(
        "exactly once                   {recorded} threshold_reached recorded for {want} burst timers; {other_fired} other timers fired"
    );
    let _ = srv.child.start_kill();
    let _ = srv.child.wait().await;
    if recorded != want {
        bail!("{recorded} thresholds recorded for {want} burst timers");
    }
    Ok(())
}
