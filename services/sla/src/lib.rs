//! SLA policy for Gridflow: stage clocks, lights, escalation chains, approval tiers and metrics.
