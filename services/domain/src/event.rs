use crate::case::Urgency;
use crate::command::RejectReason;
use crate::role::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a case went where it went: the routing decision as recorded in the timeline, so anyone
/// can later see which rule (and which version of the list) made the choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingNote {
    /// The lead unit; `None` means triage (a dispatcher must decide).
    pub lead: Option<String>,
    #[serde(default)]
    pub co_handlers: Vec<String>,
    /// `rule`, `facility_owner`, `street_fallback`, `district_fallback` or `triage`.
    pub basis: String,
    /// The rule id, facility id, fallback area code or triage reason the basis refers to.
    pub detail: String,
    pub rule_set_version: Option<u32>,
    pub catalogue_version: Option<u32>,
    /// The unit grid the case was routed by.
    pub grid: Option<String>,
    /// The building 楼栋 the report's point is in, where the geography maps buildings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Units left out because they returned the case before.
    #[serde(default)]
    pub excluded: Vec<String>,
}

/// What happened to a case. Events are the only way a case changes (see `Case::apply`), and each is
/// stored as one transition, one audit record and one outgoing message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Reported {
        category: String,
        lat: f64,
        lon: f64,
        description: String,
        urgency: Urgency,
        client_ref: Option<String>,
        grid: Option<String>,
        reporter: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        facility_id: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        likely_duplicates: Vec<Uuid>,
    },
    Accepted,
    Rejected {
        reason: RejectReason,
        note: String,
    },
    MarkedDuplicate {
        master_id: Uuid,
    },
    Registered,
    Dispatched {
        department: String,
        due_at: DateTime<Utc>,
    },
    Redispatched {
        from: String,
        to: String,
        reason: String,
        due_at: DateTime<Utc>,
    },
    Signed,
    Started,
    FeedbackGiven {
        note: String,
    },
    VerificationRequested,
    Verified {
        note: String,
    },
    VerificationFailed {
        note: String,
        rework_count: u32,
    },
    Closed {
        note: String,
    },
    ReturnRequested {
        reason: String,
        #[serde(default)]
        kind: crate::command::ReturnKind,
    },
    /// The first tier of a two-level return approval signed.
    ReturnEndorsed {
        role: Role,
        note: String,
    },
    ReturnApproved {
        returned_by: String,
        note: String,
    },
    ReturnDenied {
        note: String,
    },
    ExtensionRequested {
        minutes: i64,
        reason: String,
        /// The approval tiers, in order; empty means any one approver decides.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        approvers: Vec<Role>,
    },
    /// One tier of a multi-level extension approval signed; the next tier decides next.
    ExtensionEndorsed {
        role: Role,
        note: String,
    },
    ExtensionApproved {
        due_at: DateTime<Utc>,
        note: String,
    },
    ExtensionDenied {
        note: String,
    },
    Suspended {
        reason: String,
    },
    Resumed {
        due_at: Option<DateTime<Utc>>,
    },
    SelfResolved {
        note: String,
    },
    Reopened {
        reason: String,
    },
    Escalated {
        level: u32,
        to: String,
        reason: String,
    },
    Urged {
        count: u32,
        note: String,
    },
    /// The unit reached a staged milestone of its category (on site, work stopped, ...).
    MilestoneReported {
        milestone: String,
        note: String,
    },
    /// Departments were whistled 吹哨 to report in within `report_in_minutes`.
    Whistled {
        departments: Vec<String>,
        report_in_minutes: u32,
        reason: String,
    },
    /// A whistled department reported in 报到.
    ReportedIn {
        department: String,
        note: String,
    },
    /// An escalation step notified someone (the unit's dispatcher, a whistled department, ...).
    Notified {
        to: String,
        reason: String,
    },
    Routed {
        note: RoutingNote,
    },
    Assigned {
        handler: Option<String>,
        policy: String,
        reason: String,
    },
    DuplicateLinked {
        case_id: Uuid,
        repeat_count: u32,
    },
    /// A stage clock (re)started; `generation` tags the timers armed for it.
    ClockStarted {
        stage: String,
        due_at: DateTime<Utc>,
        limit_value: u32,
        limit_unit: String,
        calendar: String,
        calendar_version: NaiveDate,
        generation: u64,
        /// When the clock counts from, if earlier than the event (an intake clock started when
        /// the router holds a report counts from the report). Absent: from the event itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counted_from: Option<DateTime<Utc>>,
    },
    ClockPaused {
        stage: String,
        reason: String,
        generation: u64,
    },
    ClockResumed {
        stage: String,
        due_at: DateTime<Utc>,
        generation: u64,
    },
    ClockExtended {
        stage: String,
        due_at: DateTime<Utc>,
        generation: u64,
    },
    ClockStopped {
        stage: String,
        on_time: bool,
        business_seconds: i64,
        wall_seconds: i64,
        paused_seconds: i64,
        late_seconds: i64,
    },
    /// A warning threshold (`percent` of the limit) or the breach (100) was reached; recorded once
    /// per clock run. `lateness_ms` is how long after the threshold instant it was recorded.
    ThresholdReached {
        stage: String,
        percent: u16,
        generation: u64,
        due_at: DateTime<Utc>,
        lateness_ms: i64,
    },
}

impl Event {
    /// The wire name, also used as the bus routing key suffix (`case.<kind>`).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Reported { .. } => "reported",
            Event::Accepted => "accepted",
            Event::Rejected { .. } => "rejected",
            Event::MarkedDuplicate { .. } => "marked_duplicate",
            Event::Registered => "registered",
            Event::Dispatched { .. } => "dispatched",
            Event::Redispatched { .. } => "redispatched",
            Event::Signed => "signed",
            Event::Started => "started",
            Event::FeedbackGiven { .. } => "feedback_given",
            Event::VerificationRequested => "verification_requested",
            Event::Verified { .. } => "verified",
            Event::VerificationFailed { .. } => "verification_failed",
            Event::Closed { .. } => "closed",
            Event::ReturnRequested { .. } => "return_requested",
            Event::ReturnEndorsed { .. } => "return_endorsed",
            Event::ReturnApproved { .. } => "return_approved",
            Event::ReturnDenied { .. } => "return_denied",
            Event::ExtensionRequested { .. } => "extension_requested",
            Event::ExtensionEndorsed { .. } => "extension_endorsed",
            Event::ExtensionApproved { .. } => "extension_approved",
            Event::ExtensionDenied { .. } => "extension_denied",
            Event::Suspended { .. } => "suspended",
            Event::Resumed { .. } => "resumed",
            Event::SelfResolved { .. } => "self_resolved",
            Event::Reopened { .. } => "reopened",
            Event::Escalated { .. } => "escalated",
            Event::Urged { .. } => "urged",
            Event::Notified { .. } => "notified",
            Event::MilestoneReported { .. } => "milestone_reported",
            Event::Whistled { .. } => "whistled",
            Event::ReportedIn { .. } => "reported_in",
            Event::Routed { .. } => "routed",
            Event::Assigned { .. } => "assigned",
            Event::DuplicateLinked { .. } => "duplicate_linked",
            Event::ClockStarted { .. } => "clock_started",
            Event::ClockPaused { .. } => "clock_paused",
            Event::ClockResumed { .. } => "clock_resumed",
            Event::ClockExtended { .. } => "clock_extended",
            Event::ClockStopped { .. } => "clock_stopped",
            Event::ThresholdReached { .. } => "threshold_reached",
        }
    }
}
