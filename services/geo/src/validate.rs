//! Geometry validation of rings and polygons.
//!
//! Rules (each violation becomes a [`Problem`]):
//! - every coordinate is finite and inside WGS-84 (lon −180..180, lat −90..90);
//! - a ring is closed (first position == last position, exactly);
//! - a ring has at least 4 positions; consecutive repeated positions are tolerated (GIS editors
//!   produce them) but are not counted;
//! - a ring is simple: no two edges cross, touch or overlap, except that consecutive edges share
//!   their common vertex (and must not fold back onto each other);
//! - every hole lies inside the exterior ring.
//!
//! Ring orientation is not checked: RFC 7946 asks writers for counter-clockwise exterior rings but
//! tells readers not to reject the other orientation, and containment does not depend on it.
//! Holes are not checked against each other.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, Covers, LineString, Polygon};

use crate::error::{Problem, RingRef};

/// True if the coordinate is a finite WGS-84 lon/lat.
pub fn in_wgs84(c: Coord<f64>) -> bool {
    c.x.is_finite() && c.y.is_finite() && (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)
}

/// Validates one ring given as raw positions (before any auto-closing), pushing problems to `out`.
/// Returns true if the ring is valid.
pub fn check_ring(ring: &[Coord<f64>], at: RingRef, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    let bad: Vec<(usize, Coord<f64>)> = ring.iter().copied().enumerate().filter(|(_, c)| !in_wgs84(*c)).collect();
    if let Some(&(index, c)) = bad.first() {
        // One error per ring: a swapped lon/lat file would otherwise produce one error per vertex.
        out.push(Problem::OutOfRange { at, index, lon: c.x, lat: c.y, count: bad.len() });
    }
    if ring.len() >= 2 && ring.first() != ring.last() {
        out.push(Problem::UnclosedRing { at });
    }
    // Keep the original index of every kept position so errors point into the file as written.
    let mut kept: Vec<(usize, Coord<f64>)> = Vec::with_capacity(ring.len());
    for (i, c) in ring.iter().copied().enumerate() {
        if kept.last().is_none_or(|&(_, last)| last != c) {
            kept.push((i, c));
        }
    }
    if kept.len() < 4 {
        out.push(Problem::TooFewPositions { at, count: kept.len() });
    }
    if out.len() == before
        && let Some((first, second)) = find_self_intersection(&kept)
    {
        let (_, c) = kept[second];
        out.push(Problem::SelfIntersection { at, first: kept[first].0, second: kept[second].0, lon: c.x, lat: c.y });
    }
    out.len() == before
}

/// Validates a polygon's rings and hole placement. `part` is the index inside a MultiPolygon.
pub fn check_polygon(polygon: &Polygon<f64>, part: usize, out: &mut Vec<Problem>) -> bool {
    let mut ok = check_ring(&polygon.exterior().0, RingRef { part, ring: 0 }, out);
    for (i, hole) in polygon.interiors().iter().enumerate() {
        ok &= check_ring(&hole.0, RingRef { part, ring: i + 1 }, out);
    }
    // Hole placement only means something once every ring is simple.
    ok && check_holes(polygon, part, out)
}

/// Checks that every hole of a polygon with simple rings lies inside its exterior ring.
pub fn check_holes(polygon: &Polygon<f64>, part: usize, out: &mut Vec<Problem>) -> bool {
    let mut ok = true;
    if polygon.interiors().is_empty() {
        return ok;
    }
    let shell = Polygon::new(polygon.exterior().clone(), vec![]);
    for (i, hole) in polygon.interiors().iter().enumerate() {
        if !shell.covers(&Polygon::new(hole.clone(), vec![])) {
            out.push(Problem::HoleOutsideShell { at: RingRef { part, ring: i + 1 } });
            ok = false;
        }
    }
    ok
}

/// Builds a polygon from already-validated rings.
pub fn polygon_from_rings(mut rings: Vec<Vec<Coord<f64>>>) -> Polygon<f64> {
    if rings.is_empty() {
        return Polygon::new(LineString::new(vec![]), vec![]);
    }
    let exterior = LineString::new(rings.remove(0));
    Polygon::new(exterior, rings.into_iter().map(LineString::new).collect())
}

/// Finds the first pair of edges that violate simplicity in a closed ring without consecutive
/// repeats. Edge `i` runs from `pts[i]` to `pts[i + 1]`. O(n²), which is fine for grid polygons
/// (tens to a few hundred vertices) and keeps the check obviously correct.
fn find_self_intersection(pts: &[(usize, Coord<f64>)]) -> Option<(usize, usize)> {
    let n = pts.len().checked_sub(1)?; // number of edges
    let p = |i: usize| pts[i].1;
    for i in 0..n {
        for j in (i + 1)..n {
            let wraps = i == 0 && j == n - 1;
            let hit = if j == i + 1 {
                folds_back(p(i), p(i + 1), p(j + 1))
            } else if wraps {
                folds_back(p(n - 1), p(0), p(1))
            } else {
                segments_intersect(p(i), p(i + 1), p(j), p(j + 1))
            };
            if hit {
                return Some((i, j));
            }
        }
    }
    None
}

/// Consecutive edges a→v and v→c overlap (fold back) when c lies on the line through a and v on
/// the same side of v as a. Sharing only v is normal for consecutive edges.
fn folds_back(a: Coord<f64>, v: Coord<f64>, c: Coord<f64>) -> bool {
    RobustKernel::orient2d(a, v, c) == Orientation::Collinear && (a - v).x * (c - v).x + (a - v).y * (c - v).y > 0.0
}

/// Closed-segment intersection test with exact orientation predicates: true if segments p1p2 and
/// q1q2 share at least one point (crossing, touching at an endpoint, or collinear overlap).
pub fn segments_intersect(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> bool {
    let o1 = RobustKernel::orient2d(p1, p2, q1);
    let o2 = RobustKernel::orient2d(p1, p2, q2);
    let o3 = RobustKernel::orient2d(q1, q2, p1);
    let o4 = RobustKernel::orient2d(q1, q2, p2);
    if o1 == Orientation::Collinear && o2 == Orientation::Collinear {
        // All four points on one line: they meet iff their extents overlap on both axes.
        let overlap = |a1: f64, a2: f64, b1: f64, b2: f64| a1.min(a2) <= b1.max(b2) && b1.min(b2) <= a1.max(a2);
        return overlap(p1.x, p2.x, q1.x, q2.x) && overlap(p1.y, p2.y, q1.y, q2.y);
    }
    // Not all collinear: q meets line(p) and p meets line(q); both meeting points are the unique
    // intersection of the two lines, so the closed segments share it. Covers endpoint touches too.
    o1 != o2 && o3 != o4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    fn ring(pts: &[(f64, f64)]) -> Vec<Coord<f64>> {
        pts.iter().map(|&(x, y)| c(x, y)).collect()
    }

    #[test]
    fn segment_cases() {
        // Proper crossing.
        assert!(segments_intersect(c(0., 0.), c(2., 2.), c(0., 2.), c(2., 0.)));
        // T-touch: endpoint on the interior of the other segment.
        assert!(segments_intersect(c(0., 0.), c(2., 0.), c(1., 0.), c(1., 5.)));
        // Shared endpoint.
        assert!(segments_intersect(c(0., 0.), c(1., 1.), c(1., 1.), c(2., 0.)));
        // Collinear overlap and collinear disjoint.
        assert!(segments_intersect(c(0., 0.), c(2., 0.), c(1., 0.), c(3., 0.)));
        assert!(!segments_intersect(c(0., 0.), c(1., 0.), c(2., 0.), c(3., 0.)));
        // Parallel, and a near miss where the extension of one would hit the other.
        assert!(!segments_intersect(c(0., 0.), c(2., 0.), c(0., 1.), c(2., 1.)));
        assert!(!segments_intersect(c(0., 0.), c(2., 0.), c(3., -1.), c(3., 1.)));
        // Vertical collinear overlap (x extents equal, y overlap decides).
        assert!(segments_intersect(c(0., 0.), c(0., 2.), c(0., 1.), c(0., 3.)));
        assert!(!segments_intersect(c(0., 0.), c(0., 1.), c(0., 2.), c(0., 3.)));
    }

    #[test]
    fn simple_rings_pass() {
        let mut out = vec![];
        let at = RingRef { part: 0, ring: 0 };
        assert!(check_ring(&ring(&[(0., 0.), (1., 0.), (1., 1.), (0., 1.), (0., 0.)]), at, &mut out));
        // Concave "L" and a ring with a repeated vertex.
        let l = [(0., 0.), (2., 0.), (2., 1.), (1., 1.), (1., 2.), (0., 2.), (0., 0.)];
        assert!(check_ring(&ring(&l), at, &mut out));
        assert!(check_ring(&ring(&[(0., 0.), (1., 0.), (1., 0.), (1., 1.), (0., 0.)]), at, &mut out));
        assert_eq!(out, vec![]);
    }

    #[test]
    fn bad_rings_fail() {
        let at = RingRef { part: 0, ring: 0 };
        let cases: [&[(f64, f64)]; 5] = [
            // Bow-tie.
            &[(0., 0.), (1., 1.), (1., 0.), (0., 1.), (0., 0.)],
            // Vertex touching a non-adjacent edge.
            &[(0., 0.), (4., 0.), (4., 4.), (2., 0.), (0., 4.), (0., 0.)],
            // Spike folding back along the previous edge.
            &[(0., 0.), (2., 0.), (1., 0.), (1., 1.), (0., 0.)],
            // Collinear "triangle".
            &[(0., 0.), (1., 0.), (2., 0.), (0., 0.)],
            // Ring passing twice through the same vertex (figure eight).
            &[(0., 0.), (1., 1.), (2., 0.), (2., 2.), (1., 1.), (0., 2.), (0., 0.)],
        ];
        for case in cases {
            let mut out = vec![];
            assert!(!check_ring(&ring(case), at, &mut out), "{case:?}");
            assert!(matches!(out.as_slice(), [Problem::SelfIntersection { .. }]), "{case:?}: {out:?}");
        }
    }

    #[test]
    fn hole_outside_shell_is_reported() {
        let shell = LineString::from(vec![(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)]);
        let inside = LineString::from(vec![(1., 1.), (2., 1.), (2., 2.), (1., 1.)]);
        let outside = LineString::from(vec![(5., 5.), (6., 5.), (6., 6.), (5., 5.)]);
        let mut out = vec![];
        assert!(check_polygon(&Polygon::new(shell.clone(), vec![inside]), 0, &mut out));
        assert!(!check_polygon(&Polygon::new(shell, vec![outside]), 0, &mut out));
        assert_eq!(out, vec![Problem::HoleOutsideShell { at: RingRef { part: 0, ring: 1 } }]);
    }
}
