//! Geography: grid layers from GeoJSON with validation, spatial index and deterministic point lookup.
//!
//! Gridflow dispatches city cases by grid (网格化管理). This crate holds the ground truth for
//! "where is this case": the administrative hierarchy district 区 → street 街道 → community 社区
//! (→ unit grid → building 楼栋), and several grid layers over the same ground (unit grids 单元网格,
//! responsibility grids 责任网格, dedicated grids 专属网格 per kind). It is pure: it parses strings/bytes handed to it and does no
//! I/O of its own.
//!
//! - [`model`]: [`Area`], [`Grid`], [`Layer`] and the code rules (6/9/12-digit statistical codes,
//!   15-digit unit-grid codes = community code + 3-digit serial).
//! - [`building`]: [`Building`]s 楼栋 inside unit grids (5-digit serial) and point-to-building lookup.
//! - [`import`]: [`Geography::import`] reads one GeoJSON FeatureCollection (property table in the
//!   module docs) and is all-or-nothing: `Ok(Geography)` or `Err` with every problem found, each
//!   naming the feature index and code.
//! - [`validate`]: geometry rules (WGS-84 range, closed rings, ≥ 4 positions, simple rings).
//! - [`index`]: one R-tree per layer and the **border rule**: a point belongs to the grid with
//!   the smallest code among those whose closed polygon contains it; outside every grid or
//!   non-finite coordinates → `None`.
//! - [`generate`]: reproducible synthetic district (seeded SplitMix64) and bulk polygons for
//!   benchmarks; [`export`] renders GeoJSON that round-trips through the importer.
//!
//! Coordinates are WGS-84 degrees. Geometry is stored as GeoJSON does it (x = longitude,
//! y = latitude), while the lookup API takes `(lat, lon)` in the order people say them; the
//! argument names make the order explicit at every call site.
//!
//! ```
//! use gridflow_geo::{Geography, Layer, SyntheticDistrict};
//!
//! let geo = Geography::import(&SyntheticDistrict::generate(7).to_geojson()).expect("generated data is valid");
//! let grid = geo.resolve(&Layer::Unit, 39.93, 116.41);
//! assert!(grid.is_some_and(|g| g.code.starts_with("110101")));
//! assert!(geo.resolve(&Layer::Unit, f64::NAN, 116.41).is_none());
//! ```

pub mod building;
pub mod error;
pub mod export;
pub mod generate;
pub mod geography;
pub mod import;
pub mod index;
pub mod model;
pub mod prng;
pub mod validate;

mod assemble;

pub use building::Building;
pub use error::{ImportError, Problem, RingRef};
pub use generate::{SyntheticDistrict, generate_polygons};
pub use geography::Geography;
pub use index::GridIndex;
pub use model::{Area, AreaLevel, DedicatedKind, Grid, Layer, LayerParseError};
pub use prng::SplitMix64;
