//! Round-robin turns (`Store::take_assignment_turn`).

use gridflow_domain::ports::Store;
use gridflow_store::SeaStore;

/// Turns count 0, 1, 2, ... per unit, units are independent, and concurrent callers never share
/// a turn.
pub async fn assignment_turns(s: &SeaStore) {
    assert_eq!(s.take_assignment_turn("unit-a").await.unwrap(), 0);
    assert_eq!(s.take_assignment_turn("unit-a").await.unwrap(), 1);
    assert_eq!(s.take_assignment_turn("unit-b").await.unwrap(), 0);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.take_assignment_turn("unit-a").await.unwrap() })
        })
        .collect();
    let mut turns = vec![];
    for t in tasks {
        turns.push(t.await.unwrap());
    }
    turns.sort_unstable();
    assert_eq!(turns, (2..18).collect::<Vec<u64>>());
    assert_eq!(s.take_assignment_turn("unit-b").await.unwrap(), 1);
}

/// Open cases of a department, with or without a handler; finished ones do not count.
pub async fn open_case_count(s: &SeaStore) {
    use crate::fixtures::{T0, at, create, dispatch, step};
    use gridflow_domain::{Event, RejectReason};
    assert_eq!(s.open_case_count("dept-a").await.unwrap(), 0);
    let mut cases = vec![];
    for i in 0..3 {
        let c = create(s, "event:0102", "G", at(T0 + i)).await;
        step(s, &c.case, &dispatch("dept-a", at(T0)), at(T0 + 5)).await;
        cases.push(c);
    }
    let other = create(s, "event:0102", "G", at(T0)).await;
    step(s, &other.case, &dispatch("dept-b", at(T0)), at(T0 + 5)).await;
    assert_eq!(s.open_case_count("dept-a").await.unwrap(), 3);
    let current = s.case(cases[0].case.id).await.unwrap().unwrap();
    let closed = [Event::Rejected { reason: RejectReason::TooMinor, note: String::new() }];
    step(s, &current, &closed, at(T0 + 10)).await;
    assert_eq!(s.open_case_count("dept-a").await.unwrap(), 2);
    assert_eq!(s.open_case_count("dept-c").await.unwrap(), 0);
}
