use crate::state::CaseState;

/// Why the domain refused something. Each variant maps to one stable API error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("action `{action}` is not allowed while the case is `{state}`")]
    InvalidTransition { state: CaseState, action: &'static str },
    #[error("none of your roles may perform `{action}`")]
    Forbidden { action: &'static str },
    #[error("this case is outside your scope")]
    OutOfScope,
    #[error("invalid input: {0}")]
    Invalid(String),
}
