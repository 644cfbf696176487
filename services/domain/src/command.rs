use crate::event::RoutingNote;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why intake refused a report (DOMAIN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    OutOfScope,
    BadEvidence,
    TooMinor,
    Duplicate,
    Untrue,
    Fake,
    InJudicialProcess,
    SplitReport,
}

/// Why a unit hands a case back (DOMAIN.md §3 退回): a dispatch error is the shift lead's call
/// and the case is re-routed at once; any other return needs the shift lead and then the section
/// head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    #[default]
    WrongDispatch,
    Other,
}

impl ReturnKind {
    /// The approval tiers, in order.
    pub fn approvers(self) -> &'static [crate::role::Role] {
        use crate::role::Role::*;
        match self {
            ReturnKind::WrongDispatch => &[ShiftLead],
            ReturnKind::Other => &[ShiftLead, SectionHead],
        }
    }
}

/// Everything that can be done to an existing case; `action` is the wire tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Accept,
    Reject {
        reason: RejectReason,
        #[serde(default)]
        note: String,
    },
    MarkDuplicate {
        master_id: Uuid,
    },
    Register,
    Dispatch {
        department: String,
    },
    Redispatch {
        department: String,
        #[serde(default)]
        reason: String,
    },
    Sign,
    Start,
    Feedback {
        note: String,
    },
    /// Reports a staged milestone of the category reached, while signed or in progress
    /// (`milestone` is its English name, as the case's `milestone:<name>` clock is keyed), which
    /// stops that milestone's clock.
    ReportMilestone {
        milestone: String,
        #[serde(default)]
        note: String,
    },
    /// Blows the whistle 吹哨 on the case: each named department must report in 报到 within
    /// `report_in_minutes` (natural minutes); each runs its own `report_in:<department>` clock.
    Whistle {
        departments: Vec<String>,
        report_in_minutes: u32,
        #[serde(default)]
        reason: String,
    },
    /// A whistled department reports in 报到 (which one: the actor's `unit:` scope).
    ReportIn {
        #[serde(default)]
        note: String,
    },
    RequestVerification,
    Verify {
        passed: bool,
        #[serde(default)]
        note: String,
    },
    Close {
        #[serde(default)]
        note: String,
    },
    RequestReturn {
        reason: String,
        #[serde(default)]
        kind: ReturnKind,
    },
    ApproveReturn {
        #[serde(default)]
        note: String,
    },
    DenyReturn {
        #[serde(default)]
        note: String,
    },
    RequestExtension {
        minutes: i64,
        reason: String,
        /// Who must approve, in order (DOMAIN.md §3, 延期 tiers). The wire form leaves it out: the
        /// service fills it in from the category's extension policy before the domain decides.
        #[serde(skip)]
        approvers: Option<Vec<crate::role::Role>>,
    },
    ApproveExtension {
        #[serde(default)]
        note: String,
    },
    DenyExtension {
        #[serde(default)]
        note: String,
    },
    Suspend {
        reason: String,
    },
    Resume,
    SelfResolve {
        #[serde(default)]
        note: String,
    },
    Reopen {
        reason: String,
    },
    Escalate {
        reason: String,
        #[serde(default)]
        to: String,
    },
    Urge {
        #[serde(default)]
        note: String,
    },
    /// Re-runs the responsibility list. The wire form carries only the reason: the service fills
    /// in `decision` from the rules in force before the domain decides.
    Reroute {
        #[serde(default)]
        reason: String,
        #[serde(skip)]
        decision: Option<RoutingNote>,
    },
    /// Records a routing decision (the router does this before dispatching).
    Route {
        note: RoutingNote,
    },
    /// Assigns a handler inside the lead unit (`None`: nobody eligible, the unit assigns by hand).
    Assign {
        handler: Option<String>,
        #[serde(default)]
        policy: String,
        #[serde(default)]
        reason: String,
    },
    /// Counts a repeat report on the master case (issued by the engine after `mark_duplicate`).
    LinkDuplicate {
        case_id: Uuid,
    },
    /// Records a notification sent by an escalation step (issued by the timer worker only).
    Notify {
        to: String,
        reason: String,
    },
    /// Records that a durable timer of a stage clock fired (issued by the timer worker only).
    /// A no-op unless the clock is running at `generation` and `percent` has not fired yet.
    FireThreshold {
        stage: String,
        percent: u16,
        generation: u64,
        /// When the threshold was due (the timer's instant), to record the firing lateness.
        #[serde(default)]
        due: Option<DateTime<Utc>>,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Accept => "accept",
            Command::Reject { .. } => "reject",
            Command::MarkDuplicate { .. } => "mark_duplicate",
            Command::Register => "register",
            Command::Dispatch { .. } => "dispatch",
            Command::Redispatch { .. } => "redispatch",
            Command::Sign => "sign",
            Command::Start => "start",
            Command::Feedback { .. } => "feedback",
            Command::ReportMilestone { .. } => "report_milestone",
            Command::Whistle { .. } => "whistle",
            Command::ReportIn { .. } => "report_in",
            Command::RequestVerification => "request_verification",
            Command::Verify { .. } => "verify",
            Command::Close { .. } => "close",
            Command::RequestReturn { .. } => "request_return",
            Command::ApproveReturn { .. } => "approve_return",
            Command::DenyReturn { .. } => "deny_return",
            Command::RequestExtension { .. } => "request_extension",
            Command::ApproveExtension { .. } => "approve_extension",
            Command::DenyExtension { .. } => "deny_extension",
            Command::Suspend { .. } => "suspend",
            Command::Resume => "resume",
            Command::SelfResolve { .. } => "self_resolve",
            Command::Reopen { .. } => "reopen",
            Command::Escalate { .. } => "escalate",
            Command::Urge { .. } => "urge",
            Command::Reroute { .. } => "reroute",
            Command::Route { .. } => "route",
            Command::Assign { .. } => "assign",
            Command::LinkDuplicate { .. } => "link_duplicate",
            Command::FireThreshold { .. } => "fire_threshold",
            Command::Notify { .. } => "notify",
        }
    }
}
