//! The demo district, generated from a seed: Dongcheng (东城区, 110101) around 39.93 N 116.41 E.
//! The shipped seed (7) gives 8 streets, 48 communities and 546 unit grids, plus 48
//! responsibility grids and 15 school grids (gridflow-geo's generator); gridflow-routing's demo
//! adds the catalogue (85 sub-classes, 86 from version 2), 30 units with 82 handlers (street
//! offices for the first five streets; the other three fall back to the district office), 20
//! facilities and two effective-dated rule sets; one user per role. The embedded default, the
//! tests and the load generator all use it (figures checked by a test below).

use anyhow::Context;
use gridflow_domain::ports::{Principal, Store, StoreError};
use gridflow_domain::{Role, Scope};
use gridflow_engine::admin;
use gridflow_engine::reference::{CATALOGUE, DIRECTORY, GEOGRAPHY, RULES};
use gridflow_geo::{Layer, SyntheticDistrict};

pub const DISTRICT: &str = "110101";
/// The seed of the shipped demo; the same seed always gives the same district.
pub const SEED: u64 = 7;

/// The four reference documents of the demo, as (kind, body).
pub fn documents(seed: u64) -> anyhow::Result<Vec<(String, String)>> {
    let district = SyntheticDistrict::generate(seed);
    let geography = district.to_geojson();
    let geo = gridflow_geo::Geography::import(&geography).map_err(|e| anyhow::anyhow!("demo geography: {e:?}"))?;
    let catalogue = gridflow_routing::demo::catalogue().context("demo catalogue")?;
    let directory = gridflow_routing::demo::directory().context("demo directory")?;
    let rules = gridflow_routing::demo::responsibility_list(&directory).context("demo rules")?;
    let mut rules_json = serde_json::to_string(rules.sets())?;
    // The routing demo names its layer grids symbolically; point them at real grids of this
    // district: the first school grid, and the responsibility grid of Jiaodaokou's first community.
    let school = geo.grids(&Layer::dedicated("school")?).first().map(|g| g.code.clone());
    if let Some(school) = school {
        rules_json = rules_json.replace("school:SCH-0007", &format!("school:{school}"));
    }
    rules_json = rules_json.replace("duty:DC-R012", "responsibility:110101003001R01");
    Ok(vec![
        (GEOGRAPHY.into(), geography),
        (CATALOGUE.into(), serde_json::to_string(catalogue.versions())?),
        (DIRECTORY.into(), serde_json::to_string(&directory)?),
        (RULES.into(), rules_json),
    ])
}

/// Demo users: (name, password, roles, scopes).
pub fn users() -> Vec<(&'static str, &'static str, Vec<Role>, Vec<&'static str>)> {
    use Role::*;
    let unit = vec![UnitDispatcher, UnitHandler];
    vec![
        ("worker", "worker-demo", vec![GridWorker], vec!["district:110101"]),
        ("worker2", "worker2-demo", vec![GridWorker], vec!["street:110101002"]),
        ("intake", "intake-demo", vec![IntakeOperator], vec![]),
        ("dispatcher", "dispatcher-demo", vec![Dispatcher], vec![]),
        ("lead", "lead-demo", vec![ShiftLead], vec![]),
        ("head", "head-demo", vec![SectionHead], vec![]),
        ("leader", "leader-demo", vec![Leader], vec![]),
        ("supervisor", "supervisor-demo", vec![Supervisor], vec!["district:110101"]),
        ("sanitation", "sanitation-demo", unit.clone(), vec!["unit:dept-sanitation"]),
        ("enforcement", "enforcement-demo", unit.clone(), vec!["unit:dept-enforcement"]),
        ("municipal", "municipal-demo", unit.clone(), vec!["unit:dept-municipal"]),
        ("street1", "street1-demo", unit.clone(), vec!["unit:street-110101001"]),
        ("district", "district-demo", unit, vec!["unit:district-110101"]),
        ("admin", "admin-demo", vec![Admin], vec![]),
    ]
}

/// Loads the demo reference data if none is loaded and creates missing demo users. Idempotent,
/// and safe when several processes start at once (a lost import race or a taken name is skipped).
pub async fn seed(store: &dyn Store) -> anyhow::Result<()> {
    if store.reference_docs().await?.is_empty() {
        match admin::import(store, None, None, documents(SEED)?, "demo", Some(0)).await {
            Ok(_) | Err(gridflow_engine::reference::ReferenceError::Conflict { .. }) => {}
            Err(e) => return Err(e).context("importing the demo reference data"),
        }
    }
    for (name, password, roles, scopes) in users() {
        if store.user(name).await?.is_some() {
            continue;
        }
        let secret_hash = gridflow_api::auth::hash_password(password).map_err(StoreError::Other)?;
        let scopes = scopes.iter().filter_map(|s| Scope::parse(s).ok()).collect();
        let user = Principal { id: name.into(), name: name.into(), roles, scopes, secret_hash };
        match store.add_user(&user).await {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridflow_engine::reference::Reference;

    fn reference() -> Reference {
        let docs = documents(SEED)
            .unwrap()
            .into_iter()
            .map(|(kind, body)| gridflow_domain::ports::ReferenceDoc {
                kind,
                revision: 1,
                body,
                created_by: "test".into(),
                created_at: chrono::Utc::now(),
            })
            .collect();
        Reference::build(docs).unwrap()
    }

    #[test]
    fn the_demo_builds_and_is_big_enough() {
        let r = reference();
        let summary = admin::summary(&r);
        assert!(summary.layers["unit"] >= 400, "{summary:?}");
        assert!(summary.areas >= 5 + 40, "{summary:?}");
        assert!(summary.units >= 30 && summary.handlers > 30, "{summary:?}");
        assert!(summary.catalogue_versions.iter().any(|(_, _, n)| *n >= 80), "{summary:?}");
        // Every unit named in a demo user's scope exists.
        for (_, _, _, scopes) in users() {
            for s in scopes.iter().filter_map(|s| s.strip_prefix("unit:")) {
                assert!(r.has_unit(s), "{s}");
            }
        }
    }

    /// The figures the README and the module doc state for the shipped seed.
    #[test]
    fn the_shipped_seed_gives_the_documented_figures() {
        use gridflow_geo::AreaLevel;
        let r = reference();
        let geo = r.geography.as_ref().unwrap();
        let count = |level: AreaLevel| geo.areas().filter(|a| a.level == level).count();
        let layer = |name: &str| geo.layers().find(|l| l.to_string() == name).map_or(0, |l| geo.grids(l).len());
        let dir = r.directory().unwrap();
        let handlers: usize = dir.units().iter().map(|u| u.handlers.len()).sum();
        let subs: Vec<usize> =
            r.router.as_ref().unwrap().catalogue().versions().iter().map(|v| v.sub_classes().len()).collect();
        let figures = (
            count(AreaLevel::Street),
            count(AreaLevel::Community),
            layer("unit"),
            subs,
            dir.units().len(),
            handlers,
            dir.facilities().len(),
        );
        assert_eq!(figures, (8, 48, 546, vec![85, 86], 30, 82, 20));
        assert_eq!((layer("responsibility"), layer("dedicated:school")), (48, 15));
        // One to four buildings 楼栋 in every unit grid, each inside it (the import checks that).
        let buildings = geo.buildings().count();
        assert!(geo.grids(&Layer::Unit).iter().all(|g| !geo.buildings_in(&g.code).is_empty()));
        assert_eq!(buildings, 1407);
        // Street offices exist for the first five streets only; the other three fall back to the
        // district office.
        let offices = geo
            .areas()
            .filter(|a| {
                a.level == AreaLevel::Street
                    && dir.territorial_unit(gridflow_routing::UnitType::Street, &a.code).is_some()
            })
            .count();
        assert_eq!(offices, 5);
    }

    #[test]
    fn the_same_seed_gives_the_same_documents() {
        assert_eq!(documents(SEED).unwrap(), documents(SEED).unwrap());
        assert_ne!(documents(SEED).unwrap()[0], documents(SEED + 1).unwrap()[0]);
    }

    /// Rules naming ground the geography lacks are refused with the rule located, for the rule
    /// set in force; the same grid exists, so the unchanged demo builds.
    #[test]
    fn rules_must_name_known_ground() {
        let docs = |edit: &dyn Fn(&str) -> String| -> Vec<gridflow_domain::ports::ReferenceDoc> {
            documents(SEED)
                .unwrap()
                .into_iter()
                .map(|(kind, body)| gridflow_domain::ports::ReferenceDoc {
                    body: if kind == "rules" { edit(&body) } else { body },
                    kind,
                    revision: 1,
                    created_by: "test".into(),
                    created_at: chrono::Utc::now(),
                })
                .collect()
        };
        assert!(Reference::build(docs(&|b| b.to_string())).is_ok());
        let moved = |b: &str| b.replace("responsibility:110101003001R01", "responsibility:110101003001R99");
        let Err(gridflow_engine::reference::ReferenceError::Invalid(problems)) = Reference::build(docs(&moved)) else {
            panic!("a rule for an unknown grid was accepted");
        };
        assert!(!problems.is_empty());
        for p in &problems {
            assert_eq!(p.document, "rules");
            assert!(p.at.contains("].rules["), "{p:?}");
            assert!(p.problem.contains("110101003001R99 of layer responsibility is not in the geography"), "{p:?}");
        }
    }
}
