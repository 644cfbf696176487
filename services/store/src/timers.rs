//! Placeholder for the durable SLA timers on sea-orm (filled in by the SLA change).
