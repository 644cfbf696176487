//! Reference data in memory: the geography and the router (catalogue, directory, responsibility
//! list), built from the stored documents and swapped atomically when an import lands. Requests
//! read it without touching the database; replicas notice other replicas' imports by polling the
//! revisions (see [`watch`]).

use chrono::{DateTime, NaiveDate, Utc};
use gridflow_domain::ports::{ReferenceDoc, Store, StoreError};
use gridflow_geo::{Geography, Grid, Layer};
use gridflow_routing::import::{catalogue_from_json, directory_from_json, rules_from_json};
use gridflow_routing::{
    AreaLevel, AreaSelector, Catalogue, CategoryRef, Directory, ResponsibilityList, Router, SubClass,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

pub const GEOGRAPHY: &str = "geography";
pub const CATALOGUE: &str = "catalogue";
pub const DIRECTORY: &str = "directory";
pub const RULES: &str = "rules";
pub const KINDS: [&str; 4] = [GEOGRAPHY, CATALOGUE, DIRECTORY, RULES];

/// One problem in an import, located so a data clerk can fix the source file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportProblem {
    pub document: String,
    /// Feature index, CSV row or JSON path.
    pub at: String,
    pub code: Option<String>,
    pub problem: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("the {} document(s) were rejected: {} problem(s), nothing was changed", documents(.0), .0.len())]
    Invalid(Vec<ImportProblem>),
    #[error("unknown reference document `{0}` (expected geography, catalogue, directory or rules)")]
    UnknownKind(String),
    #[error(
        "the {kind} document is at revision {actual}, not {expected}: someone imported meanwhile; reload and retry"
    )]
    Conflict { kind: String, expected: i32, actual: i32 },
    #[error(
        "catalogue version {version} has been in force since {effective_from} and cases keep the version they \
         were registered under, so it cannot be {change}; add a new version instead"
    )]
    VersionInForce { version: u32, effective_from: NaiveDate, change: &'static str },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn documents(problems: &[ImportProblem]) -> String {
    let mut kinds: Vec<&str> = problems.iter().map(|p| p.document.as_str()).collect();
    kinds.dedup();
    kinds.join(", ")
}

fn problem(document: &str, at: impl Into<String>, code: Option<String>, text: impl ToString) -> ImportProblem {
    ImportProblem { document: document.into(), at: at.into(), code, problem: text.to_string() }
}

fn routing_problems(document: &str, e: gridflow_routing::ImportError) -> Vec<ImportProblem> {
    e.issues.into_iter().map(|i| problem(document, i.at, i.code, i.problem)).collect()
}

/// The catalogue and rules documents hold every version as a JSON array; each item is what the
/// routing crate's single-version JSON importer reads, so errors are located as `[i].path`.
fn versions(document: &str, body: &str) -> Result<Vec<String>, Vec<ImportProblem>> {
    match serde_json::from_str::<Vec<serde_json::Value>>(body) {
        Ok(items) => Ok(items.iter().map(|v| v.to_string()).collect()),
        Err(e) => Err(vec![problem(document, "document", None, format!("expected a JSON array of versions: {e}"))]),
    }
}

fn prefixed(i: usize, mut problems: Vec<ImportProblem>) -> Vec<ImportProblem> {
    for p in &mut problems {
        p.at = format!("versions[{i}].{}", p.at);
    }
    problems
}

/// Everything routing needs, validated together.
#[derive(Default)]
pub struct Reference {
    pub geography: Option<Geography>,
    pub router: Option<Router>,
    /// The documents it was built from, by kind (for export and revision checks).
    pub docs: BTreeMap<String, ReferenceDoc>,
}

impl Reference {
    /// Parses and cross-checks `docs` (latest revision per kind). Every problem in every document
    /// is reported at once; a missing kind simply leaves its part empty.
    pub fn build(docs: Vec<ReferenceDoc>) -> Result<Reference, ReferenceError> {
        let docs: BTreeMap<String, ReferenceDoc> = docs.into_iter().map(|d| (d.kind.clone(), d)).collect();
        if let Some(kind) = docs.keys().find(|k| !KINDS.contains(&k.as_str())) {
            return Err(ReferenceError::UnknownKind(kind.clone()));
        }
        let mut problems = vec![];
        let body = |kind: &str| docs.get(kind).map(|d| d.body.as_str());
        let geography = body(GEOGRAPHY).and_then(|b| match Geography::import(b) {
            Ok(g) => Some(g),
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| {
                    let at = e.feature.map_or("document".into(), |i| format!("features[{i}]"));
                    problem(GEOGRAPHY, at, e.code, e.problem)
                }));
                None
            }
        });
        let catalogue = body(CATALOGUE).and_then(|b| parse_catalogue(b).map_err(|p| problems.extend(p)).ok());
        let directory = body(DIRECTORY)
            .and_then(|b| directory_from_json(b).map_err(|e| problems.extend(routing_problems(DIRECTORY, e))).ok());
        let rules = match (&directory, body(RULES)) {
            (Some(dir), Some(b)) => parse_rules(b, dir).map_err(|p| problems.extend(p)).ok(),
            _ => None,
        };
        if let (Some(geo), Some(dir)) = (&geography, &directory) {
            problems.extend(cross_check(geo, dir));
        }
        if let (Some(geo), Some(rules)) = (&geography, &rules) {
            problems.extend(rules_name_known_ground(geo, rules, crate::routing::local_date(Utc::now())));
        }
        let router = match (catalogue, rules, directory) {
            (Some(c), Some(r), Some(d)) => {
                Router::new(c, r, d).map_err(|e| problems.extend(routing_problems(RULES, e))).ok()
            }
            _ => None,
        };
        if !problems.is_empty() {
            return Err(ReferenceError::Invalid(problems));
        }
        Ok(Reference { geography, router, docs })
    }

    /// The unit grid containing a point (border rule: smallest code; see gridflow-geo).
    pub fn unit_grid(&self, lat: f64, lon: f64) -> Option<&Grid> {
        self.geography.as_ref()?.resolve(&Layer::Unit, lat, lon)
    }

    /// The sub-class in force on `at` for a `kind:code` category reference.
    pub fn sub_class(&self, category: &str, at: DateTime<Utc>) -> Option<&SubClass> {
        let category: CategoryRef = category.parse().ok()?;
        let catalogue = self.router.as_ref()?.catalogue();
        catalogue.version_at(crate::routing::local_date(at))?.get(&category)
    }

    /// The sub-class a case is handled under: a case keeps the catalogue version it was routed
    /// under, recorded in its routing note (imports cannot change or drop a version once it is
    /// in force; see [`crate::admin`]). A case not routed yet takes the version in force when it
    /// was reported; today's serves only when that version lacks the category (a case a
    /// dispatcher moved to a category added later).
    pub fn registered_sub_class(&self, case: &gridflow_domain::Case, now: DateTime<Utc>) -> Option<&SubClass> {
        let recorded = case.routing.as_ref().and_then(|r| r.catalogue_version);
        self.sub_class_of(&case.category, recorded, case.created_at).or_else(|| self.sub_class(&case.category, now))
    }

    /// The sub-class in catalogue `version`, or in the version in force at `at` without one.
    pub fn sub_class_of(&self, category: &str, version: Option<u32>, at: DateTime<Utc>) -> Option<&SubClass> {
        let Some(version) = version else { return self.sub_class(category, at) };
        let category: CategoryRef = category.parse().ok()?;
        self.router.as_ref()?.catalogue().get(version, &category)
    }

    pub fn directory(&self) -> Option<&Directory> {
        self.router.as_ref().map(Router::directory)
    }

    pub fn has_unit(&self, id: &str) -> bool {
        self.directory().is_some_and(|d| d.unit(id).is_some())
    }

    pub fn revisions(&self) -> BTreeMap<String, i32> {
        self.docs.iter().map(|(k, d)| (k.clone(), d.revision)).collect()
    }
}

pub fn parse_catalogue(body: &str) -> Result<Catalogue, Vec<ImportProblem>> {
    let mut parsed = vec![];
    let mut problems = vec![];
    for (i, item) in versions(CATALOGUE, body)?.iter().enumerate() {
        match catalogue_from_json(item) {
            Ok(v) => parsed.push(v),
            Err(e) => problems.extend(prefixed(i, routing_problems(CATALOGUE, e))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Catalogue::new(parsed).map_err(|e| routing_problems(CATALOGUE, e))
}

pub fn parse_rules(body: &str, directory: &Directory) -> Result<ResponsibilityList, Vec<ImportProblem>> {
    let mut parsed = vec![];
    let mut problems = vec![];
    for (i, item) in versions(RULES, body)?.iter().enumerate() {
        match rules_from_json(item, directory) {
            Ok(v) => parsed.push(v),
            Err(e) => problems.extend(prefixed(i, routing_problems(RULES, e))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    ResponsibilityList::new(parsed).map_err(|e| routing_problems(RULES, e))
}

/// Facilities must sit in a known unit grid, and territorial units must cover a known area, or
/// routing would silently fall through to triage.
fn cross_check(geo: &Geography, dir: &Directory) -> Vec<ImportProblem> {
    let mut problems = vec![];
    for (i, f) in dir.facilities().iter().enumerate() {
        if geo.grid(f.grid.as_str()).is_none() {
            let text = format!("grid {} is not in the geography", f.grid.as_str());
            problems.push(problem(DIRECTORY, format!("facilities[{i}]"), Some(f.id.clone()), text));
        }
    }
    for (i, u) in dir.units().iter().enumerate() {
        if let Some(area) = &u.area
            && geo.area(area.as_str()).is_none()
        {
            let text = format!("area {} is not in the geography", area.as_str());
            problems.push(problem(DIRECTORY, format!("units[{i}]"), Some(u.id.clone()), text));
        }
    }
    problems
}

/// A rule for an area or grid the geography does not have would never match: its cases would fall
/// through to the street or triage with no sign of why. Checked for the rule set in force and the
/// ones still ahead; older sets are history and may name ground since re-coded.
fn rules_name_known_ground(geo: &Geography, rules: &ResponsibilityList, today: NaiveDate) -> Vec<ImportProblem> {
    let sets = rules.sets();
    let in_force = sets.iter().rposition(|s| s.effective_from() <= today).unwrap_or(0);
    let mut problems = vec![];
    for (i, set) in sets.iter().enumerate().skip(in_force) {
        for (j, rule) in set.rules().iter().enumerate() {
            let missing = match &rule.area {
                AreaSelector::Any => None,
                AreaSelector::Territory(code) if code.level() == AreaLevel::UnitGrid => geo
                    .grid(code.as_str())
                    .is_none()
                    .then(|| format!("unit grid {} is not in the geography", code.as_str())),
                AreaSelector::Territory(code) => {
                    geo.area(code.as_str()).is_none().then(|| format!("area {} is not in the geography", code.as_str()))
                }
                AreaSelector::Layer(g) => {
                    let named = geo.grid(g.code()).and_then(|grid| crate::routing::layer_grid(&grid.layer, &grid.code));
                    let known = named.as_ref() == Some(g);
                    (!known).then(|| format!("grid {} of layer {} is not in the geography", g.code(), g.layer()))
                }
            };
            if let Some(text) = missing {
                problems.push(problem(RULES, format!("versions[{i}].rules[{j}]"), Some(rule.id.to_string()), text));
            }
        }
    }
    problems
}

#[derive(Clone, Default)]
pub struct ReferenceCache {
    inner: Arc<RwLock<Arc<Reference>>>,
}

impl ReferenceCache {
    pub async fn load(store: &dyn Store) -> Result<ReferenceCache, ReferenceError> {
        let cache = ReferenceCache::default();
        cache.reload(store).await?;
        Ok(cache)
    }

    pub async fn reload(&self, store: &dyn Store) -> Result<(), ReferenceError> {
        let data = Arc::new(Reference::build(store.reference_docs().await?)?);
        self.set(data);
        Ok(())
    }

    pub fn set(&self, data: Arc<Reference>) {
        if let Ok(mut guard) = self.inner.write() {
            *guard = data;
        }
    }

    pub fn get(&self) -> Arc<Reference> {
        self.inner.read().map(|g| Arc::clone(&g)).unwrap_or_default()
    }
}

/// Reloads when another replica imported new revisions. Stored documents were validated before
/// they were written, so a failure here is logged and the previous data stays in force.
pub async fn watch(cache: ReferenceCache, store: Arc<dyn Store>, every: Duration, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let Ok(docs) = store.reference_docs().await else { continue };
        let current = cache.get().revisions();
        if docs.iter().all(|d| current.get(&d.kind) == Some(&d.revision)) && docs.len() == current.len() {
            continue;
        }
        match Reference::build(docs) {
            Ok(r) => {
                info!(revisions = ?r.revisions(), "reference data reloaded");
                cache.set(Arc::new(r));
            }
            Err(e) => warn!(error = %e, "stored reference data does not build; keeping the previous"),
        }
    }
}

/// A point inside a grid (its interior point: inside even for concave outlines), as (lat, lon).
pub fn inside_point(grid: &Grid) -> Option<(f64, f64)> {
    use geo::InteriorPoint;
    grid.polygon.interior_point().map(|p| (p.y(), p.x()))
}
