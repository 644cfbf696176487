//! Builders and probes shared by the store contract cases: commits shaped exactly as the case
//! service builds them, row counts read past the port, and small assertion helpers.

use chrono::{DateTime, Duration, Utc};
use gridflow_domain::audit::Transition;
use gridflow_domain::ports::{CaseCommit, IdempotentResponse, Message, OutboxEntry, Store, StoreError};
use gridflow_domain::{Actor, Case, Event, Role, Urgency};
use gridflow_engine::events::message_for;
use gridflow_engine::service::apply_events;
use gridflow_store::SeaStore;
use sea_orm::{ConnectionTrait, Statement};
use std::sync::Arc;
use uuid::Uuid;

/// 2026-01-01T00:00:00Z: a fixed origin so that filters on time are exact.
pub const T0: i64 = 1_767_225_600_000;

/// `Err(pattern)` or a message naming what came instead.
macro_rules! assert_err {
    ($res:expr, $pat:pat) => {{
        let res = $res;
        assert!(matches!(res, Err($pat)), "expected Err({}), got {:?}", stringify!($pat), res);
    }};
}
pub(crate) use assert_err;

pub fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// The commit that creates a case, as `CaseService::submit` builds it: the Reported transition and
/// its outgoing message.
pub fn report(id: Uuid, category: &str, grid: &str, created: DateTime<Utc>) -> CaseCommit {
    let event = Event::Reported {
        category: category.into(),
        lat: 39.9075,
        lon: 116.3975,
        description: "broken manhole cover".into(),
        urgency: Urgency::Normal,
        client_ref: None,
        grid: Some(grid.into()),
        reporter: "worker-1".into(),
        facility_id: None,
        likely_duplicates: vec![],
    };
    let case = Case::from_reported(id, &event, created).unwrap();
    let t = Transition {
        case_id: id,
        seq: 1,
        event,
        actor: "worker-1".into(),
        at: created,
        from_state: None,
        to_state: case.state,
    };
    CaseCommit {
        outbox: vec![message_for(&case, &t)],
        case,
        expected_version: 0,
        transitions: vec![t],
        inbox: None,
        idempotency: None,
        timers: Default::default(),
    }
}

/// The commit moving `case` on by `events`, as `CaseService::act` builds it.
pub fn advance(case: &Case, events: &[Event], by: &str, now: DateTime<Utc>) -> CaseCommit {
    let actor = Actor { id: by.into(), roles: vec![Role::Dispatcher], scopes: vec![] };
    let (next, transitions) = apply_events(case, events, &actor, now);
    CaseCommit {
        outbox: transitions.iter().map(|t| message_for(&next, t)).collect(),
        case: next,
        expected_version: case.version,
        transitions,
        inbox: None,
        idempotency: None,
        timers: Default::default(),
    }
}

/// Accepted → Registered → Dispatched to `department`.
pub fn dispatch(department: &str, now: DateTime<Utc>) -> Vec<Event> {
    vec![
        Event::Accepted,
        Event::Registered,
        Event::Dispatched { department: department.into(), due_at: now + Duration::hours(24) },
    ]
}

/// Commits a new case and returns its commit.
pub async fn create(s: &SeaStore, category: &str, grid: &str, created: DateTime<Utc>) -> CaseCommit {
    let c = report(Uuid::new_v4(), category, grid, created);
    s.commit(&c).await.unwrap();
    c
}

/// Commits `events` on top of `case` and returns the commit.
pub async fn step(s: &SeaStore, case: &Case, events: &[Event], now: DateTime<Utc>) -> CaseCommit {
    let c = advance(case, events, "dispatcher-1", now);
    s.commit(&c).await.unwrap();
    c
}

pub fn response(principal: &str, key: &str, status: u16, body: &str) -> IdempotentResponse {
    IdempotentResponse {
        principal: principal.into(),
        key: key.into(),
        request_hash: format!("sha256-of-{key}-{body}"),
        status,
        body: body.into(),
    }
}

pub fn synthetic_message(case_id: Uuid, n: usize) -> Message {
    Message {
        message_id: Uuid::new_v4().to_string(),
        routing_key: "case.urged".into(),
        payload: format!("payload-{n}").into_bytes(),
        case_id: Some(case_id.to_string()),
    }
}

pub fn messages(entries: &[OutboxEntry]) -> Vec<Message> {
    entries.iter().map(|e| e.message.clone()).collect()
}

pub fn ids(entries: &[OutboxEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.id).collect()
}

/// Row counts of every table a commit writes, read past the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    pub cases: i64,
    pub transitions: i64,
    pub audit: i64,
    pub outbox: i64,
    pub inbox: i64,
    pub idempotency: i64,
}

async fn count(s: &SeaStore, table: &str) -> i64 {
    let db = s.connection();
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    row.unwrap().try_get::<i64>("", "n").unwrap()
}

pub async fn rows(s: &SeaStore) -> Rows {
    Rows {
        cases: count(s, "cases").await,
        transitions: count(s, "transitions").await,
        audit: count(s, "audit_log").await,
        outbox: count(s, "outbox").await,
        inbox: count(s, "inbox").await,
        idempotency: count(s, "idempotency_keys").await,
    }
}

/// Runs all `commits` at once (released together by a barrier) and returns their results in order.
pub async fn race(s: &SeaStore, commits: &[CaseCommit]) -> Vec<Result<(), StoreError>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(commits.len()));
    let tasks: Vec<_> = commits
        .iter()
        .cloned()
        .map(|c| {
            let (s, barrier) = (s.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                s.commit(&c).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for t in tasks {
        results.push(t.await.unwrap());
    }
    results
}

/// Index of the single successful commit; every other one must be a `VersionConflict`.
pub fn single_winner(results: &[Result<(), StoreError>]) -> usize {
    let winners: Vec<usize> = results.iter().enumerate().filter(|(_, r)| r.is_ok()).map(|(i, _)| i).collect();
    assert_eq!(winners.len(), 1, "exactly one racer must win: {results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert!(matches!(r, Err(StoreError::VersionConflict)), "losers must get VersionConflict: {r:?}");
    }
    winners[0]
}
