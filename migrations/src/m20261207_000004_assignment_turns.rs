//! Round-robin turns per unit.
//!
//! Round-robin assignment inside a unit needs a cursor that only ever moves forward: deriving it
//! from open-case counts stepped back whenever a case closed and handed two simultaneous reports
//! the same turn. `assignment_turns` keeps, per unit, how many turns were ever taken; taking one
//! is a single atomic upsert (`ON CONFLICT ... DO UPDATE ... RETURNING`, the same text on Postgres
//! and SQLite ≥ 3.35), so concurrent callers on any replica get distinct turns.

use crate::run_all;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["CREATE TABLE assignment_turns (unit TEXT PRIMARY KEY, taken BIGINT NOT NULL)"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["DROP TABLE IF EXISTS assignment_turns"]).await
    }
}
