//! A sub-class's SLA policy as catalogue data (DOMAIN.md §5): the warning thresholds its clocks arm
//! and the escalation chain that runs after them, optionally one chain per urgency level. Whatever
//! a sub-class leaves out falls back to the city defaults the engine holds, so an ordinary catalogue
//! needs no policy at all and an emergency class can whistle 吹哨 named departments at 50 %.

use std::collections::BTreeMap;

use gridflow_sla::{Action, EscalationChain, Thresholds};
use serde::{Deserialize, Serialize};

use crate::catalogue::Urgency;
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
    fn bad_thresholds_and_unknown_fields_do_not_parse() {
        assert!(serde_json::from_str::<SlaPolicy>(r#"{"thresholds":[80,50,100]}"#).is_err());
        assert!(serde_json::from_str::<SlaPolicy>(r#"{"threshold":[50,100]}"#).is_err());
    }
}
