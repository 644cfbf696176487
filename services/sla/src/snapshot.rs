//! A point-in-time view of a clock: elapsed, paused and remaining time, fraction used, light.

use chrono::{DateTime, TimeDelta, Utc};
use gridflow_calendar::Calendar;
use serde::{Deserialize, Serialize};

use crate::clock::{ClockError, ClockState, StageClock};
use crate::counting::{counted, nanos};
use crate::thresholds::{Light, Thresholds};

/// What a clock looks like at an instant. Durations are whole seconds (truncated toward zero);
/// the comparisons behind `light` use the exact nanosecond values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The instant measured: `now`, or `stopped_at` for a stopped clock.
    pub at: DateTime<Utc>,
    pub state: ClockState,
    /// The due instant, projected for a paused clock as if it resumed at `at`.
    pub due_at: DateTime<Utc>,
    /// Working time since start, minus pauses (reported for every unit).
    pub business_elapsed_seconds: i64,
    /// Wall-clock time since start, pauses included.
    pub wall_elapsed_seconds: i64,
    /// Natural time spent paused.
    pub paused_seconds: i64,
    /// Counted time used: business for working units, natural for minutes; excludes pauses.
    pub counted_elapsed_seconds: i64,
    /// Counted time from start to the (extended) due, excluding pauses.
    pub budget_seconds: i64,
    /// Counted time left before due; negative when overdue (then it is the counted lateness).
    pub remaining_seconds: i64,
    /// `counted_elapsed / budget`; exactly 1.0 at the due instant.
    pub fraction: f64,
    pub light: Light,
    /// Whether `at` is at or past the due instant.
    pub overdue: bool,
    /// For a stopped clock: stopped at or before the due instant (a stop exactly at the due is on time).
    pub on_time: Option<bool>,
}

impl StageClock {
    /// The clock as of `now` (a stopped clock is measured at its stop).
    ///
    /// The light is red from the due instant on; before it, yellow once counted time reaches the
    /// warning threshold. This equals [`crate::light`] of `fraction` except in one place: a
    /// working-days limit due after a break (e.g. at 14:00) has used its whole budget at 12:00,
    /// and stays yellow, not red, until the deadline itself.
    pub fn snapshot(
        &self,
        cal: &Calendar,
        now: DateTime<Utc>,
        thresholds: &Thresholds,
    ) -> Result<Snapshot, ClockError> {
        let any = [ClockState::Running, ClockState::Paused, ClockState::Stopped];
        self.check("measure", cal, now, &any)?;
        let at = self.stopped_at.unwrap_or(now);
        let pauses = self.pause_ranges(at);
        let due_at = self.due_if_resumed(cal, at)?;
        let unit = self.limit.unit;
        let used = counted(cal, unit, self.started_at, at, &pauses)?;
        let budget = counted(cal, unit, self.started_at, due_at, &pauses)?;
        let paused = pauses.iter().fold(TimeDelta::zero(), |sum, (start, end)| sum + (*end - *start));
        let overdue = at >= due_at;
        let warned = thresholds.warning().is_some_and(|w| nanos(used) * 100 >= nanos(budget) * i128::from(w));
        let light = if overdue {
            Light::Red
        } else if warned {
            Light::Yellow
        } else {
            Light::Green
        };
        Ok(Snapshot {
            at,
            state: self.state,
            due_at,
            business_elapsed_seconds: cal.business_between(self.started_at, at, &pauses)?.num_seconds(),
            wall_elapsed_seconds: (at - self.started_at).num_seconds(),
            paused_seconds: paused.num_seconds(),
            counted_elapsed_seconds: used.num_seconds(),
            budget_seconds: budget.num_seconds(),
            remaining_seconds: (budget - used).num_seconds(),
            fraction: fraction(used, budget),
            light,
            overdue,
            on_time: self.stopped_at.map(|stopped| stopped <= self.due_at),
        })
    }
}

/// `used / budget`; a zero budget (not reachable through the clock API) counts as fully used.
fn fraction(used: TimeDelta, budget: TimeDelta) -> f64 {
    let budget = nanos(budget);
    if budget <= 0 {
        return 1.0;
    }
    // Equal durations give exactly 1.0; otherwise the f64 rounding is far below a second.
    nanos(used) as f64 / budget as f64
}
