//! Recorded stage clocks for the SLA metrics, read from the stored case bodies.
//!
//! The clocks live in the case JSON (`cases.body`), so the window is chosen by creation time on
//! the indexed `created_at_ms` column and the stage is picked in Rust. The scan is bounded by the
//! query's `limit` (at most [`MAX_SCAN`] cases).

use crate::SeaStore;
use crate::sql::{get, json, map_err, stmt};
use gridflow_domain::ports::{ClockQuery, ClockRow, StoreError};
use gridflow_domain::{Case, CaseState};
use sea_orm::{ConnectionTrait, Value};

/// Upper bound on the cases one clock query scans, whatever the caller asks.
pub const MAX_SCAN: u64 = 50_000;

impl SeaStore {
    pub(crate) async fn query_clock_rows(&self, q: &ClockQuery) -> Result<Vec<ClockRow>, StoreError> {
        let sql = "SELECT body FROM cases WHERE created_at_ms >= $1 AND created_at_ms < $2
                   ORDER BY created_at_ms, id LIMIT $3";
        let vals: Vec<Value> = vec![
            q.created_from.timestamp_millis().into(),
            q.created_to.timestamp_millis().into(),
            (q.limit.min(MAX_SCAN) as i64).into(),
        ];
        let rows = self.db.query_all_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
        let mut out = Vec::new();
        for r in &rows {
            let case: Case = json(&get::<String>(r, "body")?, "case")?;
            if let Some(row) = clock_row(case, &q.stage) {
                out.push(row);
            }
        }
        Ok(out)
    }
}

fn clock_row(mut case: Case, stage: &str) -> Option<ClockRow> {
    let clock = case.clocks.remove(stage)?;
    Some(ClockRow {
        case_id: case.id,
        suspended: case.state == CaseState::Suspended,
        department: case.department,
        grid: case.grid,
        category: case.category,
        clock,
        extension_count: case.extension_count,
        rework_count: case.rework_count,
    })
}
