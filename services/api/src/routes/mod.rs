//! One module per resource.

pub mod admin;
pub mod auth;
pub mod calendars;
pub mod cases;
pub mod directory;
pub mod metrics;
pub mod ops;
pub mod reference;
pub mod rules;
