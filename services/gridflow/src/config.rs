//! Typed configuration from `GRIDFLOW_*` variables, validated once at start-up. Every default is
//! compiled in and documented here; an invalid value is reported with the variable's name.

use gridflow_engine::service::IntakePolicy;
use std::collections::HashMap;
use std::net::SocketAddr;

/// Where the source of truth lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// `postgres://...` — production.
    Postgres(String),
    /// `sqlite://...` — embedded default: `sqlite://gridflow.db?mode=rwc` in the working directory.
    Sqlite(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusConfig {
    /// In-process channels (embedded default).
    Memory,
    /// RabbitMQ at this `amqp://` URL.
    Amqp(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveConfig {
    /// In-process maps (embedded default).
    Memory,
    /// Redis at this `redis://` URL.
    Redis(String),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// GRIDFLOW_DATABASE_URL (default: SQLite file `gridflow.db` in the working directory).
    pub store: StoreConfig,
    /// GRIDFLOW_AMQP_URL (default: in-process bus).
    pub bus: BusConfig,
    /// GRIDFLOW_REDIS_URL (default: in-memory live state).
    pub live: LiveConfig,
    /// GRIDFLOW_LISTEN (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// GRIDFLOW_JWT_SECRET: at least 32 bytes. Required when the store is shared (Postgres), since
    /// every replica must verify every other replica's tokens; random per process otherwise.
    pub jwt_secret: Vec<u8>,
    /// GRIDFLOW_TOKEN_TTL_SECONDS (default 43200 = 12 h).
    pub token_ttl_seconds: i64,
    /// GRIDFLOW_NAMESPACE (default `gridflow`): prefix of RabbitMQ exchanges/queues and Redis keys,
    /// so several deployments (or tests) can share one broker and one Redis.
    pub namespace: String,
    /// GRIDFLOW_DEMO (default: on for SQLite, off for Postgres): seed the demo district and users.
    pub demo: bool,
    /// GRIDFLOW_DUPLICATE_RADIUS_M (default 50) and GRIDFLOW_DUPLICATE_WINDOW_HOURS (default 72):
    /// an open case of the same category that close and that recent is offered as a duplicate
    /// (radius 0 turns detection off).
    pub intake: IntakePolicy,
    /// GRIDFLOW_WEBHOOK_URL (default: none): an `http://` or `https://` URL that notification-worthy
    /// case events (dispatched, urged, escalated, notified, threshold reached, closed, ...) are
    /// POSTed to as JSON, at least once, with an `Idempotency-Key` header. Unset: nothing is sent.
    pub webhook_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { var, problem: problem.into() }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_map(&std::env::vars().collect())
    }

    /// Parses from a map, so tests can build configurations without touching the process env.
    pub fn from_map(env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let get = |k: &str| env.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let store = match get("GRIDFLOW_DATABASE_URL") {
            None => StoreConfig::Sqlite("sqlite://gridflow.db?mode=rwc".into()),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => StoreConfig::Postgres(u),
            Some(u) if u.starts_with("sqlite:") => StoreConfig::Sqlite(u),
            Some(u) => {
                return Err(bad("GRIDFLOW_DATABASE_URL", format!("`{u}` must start with postgres:// or sqlite:")));
            }
        };
        let bus = match get("GRIDFLOW_AMQP_URL") {
            None => BusConfig::Memory,
            Some(u) if u.starts_with("amqp://") || u.starts_with("amqps://") => BusConfig::Amqp(u),
            Some(u) => return Err(bad("GRIDFLOW_AMQP_URL", format!("`{u}` must start with amqp:// or amqps://"))),
        };
        let live = match get("GRIDFLOW_REDIS_URL") {
            None => LiveConfig::Memory,
            Some(u) if u.starts_with("redis://") || u.starts_with("rediss://") => LiveConfig::Redis(u),
            Some(u) => return Err(bad("GRIDFLOW_REDIS_URL", format!("`{u}` must start with redis:// or rediss://"))),
        };
        let shared = matches!(store, StoreConfig::Postgres(_));
        if !shared && (bus != BusConfig::Memory || live != LiveConfig::Memory) {
            // An in-process SQLite store cannot be shared, so a shared broker or Redis would mix
            // state from unrelated stores.
            return Err(bad(
                "GRIDFLOW_DATABASE_URL",
                "RabbitMQ or Redis need a shared Postgres store; set a postgres:// URL",
            ));
        }
        let listen = get("GRIDFLOW_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen
            .parse()
            .map_err(|_| bad("GRIDFLOW_LISTEN", format!("`{listen}` is not an address like 127.0.0.1:8080")))?;
        let jwt_secret = match get("GRIDFLOW_JWT_SECRET") {
            Some(s) if s.len() >= 32 => s.into_bytes(),
            Some(_) => return Err(bad("GRIDFLOW_JWT_SECRET", "must be at least 32 characters")),
            None if shared => {
                return Err(bad(
                    "GRIDFLOW_JWT_SECRET",
                    "is required with Postgres so that all replicas accept each other's tokens",
                ));
            }
            None => random_secret(),
        };
        let token_ttl_seconds = match get("GRIDFLOW_TOKEN_TTL_SECONDS") {
            None => 43_200,
            Some(v) => v.parse().ok().filter(|n| (60..=2_592_000).contains(n)).ok_or_else(|| {
                bad("GRIDFLOW_TOKEN_TTL_SECONDS", "must be a whole number of seconds from 60 to 2592000")
            })?,
        };
        let namespace = get("GRIDFLOW_NAMESPACE").unwrap_or_else(|| "gridflow".into());
        let ns_ok =
            namespace.len() <= 64 && namespace.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ns_ok {
            return Err(bad("GRIDFLOW_NAMESPACE", "must be at most 64 letters, digits, - or _"));
        }
        let demo = match get("GRIDFLOW_DEMO").as_deref() {
            None => !shared,
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(v) => return Err(bad("GRIDFLOW_DEMO", format!("`{v}` must be true or false"))),
        };
        let radius = match get("GRIDFLOW_DUPLICATE_RADIUS_M") {
            None => 50.0,
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|r| (0.0..=5_000.0).contains(r))
                .ok_or_else(|| bad("GRIDFLOW_DUPLICATE_RADIUS_M", "must be a distance in metres from 0 to 5000"))?,
        };
        let window_hours = match get("GRIDFLOW_DUPLICATE_WINDOW_HOURS") {
            None => 72,
            Some(v) => v.parse::<i64>().ok().filter(|h| (0..=24 * 365).contains(h)).ok_or_else(|| {
                bad("GRIDFLOW_DUPLICATE_WINDOW_HOURS", "must be a whole number of hours from 0 to 8760")
            })?,
        };
        let intake =
            IntakePolicy { duplicate_radius_m: radius, duplicate_window: chrono::Duration::hours(window_hours) };
        let webhook_url = match get("GRIDFLOW_WEBHOOK_URL") {
            None => None,
            Some(u) if (u.starts_with("http://") || u.starts_with("https://")) && !u.contains(char::is_whitespace) => {
                Some(u)
            }
            Some(u) => return Err(bad("GRIDFLOW_WEBHOOK_URL", format!("`{u}` must start with http:// or https://"))),
        };
        Ok(Config { store, bus, live, listen, jwt_secret, token_ttl_seconds, namespace, demo, intake, webhook_url })
    }

    pub fn database_url(&self) -> &str {
        match &self.store {
            StoreConfig::Postgres(u) | StoreConfig::Sqlite(u) => u,
        }
    }
}

fn random_secret() -> Vec<u8> {
    use rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_map(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn embedded_by_default() {
        let c = parse(&[]).unwrap();
        assert!(matches!(c.store, StoreConfig::Sqlite(_)));
        assert_eq!(c.bus, BusConfig::Memory);
        assert_eq!(c.live, LiveConfig::Memory);
        assert!(c.demo);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.webhook_url, None);
        let c = parse(&[("GRIDFLOW_WEBHOOK_URL", "https://hooks.example/gridflow")]).unwrap();
        assert_eq!(c.webhook_url.as_deref(), Some("https://hooks.example/gridflow"));
    }

    #[test]
    fn errors_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("GRIDFLOW_DATABASE_URL", "mysql://x")], "GRIDFLOW_DATABASE_URL"),
            (&[("GRIDFLOW_LISTEN", "nowhere")], "GRIDFLOW_LISTEN"),
            (&[("GRIDFLOW_DATABASE_URL", "postgres://h/db")], "GRIDFLOW_JWT_SECRET"),
            (&[("GRIDFLOW_AMQP_URL", "http://x")], "GRIDFLOW_AMQP_URL"),
            (&[("GRIDFLOW_REDIS_URL", "redis://x")], "GRIDFLOW_DATABASE_URL"),
            (&[("GRIDFLOW_DEMO", "maybe")], "GRIDFLOW_DEMO"),
            (&[("GRIDFLOW_NAMESPACE", "a b")], "GRIDFLOW_NAMESPACE"),
            (&[("GRIDFLOW_WEBHOOK_URL", "ftp://x")], "GRIDFLOW_WEBHOOK_URL"),
        ];
        for (pairs, var) in cases {
            let err = parse(pairs).unwrap_err();
            assert_eq!(err.var, *var, "{pairs:?}");
            assert!(err.to_string().starts_with(var));
        }
    }
}
