//! Consuming side of the RabbitMQ adapter: self-healing subscriptions and acknowledgements.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt;
use gridflow_domain::ports::{Acker, BusError, Delivery, Message, QueueSpec, Subscription};
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Consumer};
use tokio::sync::watch;

use super::topology::{self, broker, short};
use super::{Backoff, RECONNECT_BUDGET, Shared};

pub(super) struct AmqpSubscription {
    shared: Arc<Shared>,
    spec: QueueSpec,
    active: Option<Active>,
    closed: watch::Receiver<bool>,
}

struct Active {
    // Held so the channel stays open; dropping it closes the channel, and the broker then
    // requeues everything still unacknowledged on it.
    _channel: Channel,
    consumer: Consumer,
}

impl AmqpSubscription {
    /// Subscribes now, so that errors surface to the caller and the consumer is registered
    /// (and takes its share of the queue) before this returns.
    pub(super) async fn start(shared: Arc<Shared>, spec: QueueSpec) -> Result<Self, BusError> {
        let mut subscription = Self { closed: shared.closed.subscribe(), shared, spec, active: None };
        let mut backoff = Backoff::within(RECONNECT_BUDGET);
        loop {
            match subscription.attach(false).await {
                Ok(active) => {
                    subscription.active = Some(active);
                    return Ok(subscription);
                }
                Err(e) => {
                    tracing::warn!(queue = %subscription.spec.name, error = %e, "bus: cannot subscribe");
                    subscription.shared.ensure_open()?;
                    if !backoff.wait().await {
                        return Err(e);
                    }
                }
            }
        }
    }

    async fn attach(&self, redeclare: bool) -> Result<Active, BusError> {
        let connection = self.shared.consume_connection().await?;
        let channel = connection.create_channel().await.map_err(broker)?;
        if redeclare {
            // After a broker restart or an operator's cleanup the queue may be gone; declaring
            // is idempotent, so doing it on every re-attach is harmless.
            topology::declare(&channel, &self.shared.names, std::slice::from_ref(&self.spec)).await?;
        }
        // Per consumer (global = false): the bound on unacknowledged deliveries in flight.
        channel.basic_qos(self.spec.prefetch, BasicQosOptions { global: false }).await.map_err(broker)?;
        let consumer = channel
            .basic_consume(
                short(self.shared.names.queue(&self.spec.name))?,
                // Let the broker pick a unique tag.
                "".into(),
                // no_ack = false: messages stay owned by the broker until acknowledged.
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker)?;
        Ok(Active { _channel: channel, consumer })
    }

    /// Re-attaches after a lost connection, retrying until it works or the bus is closed:
    /// `next` only fails for good.
    async fn reattach(&mut self) -> Result<(), BusError> {
        let mut backoff = Backoff::forever();
        loop {
            self.shared.ensure_open()?;
            match self.attach(true).await {
                Ok(active) => {
                    tracing::info!(queue = %self.spec.name, "bus: subscription re-attached");
                    self.active = Some(active);
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(queue = %self.spec.name, error = %e, "bus: re-subscribing failed");
                    let closed = self.closed.wait_for(|closed| *closed);
                    tokio::select! {
                        _ = backoff.wait() => {}
                        _ = closed => return Err(BusError::Closed),
                    }
                }
            }
        }
    }
}

#[async_trait]
impl Subscription for AmqpSubscription {
    async fn next(&mut self) -> Result<Delivery, BusError> {
        loop {
            self.shared.ensure_open()?;
            let Some(active) = self.active.as_mut() else {
                self.reattach().await?;
                continue;
            };
            let closed = self.closed.wait_for(|closed| *closed);
            let item = tokio::select! {
                item = active.consumer.next() => item,
                _ = closed => return Err(BusError::Closed),
            };
            match item {
                Some(Ok(delivery)) => return Ok(convert(delivery, &self.spec.name)),
                Some(Err(e)) => {
                    tracing::warn!(queue = %self.spec.name, error = %e, "bus: consumer failed, reconnecting");
                }
                None => {
                    tracing::warn!(queue = %self.spec.name, "bus: consumer ended, reconnecting");
                }
            }
            self.active = None;
        }
    }
}

fn convert(delivery: lapin::message::Delivery, queue: &str) -> Delivery {
    let headers = delivery.properties.headers().as_ref();
    let header = |name: &str| headers.and_then(|h| h.inner().get(name));
    let case_id = header("case_id").and_then(text);
    // Quorum queues count failed deliveries here; the redelivered flag alone misses messages
    // returned by a connection that died (the new channel sees them for the first time).
    let delivery_count = header("x-delivery-count").and_then(integer).unwrap_or(0);
    let message_id = delivery.properties.message_id().as_ref().map(ToString::to_string).unwrap_or_default();
    let redelivered = delivery.redelivered || delivery_count > 0;
    tracing::debug!(
        message_id = %message_id,
        case_id = case_id.as_deref(),
        queue,
        redelivered,
        delivery_count,
        "delivery"
    );
    Delivery {
        message: Message { message_id, routing_key: delivery.routing_key.to_string(), payload: delivery.data, case_id },
        redelivered,
        acker: Box::new(AmqpAcker { acker: Some(delivery.acker) }),
    }
}

fn text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

fn integer(value: &AMQPValue) -> Option<i64> {
    match *value {
        AMQPValue::ShortShortInt(n) => Some(n.into()),
        AMQPValue::ShortShortUInt(n) => Some(n.into()),
        AMQPValue::ShortInt(n) => Some(n.into()),
        AMQPValue::ShortUInt(n) => Some(n.into()),
        AMQPValue::LongInt(n) => Some(n.into()),
        AMQPValue::LongUInt(n) => Some(n.into()),
        AMQPValue::LongLongInt(n) => Some(n),
        _ => None,
    }
}

struct AmqpAcker {
    /// `None` once settled.
    acker: Option<lapin::Acker>,
}

/// lapin reports `Ok(false)` when the channel is gone: the broker has already requeued the
/// message, so the caller must not assume it was settled.
fn settled(result: lapin::Result<bool>) -> Result<(), BusError> {
    match result {
        Ok(true) => Ok(()),
        Ok(false) => {
            Err(BusError::Connection("the delivery's channel is closed; the broker will redeliver the message".into()))
        }
        Err(e) => Err(broker(e)),
    }
}

#[async_trait]
impl Acker for AmqpAcker {
    async fn ack(mut self: Box<Self>) -> Result<(), BusError> {
        match self.acker.take() {
            Some(acker) => settled(acker.ack(BasicAckOptions::default()).await),
            None => Ok(()),
        }
    }

    async fn nack(mut self: Box<Self>, requeue: bool) -> Result<(), BusError> {
        match self.acker.take() {
            // With requeue = false the queue dead-letters it to the parking queue.
            Some(acker) => settled(acker.nack(BasicNackOptions { multiple: false, requeue }).await),
            None => Ok(()),
        }
    }
}

impl Drop for AmqpAcker {
    /// An abandoned delivery is handed back right away rather than when the channel closes,
    /// which for a long-lived subscription could be never.
    fn drop(&mut self) {
        if let Some(acker) = self.acker.take()
            && acker.usable()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let requeue = BasicNackOptions { multiple: false, requeue: true };
                if let Err(e) = acker.nack(requeue).await {
                    tracing::debug!(error = %e, "bus: returning a dropped delivery failed");
                }
            });
        }
    }
}
