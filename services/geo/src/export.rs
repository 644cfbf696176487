//! GeoJSON rendering in exactly the format [`crate::Geography::import`] reads.
//!
//! Output is deterministic: features in the order given, object keys sorted (serde_json's default
//! map), and coordinates printed with the shortest representation that parses back to the same
//! `f64`, so render → import → render is byte-identical.

use geo::{MultiPolygon, Polygon};
use geojson::{GeometryValue, JsonObject, JsonValue};

use crate::building::Building;
use crate::model::{Area, Grid};

/// Renders areas, then grids, then buildings as one FeatureCollection string.
pub fn render<'a>(
    areas: impl IntoIterator<Item = &'a Area>,
    grids: impl IntoIterator<Item = &'a Grid>,
    buildings: impl IntoIterator<Item = &'a Building>,
) -> String {
    let mut features: Vec<JsonValue> = Vec::new();
    for area in areas {
        let mut props = JsonObject::new();
        props.insert("kind".into(), area.level.as_str().into());
        props.insert("code".into(), area.code.clone().into());
        props.insert("name".into(), area.name.clone().into());
        features.push(feature(props, area.boundary.as_ref().map(multi_polygon_value)));
    }
    for grid in grids {
        let mut props = JsonObject::new();
        props.insert("kind".into(), "grid".into());
        props.insert("code".into(), grid.code.clone().into());
        props.insert("name".into(), grid.name.clone().into());
        props.insert("layer".into(), grid.layer.to_string().into());
        props.insert("community".into(), grid.community.clone().into());
        features.push(feature(props, Some(polygon_value(&grid.polygon))));
    }
    for building in buildings {
        let mut props = JsonObject::new();
        props.insert("kind".into(), "building".into());
        props.insert("code".into(), building.code.clone().into());
        props.insert("name".into(), building.name.clone().into());
        props.insert("grid".into(), building.grid.clone().into());
        features.push(feature(props, Some(polygon_value(&building.footprint))));
    }
    let mut doc = JsonObject::new();
    doc.insert("type".into(), "FeatureCollection".into());
    doc.insert("features".into(), JsonValue::Array(features));
    // Display of a serde_json Value cannot fail, unlike `serde_json::to_string`, so no error path.
    JsonValue::Object(doc).to_string()
}

fn feature(properties: JsonObject, geometry: Option<GeometryValue>) -> JsonValue {
    let mut f = JsonObject::new();
    f.insert("type".into(), "Feature".into());
    f.insert("properties".into(), JsonValue::Object(properties));
    f.insert("geometry".into(), geometry.as_ref().map_or(JsonValue::Null, JsonValue::from));
    JsonValue::Object(f)
}

fn rings(polygon: &Polygon<f64>) -> Vec<Vec<[f64; 2]>> {
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(|ring| ring.0.iter().map(|c| [c.x, c.y]).collect())
        .collect()
}

fn polygon_value(polygon: &Polygon<f64>) -> GeometryValue {
    GeometryValue::new_polygon(rings(polygon))
}

/// A single-part boundary is written as a Polygon, the common case and what most tools expect.
fn multi_polygon_value(mp: &MultiPolygon<f64>) -> GeometryValue {
    match mp.0.as_slice() {
        [single] => polygon_value(single),
        parts => GeometryValue::new_multi_polygon(parts.iter().map(rings)),
    }
}
