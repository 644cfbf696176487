//! The shared consume loop: subscribe (retrying), decode, run the handler inside a span that
//! carries the case id, and settle the delivery only after the handler's transaction committed.

use crate::events::decode;
use crate::metrics::Metrics;
use gridflow_domain::ports::{Bus, BusError, Delivery};
use gridflow_proto::CaseEvent;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info_span, warn};

/// What to do with a delivery once the handler is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Processed (or already processed before): remove it.
    Ack,
    /// A transient failure: deliver again later. The delivery limit parks poison messages.
    Retry,
    /// Cannot ever be processed: park it in the dead-letter queue for an operator.
    Park,
}

/// Deliveries one consumer processes at the same time.
const IN_FLIGHT: usize = 16;

async fn process<H, Fut>(queue: &'static str, metrics: &Metrics, handler: &H, delivery: Delivery)
where
    H: Fn(String, CaseEvent) -> Fut,
    Fut: Future<Output = Settle>,
{
    if delivery.redelivered {
        metrics.redeliveries.with_label_values(&[queue]).inc();
    }
    let message_id = delivery.message.message_id.clone();
    let settle = match decode(&delivery.message.payload) {
        Some(event) => {
            let span =
                info_span!("consume", queue, case_id = %event.case_id, message_id = %message_id, kind = %event.kind);
            handler(message_id.clone(), event).instrument(span).await
        }
        None => {
            warn!(queue, message_id, "undecodable message; parking it");
            Settle::Park
        }
    };
    let outcome = match settle {
        Settle::Ack => "ack",
        Settle::Retry => "retry",
        Settle::Park => "park",
    };
    metrics.consumed.with_label_values(&[queue, outcome]).inc();
    let settled = match settle {
        Settle::Ack => delivery.acker.ack().await,
        Settle::Retry => {
            // A short pause so a store outage is not turned into a hot redelivery loop.
            tokio::time::sleep(Duration::from_millis(250)).await;
            delivery.acker.nack(true).await
        }
        Settle::Park => delivery.acker.nack(false).await,
    };
    if let Err(e) = settled {
        warn!(queue, message_id, error = %e, "settling failed; the broker will redeliver");
    }
}

pub async fn run<H, Fut>(
    bus: Arc<dyn Bus>,
    queue: &'static str,
    metrics: Metrics,
    shutdown: CancellationToken,
    handler: H,
) where
    H: Fn(String, CaseEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Settle> + Send + 'static,
{
    let mut backoff = Duration::from_millis(200);
    let mut sub = loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            res = bus.subscribe(queue) => match res {
                Ok(sub) => break sub,
                Err(e) => {
                    warn!(queue, error = %e, "subscribe failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            },
        }
    };
    // Deliveries are handled concurrently, up to `IN_FLIGHT` at a time: the store's version check
    // and the inbox make two deliveries for the same case safe, and one slow case no longer holds
    // up the queue behind it. `next()` is only ever raced against shutdown, never against
    // completions, so no delivery is dropped half-received.
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let handler = Arc::new(handler);
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else { break };
        let delivery = tokio::select! {
            _ = shutdown.cancelled() => break,
            d = sub.next() => d,
        };
        let delivery = match delivery {
            Ok(d) => d,
            Err(BusError::Closed) => break,
            Err(e) => {
                warn!(queue, error = %e, "consume failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let (metrics, handler) = (metrics.clone(), Arc::clone(&handler));
        tokio::spawn(async move {
            process(queue, &metrics, handler.as_ref(), delivery).await;
            drop(permit);
        });
    }
    // Let started work finish so that its effects are acknowledged, not redelivered.
    let _ = permits.acquire_many(IN_FLIGHT as u32).await;
}
