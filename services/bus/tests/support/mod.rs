//! Shared helpers for the contract suite: harness per adapter and bounded waits.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use gridflow_bus::{AmqpBus, AmqpConfig, MemoryBus};
use gridflow_domain::ports::{Bus, Delivery, Message, QueueSpec, Subscription};
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};
use tokio::time::timeout;

/// Upper bound for anything that is expected to happen.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long to watch for something that must not happen.
pub const QUIET: Duration = Duration::from_millis(500);
/// Bound on one whole case, so a bug fails the test instead of hanging the run.
const CASE_LIMIT: Duration = Duration::from_secs(120);

/// `x-delivery-limit` used by the delivery-limit case.
pub const DELIVERY_LIMIT: u32 = 2;

/// Deliveries before a message is parked, as measured on RabbitMQ 3.10 quorum queues: the
/// broker dead-letters a message once it has come back (nack with requeue, or its channel
/// closed) more than `limit` times, i.e. on the failure of delivery `limit + 1`.
pub fn delivery_attempts(limit: u32) -> u32 {
    limit + 1
}

/// Every queue name a case may declare, so cleanup can remove them all.
const QUEUES: &[&str] = &["work", "other", "a", "b", "c"];

pub fn amqp_url() -> String {
    std::env::var("GRIDFLOW_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

pub fn spec(name: &str, bindings: &[&str], delivery_limit: u32, prefetch: u16) -> QueueSpec {
    QueueSpec {
        name: name.into(),
        bindings: bindings.iter().map(|b| (*b).to_owned()).collect(),
        delivery_limit,
        prefetch,
    }
}

pub fn message(routing_key: &str, payload: &[u8]) -> Message {
    Message {
        message_id: uuid::Uuid::new_v4().to_string(),
        routing_key: routing_key.into(),
        payload: payload.to_vec(),
        case_id: None,
    }
}

pub async fn publish(bus: &dyn Bus, message: Message) {
    match timeout(WAIT, bus.publish(message)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("publish failed: {e:?}"),
        Err(_) => panic!("publish timed out"),
    }
}

pub async fn next(sub: &mut Box<dyn Subscription>) -> Delivery {
    match timeout(WAIT, sub.next()).await {
        Ok(Ok(delivery)) => delivery,
        Ok(Err(e)) => panic!("subscription failed: {e:?}"),
        Err(_) => panic!("no delivery within {WAIT:?}"),
    }
}

pub async fn assert_quiet(sub: &mut Box<dyn Subscription>) {
    match timeout(QUIET, sub.next()).await {
        Err(_) => {}
        Ok(Ok(d)) => panic!("unexpected delivery {:?} (redelivered: {})", d.message, d.redelivered),
        Ok(Err(e)) => panic!("subscription failed: {e:?}"),
    }
}

/// Dead-lettering is asynchronous on the broker, so the count is polled.
pub async fn wait_parked(bus: &dyn Bus, queue: &str, expected: u64) {
    let poll = async {
        loop {
            let parked = bus.parked(queue).await.unwrap();
            if parked == expected {
                return;
            }
            assert!(parked < expected, "{parked} parked, expected {expected}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if timeout(WAIT, poll).await.is_err() {
        let now = bus.parked(queue).await;
        panic!("expected {expected} parked in {queue} within {WAIT:?}, have {now:?}");
    }
}

pub struct Harness {
    bus: Arc<dyn Bus>,
    amqp: Option<(AmqpBus, AmqpConfig)>,
}

impl Harness {
    pub fn memory() -> Self {
        Self { bus: Arc::new(MemoryBus::new()), amqp: None }
    }

    pub async fn rabbitmq() -> Self {
        let cfg = AmqpConfig { url: amqp_url(), prefix: format!("t-{}", uuid::Uuid::new_v4().simple()) };
        let bus = match timeout(WAIT, AmqpBus::connect(cfg.clone())).await {
            Ok(Ok(bus)) => bus,
            Ok(Err(e)) => panic!("cannot connect to RabbitMQ at {}: {e:?}", cfg.url),
            Err(_) => panic!("connecting to RabbitMQ at {} timed out", cfg.url),
        };
        Self { bus: Arc::new(bus.clone()), amqp: Some((bus, cfg)) }
    }

    pub fn prefix(&self) -> Option<&str> {
        self.amqp.as_ref().map(|(_, cfg)| cfg.prefix.as_str())
    }

    /// Runs `case` on its own task so that a failing assertion still gets the broker cleaned
    /// up, then re-raises the failure.
    pub async fn run<F, Fut>(self, case: F)
    where
        F: FnOnce(Arc<dyn Bus>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let task = tokio::spawn(timeout(CASE_LIMIT, case(self.bus.clone())));
        let outcome = task.await;
        self.cleanup().await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(_)) => panic!("case did not finish within {CASE_LIMIT:?}"),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("case task failed: {e}"),
        }
    }

    /// Best effort: a leftover namespace only costs broker memory, never a wrong result.
    async fn cleanup(self) {
        let Some((bus, cfg)) = self.amqp else {
            return;
        };
        let _ = timeout(WAIT, bus.close()).await;
        let work = async {
            let connection = Connection::connect(&cfg.url, ConnectionProperties::default()).await.ok()?;
            let channel = connection.create_channel().await.ok()?;
            let p = &cfg.prefix;
            for queue in QUEUES {
                for name in [format!("{p}.{queue}"), format!("{p}.{queue}.parked")] {
                    let _ = channel.queue_delete(name.into(), QueueDeleteOptions::default()).await;
                }
            }
            for exchange in [format!("{p}.events"), format!("{p}.parking")] {
                let _ = channel.exchange_delete(exchange.into(), ExchangeDeleteOptions::default()).await;
            }
            connection.close(200, "cleanup".into()).await.ok()
        };
        let _ = timeout(WAIT, work).await;
    }
}
