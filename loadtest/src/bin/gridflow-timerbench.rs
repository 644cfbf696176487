//! `gridflow-timerbench`: load test of the durable SLA timers on Postgres, through the `Timers`
//! port of `gridflow-store` (the code the service runs).
//!
//! 1. Arms `--timers` timers (default 1,000,000: three thresholds per synthetic case) spread
//!    uniformly over the next `--days` days, in batches of `--arm-batch` (multi-row INSERTs),
//!    with a progress line on stderr.
//! 2. Arms a burst of `--burst` timers (default 10,000) all due within one wall-clock second,
//!    `--burst-ahead-ms` from now.
//! 3. Runs `--workers` claim workers (default 2), each claiming `--batch` due timers at a time
//!    with a lease and marking each fired (`--inflight` marks at once), until the burst is fired.
//!
//! Reports arm throughput, firing lateness (fired_at − due_at) p50/p99/max for the burst, the time
//! to drain it, claims/s, claim query latency, and the process's peak RSS (VmHWM). Only ever point
//! it at a database server you run yourself; `--fresh` creates (and afterwards drops, unless
//! `--keep`) a database of its own next to the one in the URL.
#![allow(clippy::unwrap_used)]

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Parser;
use futures_util::future::join_all;
use gridflow_domain::ports::{TimerSpec, Timers};
use gridflow_store::SeaStore;
use sea_orm::{ConnectionTrait, Database};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Parser)]
#[command(about = "Load test of Gridflow's durable SLA timers on Postgres")]
struct Args {
    /// Postgres URL (a database on it; with --fresh, only the server part is used)
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/gridflow_timerbench")]
    database_url: String,
    /// Create a fresh database for the run (dropped afterwards unless --keep)
    #[arg(long)]
    fresh: bool,
    #[arg(long)]
    keep: bool,
    /// Timers spread over the next --days days
    #[arg(long, default_value_t = 1_000_000)]
    timers: u64,
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// Timers per arm() call
    #[arg(long, default_value_t = 10_000)]
    arm_batch: usize,
    /// Timers due within the same second
    #[arg(long, default_value_t = 10_000)]
    burst: u64,
    /// How far ahead the burst second starts (rounded up to a whole second)
    #[arg(long, default_value_t = 5_000)]
    burst_ahead_ms: i64,
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Timers per claim
    #[arg(long, default_value_t = 500)]
    batch: u64,
    #[arg(long, default_value_t = 30_000)]
    lease_ms: i64,
    /// Concurrent mark_fired calls per worker
    #[arg(long, default_value_t = 4)]
    inflight: usize,
    /// Pause of a worker after an empty claim
    #[arg(long, default_value_t = 10)]
    poll_ms: u64,
    /// Give up waiting for the burst after this many seconds
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

/// splitmix64: reproducible spread without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn summary(name: &str, mut v: Vec<i64>, unit: &str) {
    v.sort_unstable();
    println!(
        "{name:<28} n={:<7} p50={:>7} {unit}  p99={:>7} {unit}  max={:>7} {unit}",
        v.len(),
        percentile(&v, 50.0),
        percentile(&v, 99.0),
        v.last().copied().unwrap_or(0)
    );
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l["VmHWM:".len()..].trim().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn admin_exec(server: &str, sql: &str) -> anyhow::Result<()> {
    let admin = Database::connect(format!("{server}/postgres")).await.context("connect to the Postgres server")?;
    admin.execute_unprepared(sql).await?;
    admin.close().await.ok();
    Ok(())
}

#[derive(Default)]
struct WorkerStats {
    claims: u64,
    claimed: u64,
    fired: u64,
    lost: u64,
    /// Lateness of every timer this worker fired (ms).
    lateness: Vec<i64>,
    /// Claim calls that returned rows / nothing (µs).
    claim_busy_us: Vec<i64>,
    claim_idle_us: Vec<i64>,
    first_claim: Option<Instant>,
    last_fire: Option<Instant>,
}

async fn worker(
    store: SeaStore,
    owner: String,
    args: Arc<Args>,
    fired_total: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<WorkerStats> {
    let mut st = WorkerStats::default();
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        let due = store.claim_due(&owner, Utc::now(), args.batch, args.lease_ms).await?;
        let took = t.elapsed().as_micros() as i64;
        st.claims += 1;
        if due.is_empty() {
            st.claim_idle_us.push(took);
            tokio::time::sleep(Duration::from_millis(args.poll_ms)).await;
            continue;
        }
        st.claim_busy_us.push(took);
        st.first_claim.get_or_insert(t);
        st.claimed += due.len() as u64;
        for chunk in due.chunks(args.inflight.max(1)) {
            let results = join_all(chunk.iter().map(|timer| {
                let (store, owner) = (&store, &owner);
                async move {
                    let at: DateTime<Utc> = Utc::now();
                    let won = store.mark_fired(timer.id, owner, at).await?;
                    Ok::<_, anyhow::Error>((won, (at - timer.due_at).num_milliseconds()))
                }
            }))
            .await;
            for r in results {
                let (won, late) = r?;
                if won {
                    st.fired += 1;
                    st.lateness.push(late);
                } else {
                    st.lost += 1;
                }
            }
        }
        st.last_fire = Some(Instant::now());
        fired_total.fetch_add(due.len() as u64, Ordering::Relaxed);
    }
    Ok(st)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let (server, name) = args.database_url.rsplit_once('/').context("--database-url must name a database")?;
    if !args.database_url.starts_with("postgres") {
        bail!("gridflow-timerbench measures Postgres; give a postgres:// URL");
    }
    let url = if args.fresh {
        let fresh = format!("gf_timerbench_{}", &Uuid::new_v4().simple().to_string()[..12]);
        admin_exec(server, &format!("CREATE DATABASE {fresh}")).await?;
        eprintln!("created database {fresh}");
        format!("{server}/{fresh}")
    } else {
        format!("{server}/{name}")
    };
    let result = run(&args, &url).await;
    if args.fresh && !args.keep {
        let fresh = url.rsplit_once('/').map(|(_, n)| n.to_string()).unwrap_or_default();
        admin_exec(server, &format!("DROP DATABASE IF EXISTS {fresh} WITH (FORCE)")).await?;
        eprintln!("dropped database {fresh}");
    }
    result
}

async fn run(args: &Arc<Args>, url: &str) -> anyhow::Result<()> {
    let store = SeaStore::connect(url).await.context("connect")?;
    store.migrate().await.context("migrate")?;

    // 1. The background population: three thresholds per case, due over the next days.
    let mut rng = Rng(0x5eed);
    let start = Utc::now().timestamp_millis() + 60_000;
    let span = (args.days * 86_400_000).max(1) as u64;
    let arm_started = Instant::now();
    let (mut armed, mut case) = (0u64, Uuid::new_v4());
    while armed < args.timers {
        let n = (args.timers - armed).min(args.arm_batch as u64);
        let specs: Vec<TimerSpec> = (0..n)
            .map(|i| {
                let k = (armed + i) % 3;
                if k == 0 {
                    case = Uuid::new_v4();
                }
                TimerSpec {
                    case_id: case,
                    clock: "handle".into(),
                    generation: 1,
                    kind: ["50", "80", "100"][k as usize].into(),
                    due_at: DateTime::from_timestamp_millis(start + (rng.next() % span) as i64).unwrap(),
                }
            })
            .collect();
        armed += store.arm(&specs).await?;
        let secs = arm_started.elapsed().as_secs_f64();
        eprint!("\rarmed {armed}/{} ({:.0} timers/s)   ", args.timers, armed as f64 / secs.max(1e-9));
        std::io::stderr().flush().ok();
    }
    let arm_time = arm_started.elapsed();
    eprintln!();
    let analyze = Instant::now();
    store.connection().execute_unprepared("ANALYZE sla_timers").await?;
    let analyze_time = analyze.elapsed();

    // 2. The burst: every timer due within one wall-clock second, a few seconds ahead.
    let now = Utc::now().timestamp_millis();
    let burst_start = (now + args.burst_ahead_ms).div_euclid(1_000) * 1_000 + 1_000;
    let specs: Vec<TimerSpec> = (0..args.burst)
        .map(|i| TimerSpec {
            case_id: Uuid::new_v4(),
            clock: "handle".into(),
            generation: 1,
            kind: "100".into(),
            due_at: DateTime::from_timestamp_millis(burst_start + (i as i64 * 1_000 / args.burst.max(1) as i64))
                .unwrap(),
        })
        .collect();
    let burst_arm = Instant::now();
    let new = store.arm(&specs).await?;
    let burst_arm_time = burst_arm.elapsed();
    if new != args.burst {
        bail!("armed {new} of {} burst timers", args.burst);
    }
    let ahead = burst_start - Utc::now().timestamp_millis();
    if ahead <= 0 {
        eprintln!("warning: arming the burst took longer than --burst-ahead-ms; lateness includes it");
    }

    // 3. The claim workers.
    let (fired_total, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
    let workers: Vec<_> = (0..args.workers)
        .map(|w| {
            tokio::spawn(worker(
                store.clone(),
                format!("bench-{w}"),
                Arc::clone(args),
                Arc::clone(&fired_total),
                Arc::clone(&stop),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    while fired_total.load(Ordering::Relaxed) < args.burst {
        if Instant::now() > deadline {
            stop.store(true, Ordering::Relaxed);
            bail!(
                "only {} of {} burst timers fired in {} s",
                fired_total.load(Ordering::Relaxed),
                args.burst,
                args.timeout
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drained_at = Utc::now().timestamp_millis();
    stop.store(true, Ordering::Relaxed);
    let mut stats = vec![];
    for w in workers {
        stats.push(w.await??);
    }

    // Cross-check in the database: every burst timer fired exactly once, nothing else fired.
    let row = store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT COUNT(*) AS n, MAX(fired_at_ms) AS last FROM sla_timers WHERE fired_at_ms IS NOT NULL",
        ))
        .await?
        .context("no row")?;
    let (db_fired, db_last): (i64, Option<i64>) = (row.try_get("", "n")?, row.try_get("", "last")?);
    let overdue = Instant::now();
    let (overdue_n, _) = store.overdue_unfired(Utc::now()).await?;
    let overdue_time = overdue.elapsed();

    let fired: u64 = stats.iter().map(|s| s.fired).sum();
    let claimed: u64 = stats.iter().map(|s| s.claimed).sum();
    let lost: u64 = stats.iter().map(|s| s.lost).sum();
    let first_claim = stats.iter().filter_map(|s| s.first_claim).min();
    let last_fire = stats.iter().filter_map(|s| s.last_fire).max();
    let active = match (first_claim, last_fire) {
        (Some(a), Some(b)) => b.duration_since(a),
        _ => Duration::ZERO,
    };

    println!("database                     {url}");
    println!(
        "arm                          {} timers in {:.1} s = {:.0} timers/s (batches of {}), ANALYZE {:.0} ms",
        args.timers,
        arm_time.as_secs_f64(),
        args.timers as f64 / arm_time.as_secs_f64().max(1e-9),
        args.arm_batch,
        ms(analyze_time)
    );
    println!(
        "burst                        {} timers due within 1 s, armed in {:.0} ms, {} ms ahead of the first due",
        args.burst,
        ms(burst_arm_time),
        ahead
    );
    println!(
        "workers                      {} × claim batch {}, {} marks in flight each, poll {} ms",
        args.workers, args.batch, args.inflight, args.poll_ms
    );
    summary("burst lateness", stats.iter().flat_map(|s| s.lateness.iter().copied()).collect(), "ms");
    println!(
        "drain                        last fire {} ms after the first due instant ({} ms after the last)",
        drained_at.min(db_last.unwrap_or(drained_at)) - burst_start,
        db_last.unwrap_or(drained_at) - (burst_start + 999)
    );
    println!(
        "claims                       {claimed} claimed, {fired} fired, {lost} lost races; {:.0} timers/s claimed+fired over {:.0} ms of work",
        claimed as f64 / active.as_secs_f64().max(1e-9),
        ms(active)
    );
    for (w, s) in stats.iter().enumerate() {
        println!("  worker {w:<2}                  {} claim calls, {} fired", s.claims, s.fired);
    }
    summary("claim call (rows returned)", stats.iter().flat_map(|s| s.claim_busy_us.iter().copied()).collect(), "µs");
    summary("claim call (none due)", stats.iter().flat_map(|s| s.claim_idle_us.iter().copied()).collect(), "µs");
    println!(
        "overdue_unfired              {overdue_n} overdue, query {:.1} ms over {} rows",
        ms(overdue_time),
        args.timers + args.burst
    );
    println!("db check                     {db_fired} rows fired (expected {})", args.burst);
    println!("peak RSS (VmHWM)             {}", vm_hwm());
    if db_fired as u64 != args.burst || fired != args.burst {
        bail!("fired {fired} in the workers and {db_fired} in the database, expected {}", args.burst);
    }
    Ok(())
}
