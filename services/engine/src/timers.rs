//! The SLA timer worker: claims due timers with a lease and records each one on its case through
//! [`CaseService::act_as_system`], firing the timer in the same transaction as the
//! `threshold_reached` event (exactly once, whichever replica gets there first). A breach (100%)
//! also urges the unit, as the first step of escalation.

use crate::service::{CaseService, ServiceError};
use chrono::Utc;
use gridflow_domain::clock::threshold_pending;
use gridflow_domain::lifecycle::states_for;
use gridflow_domain::ports::{DueTimer, StoreError};
use gridflow_domain::{Case, Command};
use gridflow_sla::BREACH;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Timers claimed per poll; a full batch polls again at once.
pub const BATCH: u64 = 200;
/// How long a claim holds before another replica may take the timer over.
pub const LEASE_MS: i64 = 30_000;
/// Poll interval when the last batch was not full.
pub const POLL: Duration = Duration::from_millis(250);

/// Runs until `shutdown`; `owner` names this replica in claims.
pub async fn run(service: CaseService, owner: String, shutdown: CancellationToken) {
    loop {
        let claimed = tick(&service, &owner).await;
        if shutdown.is_cancelled() {
            break;
        }
        if claimed < BATCH as usize {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.cancelled() => break,
            }
        }
    }
}

/// Claims and fires one batch, refreshes the overdue gauges, and returns how many were claimed.
pub async fn tick(service: &CaseService, owner: &str) -> usize {
    let due = match service.timers.claim_due(owner, Utc::now(), BATCH, LEASE_MS).await {
        Ok(due) => due,
        Err(e) => {
            warn!(error = %e, "claiming due SLA timers failed");
            return 0;
        }
    };
    for timer in &due {
        fire(service, owner, timer).await;
    }
    match service.timers.overdue_unfired(Utc::now()).await {
        Ok((n, oldest_ms)) => {
            service.metrics.sla_overdue_unfired.set(i64::try_from(n).unwrap_or(i64::MAX));
            service.metrics.sla_overdue_unfired_oldest.set(oldest_ms.unwrap_or(0).max(0) as f64 / 1000.0);
        }
        Err(e) => warn!(error = %e, "reading overdue SLA timers failed"),
    }
    due.len()
}

/// What firing `timer` does to `case`: record the threshold if still pending and, on a breach of
/// a case still with its unit, urge the unit.
fn plan(case: &Case, timer: &DueTimer, percent: u16) -> Vec<Command> {
    let Ok(generation) = u64::try_from(timer.generation) else { return vec![] };
    if !threshold_pending(&case.clocks, &timer.clock, percent, generation) {
        return vec![];
    }
    let mut commands =
        vec![Command::FireThreshold { stage: timer.clock.clone(), percent, generation, due: Some(timer.due_at) }];
    let urge = breach_urge(&timer.clock);
    if percent == BREACH && states_for(&urge).contains(&case.state) {
        commands.push(urge);
    }
    commands
}

fn breach_urge(clock: &str) -> Command {
    Command::Urge { note: format!("the {clock} limit is reached: automatic urge") }
}

async fn fire(service: &CaseService, owner: &str, timer: &DueTimer) {
    let Ok(percent) = timer.kind.parse::<u16>() else {
        // Not a threshold (an escalation step this version does not run): left to its lease, so
        // it is neither lost nor claimed again at once.
        tracing::debug!(timer = timer.id, kind = %timer.kind, "skipping an SLA timer of unknown kind");
        return;
    };
    let result = service.act_as_system(timer.case_id, None, Some(timer.id), |case| plan(case, timer, percent)).await;
    match result {
        Ok(Some(case)) => {
            let lateness = (Utc::now() - timer.due_at).num_milliseconds().max(0) as f64 / 1000.0;
            service.metrics.sla_firing_lateness.observe(lateness);
            service.metrics.sla_thresholds.with_label_values(&[timer.clock.as_str(), timer.kind.as_str()]).inc();
            // Neither event changes the state, so the plan's urge condition still holds after it.
            let urged = percent == BREACH && states_for(&breach_urge(&timer.clock)).contains(&case.state);
            if urged {
                service.metrics.sla_breach_urges.inc();
            }
            info!(case_id = %timer.case_id, clock = %timer.clock, percent, urged, "SLA threshold reached");
        }
        // Stale (the clock moved on) or fired by another replica: nothing to do.
        Ok(None) | Err(ServiceError::Store(StoreError::AlreadyProcessed)) => {}
        Err(ServiceError::NotFound(_)) => {
            if let Err(e) = service.timers.mark_fired(timer.id, owner, Utc::now()).await {
                warn!(timer = timer.id, error = %e, "retiring the timer of a missing case failed");
            }
        }
        // The claim lapses and the timer is retried after the lease.
        Err(e) => warn!(timer = timer.id, case_id = %timer.case_id, error = %e, "firing an SLA timer failed"),
    }
}
