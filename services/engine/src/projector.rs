//! The projector: keeps live state in step with the store for every case commit, including those
//! of other replicas. It reads the case from the store rather than trusting the message, and live
//! state's version guard makes duplicates and reordering harmless.
//!
//! A commit records several events (a routed report: accepted, registered, routed, dispatched,
//! assigned and its clock events) and each is a message; all of them are in the outbox of the same
//! transaction and each is delivered at least once, so projecting the commit's last message alone
//! (`seq == case_version`) is enough, and saves a store read and a live-state write per event.

use crate::PROJECTOR_QUEUE;
use crate::consumer::{self, Settle};
use crate::service::{CaseService, live_view};
use gridflow_domain::ports::Bus;
use gridflow_proto::CaseEvent;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::warn;
use uuid::Uuid;

/// Whether a later message of the same commit will project the case anyway.
fn superseded_in_its_commit(event: &CaseEvent) -> bool {
    event.seq < event.case_version
}

async fn handle(service: &CaseService, event: CaseEvent) -> Settle {
    let Ok(id) = Uuid::parse_str(&event.case_id) else { return Settle::Park };
    if superseded_in_its_commit(&event) {
        return Settle::Ack;
    }
    let case = match service.store.case(id).await {
        Ok(Some(case)) => case,
        Ok(None) => return Settle::Park,
        Err(e) => {
            warn!(error = %e, "projector could not read the case");
            return Settle::Retry;
        }
    };
    match service.live.upsert(&live_view(&case)).await {
        Ok(_) => Settle::Ack,
        Err(e) => {
            warn!(error = %e, "projector could not write live state");
            Settle::Retry
        }
    }
}

pub async fn run(service: CaseService, bus: Arc<dyn Bus>, shutdown: CancellationToken) {
    let metrics = service.metrics.clone();
    consumer::run(bus, PROJECTOR_QUEUE, metrics, shutdown, move |_, event| {
        let service = service.clone();
        async move { handle(&service, event).await }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_event_of_a_commit_is_projected() {
        let event = |seq, case_version| CaseEvent { seq, case_version, ..CaseEvent::default() };
        assert!(superseded_in_its_commit(&event(3, 6)));
        assert!(!superseded_in_its_commit(&event(6, 6)));
        // Messages from before `case_version` existed are all projected.
        assert!(!superseded_in_its_commit(&event(3, 0)));
    }
}
