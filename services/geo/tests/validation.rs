//! One hand-written GeoJSON per validation rule, plus all-or-nothing behaviour.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use gridflow_geo::{Geography, ImportError, Layer, Problem, RingRef};
use serde_json::{Value, json};

const EXTERIOR: RingRef = RingRef { part: 0, ring: 0 };

fn errors(features: Vec<Value>) -> Vec<ImportError> {
    match Geography::import(&collection(features)) {
        Ok(_) => panic!("import unexpectedly succeeded"),
        Err(errors) => errors,
    }
}

/// The valid fixture plus one extra feature (index 7); returns the single error it must cause.
fn single_problem(extra: Value) -> ImportError {
    let mut f = valid_features();
    f.push(extra);
    let errs = errors(f);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    errs.into_iter().next().unwrap()
}

fn problem_of(extra: Value) -> Problem {
    let e = single_problem(extra);
    assert_eq!(e.feature, Some(7));
    e.problem
}

#[test]
fn valid_fixture_imports() {
    let geo = Geography::import(&collection(valid_features())).unwrap();
    assert_eq!(geo.grids(&Layer::Unit).len(), 4);
    assert_eq!(geo.areas().count(), 3);
}

#[test]
fn point_geometry_is_rejected() {
    let p = problem_of(unit("005", json!({"type": "Point", "coordinates": [116.41, 39.93]})));
    assert_eq!(p, Problem::NotPolygon("Point".into()));
}

#[test]
fn multipolygon_grids_must_have_one_part() {
    let two = json!({"type": "MultiPolygon", "coordinates": [
        [[[116.40, 39.92], [116.401, 39.92], [116.401, 39.921], [116.40, 39.92]]],
        [[[116.41, 39.93], [116.411, 39.93], [116.411, 39.931], [116.41, 39.93]]]
    ]});
    assert_eq!(problem_of(unit("005", two)), Problem::MultiPartGrid(2));

    // A single-part MultiPolygon (what many GIS exports write) is accepted.
    let mut f = areas(true);
    f.push(unit(
        "001",
        json!({"type": "MultiPolygon", "coordinates": [
            [[[116.40, 39.92], [116.42, 39.92], [116.42, 39.94], [116.40, 39.92]]]
        ]}),
    ));
    assert!(Geography::import(&collection(f)).is_ok());
}

#[test]
fn unclosed_ring() {
    let open = polygon(&[[116.40, 39.92], [116.41, 39.92], [116.41, 39.93], [116.40, 39.93]]);
    assert_eq!(problem_of(unit("005", open)), Problem::UnclosedRing { at: EXTERIOR });
}

#[test]
fn fewer_than_four_positions() {
    let short = polygon(&[[116.40, 39.92], [116.41, 39.92], [116.40, 39.92]]);
    assert_eq!(problem_of(unit("005", short)), Problem::TooFewPositions { at: EXTERIOR, count: 3 });
    // Repeated positions do not count: 5 positions but only 3 distinct in a row.
    let padded = polygon(&[[116.40, 39.92], [116.41, 39.92], [116.41, 39.92], [116.41, 39.92], [116.40, 39.92]]);
    assert_eq!(problem_of(unit("005", padded)), Problem::TooFewPositions { at: EXTERIOR, count: 3 });
}

#[test]
fn self_intersecting_ring() {
    // Bow-tie: edge 0 (SW→NE) crosses edge 2 (SE→NW).
    let bow = polygon(&[[116.40, 39.92], [116.41, 39.93], [116.41, 39.92], [116.40, 39.93], [116.40, 39.92]]);
    let p = problem_of(unit("005", bow));
    assert_eq!(p, Problem::SelfIntersection { at: EXTERIOR, first: 0, second: 2, lon: 116.41, lat: 39.92 });
}

#[test]
fn hole_outside_shell() {
    let g = json!({"type": "Polygon", "coordinates": [
        [[116.40, 39.92], [116.41, 39.92], [116.41, 39.93], [116.40, 39.93], [116.40, 39.92]],
        [[116.415, 39.925], [116.416, 39.925], [116.416, 39.926], [116.415, 39.925]]
    ]});
    assert_eq!(problem_of(unit("005", g)), Problem::HoleOutsideShell { at: RingRef { part: 0, ring: 1 } });
}

#[test]
fn coordinates_out_of_range() {
    let far = rect(200.0, 39.92, 200.01, 39.93);
    let p = problem_of(unit("005", far));
    assert_eq!(p, Problem::OutOfRange { at: EXTERIOR, index: 0, lon: 200.0, lat: 39.92, count: 5 });
    // Swapped lat/lon: latitude 116.4 is impossible.
    let swapped = rect(39.92, 116.40, 39.93, 116.41);
    let p = problem_of(unit("005", swapped));
    assert_eq!(p, Problem::OutOfRange { at: EXTERIOR, index: 0, lon: 39.92, lat: 116.40, count: 5 });
}

#[test]
fn short_position() {
    let g = json!({"type": "Polygon", "coordinates": [[[116.40, 39.92], [116.41], [116.41, 39.93], [116.40, 39.92]]]});
    let p = problem_of(unit("005", g));
    assert_eq!(p, Problem::BadPosition { at: EXTERIOR, index: 1, len: 1 });
}

#[test]
fn duplicate_codes() {
    let e = single_problem(unit("002", rect(116.41, 39.92, 116.42, 39.93)));
    assert_eq!(e.feature, Some(7));
    assert_eq!(e.code.as_deref(), Some("110101001001002"));
    assert_eq!(e.problem, Problem::DuplicateCode { code: "110101001001002".into(), first: 4 });
    // Areas: a second street with the same code.
    let p = problem_of(area("street", "110101001", "重复街道", Value::Null));
    assert_eq!(p, Problem::DuplicateCode { code: "110101001".into(), first: 1 });
}

#[test]
fn unit_grid_code_format() {
    let geom = rect(116.40, 39.92, 116.41, 39.93);
    let p = problem_of(grid("11010100100105", "unit", COMMUNITY, geom.clone()));
    assert!(
        matches!(p, Problem::BadGridCode { layer: Layer::Unit, ref code, .. } if code == "11010100100105"),
        "{p:?}"
    );
    // Right length, but the first 12 digits name another community.
    let p = problem_of(grid("110101001002005", "unit", COMMUNITY, geom.clone()));
    assert_eq!(
        p,
        Problem::BadGridCode {
            layer: Layer::Unit,
            code: "110101001002005".into(),
            reason: "the first 12 digits must equal community code `110101001001`".into()
        }
    );
    // Responsibility codes are free-form but restricted to a safe character set.
    let p = problem_of(grid("责任 1", "responsibility", COMMUNITY, geom));
    assert!(matches!(p, Problem::BadGridCode { layer: Layer::Responsibility, .. }), "{p:?}");
}

#[test]
fn area_code_format_and_parents() {
    let p = problem_of(area("street", "11010100", "短街道", Value::Null));
    assert!(matches!(p, Problem::BadAreaCode { ref code, .. } if code == "11010100"), "{p:?}");
    // A community whose street is not in the import.
    let p = problem_of(area("community", "110101002001", "孤立社区", Value::Null));
    assert_eq!(p, Problem::UnknownParent("110101002".into()));
}

#[test]
fn missing_and_unknown_community() {
    let mut g = unit("005", rect(116.40, 39.92, 116.41, 39.93));
    g["properties"].as_object_mut().unwrap().remove("community");
    assert_eq!(problem_of(g), Problem::MissingProperty("community"));

    let g = grid("110101001009001", "unit", "110101001009", rect(116.40, 39.92, 116.41, 39.93));
    assert_eq!(problem_of(g), Problem::UnknownCommunity("110101001009".into()));
}

#[test]
fn grid_outside_its_community_boundary() {
    // Half inside, half outside the community square.
    let p = problem_of(unit("005", rect(116.415, 39.935, 116.425, 39.945)));
    assert_eq!(p, Problem::OutsideCommunity(COMMUNITY.into()));
}

#[test]
fn without_community_geometry_only_codes_are_checked() {
    // Far from anything, but the community has no boundary: accepted.
    let mut f = areas(false);
    f.push(unit("001", rect(116.50, 39.80, 116.51, 39.81)));
    assert!(Geography::import(&collection(f)).is_ok());
    // Code prefix of a community that does not exist.
    let mut f = areas(false);
    f.push(grid("110101001007001", "unit", "110101001007", rect(116.50, 39.80, 116.51, 39.81)));
    let errs = errors(f);
    assert_eq!(
        errs.iter().map(|e| &e.problem).collect::<Vec<_>>(),
        vec![&Problem::UnknownCommunity("110101001007".into())]
    );
}

#[test]
fn property_problems() {
    let mut g = unit("005", rect(116.40, 39.92, 116.41, 39.93));
    g["properties"]["layer"] = json!("street-level");
    assert!(matches!(problem_of(g), Problem::BadLayer(_)));

    let mut g = unit("005", rect(116.40, 39.92, 116.41, 39.93));
    g["properties"].as_object_mut().unwrap().remove("name");
    assert_eq!(problem_of(g), Problem::MissingProperty("name"));

    let mut g = unit("005", rect(116.40, 39.92, 116.41, 39.93));
    g["properties"]["kind"] = json!("room");
    assert_eq!(problem_of(g), Problem::UnknownKind("room".into()));

    // A building names its grid (tests/buildings.rs covers the rest).
    let mut g = unit("005", rect(116.40, 39.92, 116.41, 39.93));
    g["properties"]["kind"] = json!("building");
    assert_eq!(problem_of(g), Problem::MissingProperty("grid"));

    let mut g = unit("005", rect(116.40, 39.92, 116.41, 39.93));
    g["geometry"] = Value::Null;
    assert_eq!(problem_of(g), Problem::MissingGeometry);
}

#[test]
fn document_level_problems() {
    let errs = Geography::import("{not json").unwrap_err();
    assert!(matches!(errs.as_slice(), [ImportError { feature: None, problem: Problem::Malformed(_), .. }]));
    let feature = valid_features().remove(3).to_string();
    let errs = Geography::import(&feature).unwrap_err();
    assert_eq!(
        errs,
        vec![ImportError { feature: None, code: None, problem: Problem::NotFeatureCollection("Feature".into()) }]
    );
}

#[test]
fn one_bad_feature_fails_the_whole_import() {
    let mut f = valid_features();
    // Feature 5 (grid ..002) gets an open ring; the other six features are fine.
    f[4] = unit("002", polygon(&[[116.41, 39.92], [116.42, 39.92], [116.42, 39.93], [116.41, 39.93]]));
    let errs = errors(f);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs[0].to_string(),
        "feature 4 (code 110101001001002): exterior ring: ring is not closed (first and last positions differ)"
    );
}

#[test]
fn all_errors_are_reported_at_once_in_feature_order() {
    let mut f = valid_features();
    f[6] = unit("004", rect(216.41, 39.93, 216.42, 39.94)); // out of range
    f[3] = unit("001", json!({"type": "LineString", "coordinates": [[116.40, 39.92], [116.41, 39.93]]}));
    f.push(unit("003", rect(116.40, 39.93, 116.41, 39.94))); // duplicate of feature 5
    let errs = errors(f);
    let summary: Vec<(Option<usize>, &str)> =
        errs.iter().map(|e| (e.feature, e.code.as_deref().unwrap_or(""))).collect();
    assert_eq!(summary, vec![(Some(3), "110101001001001"), (Some(6), "110101001001004"), (Some(7), "110101001001003")]);
    assert_eq!(errs[0].problem, Problem::NotPolygon("LineString".into()));
    assert!(matches!(errs[1].problem, Problem::OutOfRange { count: 5, .. }));
    assert_eq!(errs[2].problem, Problem::DuplicateCode { code: "110101001001003".into(), first: 5 });
}

#[test]
fn codes_given_as_numbers_are_accepted() {
    let mut f = valid_features();
    f[3]["properties"]["code"] = json!(110101001001001u64);
    f[3]["properties"]["community"] = json!(110101001001u64);
    let geo = Geography::import(&collection(f)).unwrap();
    assert!(geo.grid("110101001001001").is_some());
}

#[test]
fn import_export_round_trip() {
    let geo = Geography::import(&collection(valid_features())).unwrap();
    let text = geo.to_geojson();
    let again = Geography::import(&text).unwrap();
    assert_eq!(again.to_geojson(), text);
    assert_eq!(again.grid("110101001001004"), geo.grid("110101001001004"));
}
