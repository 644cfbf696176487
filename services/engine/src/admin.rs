//! Imports of reference data, shared by the admin API and the `gridflow import` CLI: validate
//! the new document together with the others in force, then append it as the next revision in
//! one transaction, then swap the in-memory copy. A rejected import writes nothing.

use crate::reference::{
    CATALOGUE, ImportProblem, KINDS, RULES, Reference, ReferenceCache, ReferenceError, parse_catalogue,
};
use chrono::{NaiveDate, Utc};
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

/// Writes new revisions of the given documents. `expected` (kind → revision the caller last
/// saw) turns a concurrent import into a conflict instead of a silent overwrite.
pub async fn import(
    store: &dyn Store,
    cache: Option<&ReferenceCache>,
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
