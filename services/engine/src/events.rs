//! Encoding of case transitions as protobuf bus messages.

use gridflow_domain::Case;
use gridflow_domain::audit::Transition;
use gridflow_domain::ports::Message;
use gridflow_proto::{CaseEvent, Message as _};
use uuid::Uuid;

/// Routing key for an event kind.
pub fn routing_key(kind: &str) -> String {
    format!("case.{kind}")
}

/// One outgoing message per transition, carrying the case's state after the whole commit.
pub fn message_for(case: &Case, t: &Transition) -> Message {
    let message_id = Uuid::new_v4().to_string();
    let event = CaseEvent {
        message_id: message_id.clone(),
        case_id: case.id.to_string(),
        seq: t.seq,
        kind: t.event.kind().to_string(),
        occurred_at_ms: t.at.timestamp_millis(),
        actor: t.actor.clone(),
        state: t.to_state.as_str().to_string(),
        department: case.department.clone().unwrap_or_default(),
        grid: case.grid.clone().unwrap_or_default(),
        category: case.category.clone(),
        event_json: serde_json::to_string(&t.event).unwrap_or_default(),
        case_version: case.version,
    };
    Message {
        message_id,
        routing_key: routing_key(t.event.kind()),
        payload: event.encode_to_vec(),
        case_id: Some(case.id.to_string()),
    }
}

/// Decodes a bus payload; `None` for a message that is not a `CaseEvent` (it gets parked).
pub fn decode(payload: &[u8]) -> Option<CaseEvent> {
    CaseEvent::decode(payload).ok()
}
