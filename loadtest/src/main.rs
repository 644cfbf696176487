//! `gridflow-loadtest`: drives a running Gridflow over HTTP. It submits `--cases` reports with
//! `--concurrency` workers spread over the demo district, waits for every case to be dispatched,
//! then prints submission throughput, submission latency percentiles, report→dispatch latency
//! percentiles (from each case's own timeline) and checks that every case was dispatched exactly
//! once. Only ever point it at a server you run yourself (default 127.0.0.1).

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Load generator for Gridflow")]
struct Args {
    /// Base URLs of the replicas (requests go round-robin)
    #[arg(long, default_value = "http://127.0.0.1:8080", value_delimiter = ',')]
    base: Vec<String>,
    #[arg(long, default_value_t = 1000)]
    cases: usize,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    #[arg(long, default_value = "worker")]
    user: String,
    #[arg(long, default_value = "worker-demo")]
    password: String,
    /// Give up waiting for dispatch after this many seconds
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{name:<22} n={:<6} p50={:>8.1} ms  p95={:>8.1} ms  p99={:>8.1} ms  max={:>8.1} ms",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 95.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

async fn login(http: &reqwest::Client, base: &str, user: &str, password: &str) -> anyhow::Result<String> {
    let res: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .with_context(|| format!("cannot reach {base}; is `gridflow serve` running?"))?
        .json()
        .await?;
    res["access_token"].as_str().map(str::to_string).context("login failed: check --user/--password")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let token = login(&http, &args.base[0], &args.user, &args.password).await?;
    let grids: Value =
        http.get(format!("{}/api/v1/grids", args.base[0])).bearer_auth(&token).send().await?.json().await?;
    let points: Vec<(f64, f64)> = grids["grids"]
        .as_array()
        .context("no grids")?
        .iter()
        .filter_map(|g| Some((g["centroid"]["lat"].as_f64()?, g["centroid"]["lon"].as_f64()?)))
        .collect();
    let categories: Value =
        http.get(format!("{}/api/v1/categories", args.base[0])).bearer_auth(&token).send().await?.json().await?;
    let cats: Vec<String> = categories["categories"]
        .as_array()
        .context("no categories")?
        .iter()
        .filter_map(|c| c["code"].as_str().map(str::to_string))
        .collect();
    if points.is_empty() || cats.is_empty() {
        bail!("the server has no grids or categories loaded");
    }

    println!("submitting {} cases with {} workers to {}", args.cases, args.concurrency, args.base.join(", "));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers = (0..args.concurrency).map(|_| {
        let (http, token, next) = (http.clone(), token.clone(), Arc::clone(&next));
        let (base, points, cats, total) = (args.base.clone(), points.clone(), cats.clone(), args.cases);
        async move {
            let mut out = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return out;
                }
                let (lat, lon) = points[i % points.len()];
                let body = json!({ "category": cats[i % cats.len()], "lat": lat, "lon": lon, "description": format!("load test report {i}") });
                let t = Instant::now();
                let res = http.post(format!("{}/api/v1/cases", base[i % base.len()])).bearer_auth(&token).json(&body).send().await;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                let id = match res {
                    Ok(r) if r.status().as_u16() == 201 => r.json::<Value>().await.ok().and_then(|v| v["id"].as_str().map(str::to_string)),
                    _ => None,
                };
                out.push((id, ms));
            }
        }
    });
    let results: Vec<(Option<String>, f64)> = join_all(workers).await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    let ids: Vec<String> = results.iter().filter_map(|(id, _)| id.clone()).collect();
    let failed = results.len() - ids.len();
    println!(
        "submitted {} in {:.2} s: {:.1} cases/s, {failed} failed",
        ids.len(),
        elapsed.as_secs_f64(),
        ids.len() as f64 / elapsed.as_secs_f64()
    );
    summary("submit latency", results.iter().map(|(_, ms)| *ms).collect());

    // Wait for dispatch, then read each timeline once for exact report→dispatch latency.
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    let mut dispatch_ms = vec![];
    let mut wrong = 0;
    for id in &ids {
        loop {
            let case: Value = http
                .get(format!("{}/api/v1/cases/{id}", args.base[0]))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            let timeline = case["timeline"].as_array().cloned().unwrap_or_default();
            let at = |kind: &str| {
                timeline
                    .iter()
                    .filter(|t| t["type"] == kind)
                    .filter_map(|t| t["at"].as_str())
                    .filter_map(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .collect::<Vec<_>>()
            };
            let dispatched = at("dispatched");
            if !dispatched.is_empty() || case["status"] == "registered" {
                if dispatched.len() > 1 {
                    wrong += 1;
                }
                if let (Some(r), Some(d)) = (at("reported").first(), dispatched.first()) {
                    dispatch_ms.push((*d - *r).num_milliseconds() as f64);
                }
                break;
            }
            if Instant::now() > deadline {
                bail!("case {id} not dispatched within {} s", args.timeout);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    summary("report → dispatch", dispatch_ms);
    println!("correctness: {} cases, {wrong} dispatched more than once", ids.len());
    if wrong > 0 || failed > 0 {
        bail!("load test found errors");
    }
    Ok(())
}
