//! Helpers for hand-written GeoJSON fixtures: a district 110101, a street 110101001 and a community
//! 110101001001 whose boundary is the square lon 116.40..116.42 × lat 39.92..39.94, split into four
//! unit grids of 0.01° × 0.01°:
//!
//! ```text
//!  39.94 +-----------+-----------+
//!        |   ..003   |   ..004   |
//!  39.93 +-----------+-----------+
//!        |   ..001   |   ..002   |
//!  39.92 +-----------+-----------+
//!     116.40      116.41      116.42
//! ```
#![allow(dead_code)]

use serde_json::{Value, json};

pub const COMMUNITY: &str = "110101001001";

pub fn rect(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]})
}

pub fn polygon(ring: &[[f64; 2]]) -> Value {
    json!({"type": "Polygon", "coordinates": [ring]})
}

pub fn area(kind: &str, code: &str, name: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"kind": kind, "code": code, "name": name}, "geometry": geometry})
}

pub fn grid(code: &str, layer: &str, community: &str, geometry: Value) -> Value {
    json!({
        "type": "Feature",
        "properties": {"code": code, "name": format!("网格{code}"), "layer": layer, "community": community},
        "geometry": geometry
    })
}

pub fn unit(serial: &str, geometry: Value) -> Value {
    grid(&format!("{COMMUNITY}{serial}"), "unit", COMMUNITY, geometry)
}

/// District, street, and the community, with or without its boundary.
pub fn areas(with_boundary: bool) -> Vec<Value> {
    let boundary = if with_boundary { rect(116.40, 39.92, 116.42, 39.94) } else { Value::Null };
    vec![
        area("district", "110101", "东城区", Value::Null),
        area("street", "110101001", "东华门街道", Value::Null),
        area("community", COMMUNITY, "多福巷社区", boundary),
    ]
}

/// The four unit grids of the diagram.
pub fn four_grids() -> Vec<Value> {
    vec![
        unit("001", rect(116.40, 39.92, 116.41, 39.93)),
        unit("002", rect(116.41, 39.92, 116.42, 39.93)),
        unit("003", rect(116.40, 39.93, 116.41, 39.94)),
        unit("004", rect(116.41, 39.93, 116.42, 39.94)),
    ]
}

pub fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// Valid fixture: areas with boundary plus the four grids.
pub fn valid_features() -> Vec<Value> {
    let mut f = areas(true);
    f.extend(four_grids());
    f
}
