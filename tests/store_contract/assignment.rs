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

/// Cases a whistle awaits a department's report-in from: listed by the earliest deadline, off
/// the list once the department reports in or the case ends, and never for others.
pub async fn awaiting_report_in(s: &SeaStore) {
    use crate::fixtures::{T0, at, create, dispatch, step};
    use gridflow_domain::{Event, RejectReason};
    let whistle = |departments: &[&str], minutes| Event::Whistled {
        departments: departments.iter().map(|d| d.to_string()).collect(),
        report_in_minutes: minutes,
        reason: "road blocked".into(),
    };
    let ids = |cases: Vec<gridflow_domain::Case>| cases.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let a = create(s, "event:0102", "G", at(T0)).await;
    let a = step(s, &a.case, &dispatch("dept-a", at(T0)), at(T0 + 5)).await;
    let b = create(s, "event:0102", "G", at(T0)).await;
    let b = step(s, &b.case, &dispatch("dept-a", at(T0)), at(T0 + 5)).await;
    assert!(s.awaiting_report_in("dept-x", 10).await.unwrap().is_empty());
    // b's deadline (10 min) comes before a's (60 min).
    let a = step(s, &a.case, &[whistle(&["dept-x", "dept-y"], 60)], at(T0 + 10)).await;
    let b = step(s, &b.case, &[whistle(&["dept-x"], 10)], at(T0 + 10)).await;
    assert_eq!(ids(s.awaiting_report_in("dept-x", 10).await.unwrap()), vec![b.case.id, a.case.id]);
    assert_eq!(ids(s.awaiting_report_in("dept-x", 1).await.unwrap()), vec![b.case.id]);
    assert_eq!(ids(s.awaiting_report_in("dept-y", 10).await.unwrap()), vec![a.case.id]);
    assert!(s.awaiting_report_in("dept-a", 10).await.unwrap().is_empty(), "the holder owes no report-in");
    // dept-x reports in on a: a leaves dept-x's list, stays on dept-y's.
    let reported = [Event::ReportedIn { department: "dept-x".into(), note: "on the way".into() }];
    step(s, &a.case, &reported, at(T0 + 20)).await;
    assert_eq!(ids(s.awaiting_report_in("dept-x", 10).await.unwrap()), vec![b.case.id]);
    assert_eq!(ids(s.awaiting_report_in("dept-y", 10).await.unwrap()), vec![a.case.id]);
    // b ends: nobody owes it anything.
    let closed = [Event::Rejected { reason: RejectReason::TooMinor, note: String::new() }];
    step(s, &b.case, &closed, at(T0 + 30)).await;
    assert!(s.awaiting_report_in("dept-x", 10).await.unwrap().is_empty());
}
