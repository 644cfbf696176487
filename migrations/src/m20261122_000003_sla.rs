//! SLA tables: durable timers and stored calendars.
//!
//! `sla_timers` holds one row per threshold (`50`, `80`, `100`) or escalation step (`esc:2:0`) of
//! a case's stage clock. A timer is pending while `fired_at_ms` and `cancelled_at_ms` are both
//! NULL; replicas claim due timers with a lease (`claimed_by`, `claimed_until_ms`) like the outbox,
//! and firing is a conditional update on `fired_at_ms IS NULL`, so it happens once. The unique key
//! (case_id, clock, generation, kind) means a threshold can never be armed (or fired) twice;
//! `generation` moves on whenever a clock's due instant moves, so timers of an older generation are
//! recognisably stale.
//!
//! `calendars` keeps every revision of a stored calendar (the JSON `Calendar::from_json` reads);
//! the highest revision per code is the live one. Timestamps are Unix milliseconds (BIGINT).

use crate::{is_postgres, run_all};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TIMERS_POSTGRES: &str = "CREATE TABLE sla_timers (id BIGSERIAL PRIMARY KEY,
        case_id TEXT NOT NULL, clock TEXT NOT NULL, generation INTEGER NOT NULL, kind TEXT NOT NULL,
        due_at_ms BIGINT NOT NULL, claimed_by TEXT, claimed_until_ms BIGINT, fired_at_ms BIGINT,
        fired_by TEXT, cancelled_at_ms BIGINT, lateness_ms BIGINT, created_at_ms BIGINT NOT NULL,
        CONSTRAINT sla_timers_once UNIQUE (case_id, clock, generation, kind))";

const TIMERS_SQLITE: &str = "CREATE TABLE sla_timers (id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id TEXT NOT NULL, clock TEXT NOT NULL, generation INTEGER NOT NULL, kind TEXT NOT NULL,
        due_at_ms BIGINT NOT NULL, claimed_by TEXT, claimed_until_ms BIGINT, fired_at_ms BIGINT,
        fired_by TEXT, cancelled_at_ms BIGINT, lateness_ms BIGINT, created_at_ms BIGINT NOT NULL,
        CONSTRAINT sla_timers_once UNIQUE (case_id, clock, generation, kind))";

/// The same on both backends (both have partial indexes).
const COMMON: &[&str] = &[
    // Serves `claim_due` (oldest due first) and the overdue metric; the unique key above also
    // serves look-ups by case and by (case, clock).
    "CREATE INDEX sla_timers_due ON sla_timers (due_at_ms, id)
        WHERE fired_at_ms IS NULL AND cancelled_at_ms IS NULL",
    "CREATE TABLE calendars (code TEXT NOT NULL, revision INTEGER NOT NULL CHECK (revision >= 1),
        body TEXT NOT NULL, created_by TEXT NOT NULL, created_at_ms BIGINT NOT NULL,
        PRIMARY KEY (code, revision))",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let timers = if is_postgres(manager) { TIMERS_POSTGRES } else { TIMERS_SQLITE };
        run_all(manager, &[timers]).await?;
        run_all(manager, COMMON).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["DROP TABLE IF EXISTS calendars", "DROP TABLE IF EXISTS sla_timers"]).await
    }
}
