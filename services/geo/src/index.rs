//! Spatial index of one grid layer and the point-lookup rule.
//!
//! **Border rule.** A point belongs to the grid with the *smallest code* (plain string order, which
//! is numeric order for equal-length digit codes) among all grids of the layer whose *closed*
//! polygon (interior plus boundary, holes excluded) contains the point. A point on an edge shared
//! by two grids, or on a vertex shared by several, therefore has exactly one answer, and the answer
//! does not depend on the order in which grids were loaded. The same rule settles overlaps, should
//! a layer contain any. A point outside every grid, or with a NaN/infinite coordinate, resolves to
//! `None`.

use geo::{BoundingRect, Coord, Intersects};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::model::Grid;

/// R-tree entry: bounding box of a grid plus its position in the code-sorted grid list.
type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Grids of one layer with an R-tree over their bounding boxes.
#[derive(Debug, Clone)]
pub struct GridIndex {
    /// Sorted by code, so the smallest position among candidates is the smallest code.
    grids: Vec<Grid>,
    tree: RTree<Entry>,
}

impl GridIndex {
    /// Indexes the given grids. Grids with empty polygons are kept (for listing) but never match.
    pub fn new(mut grids: Vec<Grid>) -> Self {
        grids.sort_by(|a, b| a.code.cmp(&b.code));
        let entries: Vec<Entry> = grids
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.polygon.bounding_rect()?;
                Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
            })
            .collect();
        // Bulk loading builds a better-packed tree than repeated inserts, and the layer is immutable.
        GridIndex { grids, tree: RTree::bulk_load(entries) }
    }

    /// The grid containing (`lon`, `lat`) under the border rule of this module.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&Grid> {
        self.candidates(lon, lat).min().and_then(|i| self.grids.get(i))
    }

    /// Every grid whose closed polygon contains the point, in code order. More than one result
    /// means the point is on a shared border (or the layer has overlaps).
    pub fn locate_all(&self, lon: f64, lat: f64) -> Vec<&Grid> {
        let mut hits: Vec<usize> = self.candidates(lon, lat).collect();
        hits.sort_unstable();
        hits.into_iter().filter_map(|i| self.grids.get(i)).collect()
    }

    /// Grids in code order.
    pub fn grids(&self) -> &[Grid] {
        &self.grids
    }

    /// Grid with the given code (binary search on the sorted list).
    pub fn get(&self, code: &str) -> Option<&Grid> {
        self.grids.binary_search_by(|g| g.code.as_str().cmp(code)).ok().and_then(|i| self.grids.get(i))
    }

    /// Number of grids.
    pub fn len(&self) -> usize {
        self.grids.len()
    }

    /// True if the layer has no grids.
    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }

    /// Positions of grids whose closed polygon contains the point: R-tree box filter, then exact test.
    fn candidates(&self, lon: f64, lat: f64) -> impl Iterator<Item = usize> + '_ {
        // NaN compares false everywhere, so without this guard it would silently match nothing
        // anyway; the explicit check documents the outcome and skips the tree walk.
        let finite = lon.is_finite() && lat.is_finite();
        let point = Coord { x: lon, y: lat };
        let envelope = AABB::from_point([lon, lat]);
        finite
            .then(|| self.tree.locate_in_envelope_intersecting(&envelope))
            .into_iter()
            .flatten()
            .map(|e| e.data)
            // `Intersects<Coord>` is true on the boundary too (closed polygon), which is what the
            // border rule needs; it uses robust orientation predicates, so shared edges are exact.
            .filter(move |&i| self.grids.get(i).is_some_and(|g| g.polygon.intersects(&point)))
    }
}
