//! The demo district: a small, realistic slice of Beijing's Dongcheng district (two streets, four
//! communities, sixteen 500 m grids around the Forbidden City's east side), ten categories with
//! their national-standard-style codes, eight departments, routing rules and one user per role.
//! The embedded default and the tests use it; the routing issue replaces it with a generator.

use gridflow_domain::geo::{Grid, LatLon};
use gridflow_domain::ports::{Category, Department, Principal, ReferenceData, RoutingRule, Store, StoreError};
use gridflow_domain::{Role, Scope};

pub const DISTRICT: &str = "110101";
const ORIGIN: LatLon = LatLon { lat: 39.905, lon: 116.395 };
const CELL: f64 = 0.005;

/// Grid code of row `r`, column `c` (0..4): street = r / 2, community = c / 2, serial within it.
fn grid_code(r: usize, c: usize) -> String {
    let street = r / 2 + 1;
    let community = c / 2 + 1;
    let serial = (r % 2) * 2 + (c % 2) + 1;
    format!("{DISTRICT}{street:03}{community:03}{serial:03}")
}

pub fn grids() -> Vec<Grid> {
    let mut out = vec![];
    for r in 0..4 {
        for c in 0..4 {
            let (lat, lon) = (ORIGIN.lat + r as f64 * CELL, ORIGIN.lon + c as f64 * CELL);
            let ring = vec![
                LatLon { lat, lon },
                LatLon { lat, lon: lon + CELL },
                LatLon { lat: lat + CELL, lon: lon + CELL },
                LatLon { lat: lat + CELL, lon },
            ];
            out.push(Grid { code: grid_code(r, c), name: format!("网格 {}-{}", r + 1, c + 1), ring });
        }
    }
    out
}

fn category(code: &str, name: &str, name_en: &str, kind: &str, limit_minutes: i64) -> Category {
    Category { code: code.into(), name: name.into(), name_en: name_en.into(), kind: kind.into(), limit_minutes }
}

pub fn categories() -> Vec<Category> {
    vec![
        category("0101", "违法建设", "Illegal construction", "event", 15 * 24 * 60),
        category("0102", "暴露垃圾", "Exposed garbage", "event", 24 * 60),
        category("0104", "道路不洁", "Dirty road", "event", 5 * 60),
        category("0105", "水域不洁", "Dirty water body", "event", 15 * 24 * 60),
        category("0201", "非法小广告", "Illegal small advertisements", "event", 24 * 60),
        category("0401", "无照经营游商", "Unlicensed street vending", "event", 4 * 60),
        category("0501", "突发事件", "Emergency", "event", 2 * 60),
        category("1001", "井盖破损", "Damaged manhole cover", "facility", 6 * 60),
        category("1002", "路灯故障", "Street lamp failure", "facility", 24 * 60),
        category("1003", "垃圾桶破损", "Damaged litter bin", "facility", 24 * 60),
    ]
}

pub fn departments() -> Vec<Department> {
    [
        ("sanitation", "区环卫中心 Sanitation centre"),
        ("urban-mgmt", "城管执法队 Urban management squad"),
        ("water", "区水务所 Water authority"),
        ("roads", "市政道路所 Municipal roads"),
        ("lighting", "路灯管理所 Street lighting"),
        ("emergency", "区应急办 Emergency office"),
        ("street-001", "东华门街道办事处 Donghuamen street office"),
        ("street-002", "景山街道办事处 Jingshan street office"),
    ]
    .into_iter()
    .map(|(code, name)| Department { code: code.into(), name: name.into() })
    .collect()
}

pub fn rules() -> Vec<RoutingRule> {
    let by_category = [
        ("0101", "urban-mgmt"),
        ("0102", "sanitation"),
        ("0104", "sanitation"),
        ("0105", "water"),
        ("0201", "urban-mgmt"),
        ("0401", "urban-mgmt"),
        ("0501", "emergency"),
        ("1001", "roads"),
        ("1002", "lighting"),
        ("1003", "sanitation"),
    ];
    let mut rules: Vec<RoutingRule> = by_category
        .iter()
        .enumerate()
        .map(|(i, (cat, dept))| RoutingRule {
            id: i as i64 + 1,
            grid: None,
            category: Some((*cat).into()),
            department: (*dept).into(),
            priority: 0,
        })
        .collect();
    // Territorial responsibility: small ads in the first street are the street office's job.
    for (i, g) in grids().iter().filter(|g| g.code.starts_with("110101001")).enumerate() {
        rules.push(RoutingRule {
            id: 100 + i as i64,
            grid: Some(g.code.clone()),
            category: Some("0201".into()),
            department: "street-001".into(),
            priority: 0,
        });
    }
    rules
}

pub fn reference() -> ReferenceData {
    ReferenceData { categories: categories(), departments: departments(), grids: grids(), rules: rules() }
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
        ("sanitation", "sanitation-demo", unit.clone(), vec!["unit:sanitation"]),
        ("urban", "urban-demo", unit.clone(), vec!["unit:urban-mgmt"]),
        ("roads", "roads-demo", unit, vec!["unit:roads"]),
        ("admin", "admin-demo", vec![Admin], vec![]),
    ]
}

/// Loads the demo reference data if none is loaded and creates missing demo users. Idempotent,
/// and safe when several processes start at once (a taken name is simply skipped).
pub async fn seed(store: &dyn Store) -> Result<(), StoreError> {
    if store.reference().await?.categories.is_empty() {
        match store.load_reference(&reference()).await {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
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
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridflow_domain::geo::resolve_grid;

    #[test]
    fn grids_tile_the_district_without_gaps() {
        let grids = grids();
        assert_eq!(grids.len(), 16);
        let codes: std::collections::HashSet<_> = grids.iter().map(|g| g.code.clone()).collect();
        assert_eq!(codes.len(), 16);
        assert!(grids.iter().all(|g| g.code.len() == 15 && g.code.starts_with(DISTRICT)));
        for g in &grids {
            let c = g.centroid();
            assert_eq!(resolve_grid(&grids, c).map(|x| x.code.as_str()), Some(g.code.as_str()));
        }
        assert!(resolve_grid(&grids, LatLon { lat: 39.0, lon: 116.0 }).is_none());
    }

    #[test]
    fn every_rule_names_a_known_department_and_category() {
        let d: Vec<_> = departments().into_iter().map(|d| d.code).collect();
        let c: Vec<_> = categories().into_iter().map(|c| c.code).collect();
        for r in rules() {
            assert!(d.contains(&r.department), "{r:?}");
            assert!(r.category.as_ref().is_none_or(|x| c.contains(x)), "{r:?}");
        }
        for (_, _, _, scopes) in users() {
            for s in scopes {
                Scope::parse(s).unwrap();
            }
        }
    }
}
