//! The queue-membership rules, shared by both adapters so they cannot drift apart.

use gridflow_domain::CaseState;
use gridflow_domain::ports::{LiveCase, TRIAGE_QUEUE};
use uuid::Uuid;

/// The queue `view` belongs to, if any.
///
/// Terminal cases belong to no queue. An open case with a department sits in that department's
/// queue whatever its state, because the department is what the console filters on. Without a
/// department only cases waiting for one (`registered`, `reopened`) or held at intake as a
/// suspected duplicate (`accepted`) are triaged; a fresh `reported` case is the router's.
pub(crate) fn queue_of(view: &LiveCase) -> Option<&str> {
    if !view.state.is_open() {
        return None;
    }
    match &view.department {
        Some(department) => Some(department.as_str()),
        None if matches!(view.state, CaseState::Accepted | CaseState::Registered | CaseState::Reopened) => {
            Some(TRIAGE_QUEUE)
        }
        None => None,
    }
}

/// Total order of a queue: due time ascending, cases without a due time last, ties by id.
///
/// Matches the Redis sorted set, which orders by score (`+inf` for "no due time") and then by
/// member bytes; a lowercase hyphenated UUID string sorts exactly like the UUID's bytes.
pub(crate) type QueueKey = (bool, i64, Uuid);

pub(crate) fn queue_key(view: &LiveCase) -> QueueKey {
    match view.due_at_ms {
        Some(due) => (false, due, view.id),
        None => (true, 0, view.id),
    }
}
