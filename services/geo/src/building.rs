//! Buildings 楼栋, the level below the unit grid: each stands in exactly one unit grid and is
//! numbered `00001`–`99999` within it, so its full 20-digit code is the grid code followed by the
//! serial (Beijing's scheme extended one level down, like every level above it).
//!
//! Lookup answers "which building is this point in": among the buildings of the unit grids whose
//! closed outline contains the point (more than one only on a grid border), the first — by grid
//! code, then serial — whose closed footprint contains it. Points between buildings (a street, a
//! courtyard) are in no building, which is a normal answer, not an error.

use geo::{Coord, Intersects, Polygon};

use crate::geography::Geography;
use crate::model::{Layer, UNIT_GRID_CODE_LEN, is_digits};

/// Number of digits of a building serial within its unit grid.
pub const BUILDING_CODE_LEN: usize = 5;

/// One building of a unit grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    /// Serial within the grid, `00001`–`99999`.
    pub code: String,
    /// Display name, e.g. `和平里9号楼`.
    pub name: String,
    /// 15-digit code of the unit grid the building stands in.
    pub grid: String,
    /// Footprint in lon/lat (x = longitude, y = latitude), WGS-84; inside the grid's outline.
    pub footprint: Polygon<f64>,
}

impl Building {
    /// The 20-digit code: grid code + serial.
    pub fn full_code(&self) -> String {
        format!("{}{}", self.grid, self.code)
    }
}

/// Checks a building serial; `Err` carries a human-readable reason.
pub fn check_building_code(code: &str) -> Result<(), String> {
    if !is_digits(code, BUILDING_CODE_LEN) {
        return Err(format!("a building code is the {BUILDING_CODE_LEN}-digit serial within its grid (00001-99999)"));
    }
    if code.bytes().all(|b| b == b'0') {
        return Err("the building serial must not be 00000".to_owned());
    }
    Ok(())
}

impl Geography {
    /// The building containing the point (latitude, longitude in WGS-84 degrees); `None` between
    /// buildings, outside every unit grid or for a NaN/infinite coordinate (see the module docs
    /// for the rule on shared borders).
    pub fn building_at(&self, lat: f64, lon: f64) -> Option<&Building> {
        if !(lat.is_finite() && lon.is_finite()) {
            return None;
        }
        let point = Coord { x: lon, y: lat };
        self.containing(&Layer::Unit, lat, lon)
            .into_iter()
            .flat_map(|grid| self.buildings_in(&grid.code))
            .find(|b| b.footprint.intersects(&point))
    }

    /// The buildings of a unit grid, in serial order (empty for an unknown grid).
    pub fn buildings_in(&self, grid: &str) -> &[Building] {
        self.buildings.get(grid).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A building by its 20-digit code.
    pub fn building(&self, full_code: &str) -> Option<&Building> {
        let (grid, serial) = full_code.split_at_checked(UNIT_GRID_CODE_LEN)?;
        self.buildings_in(grid).iter().find(|b| b.code == serial)
    }

    /// Every building, by grid then serial.
    pub fn buildings(&self) -> impl Iterator<Item = &Building> {
        self.buildings.values().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_code_rules() {
        assert!(check_building_code("00001").is_ok());
        assert!(check_building_code("99999").is_ok());
        assert!(check_building_code("00000").is_err());
        assert!(check_building_code("0001").is_err());
        assert!(check_building_code("0000a").is_err());
        assert!(check_building_code("110101001001001").is_err());
    }
}
