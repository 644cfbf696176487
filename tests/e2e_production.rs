//! End-to-end lifecycle over HTTP on Postgres + RabbitMQ + Redis, each test in its own database
//! and namespace.

mod common;
mod scenarios;

all_scenarios!(common::production().await);
