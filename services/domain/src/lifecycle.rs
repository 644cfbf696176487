//! The one transition function: (case, command, actor) → events or a typed refusal.

use crate::case::{Case, NewReport, PendingExtension};
use crate::command::Command;
use crate::error::DomainError;
use crate::event::Event;
pub use crate::permissions::{roles_for, states_for};
use crate::role::{Actor, Role};
use crate::state::CaseState::*;
use chrono::{DateTime, Duration, Utc};

/// Facts the decision needs that are not in the case: the clock and the handling time limit.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub now: DateTime<Utc>,
    /// Handling limit for the case's category and urgency, used to set the due instant at dispatch.
    pub handle_limit: Duration,
}

const MAX_TEXT: usize = 2000;
const MAX_EXTENSION_MINUTES: i64 = 60 * 24 * 90;
/// Most departments one whistle may name.
const MAX_WHISTLED: usize = 20;
/// The longest report-in deadline: a week.
const MAX_REPORT_IN_MINUTES: u32 = 7 * 24 * 60;

fn text(field: &str, value: &str, required: bool) -> Result<String, DomainError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(DomainError::Invalid(format!("`{field}` must not be empty")));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(DomainError::Invalid(format!("`{field}` is longer than {MAX_TEXT} characters")));
    }
    Ok(value.to_string())
}

fn code(field: &str, value: &str) -> Result<String, DomainError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(value.to_string())
    } else {
        Err(DomainError::Invalid(format!("`{field}` must be a code of 1-64 letters, digits, - or _")))
    }
}

/// A category reference such as `event:0102` (kind, colon, sub-class code).
fn category(value: &str) -> Result<String, DomainError> {
    match value.split_once(':') {
        Some((kind, sub)) if !kind.is_empty() && !sub.contains(':') && code("category", sub).is_ok() => {
            code("category", kind).map(|_| value.to_string())
        }
        _ => Err(DomainError::Invalid("`category` must look like `event:0102` (kind:code)".into())),
    }
}

/// Checks a new report and produces its `Reported` event.
pub fn report(new: &NewReport, actor: &Actor) -> Result<Event, DomainError> {
    let may = [Role::GridWorker, Role::IntakeOperator, Role::Dispatcher];
    if !may.iter().any(|r| actor.roles.contains(r)) {
        return Err(DomainError::Forbidden { action: "report" });
    }
    if !may.iter().any(|r| actor.role_applies(*r, new.grid.as_deref(), None)) {
        return Err(DomainError::OutOfScope);
    }
    let lat_ok = new.lat.is_finite() && (-90.0..=90.0).contains(&new.lat);
    let lon_ok = new.lon.is_finite() && (-180.0..=180.0).contains(&new.lon);
    if !lat_ok || !lon_ok {
        return Err(DomainError::Invalid("`lat`/`lon` must be a valid WGS-84 position".into()));
    }
    let client_ref = match &new.client_ref {
        Some(r) => Some(text("client_ref", r, true)?),
        None => None,
    };
    Ok(Event::Reported {
        category: category(&new.category)?,
        lat: new.lat,
        lon: new.lon,
        description: text("description", &new.description, true)?,
        urgency: new.urgency,
        client_ref,
        grid: new.grid.clone(),
        reporter: actor.id.clone(),
        facility_id: new.facility_id.as_deref().map(|f| code("facility_id", f)).transpose()?,
        likely_duplicates: new.likely_duplicates.clone(),
    })
}

/// Decides whether `actor` may apply `cmd` to `case` now, and what happens if so.
pub fn decide(case: &Case, cmd: &Command, actor: &Actor, ctx: Ctx) -> Result<Vec<Event>, DomainError> {
    let action = cmd.name();
    let roles = roles_for(cmd);
    if !roles.iter().any(|r| actor.roles.contains(r)) {
        return Err(DomainError::Forbidden { action });
    }
    let pending = case.pending_extension.is_some();
    let pending_ok = match cmd {
        Command::RequestExtension { .. } => !pending,
        Command::ApproveExtension { .. } | Command::DenyExtension { .. } => pending,
        _ => true,
    };
    if !states_for(cmd).contains(&case.state) || !pending_ok {
        return Err(DomainError::InvalidTransition { state: case.state, action });
    }
    // Two-level returns: the shift lead signs first, then the section head.
    if let (Command::ApproveReturn { .. }, Some((next, _))) = (cmd, next_return_tier(case))
        && !actor.roles.contains(&next)
    {
        return Err(DomainError::Forbidden { action });
    }
    // Tiered extensions: only the tier whose turn it is may approve (denying stays open to all).
    if let (Command::ApproveExtension { .. }, Some(next)) =
        (cmd, case.pending_extension.as_ref().and_then(PendingExtension::next_approver))
        && !actor.roles.contains(&next)
    {
        return Err(DomainError::Forbidden { action });
    }
    let grid = case.grid.as_deref();
    if let Command::ReportIn { note } = cmd {
        // Reported in by a member of a whistled department, not of the unit handling the case.
        let member = |d: &str| roles.iter().any(|r| actor.role_applies(*r, grid, Some(d)));
        let Some(department) = case.pending_report_ins().find(|d| member(d)) else {
            let reported = case.report_ins.iter().find(|(d, _)| member(d));
            return Err(match (reported, case.pending_report_ins().next()) {
                (Some((d, _)), _) => DomainError::Invalid(format!("{d} has already reported in on this case")),
                (None, None) => DomainError::Invalid("no department is whistled to report in on this case".into()),
                (None, Some(_)) => DomainError::OutOfScope,
            });
        };
        return Ok(vec![Event::ReportedIn { department: department.into(), note: text("note", note, false)? }]);
    }
    let dept = case.department.as_deref();
    if !roles.iter().any(|r| actor.role_applies(*r, grid, dept)) {
        return Err(DomainError::OutOfScope);
    }
    events_for(case, cmd, ctx)
}

fn events_for(case: &Case, cmd: &Command, ctx: Ctx) -> Result<Vec<Event>, DomainError> {
    let due = ctx.now + ctx.handle_limit;
    let events = match cmd {
        Command::Accept => vec![Event::Accepted],
        Command::Reject { reason, note } => {
            vec![Event::Rejected { reason: *reason, note: text("note", note, false)? }]
        }
        Command::MarkDuplicate { master_id } => {
            if *master_id == case.id {
                return Err(DomainError::Invalid("a case cannot duplicate itself".into()));
            }
            vec![Event::MarkedDuplicate { master_id: *master_id }]
        }
        Command::Register => vec![Event::Registered],
        Command::Dispatch { department } => {
            vec![Event::Dispatched { department: code("department", department)?, due_at: due }]
        }
        Command::Redispatch { department, reason } => {
            let to = code("department", department)?;
            let from = case.department.clone().unwrap_or_default();
            if to == from {
                return Err(DomainError::Invalid("the case is already with that department".into()));
            }
            vec![Event::Redispatched { from, to, reason: text("reason", reason, false)?, due_at: due }]
        }
        Command::Sign => vec![Event::Signed],
        Command::Start => vec![Event::Started],
        Command::Feedback { note } => vec![Event::FeedbackGiven { note: text("note", note, true)? }],
        Command::ReportMilestone { milestone, note } => {
            let milestone = text("milestone", milestone, true)?;
            if !crate::clock::milestone_running(&case.clocks, &milestone) {
                let open = crate::clock::running_milestones(&case.clocks).join(", ");
                return Err(DomainError::Invalid(format!(
                    "no milestone `{milestone}` is running for this case (running: {})",
                    if open.is_empty() { "none" } else { open.as_str() }
                )));
            }
            vec![Event::MilestoneReported { milestone, note: text("note", note, false)? }]
        }
        Command::Whistle { departments, report_in_minutes, reason } => {
            if departments.is_empty() || departments.len() > MAX_WHISTLED {
                return Err(DomainError::Invalid(format!("`departments` names 1 to {MAX_WHISTLED} departments")));
            }
            if !(1..=MAX_REPORT_IN_MINUTES).contains(report_in_minutes) {
                return Err(DomainError::Invalid(format!(
                    "`report_in_minutes` must be between 1 and {MAX_REPORT_IN_MINUTES}"
                )));
            }
            let mut named = vec![];
            for d in departments {
                let d = code("departments", d)?;
                if !named.contains(&d) {
                    named.push(d);
                }
            }
            vec![Event::Whistled {
                departments: named,
                report_in_minutes: *report_in_minutes,
                reason: text("reason", reason, false)?,
            }]
        }
        // Decided in `decide`, which knows the actor's department.
        Command::ReportIn { .. } => return Err(DomainError::OutOfScope),
        Command::RequestVerification => vec![Event::VerificationRequested],
        Command::Verify { passed: true, note } => {
            let note = text("note", note, false)?;
            vec![Event::Verified { note }, Event::Closed { note: "verified on site".into() }]
        }
        Command::Verify { passed: false, note } => {
            vec![Event::VerificationFailed { note: text("note", note, true)?, rework_count: case.rework_count + 1 }]
        }
        Command::Close { note } => vec![Event::Closed { note: text("note", note, true)? }],
        Command::RequestReturn { reason, kind } => {
            vec![Event::ReturnRequested { reason: text("reason", reason, true)?, kind: *kind }]
        }
        Command::ApproveReturn { note } if next_return_tier(case).is_some_and(|(_, last)| !last) => {
            let role = next_return_tier(case).map_or(Role::ShiftLead, |(r, _)| r);
            vec![Event::ReturnEndorsed { role, note: text("note", note, false)? }]
        }
        Command::ApproveReturn { note } => vec![Event::ReturnApproved {
            returned_by: case.department.clone().unwrap_or_default(),
            note: text("note", note, false)?,
        }],
        Command::DenyReturn { note } => vec![Event::ReturnDenied { note: text("note", note, false)? }],
        Command::RequestExtension { minutes, reason, approvers } => {
            if !(1..=MAX_EXTENSION_MINUTES).contains(minutes) {
                return Err(DomainError::Invalid(format!("`minutes` must be between 1 and {MAX_EXTENSION_MINUTES}")));
            }
            let approvers = approvers.clone().unwrap_or_default();
            vec![Event::ExtensionRequested { minutes: *minutes, reason: text("reason", reason, true)?, approvers }]
        }
        Command::ApproveExtension { note }
            if case.pending_extension.as_ref().is_some_and(|p| p.endorsed.len() + 1 < p.approvers.len()) =>
        {
            // A lower tier signs; the extension waits for the next one.
            let role =
                case.pending_extension.as_ref().and_then(PendingExtension::next_approver).unwrap_or(Role::ShiftLead);
            vec![Event::ExtensionEndorsed { role, note: text("note", note, false)? }]
        }
        Command::ApproveExtension { note } => {
            let minutes = case.pending_extension.as_ref().map_or(0, |p| p.minutes);
            let base = case.due_at.unwrap_or(ctx.now).max(ctx.now);
            let due_at = base + Duration::minutes(minutes);
            vec![Event::ExtensionApproved { due_at, note: text("note", note, false)? }]
        }
        Command::DenyExtension { note } => {
            vec![Event::ExtensionDenied { note: text("note", note, false)? }]
        }
        Command::Suspend { reason } => vec![Event::Suspended { reason: text("reason", reason, true)? }],
        Command::Resume => {
            // The clock was paused: the deadline moves by the time spent suspended.
            // Clamped at zero: replicas' clocks may differ slightly, and a resume must never
            // make the deadline earlier.
            let paused = case.suspended_at.map_or(Duration::zero(), |s| (ctx.now - s).max(Duration::zero()));
            vec![Event::Resumed { due_at: case.due_at.map(|d| d + paused) }]
        }
        Command::SelfResolve { note } => vec![Event::SelfResolved { note: text("note", note, true)? }],
        Command::Reopen { reason } => vec![Event::Reopened { reason: text("reason", reason, true)? }],
        Command::Escalate { reason, to } => vec![Event::Escalated {
            level: case.escalation_level + 1,
            to: text("to", to, false)?,
            reason: text("reason", reason, true)?,
        }],
        Command::Urge { note } => {
            vec![Event::Urged { count: case.urge_count + 1, note: text("note", note, false)? }]
        }
        Command::Notify { to, reason } => {
            vec![Event::Notified { to: text("to", to, true)?, reason: text("reason", reason, true)? }]
        }
        Command::Route { note } => vec![Event::Routed { note: note.clone() }],
        Command::Reroute { reason, decision } => reroute(case, text("reason", reason, false)?, decision.as_ref(), due)?,
        Command::Assign { handler, policy, reason } => {
            let handler = handler.as_deref().map(|h| text("handler", h, true)).transpose()?;
            vec![Event::Assigned {
                handler,
                policy: text("policy", policy, false)?,
                reason: text("reason", reason, false)?,
            }]
        }
        Command::LinkDuplicate { case_id } => {
            if case.duplicates.contains(case_id) {
                vec![]
            } else {
                vec![Event::DuplicateLinked { case_id: *case_id, repeat_count: case.repeat_count + 1 }]
            }
        }
        Command::FireThreshold { stage, percent, generation, due } => match case.clocks.get(stage) {
            Some(clock) if crate::clock::threshold_pending(&case.clocks, stage, *percent, *generation) => {
                let lateness_ms = due.map_or(0, |d| (ctx.now - d).num_milliseconds().max(0));
                vec![Event::ThresholdReached {
                    stage: stage.clone(),
                    percent: *percent,
                    generation: *generation,
                    due_at: clock.due_at,
                    lateness_ms,
                }]
            }
            _ => vec![],
        },
    };
    Ok(events)
}

/// The tier whose approval a pending return needs next, and whether it is the last one. Returns
/// requested before tiers existed have no record and take one approval, as they always did.
fn next_return_tier(case: &Case) -> Option<(Role, bool)> {
    let (kind, signed) = case.pending_return.as_ref()?;
    let tiers = kind.approvers();
    tiers.get(signed.len()).map(|r| (*r, signed.len() + 1 == tiers.len()))
}

/// Re-running the rules: always recorded; moves the case only when the winner is another unit.
fn reroute(
    case: &Case,
    reason: String,
    decision: Option<&crate::event::RoutingNote>,
    due: DateTime<Utc>,
) -> Result<Vec<Event>, DomainError> {
    let note = decision.ok_or_else(|| DomainError::Invalid("no routing decision is available".into()))?;
    let Some(lead) = note.lead.clone() else {
        return Err(DomainError::Invalid(format!(
            "the rules name no responsible unit ({}: {}); dispatch by hand",
            note.basis, note.detail
        )));
    };
    let mut events = vec![];
    if case.state == Accepted {
        // A report held at intake (a suspected duplicate) that the operator decides to route.
        events.push(Event::Registered);
    }
    events.push(Event::Routed { note: note.clone() });
    match (case.state, case.department.as_deref()) {
        (_, Some(current)) if current == lead => {}
        (Accepted | Registered | Reopened, _) => events.push(Event::Dispatched { department: lead, due_at: due }),
        (_, from) => events.push(Event::Redispatched {
            from: from.unwrap_or_default().to_string(),
            to: lead,
            reason: if reason.is_empty() { "re-routed by the responsibility list".into() } else { reason },
            due_at: due,
        }),
    }
    Ok(events)
}
