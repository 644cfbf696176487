//! RabbitMQ adapter: durable quorum queues, publisher confirms, manual acks, reconnects.

mod consume;
mod topology;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use gridflow_domain::ports::{Bus, BusError, Message, QueueSpec, Subscription};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ErrorKind};
use tokio::sync::watch;
use tokio::time::{Instant, timeout};
use tracing::Instrument;

use self::consume::AmqpSubscription;
use self::topology::{Names, broker, short};

/// How long `publish` (and `connect`) keep reconnecting before giving up with
/// `BusError::Connection`; long enough to ride out a broker restart.
const RECONNECT_BUDGET: Duration = Duration::from_secs(30);
/// One connection attempt; a blackholed broker would otherwise stall for the OS TCP timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A confirm that takes longer is treated as a dead connection: the message is published
/// again on a fresh one (consumers deduplicate on `message_id`).
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// AMQP `delivery_mode` for messages written to disk.
const PERSISTENT: u8 = 2;

/// Where and under which name prefix the bus lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmqpConfig {
    /// e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`
    pub url: String,
    /// Prepended to every exchange and queue name.
    pub prefix: String,
}

/// The `Bus` on RabbitMQ. Cheap to clone; clones share the connections.
#[derive(Clone)]
pub struct AmqpBus {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    url: String,
    names: Names,
    /// Declared queues, needed to subscribe (prefetch) and to re-declare after a reconnect.
    specs: Mutex<HashMap<String, QueueSpec>>,
    /// The publish connection and its confirm channels (opened lazily, replaced after a failure).
    publisher: tokio::sync::Mutex<Option<Arc<Publisher>>>,
    /// Round-robin cursor over the confirm channels.
    next_channel: AtomicUsize,
    /// Shared by all subscriptions, each on its own channel.
    consumer: tokio::sync::Mutex<Option<Arc<Connection>>>,
    closed: watch::Sender<bool>,
}

/// Confirm channels per publish connection. lapin hands a returned (unroutable) message to
/// whichever confirm completes next on its channel, so each channel carries one publish at a time
/// to attribute returns correctly; several channels let the relay publish in parallel.
const CONFIRM_CHANNELS: usize = 8;

struct Publisher {
    connection: Connection,
    channels: Vec<tokio::sync::Mutex<Channel>>,
}

impl Publisher {
    fn is_open(&self) -> bool {
        self.connection.status().connected()
    }
}

/// Exponential backoff between reconnect attempts, optionally within a time budget.
pub(crate) struct Backoff {
    delay: Duration,
    deadline: Option<Instant>,
}

impl Backoff {
    fn within(budget: Duration) -> Self {
        Self { delay: BACKOFF_START, deadline: Some(Instant::now() + budget) }
    }

    fn forever() -> Self {
        Self { delay: BACKOFF_START, deadline: None }
    }

    /// Sleeps before the next attempt; `false` (without sleeping) once the budget is spent.
    async fn wait(&mut self) -> bool {
        if let Some(deadline) = self.deadline
            && Instant::now() + self.delay > deadline
        {
            return false;
        }
        tokio::time::sleep(self.delay).await;
        self.delay = (self.delay * 2).min(BACKOFF_MAX);
        true
    }
}

impl AmqpBus {
    /// Connects the publisher (retrying for a bounded time) and declares the events exchange.
    pub async fn connect(cfg: AmqpConfig) -> Result<AmqpBus, BusError> {
        let names = Names::new(&cfg.prefix);
        // Fail now rather than on first use if the prefix makes names too long.
        short(names.connection("publish"))?;
        short(names.parking())?;
        let bus = AmqpBus {
            shared: Arc::new(Shared {
                url: cfg.url,
                names,
                specs: Mutex::new(HashMap::new()),
                publisher: tokio::sync::Mutex::new(None),
                next_channel: AtomicUsize::new(0),
                consumer: tokio::sync::Mutex::new(None),
                closed: watch::channel(false).0,
            }),
        };
        bus.shared.admin_channel().await?;
        Ok(bus)
    }

    /// Deletes every queue (with its parking queue) declared through this bus and both
    /// exchanges: for decommissioning a namespace, and for tests that must not leave quorum
    /// queues behind on a shared broker. Best effort; returns the first failure.
    pub async fn teardown(&self) -> Result<(), BusError> {
        use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
        let channel = self.shared.admin_channel().await?;
        let names: Vec<String> = match self.shared.specs.lock() {
            Ok(specs) => specs.keys().cloned().collect(),
            Err(_) => vec![],
        };
        let n = &self.shared.names;
        for name in names {
            for queue in [n.queue(&name), n.parked(&name)] {
                channel.queue_delete(short(queue)?, QueueDeleteOptions::default()).await.map_err(broker)?;
            }
        }
        for exchange in [n.events(), n.parking()] {
            channel.exchange_delete(short(exchange)?, ExchangeDeleteOptions::default()).await.map_err(broker)?;
        }
        Ok(())
    }

    /// Closes the connections. Afterwards every operation, and every subscription's `next`,
    /// fails with `BusError::Closed`; unacknowledged deliveries go back to their queues.
    pub async fn close(&self) {
        self.shared.closed.send_replace(true);
        let publisher = self.shared.publisher.lock().await.take();
        if let Some(publisher) = publisher {
            let _ = publisher.connection.close(200, "bus closed".into()).await;
        }
        let consumer = self.shared.consumer.lock().await.take();
        if let Some(consumer) = consumer {
            let _ = consumer.close(200, "bus closed".into()).await;
        }
    }
}

impl Shared {
    fn ensure_open(&self) -> Result<(), BusError> {
        if *self.closed.borrow() { Err(BusError::Closed) } else { Ok(()) }
    }

    fn spec(&self, queue: &str) -> Option<QueueSpec> {
        let specs = self.specs.lock().unwrap_or_else(PoisonError::into_inner);
        specs.get(queue).cloned()
    }

    async fn open(&self, role: &str) -> Result<Connection, BusError> {
        let name = LongString::from(self.names.connection(role));
        let properties = ConnectionProperties::default().with_connection_name(name);
        match timeout(CONNECT_TIMEOUT, Connection::connect(&self.url, properties)).await {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(e)) => Err(broker(e)),
            Err(_) => Err(BusError::Connection("connecting to the broker timed out".into())),
        }
    }

    async fn open_publisher(&self) -> Result<Publisher, BusError> {
        let connection = self.open("publish").await?;
        let mut channels = Vec::with_capacity(CONFIRM_CHANNELS);
        for _ in 0..CONFIRM_CHANNELS {
            let channel = connection.create_channel().await.map_err(broker)?;
            // Publisher confirms: the broker acks each message once it owns it (for quorum queues,
            // once a majority has written it). https://www.rabbitmq.com/docs/confirms
            channel.confirm_select(ConfirmSelectOptions::default()).await.map_err(broker)?;
            channels.push(tokio::sync::Mutex::new(channel));
        }
        if let Some(first) = channels.first() {
            topology::declare_events(&*first.lock().await, &self.names).await?;
        }
        Ok(Publisher { connection, channels })
    }

    /// The open publisher, reconnecting (within the budget) if the connection was lost.
    async fn publisher(
        &self,
        slot: &mut Option<Arc<Publisher>>,
        backoff: &mut Backoff,
    ) -> Result<Arc<Publisher>, BusError> {
        if slot.as_ref().is_some_and(|p| !p.is_open()) {
            *slot = None;
        }
        while slot.is_none() {
            self.ensure_open()?;
            match self.open_publisher().await {
                Ok(publisher) => *slot = Some(Arc::new(publisher)),
                Err(e) => {
                    tracing::warn!(error = %e, "bus: cannot open the publish connection");
                    if !backoff.wait().await {
                        return Err(e);
                    }
                }
            }
        }
        slot.clone().ok_or(BusError::Closed)
    }

    /// A fresh channel on the publish connection for declarations: a failed passive declare
    /// closes its channel, which must not take the confirm channel down with it.
    async fn admin_channel(&self) -> Result<Channel, BusError> {
        let mut slot = self.publisher.lock().await;
        let mut backoff = Backoff::within(RECONNECT_BUDGET);
        let publisher = self.publisher(&mut slot, &mut backoff).await?;
        publisher.connection.create_channel().await.map_err(broker)
    }

    /// The shared consume connection, opened anew if the previous one is gone.
    pub(crate) async fn consume_connection(&self) -> Result<Arc<Connection>, BusError> {
        self.ensure_open()?;
        let mut slot = self.consumer.lock().await;
        if let Some(connection) = slot.as_ref()
            && connection.status().connected()
        {
            return Ok(connection.clone());
        }
        let connection = Arc::new(self.open("consume").await?);
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn publish_once(&self, message: &Message) -> Result<(), BusError> {
        let exchange = short(self.names.events())?;
        let routing_key =
            short(message.routing_key.clone()).map_err(|_| BusError::Unroutable(message.routing_key.clone()))?;
        let mut properties = BasicProperties::default()
            .with_message_id(short(message.message_id.clone())?)
            .with_delivery_mode(PERSISTENT);
        if let Some(case_id) = &message.case_id {
            let mut headers = FieldTable::default();
            headers.insert("case_id".into(), AMQPValue::LongString(LongString::from(case_id.as_str())));
            properties = properties.with_headers(headers);
        }
        // Without `mandatory` the broker silently drops a message no queue is bound for.
        let options = BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() };

        let mut backoff = Backoff::within(RECONNECT_BUDGET);
        loop {
            // The slot is held only to fetch (or reopen) the publisher, not across the publish.
            let publisher = {
                let mut slot = self.publisher.lock().await;
                self.publisher(&mut slot, &mut backoff).await?
            };
            let index = self.next_channel.fetch_add(1, Ordering::Relaxed) % publisher.channels.len();
            let channel = publisher.channels[index].lock().await;
            let attempt = async {
                let confirm = channel
                    .basic_publish(exchange.clone(), routing_key.clone(), options, &message.payload, properties.clone())
                    .await?;
                confirm.await
            };
            let error = match timeout(CONFIRM_TIMEOUT, attempt).await {
                Ok(Ok(Confirmation::Ack(None))) => return Ok(()),
                Ok(Ok(Confirmation::Ack(Some(_returned)))) => {
                    return Err(BusError::Unroutable(message.routing_key.clone()));
                }
                Ok(Ok(Confirmation::Nack(_) | Confirmation::NotRequested)) => {
                    return Err(BusError::NotConfirmed);
                }
                Ok(Err(e)) => broker(e),
                Err(_) => BusError::Connection("publisher confirm timed out".into()),
            };
            drop(channel);
            // The outcome is unknown, so publish again on a new connection: at least once. Only
            // the publisher that failed is dropped; another task may already have replaced it.
            tracing::warn!(error = %error, "bus: publish failed, reconnecting");
            {
                let mut slot = self.publisher.lock().await;
                if slot.as_ref().is_some_and(|p| Arc::ptr_eq(p, &publisher)) {
                    *slot = None;
                }
            }
            self.ensure_open()?;
            if !backoff.wait().await {
                return Err(error);
            }
        }
    }
}

fn is_not_found(error: &lapin::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::ProtocolError(e) if *e.kind() == AMQPErrorKind::Soft(AMQPSoftError::NOTFOUND)
    )
}

#[async_trait]
impl Bus for AmqpBus {
    async fn declare(&self, specs: &[QueueSpec]) -> Result<(), BusError> {
        self.shared.ensure_open()?;
        let channel = self.shared.admin_channel().await?;
        let declared = topology::declare(&channel, &self.shared.names, specs).await;
        let _ = channel.close(200, "declared".into()).await;
        declared?;
        let mut known = self.shared.specs.lock().unwrap_or_else(PoisonError::into_inner);
        for spec in specs {
            let entry = known.entry(spec.name.clone()).or_insert_with(|| spec.clone());
            // Bindings accumulate on the broker too; remember all of them for re-declaring.
            for binding in &spec.bindings {
                if !entry.bindings.contains(binding) {
                    entry.bindings.push(binding.clone());
                }
            }
            entry.prefetch = spec.prefetch;
        }
        Ok(())
    }

    async fn publish(&self, message: Message) -> Result<(), BusError> {
        let span = tracing::info_span!(
            "bus.publish",
            message_id = %message.message_id,
            case_id = message.case_id.as_deref(),
            routing_key = %message.routing_key,
        );
        async {
            self.shared.ensure_open()?;
            self.shared.publish_once(&message).await?;
            tracing::debug!("published and confirmed");
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn subscribe(&self, queue: &str) -> Result<Box<dyn Subscription>, BusError> {
        self.shared.ensure_open()?;
        let spec = self.shared.spec(queue).ok_or_else(|| BusError::UnknownQueue(queue.to_owned()))?;
        let subscription = AmqpSubscription::start(self.shared.clone(), spec).await?;
        Ok(Box::new(subscription))
    }

    async fn parked(&self, queue: &str) -> Result<u64, BusError> {
        self.shared.ensure_open()?;
        let name = short(self.shared.names.parked(queue)).map_err(|_| BusError::UnknownQueue(queue.to_owned()))?;
        let channel = self.shared.admin_channel().await?;
        let options = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let declared = channel.queue_declare(name, options, FieldTable::default()).await;
        match declared {
            Ok(parked) => {
                let _ = channel.close(200, "counted".into()).await;
                Ok(u64::from(parked.message_count()))
            }
            Err(e) if is_not_found(&e) => Err(BusError::UnknownQueue(queue.to_owned())),
            Err(e) => Err(broker(e)),
        }
    }
}
