//! Shell commands besides `serve`: identities and audit verification.

use crate::app::open_store;
use crate::config::Config;
use anyhow::{Context, bail};
use gridflow_domain::audit::verify_chain;
use gridflow_domain::ports::{Principal, Store, StoreError};
use gridflow_domain::{Role, Scope};
use std::io::Read;

fn parse_identity(roles: &[String], scopes: &[String]) -> anyhow::Result<(Vec<Role>, Vec<Scope>)> {
    if roles.is_empty() {
        bail!("give at least one --role");
    }
    let roles = roles.iter().map(|r| Role::parse(r).map_err(anyhow::Error::msg)).collect::<Result<_, _>>()?;
    let scopes = scopes.iter().map(|s| Scope::parse(s).map_err(anyhow::Error::msg)).collect::<Result<_, _>>()?;
    Ok((roles, scopes))
}

fn valid_name(name: &str) -> anyhow::Result<()> {
    let ok =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !ok {
        bail!("name `{name}` must be 1-64 letters, digits, '-', '_' or '.'");
    }
    Ok(())
}

pub async fn user_add(
    cfg: &Config,
    name: &str,
    roles: &[String],
    scopes: &[String],
    password_stdin: bool,
) -> anyhow::Result<()> {
    valid_name(name)?;
    let (roles, scopes) = parse_identity(roles, scopes)?;
    if !password_stdin {
        bail!("pass the password on standard input with --password-stdin (it never goes on the command line)");
    }
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    let secret_hash = gridflow_api::auth::hash_password(password).map_err(anyhow::Error::msg)?;
    let store = open_store(cfg).await?;
    let user = Principal { id: name.into(), name: name.into(), roles, scopes, secret_hash };
    match store.add_user(&user).await {
        Ok(()) => {
            println!("user `{name}` created");
            Ok(())
        }
        Err(StoreError::Duplicate(_)) => bail!("a user named `{name}` already exists"),
        Err(e) => Err(e.into()),
    }
}

pub async fn apikey_create(cfg: &Config, name: &str, roles: &[String], scopes: &[String]) -> anyhow::Result<()> {
    valid_name(name)?;
    let (roles, scopes) = parse_identity(roles, scopes)?;
    let (key, secret_hash) = gridflow_api::auth::new_api_key();
    let store = open_store(cfg).await?;
    let p = Principal { id: format!("apikey:{name}"), name: name.into(), roles, scopes, secret_hash };
    match store.add_api_key(&p).await {
        Ok(()) => {
            eprintln!("API key `{name}` created. Send it as the X-Api-Key header; it is shown only once:");
            println!("{key}");
            Ok(())
        }
        Err(StoreError::Duplicate(_)) => bail!("an API key named `{name}` already exists"),
        Err(e) => Err(e.into()),
    }
}

pub async fn audit_verify(cfg: &Config, case: &str) -> anyhow::Result<()> {
    let id = uuid::Uuid::parse_str(case).with_context(|| format!("`{case}` is not a case id"))?;
    let store = open_store(cfg).await?;
    let records = store.audit(id).await?;
    if records.is_empty() {
        bail!("no audit records for case {id}");
    }
    match verify_chain(&records) {
        Ok(()) => {
            println!(
                "case {id}: {} audit records, chain intact, head {}",
                records.len(),
                records[records.len() - 1].hash
            );
            Ok(())
        }
        Err(seq) => bail!("case {id}: audit chain BROKEN at record {seq}"),
    }
}

/// `gridflow import KIND FILE`: validates the file together with the reference data in force and
/// writes it as the next revision, or prints every problem and changes nothing.
pub async fn import(
    cfg: &Config,
    kind: &str,
    file: &std::path::Path,
    version: Option<u32>,
    effective_from: Option<chrono::NaiveDate>,
) -> anyhow::Result<()> {
    use gridflow_engine::admin::{self, VersionFormat};
    use gridflow_engine::reference::{Reference, ReferenceError};
    let kind = match kind {
        "grids" | "geography" => "geography",
        "catalogue" | "categories" => "catalogue",
        "directory" | "units" => "directory",
        "rules" => "rules",
        other => bail!("unknown kind `{other}`: use grids, catalogue, directory or rules"),
    };
    let body = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    eprintln!("validating {} ({} KiB) as the {kind} document…", file.display(), body.len() / 1024);
    let store = open_store(cfg).await?;
    let in_force =
        gridflow_engine::calendars::CalendarCache::load(&store).await.context("loading the calendars in force")?.get();
    let calendars = Some(in_force.as_ref());
    let csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let single_version = !csv && body.trim_start().starts_with('{');
    let result = if matches!(kind, "catalogue" | "rules") && (csv || single_version) {
        let format = match (csv, version, effective_from) {
            (false, _, _) => VersionFormat::Json,
            (true, Some(version), Some(effective_from)) => VersionFormat::Csv { version, effective_from },
            (true, _, _) => bail!("a CSV {kind} needs --version N and --effective-from YYYY-MM-DD"),
        };
        let current = Reference::build(store.reference_docs().await?).context("the stored reference data")?;
        let expected = current.docs.get(kind).map_or(0, |d| d.revision);
        match admin::add_version(&current, kind, &body, format) {
            Ok(text) => admin::import(&store, None, calendars, vec![(kind.into(), text)], "cli", Some(expected)).await,
            Err(e) => Err(e),
        }
    } else {
        admin::import(&store, None, calendars, vec![(kind.into(), body)], "cli", None).await
    };
    match result {
        Ok(summary) => {
            let revision = summary.revisions.get(kind).copied().unwrap_or_default();
            println!("imported {kind} revision {revision}");
            println!("{}", serde_json::to_string_pretty(&summary)?);
            println!("running services pick it up within 5 seconds");
            Ok(())
        }
        Err(ReferenceError::Invalid(problems)) => {
            for p in &problems {
                let code = p.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
                eprintln!("{} {}{code}: {}", p.document, p.at, p.problem);
            }
            bail!("{} problem(s); nothing was imported and the previous data is unchanged", problems.len())
        }
        Err(e) => Err(e.into()),
    }
}

/// `gridflow calendar import FILE`: validates a calendar (JSON, as `GET /api/v1/calendars/{code}`
/// exports it) and stores it as the next revision of its code.
pub async fn calendar_import(cfg: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    use gridflow_engine::calendars::CalendarCache;
    let body = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let calendar =
        gridflow_calendar::Calendar::from_json(&body).context("the calendar is invalid; nothing was saved")?;
    let store = open_store(cfg).await?;
    let cache = CalendarCache::load(&store).await?;
    let revision = cache.save(&store, calendar.code(), &body, "cli", None).await?;
    let years: Vec<String> = calendar.versions().iter().map(|v| v.effective_from().to_string()).collect();
    println!("saved calendar `{}` revision {revision} (versions from {})", calendar.code(), years.join(", "));
    println!("running services pick it up within 5 seconds");
    Ok(())
}

/// `gridflow calendar export CODE`: prints the calendar in force as JSON.
pub async fn calendar_export(cfg: &Config, code: &str) -> anyhow::Result<()> {
    use gridflow_engine::calendars::CalendarCache;
    let store = open_store(cfg).await?;
    let cache = CalendarCache::load(&store).await?;
    let spec = cache.with(code, |c| c.spec().clone()).with_context(|| format!("no calendar `{code}`"))?;
    println!("{}", serde_json::to_string_pretty(&spec)?);
    Ok(())
}
