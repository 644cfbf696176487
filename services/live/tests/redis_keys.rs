//! Redis-only behaviour the generic contract cannot see: the documented key layout, tombstone
//! TTLs, data loss caused outside the adapter, namespace isolation, and connection failures.

mod common;

use common::{TEST_TIMEOUT, id, redis_config, redis_url, run, view};
use gridflow_domain::CaseState::{Closed, Dispatched, Reopened};
use gridflow_domain::ports::{LiveState, TRIAGE_QUEUE};
use gridflow_live::{RedisConfig, RedisLive};
use redis::aio::MultiplexedConnection;

/// A plain connection that bypasses the adapter, to inspect or damage its keys.
async fn raw() -> MultiplexedConnection {
    let client = redis::Client::open(redis_url()).expect("redis url");
    client.get_multiplexed_async_connection().await.expect("raw redis connection")
}

async fn query<T: redis::FromRedisValue>(conn: &mut MultiplexedConnection, args: &[&str]) -> T {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query_async(conn).await.expect("raw redis command")
}

async fn connect(cfg: RedisConfig) -> RedisLive {
    RedisLive::connect(cfg).await.expect("connect")
}

#[tokio::test]
async fn key_layout_matches_the_documentation() {
    let cfg = redis_config();
    let p = cfg.prefix.clone();
    run(connect(cfg).await, |live| async move {
        let (c, d) = (id(1), id(2));
        assert!(live.upsert(&view(c, 7, Dispatched, Some("roads"), Some(123))).await.expect("upsert"));
        assert!(live.upsert(&view(d, 1, Dispatched, Some("roads"), None)).await.expect("upsert"));
        live.mark_built().await.expect("mark_built");

        let mut conn = raw().await;
        let case_key = format!("{p}:case:{{{c}}}");
        let version: String = query(&mut conn, &["HGET", &case_key, "version"]).await;
        assert_eq!(version, "7");
        let queue: String = query(&mut conn, &["HGET", &case_key, "queue"]).await;
        assert_eq!(queue, "roads");
        let queue_key = format!("{p}:queue:roads");
        let score: f64 = query(&mut conn, &["ZSCORE", &queue_key, &c.to_string()]).await;
        assert_eq!(score, 123.0);
        let score: f64 = query(&mut conn, &["ZSCORE", &queue_key, &d.to_string()]).await;
        assert!(score.is_infinite() && score > 0.0, "no due time sorts last");
        let open: bool = query(&mut conn, &["SISMEMBER", &format!("{p}:open"), &c.to_string()]).await;
        assert!(open);
        let built: bool = query(&mut conn, &["EXISTS", &format!("{p}:built")]).await;
        assert!(built);
        // Nothing escapes the namespace.
        let keys: Vec<String> = query(&mut conn, &["KEYS", &format!("{p}:*")]).await;
        assert_eq!(keys.len(), 5, "unexpected keys {keys:?}");
    })
    .await;
}

#[tokio::test]
async fn terminal_case_expires_and_reopen_keeps_it() {
    let cfg = redis_config();
    let p = cfg.prefix.clone();
    run(connect(cfg).await, |live| async move {
        let c = id(3);
        let case_key = format!("{p}:case:{{{c}}}");
        let mut conn = raw().await;
        assert!(live.upsert(&view(c, 1, Dispatched, Some("roads"), Some(5))).await.expect("upsert"));
        let ttl: i64 = query(&mut conn, &["TTL", &case_key]).await;
        assert_eq!(ttl, -1, "open cases never expire");

        assert!(live.upsert(&view(c, 2, Closed, Some("roads"), Some(5))).await.expect("upsert"));
        let ttl: i64 = query(&mut conn, &["TTL", &case_key]).await;
        assert!((1..=7 * 24 * 3600).contains(&ttl), "tombstone ttl {ttl}");
        let queue_exists: bool = query(&mut conn, &["EXISTS", &format!("{p}:queue:roads")]).await;
        assert!(!queue_exists, "an emptied queue leaves no key behind");

        assert!(live.upsert(&view(c, 3, Reopened, None, None)).await.expect("upsert"));
        let ttl: i64 = query(&mut conn, &["TTL", &case_key]).await;
        assert_eq!(ttl, -1, "a reopened case must not expire");
        assert_eq!(live.queue(TRIAGE_QUEUE, 10).await.expect("queue").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn data_deleted_behind_the_adapters_back_means_rebuild() {
    let cfg = redis_config();
    let p = cfg.prefix.clone();
    run(connect(cfg).await, |live| async move {
        let c = id(4);
        assert!(live.upsert(&view(c, 9, Dispatched, Some("roads"), Some(1))).await.expect("upsert"));
        live.mark_built().await.expect("mark_built");
        assert!(live.is_built().await.expect("is_built"));

        // Simulate a FLUSHALL/restart limited to this namespace, without the adapter's help.
        let mut conn = raw().await;
        let keys: Vec<String> = query(&mut conn, &["KEYS", &format!("{p}:*")]).await;
        assert!(!keys.is_empty());
        let mut del = redis::cmd("DEL");
        del.arg(&keys);
        let _: usize = del.query_async(&mut conn).await.expect("del");

        assert!(!live.is_built().await.expect("is_built"));
        assert_eq!(live.get(c).await.expect("get"), None);
        assert!(live.open_ids().await.expect("open").is_empty());
        assert!(live.queue("roads", 10).await.expect("queue").is_empty());
        // The same connection keeps working and the rebuild's replay applies from version 1.
        assert!(live.upsert(&view(c, 1, Dispatched, Some("roads"), Some(1))).await.expect("upsert"));
        assert_eq!(live.queue("roads", 10).await.expect("queue").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn clearing_one_namespace_leaves_others_alone() {
    let (a, b) = (connect(redis_config()).await, connect(redis_config()).await);
    let b_probe = b.clone();
    run(b, |b| async move {
        a.mark_built().await.expect("mark_built");
        assert!(a.upsert(&view(id(5), 1, Dispatched, Some("x"), None)).await.expect("upsert"));
        b.mark_built().await.expect("mark_built");
        assert!(b.upsert(&view(id(5), 1, Dispatched, Some("x"), None)).await.expect("upsert"));

        b.clear_namespace().await.expect("clear");
        assert!(!b.is_built().await.expect("is_built"));
        assert!(a.is_built().await.expect("is_built"), "other namespace must survive");
        assert_eq!(a.open_ids().await.expect("open"), vec![id(5)]);
        a.clear_namespace().await.expect("clear");
    })
    .await;
    assert!(!b_probe.is_built().await.expect("is_built"));
}

#[tokio::test]
async fn bad_prefix_and_unreachable_server_are_errors() {
    for prefix in ["", "a{b}", "a*", "x?"] {
        let cfg = RedisConfig { url: redis_url(), prefix: prefix.into() };
        assert!(RedisLive::connect(cfg).await.is_err(), "prefix {prefix:?} accepted");
    }
    let cfg = RedisConfig {
        // Port 1 is never a Redis server; the connect must fail, not hang.
        url: "redis://127.0.0.1:1".into(),
        prefix: "t-unreachable".into(),
    };
    let result = tokio::time::timeout(TEST_TIMEOUT, RedisLive::connect(cfg))
        .await
        .expect("connect to a dead server must fail within the timeout");
    assert!(result.is_err());
}
