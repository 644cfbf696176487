//! The outbox relay: publishes committed events and marks them only after the bus confirmed them.
//! Any number of replicas can run: each claims a disjoint batch under a lease (`SKIP LOCKED` on
//! Postgres), and a batch whose claimer died is taken over when its lease runs out. A message may
//! thus be published twice, never lost; consumers deduplicate by message id.

use crate::metrics::Metrics;
use futures_util::future::join_all;
use gridflow_domain::ports::{Bus, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::warn;

pub struct Relay {
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub metrics: Metrics,
    pub wake: Arc<Notify>,
    /// Identifies this replica in claimed rows (diagnostics only).
    pub owner: String,
    pub batch: u64,
    pub lease: Duration,
    /// Poll interval when nothing woke the relay (other replicas' commits do not).
    pub idle_poll: Duration,
}

impl Relay {
    /// Publishes one batch; returns how many messages the bus confirmed.
    pub async fn run_once(&self) -> Result<usize, gridflow_domain::ports::StoreError> {
        let lease_ms = i64::try_from(self.lease.as_millis()).unwrap_or(30_000);
        let batch = self.store.claim_outbox(&self.owner, self.batch, lease_ms).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        let results = join_all(batch.iter().map(|e| self.bus.publish(e.message.clone()))).await;
        let mut confirmed = Vec::with_capacity(batch.len());
        for (entry, result) in batch.iter().zip(results) {
            match result {
                Ok(()) => confirmed.push(entry.id),
                Err(e) => {
                    self.metrics.publish_failures.inc();
                    warn!(message_id = %entry.message.message_id, routing_key = %entry.message.routing_key,
                          error = %e, "publish not confirmed; it stays in the outbox");
                }
            }
        }
        self.store.mark_published(&confirmed).await?;
        self.metrics.published.inc_by(confirmed.len() as u64);
        Ok(confirmed.len())
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut last_gauge = Instant::now() - Duration::from_secs(10);
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let published = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    warn!(error = %e, "outbox claim failed");
                    0
                }
            };
            if last_gauge.elapsed() >= Duration::from_secs(1) {
                if let Ok(n) = self.store.outbox_backlog().await {
                    self.metrics.outbox_backlog.set(i64::try_from(n).unwrap_or(i64::MAX));
                }
                last_gauge = Instant::now();
            }
            if published == 0 {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.idle_poll) => {}
                }
            }
        }
    }
}
