//! Importers: every problem is reported with its row/path and code, and nothing is accepted
//! while any problem remains. Also catalogue versioning.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod fixture;

use fixture::{CATALOGUE_CSV, HEADER, day, directory};
use gridflow_routing::import::{
    catalogue_from_csv, catalogue_from_json, directory_from_json, rules_from_csv, rules_from_json,
};
use gridflow_routing::{Catalogue, ImportError, LimitUnit, Problem, TimeLimit};

const CAT_HEADER: &str = "kind,code,class_zh,class_en,name_zh,name_en,registration,closure,urgency,skill,accept,dispatch,sign,handle,verify,milestones\n";

/// `(location, code, problem text)` per issue, in report order.
fn issues(e: ImportError) -> Vec<(String, Option<String>, String)> {
    e.issues.into_iter().map(|i| (i.at, i.code, i.problem.to_string())).collect()
}

fn issue(at: &str, code: &str, problem: &str) -> (String, Option<String>, String) {
    (at.to_owned(), Some(code.to_owned()).filter(|c| !c.is_empty()), problem.to_owned())
}

#[test]
fn catalogue_csv_reads_limits_milestones_and_first_row_class_names() {
    let v = catalogue_from_csv(1, day("2024-01-01"), CATALOGUE_CSV).unwrap();
    assert_eq!(v.classes().len(), 3);
    assert_eq!(v.sub_classes().len(), 4);
    let garbage = v.get(&"event:0102".parse().unwrap()).unwrap();
    assert_eq!(garbage.limits.handle, TimeLimit::new(1, LimitUnit::WorkingDays));
    assert_eq!(garbage.skill.as_deref(), Some("sanitation"));
    // Row 3 leaves the class names empty; row 2 named class 01.
    let class = v.class(gridflow_routing::Kind::Event, gridflow_routing::ClassCode::parse("01").unwrap());
    assert_eq!(class.unwrap().name_en, "Cityscape");
    let manhole = v.get(&"facility:0101".parse().unwrap()).unwrap();
    assert_eq!(manhole.limits.handle, TimeLimit::new(360, LimitUnit::Minutes));
    assert_eq!(manhole.milestones[0].name_en, "on site");
}

#[test]
fn catalogue_csv_reports_every_bad_row_and_accepts_nothing() {
    let csv = format!(
        "{CAT_HEADER}\
event,0101,市容环境,Cityscape,私搭乱建,Illegal building,r,c,normal,,30min,1wh,2wh,15wd,4wh,
event,01A2,,,坏码,Bad code,r,c,normal,,30min,1wh,2wh,1wd,4wh,
event,0701,,,无类,No class,r,c,normal,,30min,1wh,2wh,1wd,4wh,
event,0101,,,重复,Duplicate,r,c,normal,,30min,1wh,2wh,1wd,4wh,
event,0103,,,单位,Unit,r,c,normal,,30min,1wk,2wh,1wd,4wh,
event,0104,,,零,Zero,r,c,normal,,30min,1wh,2wh,0wh,4wh,
event,0301,施工管理,Construction,违法施工,Illegal construction,r,c,normal,,30min,1wh,2wh,20wd,4wh,停工|stop=7wd;处罚|penalty=4wh
event,0302,,,混合,Mixed,r,c,normal,,30min,1wh,2wh,20wd,4wh,到场|on site=30min
event,0303,,,紧急,Urgency,r,c,soon,,30min,1wh,2wh,1wd,4wh,
"
    );
    let e = catalogue_from_csv(1, day("2024-01-01"), &csv).unwrap_err();
    assert_eq!(
        issues(e),
        [
            issue("row 3", "01A2", "bad code format: bad code \"01A2\": sub-class code must be 4 digits"),
            issue("row 6", "0103", "dispatch: unknown time-limit unit \"wk\" (expected min, wh or wd)"),
            issue("row 10", "0303", "unknown urgency level \"soon\" (expected normal, urgent or emergency)"),
            issue(
                "row 4",
                "0701",
                "sub-class has no class 07 (declare the class, or name it on the class's first row)"
            ),
            issue("row 5", "0101", "duplicate code"),
            issue("row 7", "0104", "handle: limit must be positive"),
            issue("row 8", "0301", "milestones must increase strictly and not exceed the handle limit: 处罚 at 4wh"),
            issue("row 9", "0302", "milestones and handle limit mix natural minutes with working time"),
        ]
    );
}

#[test]
fn catalogue_csv_needs_its_columns_and_agreeing_class_names() {
    let e = catalogue_from_csv(1, day("2024-01-01"), "kind,code\nevent,0101\n").unwrap_err();
    assert_eq!(e.issues.len(), 14, "{e}");
    assert_eq!(e.issues[0].at, "row 1");
    assert_eq!(e.issues[0].problem.to_string(), "class_zh: column is missing");
    let csv = format!(
        "{CAT_HEADER}\
event,0101,市容环境,Cityscape,a,A,r,c,normal,,30min,1wh,2wh,1wd,4wh,
event,0102,市容,Cityscape,b,B,r,c,normal,,30min,1wh,2wh,1wd,4wh,
"
    );
    let e = catalogue_from_csv(1, day("2024-01-01"), &csv).unwrap_err();
    assert_eq!(issues(e), [issue("row 3", "0102", "class 01 names differ from row 2")]);
}

#[test]
fn milestone_past_the_handle_limit_is_rejected() {
    let csv = format!(
        "{CAT_HEADER}event,0301,施工,C,a,A,r,c,normal,,30min,1wh,2wh,7wd,4wh,停工|stop=4wh;拆除|demolish=20wd\n"
    );
    let e = catalogue_from_csv(1, day("2024-01-01"), &csv).unwrap_err();
    assert!(matches!(e.issues[0].problem, Problem::MilestonesNotIncreasing(_)), "{e}");
}

#[test]
fn catalogue_json_locates_problems_by_path() {
    let good = catalogue_from_csv(1, day("2024-01-01"), CATALOGUE_CSV).unwrap();
    let mut doc = serde_json::to_value(&good).unwrap();
    let subs = doc["sub_classes"].as_array_mut().unwrap();
    subs[1]["code"] = "01x2".into();
    subs[2]["limits"]["sign"]["value"] = 0.into();
    subs[3]["code"] = "0201".into();
    let e = catalogue_from_json(&doc.to_string()).unwrap_err();
    let found: Vec<(String, Option<String>)> = e.issues.iter().map(|i| (i.at.clone(), i.code.clone())).collect();
    // Exported in (kind, code) order: facility 0101, event 0101, 0102, 0401. Item 1 cannot be
    // read at all; items 2 and 3 are read and fail validation.
    assert_eq!(
        found,
        [
            ("sub_classes[1]".into(), Some("01x2".into())),
            ("sub_classes[2]".into(), Some("0102".into())),
            ("sub_classes[3]".into(), Some("0201".into())),
        ]
    );
    assert_eq!(e.issues[1].problem.to_string(), "sign: limit must be positive");
    assert!(matches!(e.issues[2].problem, Problem::SubClassWithoutClass { .. }));
    let e = catalogue_from_json("{\"version\": 1,").unwrap_err();
    assert_eq!(e.issues[0].at, "line 1 column 14");
}

#[test]
fn catalogue_version_at_and_get() {
    let v1 = catalogue_from_csv(1, day("2024-01-01"), CATALOGUE_CSV).unwrap();
    let v2_csv =
        format!("{CATALOGUE_CSV}event,0103,,,积存垃圾,Accumulated garbage,r,c,normal,,30min,1wh,2wh,2wd,4wh,\n");
    let v2 = catalogue_from_csv(2, day("2025-01-01"), &v2_csv).unwrap();
    let c = Catalogue::new(vec![v2, v1]).unwrap();
    let at = |d| c.version_at(day(d)).map(|v| v.version());
    assert_eq!(at("2023-12-31"), None);
    assert_eq!(at("2024-01-01"), Some(1));
    assert_eq!(at("2024-12-31"), Some(1));
    assert_eq!(at("2025-01-01"), Some(2));
    assert_eq!(at("2030-01-01"), Some(2));
    let new_code = "event:0103".parse().unwrap();
    assert!(c.get(1, &new_code).is_none());
    assert_eq!(c.get(2, &new_code).unwrap().name_en, "Accumulated garbage");
    assert!(c.get(3, &new_code).is_none());

    let again = |n, d| catalogue_from_csv(n, day(d), CATALOGUE_CSV).unwrap();
    let e = Catalogue::new(vec![again(1, "2024-01-01"), again(1, "2025-01-01")]).unwrap_err();
    assert_eq!(e.to_string(), "1 problem(s); catalogue version 1: duplicate version number");
    let e = Catalogue::new(vec![again(2, "2024-01-01"), again(1, "2025-01-01")]).unwrap_err();
    assert_eq!(e.issues[0].problem.to_string(), "takes effect after version 2 but has a lower number");
}

#[test]
fn rules_csv_reports_every_bad_row() {
    let csv = format!(
        "{HEADER}\
1,event:0102,110101,dept-a,,0,
1,event:0102,110101,dept-b,,0,
2,event:1,110101,dept-a,,0,
3,event:0102,1101,dept-a,,0,
4,event:0102,110101,dept-z,dept-a;dept-y,0,
5,event:0102,110101,dept-a,dept-a,x,
6,event:0102,110101,dept-a,dept-a,0,
"
    );
    let e = rules_from_csv(1, day("2024-01-01"), &csv, &directory()).unwrap_err();
    assert_eq!(
        issues(e),
        [
            issue("row 4", "2", "bad code format: bad code \"event:1\": sub-class code must be 4 digits"),
            issue("row 5", "3", "bad code format: bad code \"1101\": area code must be 6, 9, 12 or 15 digits"),
            issue("row 7", "5", "priority: invalid digit found in string"),
            issue("row 3", "1", "duplicate id 1"),
            issue("row 6", "4", "unknown unit dept-z"),
            issue("row 6", "4", "unknown unit dept-y"),
            issue("row 8", "6", "lead unit dept-a is also listed as a co-handler"),
        ]
    );
    let json = r#"{"version": 1, "effective_from": "2024-01-01",
                   "rules": [{"id": 1, "category": "event:0102", "area": "*", "lead": "nobody"}]}"#;
    let e = rules_from_json(json, &directory()).unwrap_err();
    assert_eq!(issues(e), [issue("rules[0]", "1", "unknown unit nobody")]);
}

#[test]
fn directory_json_validation() {
    let json = r#"{"units": [
        {"id": "s", "name_zh": "街", "name_en": "S", "type": "street", "area": "110101"},
        {"id": "s", "name_zh": "街", "name_en": "S", "type": "sector_department"},
        {"id": "t", "name_zh": "街", "name_en": "T", "type": "street", "area": "110101001",
         "handlers": [{"id": "h", "name": "王伟", "schedule": [{"weekday": "Mon", "start": "08:00:00", "end": "08:00:00"}]}]}
      ],
      "facilities": [{"id": "F", "category": "event:0101", "owner": "ghost", "grid": "110101001"}]}"#;
    let e = directory_from_json(json).unwrap_err();
    assert_eq!(
        issues(e),
        [
            issue("units[0]", "s", "needs an area code at Street level"),
            issue("units[1]", "s", "duplicate id s"),
            issue("units[2]", "h", "duty window starts and ends at once"),
            issue("facilities[0]", "F", "event:0101 is not a facility category"),
            issue("facilities[0]", "F", "grid 110101001 is not a 15-digit unit grid"),
            issue("facilities[0]", "F", "unknown unit ghost"),
        ]
    );
    let e = directory_from_json(r#"{"units": [{"id": "x", "type": "palace"}]}"#).unwrap_err();
    assert_eq!(e.issues[0].at, "units[0]");
}

#[test]
fn sla_policy_column_is_optional_and_checked() {
    let row = |sla: &str| {
        format!(
            "{},sla\nevent,0102,市容环境,Cityscape,暴露垃圾,Exposed garbage,r,c,normal;emergency,,30min,1wh,1wh,1wd,1wd,,{sla}\n",
            CAT_HEADER.trim_end()
        )
    };
    let good = r#""{""thresholds"":[50,75,100],""escalation_by_urgency"":{""emergency"":{""steps"":[{""after"":{""threshold"":75},""action"":{""kind"":""whistle"",""departments"":[""dept-water""],""report_in_minutes"":30}}]}}}""#;
    let v = catalogue_from_csv(1, day("2024-01-01"), &row(good)).unwrap();
    let policy = v.sub_classes()[0].sla.clone().unwrap();
    assert_eq!(policy.thresholds.unwrap().percents(), &[50, 75, 100]);
    // Exported and read back unchanged.
    let csv = gridflow_routing::import::catalogue_to_csv(&v);
    assert_eq!(catalogue_from_csv(1, day("2024-01-01"), &csv).unwrap(), v);
    // An empty cell means the defaults.
    assert!(catalogue_from_csv(1, day("2024-01-01"), &row("")).unwrap().sub_classes()[0].sla.is_none());
    // A chain waiting for a threshold the policy lacks, or a bad threshold list, is refused.
    let unknown = good.replace("[50,75,100]", "[50,80,100]");
    let got = issues(catalogue_from_csv(1, day("2024-01-01"), &row(&unknown)).unwrap_err());
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].1.as_deref()), ("row 2", Some("0102")));
    assert!(got[0].2.contains("sla.escalation_by_urgency.emergency") && got[0].2.contains("75%"), "{got:?}");
    let descending = good.replace("[50,75,100]", "[75,50,100]");
    let got = issues(catalogue_from_csv(1, day("2024-01-01"), &row(&descending)).unwrap_err());
    assert!(got[0].2.starts_with("sla:") && got[0].2.contains("ascending"), "{got:?}");
}
