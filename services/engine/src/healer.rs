//! Rebuilds live state from the store at start-up and whenever the live backend lost its data
//! (Redis flushed or restarted), detected by its missing "built" marker.

use crate::service::{CaseService, live_view};
use chrono::Utc;
use gridflow_domain::CaseState;
use gridflow_domain::ports::{LiveError, StoreError};
use std::collections::HashSet;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// A rebuild failed because the store or the live backend did.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Live(#[from] LiveError),
}

/// Upper bound of open cases loaded in one rebuild; far above a city's open workload.
const REBUILD_LIMIT: u64 = 1_000_000;

/// Loads every open case into live state, corrects entries live state wrongly believes open, then
/// marks the rebuild complete. Version guards keep concurrent newer writes intact.
pub async fn rebuild(service: &CaseService) -> Result<usize, RebuildError> {
    let open: Vec<CaseState> = CaseState::ALL.into_iter().filter(|s| s.is_open()).collect();
    let far_future = Utc::now() + chrono::Duration::days(1);
    let cases = service.store.cases_in_states(&open, far_future, REBUILD_LIMIT).await?;
    let ids: HashSet<_> = cases.iter().map(|c| c.id).collect();
    for case in &cases {
        service.live.upsert(&live_view(case)).await?;
    }
    for id in service.live.open_ids().await? {
        if ids.contains(&id) {
            continue;
        }
        if let Some(case) = service.store.case(id).await? {
            service.live.upsert(&live_view(&case)).await?;
        }
    }
    service.live.mark_built().await?;
    service.metrics.live_rebuilds.inc();
    info!(open_cases = cases.len(), "live state rebuilt from the store");
    Ok(cases.len())
}

pub async fn run(service: CaseService, every: Duration, shutdown: CancellationToken) {
    loop {
        match service.live.is_built().await {
            Ok(true) => {}
            Ok(false) => {
                if let Err(e) = rebuild(&service).await {
                    warn!(error = %e, "live state rebuild failed; will retry");
                }
            }
            Err(e) => warn!(error = %e, "live state unreachable"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
