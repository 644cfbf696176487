//! Shared test fixtures: builders for views and a per-test Redis namespace with cleanup.

#![allow(dead_code)] // each test binary uses a different subset

use gridflow_domain::CaseState;
use gridflow_domain::ports::{LiveCase, LiveError};
use gridflow_live::{MemoryLive, RedisConfig, RedisLive};
use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

/// Upper bound for any single test body; a hung backend must fail the test, not stall CI.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn redis_url() -> String {
    std::env::var("GRIDFLOW_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A fresh namespace per test so parallel tests never see each other's keys.
pub fn redis_config() -> RedisConfig {
    RedisConfig { url: redis_url(), prefix: format!("t-{}", Uuid::new_v4()) }
}

pub async fn redis_live() -> RedisLive {
    tokio::time::timeout(TEST_TIMEOUT, RedisLive::connect(redis_config()))
        .await
        .expect("connecting to redis timed out")
        .expect("redis must be reachable (set GRIDFLOW_TEST_REDIS_URL)")
}

/// Lets the contract call each adapter's inherent `clear_namespace`.
pub trait Wipe {
    fn wipe(&self) -> impl Future<Output = Result<(), LiveError>> + Send;
}

impl Wipe for MemoryLive {
    fn wipe(&self) -> impl Future<Output = Result<(), LiveError>> + Send {
        self.clear_namespace()
    }
}

impl Wipe for RedisLive {
    fn wipe(&self) -> impl Future<Output = Result<(), LiveError>> + Send {
        self.clear_namespace()
    }
}

/// Runs `body` with a timeout, then clears the namespace even if the body panicked or hung,
/// and finally re-raises the body's failure.
pub async fn run<L, F, Fut>(live: L, body: F)
where
    L: Wipe + Clone,
    F: FnOnce(L) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::time::timeout(TEST_TIMEOUT, tokio::spawn(body(live.clone()))).await;
    tokio::time::timeout(TEST_TIMEOUT, live.wipe()).await.expect("cleanup timed out").expect("cleanup failed");
    match outcome {
        Err(_) => panic!("test body timed out after {TEST_TIMEOUT:?}"),
        Ok(Err(join)) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Ok(Err(join)) => panic!("test body cancelled: {join}"),
        Ok(Ok(())) => {}
    }
}

/// Ids with a chosen order, so tie-breaking by id is checkable.
pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn view(id: Uuid, version: i64, state: CaseState, department: Option<&str>, due_at_ms: Option<i64>) -> LiveCase {
    LiveCase {
        id,
        version,
        state,
        category: "pothole".into(),
        grid: Some("g-7".into()),
        department: department.map(str::to_owned),
        due_at_ms,
        updated_at_ms: 1_700_000_000_000 + version,
    }
}
