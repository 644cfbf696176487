//! Request counts and latencies by route pattern, method and status, plus a span per request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use std::time::Instant;
use tracing::Instrument;

#[derive(Clone)]
pub struct HttpMetrics {
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl HttpMetrics {
    pub fn register(registry: &Registry) -> Result<HttpMetrics, prometheus::Error> {
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route")
                .buckets(vec![0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["route", "method"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(HttpMetrics { requests, latency })
    }

    /// Middleware body for `actix_web::middleware::from_fn`.
    pub async fn observe(
        self,
        req: ServiceRequest,
        next: Next<impl MessageBody + 'static>,
    ) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
        let start = Instant::now();
        let method = req.method().to_string();
        // The route pattern, not the raw path, so case ids do not explode the label space.
        let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
        let span = tracing::info_span!("http", %method, route = %route, status = tracing::field::Empty);
        let res = next.call(req).instrument(span.clone()).await?;
        let status = res.status().as_u16().to_string();
        span.record("status", status.as_str());
        self.requests.with_label_values(&[&route, &method, &status]).inc();
        self.latency.with_label_values(&[&route, &method]).observe(start.elapsed().as_secs_f64());
        Ok(res)
    }
}
