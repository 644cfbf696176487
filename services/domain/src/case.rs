use crate::clock::ClockView;
use crate::command::RejectReason;
use crate::event::{Event, RoutingNote};
use crate::state::CaseState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

pub type CaseId = Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    Normal,
    Urgent,
    Emergency,
}

/// A validated submission from a grid worker, operator or machine client.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub description: String,
    pub urgency: Urgency,
    pub client_ref: Option<String>,
    pub grid: Option<String>,
    /// For facility 部件 reports: the registered facility (routes to its owner first).
    pub facility_id: Option<String>,
    /// Open cases intake found nearby of the same category: the report is held for an operator.
    pub likely_duplicates: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingExtension {
    pub minutes: i64,
    pub reason: String,
    /// Approval tiers in order (empty: any one approver decides).
    #[serde(default)]
    pub approvers: Vec<crate::role::Role>,
    /// Tiers that have signed so far.
    #[serde(default)]
    pub endorsed: Vec<crate::role::Role>,
}

impl PendingExtension {
    /// The tier whose approval is needed next, if tiers apply.
    pub fn next_approver(&self) -> Option<crate::role::Role> {
        self.approvers.get(self.endorsed.len()).copied()
    }
}

/// The case aggregate. `version` counts applied events, so the n-th event has sequence number n.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub version: i64,
    pub state: CaseState,
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub description: String,
    pub urgency: Urgency,
    pub client_ref: Option<String>,
    #[serde(default)]
    pub facility_id: Option<String>,
    /// Set at intake when open cases of the same category were found nearby; the router then
    /// leaves the report `accepted` for an intake operator to merge or route.
    #[serde(default)]
    pub likely_duplicates: Vec<Uuid>,
    pub reporter: String,
    pub grid: Option<String>,
    pub department: Option<String>,
    pub master_id: Option<Uuid>,
    pub reject_reason: Option<RejectReason>,
    /// State to go back to after a suspension or a denied return.
    pub resume_to: Option<CaseState>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub pending_extension: Option<PendingExtension>,
    pub due_at: Option<DateTime<Utc>>,
    pub rework_count: u32,
    pub urge_count: u32,
    pub escalation_level: u32,
    pub extension_count: u32,
    /// The return awaiting approval: its kind and the tiers that signed so far.
    #[serde(default)]
    pub pending_return: Option<(crate::command::ReturnKind, Vec<crate::role::Role>)>,
    /// Units that returned this case as not theirs (kept for re-routing and dispatch accuracy).
    pub returned_by: Vec<String>,
    /// The handler inside the lead unit, when one is assigned.
    #[serde(default)]
    pub handler: Option<String>,
    /// Helper units 协办 beside the lead.
    #[serde(default)]
    pub co_handlers: Vec<String>,
    /// The last routing decision and why it was made.
    #[serde(default)]
    pub routing: Option<RoutingNote>,
    /// Later reports merged into this one as duplicates (repeat complaints are counted).
    #[serde(default)]
    pub duplicates: Vec<Uuid>,
    #[serde(default)]
    pub repeat_count: u32,
    /// Stage clocks by stage (`intake`, `dispatch`, `sign`, `handle`, `verify`, and one
    /// `milestone:<name>` per staged milestone of the category).
    #[serde(default)]
    pub clocks: BTreeMap<String, ClockView>,
    /// Milestones the unit reported reached since the last dispatch (`on site`, ...).
    #[serde(default)]
    pub milestones_reached: Vec<String>,
    /// Departments whistled 吹哨 to report in 报到, by department.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub report_ins: BTreeMap<String, ReportIn>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One whistled department's duty to report in 报到.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportIn {
    /// The deadline from the whistle, in natural minutes.
    pub minutes: u32,
    pub whistled_at: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
}

impl Case {
    /// Whether a handle clock (running or held) sets the deadline: then the domain's wall-time
    /// moves of a resume or an extension give way to the clock's, which count business time and
    /// know whether the clock is still held (say, by a pending extension after the resume).
    fn clock_owns_due(&self) -> bool {
        self.clocks.get(crate::clock::HANDLE).is_some_and(|c| c.state != crate::clock::ClockRun::Stopped)
    }

    /// The whistled departments that have not reported in yet.
    pub fn pending_report_ins(&self) -> impl Iterator<Item = &str> {
        self.report_ins.iter().filter(|(_, r)| r.reported_at.is_none()).map(|(d, _)| d.as_str())
    }

    /// Builds a case from its first event. Returns `None` unless that event is `Reported`.
    pub fn from_reported(id: CaseId, event: &Event, at: DateTime<Utc>) -> Option<Case> {
        let Event::Reported {
            category,
            lat,
            lon,
            description,
            urgency,
            client_ref,
            grid,
            reporter,
            facility_id,
            likely_duplicates,
        } = event
        else {
            return None;
        };
        Some(Case {
            id,
            version: 1,
            state: CaseState::Reported,
            category: category.clone(),
            lat: *lat,
            lon: *lon,
            description: description.clone(),
            urgency: *urgency,
            client_ref: client_ref.clone(),
            facility_id: facility_id.clone(),
            likely_duplicates: likely_duplicates.clone(),
            reporter: reporter.clone(),
            grid: grid.clone(),
            department: None,
            master_id: None,
            reject_reason: None,
            resume_to: None,
            suspended_at: None,
            pending_extension: None,
            due_at: None,
            rework_count: 0,
            urge_count: 0,
            escalation_level: 0,
            extension_count: 0,
            returned_by: vec![],
            pending_return: None,
            handler: None,
            co_handlers: vec![],
            routing: None,
            duplicates: vec![],
            repeat_count: 0,
            clocks: BTreeMap::new(),
            milestones_reached: Vec::new(),
            report_ins: BTreeMap::new(),
            created_at: at,
            updated_at: at,
        })
    }

    /// Rebuilds a case from its full event history (used by tests and audit verification).
    pub fn replay(id: CaseId, events: &[(Event, DateTime<Utc>)]) -> Option<Case> {
        let ((first, at), rest) = events.split_first()?;
        let mut case = Case::from_reported(id, first, *at)?;
        for (e, at) in rest {
            case.apply(e, *at);
        }
        Some(case)
    }

    /// Applies one event. Total: `decide` has already checked the event is allowed.
    pub fn apply(&mut self, event: &Event, at: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = at;
        match event {
            Event::Reported { .. } => {}
            Event::Accepted => self.state = CaseState::Accepted,
            Event::Rejected { reason, .. } => {
                self.state = CaseState::Rejected;
                self.reject_reason = Some(*reason);
            }
            Event::MarkedDuplicate { master_id } => {
                self.state = CaseState::Duplicate;
                self.master_id = Some(*master_id);
            }
            Event::Registered => self.state = CaseState::Registered,
            Event::Dispatched { department, due_at } => {
                self.state = CaseState::Dispatched;
                self.handler = None;
                self.department = Some(department.clone());
                self.due_at = Some(*due_at);
                self.milestones_reached.clear();
            }
            Event::Redispatched { to, due_at, .. } => {
                self.state = CaseState::Dispatched;
                self.handler = None;
                self.department = Some(to.clone());
                self.due_at = Some(*due_at);
                self.pending_extension = None;
                self.milestones_reached.clear();
            }
            Event::Signed => self.state = CaseState::Signed,
            Event::Started => self.state = CaseState::InProgress,
            Event::FeedbackGiven { .. } => {
                self.state = CaseState::FeedbackGiven;
                self.pending_extension = None;
            }
            Event::VerificationRequested => self.state = CaseState::Verifying,
            Event::Verified { .. } => {}
            Event::VerificationFailed { rework_count, .. } => {
                self.state = CaseState::Rework;
                self.rework_count = *rework_count;
            }
            Event::Closed { .. } => self.state = CaseState::Closed,
            Event::ReturnRequested { kind, .. } => {
                self.resume_to = Some(self.state);
                self.state = CaseState::ReturnRequested;
                self.pending_return = Some((*kind, vec![]));
            }
            Event::ReturnEndorsed { role, .. } => {
                if let Some((_, signed)) = self.pending_return.as_mut() {
                    signed.push(*role);
                }
            }
            Event::ReturnApproved { returned_by, .. } => {
                self.state = CaseState::Registered;
                self.pending_return = None;
                self.returned_by.push(returned_by.clone());
                self.department = None;
                self.handler = None;
                self.due_at = None;
                self.resume_to = None;
                self.pending_extension = None;
            }
            Event::ReturnDenied { .. } => {
                self.state = self.resume_to.take().unwrap_or(CaseState::Dispatched);
                self.pending_return = None;
            }
            Event::ExtensionRequested { minutes, reason, approvers } => {
                self.pending_extension = Some(PendingExtension {
                    minutes: *minutes,
                    reason: reason.clone(),
                    approvers: approvers.clone(),
                    endorsed: vec![],
                });
            }
            Event::ExtensionEndorsed { role, .. } => {
                if let Some(p) = self.pending_extension.as_mut() {
                    p.endorsed.push(*role);
                }
            }
            Event::ExtensionApproved { due_at, .. } => {
                if !self.clock_owns_due() {
                    self.due_at = Some(*due_at);
                }
                self.pending_extension = None;
                self.extension_count += 1;
            }
            Event::ExtensionDenied { .. } => self.pending_extension = None,
            Event::Suspended { .. } => {
                self.resume_to = Some(self.state);
                self.state = CaseState::Suspended;
                self.suspended_at = Some(at);
            }
            Event::Resumed { due_at } => {
                self.state = self.resume_to.take().unwrap_or(CaseState::Dispatched);
                self.suspended_at = None;
                if !self.clock_owns_due() {
                    self.due_at = *due_at;
                }
            }
            Event::SelfResolved { .. } => self.state = CaseState::SelfResolved,
            Event::Reopened { .. } => {
                self.state = CaseState::Reopened;
                self.department = None;
                self.due_at = None;
            }
            Event::Escalated { level, .. } => self.escalation_level = *level,
            Event::Urged { count, .. } => self.urge_count = *count,
            // A record of who was told; the case itself does not change.
            Event::Notified { .. } => {}
            Event::MilestoneReported { milestone, .. } => self.milestones_reached.push(milestone.clone()),
            Event::Whistled { departments, report_in_minutes, .. } => {
                for d in departments {
                    // Whistled again after reporting in: it must report in again.
                    let pending = self.report_ins.get(d).is_some_and(|r| r.reported_at.is_none());
                    if !pending {
                        self.report_ins.insert(
                            d.clone(),
                            ReportIn { minutes: *report_in_minutes, whistled_at: at, reported_at: None },
                        );
                    }
                }
            }
            Event::ReportedIn { department, .. } => {
                if let Some(r) = self.report_ins.get_mut(department) {
                    r.reported_at = Some(at);
                }
            }
            Event::Routed { note } => {
                self.co_handlers = note.co_handlers.clone();
                self.routing = Some(note.clone());
            }
            Event::Assigned { handler, .. } => self.handler = handler.clone(),
            Event::DuplicateLinked { case_id, repeat_count } => {
                self.duplicates.push(*case_id);
                self.repeat_count = *repeat_count;
            }
            Event::ClockStarted { stage, due_at, .. }
            | Event::ClockResumed { stage, due_at, .. }
            | Event::ClockExtended { stage, due_at, .. } => {
                // The handle clock counts the deadline on the unit's calendar in business time;
                // the case's headline deadline follows it, so both always agree (a resume after a
                // suspension over a weekend moves it by working time, not by wall time).
                if stage == crate::clock::HANDLE {
                    self.due_at = Some(*due_at);
                }
                crate::clock::apply(&mut self.clocks, event, at);
                // Who the run is counted against: the unit holding the case when it started.
                if let (Event::ClockStarted { .. }, Some(c)) = (event, self.clocks.get_mut(stage)) {
                    c.unit = self.department.clone();
                    c.reworks = self.rework_count;
                }
            }
            Event::ClockPaused { .. } | Event::ClockStopped { .. } | Event::ThresholdReached { .. } => {
                crate::clock::apply(&mut self.clocks, event, at)
            }
        }
    }
}
