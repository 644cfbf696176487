//! One module per resource.

pub mod admin;
pub mod auth;
pub mod calendars;
pub mod cases;
pub mod metrics;
pub mod ops;
pub mod reference;
