//! Live-state adapters (Redis and in-memory) for the `LiveState` port: per-case views and
//! department queues that the console reads, rebuildable from the store.

mod membership;
mod memory;
mod redis_live;

pub use memory::MemoryLive;
pub use redis_live::{RedisConfig, RedisLive};
