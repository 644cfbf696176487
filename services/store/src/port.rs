//! The `Store` trait implementation: a thin mapping onto the modules above.

use crate::SeaStore;
use crate::principals::{API_KEY, USER};
use crate::sql::{map_err, stmt};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gridflow_domain::audit::{AuditRecord, Transition};
use gridflow_domain::ports::{
    CaseCommit, CaseFilter, ClockQuery, ClockRow, IdempotentResponse, NearbyQuery, OutboxEntry, Principal,
    ReferenceDoc, Store, StoreError,
};
use gridflow_domain::{Case, CaseState};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[async_trait]
impl Store for SeaStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.db.query_one_raw(stmt(self.backend, "SELECT 1 AS one", vec![])).await.map_err(map_err)?;
        Ok(())
    }
    async fn reference_docs(&self) -> Result<Vec<ReferenceDoc>, StoreError> {
        self.latest_reference_docs().await
    }
    async fn put_reference_docs(&self, docs: &[ReferenceDoc]) -> Result<(), StoreError> {
        self.insert_reference_docs(docs).await
    }
    async fn nearby_cases(&self, query: &NearbyQuery) -> Result<Vec<Case>, StoreError> {
        self.query_nearby(query).await
    }
    async fn handler_loads(&self, department: &str) -> Result<Vec<(String, u32)>, StoreError> {
        self.query_handler_loads(department).await
    }
    async fn take_assignment_turn(&self, unit: &str) -> Result<u64, StoreError> {
        self.next_assignment_turn(unit).await
    }
    async fn open_case_count(&self, department: &str) -> Result<u64, StoreError> {
        self.query_open_case_count(department).await
    }
    async fn awaiting_report_in(&self, department: &str, limit: u64) -> Result<Vec<Case>, StoreError> {
        self.query_awaiting_report_in(department, limit).await
    }
    async fn add_user(&self, user: &Principal) -> Result<(), StoreError> {
        self.insert_principal(USER, user).await
    }
    async fn user(&self, name: &str) -> Result<Option<Principal>, StoreError> {
        self.find_principal(USER, "name", name).await
    }
    async fn add_api_key(&self, key: &Principal) -> Result<(), StoreError> {
        self.insert_principal(API_KEY, key).await
    }
    async fn api_key(&self, secret_hash: &str) -> Result<Option<Principal>, StoreError> {
        self.find_principal(API_KEY, "secret_hash", secret_hash).await
    }
    async fn commit(&self, commit: &CaseCommit) -> Result<(), StoreError> {
        self.commit_case(commit).await
    }
    async fn case(&self, id: Uuid) -> Result<Option<Case>, StoreError> {
        self.load_case(id).await
    }
    async fn transitions(&self, id: Uuid) -> Result<Vec<Transition>, StoreError> {
        self.load_transitions(id).await
    }
    async fn audit(&self, id: Uuid) -> Result<Vec<AuditRecord>, StoreError> {
        self.load_audit(id).await
    }
    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<Case>, StoreError> {
        self.query_cases(filter).await
    }
    async fn cases_in_states(
        &self,
        states: &[CaseState],
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Case>, StoreError> {
        self.query_in_states(states, before.timestamp_millis(), limit).await
    }
    async fn clock_rows(&self, query: &ClockQuery) -> Result<Vec<ClockRow>, StoreError> {
        self.query_clock_rows(query).await
    }
    async fn idempotent(&self, principal: &str, key: &str) -> Result<Option<IdempotentResponse>, StoreError> {
        self.idempotency(principal, key).await
    }
    async fn inbox_has(&self, consumer: &str, message_id: &str) -> Result<bool, StoreError> {
        self.inbox_contains(consumer, message_id).await
    }
    async fn claim_outbox(&self, owner: &str, limit: u64, lease_ms: i64) -> Result<Vec<OutboxEntry>, StoreError> {
        self.claim(owner, limit, lease_ms).await
    }
    async fn mark_published(&self, ids: &[i64]) -> Result<(), StoreError> {
        self.mark(ids).await
    }
    async fn outbox_backlog(&self) -> Result<u64, StoreError> {
        self.backlog().await
    }
}
