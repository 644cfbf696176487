//! The `Bus` contract: every case runs against the in-process bus and against RabbitMQ.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::collections::BTreeSet;

use gridflow_domain::ports::{Bus, BusError, Delivery};
use support::{DELIVERY_LIMIT, Harness, assert_quiet, delivery_attempts, message, next, publish, spec, wait_parked};

async fn publish_consume_ack(bus: &dyn Bus) {
    bus.declare(&[spec("work", &["case.*"], 5, 10)]).await.unwrap();
    let mut sent = message("case.reported", b"payload");
    sent.case_id = Some("case-42".into());
    publish(bus, sent.clone()).await;
    let bare = message("case.closed", b"");
    publish(bus, bare.clone()).await;

    let mut sub = bus.subscribe("work").await.unwrap();
    let first = next(&mut sub).await;
    assert_eq!(first.message, sent);
    assert!(!first.redelivered);
    first.acker.ack().await.unwrap();
    let second = next(&mut sub).await;
    assert_eq!(second.message, bare);
    assert_eq!(second.message.case_id, None);
    second.acker.ack().await.unwrap();
    assert_quiet(&mut sub).await;

    // An ack that did nothing would show up as a redelivery to a new subscriber.
    drop(sub);
    let mut sub = bus.subscribe("work").await.unwrap();
    assert_quiet(&mut sub).await;
    assert_eq!(bus.parked("work").await.unwrap(), 0);
}

async fn routing_patterns(bus: &dyn Bus) {
    bus.declare(&[
        spec("a", &["case.*"], 5, 10),
        spec("b", &["#"], 5, 10),
        spec("c", &["unit.*.moved", "case.closed"], 5, 10),
    ])
    .await
    .unwrap();
    let reported = message("case.reported", b"1");
    let moved = message("unit.7.moved", b"2");
    let late = message("case.reported.late", b"3");
    let closed = message("case.closed", b"4");
    for m in [&reported, &moved, &late, &closed] {
        publish(bus, m.clone()).await;
    }

    let expect =
        [("a", vec![&reported, &closed]), ("b", vec![&reported, &moved, &late, &closed]), ("c", vec![&moved, &closed])];
    for (queue, wanted) in expect {
        let mut sub = bus.subscribe(queue).await.unwrap();
        let mut got = BTreeSet::new();
        for _ in 0..wanted.len() {
            let d = next(&mut sub).await;
            got.insert(d.message.message_id.clone());
            d.acker.ack().await.unwrap();
        }
        let wanted: BTreeSet<_> = wanted.iter().map(|m| m.message_id.clone()).collect();
        assert_eq!(got, wanted, "queue {queue}");
        assert_quiet(&mut sub).await;
    }
}

async fn unroutable_publish_fails(bus: &dyn Bus) {
    let nobody = message("case.reported", b"");
    match bus.publish(nobody).await {
        Err(BusError::Unroutable(key)) => assert_eq!(key, "case.reported"),
        other => panic!("expected Unroutable before any declare, got {other:?}"),
    }
    bus.declare(&[spec("a", &["case.*"], 5, 10)]).await.unwrap();
    for key in ["unit.moved", "case.reported.late", "case"] {
        match bus.publish(message(key, b"")).await {
            Err(BusError::Unroutable(k)) => assert_eq!(k, key),
            other => panic!("expected Unroutable for {key}, got {other:?}"),
        }
    }
    // A returned message must not break the publisher for routable ones.
    let ok = message("case.reported", b"");
    publish(bus, ok.clone()).await;
    let mut sub = bus.subscribe("a").await.unwrap();
    let d = next(&mut sub).await;
    assert_eq!(d.message, ok);
    d.acker.ack().await.unwrap();
    assert_quiet(&mut sub).await;
}

/// Publishes in flight at the same time (as the outbox relay does) must each get their own
/// outcome: a returned message is never blamed on, or hidden behind, a routable one.
async fn concurrent_publishes_get_their_own_outcome(bus: &dyn Bus) {
    bus.declare(&[spec("a", &["case.*"], 5, 100)]).await.unwrap();
    let messages: Vec<_> = (0..40)
        .map(|i| message(if i % 3 == 0 { "nobody.listens" } else { "case.reported" }, format!("{i}").as_bytes()))
        .collect();
    let results = futures_util::future::join_all(messages.iter().map(|m| bus.publish(m.clone()))).await;
    let mut expected = BTreeSet::new();
    for (m, result) in messages.iter().zip(results) {
        match (m.routing_key.as_str(), result) {
            ("case.reported", Ok(())) => {
                expected.insert(m.payload.clone());
            }
            ("nobody.listens", Err(BusError::Unroutable(key))) => assert_eq!(key, "nobody.listens"),
            (key, other) => panic!("{key}: unexpected outcome {other:?}"),
        }
    }
    let mut sub = bus.subscribe("a").await.unwrap();
    let mut got = BTreeSet::new();
    for _ in 0..expected.len() {
        let d = next(&mut sub).await;
        got.insert(d.message.payload.clone());
        d.acker.ack().await.unwrap();
    }
    assert_eq!(got, expected);
    assert_quiet(&mut sub).await;
}

async fn unknown_queue(bus: &dyn Bus) {
    match bus.subscribe("nope").await {
        Err(BusError::UnknownQueue(q)) => assert_eq!(q, "nope"),
        Err(e) => panic!("expected UnknownQueue, got {e:?}"),
        Ok(_) => panic!("expected UnknownQueue, got a subscription"),
    }
    match bus.parked("nope").await {
        Err(BusError::UnknownQueue(q)) => assert_eq!(q, "nope"),
        other => panic!("expected UnknownQueue, got {other:?}"),
    }
}

async fn nack_requeue_redelivers(bus: &dyn Bus) {
    bus.declare(&[spec("work", &["case.*"], 5, 10)]).await.unwrap();
    let sent = message("case.reported", b"x");
    publish(bus, sent.clone()).await;
    let mut sub = bus.subscribe("work").await.unwrap();
    let d = next(&mut sub).await;
    assert!(!d.redelivered);
    d.acker.nack(true).await.unwrap();
    let again = next(&mut sub).await;
    assert_eq!(again.message, sent);
    assert!(again.redelivered);
    again.acker.ack().await.unwrap();
    assert_quiet(&mut sub).await;
    assert_eq!(bus.parked("work").await.unwrap(), 0);
}

async fn dropped_delivery_redelivers(bus: &dyn Bus) {
    bus.declare(&[spec("work", &["case.*"], 5, 10)]).await.unwrap();
    let sent = message("case.reported", b"x");
    publish(bus, sent.clone()).await;
    let mut sub = bus.subscribe("work").await.unwrap();
    let d = next(&mut sub).await;
    assert!(!d.redelivered);
    drop(d);
    let again = next(&mut sub).await;
    assert_eq!(again.message, sent);
    assert!(again.redelivered);
    again.acker.ack().await.unwrap();
    assert_quiet(&mut sub).await;
}

async fn dropped_subscription_redelivers(bus: &dyn Bus) {
    bus.declare(&[spec("work", &["case.*"], 5, 10)]).await.unwrap();
    let sent = message("case.reported", b"x");
    publish(bus, sent.clone()).await;
    let mut first = bus.subscribe("work").await.unwrap();
    let held: Delivery = next(&mut first).await;
    assert!(!held.redelivered);
    drop(first);

    let mut second = bus.subscribe("work").await.unwrap();
    let again = next(&mut second).await;
    assert_eq!(again.message, sent);
    assert!(again.redelivered);
    // The old delivery went back with its subscription, so settling it must not claim success.
    assert!(held.acker.ack().await.is_err());
    again.acker.ack().await.unwrap();
    assert_quiet(&mut second).await;
}

async fn competing_consumers(bus: &dyn Bus) {
    bus.declare(&[spec("work", &["case.*"], 5, 1)]).await.unwrap();
    let mut one = bus.subscribe("work").await.unwrap();
    let mut two = bus.subscribe("work").await.unwrap();
    let sent: Vec<_> = (0..6).map(|_| message("case.reported", b"")).collect();
    for m in &sent {
        publish(bus, m.clone()).await;
    }
    // With prefetch 1 each consumer holds one unacked message, so both must have work.
    let a = next(&mut one).await;
    let b = next(&mut two).await;
    assert_ne!(a.message.message_id, b.message.message_id);
    let mut seen = vec![a.message.message_id.clone(), b.message.message_id.clone()];
    a.acker.ack().await.unwrap();
    b.acker.ack().await.unwrap();

    let drain = |mut sub: Box<dyn gridflow_domain::ports::Subscription>| async move {
        let mut ids = Vec::new();
        while let Ok(Ok(d)) = tokio::time::timeout(support::QUIET, sub.next()).await {
            ids.push(d.message.message_id.clone());
            d.acker.ack().await.unwrap();
        }
        ids
    };
    let (rest_one, rest_two) = tokio::join!(drain(one), drain(two));
    seen.extend(rest_one);
    seen.extend(rest_two);
    seen.sort();
    let mut expected: Vec<_> = sent.into_iter().map(|m| m.message_id).collect();
    expected.sort();
    assert_eq!(seen, expected, "every message exactly once across consumers");
}

async fn delivery_limit_parks(bus: &dyn Bus) {
    for (queue, limit) in [("work", DELIVERY_LIMIT), ("other", 0)] {
        bus.declare(&[spec(queue, &[queue], limit, 10)]).await.unwrap();
        let poison = message(queue, b"poison");
        publish(bus, poison.clone()).await;
        let mut sub = bus.subscribe(queue).await.unwrap();
        let mut deliveries = 0;
        while let Ok(Ok(d)) = tokio::time::timeout(support::QUIET, sub.next()).await {
            assert_eq!(d.message, poison);
            assert_eq!(d.redelivered, deliveries > 0);
            deliveries += 1;
            // Alternate the two ways a delivery fails, which must count alike.
            if deliveries % 2 == 0 {
                drop(d);
            } else {
                d.acker.nack(true).await.unwrap();
            }
            assert!(deliveries <= 10, "the delivery limit never kicked in");
        }
        assert_eq!(deliveries, delivery_attempts(limit), "queue {queue}");
        wait_parked(bus, queue, 1).await;
    }
}

async fn nack_without_requeue_parks(bus: &dyn Bus) {
    bus.declare(&[spec("work", &["case.*"], 5, 10), spec("other", &["case.*"], 5, 10)]).await.unwrap();
    publish(bus, message("case.reported", b"bad")).await;
    let mut sub = bus.subscribe("work").await.unwrap();
    let d = next(&mut sub).await;
    d.acker.nack(false).await.unwrap();
    wait_parked(bus, "work", 1).await;
    assert_quiet(&mut sub).await;
    assert_eq!(bus.parked("other").await.unwrap(), 0);
}

async fn prefetch_bounds_unacked(bus: &dyn Bus) {
    bus.declare(&[spec("work", &["case.*"], 5, 2)]).await.unwrap();
    for _ in 0..4 {
        publish(bus, message("case.reported", b"")).await;
    }
    let mut sub = bus.subscribe("work").await.unwrap();
    let first = next(&mut sub).await;
    let second = next(&mut sub).await;
    assert_quiet(&mut sub).await;
    first.acker.ack().await.unwrap();
    let third = next(&mut sub).await;
    assert_quiet(&mut sub).await;
    second.acker.ack().await.unwrap();
    third.acker.ack().await.unwrap();
    let fourth = next(&mut sub).await;
    fourth.acker.ack().await.unwrap();
    assert_quiet(&mut sub).await;
}

/// Runs each case once per adapter, each on a fresh namespace that is removed afterwards.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $case() {
                    super::Harness::memory().run(|bus| async move { super::$case(&*bus).await }).await;
                }
            )*
        }
        mod rabbitmq {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::Harness::rabbitmq().await.run(|bus| async move { super::$case(&*bus).await }).await;
                }
            )*
        }
    };
}

contract!(
    publish_consume_ack,
    routing_patterns,
    unroutable_publish_fails,
    concurrent_publishes_get_their_own_outcome,
    unknown_queue,
    nack_requeue_redelivers,
    dropped_delivery_redelivers,
    dropped_subscription_redelivers,
    competing_consumers,
    delivery_limit_parks,
    nack_without_requeue_parks,
    prefetch_bounds_unacked,
);

/// Connections named after `prefix`, as `rabbitmqctl` pids.
async fn broker_connections(prefix: &str) -> Vec<String> {
    let output = rabbitmqctl(&["list_connections", "pid", "client_properties", "--quiet", "--no-table-headers"]).await;
    output
        .lines()
        .filter(|line| line.contains(prefix))
        .filter_map(|line| line.split('\t').next())
        .map(str::to_owned)
        .collect()
}

async fn rabbitmqctl(args: &[&str]) -> String {
    let run = tokio::process::Command::new("rabbitmqctl").args(args).output();
    let output = tokio::time::timeout(support::WAIT * 3, run)
        .await
        .expect("rabbitmqctl timed out")
        .expect("rabbitmqctl runs (installed, and the test has the rights to use it)");
    assert!(output.status.success(), "rabbitmqctl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_recovers_from_closed_connections() {
    let harness = Harness::rabbitmq().await;
    let prefix = harness.prefix().map(str::to_owned).unwrap_or_default();
    harness
        .run(|bus| async move {
            let bus = &*bus;
            bus.declare(&[spec("work", &["case.*"], 5, 10)]).await.unwrap();
            let mut sub = bus.subscribe("work").await.unwrap();
            let held_message = message("case.reported", b"held");
            publish(bus, held_message.clone()).await;
            let held = next(&mut sub).await;
            assert!(!held.redelivered);

            let before = broker_connections(&prefix).await;
            assert_eq!(before.len(), 2, "a publish and a consume connection: {before:?}");
            for pid in &before {
                rabbitmqctl(&["close_connection", pid, "reconnect test"]).await;
            }

            // Publishing reconnects on its own.
            let after_message = message("case.reported", b"after");
            tokio::time::timeout(support::WAIT * 4, bus.publish(after_message.clone()))
                .await
                .expect("publish after the connections were closed timed out")
                .expect("publish after the connections were closed");

            // The subscription re-attaches: the unacked message comes back, then the new one.
            let mut got = Vec::new();
            for _ in 0..2 {
                let d = tokio::time::timeout(support::WAIT * 4, sub.next())
                    .await
                    .expect("the subscription did not recover")
                    .expect("the subscription ended");
                got.push((d.message.clone(), d.redelivered));
                d.acker.ack().await.unwrap();
            }
            got.sort_by(|a, b| a.0.payload.cmp(&b.0.payload));
            assert_eq!(got, vec![(after_message, false), (held_message, true)]);
            assert!(held.acker.ack().await.is_err(), "its channel is gone");
            assert_quiet(&mut sub).await;

            let after = broker_connections(&prefix).await;
            assert_eq!(after.len(), 2, "reconnected: {after:?}");
            assert!(after.iter().all(|pid| !before.contains(pid)));
        })
        .await;
}
