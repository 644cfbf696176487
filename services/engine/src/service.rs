//! The case service: every change to a case goes through here, so every change is decided by the
//! domain, committed with its audit record and outgoing event in one transaction, and projected
//! into live state afterwards.

use crate::calendars::CalendarCache;
use crate::events::message_for;
pub use crate::intake::{IntakePolicy, LikelyDuplicate, distance_m};
use crate::metrics::Metrics;
use crate::reference::{Reference, ReferenceCache};
use crate::router::{likely_work, routing_commands};
use crate::routing::{UnitWork, assign_command, assignment, complete};
use chrono::{DateTime, Utc};
use gridflow_domain::audit::Transition;
use gridflow_domain::ports::{
    CaseCommit, IdempotentResponse, InboxMark, LiveCase, LiveState, Store, StoreError, TimerChanges, Timers,
};
use gridflow_domain::{Actor, Case, CaseState, Command, Ctx, DomainError, Event, NewReport, decide, report};
use std::sync::Arc;
use tokio::sync::Notify;
use tracing::{info, warn};
use uuid::Uuid;

/// The calendar working-time limits are counted on until units get calendars of their own.
pub const DEFAULT_CALENDAR: &str = "cn-default";
/// Attempts when a concurrent writer moved the case between our read and our commit.
pub(crate) const MAX_ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("case {0} not found")]
    NotFound(Uuid),
    #[error("the case is at version {actual}, not the expected {expected}")]
    StaleVersion { expected: i64, actual: i64 },
    #[error("the case kept changing concurrently; retry the request")]
    Contended,
    #[error("unknown category `{0}`; GET /api/v1/categories lists the valid codes")]
    UnknownCategory(String),
    #[error("unknown department `{0}`; GET /api/v1/departments lists the units")]
    UnknownDepartment(String),
    #[error("category `{0}` is handled within hours or around the clock: its deadline cannot be extended")]
    ExtensionNotAllowed(String),
    #[error("unknown handler `{handler}` in unit `{unit}`")]
    UnknownHandler { unit: String, handler: String },
    #[error("the location ({lat}, {lon}) is outside every grid of the service area")]
    OutsideServiceArea { lat: f64, lon: f64 },
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyMismatch,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An `Idempotency-Key` and a hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub request_hash: String,
}

/// The result of a request: a fresh change, or the stored response to an earlier identical one.
#[derive(Debug)]
pub enum Outcome {
    Fresh(Box<Case>),
    /// A response already rendered (a new submission, or a replay of a stored one).
    Replayed {
        status: u16,
        body: String,
    },
}

/// Renders the response to a new submission (stored with it for idempotent replay).
pub type SubmitResponder<'a> = &'a (dyn Fn(&Case, &[LikelyDuplicate]) -> (u16, String) + Sync);

/// A command from a person or machine client, with what is needed to answer it idempotently.
pub struct ActRequest<'a> {
    pub actor: &'a Actor,
    pub id: Uuid,
    pub command: &'a Command,
    /// When given, the command applies only to this version of the case (`version_conflict` otherwise).
    pub expected_version: Option<i64>,
    pub idem: Option<Idempotency>,
    pub respond: Responder<'a>,
}

/// Builds the HTTP status and body for a case, so that it can be stored for idempotent replay in
/// the same transaction as the change itself.
pub type Responder<'a> = &'a (dyn Fn(&Case) -> (u16, String) + Sync);

#[derive(Clone)]
pub struct CaseService {
    pub store: Arc<dyn Store>,
    /// The durable SLA timers (the same database as `store`: clock commits arm them atomically).
    pub timers: Arc<dyn Timers>,
    pub live: Arc<dyn LiveState>,
    pub reference: ReferenceCache,
    pub calendars: CalendarCache,
    pub intake: IntakePolicy,
    pub metrics: Metrics,
    /// Woken after each commit so the relay publishes without waiting for its next poll.
    pub relay_wake: Arc<Notify>,
}

pub fn live_view(case: &Case) -> LiveCase {
    LiveCase {
        id: case.id,
        version: case.version,
        state: case.state,
        category: case.category.clone(),
        grid: case.grid.clone(),
        department: case.department.clone(),
        due_at_ms: case.due_at.map(|d| d.timestamp_millis()),
        updated_at_ms: case.updated_at.timestamp_millis(),
    }
}

/// The atomic write for a change: the case as it is now, its new transitions, one outgoing message
/// per transition, and optionally the inbox mark and the response stored for idempotent replay.
pub(crate) fn commit_for(
    next: &Case,
    expected_version: i64,
    transitions: Vec<Transition>,
    inbox: Option<InboxMark>,
    idempotency: Option<IdempotentResponse>,
) -> CaseCommit {
    CaseCommit {
        outbox: transitions.iter().map(|t| message_for(next, t)).collect(),
        idempotency,
        case: next.clone(),
        expected_version,
        transitions,
        inbox,
        timers: TimerChanges::default(),
    }
}

/// Applies `events` to a copy of `case`, returning the new case and its transitions.
pub fn apply_events(case: &Case, events: &[Event], actor: &Actor, now: DateTime<Utc>) -> (Case, Vec<Transition>) {
    let mut next = case.clone();
    let mut transitions = Vec::with_capacity(events.len());
    for event in events {
        let from = next.state;
        next.apply(event, now);
        transitions.push(Transition {
            case_id: next.id,
            seq: next.version,
            event: event.clone(),
            actor: actor.id.clone(),
            at: now,
            from_state: Some(from),
            to_state: next.state,
        });
    }
    (next, transitions)
}

impl CaseService {
    async fn replay(&self, actor: &Actor, idem: &Option<Idempotency>) -> Result<Option<Outcome>, ServiceError> {
        let Some(idem) = idem else { return Ok(None) };
        match self.store.idempotent(&actor.id, &idem.key).await? {
            Some(stored) if stored.request_hash == idem.request_hash => {
                Ok(Some(Outcome::Replayed { status: stored.status, body: stored.body }))
            }
            Some(_) => Err(ServiceError::IdempotencyMismatch),
            None => Ok(None),
        }
    }

    fn idempotency_record(
        actor: &Actor,
        idem: &Option<Idempotency>,
        case: &Case,
        respond: Responder,
    ) -> Option<IdempotentResponse> {
        idem.as_ref().map(|i| {
            let (status, body) = respond(case);
            IdempotentResponse {
                principal: actor.id.clone(),
                key: i.key.clone(),
                request_hash: i.request_hash.clone(),
                status,
                body,
            }
        })
    }

    /// Commits a change, then projects it. `Duplicate` from an idempotency race is resolved by
    /// replaying the winner's response.
    pub(crate) async fn commit(&self, commit: CaseCommit) -> Result<(), StoreError> {
        self.store.commit(&commit).await?;
        for t in &commit.transitions {
            self.metrics.transitions.with_label_values(&[t.event.kind()]).inc();
        }
        self.relay_wake.notify_one();
        self.project(&commit.case).await;
        Ok(())
    }

    /// Best effort: live state is a projection, healed by the projector and the healer if this
    /// write is lost.
    pub async fn project(&self, case: &Case) {
        if let Err(e) = self.live.upsert(&live_view(case)).await {
            warn!(case_id = %case.id, error = %e, "live state update failed; the projector will retry");
        }
    }

    /// Registers a new report.
    #[tracing::instrument(skip_all, fields(actor = %actor.id, case_id))]
    pub async fn submit(
        &self,
        actor: &Actor,
        mut new: NewReport,
        idem: Option<Idempotency>,
        respond: SubmitResponder<'_>,
    ) -> Result<Outcome, ServiceError> {
        if let Some(replayed) = self.replay(actor, &idem).await? {
            return Ok(replayed);
        }
        let reference = self.reference.get();
        if reference.sub_class(&new.category, Utc::now()).is_none() {
            return Err(ServiceError::UnknownCategory(new.category));
        }
        if let Some(f) = &new.facility_id
            && reference.directory().is_none_or(|d| d.facility(f).is_none())
        {
            return Err(DomainError::Invalid(format!("unknown facility `{f}`")).into());
        }
        // An impossible position is invalid input, not a place outside the service area.
        if !(new.lat.is_finite() && new.lon.is_finite() && new.lat.abs() <= 90.0 && new.lon.abs() <= 180.0) {
            return Err(DomainError::Invalid("`lat`/`lon` must be a valid WGS-84 position".into()).into());
        }
        let grid = reference
            .unit_grid(new.lat, new.lon)
            .ok_or(ServiceError::OutsideServiceArea { lat: new.lat, lon: new.lon })?;
        new.grid = Some(grid.code.clone());
        let duplicates = self.likely_duplicates(&new.category, new.lat, new.lon).await?;
        new.likely_duplicates = duplicates.iter().map(|d| d.id).collect();
        let event = report(&new, actor)?;
        let now = Utc::now();
        let id = Uuid::new_v4();
        tracing::Span::current().record("case_id", tracing::field::display(id));
        let case = Case::from_reported(id, &event, now).ok_or(DomainError::Invalid("report".into()))?;
        let transition = Transition {
            case_id: id,
            seq: 1,
            event,
            actor: actor.id.clone(),
            at: now,
            from_state: None,
            to_state: case.state,
        };
        let (status, body) = respond(&case, &duplicates);
        let idempotency = idem.as_ref().map(|i| IdempotentResponse {
            principal: actor.id.clone(),
            key: i.key.clone(),
            request_hash: i.request_hash.clone(),
            status,
            body: body.clone(),
        });
        // Intake starts no clock today; the same hook keeps any future intake clock in the commit.
        let (case, transitions, timers) = self.with_clocks(&case, case.clone(), vec![transition], now);
        let mut commit = commit_for(&case, 0, transitions, None, idempotency);
        commit.timers = timers;
        match self.commit(commit).await {
            Ok(()) => {
                info!(case_id = %id, grid = ?case.grid, likely_duplicates = duplicates.len(), "case reported");
                Ok(Outcome::Replayed { status, body })
            }
            Err(StoreError::Duplicate(_)) if idem.is_some() => {
                self.replay(actor, &idem).await?.ok_or(ServiceError::Contended)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Applies a command from a person or machine client.
    #[tracing::instrument(skip_all, fields(case_id = %req.id, action = req.command.name(), actor = %req.actor.id))]
    pub async fn act(&self, req: ActRequest<'_>) -> Result<Outcome, ServiceError> {
        let (actor, idem) = (req.actor, req.idem.clone());
        match self.act_once(req).await {
            // A concurrent request with the same key may have won meanwhile (so this one saw the
            // case already moved on): answer as the winner did.
            Err(e) if idem.is_some() => self.replay(actor, &idem).await?.ok_or(e),
            other => other,
        }
    }

    async fn act_once(&self, req: ActRequest<'_>) -> Result<Outcome, ServiceError> {
        let ActRequest { actor, id, command: cmd, expected_version, idem, respond } = req;
        if let Some(replayed) = self.replay(actor, &idem).await? {
            return Ok(replayed);
        }
        match cmd {
            Command::Dispatch { department } | Command::Redispatch { department, .. }
                if !self.reference.get().has_unit(department) =>
            {
                return Err(ServiceError::UnknownDepartment(department.clone()));
            }
            Command::MarkDuplicate { master_id } if self.store.case(*master_id).await?.is_none() => {
                return Err(DomainError::Invalid(format!("master case {master_id} does not exist")).into());
            }
            _ => {}
        }
        for _ in 0..MAX_ATTEMPTS {
            let case = self.store.case(id).await?.ok_or(ServiceError::NotFound(id))?;
            if let Some(expected) = expected_version.filter(|v| *v != case.version) {
                return Err(ServiceError::StaleVersion { expected, actual: case.version });
            }
            let now = Utc::now();
            let ctx = Ctx { now, handle_limit: self.handle_limit(&case, now) };
            let reference = self.reference.get();
            let cmd = complete(cmd, &case, &reference, now)?;
            let events = decide(&case, &cmd, actor, ctx)?;
            let (mut next, mut transitions) = apply_events(&case, &events, actor, now);
            // What the engine does at once as a consequence, in the same commit: re-route after an
            // approved return, assign a handler after a (re-)dispatch.
            let system = Actor::system("engine");
            for follow in self.follow_up(&cmd, &case, &next, &reference, now).await? {
                let step = decide(&next, &follow, &system, ctx)?;
                let (after, more) = apply_events(&next, &step, &system, now);
                next = after;
                transitions.extend(more);
            }
            let (next, transitions, timers) = self.with_clocks(&case, next, transitions, now);
            let idempotency = Self::idempotency_record(actor, &idem, &next, respond);
            let mut commit = commit_for(&next, case.version, transitions, None, idempotency);
            commit.timers = timers;
            match self.commit(commit).await {
                Ok(()) => return Ok(Outcome::Fresh(Box::new(next))),
                Err(StoreError::VersionConflict) if expected_version.is_none() => continue,
                Err(StoreError::VersionConflict) => {
                    let actual = self.store.case(id).await?.map_or(case.version, |c| c.version);
                    return Err(ServiceError::StaleVersion { expected: case.version, actual });
                }
                Err(StoreError::Duplicate(_)) if idem.is_some() => {
                    return self.replay(actor, &idem).await?.ok_or(ServiceError::Contended);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Contended)
    }

    async fn follow_up(
        &self,
        cmd: &Command,
        before: &Case,
        after: &Case,
        reference: &Reference,
        now: DateTime<Utc>,
    ) -> Result<Vec<Command>, StoreError> {
        if matches!(cmd, Command::ApproveReturn { .. }) && after.state == CaseState::Registered {
            let work = likely_work(self, reference, after, now).await?;
            return Ok(routing_commands(reference, after, now, &work));
        }
        match after.department.as_deref() {
            Some(unit) if after.state == CaseState::Dispatched && after.department != before.department => {
                let work = UnitWork::read(self.store.as_ref(), reference, unit).await?;
                let version = after.routing.as_ref().and_then(|r| r.catalogue_version);
                Ok(assignment(reference, unit, &after.category, version, now, &work)
                    .map(|a| assign_command(&a))
                    .into_iter()
                    .collect())
            }
            _ => Ok(vec![]),
        }
    }
}
