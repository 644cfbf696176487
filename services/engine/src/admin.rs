//! Imports of reference data, shared by the admin API and the `gridflow import` CLI: validate
//! the new document together with the others in force, then append it as the next revision in
//! one transaction, then swap the in-memory copy. A rejected import writes nothing. Item-level
//! edits of the directory go through the same import ([`directory`]).

pub mod directory;

use crate::reference::{
    CATALOGUE, ImportProblem, KINDS, RULES, Reference, ReferenceCache, ReferenceError, parse_catalogue,
};
use chrono::{NaiveDate, Utc};
use gridflow_calendar::CalendarSet;
use gridflow_domain::ports::{ReferenceDoc, Store, StoreError};
use gridflow_routing::import::{catalogue_from_csv, catalogue_from_json, rules_from_csv, rules_from_json};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What is in force after an import (also `GET /api/v1/reference`).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub revisions: BTreeMap<String, i32>,
    /// Layer → number of grids.
    pub layers: BTreeMap<String, usize>,
    pub areas: usize,
    pub units: usize,
    pub handlers: usize,
    pub facilities: usize,
    /// (version, effective from, sub-classes).
    pub catalogue_versions: Vec<(u32, NaiveDate, usize)>,
    /// (version, effective from, rules).
    pub rule_sets: Vec<(u32, NaiveDate, usize)>,
}

pub fn summary(r: &Reference) -> Summary {
    let mut layers = BTreeMap::new();
    let mut areas = 0;
    if let Some(geo) = &r.geography {
        for layer in geo.layers() {
            layers.insert(layer.to_string(), geo.grids(layer).len());
        }
        areas = geo.areas().count();
    }
    let (mut units, mut handlers, mut facilities, mut catalogue_versions, mut rule_sets) = (0, 0, 0, vec![], vec![]);
    if let Some(router) = &r.router {
        units = router.directory().units().len();
        handlers = router.directory().units().iter().map(|u| u.handlers.len()).sum();
        facilities = router.directory().facilities().len();
        catalogue_versions = router
            .catalogue()
            .versions()
            .iter()
            .map(|v| (v.version(), v.effective_from(), v.sub_classes().len()))
            .collect();
        rule_sets = router.rules().sets().iter().map(|s| (s.version(), s.effective_from(), s.rules().len())).collect();
    }
    Summary { revisions: r.revisions(), layers, areas, units, handlers, facilities, catalogue_versions, rule_sets }
}

/// A unit's clocks count on the calendar it names, so the name must be one in force (checked
/// when the calendars are at hand: the API and the CLI; the demo seed names only shipped ones).
fn units_name_calendars_in_force(reference: &Reference, calendars: &CalendarSet) -> Result<(), ReferenceError> {
    let Some(directory) = reference.directory() else { return Ok(()) };
    let problems: Vec<ImportProblem> = directory
        .units()
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let code = u.calendar.as_deref()?;
            calendars.get(code).is_none().then(|| ImportProblem {
                document: crate::reference::DIRECTORY.into(),
                at: format!("units[{i}].calendar"),
                code: Some(u.id.clone()),
                problem: format!(
                    "no calendar `{code}` is in force (known: {}); add it with PUT /api/v1/calendars/{code} first",
                    calendars.codes().collect::<Vec<_>>().join(", ")
                ),
            })
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(ReferenceError::Invalid(problems)) }
}

/// Writes new revisions of the given documents. `expected` (kind → revision the caller last
/// saw) turns a concurrent import into a conflict instead of a silent overwrite.
pub async fn import(
    store: &dyn Store,
    cache: Option<&ReferenceCache>,
    calendars: Option<&CalendarSet>,
    documents: Vec<(String, String)>,
    actor: &str,
    expected: Option<i32>,
) -> Result<Summary, ReferenceError> {
    let mut docs: BTreeMap<String, ReferenceDoc> =
        store.reference_docs().await?.into_iter().map(|d| (d.kind.clone(), d)).collect();
    let mut new = vec![];
    for (kind, body) in documents {
        if !KINDS.contains(&kind.as_str()) {
            return Err(ReferenceError::UnknownKind(kind));
        }
        let current = docs.get(&kind).map_or(0, |d| d.revision);
        if let Some(expected) = expected.filter(|e| *e != current) {
            return Err(ReferenceError::Conflict { kind, expected, actual: current });
        }
        if kind == CATALOGUE
            && let Some(previous) = docs.get(&kind)
        {
            keeps_versions_in_force(&previous.body, &body, crate::routing::local_date(Utc::now()))?;
        }
        let doc = ReferenceDoc {
            kind: kind.clone(),
            revision: current + 1,
            body,
            created_by: actor.into(),
            created_at: Utc::now(),
        };
        docs.insert(kind, doc.clone());
        new.push(doc);
    }
    let built = Reference::build(docs.into_values().collect())?;
    if let Some(calendars) = calendars {
        units_name_calendars_in_force(&built, calendars)?;
    }
    match store.put_reference_docs(&new).await {
        Ok(()) => {}
        Err(StoreError::VersionConflict) => {
            let kind = new.first().map(|d| d.kind.clone()).unwrap_or_default();
            let actual = new.first().map_or(0, |d| d.revision);
            return Err(ReferenceError::Conflict { kind, expected: actual - 1, actual });
        }
        Err(e) => return Err(e.into()),
    }
    let out = summary(&built);
    if let Some(cache) = cache {
        cache.set(Arc::new(built));
    }
    Ok(out)
}

/// Catalogue versions already in force are frozen. A case keeps the version it was routed under
/// (its routing note records the number, and its limits, thresholds and escalation are read from
/// that version for its whole life), so an import that changed or dropped such a version would
/// silently change open cases. Versions whose effective date is still ahead cannot have been
/// used by any case and stay editable. Deciding by date rather than asking the store which
/// versions cases use needs no query and cannot race a case being routed between the check and
/// the write; the price is that a version in force that no case happened to use is kept too,
/// which costs only a few kilobytes of history.
fn keeps_versions_in_force(previous: &str, next: &str, today: NaiveDate) -> Result<(), ReferenceError> {
    // Unparseable input is reported with its located problems by `Reference::build`.
    let (Ok(previous), Ok(next)) = (parse_catalogue(previous), parse_catalogue(next)) else { return Ok(()) };
    for old in previous.versions().iter().filter(|v| v.effective_from() <= today) {
        let change = match next.version(old.version()) {
            None => "removed",
            Some(new) if new != old => "changed",
            Some(_) => continue,
        };
        return Err(ReferenceError::VersionInForce {
            version: old.version(),
            effective_from: old.effective_from(),
            change,
        });
    }
    Ok(())
}

/// The format of a single version being added to the catalogue or the rules.
pub enum VersionFormat {
    Csv { version: u32, effective_from: NaiveDate },
    Json,
}

/// Adds one version to the catalogue or responsibility list (CSV or single-version JSON) and
/// returns the whole new document body, ready for [`import`].
pub fn add_version(
    current: &Reference,
    kind: &str,
    body: &str,
    format: VersionFormat,
) -> Result<String, ReferenceError> {
    let invalid = |e: gridflow_routing::ImportError| {
        ReferenceError::Invalid(
            e.issues
                .into_iter()
                .map(|i| ImportProblem {
                    document: kind.into(),
                    at: i.at,
                    code: i.code,
                    problem: i.problem.to_string(),
                })
                .collect(),
        )
    };
    let existing: Vec<serde_json::Value> = match current.docs.get(kind) {
        Some(d) => serde_json::from_str(&d.body).unwrap_or_default(),
        None => vec![],
    };
    let value = match kind {
        CATALOGUE => {
            let v = match format {
                VersionFormat::Csv { version, effective_from } => catalogue_from_csv(version, effective_from, body),
                VersionFormat::Json => catalogue_from_json(body),
            }
            .map_err(invalid)?;
            serde_json::to_value(v)
        }
        RULES => {
            let directory = current
                .directory()
                .ok_or_else(|| problem(kind, "import the unit directory first: rules name its units"))?;
            let v = match format {
                VersionFormat::Csv { version, effective_from } => {
                    rules_from_csv(version, effective_from, body, directory)
                }
                VersionFormat::Json => rules_from_json(body, directory),
            }
            .map_err(invalid)?;
            serde_json::to_value(v)
        }
        other => return Err(ReferenceError::UnknownKind(format!("{other} (only catalogue and rules have versions)"))),
    }
    .map_err(|e| problem(kind, &format!("could not encode the version: {e}")))?;
    let mut all = existing;
    all.push(value);
    let text = serde_json::to_string(&all).unwrap_or_default();
    if kind == CATALOGUE {
        parse_catalogue(&text).map_err(ReferenceError::Invalid)?;
    }
    Ok(text)
}

fn problem(kind: &str, text: &str) -> ReferenceError {
    ReferenceError::Invalid(vec![ImportProblem {
        document: kind.into(),
        at: "document".into(),
        code: None,
        problem: text.into(),
    }])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use gridflow_routing::{LimitUnit, TimeLimit, demo};

    fn demo_versions() -> Vec<gridflow_routing::CatalogueVersion> {
        demo::catalogue().unwrap().versions().to_vec()
    }

    fn body(versions: &[gridflow_routing::CatalogueVersion]) -> String {
        serde_json::to_string(versions).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn versions_in_force_may_not_change_or_go() {
        let all = demo_versions();
        let before = body(&all);
        assert!(keeps_versions_in_force(&before, &before, day("2026-12-07")).is_ok());
        // Dropping version 1, in force since 2024.
        let err = keeps_versions_in_force(&before, &body(&all[1..]), day("2026-12-07")).unwrap_err();
        assert!(matches!(err, ReferenceError::VersionInForce { version: 1, change: "removed", .. }), "{err}");
        // Rewriting a limit of version 2 (in force since 2025-01-01), same number.
        let mut changed = all.clone();
        let mut subs = changed[1].sub_classes().to_vec();
        let plain = subs.iter_mut().find(|s| s.milestones.is_empty()).unwrap();
        plain.limits.handle = TimeLimit::new(7, LimitUnit::Minutes);
        changed[1] = gridflow_routing::CatalogueVersion::new(
            2,
            changed[1].effective_from(),
            changed[1].classes().to_vec(),
            subs,
        )
        .unwrap();
        let err = keeps_versions_in_force(&before, &body(&changed), day("2026-12-07")).unwrap_err();
        assert!(matches!(err, ReferenceError::VersionInForce { version: 2, change: "changed", .. }), "{err}");
        // Before version 2 takes effect no case can use it: still editable.
        assert!(keeps_versions_in_force(&before, &body(&changed), day("2024-12-31")).is_ok());
        // Adding a version is always fine.
        let mut added = all.clone();
        let next = &all[1];
        let v3 = gridflow_routing::CatalogueVersion::new(
            3,
            day("2026-12-07"),
            next.classes().to_vec(),
            next.sub_classes().to_vec(),
        )
        .unwrap();
        added.push(v3);
        assert!(keeps_versions_in_force(&before, &body(&added), day("2026-12-07")).is_ok());
    }
}
