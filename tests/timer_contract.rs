//! Timer contract suite: what the `Timers` port promises (services/domain/src/ports/timers.rs),
//! written once against `SeaStore` and run on both backends — SQLite (embedded) and Postgres
//! (production) — each test on its own fresh, migrated database.
//!
//! Test names are `<case>::sqlite` and `<case>::postgres`; filter with `-- sqlite` or `-- postgres`.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Utc};
use gridflow_calendar::{CN_DEFAULT, CN_DEFAULT_JSON, Calendar};
use gridflow_domain::ports::{DueTimer, StoreError, TimerSpec, TimerState, Timers};
use gridflow_store::SeaStore;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use uuid::Uuid;

/// Upper bound for one contract case, so a deadlock fails its test instead of hanging the run.
const CASE_LIMIT: Duration = Duration::from_secs(120);

/// 2026-01-01T00:00:00Z: a fixed origin; every instant the port sees is passed in explicitly.
const T0: i64 = 1_767_225_600_000;
const LEASE: i64 = 30_000;

async fn open(url: &str) -> SeaStore {
    let store = SeaStore::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    store
}

async fn bounded(case: impl Future<Output = ()>) {
    tokio::time::timeout(CASE_LIMIT, case).await.expect("contract case did not finish in time");
}

/// One module per case with a `sqlite` and a `postgres` test, each on a fresh database.
macro_rules! contract {
    ($($case:ident),+ $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let backends = super::common::embedded();
                let store = super::open(&backends.database_url).await;
                super::bounded(super::$case(&store)).await;
                drop(store);
                backends.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let url = super::common::fresh_postgres().await;
                let store = super::open(&url).await;
                super::bounded(super::$case(&store)).await;
                drop(store);
                super::common::drop_postgres(&url).await;
            }
        }
    )+};
}

contract!(
    arm_is_idempotent,
    claims_only_due_in_due_order,
    leases_and_release,
    concurrent_claimers,
    fires_exactly_once,
    concurrent_firing,
    cancel_clock_stops_claims,
    stale_generations,
    overdue_unfired,
    calendars_and_revisions,
    concurrent_calendar_writers,
);

/// `Err(pattern)` or a message naming what came instead.
macro_rules! assert_err {
    ($res:expr, $pat:pat) => {{
        let res = $res;
        assert!(matches!(res, Err($pat)), "expected Err({}), got {:?}", stringify!($pat), res);
    }};
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn spec(case_id: Uuid, clock: &str, generation: i32, kind: &str, due_ms: i64) -> TimerSpec {
    TimerSpec { case_id, clock: clock.into(), generation, kind: kind.into(), due_at: at(due_ms) }
}

/// The thresholds of one clock generation, due at 50 %, 80 % and 100 % of `limit_ms` after T0.
fn thresholds(case_id: Uuid, clock: &str, generation: i32, limit_ms: i64) -> Vec<TimerSpec> {
    [50, 80, 100]
        .into_iter()
        .map(|p| spec(case_id, clock, generation, &p.to_string(), T0 + limit_ms * p / 100))
        .collect()
}

fn kinds(timers: &[DueTimer]) -> Vec<(i32, &str)> {
    timers.iter().map(|t| (t.generation, t.kind.as_str())).collect()
}

async fn arm_is_idempotent(s: &SeaStore) {
    let case = Uuid::new_v4();
    assert_eq!(s.arm(&[]).await.unwrap(), 0);
    assert_eq!(s.arm(&thresholds(case, "handle", 1, 60_000)).await.unwrap(), 3);
    // Arming the same timers again (even with another due instant) adds nothing; only the new
    // escalation step is armed, and a duplicate inside one call counts once.
    let mut again = thresholds(case, "handle", 1, 90_000);
    again.push(spec(case, "handle", 1, "esc:2:0", T0 + 120_000));
    again.push(spec(case, "handle", 1, "esc:2:0", T0 + 120_000));
    assert_eq!(s.arm(&again).await.unwrap(), 1);
    // Another generation, clock or case is another timer.
    assert_eq!(s.arm(&[spec(case, "handle", 2, "50", T0)]).await.unwrap(), 1);
    assert_eq!(s.arm(&[spec(case, "accept", 1, "50", T0)]).await.unwrap(), 1);
    let other = Uuid::new_v4();
    assert_eq!(s.arm(&[spec(other, "handle", 1, "50", T0)]).await.unwrap(), 1);

    let rows = s.timers_of(case).await.unwrap();
    let listed: Vec<_> = rows.iter().map(|r| (r.clock.as_str(), r.generation, r.kind.as_str(), r.due_at)).collect();
    assert_eq!(
        listed[2..],
        [
            ("handle", 1, "50", at(T0 + 30_000)),
            ("handle", 1, "80", at(T0 + 48_000)),
            ("handle", 1, "100", at(T0 + 60_000)),
            ("handle", 1, "esc:2:0", at(T0 + 120_000)),
        ]
    );
    let first_two: HashSet<_> = listed[..2].iter().cloned().collect();
    assert_eq!(first_two, HashSet::from([("handle", 2, "50", at(T0)), ("accept", 1, "50", at(T0))]));
    for r in &rows {
        assert_eq!(r.case_id, case);
        assert_eq!(r.state(), TimerState::Pending);
        assert_eq!((r.claimed_by.as_deref(), r.fired_at, r.cancelled_at, r.lateness_ms), (None, None, None, None));
    }
    assert!(s.timers_of(Uuid::new_v4()).await.unwrap().is_empty());

    // A large set (several INSERT statements) is armed whole, and re-arming it is a no-op.
    let many: Vec<_> = (0..2_500).map(|i| spec(Uuid::new_v4(), "handle", 1, "100", T0 + i)).collect();
    assert_eq!(s.arm(&many).await.unwrap(), 2_500);
    assert_eq!(s.arm(&many).await.unwrap(), 0);
}

async fn claims_only_due_in_due_order(s: &SeaStore) {
    let case = Uuid::new_v4();
    let timers = [
        spec(case, "handle", 1, "100", T0 + 3_000),
        spec(case, "handle", 1, "50", T0 + 1_000),
        spec(case, "handle", 1, "80", T0 + 2_000),
        spec(case, "handle", 1, "esc:1:0", T0 + 5_000),
    ];
    s.arm(&timers).await.unwrap();
    assert!(s.claim_due("r1", at(T0 + 999), 10, LEASE).await.unwrap().is_empty());

    let now = T0 + 3_000;
    let first = s.claim_due("r1", at(now), 2, LEASE).await.unwrap();
    assert_eq!(kinds(&first), [(1, "50"), (1, "80")]);
    for t in &first {
        assert_eq!((t.case_id, t.clock.as_str(), t.claimed_until), (case, "handle", at(now + LEASE)));
    }
    assert_eq!(first[0].due_at, at(T0 + 1_000));
    let second = s.claim_due("r1", at(now), 2, LEASE).await.unwrap();
    assert_eq!(kinds(&second), [(1, "100")]);
    // Due exactly now is due; the escalation step (due later) is not.
    assert_eq!(second[0].due_at, at(now));
    assert!(s.claim_due("r1", at(now), 10, LEASE).await.unwrap().is_empty());
    let later = s.claim_due("r1", at(T0 + 5_000), 10, LEASE).await.unwrap();
    assert_eq!(kinds(&later), [(1, "esc:1:0")]);

    let rows = s.timers_of(case).await.unwrap();
    assert!(rows.iter().all(|r| r.claimed_by.as_deref() == Some("r1") && r.state() == TimerState::Pending));
}

async fn leases_and_release(s: &SeaStore) {
    let case = Uuid::new_v4();
    s.arm(&[spec(case, "handle", 1, "100", T0)]).await.unwrap();
    let now = T0 + 1_000;
    let mine = s.claim_due("r1", at(now), 10, 10_000).await.unwrap();
    assert_eq!(mine.len(), 1);
    let id = mine[0].id;

    // Held by r1 while its lease runs, the last millisecond included.
    assert!(s.claim_due("r2", at(now + 5_000), 10, 10_000).await.unwrap().is_empty());
    assert!(s.claim_due("r2", at(now + 10_000), 10, 10_000).await.unwrap().is_empty());
    // Once it lapses, anyone may take it over.
    let taken = s.claim_due("r2", at(now + 10_001), 10, 10_000).await.unwrap();
    assert_eq!(taken.iter().map(|t| t.id).collect::<Vec<_>>(), [id]);
    assert_eq!(taken[0].claimed_until, at(now + 20_001));
    assert_eq!(s.timers_of(case).await.unwrap()[0].claimed_by.as_deref(), Some("r2"));

    // Only the holder can give a claim back; then it is claimable at once.
    assert!(!s.release(id, "r1").await.unwrap());
    assert!(s.claim_due("r1", at(now + 10_002), 10, 10_000).await.unwrap().is_empty());
    assert!(s.release(id, "r2").await.unwrap());
    assert!(!s.release(id, "r2").await.unwrap());
    let back = s.claim_due("r1", at(now + 10_002), 10, 10_000).await.unwrap();
    assert_eq!(back.iter().map(|t| t.id).collect::<Vec<_>>(), [id]);

    // A fired timer cannot be released or claimed again, however late.
    assert!(s.mark_fired(id, "r1", at(now + 10_003)).await.unwrap());
    assert!(!s.release(id, "r1").await.unwrap());
    assert!(s.claim_due("r3", at(now + 1_000_000), 10, 10_000).await.unwrap().is_empty());
}

async fn concurrent_claimers(s: &SeaStore) {
    const N: i64 = 2_000;
    let specs: Vec<_> = (0..N).map(|i| spec(Uuid::new_v4(), "handle", 1, "100", T0 + i % 97)).collect();
    assert_eq!(s.arm(&specs).await.unwrap(), N as u64);
    let all: HashSet<i64> =
        s.claim_due("probe", at(T0 + 1_000), N as u64, 0).await.unwrap().iter().map(|t| t.id).collect();
    assert_eq!(all.len(), N as usize);
    // The probe's zero lease ended at T0 + 1000, so the claimers below (later) may take every row.
    let now = at(T0 + 2_000);
    let (p1, p2) = tokio::join!(s.claim_due("warm", at(T0), 1, 0), s.claim_due("warm", at(T0), 1, 0));
    p1.and(p2).unwrap();

    let barrier = Arc::new(Barrier::new(2));
    let claimers: Vec<_> = ["replica-1", "replica-2"]
        .into_iter()
        .map(|owner| {
            let (s, barrier) = (s.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut got = vec![];
                for _ in 0..N {
                    let batch = s.claim_due(owner, now, 50, 60_000).await.unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    assert!(batch.windows(2).all(|w| (w[0].due_at, w[0].id) < (w[1].due_at, w[1].id)));
                    got.extend(batch.into_iter().map(|t| t.id));
                    tokio::task::yield_now().await;
                }
                panic!("{owner} kept claiming more timers than exist");
            })
        })
        .collect();
    let mut sets = vec![];
    for c in claimers {
        sets.push(c.await.unwrap());
    }
    let one: HashSet<i64> = sets[0].iter().copied().collect();
    let two: HashSet<i64> = sets[1].iter().copied().collect();
    assert_eq!(one.len(), sets[0].len(), "a claimer got the same timer twice");
    assert_eq!(two.len(), sets[1].len(), "a claimer got the same timer twice");
    assert!(one.is_disjoint(&two), "timers claimed by both: {:?}", one.intersection(&two).collect::<Vec<_>>());
    assert_eq!(one.union(&two).copied().collect::<HashSet<_>>(), all);
    // Which claimer got how many is up to the scheduler (SQLite has a single writer): only the
    // contract is asserted, disjoint claims covering every due timer.
    assert!(s.claim_due("replica-3", now, 5_000, 60_000).await.unwrap().is_empty());
}

async fn fires_exactly_once(s: &SeaStore) {
    let case = Uuid::new_v4();
    let armed = thresholds(case, "handle", 1, 10_000);
    s.arm(&armed).await.unwrap();
    let due = s.claim_due("r1", at(T0 + 20_000), 10, LEASE).await.unwrap();
    assert_eq!(due.len(), 3);
    let t50 = &due[0];
    assert_eq!(t50.kind, "50");

    assert!(s.mark_fired(t50.id, "r1", at(T0 + 5_250)).await.unwrap());
    assert!(!s.mark_fired(t50.id, "r1", at(T0 + 5_300)).await.unwrap());
    assert!(!s.mark_fired(t50.id, "r2", at(T0 + 5_400)).await.unwrap());
    assert!(!s.mark_fired(i64::MAX, "r1", at(T0)).await.unwrap(), "unknown timer");

    let row = s.timers_of(case).await.unwrap().into_iter().find(|r| r.id == t50.id).unwrap();
    assert_eq!(row.state(), TimerState::Fired);
    assert_eq!((row.fired_at, row.fired_by.as_deref(), row.lateness_ms), (Some(at(T0 + 5_250)), Some("r1"), Some(250)));
    // Firing early is recorded as negative lateness rather than refused: the clock owner decides.
    assert!(s.mark_fired(due[1].id, "r1", at(T0 + 7_000)).await.unwrap());
    assert_eq!(s.timers_of(case).await.unwrap()[1].lateness_ms, Some(-1_000));

    // Fired timers are never claimable again and re-arming them is a no-op.
    assert_eq!(s.arm(&armed).await.unwrap(), 0);
    let rest = s.claim_due("r2", at(T0 + 10_000_000), 10, LEASE).await.unwrap();
    assert_eq!(kinds(&rest), [(1, "100")]);
    assert_eq!(s.timers_of(case).await.unwrap().iter().filter(|r| r.state() == TimerState::Fired).count(), 2);
}

async fn concurrent_firing(s: &SeaStore) {
    const N: usize = 100;
    let specs: Vec<_> = (0..N).map(|i| spec(Uuid::new_v4(), "handle", 1, "100", T0 + i as i64)).collect();
    s.arm(&specs).await.unwrap();
    let due = s.claim_due("r1", at(T0 + 1_000), N as u64, LEASE).await.unwrap();
    assert_eq!(due.len(), N);
    // Two replicas try to fire every timer at once (e.g. the first one's lease ran out while it
    // was still working): exactly one of them wins each timer.
    let barrier = Arc::new(Barrier::new(2));
    let ids: Vec<i64> = due.iter().map(|t| t.id).collect();
    let firers: Vec<_> = ["replica-1", "replica-2"]
        .into_iter()
        .map(|owner| {
            let (s, barrier, ids) = (s.clone(), barrier.clone(), ids.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut won = vec![];
                for id in ids {
                    if s.mark_fired(id, owner, at(T0 + 2_000)).await.unwrap() {
                        won.push(id);
                    }
                }
                won
            })
        })
        .collect();
    let mut wins = vec![];
    for f in firers {
        wins.push(f.await.unwrap());
    }
    let (one, two): (HashSet<i64>, HashSet<i64>) =
        (wins[0].iter().copied().collect(), wins[1].iter().copied().collect());
    assert!(one.is_disjoint(&two), "fired twice: {:?}", one.intersection(&two).collect::<Vec<_>>());
    assert_eq!(one.union(&two).copied().collect::<HashSet<_>>(), ids.iter().copied().collect());

    // The same race on one timer, many times over, with both calls issued together.
    let specs: Vec<_> = (0..50).map(|i| spec(Uuid::new_v4(), "handle", 1, "80", T0 + i)).collect();
    s.arm(&specs).await.unwrap();
    for t in s.claim_due("r1", at(T0 + 1_000), 100, LEASE).await.unwrap() {
        let (a, b) = tokio::join!(
            s.mark_fired(t.id, "replica-1", at(T0 + 3_000)),
            s.mark_fired(t.id, "replica-2", at(T0 + 3_000))
        );
        assert!(a.unwrap() ^ b.unwrap(), "timer {} fired by both or neither", t.id);
    }
    assert_eq!(s.overdue_unfired(at(T0 + 10_000)).await.unwrap(), (0, None));
}

async fn cancel_clock_stops_claims(s: &SeaStore) {
    let (case, other) = (Uuid::new_v4(), Uuid::new_v4());
    s.arm(&thresholds(case, "handle", 1, 10_000)).await.unwrap();
    s.arm(&thresholds(case, "accept", 1, 10_000)).await.unwrap();
    s.arm(&thresholds(other, "handle", 1, 10_000)).await.unwrap();
    // One handle timer is claimed (in flight) when the clock stops: the first armed of the three
    // due at T0 + 5000.
    let in_flight = s.claim_due("r1", at(T0 + 5_000), 1, LEASE).await.unwrap();
    assert_eq!(in_flight.len(), 1);
    let in_flight = in_flight.into_iter().next().unwrap();
    assert_eq!((in_flight.case_id, in_flight.clock.as_str(), in_flight.kind.as_str()), (case, "handle", "50"));

    assert_eq!(s.cancel_clock(case, "handle", None).await.unwrap(), 3);
    assert_eq!(s.cancel_clock(case, "handle", None).await.unwrap(), 0, "already cancelled");
    assert_eq!(s.cancel_clock(Uuid::new_v4(), "handle", None).await.unwrap(), 0);

    let rows = s.timers_of(case).await.unwrap();
    for r in &rows {
        let expected = if r.clock == "handle" { TimerState::Cancelled } else { TimerState::Pending };
        assert_eq!(r.state(), expected, "{} {}", r.clock, r.kind);
    }
    // Claims (even after every lease ran out) only see the other clock and the other case.
    let due = s.claim_due("r2", at(T0 + 10_000_000), 100, LEASE).await.unwrap();
    assert_eq!(due.len(), 6);
    assert!(due.iter().all(|t| !(t.case_id == case && t.clock == "handle")));
    // A timer cancelled while claimed can no longer fire.
    assert!(!s.mark_fired(in_flight.id, "r1", at(T0 + 6_000)).await.unwrap());
    // The other clocks still fire, and cancelling one does not undo a fired timer.
    assert!(s.mark_fired(due[0].id, "r2", at(T0 + 6_000)).await.unwrap());
    let fired_clock = (due[0].case_id, due[0].clock.clone());
    s.cancel_clock(fired_clock.0, &fired_clock.1, None).await.unwrap();
    let fired = s.timers_of(fired_clock.0).await.unwrap().into_iter().find(|r| r.id == due[0].id).unwrap();
    assert_eq!((fired.state(), fired.cancelled_at), (TimerState::Fired, None));
}

async fn stale_generations(s: &SeaStore) {
    let case = Uuid::new_v4();
    s.arm(&thresholds(case, "handle", 1, 10_000)).await.unwrap();
    // The 50 % threshold of generation 1 fires; then the clock is paused and resumed, moving its
    // due instant: generation 2 is armed and the rest of generation 1 becomes stale.
    let g1 = s.claim_due("r1", at(T0 + 5_000), 10, LEASE).await.unwrap();
    assert_eq!(kinds(&g1), [(1, "50")]);
    assert!(s.mark_fired(g1[0].id, "r1", at(T0 + 5_000)).await.unwrap());
    let g2: Vec<_> = thresholds(case, "handle", 2, 20_000).into_iter().filter(|t| t.kind != "50").collect();
    assert_eq!(s.arm(&g2).await.unwrap(), 2);

    assert_eq!(s.cancel_clock(case, "handle", Some(2)).await.unwrap(), 2);
    assert_eq!(s.cancel_clock(case, "handle", Some(2)).await.unwrap(), 0);
    let states: Vec<_> =
        s.timers_of(case).await.unwrap().iter().map(|r| (r.generation, r.kind.clone(), r.state())).collect();
    assert_eq!(
        states,
        [
            (1, "50".to_string(), TimerState::Fired),
            (1, "80".into(), TimerState::Cancelled),
            (1, "100".into(), TimerState::Cancelled),
            (2, "80".into(), TimerState::Pending),
            (2, "100".into(), TimerState::Pending),
        ]
    );
    let due = s.claim_due("r1", at(T0 + 100_000), 10, LEASE).await.unwrap();
    assert_eq!(kinds(&due), [(2, "80"), (2, "100")]);
    // A stale timer cannot be re-armed into life either: its key is taken.
    assert_eq!(s.arm(&thresholds(case, "handle", 1, 10_000)).await.unwrap(), 0);
    // Once their leases lapse, only generation 2 comes back.
    let again = s.claim_due("r2", at(T0 + 1_000_000), 10, LEASE).await.unwrap();
    assert_eq!(kinds(&again), [(2, "80"), (2, "100")]);
}

async fn overdue_unfired(s: &SeaStore) {
    assert_eq!(s.overdue_unfired(at(T0)).await.unwrap(), (0, None));
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    s.arm(&[
        spec(a, "handle", 1, "50", T0),
        spec(a, "handle", 1, "100", T0 + 1_000),
        spec(a, "handle", 1, "esc:1:0", T0 + 5_000),
        spec(b, "handle", 1, "100", T0 + 1_500),
    ])
    .await
    .unwrap();
    assert_eq!(s.overdue_unfired(at(T0 - 1)).await.unwrap(), (0, None));
    assert_eq!(s.overdue_unfired(at(T0 + 2_000)).await.unwrap(), (3, Some(2_000)));
    // Claimed but not fired is still overdue.
    let due = s.claim_due("r1", at(T0 + 2_000), 1, LEASE).await.unwrap();
    assert_eq!(s.overdue_unfired(at(T0 + 2_000)).await.unwrap(), (3, Some(2_000)));
    assert!(s.mark_fired(due[0].id, "r1", at(T0 + 2_000)).await.unwrap());
    assert_eq!(s.overdue_unfired(at(T0 + 2_000)).await.unwrap(), (2, Some(1_000)));
    assert_eq!(s.cancel_clock(b, "handle", None).await.unwrap(), 1);
    assert_eq!(s.overdue_unfired(at(T0 + 2_000)).await.unwrap(), (1, Some(1_000)));
    assert_eq!(s.overdue_unfired(at(T0 + 6_000)).await.unwrap(), (2, Some(5_000)));
}

fn calendar_json(code: &str, name: &str) -> String {
    let mut spec: serde_json::Value = serde_json::from_str(CN_DEFAULT_JSON).unwrap();
    spec["code"] = code.into();
    spec["name"] = name.into();
    spec.to_string()
}

async fn calendars_and_revisions(s: &SeaStore) {
    assert!(s.calendars().await.unwrap().is_empty());
    assert!(s.calendar_history(CN_DEFAULT).await.unwrap().is_empty());
    let v1 = calendar_json(CN_DEFAULT, "城市默认日历");
    let before = Utc::now().timestamp_millis();
    assert_eq!(s.put_calendar(CN_DEFAULT, &v1, "admin", Some(0)).await.unwrap(), 1);
    assert_err!(s.put_calendar(CN_DEFAULT, &v1, "admin", Some(0)).await, StoreError::VersionConflict);
    assert_err!(s.put_calendar(CN_DEFAULT, &v1, "admin", Some(2)).await, StoreError::VersionConflict);

    let v2 = calendar_json(CN_DEFAULT, "城市默认日历 (2)");
    assert_eq!(s.put_calendar(CN_DEFAULT, &v2, "editor", Some(1)).await.unwrap(), 2);
    assert_err!(s.put_calendar(CN_DEFAULT, &v1, "stale-editor", Some(1)).await, StoreError::VersionConflict);
    let v3 = calendar_json(CN_DEFAULT, "城市默认日历 (3)");
    assert_eq!(s.put_calendar(CN_DEFAULT, &v3, "importer", None).await.unwrap(), 3);
    let unit = calendar_json("water-24x7", "Water utility");
    assert_eq!(s.put_calendar("water-24x7", &unit, "admin", None).await.unwrap(), 1);

    let live = s.calendars().await.unwrap();
    let summary: Vec<_> = live.iter().map(|c| (c.code.as_str(), c.revision, c.created_by.as_str())).collect();
    assert_eq!(summary, [(CN_DEFAULT, 3, "importer"), ("water-24x7", 1, "admin")]);
    assert_eq!(live[0].body, v3);
    let after = Utc::now().timestamp_millis();
    for c in &live {
        assert!((before..=after).contains(&c.created_at.timestamp_millis()));
        // What is stored is what the calendar crate reads.
        let parsed = Calendar::from_json(&c.body).unwrap();
        assert_eq!(parsed.code(), c.code);
    }
    assert_eq!(Calendar::from_json(&live[0].body).unwrap().name(), Some("城市默认日历 (3)"));

    // Old revisions stay as history.
    let history = s.calendar_history(CN_DEFAULT).await.unwrap();
    let revisions: Vec<_> = history.iter().map(|c| (c.revision, c.body.as_str())).collect();
    assert_eq!(revisions, [(1, v1.as_str()), (2, v2.as_str()), (3, v3.as_str())]);
}

async fn concurrent_calendar_writers(s: &SeaStore) {
    let body = calendar_json(CN_DEFAULT, "base");
    assert_eq!(s.put_calendar(CN_DEFAULT, &body, "admin", Some(0)).await.unwrap(), 1);
    let (p1, p2) = tokio::join!(s.calendars(), s.calendars());
    p1.and(p2).unwrap();
    // Editors who all read revision 1 save at once: exactly one of them makes revision 2.
    let barrier = Arc::new(Barrier::new(6));
    let writers: Vec<_> = (0..6)
        .map(|i| {
            let (s, barrier) = (s.clone(), barrier.clone());
            tokio::spawn(async move {
                let body = calendar_json(CN_DEFAULT, &format!("editor {i}"));
                barrier.wait().await;
                s.put_calendar(CN_DEFAULT, &body, &format!("editor-{i}"), Some(1)).await
            })
        })
        .collect();
    let mut won = vec![];
    for w in writers {
        match w.await.unwrap() {
            Ok(revision) => won.push(revision),
            Err(StoreError::VersionConflict | StoreError::Duplicate(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(won, [2]);
    let history = s.calendar_history(CN_DEFAULT).await.unwrap();
    assert_eq!(history.iter().map(|c| c.revision).collect::<Vec<_>>(), [1, 2]);
    // Unconditional writers racing may collide on a revision number, but never overwrite one.
    let (a, b) =
        tokio::join!(s.put_calendar(CN_DEFAULT, &body, "a", None), s.put_calendar(CN_DEFAULT, &body, "b", None));
    let ok: Vec<i32> = [a, b].into_iter().filter_map(|r| r.ok()).collect();
    assert!(!ok.is_empty());
    let history = s.calendar_history(CN_DEFAULT).await.unwrap();
    assert_eq!(history.len(), 2 + ok.len());
    assert_eq!(s.calendars().await.unwrap()[0].revision, history.last().unwrap().revision);
}
