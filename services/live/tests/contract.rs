//! One contract for the `LiveState` port, run against both adapters (see the macro at the end).

mod common;

use common::{Wipe, id, run, view};
use gridflow_domain::CaseState::{Closed, Dispatched, InProgress, Registered, Reopened, Reported};
use gridflow_domain::ports::{LiveCase, LiveState, TRIAGE_QUEUE};
use std::sync::Arc;
use tokio::sync::Barrier;
use uuid::Uuid;

/// What every contract function needs: the port, plus a way to simulate data loss.
trait Harness: LiveState + Wipe + Clone + Send + 'static {}
impl<T: LiveState + Wipe + Clone + Send + 'static> Harness for T {}

async fn queue_ids<L: LiveState>(live: &L, name: &str) -> Vec<Uuid> {
    let views = live.queue(name, 100).await.expect("queue");
    views.into_iter().map(|v| v.id).collect()
}

async fn upsert<L: LiveState>(live: &L, v: &LiveCase) -> bool {
    live.upsert(v).await.expect("upsert")
}

async fn insert_then_get<L: Harness>(live: L) {
    let c = view(id(1), 1, Dispatched, Some("roads"), Some(1_000));
    assert_eq!(live.get(c.id).await.expect("get"), None);
    assert!(upsert(&live, &c).await, "first write must apply");
    assert_eq!(live.get(c.id).await.expect("get"), Some(c.clone()));
    assert_eq!(live.open_ids().await.expect("open"), vec![c.id]);
    assert_eq!(queue_ids(&live, "roads").await, vec![c.id]);
}

async fn newer_applies_same_or_older_is_refused<L: Harness>(live: L) {
    let c = id(2);
    assert!(upsert(&live, &view(c, 5, Dispatched, Some("roads"), Some(500))).await);
    let v6 = view(c, 6, InProgress, Some("roads"), Some(400));
    assert!(upsert(&live, &v6).await, "newer version must apply");
    assert_eq!(live.get(c).await.expect("get"), Some(v6.clone()));

    // Same version with different content, and an older one: both refused, nothing moves.
    let dup = view(c, 6, Dispatched, Some("parks"), Some(1));
    assert!(!upsert(&live, &dup).await, "same version must be refused");
    let old = view(c, 3, Closed, None, None);
    assert!(!upsert(&live, &old).await, "older version must be refused");
    let old_triage = view(c, 4, Registered, None, None);
    assert!(!upsert(&live, &old_triage).await);

    assert_eq!(live.get(c).await.expect("get"), Some(v6.clone()));
    assert_eq!(live.queue("roads", 10).await.expect("queue"), vec![v6]);
    assert!(queue_ids(&live, "parks").await.is_empty());
    assert!(queue_ids(&live, TRIAGE_QUEUE).await.is_empty());
    assert_eq!(live.open_ids().await.expect("open"), vec![c]);
}

async fn department_change_moves_queues<L: Harness>(live: L) {
    let c = id(3);
    assert!(upsert(&live, &view(c, 1, Dispatched, Some("roads"), Some(10))).await);
    assert!(upsert(&live, &view(c, 2, Dispatched, Some("parks"), Some(10))).await);
    assert!(queue_ids(&live, "roads").await.is_empty(), "old queue must be left");
    assert_eq!(queue_ids(&live, "parks").await, vec![c]);

    // Back to triage (returned by the department), then to a third department.
    assert!(upsert(&live, &view(c, 3, Reopened, None, None)).await);
    assert!(queue_ids(&live, "parks").await.is_empty());
    assert_eq!(queue_ids(&live, TRIAGE_QUEUE).await, vec![c]);
    assert!(upsert(&live, &view(c, 4, Dispatched, Some("water"), Some(9))).await);
    assert!(queue_ids(&live, TRIAGE_QUEUE).await.is_empty());
    assert_eq!(queue_ids(&live, "water").await, vec![c]);
}

async fn terminal_leaves_everything_and_is_not_resurrected<L: Harness>(live: L) {
    let (c, other) = (id(4), id(5));
    assert!(upsert(&live, &view(other, 1, Dispatched, Some("roads"), Some(50))).await);
    assert!(upsert(&live, &view(c, 1, Dispatched, Some("roads"), Some(10))).await);
    assert!(upsert(&live, &view(c, 2, InProgress, Some("roads"), Some(10))).await);
    let closed = view(c, 3, Closed, Some("roads"), Some(10));
    assert!(upsert(&live, &closed).await);

    assert_eq!(queue_ids(&live, "roads").await, vec![other]);
    assert_eq!(live.open_ids().await.expect("open"), vec![other]);
    assert_eq!(live.get(c).await.expect("get"), Some(closed.clone()), "tombstone kept");

    // A late redelivery of an earlier event must not bring the case back.
    assert!(!upsert(&live, &view(c, 2, InProgress, Some("roads"), Some(10))).await);
    assert!(!upsert(&live, &view(c, 1, Registered, None, None)).await);
    assert_eq!(queue_ids(&live, "roads").await, vec![other]);
    assert!(queue_ids(&live, TRIAGE_QUEUE).await.is_empty());
    assert_eq!(live.open_ids().await.expect("open"), vec![other]);
    assert_eq!(live.get(c).await.expect("get"), Some(closed));

    // A genuine reopen carries a newer version and does apply.
    let reopened = view(c, 4, Reopened, None, None);
    assert!(upsert(&live, &reopened).await);
    assert_eq!(live.queue(TRIAGE_QUEUE, 10).await.expect("queue"), vec![reopened]);
    let mut open = live.open_ids().await.expect("open");
    open.sort();
    assert_eq!(open, vec![c, other]);
}

async fn triage_holds_registered_cases_without_department<L: Harness>(live: L) {
    let (reg, intake, assigned) = (id(6), id(7), id(8));
    assert!(upsert(&live, &view(reg, 1, Registered, None, Some(70))).await);
    assert!(upsert(&live, &view(intake, 1, Reported, None, None)).await);
    assert!(upsert(&live, &view(assigned, 1, Registered, Some("roads"), None)).await);

    assert_eq!(queue_ids(&live, TRIAGE_QUEUE).await, vec![reg]);
    assert_eq!(queue_ids(&live, "roads").await, vec![assigned]);
    // Intake cases are open but nobody's queue item yet.
    let mut open = live.open_ids().await.expect("open");
    open.sort();
    assert_eq!(open, vec![reg, intake, assigned]);

    assert!(upsert(&live, &view(reg, 2, Dispatched, Some("parks"), Some(70))).await);
    assert!(queue_ids(&live, TRIAGE_QUEUE).await.is_empty());
    assert_eq!(queue_ids(&live, "parks").await, vec![reg]);
}

async fn queue_orders_by_due_then_id_with_limit<L: Harness>(live: L) {
    let cases = [
        (id(20), Some(300)),
        (id(21), None),
        (id(22), Some(100)),
        (id(13), Some(200)),
        (id(23), Some(100)),
        (id(11), None),
        (id(10), Some(-5)),
    ];
    for (c, due) in cases {
        assert!(upsert(&live, &view(c, 1, Dispatched, Some("roads"), due)).await);
    }
    assert!(upsert(&live, &view(id(99), 1, Dispatched, Some("parks"), Some(0))).await);
    // The due time moving later must re-sort the case, not leave its old score behind.
    assert!(upsert(&live, &view(id(20), 2, Dispatched, Some("roads"), Some(150))).await);

    let expected = vec![id(10), id(22), id(23), id(20), id(13), id(11), id(21)];
    assert_eq!(queue_ids(&live, "roads").await, expected);
    let head = live.queue("roads", 3).await.expect("queue");
    assert_eq!(head.iter().map(|v| v.id).collect::<Vec<_>>(), expected[..3]);
    assert_eq!(head[2].due_at_ms, Some(100));
    assert!(live.queue("roads", 0).await.expect("queue").is_empty());
    assert_eq!(live.queue("roads", usize::MAX).await.expect("queue").len(), 7);
    assert!(live.queue("nobody", 10).await.expect("queue").is_empty());
}

async fn built_marker_follows_data_loss<L: Harness>(live: L) {
    assert!(!live.is_built().await.expect("is_built"), "fresh backend is not built");
    live.mark_built().await.expect("mark_built");
    assert!(live.is_built().await.expect("is_built"));
    assert!(upsert(&live, &view(id(30), 3, Registered, None, None)).await);

    live.wipe().await.expect("wipe");
    assert!(!live.is_built().await.expect("is_built"), "lost data means rebuild");
    assert_eq!(live.get(id(30)).await.expect("get"), None);
    assert!(live.open_ids().await.expect("open").is_empty());
    assert!(queue_ids(&live, TRIAGE_QUEUE).await.is_empty());
    // The rebuild replays from the store, so any version must apply again.
    assert!(upsert(&live, &view(id(30), 1, Registered, None, None)).await);
}

const VERSIONS: i64 = 240;
const WRITERS: i64 = 8;
const ROUNDS: u128 = 6;

fn department_of(version: i64) -> String {
    format!("d{}", version % 3)
}

/// Several rounds, each on a fresh case: one lost race is enough to fail, and a non-atomic
/// check-then-write loses at least one race per few rounds.
async fn concurrent_upserts_keep_highest_version<L: Harness>(live: L) {
    for round in 0..ROUNDS {
        race_one_case(&live, id(40 + round)).await;
    }
}

async fn race_one_case<L: Harness>(live: &L, c: Uuid) {
    let barrier = Arc::new(Barrier::new(WRITERS as usize));
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (live, barrier) = (live.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine: Vec<i64> = (1..=VERSIONS).filter(|v| v % WRITERS == writer).collect();
            // Half the writers go newest-first so stale writes race fresh ones constantly.
            if writer % 2 == 1 {
                mine.reverse();
            }
            barrier.wait().await;
            let mut applied = 0;
            for v in mine {
                let state = if v % 5 == 0 { InProgress } else { Dispatched };
                let dept = department_of(v);
                if upsert(&live, &view(c, v, state, Some(&dept), Some(v))).await {
                    applied += 1;
                }
            }
            applied
        }));
    }
    let mut applied = 0;
    for task in tasks {
        applied += task.await.expect("writer task");
    }
    assert!((1..=VERSIONS).contains(&applied));

    let stored = live.get(c).await.expect("get").expect("case stored");
    assert_eq!(stored.version, VERSIONS);
    let dept = department_of(VERSIONS);
    assert_eq!(stored.department.as_deref(), Some(dept.as_str()));
    // Exactly one queue entry, in the newest version's queue, with the newest due time.
    for d in 0..3 {
        let name = format!("d{d}");
        let ids = queue_ids(live, &name).await;
        let want = if name == dept { vec![c] } else { vec![] };
        assert_eq!(ids, want, "queue {name}");
    }
    assert_eq!(live.queue(&dept, 5).await.expect("queue"), vec![stored]);
    // Closing the case ends the round so the next round's queues start empty.
    assert!(upsert(live, &view(c, VERSIONS + 1, Closed, None, None)).await);
    assert!(live.open_ids().await.expect("open").is_empty());
}

macro_rules! contract {
    ($($name:ident),+ $(,)?) => {
        mod memory_adapter {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run(gridflow_live::MemoryLive::new(), super::$name).await;
                }
            )+
        }
        mod redis_adapter {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run(super::common::redis_live().await, super::$name).await;
                }
            )+
        }
    };
}

contract!(
    insert_then_get,
    newer_applies_same_or_older_is_refused,
    department_change_moves_queues,
    terminal_leaves_everything_and_is_not_resurrected,
    triage_holds_registered_cases_without_department,
    queue_orders_by_due_then_id_with_limit,
    built_marker_follows_data_loss,
    concurrent_upserts_keep_highest_version,
);
