//! Reference data as versioned documents, replacing the first cut's fixed tables.
//!
//! Geography (GeoJSON), the category catalogue, the unit directory and the responsibility list
//! each change as a whole, are validated as a whole and are cross-checked against each other, so
//! they are stored as whole documents: an import appends revision n + 1 in one transaction and
//! the previous revisions stay as history. Cases gain the columns that duplicate search
//! (position) and in-unit assignment (handler load) filter on.

use crate::run_all;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "DROP TABLE IF EXISTS routing_rules",
    "DROP TABLE IF EXISTS grids",
    "DROP TABLE IF EXISTS departments",
    "DROP TABLE IF EXISTS categories",
    "CREATE TABLE reference_docs (kind TEXT NOT NULL, revision INTEGER NOT NULL, body TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at_ms BIGINT NOT NULL, PRIMARY KEY (kind, revision))",
    "ALTER TABLE cases ADD COLUMN lat DOUBLE PRECISION",
    "ALTER TABLE cases ADD COLUMN lon DOUBLE PRECISION",
    "ALTER TABLE cases ADD COLUMN handler TEXT",
    "CREATE INDEX cases_nearby ON cases (category, lat, lon)",
    "CREATE INDEX cases_handler ON cases (department, handler)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["DROP TABLE IF EXISTS reference_docs"]).await
    }
}
