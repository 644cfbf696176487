//! The shared consume loop: subscribe (retrying), decode, run the handler inside a span that
//! carries the case id, and settle the delivery only after the handler's transaction committed.

use crate::events::decode;
use crate::metrics::Metrics;
use gridflow_domain::ports::{Bus, BusError};
use gridflow_proto::CaseEvent;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
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

pub async fn run<H, Fut>(
    bus: Arc<dyn Bus>,
    queue: &'static str,
    metrics: Metrics,
    shutdown: CancellationToken,
    handler: H,
) where
    H: Fn(String, CaseEvent) -> Fut,
    Fut: Future<Output = Settle>,
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
    loop {
        let delivery = tokio::select! {
            _ = shutdown.cancelled() => return,
            d = sub.next() => d,
        };
        let delivery = match delivery {
            Ok(d) => d,
            Err(BusError::Closed) => return,
            Err(e) => {
                warn!(queue, error = %e, "consume failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if delivery.redelivered {
            metrics.redeliveries.with_label_values(&[queue]).inc();
        }
        let message_id = delivery.message.message_id.clone();
        let settle = match decode(&delivery.message.payload) {
            Some(event) => {
                let span = info_span!("consume", queue, case_id = %event.case_id, message_id = %message_id, kind = %event.kind);
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
}
