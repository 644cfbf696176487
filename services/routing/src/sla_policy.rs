//! A sub-class's SLA policy as catalogue data (DOMAIN.md §5): the warning thresholds its clocks arm
//! and the escalation chain that runs after them, optionally one chain per urgency level. Whatever
//! a sub-class leaves out falls back to the city defaults the engine holds, so an ordinary catalogue
//! needs no policy at all and an emergency class can whistle 吹哨 named departments at 50 %.

use std::collections::BTreeMap;

use gridflow_sla::{Action, EscalationChain, Thresholds};
use serde::{Deserialize, Serialize};

use crate::catalogue::{StageLimits, TimeLimit, Urgency};
use crate::error::Problem;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// Percentages of each stage limit at which thresholds fire, e.g. `[50, 80, 100]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    /// The chain for cases of any urgency not listed in `escalation_by_urgency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationChain>,
    /// Chains for particular urgency levels (a case raised to `emergency` takes that chain).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub escalation_by_urgency: BTreeMap<Urgency, EscalationChain>,
    /// Requests that hold the clocks while the centre decides them. Empty (the city default): the
    /// clocks keep running, so asking buys a unit no time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pause_while: Vec<PauseWhile>,
    /// Stage limits that differ for an urgency level: an urgent report of the sub-class may have
    /// to be handled in 2 hours where an ordinary one has a working day. Stages left out keep the
    /// sub-class's limits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits_by_urgency: BTreeMap<Urgency, LimitsPatch>,
}

/// Some stage limits, replacing the sub-class's where given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<TimeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch: Option<TimeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<TimeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<TimeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<TimeLimit>,
}

impl LimitsPatch {
    /// `base` with this patch's limits put in.
    pub fn apply(&self, base: StageLimits) -> StageLimits {
        StageLimits {
            accept: self.accept.unwrap_or(base.accept),
            dispatch: self.dispatch.unwrap_or(base.dispatch),
            sign: self.sign.unwrap_or(base.sign),
            handle: self.handle.unwrap_or(base.handle),
            verify: self.verify.unwrap_or(base.verify),
        }
    }

    fn limits(&self) -> impl Iterator<Item = (&'static str, TimeLimit)> {
        [
            ("accept", self.accept),
            ("dispatch", self.dispatch),
            ("sign", self.sign),
            ("handle", self.handle),
            ("verify", self.verify),
        ]
        .into_iter()
        .filter_map(|(name, l)| Some((name, l?)))
    }
}

/// A pending request that may hold a case's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseWhile {
    /// A return 退回 awaiting approval holds every running clock.
    ReturnPending,
    /// An extension 延期 awaiting approval holds the handle clock and its milestones.
    ExtensionPending,
}

impl SlaPolicy {
    /// The stage limits of a case of `urgency`: `base` (the sub-class's) with that level's patch.
    pub fn limits_for(&self, urgency: Urgency, base: StageLimits) -> StageLimits {
        self.limits_by_urgency.get(&urgency).map_or(base, |p| p.apply(base))
    }

    /// The chain a case of `urgency` runs, if this policy sets one.
    pub fn chain_for(&self, urgency: Urgency) -> Option<&EscalationChain> {
        self.escalation_by_urgency.get(&urgency).or(self.escalation.as_ref())
    }

    /// Every problem, in the words an admin fixing the file needs: chains must wait for thresholds
    /// that exist, repeat with a period, name departments to whistle, and only use urgency levels
    /// the sub-class allows.
    pub(crate) fn problems(&self, levels: &[Urgency]) -> Vec<Problem> {
        let thresholds = self.thresholds.clone().unwrap_or_default();
        let mut chains: Vec<(String, &EscalationChain)> = vec![];
        if let Some(chain) = &self.escalation {
            chains.push(("sla.escalation".into(), chain));
        }
        let mut problems = vec![];
        for (urgency, patch) in &self.limits_by_urgency {
            let field = format!("sla.limits_by_urgency.{}", urgency.as_str());
            if !levels.contains(urgency) {
                problems.push(Problem::BadField {
                    field: field.clone(),
                    message: "the sub-class has no such urgency level".into(),
                });
            }
            for (stage, limit) in patch.limits().filter(|(_, l)| l.value == 0) {
                problems.push(Problem::BadField {
                    field: format!("{field}.{stage}"),
                    message: format!("a limit of 0 ({:?}) is overdue at once", limit.unit),
                });
            }
        }
        for (urgency, chain) in &self.escalation_by_urgency {
            if !levels.contains(urgency) {
                problems.push(Problem::BadField {
                    field: format!("sla.escalation_by_urgency.{}", urgency.as_str()),
                    message: "the sub-class has no such urgency level".into(),
                });
            }
            chains.push((format!("sla.escalation_by_urgency.{}", urgency.as_str()), chain));
        }
        for (field, chain) in chains {
            if let Err(e) = chain.validate(&thresholds) {
                problems.push(Problem::BadField { field: field.clone(), message: e.to_string() });
            }
            for (i, step) in chain.steps.iter().enumerate() {
                if step.action == Action::Reoffer && step.stages != [gridflow_sla::Stage::Sign] {
                    problems.push(Problem::BadField {
                        field: format!("{field}.steps[{i}]"),
                        message: "a re-offer passes an unsigned case to another handler: limit it to `\"stages\": [\"sign\"]`"
                            .into(),
                    });
                }
                if let Action::Whistle { departments, report_in_minutes } = &step.action
                    && (departments.is_empty() || *report_in_minutes == 0)
                {
                    problems.push(Problem::BadField {
                        field: format!("{field}.steps[{i}]"),
                        message: "a whistle names at least one department and a report-in deadline above 0".into(),
                    });
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> SlaPolicy {
        serde_json::from_str(json).expect("policy parses")
    }

    #[test]
    fn urgency_chain_overrides_the_general_one() {
        let p = policy(
            r#"{"escalation":{"steps":[{"after":"breach","action":{"kind":"urge"}}]},
                "escalation_by_urgency":{"emergency":{"steps":[{"after":{"threshold":50},
                  "action":{"kind":"whistle","departments":["dept-water"],"report_in_minutes":30}}]}}}"#,
        );
        assert_eq!(p.chain_for(Urgency::Normal).map(|c| c.steps.len()), Some(1));
        let emergency = p.chain_for(Urgency::Emergency).expect("emergency chain");
        assert!(matches!(emergency.steps[0].action, Action::Whistle { .. }));
        assert!(p.problems(&[Urgency::Normal, Urgency::Emergency]).is_empty());
        assert_eq!(p.problems(&[Urgency::Normal]).len(), 1, "emergency is not a level of this sub-class");
    }

    #[test]
    fn chains_must_match_the_thresholds() {
        let p = policy(
            r#"{"thresholds":[60,100],"escalation":{"steps":[
                {"after":{"threshold":80},"action":{"kind":"notify_dispatcher"}},
                {"after":"breach","action":{"kind":"whistle","departments":[],"report_in_minutes":30}}]}}"#,
        );
        let problems: Vec<String> = p.problems(&[Urgency::Normal]).iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("80%"), "{problems:?}");
        assert!(problems[1].contains("steps[1]"), "{problems:?}");
    }

    #[test]
    fn urgent_cases_take_their_own_limits_where_given() {
        let p = policy(
            r#"{"limits_by_urgency":{"urgent":{"handle":{"value":2,"unit":"working_hours"},
                  "sign":{"value":15,"unit":"minutes"}}},"pause_while":["extension_pending"]}"#,
        );
        let l = |value, unit| TimeLimit { value, unit };
        use crate::catalogue::LimitUnit::*;
        let base = StageLimits {
            accept: l(1, WorkingHours),
            dispatch: l(1, WorkingHours),
            sign: l(1, WorkingHours),
            handle: l(1, WorkingDays),
            verify: l(1, WorkingDays),
        };
        assert_eq!(p.limits_for(Urgency::Normal, base), base);
        let urgent = p.limits_for(Urgency::Urgent, base);
        assert_eq!((urgent.handle, urgent.sign), (l(2, WorkingHours), l(15, Minutes)));
        assert_eq!((urgent.accept, urgent.verify), (base.accept, base.verify), "stages left out keep theirs");
        assert_eq!(p.pause_while, [PauseWhile::ExtensionPending]);
        assert!(p.problems(&[Urgency::Normal, Urgency::Urgent]).is_empty());
        let problems: Vec<String> = p.problems(&[Urgency::Normal]).iter().map(ToString::to_string).collect();
        assert!(problems[0].contains("limits_by_urgency.urgent"), "{problems:?}");
        let zero = policy(r#"{"limits_by_urgency":{"urgent":{"handle":{"value":0,"unit":"minutes"}}}}"#);
        let problems: Vec<String> = zero.problems(&[Urgency::Urgent]).iter().map(ToString::to_string).collect();
        assert!(problems[0].contains("limits_by_urgency.urgent.handle"), "{problems:?}");
        assert!(serde_json::from_str::<SlaPolicy>(r#"{"limits_by_urgency":{"urgent":{"hndle":{}}}}"#).is_err());
        assert!(serde_json::from_str::<SlaPolicy>(r#"{"pause_while":["lunch"]}"#).is_err());
    }

    #[test]
    fn a_reoffer_belongs_to_the_sign_stage() {
        let everywhere = policy(r#"{"escalation":{"steps":[{"after":"breach","action":{"kind":"reoffer"}}]}}"#);
        let problems: Vec<String> = everywhere.problems(&[Urgency::Normal]).iter().map(ToString::to_string).collect();
        assert!(problems.len() == 1 && problems[0].contains("stages"), "{problems:?}");
        let sign =
            policy(r#"{"escalation":{"steps":[{"after":"breach","action":{"kind":"reoffer"},"stages":["sign"]}]}}"#);
        assert!(sign.problems(&[Urgency::Normal]).is_empty());
    }

    #[test]
    fn bad_thresholds_and_unknown_fields_do_not_parse() {
        assert!(serde_json::from_str::<SlaPolicy>(r#"{"thresholds":[80,50,100]}"#).is_err());
        assert!(serde_json::from_str::<SlaPolicy>(r#"{"threshold":[50,100]}"#).is_err());
    }
}
