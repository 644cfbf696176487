//! Durable SLA timers and stored calendars.
//!
//! A timer is one threshold (`50`, `80`, `100` percent) or escalation step (`esc:2:0`) of one
//! stage clock (`handle`, ...) of one case. Timers are armed idempotently, claimed by any replica
//! with a lease once due, and fired through a conditional update that succeeds once per timer:
//! `mark_fired` returning `true` is the exactly-once gate for the action the timer triggers.
//! A clock's `generation` moves on whenever its due instant moves (pause, calendar change, ...);
//! timers of older generations are cancelled or, if they slip through, recognisably stale.

use super::store::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A timer to arm. (case_id, clock, generation, kind) identifies it: arming it again is a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerSpec {
    pub case_id: Uuid,
    /// Stage clock, e.g. `handle`.
    pub clock: String,
    pub generation: i32,
    /// Threshold (`50`, `80`, `100`) or escalation step (`esc:2:0`).
    pub kind: String,
    pub due_at: DateTime<Utc>,
}

/// A due timer claimed by one owner until `claimed_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueTimer {
    pub id: i64,
    pub case_id: Uuid,
    pub clock: String,
    pub generation: i32,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub claimed_until: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerState {
    Pending,
    Fired,
    Cancelled,
}

/// A stored timer, whatever its state (case timeline, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRow {
    pub id: i64,
    pub case_id: Uuid,
    pub clock: String,
    pub generation: i32,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub fired_at: Option<DateTime<Utc>>,
    pub fired_by: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `fired_at - due_at` in milliseconds, once fired.
    pub lateness_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl TimerRow {
    pub fn state(&self) -> TimerState {
        match (self.fired_at, self.cancelled_at) {
            (Some(_), _) => TimerState::Fired,
            (None, Some(_)) => TimerState::Cancelled,
            (None, None) => TimerState::Pending,
        }
    }
}

/// One revision of a stored calendar. `body` is the calendar JSON (`Calendar::from_json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCalendar {
    pub code: String,
    pub revision: i32,
    pub body: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait Timers: Send + Sync {
    /// Arms the timers, skipping any already armed (same case, clock, generation and kind, in any
    /// state). Returns how many were new.
    async fn arm(&self, timers: &[TimerSpec]) -> Result<u64, StoreError>;

    /// Cancels the pending timers of a clock: all of them, or with `Some(g)` only those of
    /// generations below `g` (the stale ones). Returns how many were cancelled.
    async fn cancel_clock(&self, case_id: Uuid, clock: &str, below_generation: Option<i32>) -> Result<u64, StoreError>;

    /// Claims up to `limit` pending timers due at or before `now` that nobody holds (or whose
    /// lease ended before `now`), oldest due first, for `lease_ms`. Concurrent claimers never get
    /// the same timer while its lease runs.
    async fn claim_due(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        limit: u64,
        lease_ms: i64,
    ) -> Result<Vec<DueTimer>, StoreError>;

    /// Records the timer as fired, only if it is neither fired nor cancelled: `true` exactly once
    /// per timer (whoever holds the claim), `false` afterwards, when cancelled or unknown.
    async fn mark_fired(&self, id: i64, owner: &str, fired_at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Gives a claim back before its lease ends (only `owner`'s own, unfired claim).
    async fn release(&self, id: i64, owner: &str) -> Result<bool, StoreError>;

    /// Pending timers due at or before `now` (claimed or not), and the age in milliseconds of the
    /// oldest of them.
    async fn overdue_unfired(&self, now: DateTime<Utc>) -> Result<(u64, Option<i64>), StoreError>;

    /// Every timer of a case, in due order.
    async fn timers_of(&self, case_id: Uuid) -> Result<Vec<TimerRow>, StoreError>;

    /// The latest revision of every stored calendar, by code.
    async fn calendars(&self) -> Result<Vec<StoredCalendar>, StoreError>;

    /// Every revision of one calendar, oldest first.
    async fn calendar_history(&self, code: &str) -> Result<Vec<StoredCalendar>, StoreError>;

    /// Stores a new revision of calendar `code` and returns its number (1 for a new code).
    /// `expected_revision`: `None` stores unconditionally; `Some(0)` only if the code is new;
    /// `Some(n)` only if `n` is the latest revision, else `VersionConflict`. A concurrent writer
    /// taking the same revision number first makes this `Duplicate`.
    async fn put_calendar(
        &self,
        code: &str,
        body: &str,
        created_by: &str,
        expected_revision: Option<i32>,
    ) -> Result<i32, StoreError>;
}
