//! Wiring: builds the adapters chosen by the configuration, starts the workers and the HTTP server,
//! and stops them all on shutdown. `main.rs` only parses the CLI and calls in here.

use crate::config::{BusConfig, Config, LiveConfig};
use crate::demo;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use gridflow_api::{AppState, AuthConfig, HttpMetrics};
use gridflow_bus::{AmqpBus, AmqpConfig, MemoryBus};
use gridflow_domain::ports::{Bus, LiveState, Store, Timers};
use gridflow_engine::calendars::{self, CalendarCache};
use gridflow_engine::relay::Relay;
use gridflow_engine::webhook::WebhookSender;
use gridflow_engine::{
    CaseService, Metrics, ReferenceCache, healer, projector, reference, router, sla_metrics, timers, topology, webhook,
};
use gridflow_live::{MemoryLive, RedisConfig, RedisLive};
use gridflow_store::SeaStore;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::info;

/// Connects to the store and applies migrations.
pub async fn open_store(cfg: &Config) -> anyhow::Result<SeaStore> {
    let store = SeaStore::connect(cfg.database_url())
        .await
        .with_context(|| format!("GRIDFLOW_DATABASE_URL: cannot open {}", redact(cfg.database_url())))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// Hides a password in a URL before it is logged.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

async fn open_bus(cfg: &Config) -> anyhow::Result<Arc<dyn Bus>> {
    Ok(match &cfg.bus {
        BusConfig::Memory => Arc::new(MemoryBus::new()),
        BusConfig::Amqp(url) => {
            let amqp = AmqpConfig { url: url.clone(), prefix: cfg.namespace.clone() };
            Arc::new(
                AmqpBus::connect(amqp)
                    .await
                    .with_context(|| format!("GRIDFLOW_AMQP_URL: cannot connect to {}", redact(url)))?,
            )
        }
    })
}

async fn open_live(cfg: &Config) -> anyhow::Result<Arc<dyn LiveState>> {
    Ok(match &cfg.live {
        LiveConfig::Memory => Arc::new(MemoryLive::new()),
        LiveConfig::Redis(url) => {
            let redis = RedisConfig { url: url.clone(), prefix: cfg.namespace.clone() };
            Arc::new(
                RedisLive::connect(redis)
                    .await
                    .with_context(|| format!("GRIDFLOW_REDIS_URL: cannot connect to {}", redact(url)))?,
            )
        }
    })
}

/// Runs API and workers on `listener` until `shutdown` is cancelled.
pub async fn run(cfg: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let sea = Arc::new(open_store(&cfg).await?);
    let store: Arc<dyn Store> = sea.clone();
    let timer_store: Arc<dyn Timers> = sea;
    if cfg.demo {
        demo::seed(store.as_ref()).await.context("seeding demo data")?;
    }
    let bus = open_bus(&cfg).await?;
    bus.declare(&topology()).await.context("declaring queues")?;
    let live = open_live(&cfg).await?;
    let metrics = Metrics::new().context("registering metrics")?;
    let http_metrics = HttpMetrics::register(&metrics.registry).context("registering HTTP metrics")?;
    let calendars = CalendarCache::load(timer_store.as_ref()).await.context("loading calendars")?;
    let service = CaseService {
        reference: ReferenceCache::load(store.as_ref()).await.context("loading reference data")?,
        calendars: calendars.clone(),
        intake: cfg.intake,
        store: Arc::clone(&store),
        timers: Arc::clone(&timer_store),
        live,
        metrics: metrics.clone(),
        relay_wake: Arc::new(Notify::new()),
    };
    // Live state is rebuilt before serving, so the first reads already see every open case.
    healer::rebuild(&service).await.context("rebuilding live state")?;

    let webhooks = match &cfg.webhook_url {
        Some(url) => Some(WebhookSender::new(url).context("GRIDFLOW_WEBHOOK_URL: building the HTTP client")?),
        None => None,
    };
    let workers = shutdown.child_token();
    let relay = Relay {
        store: Arc::clone(&store),
        bus: Arc::clone(&bus),
        metrics: metrics.clone(),
        wake: Arc::clone(&service.relay_wake),
        owner: format!("{}-{}", cfg.namespace, uuid::Uuid::new_v4()),
        batch: 200,
        lease: Duration::from_secs(30),
        idle_poll: Duration::from_millis(100),
    };
    let tasks = vec![
        tokio::spawn(relay.run(workers.clone())),
        tokio::spawn(router::run(service.clone(), Arc::clone(&bus), workers.clone())),
        tokio::spawn(projector::run(service.clone(), Arc::clone(&bus), workers.clone())),
        tokio::spawn(webhook::run(webhooks, Arc::clone(&bus), metrics.clone(), workers.clone())),
        tokio::spawn(router::sweep(service.clone(), Duration::from_secs(5), Duration::from_secs(10), workers.clone())),
        tokio::spawn(healer::run(service.clone(), Duration::from_secs(2), workers.clone())),
        tokio::spawn(timers::run(
            service.clone(),
            format!("{}-timers-{}", cfg.namespace, uuid::Uuid::new_v4()),
            workers.clone(),
        )),
        tokio::spawn(calendars::watch(calendars, timer_store, Duration::from_secs(5), workers.clone())),
        tokio::spawn(sla_metrics::run(service.clone(), Duration::from_secs(30), workers.clone())),
        tokio::spawn(reference::watch(
            service.reference.clone(),
            Arc::clone(&store),
            Duration::from_secs(5),
            workers.clone(),
        )),
    ];

    let state = web::Data::new(AppState {
        service,
        auth: AuthConfig { jwt_secret: cfg.jwt_secret.clone(), token_ttl_seconds: cfg.token_ttl_seconds },
    });
    let server = HttpServer::new(move || {
        let m = http_metrics.clone();
        App::new()
            .app_data(state.clone())
            .wrap(middleware::from_fn(move |req, next| m.clone().observe(req, next)))
            .configure(gridflow_api::configure)
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(10)
    .listen(listener)
    .context("GRIDFLOW_LISTEN: cannot serve on the listener")?
    .run();
    let handle = server.handle();
    let stopper = tokio::spawn(async move {
        shutdown.cancelled().await;
        handle.stop(true).await;
    });
    info!("gridflow is serving");
    server.await.context("HTTP server failed")?;
    workers.cancel();
    stopper.abort();
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}
