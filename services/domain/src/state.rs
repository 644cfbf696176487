use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a case is in its lifecycle (DOMAIN.md §3). Names are the snake_case wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Reported,
    Accepted,
    Rejected,
    Duplicate,
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
    SelfResolved,
    Closed,
}

impl CaseState {
    pub const ALL: [CaseState; 16] = [
        CaseState::Reported,
        CaseState::Accepted,
        CaseState::Rejected,
        CaseState::Duplicate,
        CaseState::Registered,
        CaseState::Dispatched,
        CaseState::Signed,
        CaseState::InProgress,
        CaseState::FeedbackGiven,
        CaseState::Verifying,
        CaseState::Rework,
        CaseState::ReturnRequested,
        CaseState::Suspended,
        CaseState::Reopened,
        CaseState::SelfResolved,
        CaseState::Closed,
    ];

    /// The states of an open case: every state but the terminal ones (see [`CaseState::is_open`]).
    pub const OPEN: [CaseState; 12] = {
        use CaseState::*;
        [
            Reported,
            Accepted,
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
        ]
    };

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Reported => "reported",
            CaseState::Accepted => "accepted",
            CaseState::Rejected => "rejected",
            CaseState::Duplicate => "duplicate",
            CaseState::Registered => "registered",
            CaseState::Dispatched => "dispatched",
            CaseState::Signed => "signed",
            CaseState::InProgress => "in_progress",
            CaseState::FeedbackGiven => "feedback_given",
            CaseState::Verifying => "verifying",
            CaseState::Rework => "rework",
            CaseState::ReturnRequested => "return_requested",
            CaseState::Suspended => "suspended",
            CaseState::Reopened => "reopened",
            CaseState::SelfResolved => "self_resolved",
            CaseState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Terminal states take no further work (a closed case can still be reopened by command).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Rejected | CaseState::Duplicate | CaseState::SelfResolved | CaseState::Closed)
    }

    /// States in which a department holds the case and its handling clock runs.
    pub fn is_with_department(self) -> bool {
        matches!(self, CaseState::Dispatched | CaseState::Signed | CaseState::InProgress | CaseState::Rework)
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::CaseState;

    #[test]
    fn the_open_states_are_those_not_terminal() {
        let open: Vec<CaseState> = CaseState::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, CaseState::OPEN);
    }
}
