//! Departments whose report-in 报到 a case awaits.
//!
//! A whistle 吹哨 names departments that do not hold the case, so their work queue (live state,
//! keyed by the holding department) never shows it. `report_ins_awaited` keeps one row per case
//! and department still owing a report-in on an open case, written in the case's own commit, so a
//! department can list what it was whistled to without scanning case bodies.

use crate::run_all;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &[
                "CREATE TABLE report_ins_awaited (case_id TEXT NOT NULL, department TEXT NOT NULL,
                   due_at_ms BIGINT NOT NULL, whistled_at_ms BIGINT NOT NULL, PRIMARY KEY (case_id, department))",
                "CREATE INDEX report_ins_awaited_department ON report_ins_awaited (department, due_at_ms)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["DROP TABLE IF EXISTS report_ins_awaited"]).await
    }
}
