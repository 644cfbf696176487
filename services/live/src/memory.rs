//! In-process live state: the embedded adapter for single-node runs and tests.

use crate::membership::{QueueKey, queue_key, queue_of};
use async_trait::async_trait;
use gridflow_domain::ports::{LiveCase, LiveError, LiveState};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// Live state held in process memory with the same semantics as [`crate::RedisLive`].
///
/// Clones share one state. Terminal cases stay as tombstones for the life of the process (there
/// is no TTL here: memory is bounded by the process restarting, which also resets `is_built`).
#[derive(Debug, Clone, Default)]
pub struct MemoryLive {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    cases: HashMap<Uuid, LiveCase>,
    /// Queue name -> members in queue order. Empty queues are removed so they never pile up.
    queues: HashMap<String, BTreeSet<QueueKey>>,
    open: BTreeSet<Uuid>,
    built: bool,
}

impl MemoryLive {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything, as if the backend had lost its data (so `is_built` is false again).
    pub async fn clear_namespace(&self) -> Result<(), LiveError> {
        *self.lock()? = Inner::default();
        Ok(())
    }

    // A std mutex suffices: no critical section awaits, and each is a few map operations.
    fn lock(&self) -> Result<MutexGuard<'_, Inner>, LiveError> {
        // A poisoned lock means a panic mid-update; the maps may disagree, so refuse to serve
        // them rather than hand out a possibly inconsistent projection.
        self.inner.lock().map_err(|_| LiveError::Backend("memory live state poisoned by a panic".into()))
    }
}

impl Inner {
    fn leave_queue(&mut self, old: &LiveCase) {
        if let Some(name) = queue_of(old)
            && let Some(queue) = self.queues.get_mut(name)
        {
            queue.remove(&queue_key(old));
            if queue.is_empty() {
                self.queues.remove(name);
            }
        }
    }
}

#[async_trait]
impl LiveState for MemoryLive {
    async fn upsert(&self, view: &LiveCase) -> Result<bool, LiveError> {
        let mut inner = self.lock()?;
        if let Some(old) = inner.cases.get(&view.id) {
            if old.version >= view.version {
                return Ok(false);
            }
            // The old view tells exactly which queue entry (name and due-time key) to drop.
            let old = old.clone();
            inner.leave_queue(&old);
        }
        if let Some(name) = queue_of(view) {
            inner.queues.entry(name.to_owned()).or_default().insert(queue_key(view));
        }
        if view.state.is_open() {
            inner.open.insert(view.id);
        } else {
            inner.open.remove(&view.id);
        }
        inner.cases.insert(view.id, view.clone());
        Ok(true)
    }

    async fn get(&self, id: Uuid) -> Result<Option<LiveCase>, LiveError> {
        Ok(self.lock()?.cases.get(&id).cloned())
    }

    async fn queue(&self, department: &str, limit: usize) -> Result<Vec<LiveCase>, LiveError> {
        let inner = self.lock()?;
        let Some(queue) = inner.queues.get(department) else {
            return Ok(Vec::new());
        };
        Ok(queue.iter().filter_map(|(_, _, id)| inner.cases.get(id).cloned()).take(limit).collect())
    }

    async fn open_ids(&self) -> Result<Vec<Uuid>, LiveError> {
        Ok(self.lock()?.open.iter().copied().collect())
    }

    async fn is_built(&self) -> Result<bool, LiveError> {
        Ok(self.lock()?.built)
    }

    async fn mark_built(&self) -> Result<(), LiveError> {
        self.lock()?.built = true;
        Ok(())
    }
}
