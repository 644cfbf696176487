//! The durable timers that go with clock events: each clock a change touched gets its stale
//! timers cancelled and, while it runs, one timer per threshold not yet reached, armed in the same
//! commit as the events.

use crate::clocks::stage_clock;
use gridflow_calendar::CalendarSet;
use gridflow_domain::clock::REPORT_IN_PREFIX;
use gridflow_domain::ports::{TimerChanges, TimerSpec};
use gridflow_domain::{Case, ClockRun, ClockView, Event};
use gridflow_sla::Thresholds;

/// The timers to arm and cancel after `events` were applied to `case`: every clock they touched
/// gets its stale timers cancelled and, if running, one timer per threshold not yet reached
/// (thresholds already past, as for an intake clock counted from the report, fire at once).
pub fn timer_changes(case: &Case, events: &[Event], cals: &CalendarSet, thresholds: &Thresholds) -> TimerChanges {
    let mut changes = TimerChanges::default();
    let mut touched: Vec<&str> = vec![];
    for e in events {
        let stage = match e {
            Event::ClockStarted { stage, .. }
            | Event::ClockPaused { stage, .. }
            | Event::ClockResumed { stage, .. }
            | Event::ClockExtended { stage, .. }
            | Event::ClockStopped { stage, .. } => stage.as_str(),
            _ => continue,
        };
        if !touched.contains(&stage) {
            touched.push(stage);
        }
    }
    for stage in touched {
        let Some(view) = case.clocks.get(stage) else { continue };
        let generation = i32::try_from(view.generation).ok();
        match (view.state, generation) {
            (ClockRun::Running, Some(g)) => {
                changes.cancel.push((stage.into(), Some(g)));
                changes.arm.extend(arm(case, stage, view, g, cals, thresholds));
            }
            _ => changes.cancel.push((stage.into(), None)),
        }
    }
    changes
}

fn arm(
    case: &Case,
    stage: &str,
    view: &ClockView,
    generation: i32,
    cals: &CalendarSet,
    thresholds: &Thresholds,
) -> Vec<TimerSpec> {
    // Each clock's thresholds fall on the calendar it recorded (the unit's, or the centre's).
    let (Some(clock), Some(cal)) = (stage_clock(stage, view), cals.get(&view.calendar)) else { return vec![] };
    // A report-in deadline has no warnings: it is met or missed.
    let breach_only = Thresholds::new(vec![100]).unwrap_or_default();
    let thresholds = if stage.starts_with(REPORT_IN_PREFIX) { &breach_only } else { thresholds };
    let instants = gridflow_sla::threshold_instants(&clock, cal, thresholds).unwrap_or_default();
    instants
        .into_iter()
        .filter(|(percent, _)| !view.fired.contains(percent))
        .map(|(percent, due_at)| TimerSpec {
            case_id: case.id,
            clock: stage.into(),
            generation,
            kind: percent.to_string(),
            due_at,
        })
        .collect()
}
