//! Cases, transitions and the audit chain: the transactional heart of the store.

use crate::SeaStore;
use crate::sql::{get, json, map_err, now_ms, stmt, to_json};
use crate::timers::{arm_in, cancel_in, mark_fired_in};
use gridflow_domain::audit::{AuditRecord, GENESIS, Transition, canonical, chain_hash};
use gridflow_domain::ports::{CaseCommit, CaseFilter, StoreError};
use gridflow_domain::{Case, CaseState};
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait, Value};
use uuid::Uuid;

impl SeaStore {
    pub(crate) async fn commit_case(&self, c: &CaseCommit) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(map_err)?;
        self.write_case(&txn, c).await?;
        crate::report_ins::write_report_ins(&txn, &c.case).await?;
        self.write_transitions(&txn, c).await?;
        self.write_outbox(&txn, c).await?;
        if let Some(mark) = &c.inbox {
            let sql = "INSERT INTO inbox (consumer, message_id, processed_at_ms) VALUES ($1, $2, $3)";
            let vals = vec![mark.consumer.clone().into(), mark.message_id.clone().into(), now_ms().into()];
            txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(|e| match map_err(e) {
                StoreError::Duplicate(_) => StoreError::AlreadyProcessed,
                other => other,
            })?;
        }
        if let Some(r) = &c.idempotency {
            let sql = "INSERT INTO idempotency_keys (principal, key, request_hash, status, body, created_at_ms)
                       VALUES ($1, $2, $3, $4, $5, $6)";
            let vals: Vec<Value> = vec![
                r.principal.clone().into(),
                r.key.clone().into(),
                r.request_hash.clone().into(),
                i32::from(r.status).into(),
                r.body.clone().into(),
                now_ms().into(),
            ];
            txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
        }
        self.write_timers(&txn, c).await?;
        txn.commit().await.map_err(map_err)
    }

    /// Fires the causing timer (the exactly-once gate: a timer fired or cancelled before fails the
    /// whole commit), cancels stale timers, and arms the new ones.
    async fn write_timers(&self, txn: &DatabaseTransaction, c: &CaseCommit) -> Result<(), StoreError> {
        let t = &c.timers;
        if let Some(id) = t.fire
            && !mark_fired_in(txn, id, "case-commit", chrono::Utc::now()).await?
        {
            return Err(StoreError::AlreadyProcessed);
        }
        for (clock, below) in &t.cancel {
            cancel_in(txn, c.case.id, clock, *below).await?;
        }
        if !t.arm.is_empty() {
            arm_in(txn, &t.arm).await?;
        }
        Ok(())
    }

    async fn write_case(&self, txn: &DatabaseTransaction, c: &CaseCommit) -> Result<(), StoreError> {
        let case = &c.case;
        let body = to_json(case)?;
        let common: Vec<Value> = vec![
            case.id.to_string().into(),
            case.version.into(),
            case.state.as_str().into(),
            case.category.clone().into(),
            case.grid.clone().into(),
            case.department.clone().into(),
            case.updated_at.timestamp_millis().into(),
            body.into(),
            case.lat.into(),
            case.lon.into(),
            case.handler.clone().into(),
        ];
        if c.expected_version == 0 {
            let sql =
                "INSERT INTO cases (id, version, state, category, grid, department, updated_at_ms, body, lat, lon,
                       handler, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
            let mut vals = common;
            vals.push(case.created_at.timestamp_millis().into());
            return match txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(map_err) {
                Err(StoreError::Duplicate(_)) => Err(StoreError::VersionConflict),
                other => other.map(|_| ()),
            };
        }
        // The optimistic check: only the writer that read `expected_version` can move the case on.
        let sql = "UPDATE cases SET version = $2, state = $3, category = $4, grid = $5, department = $6,
                   updated_at_ms = $7, body = $8, lat = $9, lon = $10, handler = $11 WHERE id = $1 AND version = $12";
        let mut vals = common;
        vals.push(c.expected_version.into());
        let res = txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
        if res.rows_affected() != 1 {
            return Err(StoreError::VersionConflict);
        }
        Ok(())
    }

    async fn write_transitions(&self, txn: &DatabaseTransaction, c: &CaseCommit) -> Result<(), StoreError> {
        let id = c.case.id.to_string();
        let mut prev = self.last_hash(txn, &id).await?;
        for t in &c.transitions {
            let sql =
                "INSERT INTO transitions (case_id, seq, kind, actor, at_ms, body) VALUES ($1, $2, $3, $4, $5, $6)";
            let vals: Vec<Value> = vec![
                id.clone().into(),
                t.seq.into(),
                t.event.kind().into(),
                t.actor.clone().into(),
                t.at.timestamp_millis().into(),
                to_json(t)?.into(),
            ];
            txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(|e| match map_err(e) {
                StoreError::Duplicate(_) => StoreError::VersionConflict,
                other => other,
            })?;
            let payload = canonical(t);
            let hash = chain_hash(&prev, &payload);
            let sql =
                "INSERT INTO audit_log (case_id, seq, prev_hash, hash, payload, at_ms) VALUES ($1, $2, $3, $4, $5, $6)";
            let vals: Vec<Value> = vec![
                id.clone().into(),
                t.seq.into(),
                prev.clone().into(),
                hash.clone().into(),
                payload.into(),
                t.at.timestamp_millis().into(),
            ];
            txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
            prev = hash;
        }
        Ok(())
    }

    async fn last_hash(&self, txn: &DatabaseTransaction, id: &str) -> Result<String, StoreError> {
        let sql = "SELECT hash FROM audit_log WHERE case_id = $1 ORDER BY seq DESC LIMIT 1";
        let row = txn.query_one_raw(stmt(self.backend, sql, vec![id.into()])).await.map_err(map_err)?;
        match row {
            Some(r) => get::<String>(&r, "hash"),
            None => Ok(GENESIS.to_string()),
        }
    }

    async fn write_outbox(&self, txn: &DatabaseTransaction, c: &CaseCommit) -> Result<(), StoreError> {
        for m in &c.outbox {
            let sql = "INSERT INTO outbox (message_id, routing_key, case_id, payload, created_at_ms) VALUES ($1, $2, $3, $4, $5)";
            let vals: Vec<Value> = vec![
                m.message_id.clone().into(),
                m.routing_key.clone().into(),
                m.case_id.clone().into(),
                m.payload.clone().into(),
                now_ms().into(),
            ];
            txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
        }
        Ok(())
    }

    pub(crate) async fn load_case(&self, id: Uuid) -> Result<Option<Case>, StoreError> {
        let sql = "SELECT body FROM cases WHERE id = $1";
        let row = self.db.query_one_raw(stmt(self.backend, sql, vec![id.to_string().into()])).await.map_err(map_err)?;
        row.map(|r| json(&get::<String>(&r, "body")?, "case")).transpose()
    }

    pub(crate) async fn load_transitions(&self, id: Uuid) -> Result<Vec<Transition>, StoreError> {
        let sql = "SELECT body FROM transitions WHERE case_id = $1 ORDER BY seq";
        let rows =
            self.db.query_all_raw(stmt(self.backend, sql, vec![id.to_string().into()])).await.map_err(map_err)?;
        rows.iter().map(|r| json(&get::<String>(r, "body")?, "transition")).collect()
    }

    pub(crate) async fn load_audit(&self, id: Uuid) -> Result<Vec<AuditRecord>, StoreError> {
        let sql = "SELECT seq, prev_hash, hash, payload FROM audit_log WHERE case_id = $1 ORDER BY seq";
        let rows =
            self.db.query_all_raw(stmt(self.backend, sql, vec![id.to_string().into()])).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    seq: get(r, "seq")?,
                    prev_hash: get(r, "prev_hash")?,
                    hash: get(r, "hash")?,
                    payload: get(r, "payload")?,
                })
            })
            .collect()
    }

    pub(crate) async fn query_cases(&self, f: &CaseFilter) -> Result<Vec<Case>, StoreError> {
        let mut conds: Vec<String> = vec![];
        let mut vals: Vec<Value> = vec![];
        let mut push = |cond: &str, v: Value, vals: &mut Vec<Value>| {
            vals.push(v);
            conds.push(cond.replace('#', &format!("${}", vals.len())));
        };
        if let Some(s) = f.state {
            push("state = #", s.as_str().into(), &mut vals);
        }
        if let Some(d) = &f.department {
            push("department = #", d.clone().into(), &mut vals);
        }
        if let Some(g) = &f.grid {
            push("grid = #", g.clone().into(), &mut vals);
        }
        if let Some(c) = &f.category {
            push("category = #", c.clone().into(), &mut vals);
        }
        if let Some(t) = f.created_from {
            push("created_at_ms >= #", t.timestamp_millis().into(), &mut vals);
        }
        if let Some(t) = f.created_to {
            push("created_at_ms < #", t.timestamp_millis().into(), &mut vals);
        }
        if let Some((ms, id)) = f.after {
            vals.push(ms.into());
            vals.push(id.to_string().into());
            let (a, b) = (vals.len() - 1, vals.len());
            conds.push(format!("(created_at_ms < ${a} OR (created_at_ms = ${a} AND id < ${b}))"));
        }
        let filter = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
        vals.push((f.limit.min(500) as i64).into());
        let sql = format!("SELECT body FROM cases {filter} ORDER BY created_at_ms DESC, id DESC LIMIT ${}", vals.len());
        let rows = self.db.query_all_raw(stmt(self.backend, &sql, vals)).await.map_err(map_err)?;
        rows.iter().map(|r| json(&get::<String>(r, "body")?, "case")).collect()
    }

    pub(crate) async fn query_in_states(
        &self,
        states: &[CaseState],
        before_ms: i64,
        limit: u64,
    ) -> Result<Vec<Case>, StoreError> {
        if states.is_empty() {
            return Ok(vec![]);
        }
        let mut vals: Vec<Value> = states.iter().map(|s| s.as_str().into()).collect();
        let list: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
        vals.push(before_ms.into());
        vals.push((limit as i64).into());
        let sql = format!(
            "SELECT body FROM cases WHERE state IN ({}) AND updated_at_ms < ${} ORDER BY updated_at_ms LIMIT ${}",
            list.join(", "),
            vals.len() - 1,
            vals.len()
        );
        let rows = self.db.query_all_raw(stmt(self.backend, &sql, vals)).await.map_err(map_err)?;
        rows.iter().map(|r| json(&get::<String>(r, "body")?, "case")).collect()
    }
}
