//! Exchange, queue and binding declarations for the RabbitMQ adapter.

use gridflow_domain::ports::{BusError, QueueSpec};
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

/// Broker-side names, all under the configured prefix so that deployments and parallel test
/// runs sharing a vhost do not collide.
#[derive(Debug, Clone)]
pub(super) struct Names {
    prefix: String,
}

impl Names {
    pub(super) fn new(prefix: &str) -> Self {
        Self { prefix: prefix.to_owned() }
    }

    pub(super) fn events(&self) -> String {
        format!("{}.events", self.prefix)
    }

    pub(super) fn parking(&self) -> String {
        format!("{}.parking", self.prefix)
    }

    pub(super) fn queue(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }

    pub(super) fn parked(&self, name: &str) -> String {
        format!("{}.{name}.parked", self.prefix)
    }

    /// Shown in the management UI and `rabbitmqctl list_connections`, so operators (and the
    /// reconnect test) can tell which deployment and role a connection belongs to.
    pub(super) fn connection(&self, role: &str) -> String {
        format!("gridflow-bus {} {role}", self.prefix)
    }
}

/// AMQP names and routing keys are short strings (at most 255 bytes); lapin panics on longer
/// ones, so every caller-supplied string goes through here first.
pub(super) fn short(value: String) -> Result<ShortString, BusError> {
    ShortString::try_new(value).map_err(|e| BusError::Connection(format!("invalid AMQP name or key: {e}")))
}

pub(super) fn broker(error: lapin::Error) -> BusError {
    BusError::Connection(error.to_string())
}

fn durable() -> ExchangeDeclareOptions {
    ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() }
}

/// The topic exchange every event is published to; also declared by the publisher so that a
/// publish before any `declare` is reported as unroutable instead of closing the channel.
pub(super) async fn declare_events(channel: &Channel, names: &Names) -> Result<(), BusError> {
    channel
        .exchange_declare(short(names.events())?, ExchangeKind::Topic, durable(), FieldTable::default())
        .await
        .map_err(broker)
}

fn quorum_arguments() -> FieldTable {
    let mut arguments = FieldTable::default();
    // Replicated, durable, and the only queue type with a delivery limit; RabbitMQ 4 also
    // deprecates classic mirrored queues. https://www.rabbitmq.com/docs/quorum-queues
    arguments.insert("x-queue-type".into(), long_string("quorum"));
    arguments
}

fn long_string(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

/// Declares the exchanges, then per spec the work queue with its bindings and its parking
/// queue. Every declaration is idempotent as long as the arguments do not change.
pub(super) async fn declare(channel: &Channel, names: &Names, specs: &[QueueSpec]) -> Result<(), BusError> {
    declare_events(channel, names).await?;
    let parking = short(names.parking())?;
    channel
        .exchange_declare(parking.clone(), ExchangeKind::Direct, durable(), FieldTable::default())
        .await
        .map_err(broker)?;
    let events = short(names.events())?;
    let queue_options = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
    for spec in specs {
        let queue = short(names.queue(&spec.name))?;
        let mut arguments = quorum_arguments();
        // Poison-message protection: after this many failed deliveries the broker dead-letters
        // the message. Set explicitly because RabbitMQ 4 defaults it to 20 and 3.x to
        // unlimited. https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling
        arguments.insert("x-delivery-limit".into(), AMQPValue::LongLongInt(i64::from(spec.delivery_limit)));
        // Dead-lettered messages (delivery limit reached, or nack without requeue) go to the
        // parking exchange instead of being dropped. https://www.rabbitmq.com/docs/dlx
        arguments.insert("x-dead-letter-exchange".into(), long_string(&names.parking()));
        // A fixed key per queue, so the direct parking exchange routes to this queue's parking
        // queue whatever the message's original routing key was.
        arguments.insert("x-dead-letter-routing-key".into(), long_string(&spec.name));
        channel.queue_declare(queue.clone(), queue_options, arguments).await.map_err(broker)?;
        for pattern in &spec.bindings {
            channel
                .queue_bind(
                    queue.clone(),
                    events.clone(),
                    short(pattern.clone())?,
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(broker)?;
        }

        let parked = short(names.parked(&spec.name))?;
        channel.queue_declare(parked.clone(), queue_options, quorum_arguments()).await.map_err(broker)?;
        channel
            .queue_bind(
                parked,
                parking.clone(),
                short(spec.name.clone())?,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker)?;
    }
    Ok(())
}
