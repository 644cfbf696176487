//! Recorded stage clocks for the SLA metrics, read from the stored case bodies.
//!
//! The clocks live in the case JSON (`cases.body`), so the window is chosen by creation time on
//! the indexed `created_at_ms` column and the stage is picked in Rust. The scan is bounded by the
//! query's `limit` (at most [`MAX_SCAN`] cases).

use crate::SeaStore;
use crate::sql::{get, json, map_err, stmt};
use gridflow_domain::ports::{ClockQuery, ClockRow, StoreError};
use gridflow_domain::{Case, CaseState, ClockResult, ClockRun, ClockView};
use sea_orm::{ConnectionTrait, Value};

/// Upper bound on the cases one clock query scans, whatever the caller asks.
pub const MAX_SCAN: u64 = 50_000;

impl SeaStore {
    pub(crate) async fn query_clock_rows(&self, q: &ClockQuery) -> Result<Vec<ClockRow>, StoreError> {
        let sql = "SELECT body FROM cases WHERE created_at_ms >= $1 AND created_at_ms < $2
                   ORDER BY created_at_ms, id LIMIT $3";
        let vals: Vec<Value> = vec![
            q.created_from.timestamp_millis().into(),
            q.created_to.timestamp_millis().into(),
            (q.limit.min(MAX_SCAN) as i64).into(),
        ];
        let rows = self.db.query_all_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
        let mut out = Vec::new();
        for r in &rows {
            let case: Case = json(&get::<String>(r, "body")?, "case")?;
            out.extend(clock_rows(case, &q.stage));
        }
        Ok(out)
    }
}

/// A report the router registers and dispatches in the commit after intake runs no intake or
/// dispatch clock (recording them cost a third of intake throughput); for the metrics it passed
/// both stages on time at its report instant, so on-time dispatch rates are not computed over the
/// held cases alone. Cases still waiting at intake, and those turned away there, have none.
fn passed_at_once(case: &Case, stage: &str) -> Option<ClockView> {
    let passed = matches!(stage, "intake" | "dispatch")
        && case.routing.is_some()
        && !matches!(
            case.state,
            CaseState::Reported | CaseState::Accepted | CaseState::Rejected | CaseState::Duplicate
        );
    let at = case.created_at;
    passed.then(|| ClockView {
        state: ClockRun::Stopped,
        limit_value: 0,
        limit_unit: "minutes".into(),
        calendar: String::new(),
        calendar_version: at.date_naive(),
        started_at: at,
        due_at: at,
        generation: 0,
        updated_at: at,
        pauses: vec![],
        fired: vec![],
        stopped_at: Some(at),
        result: Some(ClockResult {
            on_time: true,
            business_seconds: 0,
            wall_seconds: 0,
            paused_seconds: 0,
            late_seconds: 0,
        }),
        unit: None,
        reworks: 0,
        extensions: 0,
        runs: vec![],
    })
}

/// One row per run of the case's `stage` clock, earlier runs first. A run is counted against the
/// unit that held the case when it started (the case's unit for clocks recorded before runs kept
/// their unit); the current run is deferred while the case is suspended (unless it had already
/// stopped), an earlier one if a suspension held it.
fn clock_rows(mut case: Case, stage: &str) -> Vec<ClockRow> {
    let Some(mut current) = case.clocks.remove(stage).or_else(|| passed_at_once(&case, stage)) else { return vec![] };
    let runs = std::mem::take(&mut current.runs);
    let row = |clock: ClockView, suspended: bool| ClockRow {
        case_id: case.id,
        suspended,
        department: clock.unit.clone().or_else(|| case.department.clone()),
        grid: case.grid.clone(),
        category: case.category.clone(),
        extension_count: clock.extensions,
        rework_count: clock.reworks,
        clock,
    };
    let mut rows: Vec<ClockRow> = runs
        .into_iter()
        .map(|run| {
            let clock = ClockView {
                state: ClockRun::Stopped,
                started_at: run.started_at,
                due_at: run.due_at,
                stopped_at: run.stopped_at,
                result: run.result,
                unit: run.unit,
                reworks: run.reworks,
                extensions: run.extensions,
                pauses: vec![],
                fired: vec![],
                runs: vec![],
                ..current.clone()
            };
            row(clock, run.suspended)
        })
        .collect();
    // A stage finished before the suspension is judged as it finished.
    let suspended = case.state == CaseState::Suspended && current.state != ClockRun::Stopped;
    rows.push(row(current, suspended));
    rows
}
