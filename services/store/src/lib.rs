//! The Store port on sea-orm: one adapter for Postgres (production) and SQLite (embedded), with
//! the few backend differences (row locking, placeholders, pool size) handled in `sql.rs`.
//! Depends only on the domain and the migrations.

mod cases;
mod clocks;
mod outbox;
mod port;
mod principals;
mod reference;
mod report_ins;
mod sql;
mod timers;

use gridflow_domain::ports::StoreError;
use gridflow_migrations::Migrator;
use gridflow_migrations::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use std::time::Duration;

/// The sea-orm store. Cheap to clone (the connection is a pool).
#[derive(Clone)]
pub struct SeaStore {
    db: DatabaseConnection,
    backend: DbBackend,
    url: String,
}

/// Advisory lock key serialising migrations across replicas ("gridflow" in ASCII, truncated).
const MIGRATION_LOCK: i64 = 0x6772_6964_666c;

impl SeaStore {
    /// Connects to `url` (`postgres://...` or `sqlite://...`). SQLite gets a small pool in WAL
    /// mode: readers run beside the single writer, and since every write transaction here starts
    /// with a write statement, none ever upgrades a read lock (the case where SQLite answers BUSY
    /// without waiting); writers simply queue on the busy timeout. `synchronous=FULL` makes every
    /// acknowledged commit durable.
    pub async fn connect(url: &str) -> Result<SeaStore, StoreError> {
        let sqlite = url.starts_with("sqlite:");
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(if sqlite { 4 } else { 16 })
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
            });
        let db = Database::connect(opts).await.map_err(sql::map_err)?;
        let backend = db.get_database_backend();
        Ok(SeaStore { db, backend, url: url.to_string() })
    }

    /// Applies pending migrations. On Postgres several replicas may start at once, so the
    /// migration runs under a session advisory lock held on a connection of its own.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if !self.is_postgres() {
            return Migrator::up(&self.db, None).await.map_err(sql::map_err);
        }
        use sea_orm::ConnectionTrait;
        let url = self.url.clone();
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(1).min_connections(1).sqlx_logging(false);
        let lock = Database::connect(opts).await.map_err(sql::map_err)?;
        lock.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).await.map_err(sql::map_err)?;
        let result = Migrator::up(&self.db, None).await.map_err(sql::map_err);
        let _ = lock.execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).await;
        let _ = lock.close().await;
        result
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// The underlying connection, for tests that must bypass the port (e.g. tamper attempts).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}
