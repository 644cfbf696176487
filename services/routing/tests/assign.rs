//! Handler choice inside a unit: skill, duty schedule (local time at a fixed offset), then
//! least-loaded or round-robin.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, FixedOffset, NaiveTime, Utc, Weekday};
use gridflow_routing::{AssignmentPolicy, DutyWindow, Eligibility, Handler, Unit, UnitType, Workload, assign};

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn handler(id: &str, skills: &[&str], schedule: Vec<DutyWindow>) -> Handler {
    Handler { id: id.into(), name: id.into(), skills: skills.iter().map(|s| s.to_string()).collect(), schedule }
}

fn weekdays(start: NaiveTime, end: NaiveTime) -> Vec<DutyWindow> {
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
        .into_iter()
        .map(|d| DutyWindow::new(d, start, end))
        .collect()
}

/// Four handlers: a day generalist, two day sanitation workers, a Monday night-shift worker.
fn unit(policy: AssignmentPolicy) -> Unit {
    Unit {
        id: "dept-sanitation".into(),
        name_zh: "环卫中心".into(),
        name_en: "Sanitation".into(),
        unit_type: UnitType::SectorDepartment,
        area: None,
        assignment: policy,
        calendar: None,
        handlers: vec![
            handler("h1", &[], weekdays(t(8, 30), t(17, 30))),
            handler("h2", &["sanitation"], weekdays(t(8, 30), t(17, 30))),
            handler("h3", &["sanitation"], weekdays(t(8, 30), t(17, 30))),
            handler("h4", &["sanitation"], vec![DutyWindow::new(Weekday::Mon, t(20, 0), t(8, 0))]),
        ],
    }
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn loads(pairs: &[(&str, u32)]) -> Workload {
    Workload { loads: pairs.iter().map(|(h, n)| (h.to_string(), *n)).collect(), cursor: 0 }
}

#[test]
fn least_loaded_among_skilled_and_on_duty() {
    let u = unit(AssignmentPolicy::LeastLoaded);
    // 2024-06-03 is a Monday; 02:00 UTC = 10:00 in Beijing.
    let at = utc("2024-06-03T02:00:00Z");
    let a = assign(&u, Some("sanitation"), at, beijing(), &loads(&[("h1", 0), ("h2", 5), ("h3", 2)]));
    assert_eq!(a.handler.as_deref(), Some("h3"));
    let why: Vec<(&str, Eligibility, u32)> =
        a.checks.iter().map(|c| (c.handler.as_str(), c.eligibility, c.load)).collect();
    assert_eq!(
        why,
        [
            ("h1", Eligibility::MissingSkill, 0),
            ("h2", Eligibility::Eligible, 5),
            ("h3", Eligibility::Eligible, 2),
            ("h4", Eligibility::OffDuty, 0),
        ]
    );
    assert_eq!(a.reason, "h3 has sanitation, is on duty at Mon 10:00 and has the lowest load (2)");
    // Equal loads: the earlier handler in the list.
    let a = assign(&u, Some("sanitation"), at, beijing(), &loads(&[("h2", 1), ("h3", 1)]));
    assert_eq!(a.handler.as_deref(), Some("h2"));
    // No skill required: the generalist counts too, and has nothing open.
    let a = assign(&u, None, at, beijing(), &loads(&[("h2", 1), ("h3", 1)]));
    assert_eq!(a.handler.as_deref(), Some("h1"));
}

#[test]
fn duty_windows_use_the_local_offset_and_may_cross_midnight() {
    let u = unit(AssignmentPolicy::LeastLoaded);
    // Monday 08:00 UTC = 16:00 local: day shift. The same instant read as UTC would be 08:00,
    // before the day shift starts.
    let a = assign(&u, Some("sanitation"), utc("2024-06-03T08:00:00Z"), beijing(), &Workload::default());
    assert_eq!(a.handler.as_deref(), Some("h2"));
    let a = assign(
        &u,
        Some("sanitation"),
        utc("2024-06-03T08:00:00Z"),
        FixedOffset::east_opt(0).unwrap(),
        &Workload::default(),
    );
    assert_eq!(a.handler, None, "08:00 Monday is before the day windows and h4's night starts Monday 20:00");
}

#[test]
fn night_shift_covers_the_next_morning() {
    let u = unit(AssignmentPolicy::LeastLoaded);
    // Monday 22:00 local (14:00 UTC) and Tuesday 03:00 local (Monday 19:00 UTC): only h4.
    for at in ["2024-06-03T14:00:00Z", "2024-06-03T19:00:00Z"] {
        let a = assign(&u, Some("sanitation"), utc(at), beijing(), &Workload::default());
        assert_eq!(a.handler.as_deref(), Some("h4"), "{at}");
    }
    // Tuesday 08:00 local: the night shift has ended (end is exclusive), the day shift not begun.
    let a = assign(&u, Some("sanitation"), utc("2024-06-04T00:00:00Z"), beijing(), &Workload::default());
    assert_eq!(a.handler, None);
    assert_eq!(a.reason, "nobody in dept-sanitation with sanitation is on duty at Tue 08:00");
}

#[test]
fn round_robin_follows_the_cursor() {
    let u = unit(AssignmentPolicy::RoundRobin);
    let at = utc("2024-06-03T02:00:00Z");
    let mut work = Workload::default();
    let mut picks = Vec::new();
    for _ in 0..4 {
        let a = assign(&u, Some("sanitation"), at, beijing(), &work);
        picks.push(a.handler.clone().unwrap());
        work.cursor = a.next_cursor.unwrap();
    }
    // h1 lacks the skill and h4 is off duty, so the turn alternates between h2 and h3.
    assert_eq!(picks, ["h2", "h3", "h2", "h3"]);
    // Loads are ignored under round-robin.
    let work = Workload { loads: [("h2".to_string(), 0), ("h3".to_string(), 9)].into(), cursor: 2 };
    let a = assign(&u, Some("sanitation"), at, beijing(), &work);
    assert_eq!((a.handler.as_deref(), a.next_cursor), (Some("h3"), Some(3)));
    // A cursor past the end wraps.
    let work = Workload { cursor: 7, ..Workload::default() };
    assert_eq!(assign(&u, Some("sanitation"), at, beijing(), &work).handler.as_deref(), Some("h2"));
}

#[test]
fn nobody_with_the_skill() {
    let u = unit(AssignmentPolicy::RoundRobin);
    let a = assign(&u, Some("welding"), utc("2024-06-03T02:00:00Z"), beijing(), &Workload::default());
    assert_eq!((a.handler, a.next_cursor), (None, None));
    assert_eq!(a.reason, "nobody in dept-sanitation has welding");
    let empty = Unit { handlers: Vec::new(), ..unit(AssignmentPolicy::RoundRobin) };
    assert_eq!(assign(&empty, None, utc("2024-06-03T02:00:00Z"), beijing(), &Workload::default()).handler, None);
}

#[test]
fn demo_unit_with_skill_from_the_catalogue() {
    let router = gridflow_routing::demo::router().unwrap();
    let category = "facility:0107".parse().unwrap();
    let skill = router.catalogue().get(1, &category).unwrap().skill.clone();
    assert_eq!(skill.as_deref(), Some("manhole"));
    let gas = router.directory().unit("owner-gas").unwrap();
    // Sunday 23:30 local: only the odd-numbered handlers are on (night shift).
    let a = assign(gas, skill.as_deref(), utc("2024-06-02T15:30:00Z"), beijing(), &Workload::default());
    assert_eq!(a.handler.as_deref(), Some("owner-gas/h2"));
    // Sunday 10:00 local: h1 and h3 are on; both idle, so the first.
    let a = assign(gas, skill.as_deref(), utc("2024-06-02T02:00:00Z"), beijing(), &loads(&[("owner-gas/h1", 3)]));
    assert_eq!(a.handler.as_deref(), Some("owner-gas/h3"));
}
