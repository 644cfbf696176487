//! Supervisor SLA metrics (DOMAIN.md §6) from the recorded stage clocks: the report behind
//! `GET /api/v1/metrics/sla` and the worker that keeps the `gridflow_sla_*` gauges fresh.
//!
//! # Bounds
//!
//! Clocks are read from the cases created in `[from − 90 days, to)` (a clock starts after its case
//! is created, and a deadline more than 90 days after the report is not expected), scanning at
//! most [`SCAN_LIMIT`] cases, oldest first. When the scan hits the limit the report says
//! `truncated: true` and the newest cases of the window are missing.

use crate::CaseService;
use chrono::{DateTime, Duration, Utc};
use gridflow_domain::ports::{ClockQuery, ClockRow, Store, StoreError};
use gridflow_sla::{ClockRecord, summarise};
pub use gridflow_sla::{Dimension, Period, Stage, Summary};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::warn;

/// How far before the period a case may have been created and still have its deadline in it.
pub const LOOKBACK: Duration = Duration::days(90);
/// At most this many cases are scanned for one report.
pub const SCAN_LIMIT: u64 = 50_000;
/// Key of records whose case has no unit (or grid) at the moment.
pub const NONE_KEY: &str = "none";

/// What to report on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaQuery {
    pub by: Dimension,
    pub stage: Stage,
    pub period: Period,
}

/// Figures per group over the period, as served by the API.
#[derive(Clone, Debug, Serialize)]
pub struct SlaReport {
    pub by: Dimension,
    pub stage: Stage,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The scan stopped at [`SCAN_LIMIT`] cases: the newest cases of the window are missing.
    pub truncated: bool,
    pub rows: Vec<Summary>,
}

/// The stage name as the case clocks record it (`handle`, `sign`, ...).
pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Intake => "intake",
        Stage::Dispatch => "dispatch",
        Stage::Sign => "sign",
        Stage::Handle => "handle",
        Stage::Verify => "verify",
    }
}

fn record(row: ClockRow, stage: Stage) -> ClockRecord {
    let grid = row.grid.unwrap_or_default();
    let street = if grid.len() >= 9 { grid.get(..9).unwrap_or(NONE_KEY).to_string() } else { NONE_KEY.to_string() };
    ClockRecord {
        case_id: row.case_id.to_string(),
        stage,
        unit: row.department.unwrap_or_else(|| NONE_KEY.to_string()),
        street,
        grid: if grid.is_empty() { NONE_KEY.to_string() } else { grid },
        category: row.category,
        started_at: row.clock.started_at,
        due_at: row.clock.due_at,
        stopped_at: row.clock.stopped_at,
        late_seconds: row.clock.result.filter(|r| !r.on_time).map(|r| r.late_seconds),
        extensions: row.extension_count,
        reworks: row.rework_count,
        suspended: row.suspended,
    }
}

/// The recorded runs of `stage` clocks whose case was created in the window `period` needs, kept
/// if `keep` accepts them (the caller's scope); `true` when the scan hit [`SCAN_LIMIT`].
async fn records(
    store: &dyn Store,
    stage: Stage,
    period: Period,
    keep: impl Fn(&ClockRow) -> bool,
) -> Result<(Vec<ClockRecord>, bool), StoreError> {
    let q = ClockQuery {
        stage: stage_name(stage).to_string(),
        created_from: period.from - LOOKBACK,
        created_to: period.to,
        limit: SCAN_LIMIT,
    };
    let rows = store.clock_rows(&q).await?;
    // The store counts scanned cases, not returned clocks; a full answer is the only sure sign.
    let truncated = rows.len() as u64 >= SCAN_LIMIT;
    Ok((rows.into_iter().filter(|r| keep(r)).map(|r| record(r, stage)).collect(), truncated))
}

/// Summaries of the recorded clocks in `query`, keeping only the rows `keep` accepts (the caller's
/// scope), as of `now`.
pub async fn report(
    store: &dyn Store,
    query: SlaQuery,
    keep: impl Fn(&ClockRow) -> bool,
    now: DateTime<Utc>,
) -> Result<SlaReport, StoreError> {
    let Period { from, to } = query.period;
    let (records, truncated) = records(store, query.stage, query.period, keep).await?;
    let rows = summarise(&records, query.by, query.period, now);
    Ok(SlaReport { by: query.by, stage: query.stage, from, to, truncated, rows })
}

/// The dimensions the `gridflow_sla_rate` series are broken down by (grids and days are left to
/// the API: hundreds of series each).
const GAUGE_DIMENSIONS: [(Dimension, &str); 3] =
    [(Dimension::Unit, "unit"), (Dimension::Street, "street"), (Dimension::Category, "category")];

/// Refreshes the `gridflow_sla_*` gauges over the last 30 days of handle clocks: per unit the
/// on-time rate, overdue count and breach minutes; per unit, street and category every rate.
pub async fn refresh(service: &CaseService) -> Result<(), StoreError> {
    let now = Utc::now();
    let period = Period { from: now - Duration::days(30), to: now };
    let (records, _) = records(service.store.as_ref(), Stage::Handle, period, |_| true).await?;
    let m = &service.metrics;
    // Reset before refilling, so a unit with nothing due any more disappears.
    m.sla_on_time_rate.reset();
    m.sla_overdue_open.reset();
    m.sla_breach_minutes.reset();
    m.sla_rate.reset();
    for row in &summarise(&records, Dimension::Unit, period, now) {
        let unit = [row.key.as_str()];
        if let Some(rate) = row.on_time_rate {
            m.sla_on_time_rate.with_label_values(&unit).set(rate);
        }
        m.sla_overdue_open.with_label_values(&unit).set(row.overdue_open as f64);
        m.sla_breach_minutes.with_label_values(&unit).set(row.breach_minutes as f64);
    }
    for (dimension, name) in GAUGE_DIMENSIONS {
        for row in &summarise(&records, dimension, period, now) {
            let rates = [
                ("on_time", row.on_time_rate),
                ("closure", row.closure_rate),
                ("extension", row.extension_rate),
                ("rework", row.rework_rate),
            ];
            for (rate, value) in rates {
                if let Some(value) = value {
                    m.sla_rate.with_label_values(&[name, row.key.as_str(), rate]).set(value);
                }
            }
        }
    }
    Ok(())
}

/// The gauge worker: refreshes every `every` until `shutdown`.
pub async fn run(service: CaseService, every: std::time::Duration, shutdown: CancellationToken) {
    loop {
        if let Err(e) = refresh(&service).await {
            warn!(error = %e, "SLA metrics refresh failed; will retry");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
