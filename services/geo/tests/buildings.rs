//! Buildings 楼栋 under unit grids: import with `kind: "building"`, validation (code, known unit
//! grid, footprint inside the grid, duplicates), point lookup and the export round trip.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use gridflow_geo::{Geography, ImportError, Problem};
use serde_json::{Value, json};

fn building(code: &str, grid: &str, geometry: Value) -> Value {
    json!({
        "type": "Feature",
        "properties": {"kind": "building", "code": code, "name": format!("{code}号楼"), "grid": grid},
        "geometry": geometry
    })
}

const G1: &str = "110101001001001";
const G2: &str = "110101001001002";

/// The valid fixture plus two buildings in grid 001 and one in 002 (the last one on the shared
/// border x = 116.41).
fn with_buildings() -> Vec<Value> {
    let mut f = valid_features();
    f.push(building("00001", G1, rect(116.401, 39.921, 116.403, 39.923)));
    f.push(building("00002", G1, rect(116.405, 39.925, 116.408, 39.928)));
    f.push(building("00001", G2, rect(116.41, 39.921, 116.412, 39.923)));
    f
}

fn problems(features: Vec<Value>) -> Vec<(Option<usize>, Option<String>, Problem)> {
    match Geography::import(&collection(features)) {
        Ok(_) => panic!("import unexpectedly succeeded"),
        Err(errors) => {
            errors.into_iter().map(|ImportError { feature, code, problem }| (feature, code, problem)).collect()
        }
    }
}

#[test]
fn buildings_import_and_resolve() {
    let geo = Geography::import(&collection(with_buildings())).unwrap();
    let codes: Vec<String> = geo.buildings_in(G1).iter().map(|b| b.full_code()).collect();
    assert_eq!(codes, [format!("{G1}00001"), format!("{G1}00002")]);
    assert_eq!(geo.buildings().count(), 3);
    let b = geo.building(&format!("{G2}00001")).unwrap();
    assert_eq!((b.name.as_str(), b.grid.as_str()), ("00001号楼", G2));

    let at = |lat, lon| geo.building_at(lat, lon).map(|b| b.full_code());
    assert_eq!(at(39.922, 116.402), Some(format!("{G1}00001")));
    assert_eq!(at(39.926, 116.406), Some(format!("{G1}00002")));
    assert_eq!(at(39.922, 116.411), Some(format!("{G2}00001")));
    // Footprints are closed: a point on a wall is in the building.
    assert_eq!(at(39.921, 116.402), Some(format!("{G1}00001")));
    // Between buildings, outside every grid, or not a number: no building, no panic.
    assert_eq!(at(39.929, 116.409), None);
    assert_eq!(at(39.95, 116.45), None);
    assert_eq!(at(f64::NAN, 116.402), None);
    // A point on the grid border 001|002 inside the building of 002 finds it, though the point
    // resolves to grid 001 by the border rule.
    assert_eq!(at(39.922, 116.41), Some(format!("{G2}00001")));
    assert!(geo.building("1101010010010010000").is_none());
    assert!(geo.buildings_in("110101001001004").is_empty());
}

#[test]
fn buildings_survive_the_export_round_trip() {
    let geo = Geography::import(&collection(with_buildings())).unwrap();
    let exported = geo.to_geojson();
    let again = Geography::import(&exported).unwrap();
    assert_eq!(again.to_geojson(), exported);
    assert_eq!(again.buildings().cloned().collect::<Vec<_>>(), geo.buildings().cloned().collect::<Vec<_>>());
}

#[test]
fn bad_buildings_are_named_and_nothing_is_imported() {
    let mut f = valid_features();
    let n = f.len();
    // Straddles the border of grid 001 into 003.
    f.push(building("00001", G1, rect(116.401, 39.928, 116.403, 39.932)));
    // Grid that does not exist, and a responsibility-style code that is no unit grid.
    f.push(building("00002", "110101001001009", rect(116.401, 39.921, 116.402, 39.922)));
    // Serial 00000 and a 4-digit serial.
    f.push(building("00000", G1, rect(116.401, 39.921, 116.402, 39.922)));
    f.push(building("0003", G1, rect(116.401, 39.921, 116.402, 39.922)));
    // The same serial twice in one grid.
    f.push(building("00004", G2, rect(116.411, 39.921, 116.412, 39.922)));
    f.push(building("00004", G2, rect(116.413, 39.921, 116.414, 39.922)));
    // Without its grid, and without a footprint.
    let mut orphan = building("00005", G1, rect(116.401, 39.921, 116.402, 39.922));
    orphan["properties"].as_object_mut().unwrap().remove("grid");
    f.push(orphan);
    f.push(building("00006", G1, Value::Null));

    let full = |grid: &str, code: &str| Some(format!("{grid}{code}"));
    assert_eq!(
        problems(f),
        vec![
            (Some(n), full(G1, "00001"), Problem::OutsideGrid(G1.into())),
            (Some(n + 1), full("110101001001009", "00002"), Problem::UnknownGrid("110101001001009".into())),
            (
                Some(n + 2),
                Some("00000".into()),
                Problem::BadBuildingCode {
                    code: "00000".into(),
                    reason: "the building serial must not be 00000".into()
                }
            ),
            (
                Some(n + 3),
                Some("0003".into()),
                Problem::BadBuildingCode {
                    code: "0003".into(),
                    reason: "a building code is the 5-digit serial within its grid (00001-99999)".into()
                }
            ),
            (Some(n + 5), full(G2, "00004"), Problem::DuplicateCode { code: format!("{G2}00004"), first: n + 4 }),
            (Some(n + 6), Some("00005".into()), Problem::MissingProperty("grid")),
            (Some(n + 7), Some("00006".into()), Problem::MissingGeometry),
        ]
    );
    // The message a data clerk reads.
    let outside = &Geography::import(&collection({
        let mut f = valid_features();
        f.push(building("00001", G1, rect(116.401, 39.928, 116.403, 39.932)));
        f
    }))
    .unwrap_err()[0];
    assert_eq!(
        outside.to_string(),
        format!("feature {n} (code {G1}00001): building is not inside the boundary of its grid `{G1}`")
    );
}
