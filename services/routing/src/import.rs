//! Importers (CSV and JSON text in, validated types out, all-or-nothing) and the matching CSV
//! exporters. No I/O: callers hand in the text.
//!
//! Catalogue CSV, one row per sub-class (header row required, columns in any order):
//!
//! | column | example | notes |
//! |---|---|---|
//! | `kind` | `event` | `facility` or `event` |
//! | `code` | `0102` | 4 digits; the first two are the class |
//! | `class_zh`, `class_en` | `市容环境`, `Cityscape` | may be left empty on all but one row of the class; must agree |
//! | `name_zh`, `name_en` | `暴露垃圾`, `Exposed garbage` | |
//! | `registration`, `closure` | `…` | 立案条件 / 结案条件 |
//! | `urgency` | `normal;urgent` | levels separated by `;`, first is the default |
//! | `skill` | `sanitation` | optional |
//! | `accept`, `dispatch`, `sign`, `handle`, `verify` | `30min`, `5wh`, `1wd` | natural minutes, working hours, working days |
//! | `milestones` | `责令停工\|stop work=4wh;处罚\|penalty=7wd` | optional; strictly increasing, last ≤ `handle` |
//! | `sla` | `{"thresholds":[50,80,100],"escalation":{…}}` | optional column: the sub-class's [`SlaPolicy`] as JSON |
//!
//! Responsibility-list CSV, one row per rule: `id`, `category` (`*`, `event:01`, `event:0102`),
//! `area` (`*`, 6/9/12/15-digit code, `layer:code`), `lead`, `co_handlers` (`;`-separated),
//! `priority` (integer, empty = 0), `note`.
//!
//! Problems are located as `row N` (the header is row 1) or as a JSON path (`sub_classes[3]`).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::catalogue::{CatalogueVersion, Class, Milestone, StageLimits, SubClass, TimeLimit, Urgency};
use crate::codes::{CategoryCode, Kind};
use crate::error::{ImportError, Issues, Problem, bad_field};
use crate::rules::{Rule, RuleSet};
use crate::sla_policy::SlaPolicy;
use crate::units::{Directory, DirectoryDoc};

const CATALOGUE_COLUMNS: [&str; 16] = [
    "kind",
    "code",
    "class_zh",
    "class_en",
    "name_zh",
    "name_en",
    "registration",
    "closure",
    "urgency",
    "skill",
    "accept",
    "dispatch",
    "sign",
    "handle",
    "verify",
    "milestones",
];
/// Columns a catalogue CSV may leave out (files written before they existed still import).
const CATALOGUE_OPTIONAL: [&str; 1] = ["sla"];
const RULE_COLUMNS: [&str; 7] = ["id", "category", "area", "lead", "co_handlers", "priority", "note"];

/// A CSV file read into rows of named fields, each with its location.
struct Table {
    rows: Vec<(String, HashMap<&'static str, String>)>,
}

fn read_csv(text: &str, columns: &[&'static str], optional: &[&'static str], issues: &mut Issues) -> Table {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
        Err(e) => {
            issues.push("row 1", None, bad_field("header", e));
            return Table { rows: Vec::new() };
        }
    };
    let mut index = Vec::new();
    for &col in columns {
        match header.iter().position(|h| h == col) {
            Some(i) => index.push((col, i)),
            None => issues.push("row 1", None, bad_field(col, "column is missing")),
        }
    }
    index.extend(optional.iter().filter_map(|&col| Some((col, header.iter().position(|h| h == col)?))));
    if !issues.is_empty() {
        return Table { rows: Vec::new() };
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let at = format!("row {}", n + 2);
        match record {
            Ok(r) => {
                let fields = index.iter().map(|&(col, i)| (col, r.get(i).unwrap_or("").trim().to_owned())).collect();
                rows.push((at, fields));
            }
            Err(e) => issues.push(&at, None, bad_field("csv", e)),
        }
    }
    Table { rows }
}

fn field<'a>(row: &'a HashMap<&'static str, String>, col: &str) -> &'a str {
    row.get(col).map_or("", String::as_str)
}

/// Imports one catalogue version from CSV.
pub fn catalogue_from_csv(
    version: u32,
    effective_from: NaiveDate,
    text: &str,
) -> Result<CatalogueVersion, ImportError> {
    let mut issues = Issues::default();
    let table = read_csv(text, &CATALOGUE_COLUMNS, &CATALOGUE_OPTIONAL, &mut issues);
    let mut classes: Vec<(String, Class)> = Vec::new();
    let mut subs = Vec::new();
    for (at, row) in &table.rows {
        let code_text = field(row, "code");
        let code = Some(code_text);
        let kind = issues.check(at, code, field(row, "kind").parse::<Kind>());
        let parsed = issues.check(at, code, CategoryCode::parse(code_text));
        // Register the class before other fields can fail, so one bad limit does not also make
        // every other row of the class report a missing class.
        if let (Some(kind), Some(parsed)) = (kind, parsed) {
            declare_class(&mut classes, at, kind, parsed, row, &mut issues);
        }
        let mut limit = |col: &str| issues.check(at, code, TimeLimit::parse(col, field(row, col)));
        let limits = (limit("accept"), limit("dispatch"), limit("sign"), limit("handle"), limit("verify"));
        let urgency = split_list(field(row, "urgency")).map(Urgency::parse).collect::<Result<Vec<_>, _>>();
        let urgency = issues.check(at, code, urgency);
        let milestones = issues.check(at, code, parse_milestones(field(row, "milestones")));
        let sla = issues.check(at, code, parse_sla(field(row, "sla")));
        let (Some(kind), Some(code), (Some(accept), Some(dispatch), Some(sign), Some(handle), Some(verify))) =
            (kind, parsed, limits)
        else {
            continue;
        };
        let (Some(urgency_levels), Some(milestones), Some(sla)) = (urgency, milestones, sla) else { continue };
        let sub = SubClass {
            kind,
            code,
            name_zh: field(row, "name_zh").into(),
            name_en: field(row, "name_en").into(),
            registration: field(row, "registration").into(),
            closure: field(row, "closure").into(),
            urgency_levels,
            skill: Some(field(row, "skill")).filter(|s| !s.is_empty()).map(str::to_owned),
            limits: StageLimits { accept, dispatch, sign, handle, verify },
            milestones,
            sla,
        };
        subs.push((at.clone(), sub));
    }
    let built = CatalogueVersion::build(version, effective_from, classes, subs);
    merge(issues, built)
}

/// Records the class a row names, if it names one; every naming row of a class must agree.
fn declare_class(
    classes: &mut Vec<(String, Class)>,
    at: &str,
    kind: Kind,
    code: CategoryCode,
    row: &HashMap<&'static str, String>,
    issues: &mut Issues,
) {
    let (name_zh, name_en) = (field(row, "class_zh"), field(row, "class_en"));
    if name_zh.is_empty() && name_en.is_empty() {
        return;
    }
    let class = Class { kind, code: code.class(), name_zh: name_zh.into(), name_en: name_en.into() };
    match classes.iter().find(|(_, c)| (c.kind, c.code) == (kind, class.code)) {
        Some((first, c)) if *c != class => {
            let msg = format!("class {} names differ from {first}", class.code);
            issues.push(at, Some(code.as_str()), Problem::Invalid(msg));
        }
        Some(_) => {}
        None => classes.push((at.to_owned(), class)),
    }
}

/// Combines issues found while reading with those found while building; all or nothing.
fn merge<T>(mut issues: Issues, built: Result<T, ImportError>) -> Result<T, ImportError> {
    match built {
        Ok(value) => issues.finish(value),
        Err(e) => {
            issues.extend(e);
            Err(issues.into_error())
        }
    }
}

fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_milestones(text: &str) -> Result<Vec<Milestone>, Problem> {
    split_list(text)
        .map(|item| {
            let bad = || bad_field("milestones", format!("{item:?} is not like 责令停工|stop work=4wh"));
            let (names, limit) = item.split_once('=').ok_or_else(bad)?;
            let (zh, en) = names.split_once('|').ok_or_else(bad)?;
            let limit = TimeLimit::parse(&format!("milestone {}", zh.trim()), limit)?;
            Ok(Milestone { name_zh: zh.trim().into(), name_en: en.trim().into(), limit })
        })
        .collect()
}

fn parse_sla(text: &str) -> Result<Option<SlaPolicy>, Problem> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text).map(Some).map_err(|e| bad_field("sla", e))
}

/// Exports a catalogue version in the CSV form [`catalogue_from_csv`] reads.
pub fn catalogue_to_csv(catalogue: &CatalogueVersion) -> String {
    let mut out = csv_line(CATALOGUE_COLUMNS.iter().chain(&CATALOGUE_OPTIONAL).map(|s| s.to_string()));
    for s in catalogue.sub_classes() {
        let class = catalogue.class(s.kind, s.code.class());
        let urgency: Vec<&str> = s.urgency_levels.iter().map(|u| u.as_str()).collect();
        let milestones: Vec<String> =
            s.milestones.iter().map(|m| format!("{}|{}={}", m.name_zh, m.name_en, m.limit)).collect();
        let l = &s.limits;
        out += &csv_line([
            s.kind.as_str().to_owned(),
            s.code.to_string(),
            class.map_or(String::new(), |c| c.name_zh.clone()),
            class.map_or(String::new(), |c| c.name_en.clone()),
            s.name_zh.clone(),
            s.name_en.clone(),
            s.registration.clone(),
            s.closure.clone(),
            urgency.join(";"),
            s.skill.clone().unwrap_or_default(),
            l.accept.to_string(),
            l.dispatch.to_string(),
            l.sign.to_string(),
            l.handle.to_string(),
            l.verify.to_string(),
            milestones.join(";"),
            s.sla.as_ref().and_then(|p| serde_json::to_string(p).ok()).unwrap_or_default(),
        ]);
    }
    out
}

/// Imports one responsibility-list version from CSV; units are checked against `directory`.
pub fn rules_from_csv(
    version: u32,
    effective_from: NaiveDate,
    text: &str,
    directory: &Directory,
) -> Result<RuleSet, ImportError> {
    let mut issues = Issues::default();
    let table = read_csv(text, &RULE_COLUMNS, &[], &mut issues);
    let mut rules = Vec::new();
    for (at, row) in &table.rows {
        let code = Some(field(row, "id"));
        let id = issues.check(at, code, field(row, "id").parse::<u32>().map_err(|e| bad_field("id", e)));
        let category = issues.check(at, code, field(row, "category").parse());
        let area = issues.check(at, code, field(row, "area").parse());
        let priority = match field(row, "priority") {
            "" => Some(0),
            p => issues.check(at, code, p.parse::<i32>().map_err(|e| bad_field("priority", e))),
        };
        let lead = field(row, "lead");
        if lead.is_empty() {
            issues.push(at, code, bad_field("lead", "is empty"));
        }
        let (Some(id), Some(category), Some(area), Some(priority)) = (id, category, area, priority) else { continue };
        let co_handlers = split_list(field(row, "co_handlers")).map(str::to_owned).collect();
        let note = field(row, "note").to_owned();
        rules.push((at.clone(), Rule { id, category, area, lead: lead.to_owned(), co_handlers, priority, note }));
    }
    merge(issues, RuleSet::build(version, effective_from, rules, directory))
}

/// Exports a rule set in the CSV form [`rules_from_csv`] reads.
pub fn rules_to_csv(set: &RuleSet) -> String {
    let mut out = csv_line(RULE_COLUMNS.iter().map(|s| s.to_string()));
    for r in set.rules() {
        out += &csv_line([
            r.id.to_string(),
            r.category.to_string(),
            r.area.to_string(),
            r.lead.clone(),
            r.co_handlers.join(";"),
            r.priority.to_string(),
            r.note.clone(),
        ]);
    }
    out
}

/// One CSV line, quoting only where needed so exports stay readable in a text editor.
fn csv_line(fields: impl IntoIterator<Item = String>) -> String {
    let quoted: Vec<String> = fields
        .into_iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) || f.trim() != f {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f
            }
        })
        .collect();
    quoted.join(",") + "\n"
}

/// Reads a JSON document whose item arrays are checked one by one, so one bad item does not
/// hide the others.
fn json_doc(text: &str, issues: &mut Issues) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Some(map),
        Ok(_) => {
            issues.push("$", None, bad_field("json", "expected an object"));
            None
        }
        Err(e) => {
            issues.push(&format!("line {} column {}", e.line(), e.column()), None, bad_field("json", e));
            None
        }
    }
}

fn json_field<T: DeserializeOwned>(
    doc: &mut serde_json::Map<String, Value>,
    key: &str,
    issues: &mut Issues,
) -> Option<T> {
    let value = doc.remove(key).unwrap_or(Value::Null);
    issues.check(key, None, serde_json::from_value(value).map_err(|e| bad_field(key, e)))
}

/// Deserialises `doc[key]` item by item, locating each as `key[i]` and naming its `code_key`.
fn json_items<T: DeserializeOwned>(
    doc: &mut serde_json::Map<String, Value>,
    key: &str,
    code_key: &str,
    issues: &mut Issues,
) -> Vec<(String, T)> {
    let items: Vec<Value> = json_field(doc, key, issues).unwrap_or_default();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("{key}[{i}]");
        let code = item.get(code_key).map(|c| c.to_string().trim_matches('"').to_owned());
        if let Some(value) =
            issues.check(&at, code.as_deref(), serde_json::from_value(item).map_err(|e| bad_field(key, e)))
        {
            out.push((at, value));
        }
    }
    out
}

/// Imports one catalogue version from JSON (`{version, effective_from, classes, sub_classes}`,
/// the shape `serde_json::to_string(&CatalogueVersion)` writes).
pub fn catalogue_from_json(text: &str) -> Result<CatalogueVersion, ImportError> {
    let mut issues = Issues::default();
    let Some(mut doc) = json_doc(text, &mut issues) else { return Err(issues.into_error()) };
    let version = json_field(&mut doc, "version", &mut issues);
    let date = json_field(&mut doc, "effective_from", &mut issues);
    let classes = json_items(&mut doc, "classes", "code", &mut issues);
    let subs = json_items(&mut doc, "sub_classes", "code", &mut issues);
    let (Some(version), Some(date)) = (version, date) else { return Err(issues.into_error()) };
    merge(issues, CatalogueVersion::build(version, date, classes, subs))
}

/// Imports one responsibility-list version from JSON (`{version, effective_from, rules}`).
pub fn rules_from_json(text: &str, directory: &Directory) -> Result<RuleSet, ImportError> {
    let mut issues = Issues::default();
    let Some(mut doc) = json_doc(text, &mut issues) else { return Err(issues.into_error()) };
    let version = json_field(&mut doc, "version", &mut issues);
    let date = json_field(&mut doc, "effective_from", &mut issues);
    let rules = json_items(&mut doc, "rules", "id", &mut issues);
    let (Some(version), Some(date)) = (version, date) else { return Err(issues.into_error()) };
    merge(issues, RuleSet::build(version, date, rules, directory))
}

/// Imports the unit directory and facility registry from JSON (`{units, facilities}`).
pub fn directory_from_json(text: &str) -> Result<Directory, ImportError> {
    let mut issues = Issues::default();
    let Some(mut doc) = json_doc(text, &mut issues) else { return Err(issues.into_error()) };
    let units = json_items(&mut doc, "units", "id", &mut issues);
    let facilities = json_items(&mut doc, "facilities", "id", &mut issues);
    if !issues.is_empty() {
        // Positions shift once an item is dropped, so structural checks wait for a clean parse.
        return Err(issues.into_error());
    }
    let doc = DirectoryDoc {
        units: units.into_iter().map(|(_, u)| u).collect(),
        facilities: facilities.into_iter().map(|(_, f)| f).collect(),
    };
    Directory::try_from(doc)
}
