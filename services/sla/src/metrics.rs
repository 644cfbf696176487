//! On-time metrics (DOMAIN.md §6) computed from recorded clock history, never estimated.
//!
//! # Which records count
//!
//! A record belongs to a period `[from, to)` when its deadline fell in the period and has passed:
//! `from <= due_at < to` and `due_at <= now` (a deadline still ahead is not yet "due"). Events are
//! taken as of `min(to, now)`: a stage closed after the period ended counts as open for that period,
//! so a past period's figures do not change when they are recomputed later.
//!
//! # Formulas (per group)
//!
//! - `due` = records in the period; `deferred` = those suspended 挂账/缓办, which leave every denominator.
//! - `closed` = not deferred, stopped before `to` (and not after `now`).
//! - `on_time` = closed with `stopped_at <= due_at` (stopping exactly at the due instant is on time).
//! - `overdue_open` = not deferred, not closed: their deadline has passed.
//! - on-time closure rate 按期结案率 `on_time_rate = on_time / (due − deferred)`;
//!   closure rate 结案率 `closure_rate = closed / (due − deferred)`;
//!   extension rate 延期率 = records with ≥ 1 extension / (due − deferred);
//!   rework rate 返工率 = records with ≥ 1 rework / (due − deferred). All `None` when the
//!   denominator is 0, never NaN. A record is one run of a clock: a re-dispatch, a rework or a
//!   reopening starts a new run with its own deadline, each counted against the unit that held the
//!   case when it started; a run's extensions are those approved during it, and a rework run (one
//!   started by a failed verification) has `reworks > 0`.
//! - `breach_seconds` = sum of lateness over closed-late records, as recorded on the clock when it
//!   stopped (`late_seconds`: business time for working units, natural for minutes — the units are
//!   whatever each clock counted in); when not recorded, the natural `stopped_at − due_at`. Open
//!   overdue records are not summed (their lateness is still growing); they are in `overdue_open`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Stage;

/// One stage clock as the metrics see it, typically one row per case and stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockRecord {
    pub case_id: String,
    pub stage: Stage,
    /// Code of the responsible unit (department).
    pub unit: String,
    pub street: String,
    pub grid: String,
    pub category: String,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Counted lateness recorded at stop (the snapshot's negative `remaining_seconds`), if late.
    #[serde(default)]
    pub late_seconds: Option<i64>,
    #[serde(default)]
    pub extensions: u32,
    #[serde(default)]
    pub reworks: u32,
    /// Suspended 挂账/缓办: leaves the rate denominators.
    #[serde(default)]
    pub suspended: bool,
}

impl ClockRecord {
    /// Late as of `now`: stopped after its due instant, or still open at or past it. A suspended
    /// record is never breached: its clock is paused and its recorded due is not final.
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        if self.suspended {
            return false;
        }
        match self.stopped_at {
            Some(stopped) => stopped > self.due_at,
            None => now >= self.due_at,
        }
    }

    fn key(&self, dimension: Dimension) -> String {
        let local = self.due_at.with_timezone(&CITY_OFFSET);
        match dimension {
            Dimension::Unit => self.unit.clone(),
            Dimension::Street => self.street.clone(),
            Dimension::Grid => self.grid.clone(),
            Dimension::Category => self.category.clone(),
            Dimension::Day => local.format("%Y-%m-%d").to_string(),
            Dimension::Month => local.format("%Y-%m").to_string(),
        }
    }
}

/// What to group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Unit,
    Street,
    Grid,
    Category,
    /// The city-local day the deadline fell on (`2025-03-07`): a trend over the period.
    Day,
    /// The city-local month the deadline fell in (`2025-03`).
    Month,
}

/// The city's UTC offset for the period dimensions: China keeps UTC+8 all year.
pub const CITY_OFFSET: chrono::FixedOffset = match chrono::FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// A half-open reporting period `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Figures for one group; see the module docs for the formulas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub key: String,
    pub due: u64,
    pub deferred: u64,
    pub closed: u64,
    pub on_time: u64,
    pub overdue_open: u64,
    pub extended: u64,
    pub reworked: u64,
    pub breach_seconds: i64,
    /// `breach_seconds / 60`, rounded down.
    pub breach_minutes: i64,
    pub on_time_rate: Option<f64>,
    pub closure_rate: Option<f64>,
    pub extension_rate: Option<f64>,
    pub rework_rate: Option<f64>,
}

impl Summary {
    fn empty(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            due: 0,
            deferred: 0,
            closed: 0,
            on_time: 0,
            overdue_open: 0,
            extended: 0,
            reworked: 0,
            breach_seconds: 0,
            breach_minutes: 0,
            on_time_rate: None,
            closure_rate: None,
            extension_rate: None,
            rework_rate: None,
        }
    }

    fn add(&mut self, record: &ClockRecord, period: Period, now: DateTime<Utc>) {
        self.due += 1;
        if record.suspended {
            self.deferred += 1;
            return;
        }
        self.extended += u64::from(record.extensions > 0);
        self.reworked += u64::from(record.reworks > 0);
        match record.stopped_at.filter(|stopped| *stopped < period.to && *stopped <= now) {
            Some(stopped) => {
                self.closed += 1;
                if stopped <= record.due_at {
                    self.on_time += 1;
                } else {
                    self.breach_seconds +=
                        record.late_seconds.unwrap_or_else(|| (stopped - record.due_at).num_seconds());
                }
            }
            None => self.overdue_open += 1,
        }
    }

    fn finish(mut self) -> Self {
        let counted = self.due - self.deferred;
        self.breach_minutes = self.breach_seconds.div_euclid(60);
        self.on_time_rate = rate(self.on_time, counted);
        self.closure_rate = rate(self.closed, counted);
        self.extension_rate = rate(self.extended, counted);
        self.rework_rate = rate(self.reworked, counted);
        self
    }
}

/// `numerator / denominator`, `None` for a zero denominator.
fn rate(numerator: u64, denominator: u64) -> Option<f64> {
    // Counts are far below 2^53, so the conversions are exact.
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Summaries per group key (ascending), over records whose deadline fell in `period` and has
/// passed by `now`. Mix stages only on purpose: callers normally pass one stage's records.
pub fn summarise(records: &[ClockRecord], group_by: Dimension, period: Period, now: DateTime<Utc>) -> Vec<Summary> {
    let mut groups: BTreeMap<String, Summary> = BTreeMap::new();
    let in_period = |r: &&ClockRecord| period.from <= r.due_at && r.due_at < period.to && r.due_at <= now;
    for record in records.iter().filter(in_period) {
        let key = record.key(group_by);
        groups.entry(key).or_insert_with_key(|key| Summary::empty(key)).add(record, period, now);
    }
    groups.into_values().map(Summary::finish).collect()
}
