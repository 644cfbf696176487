//! Adapters for the `Bus` port: RabbitMQ for production, an in-process bus for embedded mode and tests.

mod amqp;
mod memory;
mod topic;

pub use amqp::{AmqpBus, AmqpConfig};
pub use memory::MemoryBus;
