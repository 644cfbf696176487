use async_trait::async_trait;

/// A message on the bus. `message_id` is unique per logical message and survives redelivery, so
/// consumers deduplicate on it (inbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_id: String,
    /// Topic routing key, e.g. `case.reported`.
    pub routing_key: String,
    pub payload: Vec<u8>,
    /// For tracing only; carried as a header.
    pub case_id: Option<String>,
}

/// A durable work queue and the routing-key patterns (`*` one word, `#` any words) bound to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    /// Logical name; adapters prefix it with their namespace.
    pub name: String,
    pub bindings: Vec<String>,
    /// After this many failed deliveries a message is parked in the dead-letter queue.
    pub delivery_limit: u32,
    /// Unacknowledged deliveries one subscriber may hold.
    pub prefetch: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// No queue is bound for the routing key (mandatory publish returned the message).
    #[error("no queue is bound for routing key `{0}`")]
    Unroutable(String),
    /// The broker refused the message (negative publisher confirm).
    #[error("the broker did not confirm the message")]
    NotConfirmed,
    #[error("unknown queue `{0}`: declare it first")]
    UnknownQueue(String),
    #[error("bus connection: {0}")]
    Connection(String),
    #[error("the bus is shut down")]
    Closed,
}

/// Settles one delivery. Dropping it unsettled makes the message available again (at least once).
#[async_trait]
pub trait Acker: Send {
    async fn ack(self: Box<Self>) -> Result<(), BusError>;
    /// `requeue = false` dead-letters the message to the parking queue.
    async fn nack(self: Box<Self>, requeue: bool) -> Result<(), BusError>;
}

pub struct Delivery {
    pub message: Message,
    /// The broker has delivered this message before.
    pub redelivered: bool,
    pub acker: Box<dyn Acker>,
}

#[async_trait]
pub trait Subscription: Send {
    /// Waits for the next delivery. Errors only when the bus is closed for good; adapters hide
    /// reconnects behind this call.
    async fn next(&mut self) -> Result<Delivery, BusError>;
}

#[async_trait]
pub trait Bus: Send + Sync {
    /// Declares queues, their bindings and dead-letter parking; idempotent.
    async fn declare(&self, specs: &[QueueSpec]) -> Result<(), BusError>;
    /// Publishes persistently and returns only after the broker confirmed it. MUST return
    /// `Unroutable` when no queue is bound for the routing key, and never report success for a
    /// message the broker did not take.
    async fn publish(&self, message: Message) -> Result<(), BusError>;
    /// Starts consuming a declared queue with manual acknowledgements.
    async fn subscribe(&self, queue: &str) -> Result<Box<dyn Subscription>, BusError>;
    /// Messages parked in the dead-letter queue of `queue` (for operators and tests).
    async fn parked(&self, queue: &str) -> Result<u64, BusError>;
}
