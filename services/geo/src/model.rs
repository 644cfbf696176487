//! Data model: the administrative hierarchy (区 → 街道 → 社区), grids and grid layers, plus the code rules
//! that tie them together.
//!
//! Codes are kept as strings, not integers: they are identifiers whose prefixes carry meaning
//! (6 district + 3 street + 3 community + 3 grid serial) and must never be re-formatted or lose
//! leading zeros on the way through JSON, databases or spreadsheets.

use std::fmt;
use std::str::FromStr;

use geo::{MultiPolygon, Polygon};
use serde::{Deserialize, Serialize};

/// Number of digits of a district (county-level) code, e.g. `110101` for 东城区.
pub const DISTRICT_CODE_LEN: usize = 6;
/// Number of digits of a street/town (街道·镇) code: district code + 3 digits.
pub const STREET_CODE_LEN: usize = 9;
/// Number of digits of a community/village (社区·村) code: street code + 3 digits; this is the full
/// 12-digit statistical division code.
pub const COMMUNITY_CODE_LEN: usize = 12;
/// Number of digits of a unit-grid code (Beijing scheme): community code + 3-digit grid serial.
pub const UNIT_GRID_CODE_LEN: usize = 15;
/// Longest code accepted for responsibility and dedicated grids, which follow local schemes.
pub const MAX_OTHER_GRID_CODE_LEN: usize = 32;

/// Level of an administrative area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaLevel {
    /// 区 / county-level division.
    District,
    /// 街道 / 镇.
    Street,
    /// 社区 / 村.
    Community,
}

impl AreaLevel {
    /// Length of the canonical (short) code of this level.
    pub fn code_len(self) -> usize {
        match self {
            AreaLevel::District => DISTRICT_CODE_LEN,
            AreaLevel::Street => STREET_CODE_LEN,
            AreaLevel::Community => COMMUNITY_CODE_LEN,
        }
    }

    /// The GeoJSON `kind` property value for this level.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::District => "district",
            AreaLevel::Street => "street",
            AreaLevel::Community => "community",
        }
    }

    /// Canonical code for `raw` at this level, or `None` if it is not a valid code.
    ///
    /// Statistical tables write every level as 12 digits padded with zeros (`110101000000` is the
    /// district, `110101001000` a street), while the grid scheme uses the short prefixes. Both are
    /// accepted so that files exported from either source import unchanged; the short form is stored
    /// because prefix tests (`grid code starts with community code`) need it.
    pub fn canonical_code(self, raw: &str) -> Option<String> {
        let len = self.code_len();
        let short = if is_digits(raw, len) {
            raw
        } else if len < COMMUNITY_CODE_LEN && is_digits(raw, COMMUNITY_CODE_LEN) {
            let (head, tail) = raw.split_at(len);
            if !tail.bytes().all(|b| b == b'0') {
                return None;
            }
            head
        } else {
            return None;
        };
        // Serial 000 is how the padded form marks "the level above"; as a street or community
        // serial it would make `110101001000` ambiguous between a street and a community.
        if self != AreaLevel::District && short.ends_with("000") {
            return None;
        }
        Some(short.to_owned())
    }
}

impl fmt::Display for AreaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A district, street or community. Streets and communities find their parent by code prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Which level of the hierarchy this is.
    pub level: AreaLevel,
    /// Canonical code: 6, 9 or 12 digits depending on `level`.
    pub code: String,
    /// Display name, e.g. `东华门街道`.
    pub name: String,
    /// Boundary in lon/lat (WGS-84), if the source provided one. Only community boundaries are
    /// used for validation (grid containment); district and street boundaries are carried for display.
    pub boundary: Option<MultiPolygon<f64>>,
}

impl Area {
    /// An area without boundary geometry.
    pub fn new(level: AreaLevel, code: impl Into<String>, name: impl Into<String>) -> Self {
        Area { level, code: code.into(), name: name.into(), boundary: None }
    }

    /// Same area with a boundary.
    pub fn with_boundary(mut self, boundary: MultiPolygon<f64>) -> Self {
        self.boundary = Some(boundary);
        self
    }

    /// Code of the parent area (`None` for a district, or when the code is too short).
    pub fn parent_code(&self) -> Option<&str> {
        match self.level {
            AreaLevel::District => None,
            AreaLevel::Street => self.code.get(..DISTRICT_CODE_LEN),
            AreaLevel::Community => self.code.get(..STREET_CODE_LEN),
        }
    }
}

/// Kind of a dedicated grid (专属网格), e.g. `school`, `enterprise`, `hospital`.
///
/// Restricted to ASCII letters, digits, `_` and `-` so that the layer's string form
/// `dedicated:<kind>` is unambiguous and usable as a JSON object key or URL segment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DedicatedKind(pub(crate) String);

impl DedicatedKind {
    /// Validates and wraps a kind name.
    pub fn new(kind: &str) -> Result<Self, LayerParseError> {
        let ok = !kind.is_empty()
            && kind.len() <= MAX_OTHER_GRID_CODE_LEN
            && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok { Ok(DedicatedKind(kind.to_owned())) } else { Err(LayerParseError::BadKind(kind.to_owned())) }
    }

    /// The kind name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A grid layer. Several layers cover the same ground; a point resolves to at most one grid per layer.
///
/// String form (used by serde and the GeoJSON `layer` property): `unit`, `responsibility`,
/// `dedicated:<kind>`. Ordering (unit < responsibility < dedicated by kind) fixes the order of
/// [`crate::Geography::resolve_all`] results.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Layer {
    /// 单元网格: about 10,000 m² city-management cells with 15-digit codes.
    Unit,
    /// 责任网格: larger grids with a responsible team (often one per community).
    Responsibility,
    /// 专属网格: schools, enterprises, markets … one layer per kind.
    Dedicated(DedicatedKind),
}

impl Layer {
    /// Convenience constructor for a dedicated layer.
    pub fn dedicated(kind: &str) -> Result<Self, LayerParseError> {
        DedicatedKind::new(kind).map(Layer::Dedicated)
    }
}

/// Why a layer string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerParseError {
    /// Not one of the known layer names.
    #[error("unknown layer `{0}` (expected `unit`, `responsibility` or `dedicated:<kind>`)")]
    Unknown(String),
    /// The dedicated kind contains characters outside `[A-Za-z0-9_-]` or is empty/too long.
    #[error("invalid dedicated grid kind `{0}` (1-32 characters of A-Z, a-z, 0-9, `_`, `-`)")]
    BadKind(String),
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Unit => f.write_str("unit"),
            Layer::Responsibility => f.write_str("responsibility"),
            Layer::Dedicated(kind) => write!(f, "dedicated:{}", kind.as_str()),
        }
    }
}

impl FromStr for Layer {
    type Err = LayerParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unit" => Ok(Layer::Unit),
            "responsibility" => Ok(Layer::Responsibility),
            _ => match s.strip_prefix("dedicated:") {
                Some(kind) => Layer::dedicated(kind),
                None => Err(LayerParseError::Unknown(s.to_owned())),
            },
        }
    }
}

impl TryFrom<String> for Layer {
    type Error = LayerParseError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Layer> for String {
    fn from(layer: Layer) -> String {
        layer.to_string()
    }
}

/// One grid polygon of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Unit grids: 15 digits (community code + serial). Other layers: 1-32 of `[A-Za-z0-9_-]`.
    pub code: String,
    /// Display name, e.g. `和平里社区第3网格`.
    pub name: String,
    /// Layer the grid belongs to.
    pub layer: Layer,
    /// 12-digit code of the community the grid belongs to (every grid belongs to exactly one).
    pub community: String,
    /// Outline in lon/lat (x = longitude, y = latitude), WGS-84.
    pub polygon: Polygon<f64>,
}

impl Grid {
    /// 9-digit street code, derived from the community code.
    pub fn street_code(&self) -> Option<&str> {
        self.community.get(..STREET_CODE_LEN)
    }

    /// 6-digit district code, derived from the community code.
    pub fn district_code(&self) -> Option<&str> {
        self.community.get(..DISTRICT_CODE_LEN)
    }
}

/// True if `s` is exactly `len` ASCII digits.
pub fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a grid code against the rules of its layer; `Err` carries a human-readable reason.
///
/// Unit grids use the Beijing 15-digit scheme, so the code must extend the community code with a
/// non-zero 3-digit serial; that prefix is what lets any system derive street and district from a
/// grid code alone. Responsibility and dedicated grids follow local numbering, so only a safe
/// character set and length are enforced.
pub fn check_grid_code(layer: &Layer, code: &str, community: &str) -> Result<(), String> {
    match layer {
        Layer::Unit => {
            if !is_digits(code, UNIT_GRID_CODE_LEN) {
                return Err(format!("a unit grid code must be {UNIT_GRID_CODE_LEN} digits"));
            }
            if !code.starts_with(community) {
                return Err(format!("the first {COMMUNITY_CODE_LEN} digits must equal community code `{community}`"));
            }
            if code.ends_with("000") {
                return Err("the grid serial (last 3 digits) must not be 000".to_owned());
            }
            Ok(())
        }
        Layer::Responsibility | Layer::Dedicated(_) => {
            let ok = !code.is_empty()
                && code.len() <= MAX_OTHER_GRID_CODE_LEN
                && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if ok {
                Ok(())
            } else {
                Err(format!("must be 1-{MAX_OTHER_GRID_CODE_LEN} characters of A-Z, a-z, 0-9, `_`, `-`"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_string_round_trip() {
        for s in ["unit", "responsibility", "dedicated:school"] {
            let layer: Layer = s.parse().unwrap();
            assert_eq!(layer.to_string(), s);
            let json = serde_json::to_string(&layer).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Layer>(&json).unwrap(), layer);
        }
        assert_eq!("grid".parse::<Layer>(), Err(LayerParseError::Unknown("grid".into())));
        assert_eq!("dedicated:".parse::<Layer>(), Err(LayerParseError::BadKind(String::new())));
        assert!(serde_json::from_str::<Layer>("\"dedicated:a b\"").is_err());
    }

    #[test]
    fn area_codes_accept_short_and_padded_forms() {
        assert_eq!(AreaLevel::District.canonical_code("110101").as_deref(), Some("110101"));
        assert_eq!(AreaLevel::District.canonical_code("110101000000").as_deref(), Some("110101"));
        assert_eq!(AreaLevel::Street.canonical_code("110101001000").as_deref(), Some("110101001"));
        assert_eq!(AreaLevel::Community.canonical_code("110101001002").as_deref(), Some("110101001002"));
        assert_eq!(AreaLevel::Street.canonical_code("110101000000"), None);
        assert_eq!(AreaLevel::Community.canonical_code("11010100100"), None);
        assert_eq!(AreaLevel::District.canonical_code("11010a"), None);
    }

    #[test]
    fn unit_grid_code_rules() {
        let c = "110101001002";
        assert!(check_grid_code(&Layer::Unit, "110101001002007", c).is_ok());
        assert!(check_grid_code(&Layer::Unit, "110101001003007", c).is_err());
        assert!(check_grid_code(&Layer::Unit, "11010100100200", c).is_err());
        assert!(check_grid_code(&Layer::Unit, "110101001002000", c).is_err());
        assert!(check_grid_code(&Layer::Responsibility, "R-01", c).is_ok());
        assert!(check_grid_code(&Layer::Responsibility, "责任1", c).is_err());
    }
}
