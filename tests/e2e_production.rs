//! End-to-end lifecycle over HTTP on Postgres + RabbitMQ + Redis, each test in its own database
//! and namespace.

mod common;
mod scenarios;

all_scenarios!(common::production().await);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_retry_until_accepted() {
    common::within(
        120,
        "webhooks_retry_until_accepted",
        scenarios::webhooks_retry_until_accepted(common::production().await),
    )
    .await;
}
