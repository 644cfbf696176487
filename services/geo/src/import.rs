//! GeoJSON import.
//!
//! The input is one GeoJSON `FeatureCollection` holding the whole geography: the areas (district,
//! streets, communities) and the grids of every layer. Feature properties:
//!
//! | property    | features            | value |
//! |-------------|---------------------|-------|
//! | `kind`      | all (optional)      | `"district"`, `"street"`, `"community"`, `"grid"` or `"building"`; absent means `"grid"`, so a plain grid layer exported from a GIS tool imports as-is |
//! | `code`      | all (required)      | string (or non-negative integer). District: 6 digits; street: 9; community: 12 (the 12-digit zero-padded statistical form is also accepted for districts and streets). Unit grid: 15 digits = community code + serial `001`–`999`. Responsibility/dedicated grid: 1–32 of `[A-Za-z0-9_-]` |
//! | `name`      | all (required)      | non-empty string, Chinese allowed (`东华门街道`, `和平里社区第3网格`) |
//! | `layer`     | grids (required)    | `"unit"`, `"responsibility"` or `"dedicated:<kind>"` (e.g. `"dedicated:school"`) |
//! | `community` | grids (required)    | 12-digit code of a community feature in the same collection |
//! | `grid`      | buildings (required) | 15-digit code of a unit grid in the same collection; the building's `code` is its 5-digit serial `00001`–`99999` within that grid |
//!
//! Other properties and the feature `id` are ignored.
//!
//! Geometry, in WGS-84 lon/lat order as RFC 7946 requires:
//! - **grids** and **buildings** (footprints): a `Polygon` (holes allowed). A `MultiPolygon` is accepted only with exactly one
//!   part, because GIS exports often wrap every polygon that way; a grid with several parts is
//!   rejected, since a grid is one contiguous patch that one worker patrols and a multi-part grid
//!   is almost always a digitising mistake.
//! - **areas**: `null`/absent, `Polygon` or `MultiPolygon` (exclaves are real for communities).
//!   When a community has a boundary, each of its grids must lie inside it; when it has none, only
//!   the code relation (community exists; unit-grid code starts with the community code) is checked.
//!   A building must lie inside the outline of its unit grid.
//!
//! Checks (see [`crate::validate`] for the geometry rules): geometry type, position arity,
//! WGS-84 range, closed rings, at least 4 positions, simple (non-self-intersecting) rings, holes
//! inside the shell, code format per level/layer, duplicate codes (areas among areas; grids among
//! all grids; buildings by grid and serial), missing parent street/district, missing or unknown
//! community, grid outside its community, unknown grid of a building, building outside its grid.
//! Every problem of every feature is reported; if there is any, no [`Geography`] is
//! returned.

use geo::{Coord, MultiPolygon};
use geojson::{Feature, GeometryValue, JsonObject, JsonValue, PolygonType};

use crate::assemble::{Candidate, Sink, Spec, finish};
use crate::error::{ImportError, Problem, RingRef};
use crate::geography::Geography;
use crate::model::{AreaLevel, Layer};
use crate::validate::{check_holes, check_ring, polygon_from_rings};

impl Geography {
    /// Parses and validates a GeoJSON FeatureCollection (see the [module docs](crate::import) for
    /// the expected properties). All-or-nothing: either every feature is valid and the whole
    /// geography is returned, or every problem found is returned and nothing else.
    pub fn import(geojson: &str) -> Result<Geography, Vec<ImportError>> {
        match serde_json::from_str::<JsonValue>(geojson) {
            Ok(doc) => import_value(doc),
            Err(e) => Err(vec![document_error(Problem::Malformed(e.to_string()))]),
        }
    }

    /// [`Geography::import`] from UTF-8 bytes.
    pub fn import_slice(geojson: &[u8]) -> Result<Geography, Vec<ImportError>> {
        match serde_json::from_slice::<JsonValue>(geojson) {
            Ok(doc) => import_value(doc),
            Err(e) => Err(vec![document_error(Problem::Malformed(e.to_string()))]),
        }
    }
}

fn document_error(problem: Problem) -> ImportError {
    ImportError { feature: None, code: None, problem }
}

fn import_value(doc: JsonValue) -> Result<Geography, Vec<ImportError>> {
    let JsonValue::Object(mut doc) = doc else {
        return Err(vec![document_error(Problem::Malformed("top level is not a JSON object".into()))]);
    };
    match doc.get("type").and_then(JsonValue::as_str) {
        Some("FeatureCollection") => {}
        Some(other) => return Err(vec![document_error(Problem::NotFeatureCollection(other.to_owned()))]),
        None => return Err(vec![document_error(Problem::Malformed("missing `type`".into()))]),
    }
    let Some(JsonValue::Array(features)) = doc.remove("features") else {
        return Err(vec![document_error(Problem::Malformed("`features` must be an array".into()))]);
    };
    let mut sink = Sink { errors: Vec::new() };
    let candidates: Vec<Candidate> =
        features.into_iter().enumerate().filter_map(|(index, value)| parse_feature(index, value, &mut sink)).collect();
    finish(candidates, sink)
}

/// Reads one feature. Reports every problem it can find on its own; returns a candidate for the
/// cross-feature checks only if code, kind and (for grids) layer could be read.
fn parse_feature(index: usize, value: JsonValue, sink: &mut Sink) -> Option<Candidate> {
    // Read the code from the raw JSON first so that even a malformed feature is labelled with it.
    let raw_code = value.get("properties").and_then(|p| p.get("code")).and_then(code_text);
    let feature: Feature = match serde_json::from_value(value) {
        Ok(f) => f,
        Err(e) => {
            sink.push(index, raw_code.as_deref(), Problem::Malformed(e.to_string()));
            return None;
        }
    };
    let empty = JsonObject::new();
    let props = feature.properties.as_ref().unwrap_or(&empty);
    let label = raw_code.as_deref();
    let mut problems = Vec::new();

    let code = read_code(props, "code").map_err(|p| problems.push(p)).ok();
    let name = match props.get("name") {
        Some(JsonValue::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(JsonValue::String(_)) => {
            problems.push(Problem::BadProperty { name: "name", reason: "must not be empty".into() });
            String::new()
        }
        None | Some(JsonValue::Null) => {
            problems.push(Problem::MissingProperty("name"));
            String::new()
        }
        Some(_) => {
            problems.push(Problem::BadProperty { name: "name", reason: "must be a string".into() });
            String::new()
        }
    };
    let spec = match props.get("kind") {
        None | Some(JsonValue::Null) => read_grid_spec(props, &mut problems),
        Some(JsonValue::String(kind)) => match kind.as_str() {
            "grid" => read_grid_spec(props, &mut problems),
            "district" => Some(Spec::Area(AreaLevel::District)),
            "street" => Some(Spec::Area(AreaLevel::Street)),
            "community" => Some(Spec::Area(AreaLevel::Community)),
            "building" => Some(Spec::Building { grid: read_code(props, "grid").map_err(|p| problems.push(p)).ok() }),
            other => {
                problems.push(Problem::UnknownKind(other.to_owned()));
                None
            }
        },
        Some(_) => {
            problems.push(Problem::BadProperty { name: "kind", reason: "must be a string".into() });
            None
        }
    };
    let is_grid = !matches!(spec, Some(Spec::Area(_)));
    let (geometry, geometry_ok) = read_geometry(feature.geometry.as_ref().map(|g| &g.value), is_grid, &mut problems);

    for problem in problems {
        sink.push(index, label, problem);
    }
    Some(Candidate { index, code: code?, name, spec: spec?, geometry, geometry_ok })
}

fn read_grid_spec(props: &JsonObject, problems: &mut Vec<Problem>) -> Option<Spec> {
    let layer = match props.get("layer") {
        None | Some(JsonValue::Null) => {
            problems.push(Problem::MissingProperty("layer"));
            None
        }
        Some(JsonValue::String(s)) => {
            s.parse::<Layer>().map_err(|e| problems.push(Problem::BadLayer(e.to_string()))).ok()
        }
        Some(_) => {
            problems.push(Problem::BadProperty { name: "layer", reason: "must be a string".into() });
            None
        }
    };
    let community = read_code(props, "community").map_err(|p| problems.push(p)).ok();
    Some(Spec::Grid { layer: layer?, community })
}

/// Codes may arrive as numbers from spreadsheets; integers are accepted, anything else is not.
fn code_text(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::String(s) => Some(s.clone()),
        JsonValue::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

fn read_code(props: &JsonObject, name: &'static str) -> Result<String, Problem> {
    match props.get(name) {
        None | Some(JsonValue::Null) => Err(Problem::MissingProperty(name)),
        Some(v) => code_text(v)
            .ok_or_else(|| Problem::BadProperty { name, reason: "must be a string or a non-negative integer".into() }),
    }
}

/// Converts and validates the geometry. Returns the geometry only when it is valid.
fn read_geometry(
    value: Option<&GeometryValue>,
    is_grid: bool,
    out: &mut Vec<Problem>,
) -> (Option<MultiPolygon<f64>>, bool) {
    let parts: Vec<&PolygonType> = match value {
        None if is_grid => {
            out.push(Problem::MissingGeometry);
            return (None, false);
        }
        None => return (None, true),
        Some(GeometryValue::Polygon { coordinates }) => vec![coordinates],
        Some(GeometryValue::MultiPolygon { coordinates }) if coordinates.is_empty() => {
            out.push(Problem::NotPolygon("empty MultiPolygon".into()));
            return (None, false);
        }
        Some(GeometryValue::MultiPolygon { coordinates }) if is_grid && coordinates.len() > 1 => {
            out.push(Problem::MultiPartGrid(coordinates.len()));
            return (None, false);
        }
        Some(GeometryValue::MultiPolygon { coordinates }) => coordinates.iter().collect(),
        Some(other) => {
            out.push(Problem::NotPolygon(other.type_name().to_owned()));
            return (None, false);
        }
    };
    let mut ok = true;
    let mut polygons = Vec::with_capacity(parts.len());
    for (part, rings) in parts.into_iter().enumerate() {
        if rings.is_empty() {
            out.push(Problem::TooFewPositions { at: RingRef { part, ring: 0 }, count: 0 });
            ok = false;
            continue;
        }
        let mut coords_of_rings = Vec::with_capacity(rings.len());
        for (ring, positions) in rings.iter().enumerate() {
            let at = RingRef { part, ring };
            let mut coords = Vec::with_capacity(positions.len());
            let mut positions_ok = true;
            for (index, pos) in positions.iter().enumerate() {
                match pos.as_slice() {
                    [x, y, ..] => coords.push(Coord { x: *x, y: *y }),
                    short => {
                        out.push(Problem::BadPosition { at, index, len: short.len() });
                        positions_ok = false;
                    }
                }
            }
            // Checked on the raw positions: geo's Polygon::new would silently close an open ring.
            // A ring with a broken position is not checked further: the rest would be noise.
            ok &= positions_ok && check_ring(&coords, at, out);
            coords_of_rings.push(coords);
        }
        polygons.push(polygon_from_rings(coords_of_rings));
    }
    if !ok {
        return (None, false);
    }
    // Holes are checked against the shell once the rings are known to be simple.
    let mut holes_ok = true;
    for (part, polygon) in polygons.iter().enumerate() {
        holes_ok &= check_holes(polygon, part, out);
    }
    if holes_ok { (Some(MultiPolygon::new(polygons)), true) } else { (None, false) }
}
