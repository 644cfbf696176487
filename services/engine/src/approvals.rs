//! Extension 延期 approval tiers (DOMAIN.md §3): which categories may be extended at all, and who
//! must sign, in order, for a given request. The tiers are computed when the request is made and
//! recorded with it, so a later policy change never re-routes an approval already under way.

use crate::reference::Reference;
use crate::service::ServiceError;
use chrono::{DateTime, Utc};
use gridflow_domain::{Case, Role};
use gridflow_routing::{LimitUnit as CatalogueUnit, SubClass};
use gridflow_sla::{ApprovalError, Approver, ExtensionPolicy, Limit, LimitUnit, required_approvers};

/// A shift lead may grant a first extension of up to three days on his own.
const FIRST_BOUND_MINUTES: u32 = 3 * 24 * 60;
/// Requests beyond thirty days are "long" and also need the principal leader.
const LONG_BOUND_MINUTES: u32 = 30 * 24 * 60;
/// Categories handled in five working days or more are engineering work.
const ENGINEERING_DAYS: u32 = 5;

/// The policy a sub-class gets. Ordinary categories (limits in natural minutes, which is how
/// emergencies and around-the-clock repairs are written, or in working hours) get no extension;
/// day-scale work may be extended; week-scale work is engineering and always needs two tiers.
pub fn policy_for(sub: Option<&SubClass>) -> ExtensionPolicy {
    let handle = sub.map(|s| s.limits.handle);
    let allowed = handle.is_some_and(|l| l.unit == CatalogueUnit::WorkingDays);
    let engineering = handle.is_some_and(|l| l.unit == CatalogueUnit::WorkingDays && l.value >= ENGINEERING_DAYS);
    ExtensionPolicy {
        allowed,
        first_bound: Limit::new(FIRST_BOUND_MINUTES, LimitUnit::Minutes),
        engineering,
        long_bound: Some(Limit::new(LONG_BOUND_MINUTES, LimitUnit::Minutes)),
        working_day_hours: 7,
    }
}

fn role(a: Approver) -> Role {
    match a {
        Approver::ShiftLead => Role::ShiftLead,
        Approver::SectionHead => Role::SectionHead,
        // One `leader` role covers the deputy and the principal leader in this deployment.
        Approver::Leader | Approver::PrincipalLeader => Role::Leader,
    }
}

/// The tiers that must approve `minutes` more for `case`, in order.
pub fn approvers_for(
    reference: &Reference,
    case: &Case,
    minutes: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Role>, ServiceError> {
    let policy = policy_for(reference.registered_sub_class(case, now));
    let requested = Limit::new(u32::try_from(minutes.max(0)).unwrap_or(u32::MAX), LimitUnit::Minutes);
    match required_approvers(&policy, case.extension_count, requested, false) {
        Ok(tiers) => {
            let mut roles: Vec<Role> = tiers.into_iter().map(role).collect();
            roles.dedup();
            Ok(roles)
        }
        Err(ApprovalError::ExtensionNotAllowed) => Err(ServiceError::ExtensionNotAllowed(case.category.clone())),
        // An empty request is refused by the domain's own bounds check with a clearer message.
        Err(_) => Ok(vec![Role::ShiftLead]),
    }
}
