//! Store contract cases for the read side: case listing and cursor paging, cases by state,
//! principals and reference data.

use crate::fixtures::*;
use gridflow_domain::geo::{Grid, LatLon};
use gridflow_domain::ports::{
    CaseFilter, Category, Department, Principal, ReferenceData, RoutingRule, Store, StoreError,
};
use gridflow_domain::{Case, CaseState, Event, Role, Scope};
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

pub async fn reference_data(s: &SeaStore) {
    assert_eq!(s.reference().await.unwrap(), ReferenceData::default());
    let category = |code: &str, minutes| Category {
        code: code.into(),
        name: format!("类别 {code}"),
        name_en: format!("category {code}"),
        kind: "event".into(),
        limit_minutes: minutes,
    };
    let department = |code: &str| Department { code: code.into(), name: format!("{code} bureau") };
    let ring =
        vec![LatLon { lat: 39.9, lon: 116.39 }, LatLon { lat: 39.9, lon: 116.4 }, LatLon { lat: 39.91, lon: 116.4 }];
    let first = ReferenceData {
        categories: vec![category("A01", 120), category("B02", 1_440)],
        departments: vec![department("roads"), department("water")],
        grids: vec![Grid { code: "110101001001001".into(), name: "Grid 1-1".into(), ring }],
        rules: vec![
            RoutingRule { id: 1, grid: None, category: Some("A01".into()), department: "water".into(), priority: 10 },
            RoutingRule {
                id: 2,
                grid: Some("110101001001001".into()),
                category: None,
                department: "roads".into(),
                priority: 5,
            },
        ],
    };
    s.load_reference(&first).await.unwrap();
    assert_eq!(s.reference().await.unwrap(), first);

    // A load replaces everything; it does not merge.
    let second = ReferenceData {
        categories: vec![category("C03", 30)],
        departments: vec![department("parks")],
        grids: vec![],
        rules: vec![RoutingRule { id: 7, grid: None, category: None, department: "parks".into(), priority: 0 }],
    };
    s.load_reference(&second).await.unwrap();
    assert_eq!(s.reference().await.unwrap(), second);

    // A load that fails part-way changes nothing (one transaction).
    let broken = ReferenceData { categories: vec![category("D04", 60), category("D04", 90)], ..first };
    assert!(s.load_reference(&broken).await.is_err());
    assert_eq!(s.reference().await.unwrap(), second);
}
