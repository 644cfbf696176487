//! Reference documents (append-only revisions), the reads that routing and intake need, and the
//! round-robin turns of in-unit assignment.

use crate::SeaStore;
use crate::sql::{get, json, map_err, stmt};
use chrono::{DateTime, Utc};
use gridflow_domain::ports::{NearbyQuery, ReferenceDoc, StoreError};
use gridflow_domain::{Case, CaseState};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};

/// States in which a case is no longer open (no work left, not a duplicate candidate).
const FINISHED: [CaseState; 4] =
    [CaseState::Closed, CaseState::Rejected, CaseState::Duplicate, CaseState::SelfResolved];

fn finished_list() -> String {
    FINISHED.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

impl SeaStore {
    pub(crate) async fn latest_reference_docs(&self) -> Result<Vec<ReferenceDoc>, StoreError> {
        let sql = "SELECT d.kind, d.revision, d.body, d.created_by, d.created_at_ms FROM reference_docs d
                   JOIN (SELECT kind, MAX(revision) AS revision FROM reference_docs GROUP BY kind) m
                   ON m.kind = d.kind AND m.revision = d.revision ORDER BY d.kind";
        let rows = self.db.query_all_raw(stmt(self.backend, sql, vec![])).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let at: i64 = get(r, "created_at_ms")?;
                Ok(ReferenceDoc {
                    kind: get(r, "kind")?,
                    revision: get(r, "revision")?,
                    body: get(r, "body")?,
                    created_by: get(r, "created_by")?,
                    created_at: DateTime::<Utc>::from_timestamp_millis(at).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The primary key (kind, revision) makes a concurrent import of the same revision fail,
    /// and the explicit check below makes skipping a revision fail: either way nothing is written.
    pub(crate) async fn insert_reference_docs(&self, docs: &[ReferenceDoc]) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(map_err)?;
        for d in docs {
            let sql = "SELECT COALESCE(MAX(revision), 0) AS latest FROM reference_docs WHERE kind = $1";
            let row = txn
                .query_one_raw(stmt(self.backend, sql, vec![d.kind.clone().into()]))
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::Other("no row from MAX()".into()))?;
            let latest: i32 = get(&row, "latest")?;
            if d.revision != latest + 1 {
                return Err(StoreError::VersionConflict);
            }
            let sql = "INSERT INTO reference_docs (kind, revision, body, created_by, created_at_ms)
                       VALUES ($1, $2, $3, $4, $5)";
            let vals: Vec<Value> = vec![
                d.kind.clone().into(),
                d.revision.into(),
                d.body.clone().into(),
                d.created_by.clone().into(),
                d.created_at.timestamp_millis().into(),
            ];
            txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(|e| match map_err(e) {
                StoreError::Duplicate(_) => StoreError::VersionConflict,
                other => other,
            })?;
        }
        txn.commit().await.map_err(map_err)
    }

    pub(crate) async fn query_nearby(&self, q: &NearbyQuery) -> Result<Vec<Case>, StoreError> {
        let sql = format!(
            "SELECT body FROM cases WHERE category = $1 AND lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5
             AND created_at_ms >= $6 AND state NOT IN ({}) ORDER BY created_at_ms DESC LIMIT $7",
            finished_list()
        );
        let vals: Vec<Value> = vec![
            q.category.clone().into(),
            q.lat.0.into(),
            q.lat.1.into(),
            q.lon.0.into(),
            q.lon.1.into(),
            q.since.timestamp_millis().into(),
            (q.limit.min(1000) as i64).into(),
        ];
        let rows = self.db.query_all_raw(stmt(self.backend, &sql, vals)).await.map_err(map_err)?;
        rows.iter().map(|r| json(&get::<String>(r, "body")?, "case")).collect()
    }

    pub(crate) async fn query_handler_loads(&self, department: &str) -> Result<Vec<(String, u32)>, StoreError> {
        let sql = format!(
            "SELECT handler, COUNT(*) AS open FROM cases WHERE department = $1 AND handler IS NOT NULL
             AND state NOT IN ({}) GROUP BY handler ORDER BY handler",
            finished_list()
        );
        let rows = self.db.query_all_raw(stmt(self.backend, &sql, vec![department.into()])).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let n: i64 = get(r, "open")?;
                Ok((get(r, "handler")?, u32::try_from(n).unwrap_or(u32::MAX)))
            })
            .collect()
    }

    pub(crate) async fn query_open_case_count(&self, department: &str) -> Result<u64, StoreError> {
        let sql =
            format!("SELECT COUNT(*) AS open FROM cases WHERE department = $1 AND state NOT IN ({})", finished_list());
        let row = self
            .db
            .query_one_raw(stmt(self.backend, &sql, vec![department.into()]))
            .await
            .map_err(map_err)?
            .ok_or_else(|| StoreError::Other("no row from COUNT()".into()))?;
        let open: i64 = get(&row, "open")?;
        Ok(u64::try_from(open).unwrap_or_default())
    }

    /// One statement, so atomic on both backends: the row lock (Postgres) or the single writer
    /// (SQLite) orders concurrent callers, and each gets the count its own increment produced.
    pub(crate) async fn next_assignment_turn(&self, unit: &str) -> Result<u64, StoreError> {
        let sql = "INSERT INTO assignment_turns (unit, taken) VALUES ($1, 1)
                   ON CONFLICT (unit) DO UPDATE SET taken = assignment_turns.taken + 1 RETURNING taken";
        let row = self
            .db
            .query_one_raw(stmt(self.backend, sql, vec![unit.into()]))
            .await
            .map_err(map_err)?
            .ok_or_else(|| StoreError::Other("no row from the assignment turn upsert".into()))?;
        let taken: i64 = get(&row, "taken")?;
        Ok(u64::try_from(taken - 1).unwrap_or_default())
    }
}
