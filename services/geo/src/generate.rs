//! Synthetic, reproducible geography for tests, demos and benchmarks.
//!
//! The ground is a lattice of roughly 110 m × 110 m cells (about the 10,000 m² of a city-management
//! unit grid) whose corners are jittered, with one extra jittered vertex in the middle of every
//! cell side. Every corner and side vertex is computed once and shared by all cells that touch it,
//! so neighbouring grids have bit-identical borders (no slivers, no overlaps), and communities,
//! streets and the district are unions of whole cells whose rings reuse the same vertices.
//!
//! Why the cells stay valid: in cell units corners move at most 0.15 and side vertices at most
//! 0.12 across the side. Each side then stays in a strip of half-width 0.27 around its lattice
//! line, opposite sides of a cell lie in disjoint strips, and at every corner the horizontal side
//! leaves at a slope below 1 while the vertical side leaves at a slope above 1 (2·0.15 + 0.12 <
//! 0.5), so sides meet only at their shared corner. Affine scaling to degrees keeps all of this.

use std::collections::BTreeSet;

use geo::{Coord, LineString, MultiPolygon, Polygon};

use crate::building::Building;
use crate::error::ImportError;
use crate::geography::Geography;
use crate::model::{Area, AreaLevel, DedicatedKind, Grid, Layer};
use crate::prng::SplitMix64;

/// Latitude of the demo district centre (Beijing Dongcheng, 东城区).
pub const DEMO_CENTER_LAT: f64 = 39.93;
/// Longitude of the demo district centre.
pub const DEMO_CENTER_LON: f64 = 116.41;
/// Statistical code of the demo district (东城区).
pub const DEMO_DISTRICT_CODE: &str = "110101";

const CELL_METRES: f64 = 110.0;
const METRES_PER_DEGREE_LAT: f64 = 111_320.0;
const CORNER_JITTER: f64 = 0.15;
const SIDE_JITTER: f64 = 0.12;
const COMMUNITY_COLS: usize = 8;
const COMMUNITY_ROWS: usize = 6;

/// Real street names of Dongcheng, used for flavour only: the geometry is synthetic.
const STREET_NAMES: [&str; 17] = [
    "东华门街道",
    "景山街道",
    "交道口街道",
    "安定门街道",
    "北新桥街道",
    "东四街道",
    "朝阳门街道",
    "建国门街道",
    "东直门街道",
    "和平里街道",
    "前门街道",
    "崇文门外街道",
    "东花市街道",
    "龙潭街道",
    "体育馆路街道",
    "天坛街道",
    "永定门外街道",
];
const NAME_HEADS: [&str; 24] = [
    "东", "西", "南", "北", "和平", "安华", "新中", "康乐", "永安", "宁和", "华侨", "景泰", "福祥", "春秀", "清水",
    "朝内", "建华", "光明", "兴化", "育群", "胜古", "文华", "德胜", "金台",
];
const NAME_TAILS: [&str; 16] =
    ["园", "里", "苑", "府", "街", "门", "桥", "坊", "巷", "院", "楼", "湖", "河", "井", "台", "营"];

/// A generated district: 1 district, 6 or 8 streets, 48 communities (all with boundaries),
/// 432–768 unit grids, one responsibility grid per community, a few `dedicated:school` grids, and
/// one to four buildings 楼栋 in each unit grid.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticDistrict {
    /// District, streets and communities, parents first.
    pub areas: Vec<Area>,
    /// Grids of all layers.
    pub grids: Vec<Grid>,
    /// Buildings of the unit grids, by grid then serial.
    pub buildings: Vec<Building>,
}

/// Seed offset of the building generator: buildings draw from their own sequence, so adding
/// them left every grid, name and school of an existing seed exactly as it was.
const BUILDING_SEED: u64 = 0x6275_696c_6469_6e67;
/// Buildings sit in the square [0.3, 0.7]² of their lattice cell (cell units): every jittered
/// side stays within 0.27 of its lattice line (module docs), so that square is inside the cell.
const BUILDING_LOW: f64 = 0.3;
const BUILDING_SLOT: f64 = 0.2;
const BUILDING_SIZE: f64 = 0.16;

impl SyntheticDistrict {
    /// Generates the demo district around Dongcheng's centre. Same seed, same district, bit for bit.
    pub fn generate(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        // Community block sizes in cells; 3..=4 per side gives 9–16 unit grids per community.
        let widths: Vec<usize> = (0..COMMUNITY_COLS).map(|_| 3 + rng.below(2)).collect();
        let heights: Vec<usize> = (0..COMMUNITY_ROWS).map(|_| 3 + rng.below(2)).collect();
        let xs = prefix_sums(&widths);
        let ys = prefix_sums(&heights);
        // Streets are rectangular groups of communities: 3-4 column groups × 2 row groups.
        let col_groups = 3 + rng.below(2);
        let mut cuts: Vec<usize> = (1..COMMUNITY_COLS).collect();
        rng.shuffle(&mut cuts);
        cuts.truncate(col_groups - 1);
        cuts.sort_unstable();
        let col_bounds: Vec<usize> = std::iter::once(0).chain(cuts).chain([COMMUNITY_COLS]).collect();
        let row_bounds = [0, 2 + rng.below(3), COMMUNITY_ROWS];
        let mut street_names = STREET_NAMES;
        rng.shuffle(&mut street_names);

        let (nx, ny) = (xs[COMMUNITY_COLS], ys[COMMUNITY_ROWS]);
        let lattice = Lattice::new(nx, ny, Coord { x: DEMO_CENTER_LON, y: DEMO_CENTER_LAT }, &mut rng);
        let school = Layer::Dedicated(DedicatedKind("school".to_owned()));

        let district_boundary = lattice.block(0, 0, nx, ny);
        let mut areas =
            vec![Area::new(AreaLevel::District, DEMO_DISTRICT_CODE, "东城区").with_boundary(district_boundary)];
        let mut grids = Vec::new();
        let mut buildings = Vec::new();
        let mut building_rng = SplitMix64::new(seed ^ BUILDING_SEED);
        let mut used_names = BTreeSet::new();
        let mut street_no = 0;
        for rows in row_bounds.windows(2) {
            for cols in col_bounds.windows(2) {
                let street_code = format!("{DEMO_DISTRICT_CODE}{:03}", street_no + 1);
                let street_name = street_names[street_no % street_names.len()];
                street_no += 1;
                let boundary = lattice.block(xs[cols[0]], ys[rows[0]], xs[cols[1]], ys[rows[1]]);
                areas.push(Area::new(AreaLevel::Street, street_code.as_str(), street_name).with_boundary(boundary));
                let mut community_no = 0;
                for cr in rows[0]..rows[1] {
                    for cc in cols[0]..cols[1] {
                        community_no += 1;
                        let code = format!("{street_code}{community_no:03}");
                        let name = community_name(&mut rng, &mut used_names);
                        let (x0, y0, x1, y1) = (xs[cc], ys[cr], xs[cc + 1], ys[cr + 1]);
                        let boundary = lattice.block(x0, y0, x1, y1);
                        let mut serial = 0;
                        let mut house = 0;
                        for j in y0..y1 {
                            for i in x0..x1 {
                                serial += 1;
                                let grid_code = format!("{code}{serial:03}");
                                // One to four of the cell's 2 × 2 building slots, numbered in the
                                // community (和平里9号楼) and by serial within the grid.
                                let count = 1 + building_rng.below(4);
                                for (k, slot) in [(0, 0), (1, 0), (0, 1), (1, 1)].into_iter().take(count).enumerate() {
                                    house += 1;
                                    let (bx, by) = (
                                        i as f64 + BUILDING_LOW + BUILDING_SLOT * f64::from(slot.0),
                                        j as f64 + BUILDING_LOW + BUILDING_SLOT * f64::from(slot.1),
                                    );
                                    buildings.push(Building {
                                        code: format!("{:05}", k + 1),
                                        name: format!("{name}{house}号楼"),
                                        grid: grid_code.clone(),
                                        footprint: lattice.rect(bx, by, bx + BUILDING_SIZE, by + BUILDING_SIZE),
                                    });
                                }
                                grids.push(Grid {
                                    code: grid_code,
                                    name: format!("{name}第{serial}网格"),
                                    layer: Layer::Unit,
                                    community: code.clone(),
                                    polygon: lattice.cell(i, j),
                                });
                            }
                        }
                        grids.push(Grid {
                            code: format!("{code}R01"),
                            name: format!("{name}责任网格"),
                            layer: Layer::Responsibility,
                            community: code.clone(),
                            polygon: first_polygon(&boundary),
                        });
                        if rng.below(4) == 0 {
                            let (i, j) = (x0 + rng.below(x1 - x0), y0 + rng.below(y1 - y0));
                            grids.push(Grid {
                                code: format!("{code}S01"),
                                name: format!("{name}校园专属网格"),
                                layer: school.clone(),
                                community: code.clone(),
                                polygon: lattice.cell(i, j),
                            });
                        }
                        areas.push(Area::new(AreaLevel::Community, code, name).with_boundary(boundary));
                    }
                }
            }
        }
        SyntheticDistrict { areas, grids, buildings }
    }

    /// GeoJSON FeatureCollection of the district with its buildings, accepted by
    /// [`Geography::import`].
    pub fn to_geojson(&self) -> String {
        crate::export::render(&self.areas, &self.grids, &self.buildings)
    }

    /// Validates and indexes the district's areas and grids (without its buildings; import
    /// [`Self::to_geojson`] for those).
    pub fn into_geography(self) -> Result<Geography, Vec<ImportError>> {
        Geography::from_parts(self.areas, self.grids)
    }
}

/// `n` valid, non-overlapping polygons tiling (row by row) a jittered lattice around the demo
/// centre; for benchmarks at a scale of a whole city layer.
pub fn generate_polygons(n: usize, seed: u64) -> Vec<Polygon<f64>> {
    if n == 0 {
        return Vec::new();
    }
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let mut rng = SplitMix64::new(seed);
    let lattice = Lattice::new(cols, rows, Coord { x: DEMO_CENTER_LON, y: DEMO_CENTER_LAT }, &mut rng);
    (0..n).map(|k| lattice.cell(k % cols, k / cols)).collect()
}

fn prefix_sums(sizes: &[usize]) -> Vec<usize> {
    std::iter::once(0)
        .chain(sizes.iter().scan(0, |acc, s| {
            *acc += s;
            Some(*acc)
        }))
        .collect()
}

fn first_polygon(mp: &MultiPolygon<f64>) -> Polygon<f64> {
    mp.0.first().cloned().unwrap_or_else(|| Polygon::new(LineString::new(vec![]), vec![]))
}

fn community_name(rng: &mut SplitMix64, used: &mut BTreeSet<String>) -> String {
    for _ in 0..64 {
        let name =
            format!("{}{}社区", NAME_HEADS[rng.below(NAME_HEADS.len())], NAME_TAILS[rng.below(NAME_TAILS.len())]);
        if used.insert(name.clone()) {
            return name;
        }
    }
    // Practically unreachable with 384 combinations for 48 names, but names must stay unique.
    let name = format!("第{}社区", used.len() + 1);
    used.insert(name.clone());
    name
}

/// Jittered lattice of `nx` × `ny` cells. Corner (i, j) for 0 ≤ i ≤ nx, 0 ≤ j ≤ ny; side vertex
/// `h(i, j)` in the middle of the horizontal side from corner (i, j) to (i+1, j), `v(i, j)` in the
/// middle of the vertical side from (i, j) to (i, j+1).
struct Lattice {
    nx: usize,
    /// South-west corner of the lattice and the size of a cell, in degrees.
    origin: Coord<f64>,
    cell_deg: Coord<f64>,
    corners: Vec<Coord<f64>>,
    h_mids: Vec<Coord<f64>>,
    v_mids: Vec<Coord<f64>>,
}

impl Lattice {
    fn new(nx: usize, ny: usize, centre: Coord<f64>, rng: &mut SplitMix64) -> Self {
        let dlat = CELL_METRES / METRES_PER_DEGREE_LAT;
        // Shrink longitude degrees with latitude so cells are roughly square on the ground.
        let dlon = dlat / centre.y.to_radians().cos();
        let origin = Coord { x: centre.x - nx as f64 * dlon / 2.0, y: centre.y - ny as f64 * dlat / 2.0 };
        let to_degrees = |c: Coord<f64>| Coord { x: origin.x + c.x * dlon, y: origin.y + c.y * dlat };

        // Jitter in cell units first: the validity argument in the module docs is stated there.
        let mut unit = Vec::with_capacity((nx + 1) * (ny + 1));
        for j in 0..=ny {
            for i in 0..=nx {
                let jx = rng.range(-CORNER_JITTER, CORNER_JITTER);
                let jy = rng.range(-CORNER_JITTER, CORNER_JITTER);
                unit.push(Coord { x: i as f64 + jx, y: j as f64 + jy });
            }
        }
        let at = |i: usize, j: usize| unit[j * (nx + 1) + i];
        let mut h_mids = Vec::with_capacity(nx * (ny + 1));
        for j in 0..=ny {
            for i in 0..nx {
                let mid = (at(i, j) + at(i + 1, j)) / 2.0;
                h_mids.push(to_degrees(mid + Coord { x: 0.0, y: rng.range(-SIDE_JITTER, SIDE_JITTER) }));
            }
        }
        let mut v_mids = Vec::with_capacity((nx + 1) * ny);
        for j in 0..ny {
            for i in 0..=nx {
                let mid = (at(i, j) + at(i, j + 1)) / 2.0;
                v_mids.push(to_degrees(mid + Coord { x: rng.range(-SIDE_JITTER, SIDE_JITTER), y: 0.0 }));
            }
        }
        let corners = unit.iter().copied().map(to_degrees).collect();
        Lattice { nx, origin, cell_deg: Coord { x: dlon, y: dlat }, corners, h_mids, v_mids }
    }

    fn c(&self, i: usize, j: usize) -> Coord<f64> {
        self.corners[j * (self.nx + 1) + i]
    }

    fn h(&self, i: usize, j: usize) -> Coord<f64> {
        self.h_mids[j * self.nx + i]
    }

    fn v(&self, i: usize, j: usize) -> Coord<f64> {
        self.v_mids[j * (self.nx + 1) + i]
    }

    /// The rectangle [x0, x1] × [y0, y1] in cell units (unjittered), counter-clockwise.
    fn rect(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        let at =
            |x: f64, y: f64| Coord { x: self.origin.x + x * self.cell_deg.x, y: self.origin.y + y * self.cell_deg.y };
        Polygon::new(LineString::new(vec![at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]), vec![])
    }

    /// Cell (i, j) as a counter-clockwise octagon (RFC 7946 orientation).
    fn cell(&self, i: usize, j: usize) -> Polygon<f64> {
        self.block(i, j, i + 1, j + 1)
            .0
            .into_iter()
            .next()
            .unwrap_or_else(|| Polygon::new(LineString::new(vec![]), vec![]))
    }

    /// Union of cells [x0, x1) × [y0, y1), walking the block border counter-clockwise through every
    /// shared corner and side vertex so that it coincides exactly with the cells' own borders.
    fn block(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> MultiPolygon<f64> {
        let mut ring = Vec::with_capacity(4 * ((x1 - x0) + (y1 - y0)) + 1);
        for i in x0..x1 {
            ring.extend([self.c(i, y0), self.h(i, y0)]);
        }
        for j in y0..y1 {
            ring.extend([self.c(x1, j), self.v(x1, j)]);
        }
        for i in (x0..x1).rev() {
            ring.extend([self.c(i + 1, y1), self.h(i, y1)]);
        }
        for j in (y0..y1).rev() {
            ring.extend([self.c(x0, j + 1), self.v(x0, j)]);
        }
        ring.push(self.c(x0, y0));
        MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])])
    }
}
