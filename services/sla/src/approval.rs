//! Approval tiers for extensions 延期 and returns 退回 (DOMAIN.md §3), and the order of signatures.

use serde::{Deserialize, Serialize};

use crate::clock::{Limit, LimitUnit};

/// Who signs, lowest tier first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    /// 值班长
    ShiftLead,
    /// 科长
    SectionHead,
    /// Deputy leader 分管领导.
    Leader,
    /// 主要领导
    PrincipalLeader,
}

/// A category's extension rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionPolicy {
    /// Ordinary categories get no extension at all.
    pub allowed: bool,
    /// The most a shift lead may grant for a first extension.
    pub first_bound: Limit,
    /// Engineering cases always need the section head and leader.
    #[serde(default)]
    pub engineering: bool,
    /// Requests above this are "long" and also need the principal leader; `None`: never long.
    #[serde(default)]
    pub long_bound: Option<Limit>,
    /// Working hours in a nominal working day, to compare a request in working hours with a bound in
    /// working days (7 for `cn-default`: 08:30–12:00 and 14:00–17:30).
    #[serde(default = "default_working_day_hours")]
    pub working_day_hours: u32,
}

fn default_working_day_hours() -> u32 {
    7
}

/// Why an approval step was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("this category allows no extension")]
    ExtensionNotAllowed,
    #[error("an extension of 0 is not an extension")]
    EmptyRequest,
    #[error("approval by {given:?} out of order: {expected:?} must sign next")]
    OutOfOrder { expected: Approver, given: Approver },
    #[error("all approvers have already signed")]
    AlreadyComplete,
}

impl ExtensionPolicy {
    /// Whether `requested` exceeds `bound`. Working hours and working days compare through
    /// `working_day_hours`; natural minutes and working time cannot be compared without a calendar
    /// and a start, so they count as exceeding: the higher tier is the safe side of the doubt.
    fn exceeds(&self, requested: Limit, bound: Limit) -> bool {
        let working_hours = |limit: Limit| match limit.unit {
            LimitUnit::Minutes => None,
            LimitUnit::WorkingHours => Some(u64::from(limit.amount)),
            LimitUnit::WorkingDays => Some(u64::from(limit.amount) * u64::from(self.working_day_hours)),
        };
        match (requested.unit, bound.unit) {
            (LimitUnit::Minutes, LimitUnit::Minutes) => requested.amount > bound.amount,
            _ => match (working_hours(requested), working_hours(bound)) {
                (Some(requested), Some(bound)) => requested > bound,
                _ => true,
            },
        }
    }
}

/// The approvers an extension request needs, in signing order.
///
/// - `allowed == false` → [`ApprovalError::ExtensionNotAllowed`];
/// - a first extension within `first_bound` of an ordinary category → `[ShiftLead]`;
/// - a second or later extension, an engineering case, or a request over the bound →
///   `[SectionHead, Leader]`;
/// - `bulk`, or a request over `long_bound` → `PrincipalLeader` appended.
pub fn required_approvers(
    policy: &ExtensionPolicy,
    extension_count_so_far: u32,
    requested: Limit,
    bulk: bool,
) -> Result<Vec<Approver>, ApprovalError> {
    if !policy.allowed {
        return Err(ApprovalError::ExtensionNotAllowed);
    }
    if requested.amount == 0 {
        return Err(ApprovalError::EmptyRequest);
    }
    let mut approvers =
        if extension_count_so_far == 0 && !policy.engineering && !policy.exceeds(requested, policy.first_bound) {
            vec![Approver::ShiftLead]
        } else {
            vec![Approver::SectionHead, Approver::Leader]
        };
    if bulk || policy.long_bound.is_some_and(|bound| policy.exceeds(requested, bound)) {
        approvers.push(Approver::PrincipalLeader);
    }
    Ok(approvers)
}

/// Why a department returned 退回 a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    /// The dispatcher erred: the shift lead approves and the case is re-dispatched at once.
    DispatchError,
    /// Any other reason: written reason and two-level approval.
    Other,
}

/// The approvers a return needs, in signing order.
pub fn return_approvers(kind: ReturnKind) -> Vec<Approver> {
    match kind {
        ReturnKind::DispatchError => vec![Approver::ShiftLead],
        ReturnKind::Other => vec![Approver::ShiftLead, Approver::SectionHead],
    }
}

/// Signatures collected so far on one request; approvers must sign in the required order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalProgress {
    pub required: Vec<Approver>,
    pub signed: Vec<Approver>,
}

impl ApprovalProgress {
    pub fn new(required: Vec<Approver>) -> Self {
        Self { required, signed: Vec::new() }
    }

    /// Who must sign next; `None` once complete.
    pub fn next_approver(&self) -> Option<Approver> {
        self.required.get(self.signed.len()).copied()
    }

    pub fn is_complete(&self) -> bool {
        self.next_approver().is_none()
    }

    /// Records `by`'s signature if it is their turn; refuses skipping ahead or signing twice.
    pub fn approve(&mut self, by: Approver) -> Result<(), ApprovalError> {
        match self.next_approver() {
            None => Err(ApprovalError::AlreadyComplete),
            Some(expected) if expected != by => Err(ApprovalError::OutOfOrder { expected, given: by }),
            Some(_) => {
                self.signed.push(by);
                Ok(())
            }
        }
    }
}
