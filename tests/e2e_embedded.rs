//! End-to-end lifecycle over HTTP on the embedded stack: SQLite, in-process bus, in-memory live state.

mod common;
mod scenarios;

all_scenarios!(common::embedded());
