//! Core tables: reference data, principals, cases, transitions, the audit chain, outbox, inbox
//! and idempotency keys. Timestamps are Unix milliseconds (BIGINT) so both backends compare and
//! order them identically.

use crate::{is_postgres, run_all};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COMMON: &[&str] = &[
    "CREATE TABLE categories (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL,
        kind TEXT NOT NULL, limit_minutes BIGINT NOT NULL)",
    "CREATE TABLE departments (code TEXT PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE grids (code TEXT PRIMARY KEY, name TEXT NOT NULL, ring TEXT NOT NULL)",
    "CREATE TABLE routing_rules (id BIGINT PRIMARY KEY, grid TEXT, category TEXT,
        department TEXT NOT NULL, priority INTEGER NOT NULL)",
    // Users and API keys: `kind` is `user` or `api_key`; API keys are looked up by secret hash.
    "CREATE TABLE principals (kind TEXT NOT NULL, name TEXT NOT NULL, secret_hash TEXT NOT NULL,
        roles TEXT NOT NULL, scopes TEXT NOT NULL, created_at_ms BIGINT NOT NULL,
        PRIMARY KEY (kind, name))",
    "CREATE UNIQUE INDEX principals_secret ON principals (kind, secret_hash)",
    // `body` is the whole aggregate as JSON; the other columns exist for filtering and locking.
    "CREATE TABLE cases (id TEXT PRIMARY KEY, version BIGINT NOT NULL, state TEXT NOT NULL,
        category TEXT NOT NULL, grid TEXT, department TEXT, created_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX cases_created ON cases (created_at_ms, id)",
    "CREATE INDEX cases_state ON cases (state, created_at_ms)",
    "CREATE INDEX cases_department ON cases (department, state)",
    // The primary key (case_id, seq) is what makes a transition impossible to record twice.
    "CREATE TABLE transitions (case_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL,
        actor TEXT NOT NULL, at_ms BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (case_id, seq))",
    "CREATE TABLE inbox (consumer TEXT NOT NULL, message_id TEXT NOT NULL,
        processed_at_ms BIGINT NOT NULL, PRIMARY KEY (consumer, message_id))",
    "CREATE TABLE idempotency_keys (principal TEXT NOT NULL, key TEXT NOT NULL,
        request_hash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL, PRIMARY KEY (principal, key))",
];

const POSTGRES: &[&str] = &[
    "CREATE TABLE audit_log (case_id TEXT NOT NULL, seq BIGINT NOT NULL, prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL, payload BYTEA NOT NULL, at_ms BIGINT NOT NULL,
        PRIMARY KEY (case_id, seq))",
    "CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,
        routing_key TEXT NOT NULL, case_id TEXT, payload BYTEA NOT NULL, created_at_ms BIGINT NOT NULL,
        claimed_by TEXT, claimed_until_ms BIGINT, published_at_ms BIGINT)",
    "CREATE INDEX outbox_pending ON outbox (id) WHERE published_at_ms IS NULL",
    // Append-only at the database level too: the service never updates or deletes these rows, and
    // neither can anyone else without first dropping the trigger (which is itself visible).
    "CREATE FUNCTION gridflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION gridflow_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION gridflow_append_only()",
    "CREATE TRIGGER transitions_append_only BEFORE UPDATE OR DELETE ON transitions
        FOR EACH ROW EXECUTE FUNCTION gridflow_append_only()",
    "CREATE TRIGGER transitions_no_truncate BEFORE TRUNCATE ON transitions
        FOR EACH STATEMENT EXECUTE FUNCTION gridflow_append_only()",
];

const SQLITE: &[&str] = &[
    "CREATE TABLE audit_log (case_id TEXT NOT NULL, seq BIGINT NOT NULL, prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL, payload BLOB NOT NULL, at_ms BIGINT NOT NULL,
        PRIMARY KEY (case_id, seq))",
    "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE,
        routing_key TEXT NOT NULL, case_id TEXT, payload BLOB NOT NULL, created_at_ms BIGINT NOT NULL,
        claimed_by TEXT, claimed_until_ms BIGINT, published_at_ms BIGINT)",
    "CREATE INDEX outbox_pending ON outbox (id) WHERE published_at_ms IS NULL",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER transitions_no_update BEFORE UPDATE ON transitions
        BEGIN SELECT RAISE(ABORT, 'transitions is append-only'); END",
    "CREATE TRIGGER transitions_no_delete BEFORE DELETE ON transitions
        BEGIN SELECT RAISE(ABORT, 'transitions is append-only'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, COMMON).await?;
        let specific = if is_postgres(manager) { POSTGRES } else { SQLITE };
        run_all(manager, specific).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut stmts = vec![];
        if is_postgres(manager) {
            stmts.push("DROP TABLE IF EXISTS audit_log, transitions CASCADE");
            stmts.push("DROP FUNCTION IF EXISTS gridflow_append_only()");
        } else {
            stmts.push("DROP TABLE IF EXISTS audit_log");
            stmts.push("DROP TABLE IF EXISTS transitions");
        }
        stmts.extend([
            "DROP TABLE IF EXISTS outbox",
            "DROP TABLE IF EXISTS idempotency_keys",
            "DROP TABLE IF EXISTS inbox",
            "DROP TABLE IF EXISTS cases",
            "DROP TABLE IF EXISTS principals",
            "DROP TABLE IF EXISTS routing_rules",
            "DROP TABLE IF EXISTS grids",
            "DROP TABLE IF EXISTS departments",
            "DROP TABLE IF EXISTS categories",
        ]);
        run_all(manager, &stmts).await
    }
}
