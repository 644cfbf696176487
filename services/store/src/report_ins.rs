//! The departments a case's whistle 吹哨 still awaits a report-in 报到 from (`report_ins_awaited`),
//! kept in the case's own commit so the list is never ahead of or behind the case.

use crate::SeaStore;
use crate::sql::{get, json, map_err, stmt};
use gridflow_domain::Case;
use gridflow_domain::ports::StoreError;
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value};

/// Rewrites the case's awaited report-ins: one row per department that owes one while the case is
/// open. Cases never whistled (nearly all) cost nothing here.
pub(crate) async fn write_report_ins(txn: &DatabaseTransaction, case: &Case) -> Result<(), StoreError> {
    if case.report_ins.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let id = case.id.to_string();
    let delete = "DELETE FROM report_ins_awaited WHERE case_id = $1";
    txn.execute_raw(stmt(backend, delete, vec![id.clone().into()])).await.map_err(map_err)?;
    if !case.state.is_open() {
        return Ok(());
    }
    let insert =
        "INSERT INTO report_ins_awaited (case_id, department, due_at_ms, whistled_at_ms) VALUES ($1, $2, $3, $4)";
    for (department, r) in case.report_ins.iter().filter(|(_, r)| r.reported_at.is_none()) {
        let due = r.whistled_at + chrono::TimeDelta::minutes(i64::from(r.minutes));
        let vals: Vec<Value> = vec![
            id.clone().into(),
            department.clone().into(),
            due.timestamp_millis().into(),
            r.whistled_at.timestamp_millis().into(),
        ];
        txn.execute_raw(stmt(backend, insert, vals)).await.map_err(map_err)?;
    }
    Ok(())
}

impl SeaStore {
    pub(crate) async fn query_awaiting_report_in(&self, department: &str, limit: u64) -> Result<Vec<Case>, StoreError> {
        let sql = "SELECT c.body FROM report_ins_awaited a JOIN cases c ON c.id = a.case_id
                   WHERE a.department = $1 ORDER BY a.due_at_ms, a.case_id LIMIT $2";
        let vals: Vec<Value> = vec![department.into(), (limit.min(1000) as i64).into()];
        let rows = self.db.query_all_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
        rows.iter().map(|r| json(&get::<String>(r, "body")?, "case")).collect()
    }
}
