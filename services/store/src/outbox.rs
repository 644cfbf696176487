//! Outbox claiming for the relay, the consumer inbox and idempotency keys.

use crate::SeaStore;
use crate::sql::{get, map_err, now_ms, stmt};
use gridflow_domain::ports::{IdempotentResponse, Message, OutboxEntry, StoreError};
use sea_orm::{ConnectionTrait, Value};

impl SeaStore {
    pub(crate) async fn claim(&self, owner: &str, limit: u64, lease_ms: i64) -> Result<Vec<OutboxEntry>, StoreError> {
        let now = now_ms();
        // Postgres: concurrent relays skip each other's locked rows instead of waiting, and the
        // lease lets another replica take over rows whose claimer died before marking them.
        // SQLite has a single writer, so the plain UPDATE is already exclusive.
        let lock = if self.is_postgres() { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until_ms = $2
             WHERE id IN (SELECT id FROM outbox WHERE published_at_ms IS NULL
                          AND (claimed_until_ms IS NULL OR claimed_until_ms < $3)
                          ORDER BY id LIMIT $4 {lock})
             RETURNING id, message_id, routing_key, case_id, payload"
        );
        let vals: Vec<Value> = vec![owner.into(), (now + lease_ms).into(), now.into(), (limit as i64).into()];
        let rows = self.db.query_all_raw(stmt(self.backend, &sql, vals)).await.map_err(map_err)?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(OutboxEntry {
                    id: get(r, "id")?,
                    message: Message {
                        message_id: get(r, "message_id")?,
                        routing_key: get(r, "routing_key")?,
                        case_id: get(r, "case_id")?,
                        payload: get(r, "payload")?,
                    },
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by_key(|e| e.id);
        Ok(out)
    }

    pub(crate) async fn mark(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!("UPDATE outbox SET published_at_ms = $1 WHERE id IN ({})", list.join(", "));
        let mut vals: Vec<Value> = vec![now_ms().into()];
        vals.extend(ids.iter().map(|i| Value::from(*i)));
        self.db.execute_raw(stmt(self.backend, &sql, vals)).await.map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn backlog(&self) -> Result<u64, StoreError> {
        let sql = "SELECT COUNT(*) AS n FROM outbox WHERE published_at_ms IS NULL";
        let row = self.db.query_one_raw(stmt(self.backend, sql, vec![])).await.map_err(map_err)?;
        Ok(row.map(|r| get::<i64>(&r, "n")).transpose()?.unwrap_or(0).max(0) as u64)
    }

    pub(crate) async fn inbox_contains(&self, consumer: &str, message_id: &str) -> Result<bool, StoreError> {
        let sql = "SELECT 1 AS one FROM inbox WHERE consumer = $1 AND message_id = $2";
        let row = self
            .db
            .query_one_raw(stmt(self.backend, sql, vec![consumer.into(), message_id.into()]))
            .await
            .map_err(map_err)?;
        Ok(row.is_some())
    }

    pub(crate) async fn idempotency(
        &self,
        principal: &str,
        key: &str,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let sql = "SELECT request_hash, status, body FROM idempotency_keys WHERE principal = $1 AND key = $2";
        let row = self
            .db
            .query_one_raw(stmt(self.backend, sql, vec![principal.into(), key.into()]))
            .await
            .map_err(map_err)?;
        row.map(|r| {
            Ok(IdempotentResponse {
                principal: principal.to_string(),
                key: key.to_string(),
                request_hash: get(&r, "request_hash")?,
                status: u16::try_from(get::<i32>(&r, "status")?).unwrap_or(200),
                body: get(&r, "body")?,
            })
        })
        .transpose()
    }
}
