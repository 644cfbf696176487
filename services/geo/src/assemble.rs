//! Cross-feature validation and construction of a [`Geography`]: codes, duplicates, parents,
//! communities and grid-in-community containment. Shared by the GeoJSON importer and
//! [`Geography::from_parts`] so both enforce exactly the same rules.

use std::collections::BTreeMap;

use geo::{Covers, MultiPolygon, Polygon};

use crate::building::{Building, check_building_code};
use crate::error::{ImportError, Problem};
use crate::geography::Geography;
use crate::model::{Area, AreaLevel, Grid, Layer, check_grid_code};
use crate::validate::check_polygon;

/// What a feature describes once its properties have been read.
#[derive(Debug)]
pub(crate) enum Spec {
    Area(AreaLevel),
    Grid { layer: Layer, community: Option<String> },
    Building { grid: Option<String> },
}

/// A feature that got far enough through parsing to take part in cross-feature checks.
#[derive(Debug)]
pub(crate) struct Candidate {
    pub index: usize,
    pub code: String,
    pub name: String,
    pub spec: Spec,
    pub geometry: Option<MultiPolygon<f64>>,
    /// False if the geometry had problems (already reported); skips the containment check, which
    /// would only add noise on top of the real error.
    pub geometry_ok: bool,
}

/// Collects errors for one feature, labelled with its index and code.
pub(crate) struct Sink {
    pub errors: Vec<ImportError>,
}

impl Sink {
    pub fn push(&mut self, feature: usize, code: Option<&str>, problem: Problem) {
        self.errors.push(ImportError { feature: Some(feature), code: code.map(str::to_owned), problem });
    }
}

/// Runs the cross-feature checks and builds the geography if nothing at all was wrong.
/// `errors` are the problems found earlier (parsing, geometry); any of them fails the import too,
/// which is what makes the import all-or-nothing.
pub(crate) fn finish(candidates: Vec<Candidate>, mut sink: Sink) -> Result<Geography, Vec<ImportError>> {
    let mut areas: Vec<(usize, Area)> = Vec::new();
    let mut grids: Vec<(usize, Grid, bool)> = Vec::new();
    let mut buildings: Vec<(usize, Building, bool)> = Vec::new();
    for c in candidates {
        match c.spec {
            Spec::Area(level) => match level.canonical_code(&c.code) {
                Some(code) => {
                    // A broken boundary is already reported; dropping it keeps the containment
                    // check from running relate() on invalid geometry.
                    let boundary = if c.geometry_ok { c.geometry } else { None };
                    let area = Area { level, code, name: c.name, boundary };
                    areas.push((c.index, area));
                }
                None => {
                    let reason = format!(
                        "expected {} digits{}",
                        level.code_len(),
                        if level == AreaLevel::District { "" } else { " ending in a non-zero serial" }
                    );
                    sink.push(c.index, Some(&c.code), Problem::BadAreaCode { level, code: c.code.clone(), reason });
                }
            },
            Spec::Grid { layer, community } => {
                let Some(community) = community else { continue };
                if let Err(reason) = check_grid_code(&layer, &c.code, &community) {
                    let problem = Problem::BadGridCode { layer: layer.clone(), code: c.code.clone(), reason };
                    sink.push(c.index, Some(&c.code), problem);
                }
                let polygon = c.geometry.and_then(|mp| mp.0.into_iter().next()).unwrap_or_else(empty_polygon);
                let grid = Grid { code: c.code, name: c.name, layer, community, polygon };
                grids.push((c.index, grid, c.geometry_ok));
            }
            Spec::Building { grid } => {
                let Some(grid) = grid else { continue };
                if let Err(reason) = check_building_code(&c.code) {
                    sink.push(c.index, Some(&c.code), Problem::BadBuildingCode { code: c.code.clone(), reason });
                }
                let footprint = c.geometry.and_then(|mp| mp.0.into_iter().next()).unwrap_or_else(empty_polygon);
                buildings.push((c.index, Building { code: c.code, name: c.name, grid, footprint }, c.geometry_ok));
            }
        }
    }

    // Codes are unique among areas and, separately, among the grids of all layers: case records
    // name a grid by code alone, without its layer.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, area) in &areas {
        if let Some(&first) = seen.get(area.code.as_str()) {
            sink.push(*index, Some(&area.code), Problem::DuplicateCode { code: area.code.clone(), first });
        } else {
            seen.insert(&area.code, *index);
        }
    }
    let area_by_code: BTreeMap<&str, &Area> = areas.iter().map(|(_, a)| (a.code.as_str(), a)).collect();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, grid, _) in &grids {
        if let Some(&first) = seen.get(grid.code.as_str()) {
            sink.push(*index, Some(&grid.code), Problem::DuplicateCode { code: grid.code.clone(), first });
        } else {
            seen.insert(&grid.code, *index);
        }
    }

    // Parents: the hierarchy must be complete so street_of/district_of always answer.
    for (index, area) in &areas {
        if let Some(parent) = area.parent_code()
            && !area_by_code.contains_key(parent)
        {
            sink.push(*index, Some(&area.code), Problem::UnknownParent(parent.to_owned()));
        }
    }

    for (index, grid, geometry_ok) in &grids {
        let community = area_by_code.get(grid.community.as_str()).filter(|a| a.level == AreaLevel::Community);
        let Some(community) = community else {
            sink.push(*index, Some(&grid.code), Problem::UnknownCommunity(grid.community.clone()));
            continue;
        };
        // With a community boundary we can check the real geometry; without one the code-prefix
        // check above (unit grids) and the existence check are all that can be said.
        if let Some(boundary) = &community.boundary
            && *geometry_ok
            && !boundary.covers(&grid.polygon)
        {
            sink.push(*index, Some(&grid.code), Problem::OutsideCommunity(grid.community.clone()));
        }
    }

    check_buildings(&buildings, &grids, &mut sink);

    if !sink.errors.is_empty() {
        let mut errors = sink.errors;
        errors.sort_by_key(|e| e.feature);
        return Err(errors);
    }
    Ok(Geography::assemble(
        areas.into_iter().map(|(_, a)| a).collect(),
        grids.into_iter().map(|(_, g, _)| g).collect(),
        buildings.into_iter().map(|(_, b, _)| b).collect(),
    ))
}

/// A building stands in a unit grid of the same import, inside its outline, and its serial is
/// unique within that grid (the full code is grid + serial). Errors name the building by its
/// full code when the grid is known, so a clerk can find it among thousands of `00001`s.
fn check_buildings(buildings: &[(usize, Building, bool)], grids: &[(usize, Grid, bool)], sink: &mut Sink) {
    let unit_grids: BTreeMap<&str, (&Grid, bool)> =
        grids.iter().filter(|(_, g, _)| g.layer == Layer::Unit).map(|(_, g, ok)| (g.code.as_str(), (g, *ok))).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, b, geometry_ok) in buildings {
        let full = b.full_code();
        match seen.get(&full) {
            Some(&first) => sink.push(*index, Some(&full), Problem::DuplicateCode { code: full.clone(), first }),
            None => {
                seen.insert(full.clone(), *index);
            }
        }
        match unit_grids.get(b.grid.as_str()) {
            None => sink.push(*index, Some(&full), Problem::UnknownGrid(b.grid.clone())),
            // A broken outline or footprint is already reported; relate() on it would be noise.
            Some((grid, grid_ok)) if *grid_ok && *geometry_ok && !grid.polygon.covers(&b.footprint) => {
                sink.push(*index, Some(&full), Problem::OutsideGrid(b.grid.clone()))
            }
            Some(_) => {}
        }
    }
}

fn empty_polygon() -> Polygon<f64> {
    Polygon::new(geo::LineString::new(vec![]), vec![])
}

impl Geography {
    /// Validates areas and grids built in code and assembles a geography, with the same rules as
    /// [`Geography::import`]. Error feature indices count `areas` first, then `grids`.
    ///
    /// Polygons built with `geo` are always closed (`Polygon::new` closes rings), so the
    /// "unclosed ring" check can only fire through the GeoJSON importer.
    pub fn from_parts(areas: Vec<Area>, grids: Vec<Grid>) -> Result<Geography, Vec<ImportError>> {
        let mut sink = Sink { errors: Vec::new() };
        let mut candidates = Vec::with_capacity(areas.len() + grids.len());
        let offset = areas.len();
        for (index, area) in areas.into_iter().enumerate() {
            let geometry_ok = area.boundary.as_ref().is_none_or(|mp| check_geometry(mp, index, &area.code, &mut sink));
            candidates.push(Candidate {
                index,
                code: area.code,
                name: area.name,
                spec: Spec::Area(area.level),
                geometry: area.boundary,
                geometry_ok,
            });
        }
        for (i, grid) in grids.into_iter().enumerate() {
            let index = offset + i;
            let geometry = MultiPolygon::new(vec![grid.polygon]);
            let geometry_ok = check_geometry(&geometry, index, &grid.code, &mut sink);
            candidates.push(Candidate {
                index,
                code: grid.code,
                name: grid.name,
                spec: Spec::Grid { layer: grid.layer, community: Some(grid.community) },
                geometry: Some(geometry),
                geometry_ok,
            });
        }
        finish(candidates, sink)
    }
}

fn check_geometry(mp: &MultiPolygon<f64>, index: usize, code: &str, sink: &mut Sink) -> bool {
    let mut problems = Vec::new();
    let mut ok = true;
    for (part, polygon) in mp.0.iter().enumerate() {
        ok &= check_polygon(polygon, part, &mut problems);
    }
    for p in problems {
        sink.push(index, Some(code), p);
    }
    ok
}
