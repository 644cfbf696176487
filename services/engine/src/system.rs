//! Changes Gridflow makes as itself (router, timer worker, escalation steps): decided by the
//! domain as the system actor and committed exactly once with the inbox mark or timer firing.

use crate::service::{CaseService, MAX_ATTEMPTS, ServiceError, apply_events, commit_for};
use chrono::Utc;
use gridflow_domain::ports::{InboxMark, StoreError, TimerSpec};
use gridflow_domain::{Actor, Case, Command, Ctx, decide};
use uuid::Uuid;

/// What a system change does: the commands to apply and further timers to arm in the same commit
/// (armed only if the commands changed something).
#[derive(Debug, Default)]
pub struct Planned {
    pub commands: Vec<Command>,
    pub arm: Vec<TimerSpec>,
}

impl CaseService {
    /// Applies commands as Gridflow itself, in one commit, marking `inbox` as processed and timer
    /// `fire` as fired in the same transaction (`AlreadyProcessed` if either was done before).
    /// Returns `None` if `plan` decided there is nothing to do (the timer is then marked fired alone).
    pub async fn act_as_system<F>(
        &self,
        id: Uuid,
        inbox: Option<InboxMark>,
        fire: Option<i64>,
        plan: F,
    ) -> Result<Option<Case>, ServiceError>
    where
        F: Fn(&Case) -> Vec<Command> + Send + Sync,
    {
        self.act_as_system_arming(id, inbox, fire, |case| Planned { commands: plan(case), arm: vec![] }).await
    }

    /// [`Self::act_as_system`], also arming the timers the plan asks for in the same commit.
    pub async fn act_as_system_arming<F>(
        &self,
        id: Uuid,
        inbox: Option<InboxMark>,
        fire: Option<i64>,
        plan: F,
    ) -> Result<Option<Case>, ServiceError>
    where
        F: Fn(&Case) -> Planned + Send + Sync,
    {
        let actor = Actor::system("engine");
        for _ in 0..MAX_ATTEMPTS {
            let Some(case) = self.store.case(id).await? else { return Err(ServiceError::NotFound(id)) };
            let Planned { commands, arm } = plan(&case);
            if commands.is_empty() {
                self.fire_alone(fire).await?;
                return Ok(None);
            }
            let now = Utc::now();
            let ctx = Ctx { now, handle_limit: self.handle_limit(&case, now) };
            let mut working = case.clone();
            let mut events = vec![];
            for cmd in &commands {
                let step = decide(&working, cmd, &actor, ctx)?;
                (working, _) = apply_events(&working, &step, &actor, now);
                events.extend(step);
            }
            if events.is_empty() && inbox.is_none() {
                self.fire_alone(fire).await?;
                return Ok(None);
            }
            let (next, transitions) = apply_events(&case, &events, &actor, now);
            let (next, transitions, mut timers) = self.with_clocks(&case, next, transitions, now);
            timers.fire = fire;
            if !events.is_empty() {
                timers.arm.extend(arm);
            }
            let mut commit = commit_for(&next, case.version, transitions, inbox.clone(), None);
            commit.timers = timers;
            match self.commit(commit).await {
                Ok(()) => return Ok(Some(next)),
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Contended)
    }

    /// Marks a timer fired when it causes no change (stale generation, already reached).
    async fn fire_alone(&self, fire: Option<i64>) -> Result<(), ServiceError> {
        if let Some(id) = fire {
            self.timers.mark_fired(id, "system:sla", Utc::now()).await?;
        }
        Ok(())
    }
}
