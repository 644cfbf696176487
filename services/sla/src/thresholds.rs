//! Warning thresholds, traffic lights, and the instants each threshold is reached — the instants the
//! service arms as durable timers (tagged with the clock's `generation`, so that timers armed before
//! a pause, resume, extension or reset are recognised as stale).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use gridflow_calendar::Calendar;
use serde::{Deserialize, Serialize};

use crate::clock::{ClockError, ClockState, StageClock};
use crate::counting::{counted, earliest_reaching, percent_of};

/// The percentage that means "due": reaching it is a breach and turns the light red.
pub const BREACH: u16 = 100;

/// Percentages of the limit at which something happens, e.g. `[50, 80, 100]`. Validated on
/// construction and deserialisation: strictly ascending, each in `1..=1000`, containing 100.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<u16>", into = "Vec<u16>")]
pub struct Thresholds(Vec<u16>);

/// Why a threshold list was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    #[error("threshold {0}% is outside 1..=1000")]
    OutOfRange(u16),
    #[error("thresholds must be strictly ascending ({previous}% then {next}%)")]
    NotAscending { previous: u16, next: u16 },
    #[error("thresholds must contain 100% (the breach)")]
    MissingBreach,
}

impl Thresholds {
    pub fn new(percents: Vec<u16>) -> Result<Self, ThresholdError> {
        if let Some(&bad) = percents.iter().find(|p| !(1..=1000).contains(*p)) {
            return Err(ThresholdError::OutOfRange(bad));
        }
        if let Some(pair) = percents.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(ThresholdError::NotAscending { previous: pair[0], next: pair[1] });
        }
        if !percents.contains(&BREACH) {
            return Err(ThresholdError::MissingBreach);
        }
        Ok(Self(percents))
    }

    /// The percentages, ascending.
    pub fn percents(&self) -> &[u16] {
        &self.0
    }

    /// The yellow threshold: the highest percentage below 100, if any.
    pub fn warning(&self) -> Option<u16> {
        self.0.iter().copied().filter(|&p| p < BREACH).max()
    }
}

/// `[50, 80, 100]`: a reminder at half time, yellow at 80%, red at the due instant.
impl Default for Thresholds {
    fn default() -> Self {
        Self(vec![50, 80, BREACH])
    }
}

impl TryFrom<Vec<u16>> for Thresholds {
    type Error = ThresholdError;

    fn try_from(percents: Vec<u16>) -> Result<Self, Self::Error> {
        Self::new(percents)
    }
}

impl From<Thresholds> for Vec<u16> {
    fn from(thresholds: Thresholds) -> Self {
        thresholds.0
    }
}

/// Thresholds configurable per category code, with a default for categories not listed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdPolicy {
    #[serde(default)]
    pub default: Thresholds,
    #[serde(default)]
    pub by_category: BTreeMap<String, Thresholds>,
}

impl ThresholdPolicy {
    pub fn for_category(&self, category: &str) -> &Thresholds {
        self.by_category.get(category).unwrap_or(&self.default)
    }
}

/// The traffic light of a clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
}

/// The light for a fraction of the limit used: red at ≥ 1.0, yellow at ≥ the warning threshold,
/// else green. Compares `fraction >= percent / 100` in f64: both sides are correctly rounded
/// quotients, so a fraction that is exactly the threshold (e.g. 14400 s / 18000 s) compares equal.
pub fn light(fraction: f64, thresholds: &Thresholds) -> Light {
    if fraction >= 1.0 {
        Light::Red
    } else if thresholds.warning().is_some_and(|w| fraction >= f64::from(w) / 100.0) {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// The instant each threshold is reached, ascending, for a running clock; empty for a paused or
/// stopped one (nothing should be armed — resume returns new instants under a new generation).
///
/// A threshold below 100% is reached at the earliest instant its share of the budget (counted
/// time from start to the current due, excluding pauses) has elapsed, rounded up to the
/// nanosecond; past thresholds are included (the caller decides what already fired). 100% is the
/// due instant itself: for a working-days limit due at e.g. 14:00 the budget is already used up at
/// 12:00, but the deadline is 14:00. Above 100% ("overdue by half the limit") is again counted time.
pub fn threshold_instants(
    clock: &StageClock,
    cal: &Calendar,
    thresholds: &Thresholds,
) -> Result<Vec<(u16, DateTime<Utc>)>, ClockError> {
    if clock.state != ClockState::Running {
        return Ok(Vec::new());
    }
    clock.check("plan thresholds of", cal, clock.updated_at, &[ClockState::Running])?;
    let unit = clock.limit.unit;
    let pauses = clock.pause_ranges(clock.updated_at);
    let budget = counted(cal, unit, clock.started_at, clock.due_at, &pauses)?;
    let mut instants = Vec::with_capacity(thresholds.percents().len());
    for &percent in thresholds.percents() {
        let at = if percent == BREACH {
            clock.due_at
        } else {
            let reached = earliest_reaching(cal, unit, clock.started_at, &pauses, percent_of(budget, percent))?;
            // Keeps the list ascending even if counted time and the due disagree at the edges.
            if percent < BREACH { reached.min(clock.due_at) } else { reached.max(clock.due_at) }
        };
        instants.push((percent, at));
    }
    Ok(instants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert_eq!(Thresholds::new(vec![50, 80, 100]), Ok(Thresholds::default()));
        assert_eq!(Thresholds::new(vec![100]).map(|t| t.warning()), Ok(None));
        assert_eq!(Thresholds::new(vec![0, 100]), Err(ThresholdError::OutOfRange(0)));
        assert_eq!(Thresholds::new(vec![100, 1001]), Err(ThresholdError::OutOfRange(1001)));
        assert_eq!(Thresholds::new(vec![80, 50, 100]), Err(ThresholdError::NotAscending { previous: 80, next: 50 }));
        assert_eq!(Thresholds::new(vec![80, 80, 100]), Err(ThresholdError::NotAscending { previous: 80, next: 80 }));
        assert_eq!(Thresholds::new(vec![50, 80]), Err(ThresholdError::MissingBreach));
        assert_eq!(Thresholds::new(vec![50, 90, 100, 150]).map(|t| t.warning()), Ok(Some(90)));
    }

    #[test]
    fn lights_at_the_boundaries() {
        let t = Thresholds::default();
        assert_eq!(light(0.0, &t), Light::Green);
        assert_eq!(light(0.5, &t), Light::Green);
        assert_eq!(light(14_399.0 / 18_000.0, &t), Light::Green);
        assert_eq!(light(14_400.0 / 18_000.0, &t), Light::Yellow);
        assert_eq!(light(17_999.0 / 18_000.0, &t), Light::Yellow);
        assert_eq!(light(1.0, &t), Light::Red);
        assert_eq!(light(2.5, &t), Light::Red);
        let only_breach = Thresholds::new(vec![100]).unwrap_or_default();
        assert_eq!(light(0.99, &only_breach), Light::Green);
    }

    #[test]
    fn per_category_policy() {
        let strict = Thresholds::new(vec![30, 60, 100]).unwrap_or_default();
        let policy = ThresholdPolicy {
            by_category: BTreeMap::from([("0102".to_owned(), strict.clone())]),
            ..Default::default()
        };
        assert_eq!(policy.for_category("0102"), &strict);
        assert_eq!(policy.for_category("0104"), &Thresholds::default());
    }
}
