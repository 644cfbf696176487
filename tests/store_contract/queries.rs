//! Store contract cases for the read side: case listing and cursor paging, cases by state,
//! principals and reference data.

use crate::fixtures::*;
use gridflow_domain::ports::{CaseCommit, CaseFilter, NearbyQuery, Principal, ReferenceDoc, Store, StoreError};
use gridflow_domain::{Case, CaseState, Event, RejectReason, Role, Scope};
use gridflow_store::SeaStore;
use uuid::Uuid;

pub async fn list_and_page_cases(s: &SeaStore) {
    // Twelve cases; groups of three share a creation millisecond, so the cursor must break ties on id.
    let mut cases: Vec<Case> = vec![];
    for i in 0..12i64 {
        let created = at(T0 + (i / 3) * 1_000);
        let category = if i % 2 == 0 { "A01" } else { "B02" };
        let grid = ["g1", "g2", "g3"][(i % 3) as usize];
        let case = create(s, category, grid, created).await.case;
        let changed = at(T0 + 100_000 + i * 10);
        let case = match i % 4 {
            0 => case,
            1 => step(s, &case, &[Event::Accepted], changed).await.case,
            2 => step(s, &case, &dispatch("water", changed), changed).await.case,
            _ => step(s, &case, &dispatch("roads", changed), changed).await.case,
        };
        cases.push(case);
    }
    cases.sort_by_key(|c| std::cmp::Reverse((c.created_at.timestamp_millis(), c.id)));
    let expect = |keep: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| keep(c)).map(|c| c.id).collect::<Vec<_>>();
    let list = |f: CaseFilter| async move {
        s.list_cases(&CaseFilter { limit: 100, ..f }).await.unwrap().iter().map(|c| c.id).collect::<Vec<_>>()
    };

    assert_eq!(s.list_cases(&CaseFilter { limit: 100, ..Default::default() }).await.unwrap(), cases);
    let dispatched = CaseFilter { state: Some(CaseState::Dispatched), ..Default::default() };
    assert_eq!(list(dispatched).await, expect(&|c| c.state == CaseState::Dispatched));
    let water = CaseFilter { department: Some("water".into()), ..Default::default() };
    assert_eq!(list(water).await, expect(&|c| c.department.as_deref() == Some("water")));
    let g2 = CaseFilter { grid: Some("g2".into()), ..Default::default() };
    assert_eq!(list(g2).await, expect(&|c| c.grid.as_deref() == Some("g2")));
    let b02 = CaseFilter { category: Some("B02".into()), ..Default::default() };
    assert_eq!(list(b02).await, expect(&|c| c.category == "B02"));
    let both = CaseFilter { category: Some("A01".into()), state: Some(CaseState::Reported), ..Default::default() };
    assert_eq!(list(both).await, expect(&|c| c.category == "A01" && c.state == CaseState::Reported));
    let window =
        CaseFilter { created_from: Some(at(T0 + 1_000)), created_to: Some(at(T0 + 3_000)), ..Default::default() };
    let in_window = |c: &Case| (T0 + 1_000..T0 + 3_000).contains(&c.created_at.timestamp_millis());
    assert_eq!(list(window).await, expect(&in_window));
    assert_eq!(expect(&in_window).len(), 6, "from is inclusive, to exclusive");
    let nowhere = CaseFilter { grid: Some("g9".into()), ..Default::default() };
    assert!(list(nowhere).await.is_empty());
    let first4 = s.list_cases(&CaseFilter { limit: 4, ..Default::default() }).await.unwrap();
    assert_eq!(first4, cases[..4]);

    // Walking pages with the cursor visits every case exactly once, newest first.
    let all = expect(&|_| true);
    for page in [1, 5, 12] {
        assert_eq!(walk(s, CaseFilter::default(), page).await, all, "page size {page}");
    }
    let g1 = CaseFilter { grid: Some("g1".into()), ..Default::default() };
    assert_eq!(walk(s, g1, 2).await, expect(&|c| c.grid.as_deref() == Some("g1")));

    // Cases in states, least recently changed first, before a cut-off, up to a limit.
    let active = [CaseState::Accepted, CaseState::Dispatched];
    let far = at(T0 + 10_000_000);
    let mut by_change: Vec<&Case> = cases.iter().filter(|c| active.contains(&c.state)).collect();
    by_change.sort_by_key(|c| c.updated_at);
    let in_states = |states: &[CaseState], before, limit| {
        let states = states.to_vec();
        async move { s.cases_in_states(&states, before, limit).await.unwrap().iter().map(|c| c.id).collect::<Vec<_>>() }
    };
    assert_eq!(in_states(&active, far, 100).await, by_change.iter().map(|c| c.id).collect::<Vec<_>>());
    let cut = at(T0 + 100_000 + 60);
    let early: Vec<Uuid> = by_change.iter().filter(|c| c.updated_at < cut).map(|c| c.id).collect();
    assert_eq!(early.len(), 4);
    assert_eq!(in_states(&active, cut, 100).await, early);
    assert_eq!(in_states(&active, far, 2).await, early[..2]);
    let reported: Vec<Uuid> = cases.iter().rev().filter(|c| c.state == CaseState::Reported).map(|c| c.id).collect();
    assert_eq!(in_states(&[CaseState::Reported], far, 100).await, reported);
    assert!(in_states(&[CaseState::Closed], far, 100).await.is_empty());
    assert!(in_states(&[], far, 100).await.is_empty());
}

/// Follows the `after` cursor page by page and returns the ids in the order seen.
async fn walk(s: &SeaStore, filter: CaseFilter, page: u64) -> Vec<Uuid> {
    let mut f = CaseFilter { limit: page, ..filter };
    let mut seen = vec![];
    for _ in 0..100 {
        let batch = s.list_cases(&f).await.unwrap();
        assert!(batch.len() as u64 <= page, "a page larger than its limit");
        let Some(last) = batch.last() else {
            return seen;
        };
        f.after = Some((last.created_at.timestamp_millis(), last.id));
        seen.extend(batch.iter().map(|c| c.id));
    }
    panic!("pagination did not end");
}

pub async fn users_and_api_keys(s: &SeaStore) {
    let alice = Principal {
        id: "alice".into(),
        name: "alice".into(),
        roles: vec![Role::Dispatcher, Role::ShiftLead],
        scopes: vec![Scope::parse("grid:110101001001001").unwrap()],
        secret_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    };
    assert_eq!(s.user("alice").await.unwrap(), None);
    s.add_user(&alice).await.unwrap();
    assert_eq!(s.user("alice").await.unwrap(), Some(alice.clone()));
    assert_eq!(s.user("bob").await.unwrap(), None);
    let impostor = Principal { roles: vec![Role::Admin], secret_hash: "other".into(), ..alice.clone() };
    assert_err!(s.add_user(&impostor).await, StoreError::Duplicate(_));
    assert_eq!(s.user("alice").await.unwrap(), Some(alice.clone()));

    let relay = Principal {
        id: "apikey:relay".into(),
        name: "relay".into(),
        roles: vec![Role::IntakeOperator],
        scopes: vec![],
        secret_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
    };
    s.add_api_key(&relay).await.unwrap();
    assert_eq!(s.api_key(&relay.secret_hash).await.unwrap(), Some(relay.clone()));
    assert_eq!(s.api_key("0000").await.unwrap(), None);
    let renamed = Principal { secret_hash: "another-hash".into(), ..relay.clone() };
    assert_err!(s.add_api_key(&renamed).await, StoreError::Duplicate(_));
    assert_eq!(s.api_key("another-hash").await.unwrap(), None);
    // Users and API keys are separate: neither is found through the other's lookup.
    assert_eq!(s.api_key(&alice.secret_hash).await.unwrap(), None);
    assert_eq!(s.user("relay").await.unwrap(), None);
}

fn doc(kind: &str, revision: i32, body: &str) -> ReferenceDoc {
    ReferenceDoc { kind: kind.into(), revision, body: body.into(), created_by: "admin".into(), created_at: at(T0) }
}

pub async fn reference_data(s: &SeaStore) {
    assert!(s.reference_docs().await.unwrap().is_empty());
    s.put_reference_docs(&[doc("geography", 1, "g1"), doc("rules", 1, "r1")]).await.unwrap();
    assert_eq!(s.reference_docs().await.unwrap(), vec![doc("geography", 1, "g1"), doc("rules", 1, "r1")]);

    // Only the latest revision of each kind is in force.
    s.put_reference_docs(&[doc("rules", 2, "r2")]).await.unwrap();
    assert_eq!(s.reference_docs().await.unwrap(), vec![doc("geography", 1, "g1"), doc("rules", 2, "r2")]);

    // A skipped or repeated revision is a conflict, and a batch with one bad document writes none.
    assert_err!(s.put_reference_docs(&[doc("rules", 4, "r4")]).await, StoreError::VersionConflict);
    assert_err!(s.put_reference_docs(&[doc("rules", 2, "again")]).await, StoreError::VersionConflict);
    let batch = [doc("geography", 2, "g2"), doc("rules", 2, "stale")];
    assert_err!(s.put_reference_docs(&batch).await, StoreError::VersionConflict);
    assert_eq!(s.reference_docs().await.unwrap(), vec![doc("geography", 1, "g1"), doc("rules", 2, "r2")]);
}

/// Duplicate search by box, category, window and openness; open-case counts per handler.
pub async fn nearby_and_handler_loads(s: &SeaStore) {
    let place = |mut c: CaseCommit, lat: f64, lon: f64| {
        c.case.lat = lat;
        c.case.lon = lon;
        c
    };
    let near = place(report(Uuid::new_v4(), "event:0102", "G", at(T0)), 39.9200, 116.3900);
    let far = place(report(Uuid::new_v4(), "event:0102", "G", at(T0)), 39.9300, 116.3900);
    let other = place(report(Uuid::new_v4(), "event:0104", "G", at(T0)), 39.9200, 116.3900);
    let old = place(report(Uuid::new_v4(), "event:0102", "G", at(T0 - 10_000)), 39.9200, 116.3900);
    for c in [&near, &far, &other, &old] {
        s.commit(c).await.unwrap();
    }
    let query = |since| NearbyQuery {
        category: "event:0102".into(),
        lat: (39.9195, 39.9205),
        lon: (116.3895, 116.3905),
        since: at(since),
        limit: 10,
    };
    let ids = |cases: Vec<Case>| cases.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(s.nearby_cases(&query(T0 - 1)).await.unwrap()), vec![near.case.id]);
    assert_eq!(ids(s.nearby_cases(&query(T0 - 20_000)).await.unwrap()), vec![near.case.id, old.case.id]);
    // A closed case is no longer a duplicate candidate.
    let closed = [Event::Rejected { reason: RejectReason::TooMinor, note: String::new() }];
    step(s, &near.case, &closed, at(T0 + 1)).await;
    assert!(s.nearby_cases(&query(T0 - 1)).await.unwrap().is_empty());

    assert!(s.handler_loads("dept-a").await.unwrap().is_empty());
    let assigned =
        |handler: &str| Event::Assigned { handler: Some(handler.into()), policy: String::new(), reason: String::new() };
    for (i, h) in ["h1", "h2", "h1"].iter().enumerate() {
        let c = create(s, "event:0102", "G", at(T0 + i as i64)).await;
        let mut events = dispatch("dept-a", at(T0));
        events.push(assigned(h));
        step(s, &c.case, &events, at(T0 + 5)).await;
    }
    assert_eq!(s.handler_loads("dept-a").await.unwrap(), vec![("h1".into(), 2), ("h2".into(), 1)]);
    assert!(s.handler_loads("dept-b").await.unwrap().is_empty());
}
