//! Gridflow's application layer: the case service (decide → commit with audit and outbox →
//! project live state) and the background workers (outbox relay, router, projector, live-state
//! healer). Depends on the domain and its ports only, never on an adapter.

pub mod admin;
pub mod approvals;
pub mod calendars;
pub mod clock_events;
pub mod clock_timers;
pub mod clocks;
pub mod consumer;
pub mod escalation;
pub mod events;
pub mod healer;
pub mod intake;
pub mod metrics;
pub mod projector;
pub mod reference;
pub mod relay;
pub mod router;
pub mod routing;
pub mod service;
pub mod sla_metrics;
pub mod system;
pub mod timers;
pub mod webhook;

pub use metrics::Metrics;
pub use reference::ReferenceCache;
pub use service::{CaseService, Outcome, ServiceError};

use gridflow_domain::ports::QueueSpec;

/// Queue of the router worker: new reports to register and dispatch.
pub const ROUTER_QUEUE: &str = "router";
/// Queue of the projector: every case event, to refresh live state.
pub const PROJECTOR_QUEUE: &str = "projector";

/// The queues Gridflow declares at start-up. Every event kind is bound to at least one queue, so
/// a mandatory publish that comes back unroutable means broken topology, not an unused event.
pub fn topology() -> Vec<QueueSpec> {
    vec![
        QueueSpec {
            name: ROUTER_QUEUE.into(),
            bindings: vec!["case.reported".into(), "case.marked_duplicate".into()],
            delivery_limit: 5,
            prefetch: 32,
        },
        QueueSpec { name: PROJECTOR_QUEUE.into(), bindings: vec!["case.#".into()], delivery_limit: 5, prefetch: 64 },
        webhook::queue(),
    ]
}
