//! The projector: keeps live state in step with the store for every case event, including those
//! committed by other replicas. It reads the case from the store rather than trusting the message,
//! and live state's version guard makes duplicates and reordering harmless.

use crate::PROJECTOR_QUEUE;
use crate::consumer::{self, Settle};
use crate::service::{CaseService, live_view};
use gridflow_domain::ports::Bus;
use gridflow_proto::CaseEvent;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::warn;
use uuid::Uuid;

async fn handle(service: &CaseService, event: CaseEvent) -> Settle {
    let Ok(id) = Uuid::parse_str(&event.case_id) else { return Settle::Park };
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
