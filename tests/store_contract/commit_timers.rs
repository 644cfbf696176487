//! Timer changes committed with a case change: armed, cancelled and fired in the same
//! transaction, and a timer fired before makes the whole commit fail with nothing written.
#![allow(clippy::unwrap_used)]

use super::fixtures::*;
use chrono::{Duration, Utc};
use gridflow_domain::Event;
use gridflow_domain::ports::{Store, StoreError, TimerChanges, TimerSpec, TimerState, Timers};
use gridflow_store::SeaStore;

fn spec(c: &gridflow_domain::Case, generation: i32, kind: &str, minutes: i64) -> TimerSpec {
    TimerSpec {
        case_id: c.id,
        clock: "handle".into(),
        generation,
        kind: kind.into(),
        due_at: Utc::now() + Duration::minutes(minutes),
    }
}

pub async fn timers_commit_with_the_case(s: &SeaStore) {
    let now = Utc::now();
    let created = create(s, "event:0101", "110101001001001", now).await;
    let mut c = advance(&created.case, &dispatch("roads", now), "dispatcher-1", now);
    c.timers = TimerChanges { arm: vec![spec(&c.case, 1, "50", 1), spec(&c.case, 1, "100", 2)], ..Default::default() };
    s.commit(&c).await.unwrap();
    let armed = s.timers_of(c.case.id).await.unwrap();
    assert_eq!(armed.iter().map(|t| t.kind.as_str()).collect::<Vec<_>>(), ["50", "100"]);

    // Next generation: the old ones are cancelled, the new ones armed, timer 50 fired — atomically.
    let fired_id = armed[0].id;
    let mut next = advance(&c.case, &[Event::Signed], "unit-1", now);
    next.timers = TimerChanges {
        arm: vec![spec(&next.case, 2, "100", 3)],
        cancel: vec![("handle".into(), Some(2))],
        fire: Some(fired_id),
    };
    s.commit(&next).await.unwrap();
    let rows = s.timers_of(c.case.id).await.unwrap();
    let states: Vec<(i32, &str, TimerState)> =
        rows.iter().map(|t| (t.generation, t.kind.as_str(), t.state())).collect();
    assert_eq!(
        states,
        [(1, "50", TimerState::Fired), (1, "100", TimerState::Cancelled), (2, "100", TimerState::Pending)]
    );

    // Firing the same timer again fails the commit and writes nothing (case, transitions, timers).
    let mut again = advance(&next.case, &[Event::Started], "unit-1", now);
    again.timers =
        TimerChanges { arm: vec![spec(&again.case, 3, "100", 4)], fire: Some(fired_id), ..Default::default() };
    assert!(matches!(s.commit(&again).await, Err(StoreError::AlreadyProcessed)));
    assert_eq!(s.case(c.case.id).await.unwrap().unwrap().version, next.case.version);
    assert_eq!(s.transitions(c.case.id).await.unwrap().len() as i64, next.case.version);
    assert_eq!(s.timers_of(c.case.id).await.unwrap().len(), 3);

    // Stopping the clock cancels every pending timer of it.
    let mut stop = advance(&next.case, &[Event::Started], "unit-1", now);
    stop.timers = TimerChanges { cancel: vec![("handle".into(), None)], ..Default::default() };
    s.commit(&stop).await.unwrap();
    let rows = s.timers_of(c.case.id).await.unwrap();
    assert!(rows.iter().all(|t| t.state() != TimerState::Pending), "{rows:?}");
}
