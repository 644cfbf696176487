//! Who may issue which command (DOMAIN.md §7) and in which states: the two tables `decide`
//! checks before anything else.

use crate::command::Command;
use crate::role::Role;
use crate::state::CaseState::{self, *};

/// Who may issue a command (before scope is checked) — DOMAIN.md §7.
pub fn roles_for(cmd: &Command) -> &'static [Role] {
    use Role::*;
    match cmd {
        Command::Accept => &[IntakeOperator, Dispatcher, System],
        Command::Reject { .. } => &[IntakeOperator, Dispatcher, ShiftLead],
        Command::MarkDuplicate { .. } => &[IntakeOperator, Dispatcher, System],
        Command::Register => &[IntakeOperator, Dispatcher, System],
        Command::Dispatch { .. } => &[Dispatcher, ShiftLead, System],
        Command::Redispatch { .. } => &[Dispatcher, ShiftLead],
        Command::Sign | Command::Start | Command::Feedback { .. } | Command::ReportMilestone { .. } => {
            &[UnitDispatcher, UnitHandler]
        }
        // A street blows the whistle through its supervisor, the centre through a dispatcher or the
        // shift lead, an emergency's escalation chain as the system.
        Command::Whistle { .. } => &[Supervisor, Dispatcher, ShiftLead, System],
        Command::ReportIn { .. } => &[UnitDispatcher, UnitHandler],
        Command::RequestVerification => &[Dispatcher, System],
        Command::Verify { .. } | Command::SelfResolve { .. } => &[GridWorker],
        Command::Close { .. } => &[ShiftLead],
        Command::RequestReturn { .. } | Command::RequestExtension { .. } => &[UnitDispatcher, UnitHandler],
        Command::ApproveReturn { .. } | Command::DenyReturn { .. } => &[ShiftLead, SectionHead],
        Command::ApproveExtension { .. } | Command::DenyExtension { .. } => &[ShiftLead, SectionHead, Leader],
        Command::Suspend { .. } | Command::Resume => &[ShiftLead, SectionHead, Leader],
        Command::Reopen { .. } => &[ShiftLead, Supervisor],
        Command::Escalate { .. } => &[Supervisor, ShiftLead, SectionHead, Leader, System],
        Command::Urge { .. } => &[Supervisor, ShiftLead, Leader, System],
        // The system re-routes when an escalation chain's automatic re-dispatch step fires.
        Command::Reroute { .. } => &[Dispatcher, ShiftLead, System],
        Command::Route { .. } => &[System],
        Command::Assign { .. } => &[UnitDispatcher, System],
        Command::LinkDuplicate { .. } | Command::FireThreshold { .. } | Command::Notify { .. } => &[System],
    }
}

/// In which states a command is allowed (ignoring pending-extension rules checked in `decide`).
pub fn states_for(cmd: &Command) -> &'static [CaseState] {
    match cmd {
        Command::Accept => &[Reported],
        Command::Reject { .. } | Command::MarkDuplicate { .. } | Command::SelfResolve { .. } => &[Reported, Accepted],
        Command::Register => &[Accepted],
        Command::Dispatch { .. } => &[Registered, Reopened],
        Command::Redispatch { .. } | Command::RequestReturn { .. } => &[Dispatched, Signed],
        Command::Sign => &[Dispatched],
        Command::Start => &[Signed, Rework],
        Command::Feedback { .. } => &[Signed, InProgress, Rework],
        // Milestone clocks end with the handle stage at feedback, so none runs in rework.
        Command::ReportMilestone { .. } => &[Signed, InProgress],
        Command::Whistle { .. } => &[Registered, Reopened, Dispatched, Signed, InProgress, Rework, ReturnRequested],
        // A department whistled in may report in as long as the case is open.
        Command::ReportIn { .. } => &CaseState::OPEN,
        Command::RequestVerification => &[FeedbackGiven],
        Command::Verify { .. } | Command::Close { .. } => &[FeedbackGiven, Verifying],
        Command::ApproveReturn { .. } | Command::DenyReturn { .. } => &[ReturnRequested],
        Command::RequestExtension { .. } | Command::ApproveExtension { .. } | Command::DenyExtension { .. } => {
            &[Signed, InProgress, Rework]
        }
        Command::Suspend { .. } | Command::Urge { .. } => &[Dispatched, Signed, InProgress, Rework],
        Command::Resume => &[Suspended],
        Command::Reroute { .. } => &[Accepted, Registered, Reopened, Dispatched, Signed],
        Command::Route { .. } => &[Registered, Reopened, Dispatched, Signed],
        Command::Assign { .. } => &[Dispatched, Signed, InProgress, Rework],
        Command::LinkDuplicate { .. } | Command::FireThreshold { .. } | Command::Notify { .. } => &CaseState::ALL,
        Command::Reopen { .. } => &[Closed],
        Command::Escalate { .. } => &[
            Registered,
            Dispatched,
            Signed,
            InProgress,
            FeedbackGiven,
            Verifying,
            Rework,
            ReturnRequested,
            Suspended,
            Reopened,
        ],
    }
}
