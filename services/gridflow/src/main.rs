//! `gridflow`: serve the API and workers, migrate, manage identities, verify audit chains.

use clap::{Parser, Subcommand};
use gridflow::config::{BusConfig, Config, LiveConfig, StoreConfig};
use gridflow::{cli, demo};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "gridflow", version, about = "Case dispatch for city grid management")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the API and all workers (embedded SQLite + in-process bus unless GRIDFLOW_* say otherwise)
    Serve,
    /// Apply database migrations and exit
    Migrate,
    /// Manage users
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Manage API keys for machine clients
    Apikey {
        #[command(subcommand)]
        command: ApikeyCmd,
    },
    /// Verify audit chains
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// Business calendars: export one, or import one (e.g. with next year's holidays)
    Calendar {
        #[command(subcommand)]
        command: CalendarCmd,
    },
    /// Import reference data (all or nothing): grids FILE.geojson, catalogue FILE, directory FILE,
    /// rules FILE. A catalogue or rules CSV adds one version (give --version and --effective-from).
    Import {
        /// grids, catalogue, directory or rules
        kind: String,
        file: std::path::PathBuf,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        effective_from: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a user; the password is read from standard input
    Add {
        name: String,
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long = "scope")]
        scopes: Vec<String>,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum ApikeyCmd {
    /// Create an API key and print it once
    Create {
        name: String,
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Validate a calendar JSON file and store it as the next revision of its code
    Import { file: std::path::PathBuf },
    /// Print a calendar in force as JSON (edit it, then import it)
    Export { code: String },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute a case's hash chain and report whether it is intact
    Verify { case: String },
}

fn banner(cfg: &Config, addr: std::net::SocketAddr) {
    let store = match &cfg.store {
        StoreConfig::Postgres(_) => "Postgres",
        StoreConfig::Sqlite(_) => "SQLite (embedded)",
    };
    let bus = match cfg.bus {
        BusConfig::Memory => "in-process",
        BusConfig::Amqp(_) => "RabbitMQ",
    };
    let live = match cfg.live {
        LiveConfig::Memory => "in-memory",
        LiveConfig::Redis(_) => "Redis",
    };
    println!("Gridflow {} — store: {store}, bus: {bus}, live state: {live}", env!("CARGO_PKG_VERSION"));
    println!("  Console:  http://{addr}/");
    println!("  API:      http://{addr}/api/v1   (OpenAPI: http://{addr}/openapi.json)");
    println!("  Metrics:  http://{addr}/metrics");
    if cfg.demo {
        println!("  Demo users (name / password):");
        for (name, password, roles, scopes) in demo::users() {
            let roles: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
            println!("    {name:<11} {password:<16} {} {}", roles.join(","), scopes.join(" "));
        }
    }
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(cfg.listen)
        .map_err(|e| anyhow::anyhow!("GRIDFLOW_LISTEN: cannot listen on {}: {e}", cfg.listen))?;
    banner(&cfg, listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        trigger.cancel();
    });
    #[cfg(unix)]
    {
        let trigger = shutdown.clone();
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::spawn(async move {
                term.recv().await;
                trigger.cancel();
            });
        }
    }
    gridflow::run(cfg, listener, shutdown).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // One-shot commands stay quiet unless something goes wrong; `serve` logs its progress.
    let default = if matches!(cli.command, Cmd::Serve) { "info,sqlx=warn,lapin=warn" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GRIDFLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let cfg = match Config::from_env() {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Cmd::Serve => serve(cfg).await,
        Cmd::Migrate => gridflow::app::open_store(&cfg).await.map(|_| println!("migrations applied")),
        Cmd::User { command: UserCmd::Add { name, roles, scopes, password_stdin } } => {
            cli::user_add(&cfg, &name, &roles, &scopes, password_stdin).await
        }
        Cmd::Apikey { command: ApikeyCmd::Create { name, roles, scopes } } => {
            cli::apikey_create(&cfg, &name, &roles, &scopes).await
        }
        Cmd::Audit { command: AuditCmd::Verify { case } } => cli::audit_verify(&cfg, &case).await,
        Cmd::Calendar { command: CalendarCmd::Import { file } } => cli::calendar_import(&cfg, &file).await,
        Cmd::Calendar { command: CalendarCmd::Export { code } } => cli::calendar_export(&cfg, &code).await,
        Cmd::Import { kind, file, version, effective_from } => {
            cli::import(&cfg, &kind, &file, version, effective_from).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
