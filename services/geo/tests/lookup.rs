//! Point lookup and the border rule on hand-written grids, independent of feature order.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use gridflow_geo::{Geography, Layer, SplitMix64};
use serde_json::json;

fn import(features: Vec<serde_json::Value>) -> Geography {
    match Geography::import(&collection(features)) {
        Ok(g) => g,
        Err(e) => panic!("{e:#?}"),
    }
}

fn unit_code(geo: &Geography, lat: f64, lon: f64) -> Option<String> {
    geo.resolve(&Layer::Unit, lat, lon).map(|g| g.code.clone())
}

/// (lat, lon, expected grid) for points on shared borders of the 2×2 fixture, by the rule
/// "smallest code among grids whose closed polygon contains the point".
const BORDER_CASES: [(f64, f64, &str); 9] = [
    (39.93, 116.41, "110101001001001"),  // centre vertex shared by all four
    (39.93, 116.405, "110101001001001"), // edge 001|003
    (39.93, 116.415, "110101001001002"), // edge 002|004
    (39.925, 116.41, "110101001001001"), // edge 001|002
    (39.935, 116.41, "110101001001003"), // edge 003|004
    (39.93, 116.42, "110101001001002"),  // outer vertex shared by 002 and 004
    (39.94, 116.41, "110101001001003"),  // outer vertex shared by 003 and 004
    (39.92, 116.40, "110101001001001"),  // outer corner, one grid only
    (39.94, 116.42, "110101001001004"),  // outer corner, one grid only
];

#[test]
fn border_points_follow_smallest_code_rule_in_any_feature_order() {
    let mut rng = SplitMix64::new(2024);
    for round in 0..40 {
        let mut features = valid_features();
        rng.shuffle(&mut features);
        let geo = import(features);
        for (lat, lon, expected) in BORDER_CASES {
            assert_eq!(unit_code(&geo, lat, lon).as_deref(), Some(expected), "round {round} at ({lat}, {lon})");
        }
    }
}

#[test]
fn containing_lists_every_grid_touching_the_point() {
    let geo = import(valid_features());
    let codes: Vec<&str> = geo.containing(&Layer::Unit, 39.93, 116.41).iter().map(|g| g.code.as_str()).collect();
    assert_eq!(codes, ["110101001001001", "110101001001002", "110101001001003", "110101001001004"]);
    let codes: Vec<&str> = geo.containing(&Layer::Unit, 39.93, 116.415).iter().map(|g| g.code.as_str()).collect();
    assert_eq!(codes, ["110101001001002", "110101001001004"]);
}

#[test]
fn interior_points_resolve_to_their_grid() {
    let geo = import(valid_features());
    assert_eq!(unit_code(&geo, 39.925, 116.405).as_deref(), Some("110101001001001"));
    assert_eq!(unit_code(&geo, 39.925, 116.415).as_deref(), Some("110101001001002"));
    assert_eq!(unit_code(&geo, 39.935, 116.405).as_deref(), Some("110101001001003"));
    assert_eq!(unit_code(&geo, 39.9399, 116.4199).as_deref(), Some("110101001001004"));
}

#[test]
fn outside_and_invalid_points_resolve_to_none() {
    let geo = import(valid_features());
    assert_eq!(unit_code(&geo, 39.95, 116.41), None);
    assert_eq!(unit_code(&geo, 39.93, 116.4200001), None);
    assert_eq!(unit_code(&geo, 0.0, 0.0), None);
    assert_eq!(unit_code(&geo, f64::NAN, 116.41), None);
    assert_eq!(unit_code(&geo, 39.93, f64::INFINITY), None);
    assert_eq!(unit_code(&geo, f64::NEG_INFINITY, f64::NAN), None);
    assert_eq!(unit_code(&geo, 1000.0, -1000.0), None);
    assert!(geo.resolve(&Layer::Responsibility, 39.93, 116.41).is_none()); // layer not loaded
}

#[test]
fn concave_grids_and_holes_are_exact_not_bounding_boxes() {
    // An L-shaped grid 001 and a grid 002 filling its notch; 003 has a hole.
    let l = [
        [116.40, 39.92],
        [116.42, 39.92],
        [116.42, 39.93],
        [116.41, 39.93],
        [116.41, 39.94],
        [116.40, 39.94],
        [116.40, 39.92],
    ];
    let notch = rect(116.41, 39.93, 116.42, 39.94);
    let mut f = areas(true);
    f.push(unit("001", polygon(&l)));
    f.push(unit("002", notch));
    let geo = import(f);
    // In 001's bounding box but in the notch: belongs to 002 only.
    assert_eq!(unit_code(&geo, 39.935, 116.415).as_deref(), Some("110101001001002"));
    assert_eq!(unit_code(&geo, 39.935, 116.405).as_deref(), Some("110101001001001"));

    let with_hole = json!({"type": "Polygon", "coordinates": [
        [[116.40, 39.92], [116.42, 39.92], [116.42, 39.94], [116.40, 39.94], [116.40, 39.92]],
        [[116.405, 39.925], [116.415, 39.925], [116.415, 39.935], [116.405, 39.935], [116.405, 39.925]]
    ]});
    let mut f = areas(true);
    f.push(unit("003", with_hole));
    let geo = import(f);
    assert_eq!(unit_code(&geo, 39.93, 116.41), None); // inside the hole
    assert_eq!(unit_code(&geo, 39.925, 116.41).as_deref(), Some("110101001001003")); // on the hole's edge
    assert_eq!(unit_code(&geo, 39.921, 116.401).as_deref(), Some("110101001001003"));
}

#[test]
fn overlapping_grids_resolve_to_smallest_code_in_any_order() {
    let a = grid("R2", "responsibility", COMMUNITY, rect(116.40, 39.92, 116.415, 39.94));
    let b = grid("R1", "responsibility", COMMUNITY, rect(116.405, 39.92, 116.42, 39.94));
    for order in [[a.clone(), b.clone()], [b, a]] {
        let mut f = areas(true);
        f.extend(order);
        let geo = import(f);
        let code = |lat, lon| geo.resolve(&Layer::Responsibility, lat, lon).map(|g| g.code.clone());
        assert_eq!(code(39.93, 116.41).as_deref(), Some("R1")); // in both
        assert_eq!(code(39.93, 116.402).as_deref(), Some("R2")); // only in R2
        assert_eq!(code(39.93, 116.418).as_deref(), Some("R1")); // only in R1
    }
}

#[test]
fn resolve_all_and_hierarchy() {
    let mut f = valid_features();
    f.push(grid("110101001001R01", "responsibility", COMMUNITY, rect(116.40, 39.92, 116.42, 39.94)));
    f.push(grid("SCH-1", "dedicated:school", COMMUNITY, rect(116.40, 39.92, 116.405, 39.925)));
    let geo = import(f);

    let all: Vec<(String, Option<String>)> = geo
        .resolve_all(39.9225, 116.4025)
        .into_iter()
        .map(|(layer, g)| (layer.to_string(), g.map(|g| g.code.clone())))
        .collect();
    let expected = [
        ("unit", Some("110101001001001")),
        ("responsibility", Some("110101001001R01")),
        ("dedicated:school", Some("SCH-1")),
    ];
    let expected: Vec<(String, Option<String>)> =
        expected.iter().map(|(l, c)| (l.to_string(), c.map(str::to_owned))).collect();
    assert_eq!(all, expected);

    let outside_school: Vec<bool> = geo.resolve_all(39.935, 116.415).iter().map(|(_, g)| g.is_some()).collect();
    assert_eq!(outside_school, [true, true, false]);

    let grid = geo.grid("110101001001004").unwrap();
    assert_eq!(geo.community_of(grid).map(|a| a.name.as_str()), Some("多福巷社区"));
    assert_eq!(geo.street_of(grid).map(|a| a.name.as_str()), Some("东华门街道"));
    assert_eq!(geo.district_of(grid).map(|a| a.name.as_str()), Some("东城区"));
    let school = geo.grid("SCH-1").unwrap();
    assert_eq!(geo.street_of(school).map(|a| a.code.as_str()), Some("110101001"));
    assert_eq!(geo.children("110101001").map(|a| a.code.as_str()).collect::<Vec<_>>(), [COMMUNITY]);
}
