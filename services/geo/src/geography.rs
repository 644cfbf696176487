//! The validated geography: areas, grid layers and lookups.

use std::collections::BTreeMap;

use crate::building::Building;
use crate::index::GridIndex;
use crate::model::{Area, Grid, Layer};

/// Areas and grids of one import, with one spatial index per layer.
///
/// Only obtainable through validation ([`Geography::import`], [`Geography::from_parts`]), so every
/// grid has a valid polygon, a known community and a code that is unique among grids.
#[derive(Debug, Clone)]
pub struct Geography {
    pub(crate) areas: BTreeMap<String, Area>,
    pub(crate) layers: BTreeMap<Layer, GridIndex>,
    /// Grid code → layer, for [`Geography::grid`].
    pub(crate) grid_layers: BTreeMap<String, Layer>,
    /// Unit grid code → its buildings in serial order (see [`crate::building`]).
    pub(crate) buildings: BTreeMap<String, Vec<Building>>,
}

impl Geography {
    pub(crate) fn assemble(areas: Vec<Area>, grids: Vec<Grid>, buildings: Vec<Building>) -> Self {
        let grid_layers = grids.iter().map(|g| (g.code.clone(), g.layer.clone())).collect();
        let mut by_grid: BTreeMap<String, Vec<Building>> = BTreeMap::new();
        for b in buildings {
            by_grid.entry(b.grid.clone()).or_default().push(b);
        }
        for list in by_grid.values_mut() {
            list.sort_by(|a, b| a.code.cmp(&b.code));
        }
        let mut by_layer: BTreeMap<Layer, Vec<Grid>> = BTreeMap::new();
        for grid in grids {
            by_layer.entry(grid.layer.clone()).or_default().push(grid);
        }
        Geography {
            areas: areas.into_iter().map(|a| (a.code.clone(), a)).collect(),
            layers: by_layer.into_iter().map(|(layer, grids)| (layer, GridIndex::new(grids))).collect(),
            grid_layers,
            buildings: by_grid,
        }
    }

    /// The grid of `layer` containing the point (latitude, longitude in WGS-84 degrees), under the
    /// border rule: smallest code among grids whose closed polygon contains the point (see
    /// [`crate::index`]). `None` if the point is outside every grid of the layer, the layer is not
    /// loaded, or a coordinate is NaN/infinite.
    pub fn resolve(&self, layer: &Layer, lat: f64, lon: f64) -> Option<&Grid> {
        self.layers.get(layer)?.locate(lon, lat)
    }

    /// [`Geography::resolve`] for every loaded layer, in layer order; `None` where the point is
    /// outside that layer.
    pub fn resolve_all(&self, lat: f64, lon: f64) -> Vec<(&Layer, Option<&Grid>)> {
        self.layers.iter().map(|(layer, index)| (layer, index.locate(lon, lat))).collect()
    }

    /// All grids of `layer` whose closed polygon contains the point, in code order. Useful to
    /// explain a border decision: the first element is what [`Geography::resolve`] returns.
    pub fn containing(&self, layer: &Layer, lat: f64, lon: f64) -> Vec<&Grid> {
        self.layers.get(layer).map(|index| index.locate_all(lon, lat)).unwrap_or_default()
    }

    /// Grid by code (codes are unique across layers).
    pub fn grid(&self, code: &str) -> Option<&Grid> {
        let layer = self.grid_layers.get(code)?;
        self.layers.get(layer)?.get(code)
    }

    /// Grids of a layer in code order (empty if the layer is not loaded).
    pub fn grids(&self, layer: &Layer) -> &[Grid] {
        self.layers.get(layer).map(GridIndex::grids).unwrap_or(&[])
    }

    /// Loaded layers in order.
    pub fn layers(&self) -> impl Iterator<Item = &Layer> {
        self.layers.keys()
    }

    /// Area by canonical code (6, 9 or 12 digits).
    pub fn area(&self, code: &str) -> Option<&Area> {
        self.areas.get(code)
    }

    /// All areas in code order (a district precedes its streets, a street its communities).
    pub fn areas(&self) -> impl Iterator<Item = &Area> {
        self.areas.values()
    }

    /// Direct children of an area, in code order.
    pub fn children<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Area> + 'a {
        self.areas.values().filter(move |a| a.parent_code() == Some(code))
    }

    /// The community (社区) the grid belongs to.
    pub fn community_of(&self, grid: &Grid) -> Option<&Area> {
        self.areas.get(&grid.community)
    }

    /// The street (街道) of the grid's community, from the first 9 digits of the community code.
    pub fn street_of(&self, grid: &Grid) -> Option<&Area> {
        self.areas.get(grid.street_code()?)
    }

    /// The district (区) of the grid's community, from the first 6 digits of the community code.
    pub fn district_of(&self, grid: &Grid) -> Option<&Area> {
        self.areas.get(grid.district_code()?)
    }

    /// Renders the whole geography as a GeoJSON FeatureCollection accepted by [`Geography::import`].
    pub fn to_geojson(&self) -> String {
        crate::export::render(
            self.areas.values(),
            self.layers.values().flat_map(|index| index.grids()),
            self.buildings.values().flatten(),
        )
    }
}
