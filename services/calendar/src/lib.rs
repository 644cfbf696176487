//! Business calendars and working-time arithmetic for SLA clocks.
//!
//! This crate owns: the calendar *data model* (a code, an IANA zone, versions each with a weekly
//! template of working intervals and dated `off` / `work` (调休) / `short` overrides carrying their
//! source notice), its *validation*, the built-in `cn-default` calendar ([`builtin`]), and the
//! *arithmetic* SLA clocks need ([`Calendar::add`], [`Calendar::add_with_pauses`],
//! [`Calendar::business_between`], [`Calendar::is_working_instant`],
//! [`Calendar::next_working_instant`]). It is pure: no I/O, no clock, no async. Which calendar a
//! unit uses, and storing clocks, belong to other crates.
//!
//! # Rules
//!
//! **Intervals are half-open `[start, end)` in local wall-clock time.** 12:00 is not working time in
//! 08:30–12:00. A limit is due at the *earliest* instant its budget is used up, so a limit that
//! runs out exactly at 12:00 is due at 12:00, not at 14:00; a case dispatched at 12:00 starts
//! counting at 14:00. `24:00` may end an interval (the next midnight). Exact to the nanosecond:
//! nothing is rounded to hours or minutes.
//!
//! **Versions.** The version in force on a local date is the latest with `effective_from <= date`;
//! [`Calendar::version_for`] / [`Calendar::version_at`] return it, and its `effective_from` is what a
//! clock records. Arithmetic that crosses a version's start uses each day's own version. Instants
//! before the first version are an error ([`CalendarError::NoVersionInForce`]), never guessed.
//! Versions are append-only by convention: add a new version rather than edit one in use.
//!
//! **Time zones and DST.** Each day's intervals are turned into instants in the calendar's zone, so
//! a day whose working hours span a DST change has exactly the real elapsed time (e.g. 01:00–05:00
//! in Berlin lasts 3 h on 2026-03-29 and 5 h on 2026-10-25). A local time that occurs twice (clocks
//! turned back) means its *earlier* occurrence; a local time that does not exist (clocks turned
//! forward) means the instant the gap ends (Berlin 02:30 on 2026-03-29 → 03:00 CEST). Both keep the
//! mapping monotone, so intervals never invert; an interval wholly inside a gap counts zero.
//!
//! **Units** ([`Unit`]). `Minutes`: natural time, calendar ignored. `WorkingMinutes` /
//! `WorkingHours`: business time, see above. `WorkingDays`: if `start` is not a working instant, the
//! anchor is the next working instant, else `start`. A *working day* is a date with at least one
//! working interval. The due date is the N-th working day after the anchor's date, at the anchor's
//! local time of day — clamped into that day's intervals when it falls outside them: before the
//! first interval → that interval's start; in a break → the end of the interval before the break;
//! after the last interval → the end of the last interval (e.g. a short day ending 12:00). The time
//! is then mapped to an instant by the DST rule above. An amount of 0 is due at `start` in every unit.
//!
//! **Pauses** (suspensions) are half-open instant ranges; they may overlap each other, holidays, and
//! the ends of the range. [`Calendar::business_between`] subtracts them. [`Calendar::add_with_pauses`]
//! moves the unpaused due instant later by exactly the counted time (business time; natural time for
//! `Minutes`) the pauses removed before it, counting outside pauses from there; without effective
//! pauses it equals [`Calendar::add`].
//!
//! # Data
//!
//! ```json
//! { "code": "cn-default", "time_zone": "Asia/Shanghai",
//!   "versions": [ { "effective_from": "2026-01-01",
//!     "weekly": { "mon": [["08:30", "12:00"], ["14:00", "17:30"]] },
//!     "overrides": [
//!       { "date": "2026-02-15", "through": "2026-02-23", "kind": "off", "name": "春节", "source": "…" },
//!       { "date": "2026-02-14", "kind": "work", "source": "…" },
//!       { "date": "2026-12-31", "kind": "short", "intervals": [["08:30", "12:00"]], "source": "…" } ] } ] }
//! ```
//!
//! A `work` day without `intervals` takes `as_weekday`'s template hours if given, else the normal
//! weekday hours (which must then be the same on every working weekday, or validation asks for them).

mod arithmetic;
mod builtin;
mod calendar;
mod error;
mod model;
mod segments;
mod validate;
mod zone;

pub use arithmetic::{Pause, Unit, natural_between};
pub use builtin::{CN_DEFAULT, CN_DEFAULT_JSON, CN_EXTENDED, CN_EXTENDED_JSON, builtin, try_builtin};
pub use calendar::{Calendar, CalendarSet, DayOverride, Version};
pub use error::{CalendarError, Location, ValidationError};
pub use model::{
    CalendarSpec, Interval, OverrideKind, OverrideSpec, ParseTimeOfDayError, TimeOfDay, VersionSpec, WeekTemplate,
};
