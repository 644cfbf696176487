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
