//! The router worker: registers and dispatches new reports. It resolves the grid from the reported
//! point, picks the department from the grid × category rules and applies accept → register →
//! dispatch in one commit, recording the message in the inbox in the same transaction so a
//! redelivered message changes nothing.

use crate::consumer::{self, Settle};
use crate::service::{CaseService, ServiceError};
use crate::{ROUTER_QUEUE, routing};
use chrono::Utc;
use gridflow_domain::geo::{LatLon, resolve_grid};
use gridflow_domain::ports::{Bus, InboxMark, ReferenceData, StoreError};
use gridflow_domain::{Case, CaseState, Command};
use gridflow_proto::CaseEvent;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use uuid::Uuid;

/// What the router does with a case: nothing unless it is still `reported`.
pub fn plan(reference: &ReferenceData, case: &Case) -> Vec<Command> {
    if case.state != CaseState::Reported {
        return vec![];
    }
    let mut commands = vec![Command::Accept, Command::Register];
    let grid = case
        .grid
        .clone()
        .or_else(|| resolve_grid(&reference.grids, LatLon { lat: case.lat, lon: case.lon }).map(|g| g.code.clone()));
    let department = grid
        .and_then(|g| routing::route(&reference.rules, &g, &case.category))
        .map(|r| r.department.clone())
        .filter(|d| reference.departments.iter().any(|x| &x.code == d));
    // Without a department the case stays registered, in the triage queue for a dispatcher.
    if let Some(department) = department {
        commands.push(Command::Dispatch { department });
    }
    commands
}

/// Routes one case; `Ok(None)` when it was already routed.
pub async fn route_case(
    service: &CaseService,
    id: Uuid,
    inbox: Option<InboxMark>,
) -> Result<Option<Case>, ServiceError> {
    let reference = service.reference.get();
    let routed = service.act_as_system(id, inbox, |case| plan(&reference, case)).await?;
    if let Some(case) = &routed {
        let waited = (Utc::now() - case.created_at).num_milliseconds().max(0) as f64 / 1000.0;
        service.metrics.dispatch_latency.observe(waited);
        info!(case_id = %id, department = ?case.department, state = %case.state, "case routed");
    }
    Ok(routed)
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
    match route_case(service, id, Some(inbox)).await {
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
