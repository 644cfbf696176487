//! The webhook sender: POSTs notification-worthy case events to `GRIDFLOW_WEBHOOK_URL`.
//!
//! Delivery is at least once: a failed POST (transport error, timeout, non-2xx) is retried in
//! process with a growing pause ([`BACKOFF`]: a receiver restarting for a few seconds costs no
//! redelivery), then by the bus, and after the queue's delivery limit — some three minutes of
//! outage — the message is parked in `webhooks.parked` (the dead-letter queue). Every POST of one event carries the same `Idempotency-Key` (the bus
//! message id), so a receiver can drop repeats. Without a URL the queue is drained doing nothing.

use crate::consumer::{self, Settle};
use crate::events::routing_key;
use crate::metrics::Metrics;
use chrono::DateTime;
use gridflow_domain::ports::{Bus, QueueSpec};
use gridflow_proto::CaseEvent;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Queue of the webhook sender.
pub const WEBHOOK_QUEUE: &str = "webhooks";
/// The event kinds sent to the webhook.
pub const KINDS: &[&str] = &[
    "dispatched",
    "redispatched",
    "urged",
    "escalated",
    "notified",
    "whistled",
    "reported_in",
    "threshold_reached",
    "closed",
];
/// Per-request timeout (connect, send and response).
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Deliveries before a message is parked in `webhooks.parked`.
pub const DELIVERY_LIMIT: u32 = 10;
/// Pauses before the in-process retries of one delivery (15 s in all, then the bus redelivers).
pub const BACKOFF: [Duration; 4] =
    [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4), Duration::from_secs(8)];

/// The queue, bound to the kinds in [`KINDS`].
pub fn queue() -> QueueSpec {
    QueueSpec {
        name: WEBHOOK_QUEUE.into(),
        bindings: KINDS.iter().map(|k| routing_key(k)).collect(),
        delivery_limit: DELIVERY_LIMIT,
        prefetch: 16,
    }
}

/// Posts events to one URL.
#[derive(Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    url: String,
}

impl WebhookSender {
    pub fn new(url: &str) -> Result<WebhookSender, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        Ok(WebhookSender { client, url: url.to_string() })
    }
}

/// The JSON body for one event: `{event, case_id, kind, department, occurred_at, ...}`.
pub fn body(message_id: &str, event: &CaseEvent) -> Value {
    let occurred_at = DateTime::from_timestamp_millis(event.occurred_at_ms).map(|d| d.to_rfc3339());
    json!({
        "event": serde_json::from_str::<Value>(&event.event_json).unwrap_or(Value::Null),
        "case_id": event.case_id,
        "kind": event.kind,
        "department": event.department,
        "occurred_at": occurred_at,
        "seq": event.seq,
        "state": event.state,
        "grid": event.grid,
        "category": event.category,
        "actor": event.actor,
        "message_id": message_id,
    })
}

/// One delivery: the first POST and its in-process retries, until accepted, out of retries, or
/// shutting down.
async fn deliver(
    sender: Option<&WebhookSender>,
    metrics: &Metrics,
    message_id: &str,
    event: &CaseEvent,
    shutdown: &CancellationToken,
) -> Settle {
    let Some(sender) = sender else {
        metrics.webhook_deliveries.with_label_values(&["skipped"]).inc();
        return Settle::Ack;
    };
    for pause in BACKOFF {
        if post(sender, metrics, message_id, event).await == Settle::Ack {
            return Settle::Ack;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Settle::Retry,
            _ = tokio::time::sleep(pause) => {}
        }
    }
    post(sender, metrics, message_id, event).await
}

async fn post(sender: &WebhookSender, metrics: &Metrics, message_id: &str, event: &CaseEvent) -> Settle {
    let sent = sender
        .client
        .post(&sender.url)
        .header("Idempotency-Key", message_id)
        .json(&body(message_id, event))
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => {
            metrics.webhook_deliveries.with_label_values(&["delivered"]).inc();
            debug!(status = %response.status(), "webhook delivered");
            Settle::Ack
        }
        Ok(response) => {
            metrics.webhook_deliveries.with_label_values(&["failed"]).inc();
            warn!(status = %response.status(), "webhook refused; will retry");
            Settle::Retry
        }
        Err(e) => {
            metrics.webhook_deliveries.with_label_values(&["failed"]).inc();
            warn!(error = %e, "webhook failed; will retry");
            Settle::Retry
        }
    }
}

/// Consumes the webhook queue until `shutdown`; with no sender every message is acked unsent.
pub async fn run(sender: Option<WebhookSender>, bus: Arc<dyn Bus>, metrics: Metrics, shutdown: CancellationToken) {
    let sender = Arc::new(sender);
    let m = metrics.clone();
    let stop = shutdown.clone();
    consumer::run(bus, WEBHOOK_QUEUE, metrics, shutdown, move |message_id, event| {
        let (sender, metrics, stop) = (Arc::clone(&sender), m.clone(), stop.clone());
        async move { deliver(sender.as_ref().as_ref(), &metrics, &message_id, &event, &stop).await }
    })
    .await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_queue_is_bound_to_the_notification_kinds() {
        let q = queue();
        assert!(q.bindings.contains(&"case.dispatched".to_string()));
        assert!(q.bindings.contains(&"case.notified".to_string()));
        assert!(!q.bindings.contains(&"case.#".to_string()));
    }

    #[test]
    fn the_body_carries_the_event_and_its_case() {
        let event = CaseEvent {
            message_id: "m1".into(),
            case_id: "c1".into(),
            seq: 3,
            kind: "dispatched".into(),
            occurred_at_ms: 0,
            actor: "system:engine".into(),
            state: "dispatched".into(),
            department: "sanitation".into(),
            grid: "g".into(),
            category: "event:0505".into(),
            event_json: r#"{"type":"dispatched","department":"sanitation"}"#.into(),
            case_version: 3,
        };
        let b = body("m1", &event);
        assert_eq!(b["event"]["type"], "dispatched");
        assert_eq!(b["case_id"], "c1");
        assert_eq!(b["kind"], "dispatched");
        assert_eq!(b["department"], "sanitation");
        assert_eq!(b["occurred_at"], "1970-01-01T00:00:00+00:00");
    }
}
