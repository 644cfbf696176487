use super::bus::Message;
use super::timers::TimerSpec;
use crate::audit::{AuditRecord, Transition};
use crate::case::Case;
use crate::clock::ClockView;
use crate::role::{Role, Scope};
use crate::state::CaseState;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One stored reference document (geography, catalogue, directory or responsibility list).
/// Documents are never changed in place: an import writes the next revision, so the history of
/// what routing used when stays readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceDoc {
    /// `geography`, `catalogue`, `directory` or `rules`.
    pub kind: String,
    /// 1, 2, ... per kind; the highest is in force.
    pub revision: i32,
    pub body: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Open cases of one category in a bounding box reported since an instant (duplicate search).
#[derive(Debug, Clone, PartialEq)]
pub struct NearbyQuery {
    pub category: String,
    pub lat: (f64, f64),
    pub lon: (f64, f64),
    pub since: DateTime<Utc>,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub scopes: Vec<Scope>,
    /// argon2 PHC string for users, SHA-256 hex of the key for API keys.
    pub secret_hash: String,
}

/// A stored response to replay for a retried request with the same `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotentResponse {
    pub principal: String,
    pub key: String,
    /// Hash of the request body: the same key with a different body is a client error.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// One atomic write: the case after its new events, the transitions, the outgoing messages and,
/// optionally, the inbox mark of the message that caused it, the response for idempotent replay and
/// the SLA timers to arm, cancel or fire.
#[derive(Debug, Clone)]
pub struct CaseCommit {
    pub case: Case,
    /// Version the case had when it was read; 0 when creating it.
    pub expected_version: i64,
    pub transitions: Vec<Transition>,
    pub outbox: Vec<Message>,
    pub inbox: Option<InboxMark>,
    pub idempotency: Option<IdempotentResponse>,
    /// Timer changes written in the same transaction.
    pub timers: TimerChanges,
}

/// Durable timer changes that go with a case change: arm the new generation's thresholds, cancel
/// the stale ones, and mark the timer that caused the change fired (the exactly-once gate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerChanges {
    pub arm: Vec<TimerSpec>,
    /// (clock, `Some(g)`: only generations below `g`; `None`: all pending timers of the clock).
    pub cancel: Vec<(String, Option<i32>)>,
    /// The timer being fired: if it was fired or cancelled already, the commit fails with
    /// `AlreadyProcessed` and nothing is written.
    pub fire: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMark {
    pub consumer: String,
    pub message_id: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    pub state: Option<CaseState>,
    pub department: Option<String>,
    pub grid: Option<String>,
    pub category: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Cursor: only cases ordered after this (created_at ms, id), newest first.
    pub after: Option<(i64, Uuid)>,
    pub limit: u64,
}

/// One case's recorded stage clock with what the SLA metrics group and count by: taken from the
/// stored case as it is now, never estimated.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockRow {
    pub case_id: Uuid,
    pub department: Option<String>,
    pub grid: Option<String>,
    pub category: String,
    pub clock: ClockView,
    pub extension_count: u32,
    pub rework_count: u32,
    /// The case is suspended 挂账/缓办 now.
    pub suspended: bool,
}

/// Which clocks to read for the SLA metrics: one stage of the cases created in `[created_from,
/// created_to)`, oldest first, scanning at most `limit` cases.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockQuery {
    pub stage: String,
    pub created_from: DateTime<Utc>,
    pub created_to: DateTime<Utc>,
    pub limit: u64,
}

/// Outbox rows claimed by one relay replica for a lease.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub id: i64,
    pub message: Message,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The case changed since it was read (optimistic concurrency); reload and decide again.
    #[error("the case was changed concurrently")]
    VersionConflict,
    /// The inbox already holds this message: it was processed before.
    #[error("message already processed")]
    AlreadyProcessed,
    /// A unique key is taken (username, idempotency key, ...).
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store: {0}")]
    Other(String),
}

#[async_trait]
pub trait Store: Send + Sync {
    async fn ping(&self) -> Result<(), StoreError>;

    /// The latest revision of each reference document kind.
    async fn reference_docs(&self) -> Result<Vec<ReferenceDoc>, StoreError>;
    /// Writes new revisions in one transaction: all or nothing. Each `revision` MUST be the
    /// kind's latest + 1, else `VersionConflict` (someone imported meanwhile) and nothing is written.
    async fn put_reference_docs(&self, docs: &[ReferenceDoc]) -> Result<(), StoreError>;
    /// Open (not closed, rejected, duplicate or self-resolved) cases matching `query`, newest first.
    async fn nearby_cases(&self, query: &NearbyQuery) -> Result<Vec<Case>, StoreError>;
    /// Open cases per handler of `department` (handlers with none are absent).
    async fn handler_loads(&self, department: &str) -> Result<Vec<(String, u32)>, StoreError>;
    /// Takes the next round-robin turn of `unit`: 0, 1, 2, ... over the unit's whole history,
    /// across replicas. Concurrent callers MUST get distinct turns, and a turn is never handed
    /// out twice (one whose case commit then fails is simply skipped).
    async fn take_assignment_turn(&self, unit: &str) -> Result<u64, StoreError>;
    /// Open cases (see `nearby_cases`) dispatched to `department`, with or without a handler.
    async fn open_case_count(&self, department: &str) -> Result<u64, StoreError>;
    /// Open cases whose whistle 吹哨 awaits `department`'s report-in 报到, the earliest deadline
    /// first, at most `limit`: written with each case commit, so a report-in or the case's end
    /// takes the case off at once.
    async fn awaiting_report_in(&self, department: &str, limit: u64) -> Result<Vec<Case>, StoreError>;

    /// MUST return `Duplicate` for a taken name.
    async fn add_user(&self, user: &Principal) -> Result<(), StoreError>;
    async fn user(&self, name: &str) -> Result<Option<Principal>, StoreError>;
    /// MUST return `Duplicate` for a taken name.
    async fn add_api_key(&self, key: &Principal) -> Result<(), StoreError>;
    async fn api_key(&self, secret_hash: &str) -> Result<Option<Principal>, StoreError>;

    /// Writes the commit atomically: `VersionConflict` if the case's version is not
    /// `expected_version` (or it exists when creating), `AlreadyProcessed` if the inbox mark is
    /// taken, `Duplicate` if the idempotency key is taken. Audit records are chained here.
    async fn commit(&self, commit: &CaseCommit) -> Result<(), StoreError>;
    async fn case(&self, id: Uuid) -> Result<Option<Case>, StoreError>;
    async fn transitions(&self, id: Uuid) -> Result<Vec<Transition>, StoreError>;
    async fn audit(&self, id: Uuid) -> Result<Vec<AuditRecord>, StoreError>;
    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<Case>, StoreError>;
    /// Cases in `states` whose last change is older than `before`, least recently changed first.
    async fn cases_in_states(
        &self,
        states: &[CaseState],
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Case>, StoreError>;

    /// The `query.stage` clock of each case created in the query's window that has one (cases
    /// without that clock are scanned but not returned), oldest case first.
    async fn clock_rows(&self, query: &ClockQuery) -> Result<Vec<ClockRow>, StoreError>;

    async fn idempotent(&self, principal: &str, key: &str) -> Result<Option<IdempotentResponse>, StoreError>;
    async fn inbox_has(&self, consumer: &str, message_id: &str) -> Result<bool, StoreError>;

    /// Claims up to `limit` unpublished outbox rows for `lease_ms`, skipping rows another replica
    /// holds (`FOR UPDATE SKIP LOCKED` on Postgres). Oldest first.
    async fn claim_outbox(&self, owner: &str, limit: u64, lease_ms: i64) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Marks rows published (only after the broker confirmed them).
    async fn mark_published(&self, ids: &[i64]) -> Result<(), StoreError>;
    async fn outbox_backlog(&self) -> Result<u64, StoreError>;
}
