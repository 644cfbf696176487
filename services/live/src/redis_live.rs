//! Redis-backed live state, shared by every API node.
//!
//! Key layout (every key starts with `<prefix>:` so deployments and parallel tests can share one
//! server; `clear_namespace` relies on that):
//!
//! | key                         | type   | content                                            |
//! |-----------------------------|--------|----------------------------------------------------|
//! | `<prefix>:case:{<id>}`      | hash   | `version`, `data` (view JSON), `queue` (if queued) |
//! | `<prefix>:queue:<name>`     | zset   | case ids scored by due ms (`+inf` = no due time)   |
//! | `<prefix>:open`             | set    | ids of open cases                                  |
//! | `<prefix>:built`            | string | rebuild marker                                     |
//!
//! Why a hash of `version` + `data` JSON rather than one field per view attribute: the upsert
//! script needs only the version and the current queue, so it never has to parse the view (no
//! `cjson` in the hot path) and does not change when `LiveCase` gains a field; readers always want
//! the whole view, which one `HGET` of the JSON gives them.
//!
//! Redis Cluster: the `{<id>}` hash tag keeps everything about one case in one slot. The queue
//! zsets and the open set span cases, so on a cluster they would be sharded by department (a
//! `{<name>}` tag per queue) and the upsert split into a per-case guarded script plus idempotent
//! queue moves; one script over all of them, as here, needs a single-shard Redis. The scripts
//! also derive the old queue's key from stored data, which standalone Redis allows.

use crate::membership::queue_of;
use async_trait::async_trait;
use gridflow_domain::ports::{LiveCase, LiveError, LiveState};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How long a terminal case's view outlives it. Far longer than any event redelivery delay, so a
/// late stale write finds the tombstone and is refused instead of resurrecting the case.
const TOMBSTONE_TTL_SECS: u64 = 7 * 24 * 60 * 60;
/// Keys per SCAN step in `clear_namespace`: large enough to be quick, small enough not to block.
const SCAN_COUNT: usize = 500;
// Generous next to the 500 ms default so a busy CI box does not turn slowness into errors, yet
// bounded so a dead server fails requests instead of hanging them.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the Redis live state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// e.g. `redis://127.0.0.1:6379`.
    pub url: String,
    /// Namespace for every key (`<prefix>:...`). Must be non-empty and free of `{}*?[]\`, which
    /// would break the per-case hash tag or the `SCAN MATCH` pattern of `clear_namespace`.
    pub prefix: String,
}

/// Live state in Redis. Clones share one auto-reconnecting connection.
#[derive(Clone)]
pub struct RedisLive {
    conn: ConnectionManager,
    prefix: Arc<str>,
    upsert_script: Arc<Script>,
    queue_script: Arc<Script>,
}

impl fmt::Debug for RedisLive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password, so only the namespace is shown.
        f.debug_struct("RedisLive").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn backend(err: impl fmt::Display) -> LiveError {
    LiveError::Backend(err.to_string())
}

fn validate_prefix(prefix: &str) -> Result<(), LiveError> {
    const FORBIDDEN: &[char] = &['{', '}', '*', '?', '[', ']', '\\'];
    if prefix.is_empty() || prefix.contains(FORBIDDEN) {
        return Err(LiveError::Backend(format!(
            "invalid redis key prefix {prefix:?}: must be non-empty without any of {{}}*?[]\\"
        )));
    }
    Ok(())
}

impl RedisLive {
    /// Connects, retrying with backoff for about 9 s before giving up if Redis is unreachable
    /// (so a service starting alongside Redis does not lose the race); later drops reconnect.
    pub async fn connect(cfg: RedisConfig) -> Result<RedisLive, LiveError> {
        validate_prefix(&cfg.prefix)?;
        let client = Client::open(cfg.url.as_str()).map_err(backend)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let conn = client.get_connection_manager_with_config(config).await.map_err(backend)?;
        Ok(RedisLive {
            conn,
            prefix: cfg.prefix.into(),
            upsert_script: Arc::new(Script::new(include_str!("lua/upsert.lua"))),
            queue_script: Arc::new(Script::new(include_str!("lua/queue.lua"))),
        })
    }

    /// Deletes every key of this namespace (and nothing else: other users share the server).
    /// A prefix that is itself `<this prefix>:...` counts as inside this namespace.
    pub async fn clear_namespace(&self) -> Result<(), LiveError> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}:*", self.prefix);
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            if !keys.is_empty() {
                // UNLINK frees memory in the background instead of blocking the server.
                let _: usize = redis::cmd("UNLINK").arg(&keys).query_async(&mut conn).await.map_err(backend)?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }

    fn case_key(&self, id: Uuid) -> String {
        format!("{}:case:{{{id}}}", self.prefix)
    }

    fn queue_key(&self, name: &str) -> String {
        format!("{}:queue:{name}", self.prefix)
    }

    fn open_key(&self) -> String {
        format!("{}:open", self.prefix)
    }

    fn built_key(&self) -> String {
        format!("{}:built", self.prefix)
    }
}

fn decode(json: &str) -> Result<LiveCase, LiveError> {
    serde_json::from_str(json).map_err(|e| backend(format!("corrupt live case view: {e}")))
}

#[async_trait]
impl LiveState for RedisLive {
    async fn upsert(&self, view: &LiveCase) -> Result<bool, LiveError> {
        let data = serde_json::to_string(view).map_err(backend)?;
        let queue = queue_of(view);
        // Scores are doubles: due times in ms are exact up to 2^53 (year ~287,000).
        let score = view.due_at_ms.map_or_else(|| "+inf".to_owned(), |due| due.to_string());
        let mut invocation = self.upsert_script.prepare_invoke();
        invocation
            .key(self.case_key(view.id))
            .key(self.open_key())
            .arg(view.version)
            .arg(data)
            .arg(view.id.to_string())
            .arg(if queue.is_some() { "1" } else { "0" })
            .arg(queue.unwrap_or(""))
            .arg(score)
            .arg(format!("{}:queue:", self.prefix))
            .arg(if view.state.is_open() { "1" } else { "0" })
            .arg(TOMBSTONE_TTL_SECS);
        let mut conn = self.conn.clone();
        // EVALSHA, falling back to loading the script after a restart emptied the script cache.
        let applied: i64 = invocation.invoke_async(&mut conn).await.map_err(backend)?;
        if applied == 0 {
            tracing::debug!(case = %view.id, version = view.version, "stale live write ignored");
        }
        Ok(applied == 1)
    }

    async fn get(&self, id: Uuid) -> Result<Option<LiveCase>, LiveError> {
        let mut conn = self.conn.clone();
        let data: Option<String> =
            redis::cmd("HGET").arg(self.case_key(id)).arg("data").query_async(&mut conn).await.map_err(backend)?;
        data.as_deref().map(decode).transpose()
    }

    async fn queue(&self, department: &str, limit: usize) -> Result<Vec<LiveCase>, LiveError> {
        // ZRANGE 0 -1 would mean "everything", so an empty page never reaches Redis.
        if limit == 0 {
            return Ok(Vec::new());
        }
        let last = i64::try_from(limit - 1).unwrap_or(i64::MAX);
        let mut conn = self.conn.clone();
        let views: Vec<String> = self
            .queue_script
            .key(self.queue_key(department))
            .arg(last)
            .arg(format!("{}:case:{{", self.prefix))
            .invoke_async(&mut conn)
            .await
            .map_err(backend)?;
        views.iter().map(|json| decode(json)).collect()
    }

    async fn open_ids(&self) -> Result<Vec<Uuid>, LiveError> {
        let mut conn = self.conn.clone();
        let members: Vec<String> =
            redis::cmd("SMEMBERS").arg(self.open_key()).query_async(&mut conn).await.map_err(backend)?;
        let mut ids = members
            .iter()
            .map(|m| Uuid::parse_str(m).map_err(|e| backend(format!("corrupt open id {m:?}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        // Set order is arbitrary; sorting makes the answer stable like the memory adapter's.
        ids.sort_unstable();
        Ok(ids)
    }

    async fn is_built(&self) -> Result<bool, LiveError> {
        let mut conn = self.conn.clone();
        redis::cmd("EXISTS").arg(self.built_key()).query_async(&mut conn).await.map_err(backend)
    }

    async fn mark_built(&self) -> Result<(), LiveError> {
        // No TTL: the marker must vanish only together with the data it vouches for.
        let mut conn = self.conn.clone();
        redis::cmd("SET").arg(self.built_key()).arg("1").query_async(&mut conn).await.map_err(backend)
    }
}
