//! Prometheus series owned by the engine. The API registers its HTTP series in the same registry.

use prometheus::{Gauge, GaugeVec, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub transitions: IntCounterVec,
    pub outbox_backlog: IntGauge,
    pub published: IntCounter,
    pub publish_failures: IntCounter,
    pub redeliveries: IntCounterVec,
    pub consumed: IntCounterVec,
    pub live_rebuilds: IntCounter,
    pub dispatch_latency: Histogram,
    /// From a threshold's instant to its `threshold_reached` being committed.
    pub sla_firing_lateness: Histogram,
    pub sla_overdue_unfired: IntGauge,
    pub sla_overdue_unfired_oldest: Gauge,
    /// Thresholds recorded, by clock and percent.
    pub sla_thresholds: IntCounterVec,
    /// Automatic urges issued by escalation steps (at and after a breach).
    pub sla_breach_urges: IntCounter,
    /// Webhook POSTs by outcome (`delivered`, `failed`, `skipped`).
    pub webhook_deliveries: IntCounterVec,
    /// Per unit over the last 30 days of handle clocks, refreshed by `sla_metrics::run`.
    pub sla_on_time_rate: GaugeVec,
    pub sla_overdue_open: GaugeVec,
    pub sla_breach_minutes: GaugeVec,
    /// By `dimension` (unit, street, category), `key` and `rate` (on_time, closure, extension, rework).
    pub sla_rate: GaugeVec,
}

impl Metrics {
    /// Creates and registers every series. Registration only fails on duplicate names, which
    /// would be a programming error caught by the first test run.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("gridflow".into()), None)?;
        let transitions =
            IntCounterVec::new(Opts::new("transitions_total", "Recorded case transitions by event kind"), &["kind"])?;
        let outbox_backlog = IntGauge::new("outbox_backlog", "Outbox messages not yet confirmed by the bus")?;
        let published = IntCounter::new("outbox_published_total", "Outbox messages confirmed by the bus")?;
        let publish_failures =
            IntCounter::new("outbox_publish_failures_total", "Publish attempts the bus did not confirm")?;
        let redeliveries = IntCounterVec::new(
            Opts::new("consumer_redeliveries_total", "Deliveries flagged as redelivered, by queue"),
            &["queue"],
        )?;
        let consumed = IntCounterVec::new(
            Opts::new("consumer_messages_total", "Messages settled by consumers, by queue and outcome"),
            &["queue", "outcome"],
        )?;
        let live_rebuilds = IntCounter::new("live_rebuilds_total", "Rebuilds of live state from the store")?;
        let dispatch_latency = Histogram::with_opts(
            HistogramOpts::new("dispatch_latency_seconds", "From report to automatic dispatch")
                .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
        )?;
        let sla_firing_lateness = Histogram::with_opts(
            HistogramOpts::new("sla_firing_lateness_seconds", "From an SLA threshold's instant to its recording")
                .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0]),
        )?;
        let sla_overdue_unfired =
            IntGauge::new("sla_overdue_unfired", "SLA timers due but not yet fired (claimed or not)")?;
        let sla_overdue_unfired_oldest = Gauge::new(
            "sla_overdue_unfired_oldest_seconds",
            "Age of the oldest SLA timer due but not yet fired (0 when none)",
        )?;
        let sla_thresholds = IntCounterVec::new(
            Opts::new("sla_thresholds_total", "SLA thresholds reached, by clock and percent"),
            &["clock", "percent"],
        )?;
        let sla_breach_urges = IntCounter::new("sla_breach_urges_total", "Urges issued automatically on a breach")?;
        let webhook_deliveries = IntCounterVec::new(
            Opts::new("webhook_deliveries_total", "Webhook deliveries by outcome (delivered, failed, skipped)"),
            &["outcome"],
        )?;
        registry.register(Box::new(webhook_deliveries.clone()))?;
        let per_unit = |name: &str, help: &str| GaugeVec::new(Opts::new(name, help), &["unit"]);
        let sla_on_time_rate =
            per_unit("sla_on_time_rate", "On-time closure rate of handle clocks due in the last 30 days")?;
        let sla_overdue_open =
            per_unit("sla_overdue_open", "Handle clocks due in the last 30 days, past due and still open")?;
        let sla_breach_minutes =
            per_unit("sla_breach_minutes", "Recorded lateness of handle clocks closed late, last 30 days")?;
        let sla_rate = GaugeVec::new(
            Opts::new(
                "sla_rate",
                "Rates of handle clocks due in the last 30 days (on_time, closure, extension, rework)",
            ),
            &["dimension", "key", "rate"],
        )?;
        registry.register(Box::new(sla_rate.clone()))?;
        registry.register(Box::new(sla_on_time_rate.clone()))?;
        registry.register(Box::new(sla_overdue_open.clone()))?;
        registry.register(Box::new(sla_breach_minutes.clone()))?;
        registry.register(Box::new(sla_firing_lateness.clone()))?;
        registry.register(Box::new(sla_overdue_unfired.clone()))?;
        registry.register(Box::new(sla_overdue_unfired_oldest.clone()))?;
        registry.register(Box::new(sla_thresholds.clone()))?;
        registry.register(Box::new(sla_breach_urges.clone()))?;
        registry.register(Box::new(transitions.clone()))?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(published.clone()))?;
        registry.register(Box::new(publish_failures.clone()))?;
        registry.register(Box::new(redeliveries.clone()))?;
        registry.register(Box::new(consumed.clone()))?;
        registry.register(Box::new(live_rebuilds.clone()))?;
        registry.register(Box::new(dispatch_latency.clone()))?;
        Ok(Metrics {
            registry,
            transitions,
            outbox_backlog,
            published,
            publish_failures,
            redeliveries,
            consumed,
            live_rebuilds,
            dispatch_latency,
            sla_firing_lateness,
            sla_overdue_unfired,
            sla_overdue_unfired_oldest,
            sla_thresholds,
            sla_breach_urges,
            webhook_deliveries,
            sla_on_time_rate,
            sla_overdue_open,
            sla_breach_minutes,
            sla_rate,
        })
    }
}
