//! Gridflow's domain: the case aggregate, its lifecycle state machine, roles and scopes, the audit
//! hash chain, and the ports (Store, Bus, LiveState) that adapters implement.
//! It performs no I/O and depends on no other Gridflow crate.

pub mod audit;
pub mod case;
pub mod clock;
pub mod command;
pub mod error;
pub mod event;
pub mod lifecycle;
mod permissions;
pub mod ports;
pub mod role;
pub mod state;

pub use case::{Case, CaseId, NewReport, Urgency};
pub use clock::{ClockResult, ClockRun, ClockView, PauseView};
pub use command::{Command, RejectReason, ReturnKind};
pub use error::DomainError;
pub use event::{Event, RoutingNote};
pub use lifecycle::{Ctx, decide, report};
pub use role::{Actor, Role, Scope, ScopeKind};
pub use state::CaseState;
