//! Placeholder for the durable SLA timer port (filled in by the SLA change).
