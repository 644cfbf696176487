#![allow(clippy::unwrap_used)]
//! The audit hash chain: construction, verification and tamper detection.

mod common;

use chrono::Duration;
use common::*;
use gridflow_domain::CaseState::{self, *};
use gridflow_domain::Event;
use gridflow_domain::audit::{AuditRecord, GENESIS, Transition, canonical, chain_hash, verify_chain};
use uuid::Uuid;

fn transitions() -> Vec<Transition> {
    let steps: [(Event, Option<CaseState>, CaseState); 5] = [
        (reported_event(), None, Reported),
        (Event::Accepted, Some(Reported), Accepted),
        (Event::Registered, Some(Accepted), Registered),
        (
            Event::Dispatched { department: DEPT.into(), due_at: t0() + Duration::hours(5) },
            Some(Registered),
            Dispatched,
        ),
        (Event::Signed, Some(Dispatched), Signed),
    ];
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (event, from_state, to_state))| Transition {
            case_id: case_id(),
            seq: i as i64 + 1,
            event,
            actor: "user:op".into(),
            at: t0() + Duration::minutes(i as i64),
            from_state,
            to_state,
        })
        .collect()
}

/// Builds the chain the way the store does: each hash covers the previous hash and the record.
fn chain(ts: &[Transition]) -> Vec<AuditRecord> {
    let mut prev = GENESIS.to_string();
    ts.iter()
        .map(|t| {
            let payload = canonical(t);
            let hash = chain_hash(&prev, &payload);
            let r = AuditRecord { seq: t.seq, prev_hash: prev.clone(), hash: hash.clone(), payload };
            prev = hash;
            r
        })
        .collect()
}

#[test]
fn a_correct_chain_verifies() {
    let records = chain(&transitions());
    assert_eq!(records.len(), 5);
    assert_eq!(verify_chain(&records), Ok(()));
    assert_eq!(verify_chain(&records[..1]), Ok(()));
    assert_eq!(verify_chain(&[]), Ok(()));
    assert_eq!(records[0].prev_hash, GENESIS);
    for w in records.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    for r in &records {
        assert_eq!(r.hash.len(), 64);
        assert!(r.hash.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

#[test]
fn a_modified_payload_is_caught_at_its_seq() {
    for i in 0..5 {
        let mut records = chain(&transitions());
        records[i].payload = records[i].payload.replace_bytes(b"user:op", b"user:xx");
        assert_eq!(verify_chain(&records), Err(i as i64 + 1), "record {}", i + 1);
    }
}

#[test]
fn a_rehashed_forgery_is_caught_at_the_next_record() {
    let mut records = chain(&transitions());
    records[2].payload = records[2].payload.replace_bytes(b"registered", b"rejected");
    records[2].hash = chain_hash(&records[2].prev_hash, &records[2].payload);
    assert_eq!(verify_chain(&records), Err(4));
}

#[test]
fn a_modified_hash_or_prev_hash_is_caught() {
    let mut records = chain(&transitions());
    let flipped = if records[1].hash.starts_with('0') { "1" } else { "0" };
    records[1].hash.replace_range(0..1, flipped);
    assert_eq!(verify_chain(&records), Err(2));

    let mut records = chain(&transitions());
    records[0].prev_hash = "f".repeat(64);
    assert_eq!(verify_chain(&records), Err(1));
}

#[test]
fn a_wrong_seq_is_caught_even_when_hashes_link() {
    let mut records = chain(&transitions());
    records[2].seq = 7;
    assert_eq!(verify_chain(&records), Err(3));
    let mut records = chain(&transitions());
    for r in &mut records {
        r.seq += 1; // a chain must start at seq 1
    }
    assert_eq!(verify_chain(&records), Err(1));
}

#[test]
fn a_removed_record_is_caught() {
    for i in 0..4 {
        let mut records = chain(&transitions());
        records.remove(i);
        assert_eq!(verify_chain(&records), Err(i as i64 + 1), "removed record {}", i + 1);
    }
    // Renumbering after a removal does not help: the prev hash no longer links.
    let mut records = chain(&transitions());
    records.remove(2);
    for (i, r) in records.iter_mut().enumerate() {
        r.seq = i as i64 + 1;
    }
    assert_eq!(verify_chain(&records), Err(3));
}

#[test]
fn reordered_records_are_caught() {
    let mut records = chain(&transitions());
    records.swap(1, 3);
    assert_eq!(verify_chain(&records), Err(2));
    let mut records = chain(&transitions());
    records.swap(1, 2);
    // Even with seqs rewritten to look in order, the hashes do not link.
    records[1].seq = 2;
    records[2].seq = 3;
    assert_eq!(verify_chain(&records), Err(2));
    let mut records = chain(&transitions());
    records.reverse();
    assert_eq!(verify_chain(&records), Err(1));
}

#[test]
fn canonical_is_deterministic_and_sensitive_to_every_field() {
    let base = transitions()[3].clone();
    assert_eq!(canonical(&base), canonical(&transitions()[3].clone()));
    assert_eq!(canonical(&base), canonical(&base));

    let variants: Vec<(&str, Transition)> = vec![
        ("case_id", Transition { case_id: Uuid::from_u128(2), ..base.clone() }),
        ("seq", Transition { seq: 5, ..base.clone() }),
        ("actor", Transition { actor: "user:other".into(), ..base.clone() }),
        ("at (1 ms)", Transition { at: base.at + Duration::milliseconds(1), ..base.clone() }),
        ("from_state", Transition { from_state: Some(Reopened), ..base.clone() }),
        ("from_state none", Transition { from_state: None, ..base.clone() }),
        ("to_state", Transition { to_state: Signed, ..base.clone() }),
        (
            "event payload",
            Transition {
                event: Event::Dispatched { department: OTHER_DEPT.into(), due_at: t0() + Duration::hours(5) },
                ..base.clone()
            },
        ),
        (
            "event due_at",
            Transition {
                event: Event::Dispatched { department: DEPT.into(), due_at: t0() + Duration::hours(6) },
                ..base.clone()
            },
        ),
        ("event kind", Transition { event: Event::Signed, ..base.clone() }),
    ];
    for (what, t) in &variants {
        assert_ne!(canonical(t), canonical(&base), "{what} must change the canonical bytes");
    }
}

#[test]
fn canonical_encoding_is_stable() {
    // Stored chains depend on these exact bytes; changing the encoding breaks every old chain.
    let t = Transition {
        case_id: Uuid::from_u128(1),
        seq: 2,
        event: Event::Accepted,
        actor: "user:op".into(),
        at: t0(),
        from_state: Some(Reported),
        to_state: Accepted,
    };
    let want = r#"{"case_id":"00000000-0000-0000-0000-000000000001","seq":2,"at_ms":1740816000000,"actor":"user:op","from":"reported","to":"accepted","event":{"type":"accepted"}}"#;
    assert_eq!(String::from_utf8(canonical(&t)).unwrap(), want);
}

#[test]
fn chain_hash_depends_on_prev_and_payload() {
    let h = chain_hash(GENESIS, b"abc");
    assert_eq!(h, chain_hash(GENESIS, b"abc"));
    assert_ne!(h, chain_hash(&"1".repeat(64), b"abc"));
    assert_ne!(h, chain_hash(GENESIS, b"abd"));
}

trait ReplaceBytes {
    fn replace_bytes(&self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceBytes for Vec<u8> {
    /// Replaces the first occurrence; panics if absent so a no-op tamper cannot pass silently.
    fn replace_bytes(&self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let pos = self.windows(from.len()).position(|w| w == from).unwrap();
        let mut out = self[..pos].to_vec();
        out.extend_from_slice(to);
        out.extend_from_slice(&self[pos + from.len()..]);
        out
    }
}
