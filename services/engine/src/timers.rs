//! The SLA timer worker: claims due timers with a lease and records each one on its case through
//! [`CaseService::act_as_system`], firing the timer in the same transaction as the
//! `threshold_reached` event (exactly once, whichever replica gets there first). Thresholds also
//! arm the escalation steps they start, and escalation timers (`esc:<step>:<repetition>`) apply
//! their step the same way (see [`crate::escalation`]).

use crate::escalation;
use crate::reference::Reference;
use crate::routing::decide_elsewhere;
use crate::service::{CaseService, ServiceError};
use crate::system::Planned;
use chrono::Utc;
use futures_util::StreamExt;
use gridflow_domain::clock::REPORT_IN_PREFIX;
use gridflow_domain::clock::threshold_pending;
use gridflow_domain::ports::{DueTimer, StoreError};
use gridflow_domain::{Case, Command};
use gridflow_sla::{Action, EscalationChain};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Timers claimed per poll; a full batch polls again at once.
pub const BATCH: u64 = 200;
/// How long a claim holds before another replica may take the timer over.
pub const LEASE_MS: i64 = 30_000;
/// Timers of one batch fired at the same time (each a case transaction).
pub const FIRE_CONCURRENCY: usize = 16;
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
    // Each firing is its own case transaction; running several at once keeps a burst of
    // thresholds from queueing behind one another (the exactly-once gate is in the store).
    futures_util::stream::iter(&due).for_each_concurrent(FIRE_CONCURRENCY, |timer| fire(service, owner, timer)).await;
    match service.timers.overdue_unfired(Utc::now()).await {
        Ok((n, oldest_ms)) => {
            service.metrics.sla_overdue_unfired.set(i64::try_from(n).unwrap_or(i64::MAX));
            service.metrics.sla_overdue_unfired_oldest.set(oldest_ms.unwrap_or(0).max(0) as f64 / 1000.0);
        }
        Err(e) => warn!(error = %e, "reading overdue SLA timers failed"),
    }
    due.len()
}

/// What firing threshold `timer` does to `case`: record the threshold if still pending, and arm
/// the first runs of the escalation steps it starts, in the same commit.
fn plan_threshold(case: &Case, timer: &DueTimer, percent: u16, chain: &EscalationChain) -> Planned {
    let Ok(generation) = u64::try_from(timer.generation) else { return Planned::default() };
    if !threshold_pending(&case.clocks, &timer.clock, percent, generation) {
        return Planned::default();
    }
    let fire = Command::FireThreshold { stage: timer.clock.clone(), percent, generation, due: Some(timer.due_at) };
    if let Some(department) = timer.clock.strip_prefix(REPORT_IN_PREFIX) {
        // A missed report-in is no stage of the case's own chain: the street that whistled (or
        // the district's supervisors) hears of it.
        let minutes = case.report_ins.get(department).map_or(0, |r| r.minutes);
        let missed = Command::Notify {
            to: escalation::street_office(case).unwrap_or_else(|| "supervisor".into()),
            reason: format!("{department} did not report in 报到 within {minutes} minutes of the whistle"),
        };
        return Planned { commands: vec![fire, missed], arm: vec![] };
    }
    Planned {
        commands: vec![fire],
        arm: escalation::first_runs(chain, case, &timer.clock, timer.generation, percent, timer.due_at),
    }
}

/// What firing escalation run `(step, repetition)` does: its action and the arming of its next
/// repetition, only while the clock still runs at the timer's generation.
fn plan_step(case: &Case, timer: &DueTimer, (step, repetition): (usize, u32), policy: &Policy) -> Planned {
    if !escalation::running_at(case, &timer.clock, timer.generation) {
        return Planned::default();
    }
    let chain = &policy.chain;
    let Some(action) = chain.steps.get(step).map(|s| &s.action) else { return Planned::default() };
    let elsewhere = match action {
        Action::AutoRedispatch => decide_elsewhere(&policy.reference, case, Utc::now()),
        _ => None,
    };
    let reoffered = match action {
        Action::Reoffer => crate::routing::reoffer(&policy.reference, case, Utc::now(), (step, repetition)),
        _ => None,
    };
    let commands = match reoffered {
        Some(assign) => vec![assign],
        None => escalation::commands(action, case, &timer.clock, (step, repetition), elsewhere.as_ref()),
    };
    Planned {
        commands,
        arm: escalation::next_run(chain, case, &timer.clock, timer.generation, (step, repetition), timer.due_at)
            .into_iter()
            .collect(),
    }
}

/// What the reference data in force says about a case's escalation: its sub-class's chain, and
/// the rules to ask where an automatic re-dispatch sends the case.
struct Policy {
    chain: EscalationChain,
    reference: Arc<Reference>,
}

fn policy(service: &CaseService, case: &Case) -> Policy {
    let reference = service.reference.get();
    let chain = escalation::chain_for(reference.registered_sub_class(case, Utc::now()), case.urgency);
    Policy { chain, reference }
}

fn plan(case: &Case, timer: &DueTimer, policy: &Policy) -> Planned {
    if let Ok(percent) = timer.kind.parse::<u16>() {
        plan_threshold(case, timer, percent, &policy.chain)
    } else if let Some(step_run) = escalation::parse_kind(&timer.kind) {
        plan_step(case, timer, step_run, policy)
    } else {
        Planned::default()
    }
}

async fn fire(service: &CaseService, owner: &str, timer: &DueTimer) {
    let known = timer.kind.parse::<u16>().is_ok() || escalation::parse_kind(&timer.kind).is_some();
    if !known {
        // A kind this version does not run: left to its lease, so it is neither lost nor
        // claimed again at once.
        tracing::debug!(timer = timer.id, kind = %timer.kind, "skipping an SLA timer of unknown kind");
        return;
    }
    let result = service
        .act_as_system_arming(timer.case_id, None, Some(timer.id), |case| plan(case, timer, &policy(service, case)))
        .await;
    match result {
        Ok(Some(case)) => {
            let lateness = (Utc::now() - timer.due_at).num_milliseconds().max(0) as f64 / 1000.0;
            service.metrics.sla_firing_lateness.observe(lateness);
            let step = escalation::parse_kind(&timer.kind).map(|(step, _)| step);
            if step.is_none() {
                service.metrics.sla_thresholds.with_label_values(&[timer.clock.as_str(), timer.kind.as_str()]).inc();
            }
            let chain = policy(service, &case).chain;
            let urged = step.and_then(|s| chain.steps.get(s)).is_some_and(|s| s.action == Action::Urge);
            if urged {
                service.metrics.sla_breach_urges.inc();
            }
            info!(case_id = %timer.case_id, clock = %timer.clock, kind = %timer.kind, urged, "SLA timer fired");
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
