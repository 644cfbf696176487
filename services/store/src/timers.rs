//! Durable SLA timers and stored calendars on sea-orm (the `Timers` port).
//!
//! Timers follow the outbox pattern: replicas claim due rows with a lease (`FOR UPDATE SKIP
//! LOCKED` on Postgres so concurrent claimers skip each other's rows; SQLite's single writer makes
//! the plain UPDATE exclusive), and a conditional `UPDATE ... WHERE fired_at_ms IS NULL` is the
//! exactly-once gate for firing.
//!
//! [`arm_in`] and [`mark_fired_in`] take any connection, a transaction included, so that a case
//! commit can arm the next timers and fire the current one atomically with the case change: the
//! action a timer triggers then happens exactly once, not just its `fired_at_ms` mark.

use crate::SeaStore;
use crate::sql::{get, map_err, now_ms, stmt};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gridflow_domain::ports::{DueTimer, StoreError, StoredCalendar, TimerRow, TimerSpec, Timers};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use uuid::Uuid;

/// Rows per INSERT statement in `arm_in`: 6 values each, well under both backends' bind limits.
const ARM_CHUNK: usize = 1_000;

const TIMER_COLUMNS: &str = "id, case_id, clock, generation, kind, due_at_ms, claimed_by, claimed_until_ms, \
     fired_at_ms, fired_by, cancelled_at_ms, lateness_ms, created_at_ms";

/// Arms `timers` on `conn` (a connection or an open transaction), skipping those already armed
/// (same case, clock, generation and kind, whatever their state). Returns how many were new.
/// Large sets are written in multi-row INSERTs of [`ARM_CHUNK`] rows; run it inside a transaction
/// to make a large set all-or-nothing (re-arming after a partial failure is harmless anyway).
pub(crate) async fn arm_in<C: ConnectionTrait>(conn: &C, timers: &[TimerSpec]) -> Result<u64, StoreError> {
    let backend = conn.get_database_backend();
    let now = now_ms();
    let mut armed = 0;
    for chunk in timers.chunks(ARM_CHUNK) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut vals: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for (i, t) in chunk.iter().enumerate() {
            let n = i * 6;
            rows.push(format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
            vals.extend([
                t.case_id.to_string().into(),
                t.clock.clone().into(),
                t.generation.into(),
                t.kind.clone().into(),
                t.due_at.timestamp_millis().into(),
                now.into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO sla_timers (case_id, clock, generation, kind, due_at_ms, created_at_ms) VALUES {}
             ON CONFLICT (case_id, clock, generation, kind) DO NOTHING",
            rows.join(", ")
        );
        armed += conn.execute_raw(stmt(backend, &sql, vals)).await.map_err(map_err)?.rows_affected();
    }
    Ok(armed)
}

/// Marks timer `id` fired by `owner` at `fired_at` on `conn` (a connection or an open
/// transaction), recording its lateness, if and only if it is neither fired nor cancelled. Returns
/// `true` for the one call that fires it; `false` if it was fired or cancelled before, or does
/// not exist. The claim is not required: the gate is the row itself, so whichever holder (or a
/// case transaction) gets there first wins. On Postgres a concurrent caller waits for the first
/// one's transaction and then sees the row fired.
pub(crate) async fn mark_fired_in<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    owner: &str,
    fired_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let at = fired_at.timestamp_millis();
    // `fired_by` names the replica that claimed the timer when there is one (a commit that fires
    // its causing timer passes no owner of its own), so an operator can see who fired what.
    let sql =
        "UPDATE sla_timers SET fired_at_ms = $2, fired_by = COALESCE(claimed_by, $3), lateness_ms = $2 - due_at_ms
               WHERE id = $1 AND fired_at_ms IS NULL AND cancelled_at_ms IS NULL";
    let vals: Vec<Value> = vec![id.into(), at.into(), owner.into()];
    let res = conn.execute_raw(stmt(conn.get_database_backend(), sql, vals)).await.map_err(map_err)?;
    Ok(res.rows_affected() == 1)
}

/// Cancels the pending timers of one clock of a case on `conn`: all of them, or with `Some(g)` only
/// generations below `g`. Returns how many were cancelled.
pub(crate) async fn cancel_in<C: ConnectionTrait>(
    conn: &C,
    case_id: Uuid,
    clock: &str,
    below_generation: Option<i32>,
) -> Result<u64, StoreError> {
    let mut sql = "UPDATE sla_timers SET cancelled_at_ms = $3
                   WHERE case_id = $1 AND clock = $2 AND fired_at_ms IS NULL AND cancelled_at_ms IS NULL"
        .to_string();
    let mut vals: Vec<Value> = vec![case_id.to_string().into(), clock.into(), now_ms().into()];
    if let Some(g) = below_generation {
        sql.push_str(" AND generation < $4");
        vals.push(g.into());
    }
    let res = conn.execute_raw(stmt(conn.get_database_backend(), &sql, vals)).await.map_err(map_err)?;
    Ok(res.rows_affected())
}

fn instant(ms: i64, what: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Other(format!("corrupt {what}: {ms} ms")))
}

fn opt_instant(row: &QueryResult, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    get::<Option<i64>>(row, col)?.map(|ms| instant(ms, col)).transpose()
}

fn case_id(row: &QueryResult) -> Result<Uuid, StoreError> {
    let text: String = get(row, "case_id")?;
    Uuid::parse_str(&text).map_err(|e| StoreError::Other(format!("corrupt timer case id {text}: {e}")))
}

fn timer_row(r: &QueryResult) -> Result<TimerRow, StoreError> {
    Ok(TimerRow {
        id: get(r, "id")?,
        case_id: case_id(r)?,
        clock: get(r, "clock")?,
        generation: get(r, "generation")?,
        kind: get(r, "kind")?,
        due_at: instant(get(r, "due_at_ms")?, "due_at_ms")?,
        claimed_by: get(r, "claimed_by")?,
        claimed_until: opt_instant(r, "claimed_until_ms")?,
        fired_at: opt_instant(r, "fired_at_ms")?,
        fired_by: get(r, "fired_by")?,
        cancelled_at: opt_instant(r, "cancelled_at_ms")?,
        lateness_ms: get(r, "lateness_ms")?,
        created_at: instant(get(r, "created_at_ms")?, "created_at_ms")?,
    })
}

fn calendar_row(r: &QueryResult) -> Result<StoredCalendar, StoreError> {
    Ok(StoredCalendar {
        code: get(r, "code")?,
        revision: get(r, "revision")?,
        body: get(r, "body")?,
        created_by: get(r, "created_by")?,
        created_at: instant(get(r, "created_at_ms")?, "created_at_ms")?,
    })
}

#[async_trait]
impl Timers for SeaStore {
    async fn arm(&self, timers: &[TimerSpec]) -> Result<u64, StoreError> {
        if timers.len() <= ARM_CHUNK {
            return arm_in(&self.db, timers).await;
        }
        let txn = self.db.begin().await.map_err(map_err)?;
        let armed = arm_in(&txn, timers).await?;
        txn.commit().await.map_err(map_err)?;
        Ok(armed)
    }

    async fn cancel_clock(&self, case_id: Uuid, clock: &str, below_generation: Option<i32>) -> Result<u64, StoreError> {
        cancel_in(&self.db, case_id, clock, below_generation).await
    }

    async fn claim_due(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        limit: u64,
        lease_ms: i64,
    ) -> Result<Vec<DueTimer>, StoreError> {
        let now = now.timestamp_millis();
        let lock = if self.is_postgres() { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE sla_timers SET claimed_by = $1, claimed_until_ms = $2
             WHERE id IN (SELECT id FROM sla_timers
                          WHERE fired_at_ms IS NULL AND cancelled_at_ms IS NULL AND due_at_ms <= $3
                          AND (claimed_until_ms IS NULL OR claimed_until_ms < $3)
                          ORDER BY due_at_ms, id LIMIT $4 {lock})
             RETURNING id, case_id, clock, generation, kind, due_at_ms, claimed_until_ms"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let vals: Vec<Value> = vec![owner.into(), (now + lease_ms).into(), now.into(), limit.into()];
        let rows = self.db.query_all_raw(stmt(self.backend, &sql, vals)).await.map_err(map_err)?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(DueTimer {
                    id: get(r, "id")?,
                    case_id: case_id(r)?,
                    clock: get(r, "clock")?,
                    generation: get(r, "generation")?,
                    kind: get(r, "kind")?,
                    due_at: instant(get(r, "due_at_ms")?, "due_at_ms")?,
                    claimed_until: instant(get(r, "claimed_until_ms")?, "claimed_until_ms")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by_key(|t| (t.due_at, t.id));
        Ok(out)
    }

    async fn mark_fired(&self, id: i64, owner: &str, fired_at: DateTime<Utc>) -> Result<bool, StoreError> {
        mark_fired_in(&self.db, id, owner, fired_at).await
    }

    async fn release(&self, id: i64, owner: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE sla_timers SET claimed_by = NULL, claimed_until_ms = NULL
                   WHERE id = $1 AND claimed_by = $2 AND fired_at_ms IS NULL";
        let res = self.db.execute_raw(stmt(self.backend, sql, vec![id.into(), owner.into()])).await.map_err(map_err)?;
        Ok(res.rows_affected() == 1)
    }

    async fn overdue_unfired(&self, now: DateTime<Utc>) -> Result<(u64, Option<i64>), StoreError> {
        let now = now.timestamp_millis();
        let sql = "SELECT COUNT(*) AS n, MIN(due_at_ms) AS oldest FROM sla_timers
                   WHERE fired_at_ms IS NULL AND cancelled_at_ms IS NULL AND due_at_ms <= $1";
        let row = self.db.query_one_raw(stmt(self.backend, sql, vec![now.into()])).await.map_err(map_err)?;
        let Some(row) = row else { return Ok((0, None)) };
        let n = get::<i64>(&row, "n")?.max(0) as u64;
        let oldest: Option<i64> = get(&row, "oldest")?;
        Ok((n, oldest.map(|due| now - due)))
    }

    async fn timers_of(&self, case_id: Uuid) -> Result<Vec<TimerRow>, StoreError> {
        let sql = format!("SELECT {TIMER_COLUMNS} FROM sla_timers WHERE case_id = $1 ORDER BY due_at_ms, id");
        let rows =
            self.db.query_all_raw(stmt(self.backend, &sql, vec![case_id.to_string().into()])).await.map_err(map_err)?;
        rows.iter().map(timer_row).collect()
    }

    async fn calendars(&self) -> Result<Vec<StoredCalendar>, StoreError> {
        let sql = "SELECT code, revision, body, created_by, created_at_ms FROM calendars c
                   WHERE revision = (SELECT MAX(revision) FROM calendars l WHERE l.code = c.code)
                   ORDER BY code";
        let rows = self.db.query_all_raw(stmt(self.backend, sql, vec![])).await.map_err(map_err)?;
        rows.iter().map(calendar_row).collect()
    }

    async fn calendar_history(&self, code: &str) -> Result<Vec<StoredCalendar>, StoreError> {
        let sql = "SELECT code, revision, body, created_by, created_at_ms FROM calendars
                   WHERE code = $1 ORDER BY revision";
        let rows = self.db.query_all_raw(stmt(self.backend, sql, vec![code.into()])).await.map_err(map_err)?;
        rows.iter().map(calendar_row).collect()
    }

    async fn put_calendar(
        &self,
        code: &str,
        body: &str,
        created_by: &str,
        expected_revision: Option<i32>,
    ) -> Result<i32, StoreError> {
        // One statement: read the latest revision and append the next one. Two writers that read
        // the same latest revision collide on the primary key, and the later one gets `Duplicate`.
        let check = if expected_revision.is_some() { "WHERE latest.r = $5" } else { "" };
        let sql = format!(
            "INSERT INTO calendars (code, revision, body, created_by, created_at_ms)
             SELECT $1, latest.r + 1, $2, $3, $4
             FROM (SELECT COALESCE(MAX(revision), 0) AS r FROM calendars WHERE code = $1) latest {check}
             RETURNING revision"
        );
        let mut vals: Vec<Value> = vec![code.into(), body.into(), created_by.into(), now_ms().into()];
        if let Some(expected) = expected_revision {
            vals.push(expected.into());
        }
        let row = self.db.query_one_raw(stmt(self.backend, &sql, vals)).await.map_err(map_err)?;
        match row {
            Some(r) => get(&r, "revision"),
            None => Err(StoreError::VersionConflict),
        }
    }
}
