//! The stage clock: one time limit on one stage of one case, with its pauses, extensions and resets.
//!
//! The clock stores its due instant and moves it incrementally (resume, extension, reset) rather
//! than recomputing it from scratch, because an extension fixes a *new due* that later arithmetic
//! must start from. Resuming moves the due exactly as [`Calendar::add_with_pauses`] would: by the
//! counted time (business time for working units, natural time for minutes) that the pause removed
//! before the due instant. A pause that starts at or after the due instant moves nothing — the stage
//! was already late.
//!
//! `generation` starts at 1 and bumps on every change that invalidates armed timers (pause, resume,
//! extend, reset, stop), so a timer carrying an older generation is stale and must be ignored.

use chrono::{DateTime, NaiveDate, Utc};
use gridflow_calendar::{Calendar, CalendarError, Pause, Unit};
use serde::{Deserialize, Serialize};

use crate::counting::{advance, counted};

/// The stage a clock times (accept/register, dispatch, sign, handle, verify — DOMAIN.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Accept 受理 / register 立案.
    Intake,
    Dispatch,
    Sign,
    Handle,
    Verify,
}

/// The unit of a limit. Working units count business time from the calendar; minutes run 24×7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    Minutes,
    WorkingHours,
    WorkingDays,
}

impl LimitUnit {
    /// The calendar's unit with the same meaning.
    pub fn calendar_unit(self) -> Unit {
        match self {
            Self::Minutes => Unit::Minutes,
            Self::WorkingHours => Unit::WorkingHours,
            Self::WorkingDays => Unit::WorkingDays,
        }
    }
}

/// A time limit such as "5 working hours" or "30 minutes".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limit {
    pub amount: u32,
    pub unit: LimitUnit,
}

impl Limit {
    pub fn new(amount: u32, unit: LimitUnit) -> Self {
        Self { amount, unit }
    }
}

/// Whether the clock is counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    /// Suspended 挂起/缓办: counted time does not advance and the due instant moves on resume.
    Paused,
    Stopped,
}

/// One pause; `end` is `None` while it lasts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockPause {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub reason: String,
}

/// What an approved extension grants: more time on top of the current due, or a new due instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionGrant {
    /// Added to the current due with the calendar's `add` (working days keep the time of day).
    By(Limit),
    /// A new due instant, which must be later than the current one.
    Until(DateTime<Utc>),
}

/// An extension 延期 as recorded: what was granted, by whom, and the due before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub granted_at: DateTime<Utc>,
    pub grant: ExtensionGrant,
    pub reason: String,
    /// Who approved it (a user id); the tier rules live in [`crate::approval`].
    pub approver: String,
    pub due_before: DateTime<Utc>,
    pub due_after: DateTime<Utc>,
}

/// Why a clock operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    #[error("cannot {operation} a clock that is {state:?}")]
    InvalidState { operation: &'static str, state: ClockState },
    #[error("a limit must be at least 1 (got 0): a zero limit would be overdue at dispatch")]
    ZeroLimit,
    #[error("the clock uses calendar `{expected}` but was given `{given}`")]
    CalendarMismatch { expected: String, given: String },
    #[error("instant {now} is before the clock's last change at {last}")]
    TimeWentBackwards { now: DateTime<Utc>, last: DateTime<Utc> },
    #[error("the new due {requested} is not after the current due {current}")]
    ExtensionNotLater { requested: DateTime<Utc>, current: DateTime<Utc> },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// A stage clock as stored (JSON) and sent over HTTP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageClock {
    pub stage: Stage,
    /// The original limit; extensions are recorded separately and resets restart from this.
    pub limit: Limit,
    pub calendar_code: String,
    /// `effective_from` of the calendar version in force when the clock (re)started.
    pub calendar_version: NaiveDate,
    /// Start of the current run (moved by a reset).
    pub started_at: DateTime<Utc>,
    pub state: ClockState,
    /// Pauses of the current run, in order; at most the last one is open.
    pub pauses: Vec<ClockPause>,
    /// Every extension granted on this stage, across resets.
    pub extensions: Vec<Extension>,
    /// Rework resets 返工 so far.
    pub reset_count: u32,
    pub due_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Bumps whenever armed timers become stale; see the module docs.
    pub generation: u64,
    /// The latest instant any operation was applied at; operations refuse earlier instants.
    pub updated_at: DateTime<Utc>,
}

impl StageClock {
    /// Starts a clock at `now` (dispatch, sign-for, …) with the calendar version in force then.
    pub fn start(stage: Stage, limit: Limit, cal: &Calendar, now: DateTime<Utc>) -> Result<Self, ClockError> {
        if limit.amount == 0 {
            return Err(ClockError::ZeroLimit);
        }
        Ok(Self {
            stage,
            limit,
            calendar_code: cal.code().to_owned(),
            calendar_version: cal.version_at(now)?.effective_from(),
            started_at: now,
            state: ClockState::Running,
            pauses: Vec::new(),
            extensions: Vec::new(),
            reset_count: 0,
            due_at: cal.add(now, limit.amount, limit.unit.calendar_unit())?,
            stopped_at: None,
            generation: 1,
            updated_at: now,
        })
    }

    /// Suspends counting (backlog 挂账/缓办). The due instant moves when the clock resumes.
    pub fn pause(&mut self, cal: &Calendar, now: DateTime<Utc>, reason: impl Into<String>) -> Result<(), ClockError> {
        self.check("pause", cal, now, &[ClockState::Running])?;
        self.pauses.push(ClockPause { start: now, end: None, reason: reason.into() });
        self.state = ClockState::Paused;
        self.touch(now);
        Ok(())
    }

    /// Resumes counting; the due instant moves later by the counted time the pause removed.
    pub fn resume(&mut self, cal: &Calendar, now: DateTime<Utc>) -> Result<(), ClockError> {
        self.check("resume", cal, now, &[ClockState::Paused])?;
        self.due_at = self.due_if_resumed(cal, now)?;
        if let Some(open) = self.pauses.last_mut() {
            open.end = Some(now);
        }
        self.state = ClockState::Running;
        self.touch(now);
        Ok(())
    }

    /// Stops the clock at the end of its stage. Stopping while paused closes the pause first.
    pub fn stop(&mut self, cal: &Calendar, now: DateTime<Utc>) -> Result<(), ClockError> {
        self.check("stop", cal, now, &[ClockState::Running, ClockState::Paused])?;
        if self.state == ClockState::Paused {
            self.resume(cal, now)?;
        }
        self.state = ClockState::Stopped;
        self.stopped_at = Some(now);
        self.touch(now);
        Ok(())
    }

    /// Rework 返工: restarts from `now` with the original limit (not the extended one), under the
    /// calendar version in force now, and counts the reset. Pauses of the earlier run are dropped
    /// (the service's event log keeps them); extensions stay as the stage's approval history.
    pub fn reset(&mut self, cal: &Calendar, now: DateTime<Utc>) -> Result<(), ClockError> {
        self.check("reset", cal, now, &[ClockState::Running, ClockState::Paused, ClockState::Stopped])?;
        self.calendar_version = cal.version_at(now)?.effective_from();
        self.due_at = cal.add(now, self.limit.amount, self.limit.unit.calendar_unit())?;
        self.started_at = now;
        self.pauses.clear();
        self.state = ClockState::Running;
        self.stopped_at = None;
        self.reset_count += 1;
        self.touch(now);
        Ok(())
    }

    /// Applies an approved extension: moves the due instant and records who approved it. Allowed
    /// while paused too (the resume then moves the extended due).
    pub fn extend(
        &mut self,
        cal: &Calendar,
        now: DateTime<Utc>,
        grant: ExtensionGrant,
        reason: impl Into<String>,
        approver: impl Into<String>,
    ) -> Result<(), ClockError> {
        self.check("extend", cal, now, &[ClockState::Running, ClockState::Paused])?;
        let due_after = match &grant {
            ExtensionGrant::By(limit) if limit.amount == 0 => return Err(ClockError::ZeroLimit),
            ExtensionGrant::By(limit) => cal.add(self.due_at, limit.amount, limit.unit.calendar_unit())?,
            ExtensionGrant::Until(until) if *until <= self.due_at => {
                return Err(ClockError::ExtensionNotLater { requested: *until, current: self.due_at });
            }
            ExtensionGrant::Until(until) => *until,
        };
        self.extensions.push(Extension {
            granted_at: now,
            grant,
            reason: reason.into(),
            approver: approver.into(),
            due_before: self.due_at,
            due_after,
        });
        self.due_at = due_after;
        self.touch(now);
        Ok(())
    }

    /// The pauses of the current run as instant ranges, an open one closed at `until`.
    pub fn pause_ranges(&self, until: DateTime<Utc>) -> Vec<Pause> {
        self.pauses.iter().map(|p| (p.start, p.end.unwrap_or(until).max(p.start))).collect()
    }

    /// The due instant the clock would have if an open pause ended at `at` (the stored due if none).
    pub fn due_if_resumed(&self, cal: &Calendar, at: DateTime<Utc>) -> Result<DateTime<Utc>, ClockError> {
        let Some(pause) = self.pauses.last().filter(|p| p.end.is_none()) else {
            return Ok(self.due_at);
        };
        if pause.start >= self.due_at {
            return Ok(self.due_at);
        }
        let removed = counted(cal, self.limit.unit, pause.start, at.min(self.due_at), &[])?;
        if removed.is_zero() {
            // A pause over non-working time only (evening, holiday) moves nothing, even if it
            // outlasts the due — as in `Calendar::add_with_pauses`.
            return Ok(self.due_at);
        }
        // Counting resumes at the later of the old due and the resume instant.
        Ok(advance(cal, self.limit.unit, self.due_at.max(at), removed)?)
    }

    /// Refuses a wrong calendar, a wrong state, or an instant earlier than the last change.
    pub(crate) fn check(
        &self,
        operation: &'static str,
        cal: &Calendar,
        now: DateTime<Utc>,
        allowed: &[ClockState],
    ) -> Result<(), ClockError> {
        if cal.code() != self.calendar_code {
            return Err(ClockError::CalendarMismatch {
                expected: self.calendar_code.clone(),
                given: cal.code().to_owned(),
            });
        }
        if now < self.updated_at {
            return Err(ClockError::TimeWentBackwards { now, last: self.updated_at });
        }
        if !allowed.contains(&self.state) {
            return Err(ClockError::InvalidState { operation, state: self.state });
        }
        Ok(())
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.generation += 1;
    }
}
