//! The router worker: registers and dispatches new reports. It resolves the grid layers of the
//! reported point, runs the responsibility list, records the decision and why, dispatches to the
//! lead unit and assigns a handler, all in one commit that also records the message in the inbox,
//! so a redelivered message changes nothing. It also counts repeats on a master case when a
//! report is merged into it as a duplicate.

use crate::ROUTER_QUEUE;
use crate::consumer::{self, Settle};
use crate::reference::Reference;
use crate::routing::{UnitWork, assign_command, assignment, decide_for, note};
use crate::service::{CaseService, ServiceError};
use chrono::{DateTime, Utc};
use gridflow_domain::ports::{Bus, InboxMark, StoreError};
use gridflow_domain::{Case, CaseState, Command, Event};
use gridflow_proto::CaseEvent;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use uuid::Uuid;

/// Whether the router registers and routes `case` (rather than leaving it alone or holding it
/// at intake as a likely duplicate).
fn routes(case: &Case) -> bool {
    case.state == CaseState::Reported && case.likely_duplicates.is_empty()
}

/// What the router does with a case: nothing unless it is still `reported`.
pub fn plan(reference: &Reference, case: &Case, now: DateTime<Utc>, work: &UnitWork) -> Vec<Command> {
    if case.state != CaseState::Reported {
        return vec![];
    }
    if !routes(case) {
        // Probably a repeat of an open case: an intake operator merges it or routes it.
        return vec![Command::Accept];
    }
    let mut commands = vec![Command::Accept, Command::Register];
    commands.extend(routing_commands(reference, case, now, work));
    commands
}

/// Route → dispatch → assign for a registered case. Without a lead unit (triage) the case stays
/// registered, in the triage queue for a dispatcher, with the reason recorded.
pub fn routing_commands(reference: &Reference, case: &Case, now: DateTime<Utc>, work: &UnitWork) -> Vec<Command> {
    let Some(explained) = decide_for(reference, case, now) else { return vec![] };
    let mut recorded = note(&explained);
    recorded.excluded = case.returned_by.clone();
    let lead = recorded.lead.clone().filter(|l| reference.has_unit(l));
    let catalogue_version = recorded.catalogue_version;
    let mut commands = vec![Command::Route { note: recorded }];
    if let Some(lead) = lead {
        commands.push(Command::Dispatch { department: lead.clone() });
        if let Some(a) = assignment(reference, &lead, &case.category, catalogue_version, now, work) {
            commands.push(assign_command(&a));
        }
    }
    commands
}

/// The work of the unit the case will most likely go to, read before the commit (loads are an
/// estimate; a round-robin turn is taken for it).
pub async fn likely_work(
    service: &CaseService,
    reference: &Reference,
    case: &Case,
    now: DateTime<Utc>,
) -> Result<UnitWork, StoreError> {
    let Some(lead) = decide_for(reference, case, now).and_then(|e| e.decision.lead) else {
        return Ok(UnitWork::default());
    };
    UnitWork::read(service.store.as_ref(), reference, &lead).await
}

/// Routes one case; `Ok(None)` when it was already routed.
pub async fn route_case(
    service: &CaseService,
    id: Uuid,
    inbox: Option<InboxMark>,
) -> Result<Option<Case>, ServiceError> {
    let reference = service.reference.get();
    let case = service.store.case(id).await?.ok_or(ServiceError::NotFound(id))?;
    let now = Utc::now();
    // A redelivered message or a held duplicate assigns nobody: it must not use up a turn.
    let work = if routes(&case) { likely_work(service, &reference, &case, now).await? } else { UnitWork::default() };
    let routed = service.act_as_system(id, inbox, None, |case| plan(&reference, case, now, &work)).await?;
    if let Some(case) = &routed {
        let waited = (Utc::now() - case.created_at).num_milliseconds().max(0) as f64 / 1000.0;
        service.metrics.dispatch_latency.observe(waited);
        info!(case_id = %id, department = ?case.department, handler = ?case.handler, state = %case.state, "case routed");
    }
    Ok(routed)
}

/// Counts the repeat on the master; the domain makes a second link of the same case a no-op.
async fn link_duplicate(service: &CaseService, event: &CaseEvent, inbox: InboxMark) -> Result<(), ServiceError> {
    let Ok(Event::MarkedDuplicate { master_id }) = serde_json::from_str::<Event>(&event.event_json) else {
        return Ok(());
    };
    let Ok(duplicate) = Uuid::parse_str(&event.case_id) else { return Ok(()) };
    let plan = |master: &Case| {
        if master.duplicates.contains(&duplicate) {
            vec![]
        } else {
            vec![Command::LinkDuplicate { case_id: duplicate }]
        }
    };
    service.act_as_system(master_id, Some(inbox), None, plan).await.map(|_| ())
}

async fn handle(service: &CaseService, message_id: String, event: CaseEvent) -> Settle {
    let Ok(id) = Uuid::parse_str(&event.case_id) else { return Settle::Park };
    match service.store.inbox_has(ROUTER_QUEUE, &message_id).await {
        Ok(true) => return Settle::Ack,
        Ok(false) => {}
        Err(e) => {
            warn!(error = %e, "inbox check failed");
            return Settle::Retry;
        }
    }
    let inbox = InboxMark { consumer: ROUTER_QUEUE.into(), message_id };
    let result = if event.kind == "marked_duplicate" {
        link_duplicate(service, &event, inbox).await.map(|_| None)
    } else {
        route_case(service, id, Some(inbox)).await
    };
    match result {
        Ok(_) | Err(ServiceError::Store(StoreError::AlreadyProcessed)) => Settle::Ack,
        Err(ServiceError::NotFound(_)) => Settle::Park,
        Err(ServiceError::Domain(e)) => {
            warn!(error = %e, "routing refused by the domain; leaving the case for a dispatcher");
            Settle::Ack
        }
        Err(e) => {
            warn!(error = %e, "routing failed; will retry");
            Settle::Retry
        }
    }
}

pub async fn run(service: CaseService, bus: Arc<dyn Bus>, shutdown: CancellationToken) {
    let metrics = service.metrics.clone();
    consumer::run(bus, ROUTER_QUEUE, metrics, shutdown, move |id, event| {
        let service = service.clone();
        async move { handle(&service, id, event).await }
    })
    .await;
}

/// Safety net for the embedded bus, whose queue does not survive a crash: cases still `reported`
/// after `grace` are routed directly. The version check makes a race with the router harmless.
pub async fn sweep(service: CaseService, every: Duration, grace: Duration, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let before = Utc::now() - chrono::Duration::from_std(grace).unwrap_or_default();
        let stuck = match service.store.cases_in_states(&[CaseState::Reported], before, 100).await {
            Ok(cases) => cases,
            Err(e) => {
                warn!(error = %e, "sweep query failed");
                continue;
            }
        };
        for case in stuck {
            if let Err(e) = route_case(&service, case.id, None).await {
                warn!(case_id = %case.id, error = %e, "sweep routing failed");
            }
        }
    }
}
