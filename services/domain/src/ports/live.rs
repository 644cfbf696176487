use crate::state::CaseState;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The live view of one case, as the console and mobile clients read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveCase {
    pub id: Uuid,
    pub version: i64,
    pub state: CaseState,
    pub category: String,
    pub grid: Option<String>,
    pub department: Option<String>,
    /// Due instant in Unix milliseconds.
    pub due_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("live state backend: {0}")]
    Backend(String),
}

/// Live state is a projection: everything in it can be rebuilt from the store.
#[async_trait]
pub trait LiveState: Send + Sync {
    /// Writes `view` unless the stored version is the same or newer; returns whether it was
    /// applied. A case in a terminal state leaves every queue. MUST be atomic per case.
    async fn upsert(&self, view: &LiveCase) -> Result<bool, LiveError>;
    async fn get(&self, id: Uuid) -> Result<Option<LiveCase>, LiveError>;
    /// Open cases held by `department` (`triage` for registered cases awaiting a department),
    /// soonest due first, at most `limit`.
    async fn queue(&self, department: &str, limit: usize) -> Result<Vec<LiveCase>, LiveError>;
    /// Ids of every case the live state believes is open.
    async fn open_ids(&self) -> Result<Vec<Uuid>, LiveError>;
    /// Whether a complete rebuild has happened since the backend last lost its data.
    async fn is_built(&self) -> Result<bool, LiveError>;
    /// Records that a rebuild completed.
    async fn mark_built(&self) -> Result<(), LiveError>;
}

/// Queue name for registered cases that no department holds yet.
pub const TRIAGE_QUEUE: &str = "triage";
