//! The `gridflow` binary's library half: configuration, wiring and demo data, so the end-to-end
//! tests can start exactly what `gridflow serve` starts.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;

pub use app::run;
pub use config::Config;
