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
