//! Intake helpers: likely duplicates of a new report (open cases of the same category nearby).

use crate::service::CaseService;
use chrono::{DateTime, Duration, Utc};
use gridflow_domain::CaseState;
use gridflow_domain::ports::{NearbyQuery, StoreError};
use serde::Serialize;
use uuid::Uuid;

/// An open case of the same category near a new report: probably the same problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LikelyDuplicate {
    pub id: Uuid,
    pub state: CaseState,
    pub distance_m: f64,
    pub created_at: DateTime<Utc>,
    pub repeat_count: u32,
}

/// When intake offers an open case as a likely duplicate of a new report.
#[derive(Debug, Clone, Copy)]
pub struct IntakePolicy {
    pub duplicate_radius_m: f64,
    pub duplicate_window: Duration,
}

impl Default for IntakePolicy {
    fn default() -> Self {
        IntakePolicy { duplicate_radius_m: 50.0, duplicate_window: Duration::hours(72) }
    }
}

/// Great-circle distance in metres (haversine; plenty at the scale of a street).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_000.0;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let (dla, dlo) = ((b.0 - a.0).to_radians(), (b.1 - a.1).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

impl CaseService {
    /// Open cases of the same category within the intake radius and window, nearest first.
    pub async fn likely_duplicates(
        &self,
        category: &str,
        lat: f64,
        lon: f64,
    ) -> Result<Vec<LikelyDuplicate>, StoreError> {
        let radius = self.intake.duplicate_radius_m;
        if radius <= 0.0 {
            // Detection is switched off.
            return Ok(vec![]);
        }
        let dlat = radius / 111_320.0;
        let dlon = radius / (111_320.0 * lat.to_radians().cos().abs().max(0.01));
        let query = NearbyQuery {
            category: category.into(),
            lat: (lat - dlat, lat + dlat),
            lon: (lon - dlon, lon + dlon),
            since: Utc::now() - self.intake.duplicate_window,
            limit: 50,
        };
        let mut found: Vec<LikelyDuplicate> = self
            .store
            .nearby_cases(&query)
            .await?
            .into_iter()
            .map(|c| LikelyDuplicate {
                id: c.id,
                state: c.state,
                distance_m: (distance_m((lat, lon), (c.lat, c.lon)) * 10.0).round() / 10.0,
                created_at: c.created_at,
                repeat_count: c.repeat_count,
            })
            .filter(|d| d.distance_m <= radius)
            .collect();
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        found.truncate(10);
        Ok(found)
    }
}
