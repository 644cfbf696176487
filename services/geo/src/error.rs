//! Import errors. Every error names the feature (index in the FeatureCollection, and its code when
//! one could be read) so that a data clerk can fix the source file without guessing.

use std::fmt;

use crate::model::{AreaLevel, Layer};

/// Position of a ring inside a feature's geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingRef {
    /// Polygon index inside a MultiPolygon (0 for a plain Polygon).
    pub part: usize,
    /// Ring index inside the polygon: 0 is the exterior ring, 1.. are holes.
    pub ring: usize,
}

impl fmt::Display for RingRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = if self.ring == 0 { "exterior".to_owned() } else { format!("hole {}", self.ring) };
        if self.part == 0 { write!(f, "{which} ring") } else { write!(f, "part {} {which} ring", self.part) }
    }
}

/// One problem found during import.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {problem}", feature_label(.feature, .code))]
pub struct ImportError {
    /// Index of the feature in the FeatureCollection (for [`crate::Geography::from_parts`]: index
    /// in `areas` followed by `grids`). `None` for problems with the document as a whole.
    pub feature: Option<usize>,
    /// The feature's `code` property as written, when it could be read.
    pub code: Option<String>,
    /// What is wrong.
    pub problem: Problem,
}

fn feature_label(feature: &Option<usize>, code: &Option<String>) -> String {
    match (feature, code) {
        (Some(i), Some(c)) => format!("feature {i} (code {c})"),
        (Some(i), None) => format!("feature {i}"),
        (None, _) => "document".to_owned(),
    }
}

/// The kinds of problem the importer reports.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The input is not JSON, or a feature is not a well-formed GeoJSON Feature.
    #[error("malformed GeoJSON: {0}")]
    Malformed(String),
    /// The document is valid GeoJSON but not a FeatureCollection.
    #[error("expected a FeatureCollection, found {0}")]
    NotFeatureCollection(String),
    /// A required property is absent or null.
    #[error("missing property `{0}`")]
    MissingProperty(&'static str),
    /// A property has the wrong JSON type or an unusable value.
    #[error("property `{name}` {reason}")]
    BadProperty {
        /// Property name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `kind` is not district, street, community, grid or building.
    #[error("unknown kind `{0}` (expected `district`, `street`, `community`, `grid` or `building`)")]
    UnknownKind(String),
    /// `layer` could not be parsed.
    #[error("{0}")]
    BadLayer(String),
    /// A grid without geometry.
    #[error("missing geometry (a grid must be a Polygon)")]
    MissingGeometry,
    /// Geometry type other than Polygon/MultiPolygon.
    #[error("geometry is a {0}; expected a Polygon (or a single-part MultiPolygon for grids)")]
    NotPolygon(String),
    /// A grid given as MultiPolygon with several parts.
    #[error("MultiPolygon with {0} parts; a grid must be one connected polygon")]
    MultiPartGrid(usize),
    /// A position with fewer than two numbers.
    #[error("{at}: position {index} has {len} numbers, expected [lon, lat] or [lon, lat, alt]")]
    BadPosition {
        /// Ring.
        at: RingRef,
        /// Index of the position in the ring.
        index: usize,
        /// How many numbers it had.
        len: usize,
    },
    /// Longitude outside −180..180 or latitude outside −90..90 (or not finite).
    #[error(
        "{at}: position {index} ({lon}, {lat}) is outside WGS-84 range (lon -180..180, lat -90..90); \
         {count} position(s) of this ring are out of range - are longitude and latitude swapped?"
    )]
    OutOfRange {
        /// Ring.
        at: RingRef,
        /// First offending position.
        index: usize,
        /// Its longitude (x).
        lon: f64,
        /// Its latitude (y).
        lat: f64,
        /// Number of offending positions in the ring.
        count: usize,
    },
    /// First and last positions differ.
    #[error("{at}: ring is not closed (first and last positions differ)")]
    UnclosedRing {
        /// Ring.
        at: RingRef,
    },
    /// Fewer than 4 positions (after dropping consecutive repeats).
    #[error("{at}: ring has {count} positions (not counting consecutive repeats); at least 4 are required")]
    TooFewPositions {
        /// Ring.
        at: RingRef,
        /// Positions counted.
        count: usize,
    },
    /// Two edges of a ring cross, touch or overlap.
    #[error("{at}: ring intersects itself: edge {first} and edge {second} meet near ({lon}, {lat})")]
    SelfIntersection {
        /// Ring.
        at: RingRef,
        /// Index of the first edge (edge i runs from position i to the next distinct position).
        first: usize,
        /// Index of the second edge.
        second: usize,
        /// Longitude of a point on the problem (start of the second edge).
        lon: f64,
        /// Latitude of that point.
        lat: f64,
    },
    /// A hole that is not inside its exterior ring.
    #[error("{at}: hole is not inside the exterior ring")]
    HoleOutsideShell {
        /// Ring of the hole.
        at: RingRef,
    },
    /// Another feature of the same group (areas / grids) already uses this code.
    #[error("duplicate code `{code}`: already used by feature {first}")]
    DuplicateCode {
        /// The code.
        code: String,
        /// Index of the first feature with that code.
        first: usize,
    },
    /// Area code not of the form required by its level.
    #[error("code `{code}` is not a valid {level} code: {reason}")]
    BadAreaCode {
        /// Level of the area.
        level: AreaLevel,
        /// The code as written.
        code: String,
        /// Expected format.
        reason: String,
    },
    /// Grid code not of the form required by its layer.
    #[error("code `{code}` is not a valid {layer} grid code: {reason}")]
    BadGridCode {
        /// Layer of the grid.
        layer: Layer,
        /// The code as written.
        code: String,
        /// Expected format.
        reason: String,
    },
    /// A street whose district, or a community whose street, is not in the import.
    #[error("parent area `{0}` is not defined in the import")]
    UnknownParent(String),
    /// The grid's `community` is not a community defined in the import.
    #[error("community `{0}` is not defined in the import")]
    UnknownCommunity(String),
    /// The grid polygon is not covered by its community's boundary.
    #[error("grid is not inside the boundary of its community `{0}`")]
    OutsideCommunity(String),
    /// A building serial not of the form `00001`–`99999`.
    #[error("code `{code}` is not a valid building code: {reason}")]
    BadBuildingCode {
        /// The code as written.
        code: String,
        /// Expected format.
        reason: String,
    },
    /// A building's `grid` is not a unit grid of the import.
    #[error("grid `{0}` is not a unit grid defined in the import")]
    UnknownGrid(String),
    /// The building footprint is not covered by its grid's outline.
    #[error("building is not inside the boundary of its grid `{0}`")]
    OutsideGrid(String),
}
