//! End-to-end lifecycle over HTTP on the embedded stack: SQLite, in-process bus, in-memory live state.

mod common;
mod scenarios;

all_scenarios!(common::embedded());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_retry_until_accepted() {
    common::within(120, "webhooks_retry_until_accepted", scenarios::webhooks_retry_until_accepted(common::embedded()))
        .await;
}
