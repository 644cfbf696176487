//! SLA policy for Gridflow: stage clocks, lights, escalation chains, approval tiers and metrics.
//!
//! Pure policy: no I/O, no clock reads (`now` is always a parameter), no storage or timers. The
//! service stores [`StageClock`]s as JSON, arms timers at [`threshold_instants`] tagged with the
//! clock's `generation`, and asks [`due_steps`] what to do when one fires. Business-time arithmetic
//! comes from `gridflow-calendar`; this crate must not depend on the domain, store or API crates.

pub mod approval;
pub mod clock;
mod counting;
pub mod escalation;
pub mod metrics;
mod snapshot;
pub mod thresholds;

pub use approval::{
    ApprovalError, ApprovalProgress, Approver, ExtensionPolicy, ReturnKind, required_approvers, return_approvers,
};
pub use clock::{ClockError, ClockPause, ClockState, Extension, ExtensionGrant, Limit, LimitUnit, Stage, StageClock};
pub use escalation::{
    Action, EscalationChain, EscalationError, Repeat, Step, StepRun, Trigger, due_steps, next_step_at,
};
pub use metrics::{ClockRecord, Dimension, Period, Summary, summarise};
pub use snapshot::Snapshot;
pub use thresholds::{BREACH, Light, ThresholdError, ThresholdPolicy, Thresholds, light, threshold_instants};
