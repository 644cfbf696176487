//! One module per resource.

pub mod auth;
pub mod calendars;
pub mod cases;
pub mod ops;
pub mod reference;
