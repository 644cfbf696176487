//! Business calendars in memory: the shipped ones (`cn-default`) overlaid by the revisions admins
//! stored (a stored calendar with a shipped code replaces it), swapped atomically on a save and
//! reloaded when another replica saved one. A calendar is validated before it is stored, so next
//! year's State Council holiday notice is one `PUT` (or `gridflow calendar import`) away.

use gridflow_calendar::{Calendar, CalendarError, CalendarSet, try_builtin};
use gridflow_domain::ports::{StoreError, StoredCalendar, Timers};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

#[derive(Debug, thiserror::Error)]
pub enum CalendarAdminError {
    #[error("the calendar is invalid: {0}")]
    Invalid(CalendarError),
    #[error("the body names calendar `{body}` but the path names `{path}`")]
    CodeMismatch { path: String, body: String },
    #[error("calendar `{0}` was saved by someone else meanwhile; reload it and retry")]
    Conflict(String),
    #[error(
        "version {effective_from} of calendar `{code}` is in force and may not be {change}: clocks recorded it; \
         add a new version effective from a later date instead"
    )]
    VersionInForce { code: String, effective_from: chrono::NaiveDate, change: &'static str },
    #[error(transparent)]
    Store(StoreError),
}

/// Where a calendar in force comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    /// `None` for the shipped calendar, else the stored revision.
    pub revision: Option<i32>,
    pub saved_by: Option<String>,
    pub saved_at: Option<chrono::DateTime<chrono::Utc>>,
}

type InForce = (Arc<CalendarSet>, BTreeMap<String, Provenance>);

#[derive(Clone)]
pub struct CalendarCache {
    inner: Arc<RwLock<Arc<InForce>>>,
}

fn build(stored: &[StoredCalendar]) -> Result<InForce, CalendarError> {
    let mut by_code: BTreeMap<String, (Calendar, Provenance)> = try_builtin()?
        .into_iter()
        .map(|c| (c.code().to_string(), (c, Provenance { revision: None, saved_by: None, saved_at: None })))
        .collect();
    for s in stored {
        let provenance = Provenance {
            revision: Some(s.revision),
            saved_by: Some(s.created_by.clone()),
            saved_at: Some(s.created_at),
        };
        by_code.insert(s.code.clone(), (Calendar::from_json(&s.body)?, provenance));
    }
    let provenance = by_code.iter().map(|(k, (_, p))| (k.clone(), p.clone())).collect();
    Ok((Arc::new(CalendarSet::new(by_code.into_values().map(|(c, _)| c))?), provenance))
}

impl CalendarCache {
    /// Only the shipped calendars (tests and tools without a store).
    pub fn builtin() -> Result<CalendarCache, CalendarError> {
        Ok(CalendarCache { inner: Arc::new(RwLock::new(Arc::new(build(&[])?))) })
    }

    pub async fn load(timers: &dyn Timers) -> Result<CalendarCache, CalendarAdminError> {
        let cache = CalendarCache::builtin().map_err(CalendarAdminError::Invalid)?;
        cache.reload(timers).await?;
        Ok(cache)
    }

    pub async fn reload(&self, timers: &dyn Timers) -> Result<(), CalendarAdminError> {
        let stored = timers.calendars().await.map_err(CalendarAdminError::Store)?;
        let built = build(&stored).map_err(CalendarAdminError::Invalid)?;
        if let Ok(mut guard) = self.inner.write() {
            *guard = Arc::new(built);
        }
        Ok(())
    }

    /// The calendars in force.
    pub fn get(&self) -> Arc<CalendarSet> {
        self.inner.read().map(|g| Arc::clone(&g.0)).unwrap_or_default()
    }

    /// Runs `f` with one calendar, without copying the set.
    pub fn with<T>(&self, code: &str, f: impl FnOnce(&Calendar) -> T) -> Option<T> {
        let pair = self.inner.read().ok().map(|g| Arc::clone(&g))?;
        pair.0.get(code).map(f)
    }

    pub fn provenance(&self, code: &str) -> Option<Provenance> {
        let pair = self.inner.read().ok().map(|g| Arc::clone(&g))?;
        pair.1.get(code).cloned()
    }

    /// Validates and stores a calendar as the next revision of `code`; `expected` is the revision
    /// the admin last read (`0`: the code has no stored revision yet).
    pub async fn save(
        &self,
        timers: &dyn Timers,
        code: &str,
        body: &str,
        actor: &str,
        expected: Option<i32>,
    ) -> Result<i32, CalendarAdminError> {
        let calendar = Calendar::from_json(body).map_err(CalendarAdminError::Invalid)?;
        if calendar.code() != code {
            return Err(CalendarAdminError::CodeMismatch { path: code.into(), body: calendar.code().into() });
        }
        if let Some(current) = self.get().get(code) {
            keeps_versions_in_force(current, &calendar, chrono::Utc::now())?;
        }
        let revision = match timers.put_calendar(code, body, actor, expected).await {
            Ok(r) => r,
            Err(StoreError::VersionConflict | StoreError::Duplicate(_)) => {
                return Err(CalendarAdminError::Conflict(code.into()));
            }
            Err(e) => return Err(CalendarAdminError::Store(e)),
        };
        self.reload(timers).await?;
        info!(calendar = code, revision, "calendar saved");
        Ok(revision)
    }
}

/// Versions already in force are frozen: stage clocks recorded the version they counted on (its
/// `effective_from`), and a clock rebuilt later must count the same way. Next year's holidays, or
/// a correction, go into a new version with a later date; versions still ahead stay editable.
fn keeps_versions_in_force(
    current: &Calendar,
    next: &Calendar,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), CalendarAdminError> {
    let today = current.local_date(now);
    for old in current.versions().iter().filter(|v| v.effective_from() <= today) {
        let change = match next.versions().iter().find(|v| v.effective_from() == old.effective_from()) {
            None => "removed",
            Some(new) if new != old => "changed",
            Some(_) => continue,
        };
        return Err(CalendarAdminError::VersionInForce {
            code: current.code().into(),
            effective_from: old.effective_from(),
            change,
        });
    }
    Ok(())
}

/// Reloads calendars another replica saved (polling is cheap: one small query).
pub async fn watch(cache: CalendarCache, timers: Arc<dyn Timers>, every: Duration, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let Ok(stored) = timers.calendars().await else { continue };
        let changed = stored.iter().any(|s| cache.provenance(&s.code).and_then(|p| p.revision) != Some(s.revision));
        if changed && let Err(e) = cache.reload(timers.as_ref()).await {
            warn!(error = %e, "stored calendars do not load; keeping the previous");
        }
    }
}
