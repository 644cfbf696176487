//! Gridflow's schema as one sea-orm-migration set that runs on Postgres and SQLite.
//!
//! Statements are plain SQL per backend rather than the table builder: the schema needs
//! append-only triggers and partial indexes, which the builder does not express, and one readable
//! SQL text per backend is easier to review than builder code plus raw-SQL exceptions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

mod m20261122_000001_core;
mod m20261122_000002_reference;
mod m20261122_000003_sla;
mod m20261207_000004_assignment_turns;
mod m20261207_000005_report_ins;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_core::Migration),
            Box::new(m20261122_000002_reference::Migration),
            Box::new(m20261122_000003_sla::Migration),
            Box::new(m20261207_000004_assignment_turns::Migration),
            Box::new(m20261207_000005_report_ins::Migration),
        ]
    }
}

/// Runs each statement in order (one per call, so no driver has to split scripts).
pub(crate) async fn run_all(manager: &SchemaManager<'_>, stmts: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    for stmt in stmts {
        conn.execute_unprepared(stmt).await?;
    }
    Ok(())
}

pub(crate) fn is_postgres(manager: &SchemaManager<'_>) -> bool {
    manager.get_database_backend() == DbBackend::Postgres
}
pub use sea_orm_migration::MigratorTrait;
