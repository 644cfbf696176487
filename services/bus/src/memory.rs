//! In-process bus with RabbitMQ quorum-queue semantics, for embedded mode and as a test double.

use std::collections::{HashMap, VecDeque};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use gridflow_domain::ports::{Acker, Bus, BusError, Delivery, Message, QueueSpec, Subscription};
use tokio::sync::Notify;

use crate::topic;

/// A topic exchange with durable-queue semantics held in memory. Clones share the same state.
///
/// Mirrors the RabbitMQ adapter: FIFO queues, competing consumers, per-subscriber prefetch,
/// manual acknowledgement, redelivery of anything returned unsettled and parking after the
/// delivery limit. Nothing survives the process: embedded mode trades durability for having
/// no broker to run.
#[derive(Clone, Default)]
pub struct MemoryBus {
    shared: Arc<Shared>,
}

// A std mutex rather than tokio's: settling must also happen from `Drop`, which cannot await,
// and the lock is never held across an `.await`.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queues: HashMap<String, Queue>,
    next_subscriber: u64,
    closed: bool,
}

struct Queue {
    spec: QueueSpec,
    ready: VecDeque<Envelope>,
    unacked: HashMap<u64, Unacked>,
    parked: Vec<Message>,
    next_tag: u64,
    /// Woken on anything that might let a waiting subscriber proceed.
    changed: Arc<Notify>,
}

#[derive(Clone)]
struct Envelope {
    message: Message,
    /// Deliveries that came back unsettled or requeued, like a quorum queue's `x-delivery-count`.
    failures: u32,
    redelivered: bool,
}

struct Unacked {
    subscriber: u64,
    envelope: Envelope,
}

enum Settle {
    Ack,
    Requeue,
    Park,
}

impl MemoryBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Shuts the bus down: publishes and subscriptions fail with `BusError::Closed` from now on.
    pub fn close(&self) {
        let mut state = self.shared.lock();
        state.closed = true;
        for queue in state.queues.values() {
            queue.changed.notify_waiters();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the state consistent, so a panic elsewhere while holding
        // the lock does not invalidate it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn settle(&self, queue: &str, tag: u64, how: Settle) -> Result<(), BusError> {
        let mut state = self.lock();
        let queue = state.queues.get_mut(queue).ok_or_else(|| BusError::UnknownQueue(queue.to_owned()))?;
        let Some(unacked) = queue.unacked.remove(&tag) else {
            // Its subscription was dropped, which already put the message back.
            return Err(BusError::Connection(
                "the delivery's subscription is gone; the message will be redelivered".into(),
            ));
        };
        match how {
            Settle::Ack => {}
            Settle::Park => queue.parked.push(unacked.envelope.message),
            Settle::Requeue => queue.give_back(unacked.envelope),
        }
        queue.changed.notify_waiters();
        Ok(())
    }
}

impl Queue {
    fn new(spec: QueueSpec) -> Self {
        Self {
            spec,
            ready: VecDeque::new(),
            unacked: HashMap::new(),
            parked: Vec::new(),
            next_tag: 0,
            changed: Arc::new(Notify::new()),
        }
    }

    /// A delivery came back without an ack. Like a RabbitMQ 3.10 quorum queue, the message goes
    /// to the head of the queue, and once it has come back more than `delivery_limit` times it
    /// is dead-lettered to the parking list instead.
    fn give_back(&mut self, mut envelope: Envelope) {
        envelope.failures = envelope.failures.saturating_add(1);
        envelope.redelivered = true;
        if envelope.failures > self.spec.delivery_limit {
            self.parked.push(envelope.message);
        } else {
            self.ready.push_front(envelope);
        }
    }

    fn held_by(&self, subscriber: u64) -> usize {
        self.unacked.values().filter(|u| u.subscriber == subscriber).count()
    }
}

#[async_trait]
impl Bus for MemoryBus {
    /// Like AMQP, bindings accumulate across declarations. The delivery limit of an existing
    /// queue is kept (a broker refuses to change queue arguments); the latest prefetch wins
    /// because it is a consumer setting, not part of the queue.
    async fn declare(&self, specs: &[QueueSpec]) -> Result<(), BusError> {
        let mut state = self.shared.lock();
        for spec in specs {
            match state.queues.get_mut(&spec.name) {
                Some(queue) => {
                    for binding in &spec.bindings {
                        if !queue.spec.bindings.contains(binding) {
                            queue.spec.bindings.push(binding.clone());
                        }
                    }
                    queue.spec.prefetch = spec.prefetch;
                }
                None => {
                    state.queues.insert(spec.name.clone(), Queue::new(spec.clone()));
                }
            }
        }
        Ok(())
    }

    async fn publish(&self, message: Message) -> Result<(), BusError> {
        let _span = tracing::debug_span!(
            "bus.publish",
            message_id = %message.message_id,
            case_id = message.case_id.as_deref(),
            routing_key = %message.routing_key,
        )
        .entered();
        let mut state = self.shared.lock();
        if state.closed {
            return Err(BusError::Closed);
        }
        let mut routed = false;
        for queue in state.queues.values_mut() {
            let bound = queue.spec.bindings.iter().any(|pattern| topic::matches(pattern, &message.routing_key));
            if bound {
                queue.ready.push_back(Envelope { message: message.clone(), failures: 0, redelivered: false });
                queue.changed.notify_waiters();
                routed = true;
            }
        }
        if routed {
            tracing::debug!("published");
            Ok(())
        } else {
            Err(BusError::Unroutable(message.routing_key))
        }
    }

    async fn subscribe(&self, queue: &str) -> Result<Box<dyn Subscription>, BusError> {
        let mut state = self.shared.lock();
        if state.closed {
            return Err(BusError::Closed);
        }
        let (prefetch, changed) = match state.queues.get(queue) {
            Some(q) => (usize::from(q.spec.prefetch), q.changed.clone()),
            None => return Err(BusError::UnknownQueue(queue.to_owned())),
        };
        state.next_subscriber += 1;
        Ok(Box::new(MemorySubscription {
            shared: self.shared.clone(),
            queue: queue.to_owned(),
            id: state.next_subscriber,
            prefetch,
            changed,
        }))
    }

    async fn parked(&self, queue: &str) -> Result<u64, BusError> {
        let state = self.shared.lock();
        let queue = state.queues.get(queue).ok_or_else(|| BusError::UnknownQueue(queue.to_owned()))?;
        Ok(queue.parked.len() as u64)
    }
}

struct MemorySubscription {
    shared: Arc<Shared>,
    queue: String,
    id: u64,
    /// 0 means unlimited, as with AMQP `basic.qos`.
    prefetch: usize,
    changed: Arc<Notify>,
}

impl MemorySubscription {
    fn try_take(&self) -> Result<Option<Delivery>, BusError> {
        let mut state = self.shared.lock();
        if state.closed {
            return Err(BusError::Closed);
        }
        let queue = state.queues.get_mut(&self.queue).ok_or_else(|| BusError::UnknownQueue(self.queue.clone()))?;
        if self.prefetch != 0 && queue.held_by(self.id) >= self.prefetch {
            return Ok(None);
        }
        let Some(envelope) = queue.ready.pop_front() else {
            return Ok(None);
        };
        queue.next_tag += 1;
        let tag = queue.next_tag;
        let delivery = Delivery {
            message: envelope.message.clone(),
            redelivered: envelope.redelivered,
            acker: Box::new(MemoryAcker {
                shared: self.shared.clone(),
                queue: self.queue.clone(),
                tag,
                settled: false,
            }),
        };
        tracing::debug!(
            message_id = %envelope.message.message_id,
            case_id = envelope.message.case_id.as_deref(),
            queue = %self.queue,
            redelivered = envelope.redelivered,
            "delivery"
        );
        queue.unacked.insert(tag, Unacked { subscriber: self.id, envelope });
        Ok(Some(delivery))
    }
}

#[async_trait]
impl Subscription for MemorySubscription {
    async fn next(&mut self) -> Result<Delivery, BusError> {
        loop {
            // Register interest before looking, so a change between the look and the wait is
            // not missed.
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if let Some(delivery) = self.try_take()? {
                return Ok(delivery);
            }
            changed.await;
        }
    }
}

impl Drop for MemorySubscription {
    /// Like a closed AMQP channel: everything this subscriber still holds goes back to the queue.
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        let Some(queue) = state.queues.get_mut(&self.queue) else {
            return;
        };
        let mut held: Vec<u64> =
            queue.unacked.iter().filter(|(_, u)| u.subscriber == self.id).map(|(tag, _)| *tag).collect();
        if held.is_empty() {
            return;
        }
        // Returned newest first so that, pushed to the front one by one, they keep their order.
        held.sort_unstable_by(|a, b| b.cmp(a));
        for tag in held {
            if let Some(unacked) = queue.unacked.remove(&tag) {
                queue.give_back(unacked.envelope);
            }
        }
        queue.changed.notify_waiters();
    }
}

struct MemoryAcker {
    shared: Arc<Shared>,
    queue: String,
    tag: u64,
    settled: bool,
}

impl MemoryAcker {
    fn finish(&mut self, how: Settle) -> Result<(), BusError> {
        self.settled = true;
        self.shared.settle(&self.queue, self.tag, how)
    }
}

#[async_trait]
impl Acker for MemoryAcker {
    async fn ack(mut self: Box<Self>) -> Result<(), BusError> {
        self.finish(Settle::Ack)
    }

    async fn nack(mut self: Box<Self>, requeue: bool) -> Result<(), BusError> {
        self.finish(if requeue { Settle::Requeue } else { Settle::Park })
    }
}

impl Drop for MemoryAcker {
    fn drop(&mut self) {
        if !self.settled {
            // An error only means the subscription already gave the message back.
            let _ = self.shared.settle(&self.queue, self.tag, Settle::Requeue);
        }
    }
}
