//! End-to-end lifecycle over HTTP on Postgres + RabbitMQ + Redis, each test in its own database
//! and namespace.

mod common;
mod scenarios;

scenarios!(common::production().await;
    happy_path,
    rework_return_and_redispatch,
    extension_and_suspension,
);
