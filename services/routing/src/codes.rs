//! Code newtypes: category codes (kind + class + sub-class) and area codes (territorial hierarchy
//! or a grid of another layer). Parsed once at the edge so routing never re-checks a string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a code string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad code {text:?}: {why}")]
pub struct CodeError {
    pub text: String,
    pub why: &'static str,
}

fn code_error(text: &str, why: &'static str) -> CodeError {
    CodeError { text: text.to_owned(), why }
}

/// Facility 部件 (has an owner and maintainer) or event 事件. The two kinds have separate code
/// spaces: facility 0101 and event 0101 are different categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Facility,
    Event,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Facility => "facility",
            Kind::Event => "event",
        }
    }
}

impl FromStr for Kind {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, CodeError> {
        match s {
            "facility" => Ok(Kind::Facility),
            "event" => Ok(Kind::Event),
            _ => Err(code_error(s, "kind must be facility or event")),
        }
    }
}

fn digits<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], CodeError> {
    let bytes: [u8; N] = s.as_bytes().try_into().map_err(|_| code_error(s, what))?;
    if !bytes.iter().all(u8::is_ascii_digit) {
        return Err(code_error(s, what));
    }
    // "00" is the placeholder standards use for "no class", never a real one.
    if bytes[N - 2..] == *b"00" {
        return Err(code_error(s, "serial 00 is not a valid class or sub-class"));
    }
    Ok(bytes)
}

fn ascii(bytes: &[u8]) -> &str {
    // Only ever built from validated ASCII digits, so the fallback is unreachable.
    std::str::from_utf8(bytes).unwrap_or("")
}

/// Class 大类: two digits, 01–99. Stored inline so requests and rules carry no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassCode([u8; 2]);

impl ClassCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        digits::<2>(s, "class code must be 2 digits").map(Self)
    }
    pub fn as_str(&self) -> &str {
        ascii(&self.0)
    }
}

/// Sub-class 小类: four digits, the first two being its class ("0102" is in class "01").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryCode([u8; 4]);

impl CategoryCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let bytes = digits::<4>(s, "sub-class code must be 4 digits")?;
        ClassCode::parse(ascii(&bytes[..2]))?;
        Ok(Self(bytes))
    }
    pub fn class(&self) -> ClassCode {
        ClassCode([self.0[0], self.0[1]])
    }
    pub fn as_str(&self) -> &str {
        ascii(&self.0)
    }
}

/// A sub-class together with its kind, written `event:0102` / `facility:0101`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryRef {
    pub kind: Kind,
    pub code: CategoryCode,
}

impl CategoryRef {
    pub fn new(kind: Kind, code: CategoryCode) -> Self {
        Self { kind, code }
    }
}

impl FromStr for CategoryRef {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, CodeError> {
        let (kind, code) = s.split_once(':').ok_or_else(|| code_error(s, "expected kind:code, e.g. event:0102"))?;
        // Report the whole text, not just the half that failed, so the user can find it.
        let whole = |e: CodeError| CodeError { text: s.to_owned(), ..e };
        Ok(Self { kind: kind.parse().map_err(whole)?, code: CategoryCode::parse(code).map_err(whole)? })
    }
}

/// Level of a territorial code, from the widest to the narrowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    District,
    Street,
    Community,
    UnitGrid,
}

/// A territorial code: district (6 digits), street (9), community (12) or unit grid (15). Each
/// level's code extends its parent's, so ancestors are prefixes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        if !s.bytes().all(|b| b.is_ascii_digit()) || ![6, 9, 12, 15].contains(&s.len()) {
            return Err(code_error(s, "area code must be 6, 9, 12 or 15 digits"));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn level(&self) -> AreaLevel {
        match self.0.len() {
            6 => AreaLevel::District,
            9 => AreaLevel::Street,
            12 => AreaLevel::Community,
            _ => AreaLevel::UnitGrid,
        }
    }
    /// The code of the enclosing area at `level`, if this code is at least that deep.
    pub fn at_level(&self, level: AreaLevel) -> Option<&str> {
        let len = match level {
            AreaLevel::District => 6,
            AreaLevel::Street => 9,
            AreaLevel::Community => 12,
            AreaLevel::UnitGrid => 15,
        };
        self.0.get(..len)
    }
    /// True when `self` is `other` or one of its ancestors.
    pub fn contains(&self, other: &AreaCode) -> bool {
        other.0.starts_with(&self.0)
    }
}

/// A grid of a layer other than the unit grids (responsibility grids, school zones …), written
/// `layer:code`. These codes follow no hierarchy, so they only match themselves.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LayerGrid {
    layer: String,
    code: String,
}

impl LayerGrid {
    pub fn layer(&self) -> &str {
        &self.layer
    }
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl FromStr for LayerGrid {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, CodeError> {
        let (layer, code) = s.split_once(':').ok_or_else(|| code_error(s, "expected layer:code"))?;
        let layer_ok = layer.bytes().any(|b| b.is_ascii_lowercase())
            && layer.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !layer_ok {
            return Err(code_error(s, "layer name must be lowercase ascii, e.g. school"));
        }
        if code.is_empty() || code.chars().any(char::is_whitespace) {
            return Err(code_error(s, "grid code must be non-empty without spaces"));
        }
        Ok(Self { layer: layer.to_owned(), code: code.to_owned() })
    }
}

// Text forms double as the serde forms, so JSON, CSV and the explain output all read alike.
// Needs `Display` and `FromStr` on the type; shared with the rule selectors.
macro_rules! serde_as_text {
    ($($ty:ty),*) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:?}", self.to_string())
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}
pub(crate) use serde_as_text;

macro_rules! text_form {
    ($ty:ty, |$v:ident, $f:ident| $fmt:expr, $parse:path) => {
        impl fmt::Display for $ty {
            fn fmt(&self, $f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let $v = self;
                $fmt
            }
        }
        impl FromStr for $ty {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, CodeError> {
                $parse(s)
            }
        }
    };
}

text_form!(ClassCode, |v, f| f.write_str(v.as_str()), ClassCode::parse);
text_form!(CategoryCode, |v, f| f.write_str(v.as_str()), CategoryCode::parse);
text_form!(AreaCode, |v, f| f.write_str(&v.0), AreaCode::parse);

impl fmt::Display for CategoryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.code)
    }
}

impl fmt::Display for LayerGrid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.layer, self.code)
    }
}

serde_as_text!(ClassCode, CategoryCode, CategoryRef, AreaCode, LayerGrid);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_codes() {
        let c: CategoryRef = "event:0102".parse().unwrap();
        assert_eq!(c.kind, Kind::Event);
        assert_eq!(c.code.class().as_str(), "01");
        assert_eq!(c.to_string(), "event:0102");
        for bad in ["event:102", "event:01a2", "event:0100", "event:0001", "thing:0102", "0102"] {
            assert!(bad.parse::<CategoryRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn area_codes_nest_by_prefix() {
        let grid = AreaCode::parse("110101001002003").unwrap();
        assert_eq!(grid.level(), AreaLevel::UnitGrid);
        assert_eq!(grid.at_level(AreaLevel::Community), Some("110101001002"));
        assert_eq!(grid.at_level(AreaLevel::Street), Some("110101001"));
        assert_eq!(grid.at_level(AreaLevel::District), Some("110101"));
        assert!(AreaCode::parse("110101001").unwrap().contains(&grid));
        assert!(!AreaCode::parse("110101002").unwrap().contains(&grid));
        let street = AreaCode::parse("110101001").unwrap();
        assert_eq!(street.at_level(AreaLevel::Community), None);
        for bad in ["11010", "1101010011", "11010100100200a"] {
            assert!(AreaCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn layer_grids() {
        let g: LayerGrid = "school:SCH-0007".parse().unwrap();
        assert_eq!((g.layer(), g.code()), ("school", "SCH-0007"));
        for bad in ["school", "School:1", "123:4", "school:", "school:a b"] {
            assert!(bad.parse::<LayerGrid>().is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_uses_text_form() {
        let c: CategoryRef = serde_json::from_str("\"facility:0111\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"facility:0111\"");
        assert!(serde_json::from_str::<AreaCode>("\"12\"").is_err());
    }
}
