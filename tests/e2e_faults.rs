//! Fault injection: the store becomes unreachable (a TCP proxy in front of Postgres is cut) and
//! comes back. Readiness must follow it, requests must get 503 `store_unavailable` rather than a 500
//! or a hang, and service must resume without a restart.
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy to Postgres that can refuse and sever connections on demand.
struct CuttableProxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl CuttableProxy {
    async fn start(target: &'static str) -> CuttableProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let (up2, cut2) = (Arc::clone(&up), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropping the socket refuses the connection
                }
                let mut severed = cut2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = severed.changed() => {}
                    }
                });
            }
        });
        CuttableProxy { port, up, cut }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut.send_modify(|n| *n += 1);
        }
    }
}

async fn ready(app: &common::TestApp) -> u16 {
    let res = tokio::time::timeout(Duration::from_secs(20), app.http.get(format!("{}/readyz", app.base)).send()).await;
    res.expect("readyz answered in time").unwrap().status().as_u16()
}

async fn store_outage_gives_503_and_recovers_body() {
    let proxy = CuttableProxy::start("127.0.0.1:5432").await;
    let mut backends = common::production().await;
    let direct = backends.database_url.clone();
    let (_, db) = direct.rsplit_once('/').unwrap();
    backends.database_url = format!("postgres://postgres@127.0.0.1:{}/{db}", proxy.port);
    let app = common::spawn_app(&backends).await;
    let worker = app.login("worker").await;
    assert_eq!(ready(&app).await, 200);

    proxy.set_up(false);
    let start = Instant::now();
    while ready(&app).await != 503 {
        assert!(start.elapsed() < Duration::from_secs(30), "readyz never noticed the outage");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let body = json!({ "category": "event:0505", "lat": 39.92016480496015, "lon": 116.39389718115333, "description": "during outage" });
    let (status, err) = tokio::time::timeout(Duration::from_secs(30), app.post("/api/v1/cases", Some(&worker), body))
        .await
        .expect("a submission during the outage is answered, not left hanging");
    assert_eq!(status.as_u16(), 503, "{err}");
    assert_eq!(err["code"], "store_unavailable");

    proxy.set_up(true);
    let start = Instant::now();
    while ready(&app).await != 200 {
        assert!(start.elapsed() < Duration::from_secs(30), "readyz never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let id = app.submit(&worker, "event:0505").await;
    app.wait_status(&worker, &id, "dispatched", Duration::from_secs(15)).await;
    // The submission refused during the outage left nothing behind.
    let dispatcher = app.login("dispatcher").await;
    let (_, page) = app.get("/api/v1/cases?limit=200", &dispatcher).await;
    assert_eq!(page["cases"].as_array().unwrap().len(), 1);
    app.stop().await;
    // The app knew the database by its proxy URL; drop it by its direct one.
    backends.database_url = direct;
    backends.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_outage_gives_503_and_recovers() {
    common::within(240, "store_outage_gives_503_and_recovers", store_outage_gives_503_and_recovers_body()).await;
}
