//! Test harness: isolated backends per test (own SQLite file or Postgres database, own RabbitMQ
//! and Redis namespace) and a running Gridflow on port 0, driven over real HTTP.
#![allow(dead_code)]

use gridflow::Config;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub fn pg_admin_url() -> String {
    std::env::var("GRIDFLOW_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}
pub fn amqp_url() -> String {
    std::env::var("GRIDFLOW_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}
pub fn redis_url() -> String {
    std::env::var("GRIDFLOW_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Runs a whole test body under a deadline, so a hang anywhere fails the test with its name.
pub async fn within<F: std::future::Future<Output = ()>>(secs: u64, what: &str, body: F) {
    assert!(
        tokio::time::timeout(Duration::from_secs(secs), body).await.is_ok(),
        "{what} did not finish within {secs} s"
    );
}

/// The backends one test owns.
#[derive(Clone, Debug)]
pub struct Backends {
    pub database_url: String,
    pub amqp_url: Option<String>,
    pub redis_url: Option<String>,
    pub namespace: String,
    /// GRIDFLOW_DUPLICATE_RADIUS_M: 0 (off) unless a scenario is about duplicate detection, so
    /// scenarios may report several cases at one spot without them being held at intake.
    pub duplicate_radius_m: u32,
    /// GRIDFLOW_WEBHOOK_URL: unset unless a test receives webhooks.
    pub webhook_url: Option<String>,
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

/// A fresh SQLite file, in-process bus and in-memory live state.
pub fn embedded() -> Backends {
    let dir = std::env::temp_dir().join("gridflow-tests");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}.db", unique()));
    Backends {
        database_url: format!("sqlite://{}?mode=rwc", path.display()),
        amqp_url: None,
        redis_url: None,
        namespace: format!("t-{}", unique()),
        duplicate_radius_m: 0,
        webhook_url: None,
    }
}

/// Creates an empty Postgres database named `gf_test_<random>` and returns its URL.
pub async fn fresh_postgres() -> String {
    let name = format!("gf_test_{}", unique());
    let admin =
        Database::connect(format!("{}/postgres", pg_admin_url())).await.expect("connect to Postgres (is it running?)");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
    admin.close().await.ok();
    format!("{}/{name}", pg_admin_url())
}

/// Drops a database made by `fresh_postgres` (best effort; `tests/run.sh` sweeps leftovers).
pub async fn drop_postgres(url: &str) {
    let Some(name) = url.strip_prefix(&format!("{}/", pg_admin_url())) else { return };
    if let Ok(admin) = Database::connect(format!("{}/postgres", pg_admin_url())).await {
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        admin.close().await.ok();
    }
}

/// A fresh Postgres database plus RabbitMQ and Redis under a fresh namespace.
pub async fn production() -> Backends {
    Backends {
        database_url: fresh_postgres().await,
        amqp_url: Some(amqp_url()),
        redis_url: Some(redis_url()),
        namespace: format!("t-{}", unique()),
        duplicate_radius_m: 0,
        webhook_url: None,
    }
}

impl Backends {
    /// Best effort: drops the database, the broker namespace and the Redis keys of this test, so
    /// repeated runs do not pile up quorum queues and databases on the shared servers.
    pub async fn cleanup(&self) {
        if tokio::time::timeout(Duration::from_secs(60), self.cleanup_unbounded()).await.is_err() {
            eprintln!("warning: cleaning up {} took over 60 s; left for tests/run.sh to sweep", self.namespace);
        }
    }

    async fn cleanup_unbounded(&self) {
        if let Some(url) = &self.amqp_url {
            let cfg = gridflow_bus::AmqpConfig { url: url.clone(), prefix: self.namespace.clone() };
            if let Ok(Ok(bus)) =
                tokio::time::timeout(Duration::from_secs(10), gridflow_bus::AmqpBus::connect(cfg)).await
            {
                use gridflow_domain::ports::Bus;
                let _ = bus.declare(&gridflow_engine::topology()).await;
                let _ = bus.teardown().await;
                bus.close().await;
            }
        }
        if let Some(url) = &self.redis_url {
            let cfg = gridflow_live::RedisConfig { url: url.clone(), prefix: self.namespace.clone() };
            if let Ok(live) = gridflow_live::RedisLive::connect(cfg).await {
                let _ = live.clear_namespace().await;
            }
        }
        if let Some(name) = self.database_url.strip_prefix(&format!("{}/", pg_admin_url())) {
            if let Ok(admin) = Database::connect(format!("{}/postgres", pg_admin_url())).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                admin.close().await.ok();
            }
        } else if let Some(path) = self.database_url.strip_prefix("sqlite://").and_then(|p| p.split('?').next()) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }

    pub fn env(&self, listen: &str) -> HashMap<String, String> {
        let mut env = HashMap::from([
            ("GRIDFLOW_DATABASE_URL".to_string(), self.database_url.clone()),
            ("GRIDFLOW_LISTEN".to_string(), listen.to_string()),
            ("GRIDFLOW_JWT_SECRET".to_string(), JWT_SECRET.to_string()),
            ("GRIDFLOW_NAMESPACE".to_string(), self.namespace.clone()),
            ("GRIDFLOW_DEMO".to_string(), "true".to_string()),
            ("GRIDFLOW_DUPLICATE_RADIUS_M".to_string(), self.duplicate_radius_m.to_string()),
        ]);
        if let Some(u) = &self.amqp_url {
            env.insert("GRIDFLOW_AMQP_URL".into(), u.clone());
        }
        if let Some(u) = &self.redis_url {
            env.insert("GRIDFLOW_REDIS_URL".into(), u.clone());
        }
        if let Some(u) = &self.webhook_url {
            env.insert("GRIDFLOW_WEBHOOK_URL".into(), u.clone());
        }
        env
    }
}

/// An HTTP client bound to one Gridflow instance.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

/// A Gridflow instance running inside the test process.
pub struct TestApp {
    pub api: Api,
    pub backends: Backends,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

pub async fn spawn_app(backends: &Backends) -> TestApp {
    let cfg = Config::from_map(&backends.env("127.0.0.1:0")).expect("valid test config");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.set_nonblocking(true).expect("nonblocking listener");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(gridflow::run(cfg, listener, shutdown.clone()));
    let app = TestApp { api: Api::new(base), backends: backends.clone(), shutdown, task };
    app.wait_healthy(Duration::from_secs(30)).await;
    app
}

impl TestApp {
    async fn wait_healthy(&self, within: Duration) {
        let start = Instant::now();
        while start.elapsed() < within {
            let res = self.http.get(format!("{}/healthz", self.base)).send().await;
            if res.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(!self.task.is_finished(), "gridflow stopped during start-up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("gridflow did not become healthy within {within:?}");
    }

    /// Stops the server and its workers, waits for them, and removes the test's backends.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let res = tokio::time::timeout(Duration::from_secs(30), self.task).await;
        assert!(res.is_ok(), "gridflow did not stop within 30 s");
        self.backends.cleanup().await;
    }
}

impl Api {
    /// Every request is bounded, so a stuck server fails the test instead of hanging the suite.
    pub fn new(base: String) -> Api {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client");
        Api { base, http }
    }

    pub async fn login(&self, user: &str) -> String {
        let (status, body) = self
            .post("/api/v1/auth/login", None, json!({ "username": user, "password": format!("{user}-demo") }))
            .await;
        assert_eq!(status, StatusCode::OK, "login {user}: {body}");
        body["access_token"].as_str().expect("access_token").to_string()
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.expect("HTTP request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)).bearer_auth(token)).await
    }

    /// Submits a report at the centre of grid 110101001001001 (row 1, column 1 of the demo district).
    pub async fn submit(&self, token: &str, category: &str) -> String {
        let body = json!({ "category": category, "lat": 39.92016480496015, "lon": 116.39389718115333, "description": "test report" });
        let (status, body) = self.post("/api/v1/cases", Some(token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().expect("id").to_string()
    }

    pub async fn act(&self, token: &str, id: &str, action: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/cases/{id}/actions"), Some(token), action).await
    }

    /// Applies an action that must succeed and returns the case it produced.
    pub async fn must_act(&self, token: &str, id: &str, action: Value) -> Value {
        let (status, body) = self.act(token, id, action.clone()).await;
        assert_eq!(status, StatusCode::OK, "{action} → {body}");
        body
    }

    pub async fn case(&self, token: &str, id: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/cases/{id}"), token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Polls until the case reaches `status`, failing after `within`.
    pub async fn wait_status(&self, token: &str, id: &str, status: &str, within: Duration) -> Value {
        let start = Instant::now();
        loop {
            let case = self.case(token, id).await;
            if case["status"] == status {
                return case;
            }
            assert!(start.elapsed() < within, "case {id} stayed `{}` instead of `{status}`", case["status"]);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
