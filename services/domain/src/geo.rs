//! Minimal geography for routing: grids as simple polygons and a point lookup. The full model
//! (layers, hierarchy, spatial index) belongs to the geography issue.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// A grid cell. `code` is the 15-digit unit-grid code (6 district + 3 street + 3 community + 3 serial).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub code: String,
    pub name: String,
    /// Outer ring, first point not repeated at the end.
    pub ring: Vec<LatLon>,
}

impl Grid {
    pub fn centroid(&self) -> LatLon {
        let n = self.ring.len().max(1) as f64;
        let (lat, lon) = self.ring.iter().fold((0.0, 0.0), |(a, b), p| (a + p.lat, b + p.lon));
        LatLon { lat: lat / n, lon: lon / n }
    }

    /// Inclusive containment: points on an edge or vertex count as inside, so that a point on a
    /// shared border is inside both grids and `resolve_grid` can apply its tie rule.
    pub fn contains(&self, p: LatLon) -> bool {
        let ring = &self.ring;
        if ring.len() < 3 {
            return false;
        }
        let mut inside = false;
        let mut j = ring.len() - 1;
        for i in 0..ring.len() {
            let (a, b) = (ring[i], ring[j]);
            if on_segment(p, a, b) {
                return true;
            }
            if (a.lat > p.lat) != (b.lat > p.lat) {
                let x = (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon;
                if p.lon < x {
                    inside = !inside;
                }
            }
            j = i;
        }
        inside
    }
}

fn on_segment(p: LatLon, a: LatLon, b: LatLon) -> bool {
    const EPS: f64 = 1e-12;
    let cross = (b.lon - a.lon) * (p.lat - a.lat) - (b.lat - a.lat) * (p.lon - a.lon);
    if cross.abs() > EPS {
        return false;
    }
    p.lon >= a.lon.min(b.lon) - EPS
        && p.lon <= a.lon.max(b.lon) + EPS
        && p.lat >= a.lat.min(b.lat) - EPS
        && p.lat <= a.lat.max(b.lat) + EPS
}

/// The grid containing `p`. Border rule: when several grids contain the point (it lies on a shared
/// edge or vertex), the one with the smallest code wins, so the answer never depends on load order.
pub fn resolve_grid(grids: &[Grid], p: LatLon) -> Option<&Grid> {
    grids.iter().filter(|g| g.contains(p)).min_by(|a, b| a.code.cmp(&b.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, lat0: f64, lon0: f64) -> Grid {
        let ring = vec![
            LatLon { lat: lat0, lon: lon0 },
            LatLon { lat: lat0, lon: lon0 + 1.0 },
            LatLon { lat: lat0 + 1.0, lon: lon0 + 1.0 },
            LatLon { lat: lat0 + 1.0, lon: lon0 },
        ];
        Grid { code: code.into(), name: code.into(), ring }
    }

    #[test]
    fn resolves_inside_outside_and_borders() {
        let grids = vec![square("B", 0.0, 1.0), square("A", 0.0, 0.0)];
        let at = |lat, lon| resolve_grid(&grids, LatLon { lat, lon }).map(|g| g.code.as_str());
        assert_eq!(at(0.5, 0.5), Some("A"));
        assert_eq!(at(0.5, 1.5), Some("B"));
        assert_eq!(at(0.5, 1.0), Some("A"), "shared edge goes to the smaller code");
        assert_eq!(at(5.0, 5.0), None);
        assert_eq!(at(0.0, 2.0), Some("B"), "outer vertex is inside");
    }
}
