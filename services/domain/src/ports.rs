//! Ports: what the domain needs from the outside world. Each has two adapters (production and
//! embedded) that pass one shared contract suite.

mod bus;
mod live;
mod store;
mod timers;

pub use bus::*;
pub use live::*;
pub use store::*;
pub use timers::*;
