//! Store contract case for the SLA metrics' read: recorded stage clocks of a creation window.

use crate::fixtures::*;
use chrono::Duration;
use gridflow_domain::ports::{ClockQuery, Store};
use gridflow_domain::{Case, Event};
use gridflow_store::SeaStore;

fn handle_started(now: chrono::DateTime<chrono::Utc>) -> Event {
    Event::ClockStarted {
        stage: "handle".into(),
        due_at: now + Duration::minutes(10),
        limit_value: 10,
        limit_unit: "minutes".into(),
        calendar: "cn-default".into(),
        calendar_version: now.date_naive(),
        generation: 1,
        counted_from: None,
    }
}

/// Cases of the window, oldest first, with the stage's clock as recorded; cases without that
/// clock are left out; the limit bounds the scan.
pub async fn clock_rows_of_a_window(s: &SeaStore) {
    let mut cases: Vec<Case> = vec![];
    for i in 0..4i64 {
        let created = at(T0 + i * 1_000);
        let case = create(s, "A01", "110101001001001", created).await.case;
        let mut events = dispatch("water", created);
        if i < 3 {
            events.push(handle_started(created));
        }
        if i == 1 {
            events.push(Event::Suspended { reason: "road closed".into() });
        }
        cases.push(step(s, &case, &events, created).await.case);
    }
    let query = |from: i64, to: i64, stage: &str, limit: u64| ClockQuery {
        stage: stage.into(),
        created_from: at(from),
        created_to: at(to),
        limit,
    };
    let rows = s.clock_rows(&query(T0, T0 + 4_000, "handle", 100)).await.unwrap();
    let ids: Vec<_> = rows.iter().map(|r| r.case_id).collect();
    assert_eq!(ids, [cases[0].id, cases[1].id, cases[2].id], "the case without a handle clock is left out");
    for (row, case) in rows.iter().zip(&cases) {
        assert_eq!(row.clock, case.clocks["handle"]);
        assert_eq!(row.department.as_deref(), Some("water"));
        assert_eq!((row.grid.as_deref(), row.category.as_str()), (Some("110101001001001"), "A01"));
        assert_eq!(row.suspended, case.id == cases[1].id);
    }
    let later = s.clock_rows(&query(T0 + 1_000, T0 + 2_000, "handle", 100)).await.unwrap();
    assert_eq!(later.iter().map(|r| r.case_id).collect::<Vec<_>>(), [cases[1].id], "from inclusive, to exclusive");
    let bounded = s.clock_rows(&query(T0, T0 + 4_000, "handle", 1)).await.unwrap();
    assert_eq!(bounded.iter().map(|r| r.case_id).collect::<Vec<_>>(), [cases[0].id], "the limit bounds the scan");
    assert!(s.clock_rows(&query(T0, T0 + 4_000, "verify", 100)).await.unwrap().is_empty());
}

/// Every run of a clock is a row, earlier runs first, each counted against the unit that held the
/// case when the run started: a late run at `water`, then a re-dispatch to `roads` and a new run.
pub async fn every_run_of_a_clock_is_a_row(s: &SeaStore) {
    let created = at(T0);
    let case = create(s, "A01", "110101001001001", created).await.case;
    let mut events = dispatch("water", created);
    events.push(handle_started(created));
    let case = step(s, &case, &events, created).await.case;
    let later = created + Duration::minutes(15);
    let events = [
        Event::Redispatched { from: "water".into(), to: "roads".into(), reason: "wrong unit".into(), due_at: later },
        Event::ClockStopped {
            stage: "handle".into(),
            on_time: false,
            business_seconds: 900,
            wall_seconds: 900,
            paused_seconds: 0,
            late_seconds: 300,
        },
        handle_started(later),
    ];
    let case = step(s, &case, &events, later).await.case;
    let query = ClockQuery { stage: "handle".into(), created_from: at(T0), created_to: at(T0 + 1), limit: 10 };
    let rows = s.clock_rows(&query).await.unwrap();
    let units: Vec<_> = rows.iter().map(|r| r.department.as_deref()).collect();
    assert_eq!(units, [Some("water"), Some("roads")]);
    assert_eq!(rows[0].clock.result.map(|r| (r.on_time, r.late_seconds)), Some((false, 300)));
    assert_eq!(rows[0].clock.stopped_at, Some(later));
    assert_eq!(rows[0].clock.due_at, created + Duration::minutes(10));
    assert_eq!(rows[1].clock.started_at, later);
    assert_eq!(rows[1].clock.stopped_at, None);
    assert_eq!(case.clocks["handle"].runs.len(), 1);
}
