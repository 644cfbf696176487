//! The tamper-evident audit chain: each record's hash covers the previous hash and a canonical
//! encoding of the transition, so rewriting any record breaks every later hash of that case.

use crate::event::Event;
use crate::state::CaseState;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Hash that precedes the first record of every case.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded state transition of a case.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Transition {
    pub case_id: Uuid,
    pub seq: i64,
    pub event: Event,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
}

/// Canonical bytes of a transition: JSON with fields in declaration order, timestamps in
/// milliseconds. Field order is fixed by the structs, so the encoding is stable across processes.
pub fn canonical(t: &Transition) -> Vec<u8> {
    #[derive(Serialize)]
    struct Canon<'a> {
        case_id: &'a Uuid,
        seq: i64,
        at_ms: i64,
        actor: &'a str,
        from: Option<CaseState>,
        to: CaseState,
        event: &'a Event,
    }
    let c = Canon {
        case_id: &t.case_id,
        seq: t.seq,
        at_ms: t.at.timestamp_millis(),
        actor: &t.actor,
        from: t.from_state,
        to: t.to_state,
        event: &t.event,
    };
    // Serialising plain structs and enums to a Vec cannot fail.
    serde_json::to_vec(&c).unwrap_or_default()
}

/// SHA-256 over the previous hash (hex) and the canonical record, as lowercase hex.
pub fn chain_hash(prev_hash: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical);
    hex::encode(h.finalize())
}

/// A stored audit record as read back for verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub payload: Vec<u8>,
}

/// Verifies a case's chain; returns the first bad sequence number, if any.
pub fn verify_chain(records: &[AuditRecord]) -> Result<(), i64> {
    let mut prev = GENESIS.to_string();
    for (i, r) in records.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if r.seq != expected_seq || r.prev_hash != prev || chain_hash(&prev, &r.payload) != r.hash {
            return Err(expected_seq);
        }
        prev = r.hash.clone();
    }
    Ok(())
}
