//! A deterministic demo dataset for Dongcheng district (110101) and its five streets
//! 110101001–110101005: 85 sub-classes (86 from catalogue v2), 30 units with handlers, a facility
//! registry sample and a responsibility list that exercises every precedence level.
//!
//! The catalogue and rule tables are kept as CSV (`src/demo/*.csv`) and loaded through the same
//! importers as production data, so the demo doubles as an importer test. Version 2 of each is
//! derived in code from version 1 to keep the change visible:
//! - catalogue v2 (2025-01-01): dirty road 0104 tightened from 5 to 4 working hours; new event
//!   0111 improper waste sorting.
//! - both catalogue versions give the emergency sub-classes (urgency `emergency` only: road
//!   collapse, burst main, gas leak, ...) their own SLA policy, [`emergency_policy`]; every other
//!   sub-class runs the city's default thresholds and escalation chain.
//! - rules v2 (2025-07-01): abandoned vehicles 0109 move from enforcement to the traffic police;
//!   0111 goes to sanitation; Jiaodaokou street 110101003 takes over site dust 0307.

use chrono::{NaiveDate, NaiveTime, Weekday};

use gridflow_sla::{Action, EscalationChain, Repeat, Stage, Step, Thresholds, Trigger};

use crate::catalogue::{Catalogue, CatalogueVersion, LimitUnit, StageLimits, SubClass, TimeLimit, Urgency};
use crate::codes::{AreaCode, CategoryCode, CategoryRef, Kind, LayerGrid};
use crate::decide::{RouteRequest, Router};
use crate::error::ImportError;
use crate::import::{catalogue_from_csv, rules_from_csv};
use crate::rules::{AreaSelector, CategorySelector, ResponsibilityList, Rule, RuleSet};
use crate::sla_policy::SlaPolicy;
use crate::units::{AssignmentPolicy, Directory, DutyWindow, Facility, Handler, Unit, UnitType};

const CATALOGUE_V1_CSV: &str = include_str!("demo/catalogue.csv");
const RULES_V1_CSV: &str = include_str!("demo/rules.csv");

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("invalid demo date"),
    }
}
pub const CATALOGUE_V1_FROM: NaiveDate = date(2024, 1, 1);
pub const CATALOGUE_V2_FROM: NaiveDate = date(2025, 1, 1);
pub const RULES_V1_FROM: NaiveDate = date(2024, 1, 1);
pub const RULES_V2_FROM: NaiveDate = date(2025, 7, 1);

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo data is invalid: {0}")]
    Invalid(#[from] ImportError),
    #[error("demo data did not serialise: {0}")]
    Json(#[from] serde_json::Error),
    #[error("demo data is inconsistent: {0}")]
    Inconsistent(String),
}

/// Catalogue version 1 as CSV, exactly as the importer reads it.
pub fn catalogue_v1_csv() -> &'static str {
    CATALOGUE_V1_CSV
}

/// Responsibility list version 1 as CSV.
pub fn rules_v1_csv() -> &'static str {
    RULES_V1_CSV
}

/// The SLA policy of emergencies 突发事件: a reminder to the unit's dispatcher at a quarter of the
/// limit; at half, the whistle 吹哨 — the emergency bureau and the street office of the case's grid
/// must report in within 30 minutes; at the breach an urge, repeated every 30 minutes up to 3 more
/// times, and 30 minutes after the breach escalation to the district. A unit that has not signed
/// for the case by the sign clock's breach loses it: the case is re-dispatched automatically to
/// where the rules send it without that unit (the street office, by territorial fallback).
pub fn emergency_policy() -> SlaPolicy {
    let step = |after, delay_minutes, action, repeat| Step { after, delay_minutes, action, repeat, stages: vec![] };
    let whistle =
        Action::Whistle { departments: vec!["dept-emergency".into(), "street".into()], report_in_minutes: 30 };
    SlaPolicy {
        thresholds: Thresholds::new(vec![25, 50, 100]).ok(),
        escalation: Some(EscalationChain {
            steps: vec![
                step(Trigger::Threshold(25), 0, Action::NotifyDispatcher, None),
                step(Trigger::Threshold(50), 0, whistle, None),
                step(Trigger::Breach, 0, Action::Urge, Some(Repeat { every_minutes: 30, max_times: 3 })),
                step(Trigger::Breach, 30, Action::Escalate { to: "district-110101".into() }, None),
                Step { stages: vec![Stage::Sign], ..step(Trigger::Breach, 0, Action::AutoRedispatch, None) },
            ],
        }),
        escalation_by_urgency: Default::default(),
        // An emergency's clocks never stop for paperwork.
        pause_while: Vec::new(),
        limits_by_urgency: Default::default(),
    }
}

/// Gives every emergency-only sub-class [`emergency_policy`].
pub fn with_emergency_policy(mut subs: Vec<SubClass>) -> Vec<SubClass> {
    for s in subs.iter_mut().filter(|s| s.urgency_levels == [Urgency::Emergency]) {
        s.sla = Some(emergency_policy());
    }
    subs
}

pub fn catalogue() -> Result<Catalogue, DemoError> {
    let v1 = catalogue_from_csv(1, CATALOGUE_V1_FROM, CATALOGUE_V1_CSV)?;
    let v1 = CatalogueVersion::new(
        1,
        CATALOGUE_V1_FROM,
        v1.classes().to_vec(),
        with_emergency_policy(v1.sub_classes().to_vec()),
    )?;
    let mut subs = v1.sub_classes().to_vec();
    let dirty_road = CategoryRef::new(Kind::Event, code("0104")?);
    for s in subs.iter_mut().filter(|s| s.category() == dirty_road) {
        s.limits.handle = TimeLimit::new(4, LimitUnit::WorkingHours);
    }
    // The new sub-class takes its urgency, skill and stage limits from exposed garbage 0102.
    let exposed = CategoryRef::new(Kind::Event, code("0102")?);
    let template = subs
        .iter()
        .find(|s| s.category() == exposed)
        .cloned()
        .ok_or_else(|| DemoError::Inconsistent("catalogue v1 lacks event 0102".into()))?;
    let sorting = SubClass {
        code: code("0111")?,
        name_zh: "垃圾分类投放不规范".into(),
        name_en: "Improper waste sorting".into(),
        registration: "生活垃圾未按分类要求投放、混装混运".into(),
        closure: "垃圾按类别重新分拣投放".into(),
        limits: StageLimits { handle: TimeLimit::new(2, LimitUnit::WorkingDays), ..template.limits },
        ..template
    };
    subs.push(sorting);
    let v2 = CatalogueVersion::new(2, CATALOGUE_V2_FROM, v1.classes().to_vec(), subs)?;
    Ok(Catalogue::new(vec![v1, v2])?)
}

fn code(s: &str) -> Result<CategoryCode, DemoError> {
    CategoryCode::parse(s).map_err(|e| DemoError::Inconsistent(e.to_string()))
}

#[derive(Clone, Copy)]
enum Duty {
    /// Mon–Fri 08:30–12:00 and 14:00–17:30.
    Office,
    /// Every day 07:00–19:00: street and community patrol duty.
    Daily,
    /// Around the clock: even handlers 08:00–20:00, odd handlers 20:00–08:00, every day.
    Shifts,
}

use AssignmentPolicy::{LeastLoaded as LL, RoundRobin as RR};
use UnitType::{Community, Contractor, District, FacilityOwner as Owner, SectorDepartment as Dept, Street};

/// id, name zh, name en, type, area ("" when not territorial), policy, skills, duty, handlers.
type UnitRow = (
    &'static str,
    &'static str,
    &'static str,
    UnitType,
    &'static str,
    AssignmentPolicy,
    &'static [&'static str],
    Duty,
    usize,
);
/// id, sub-class, owner, maintainer, supervisor, unit grid.
type FacilityRow =
    (&'static str, &'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>, &'static str);

#[rustfmt::skip]
const UNITS: [UnitRow; 30] = [
    ("district-110101", "东城区城市管理委员会", "Dongcheng City Management Commission", District, "110101", LL, &["coordination", "enforcement"], Duty::Office, 3),
    ("street-110101001", "东华门街道办事处", "Donghuamen Subdistrict Office", Street, "110101001", LL, &["patrol", "sanitation", "enforcement"], Duty::Daily, 4),
    ("street-110101002", "景山街道办事处", "Jingshan Subdistrict Office", Street, "110101002", RR, &["patrol", "sanitation", "enforcement"], Duty::Daily, 3),
    ("street-110101003", "交道口街道办事处", "Jiaodaokou Subdistrict Office", Street, "110101003", LL, &["patrol", "sanitation", "environment"], Duty::Daily, 3),
    ("street-110101004", "安定门街道办事处", "Andingmen Subdistrict Office", Street, "110101004", RR, &["patrol", "sanitation", "enforcement"], Duty::Daily, 3),
    ("street-110101005", "北新桥街道办事处", "Beixinqiao Subdistrict Office", Street, "110101005", LL, &["patrol", "sanitation", "enforcement"], Duty::Daily, 3),
    ("community-110101001001", "多福巷社区居委会", "Duofuxiang Community Committee", Community, "110101001001", RR, &["patrol", "sanitation"], Duty::Daily, 2),
    ("community-110101003002", "菊儿社区居委会", "Ju'er Community Committee", Community, "110101003002", RR, &["patrol"], Duty::Daily, 2),
    ("dept-sanitation", "东城区环境卫生服务中心", "Dongcheng Sanitation Service Centre", Dept, "", LL, &["sanitation"], Duty::Shifts, 4),
    ("dept-enforcement", "东城区城市管理综合行政执法局", "Dongcheng Urban Management Enforcement Bureau", Dept, "", LL, &["enforcement"], Duty::Shifts, 4),
    ("dept-water", "东城区水务局", "Dongcheng Water Authority", Dept, "", LL, &["water", "drainage"], Duty::Office, 3),
    ("dept-municipal", "东城区市政管理中心", "Dongcheng Municipal Works Centre", Dept, "", LL, &["municipal", "manhole"], Duty::Shifts, 3),
    ("dept-greening", "东城区园林绿化局", "Dongcheng Landscaping Bureau", Dept, "", RR, &["greening"], Duty::Office, 3),
    ("dept-traffic", "东城交通支队", "Dongcheng Traffic Police Detachment", Dept, "", LL, &["traffic"], Duty::Shifts, 3),
    ("dept-housing", "东城区住房和城乡建设委员会", "Dongcheng Housing and Construction Commission", Dept, "", LL, &["construction"], Duty::Office, 2),
    ("dept-environment", "东城区生态环境局", "Dongcheng Ecology and Environment Bureau", Dept, "", LL, &["environment"], Duty::Office, 2),
    ("dept-emergency", "东城区应急管理局", "Dongcheng Emergency Management Bureau", Dept, "", LL, &["emergency"], Duty::Shifts, 3),
    ("dept-fire", "东城区消防救援支队", "Dongcheng Fire and Rescue Detachment", Dept, "", LL, &["hydrant", "emergency"], Duty::Shifts, 2),
    ("owner-power", "国网北京东城供电公司", "State Grid Dongcheng Power Supply", Owner, "", LL, &["power", "manhole"], Duty::Shifts, 3),
    ("owner-gas", "北京燃气东城分公司", "Beijing Gas Dongcheng Branch", Owner, "", LL, &["gas", "manhole"], Duty::Shifts, 3),
    ("owner-water", "北京自来水集团东城分公司", "Beijing Waterworks Dongcheng Branch", Owner, "", LL, &["water", "manhole", "hydrant"], Duty::Shifts, 3),
    ("owner-drainage", "北京城市排水集团", "Beijing Drainage Group", Owner, "", LL, &["drainage", "manhole"], Duty::Shifts, 3),
    ("owner-heating", "北京市热力集团", "Beijing District Heating Group", Owner, "", LL, &["manhole"], Duty::Shifts, 2),
    ("owner-telecom", "中国联通北京东城分公司", "China Unicom Dongcheng", Owner, "", RR, &["telecom", "manhole"], Duty::Office, 2),
    ("owner-lighting", "北京市城市照明管理中心", "Beijing Urban Lighting Centre", Owner, "", LL, &["lighting"], Duty::Office, 2),
    ("owner-bus", "北京公交集团", "Beijing Public Transport Corporation", Owner, "", LL, &[], Duty::Office, 2),
    ("contractor-cleaning", "东城环卫保洁有限公司", "Dongcheng Street Cleaning Co.", Contractor, "", RR, &["sanitation"], Duty::Shifts, 4),
    ("contractor-lighting", "京华路灯养护工程公司", "Jinghua Streetlight Maintenance Co.", Contractor, "", RR, &["lighting"], Duty::Office, 2),
    ("contractor-greening", "东城绿化养护公司", "Dongcheng Greening Maintenance Co.", Contractor, "", RR, &["greening"], Duty::Office, 2),
    ("contractor-roads", "东城道路养护工程公司", "Dongcheng Road Maintenance Co.", Contractor, "", LL, &["municipal"], Duty::Office, 2),
];

#[rustfmt::skip]
const FACILITIES: [FacilityRow; 20] = [
    ("F0101-0001", "0101", Some("owner-water"), None, Some("dept-water"), "110101001001002"),
    ("F0102-0001", "0102", Some("owner-drainage"), None, Some("dept-water"), "110101002001001"),
    ("F0103-0001", "0103", Some("owner-drainage"), Some("contractor-roads"), Some("dept-water"), "110101003002003"),
    ("F0105-0001", "0105", Some("owner-power"), None, Some("district-110101"), "110101004001001"),
    ("F0106-0001", "0106", Some("owner-telecom"), None, None, "110101005002002"),
    ("F0107-0001", "0107", Some("owner-gas"), None, Some("district-110101"), "110101001002001"),
    ("F0108-0001", "0108", Some("owner-heating"), None, Some("district-110101"), "110101002002004"),
    ("F0109-0001", "0109", None, None, Some("dept-municipal"), "110101003001002"),
    ("F0109-0002", "0109", None, None, None, "110101005001003"),
    ("F0110-0001", "0110", Some("owner-water"), None, Some("dept-fire"), "110101001001001"),
    ("F0111-0001", "0111", Some("owner-lighting"), Some("contractor-lighting"), Some("district-110101"), "110101001001003"),
    ("F0111-0002", "0111", Some("owner-lighting"), Some("contractor-lighting"), Some("district-110101"), "110101002001002"),
    ("F0111-0003", "0111", Some("owner-lighting"), Some("contractor-lighting"), Some("district-110101"), "110101004002001"),
    ("F0201-0001", "0201", Some("dept-traffic"), None, None, "110101003001001"),
    ("F0204-0001", "0204", Some("owner-bus"), None, Some("dept-traffic"), "110101004001002"),
    ("F0301-0001", "0301", Some("dept-sanitation"), Some("contractor-cleaning"), None, "110101001002002"),
    ("F0302-0001", "0302", Some("dept-sanitation"), Some("contractor-cleaning"), None, "110101005001001"),
    ("F0401-0001", "0401", Some("dept-greening"), Some("contractor-greening"), None, "110101002001003"),
    ("F0402-0001", "0402", Some("dept-greening"), Some("contractor-greening"), None, "110101003002001"),
    ("F0503-0001", "0503", Some("dept-water"), None, None, "110101004002003"),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超", "秀英", "丽", "强", "平", "刚",
    "桂英",
];

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

fn schedule(duty: Duty, k: usize) -> Vec<DutyWindow> {
    let week = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    let window = |d, (a, b), (c, e)| DutyWindow::new(d, time(a, b), time(c, e));
    match duty {
        Duty::Office => {
            week[..5].iter().flat_map(|&d| [window(d, (8, 30), (12, 0)), window(d, (14, 0), (17, 30))]).collect()
        }
        Duty::Daily => week.iter().map(|&d| window(d, (7, 0), (19, 0))).collect(),
        Duty::Shifts if k.is_multiple_of(2) => week.iter().map(|&d| window(d, (8, 0), (20, 0))).collect(),
        Duty::Shifts => week.iter().map(|&d| window(d, (20, 0), (8, 0))).collect(),
    }
}

/// Units with generated handlers: the first handler of an office or daily unit has all its
/// skills, the others one each in turn, so skill filtering has something to filter.
pub fn units() -> Result<Vec<Unit>, DemoError> {
    let mut serial = 0;
    let mut units = Vec::new();
    for (id, zh, en, unit_type, area, policy, skills, duty, count) in UNITS {
        let area = if area.is_empty() {
            None
        } else {
            Some(AreaCode::parse(area).map_err(|e| DemoError::Inconsistent(e.to_string()))?)
        };
        let handlers = (0..count)
            .map(|k| {
                serial += 1;
                let name = format!("{}{}", SURNAMES[serial * 7 % 20], GIVEN[serial * 13 % 20]);
                // Round-the-clock crews are small, so every shift worker covers every skill.
                let skills: Vec<String> = match (k, skills.len(), duty) {
                    (_, 0, _) => Vec::new(),
                    (0, _, _) | (_, _, Duty::Shifts) => skills.iter().map(|s| s.to_string()).collect(),
                    (k, n, _) => vec![skills[(k - 1) % n].to_string()],
                };
                Handler { id: format!("{id}/h{}", k + 1), name, skills, schedule: schedule(duty, k) }
            })
            .collect();
        units.push(Unit {
            id: id.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            unit_type,
            area,
            assignment: policy,
            handlers,
            calendar: EXTENDED_HOURS.contains(&id).then(|| "cn-extended".to_owned()),
        });
    }
    Ok(units)
}

/// Frontline crews on the streets 07:00–21:00 every day: their clocks count on the shipped
/// `cn-extended` calendar, every other unit on the city default.
const EXTENDED_HOURS: [&str; 2] = ["dept-sanitation", "dept-enforcement"];

pub fn directory() -> Result<Directory, DemoError> {
    let mut facilities = Vec::new();
    for (id, category, owner, maintainer, supervisor, grid) in FACILITIES {
        facilities.push(Facility {
            id: id.into(),
            category: CategoryRef::new(Kind::Facility, code(category)?),
            owner: owner.map(Into::into),
            maintainer: maintainer.map(Into::into),
            supervisor: supervisor.map(Into::into),
            grid: AreaCode::parse(grid).map_err(|e| DemoError::Inconsistent(e.to_string()))?,
        });
    }
    Ok(Directory::new(units()?, facilities)?)
}

pub fn responsibility_list(directory: &Directory) -> Result<ResponsibilityList, DemoError> {
    let v1 = rules_from_csv(1, RULES_V1_FROM, RULES_V1_CSV, directory)?;
    let mut rules = v1.rules().to_vec();
    for rule in rules.iter_mut().filter(|r| r.id == 43) {
        rule.lead = "dept-traffic".into();
        rule.note = "2025-07: abandoned vehicles move to the traffic police".into();
    }
    let rule = |id, category: &str, area: &str, lead: &str| -> Result<Rule, DemoError> {
        let bad = |e: crate::codes::CodeError| DemoError::Inconsistent(e.to_string());
        Ok(Rule {
            id,
            category: category.parse::<CategorySelector>().map_err(bad)?,
            area: area.parse::<AreaSelector>().map_err(bad)?,
            lead: lead.into(),
            co_handlers: Vec::new(),
            priority: 0,
            note: String::new(),
        })
    };
    rules.push(rule(51, "event:0111", "110101", "dept-sanitation")?);
    rules.push(rule(307, "event:0307", "110101003", "street-110101003")?);
    let v2 = RuleSet::new(2, RULES_V2_FROM, rules, directory)?;
    Ok(ResponsibilityList::new(vec![v1, v2])?)
}

/// The whole demo, cross-checked.
pub fn router() -> Result<Router, DemoError> {
    let directory = directory()?;
    let rules = responsibility_list(&directory)?;
    Ok(Router::new(catalogue()?, rules, directory)?)
}

/// The directory as JSON, in the shape `import::directory_from_json` reads.
pub fn directory_json() -> Result<String, DemoError> {
    Ok(serde_json::to_string_pretty(&directory()?)?)
}

/// `n` reproducible requests over the demo (a xorshift generator seeded with `seed`): mostly
/// unit-grid cases across the five streets and both catalogue/rule versions, plus facility
/// reports, school-zone grids, street-only hotline cases and re-routes after a return.
pub fn sample_requests(router: &Router, n: usize, seed: u64) -> Vec<RouteRequest> {
    // One splitmix64 step spreads nearby seeds apart; xorshift only needs a non-zero state.
    let mut state = {
        let z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)).max(1)
    };
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    let subs: Vec<CategoryRef> = router
        .catalogue()
        .versions()
        .first()
        .map(|v| v.sub_classes().iter().map(SubClass::category).collect())
        .unwrap_or_default();
    if subs.is_empty() {
        return Vec::new();
    }
    let facilities = router.directory().facilities();
    let school: Option<LayerGrid> = "school:SCH-0007".parse().ok();
    (0..n)
        .map(|_| {
            let day = RULES_V1_FROM + chrono::Days::new(next(730) as u64);
            let grid = format!("110101{:03}{:03}{:03}", 1 + next(5), 1 + next(3), 1 + next(4));
            let mut req = RouteRequest::new(subs[next(subs.len())], day, AreaCode::parse(&grid).ok());
            match next(20) {
                0..=1 if !facilities.is_empty() => {
                    let f = &facilities[next(facilities.len())];
                    req.category = f.category;
                    req.area = None;
                    req.facility_id = Some(f.id.clone());
                }
                2 => req.layer_grids.extend(school.clone()),
                3 => req.area = AreaCode::parse(&grid[..9]).ok(),
                4 => req.excluded_units.push(format!("street-{}", &grid[..9])),
                _ => {}
            }
            req
        })
        .collect()
}
