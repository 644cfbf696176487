//! Users and API keys.

use crate::SeaStore;
use crate::sql::{get, json, map_err, now_ms, stmt, to_json};
use gridflow_domain::ports::{Principal, StoreError};
use sea_orm::{ConnectionTrait, Value};

pub(crate) const USER: &str = "user";
pub(crate) const API_KEY: &str = "api_key";

impl SeaStore {
    pub(crate) async fn insert_principal(&self, kind: &str, p: &Principal) -> Result<(), StoreError> {
        let sql = "INSERT INTO principals (kind, name, secret_hash, roles, scopes, created_at_ms)
                   VALUES ($1, $2, $3, $4, $5, $6)";
        let vals: Vec<Value> = vec![
            kind.into(),
            p.name.clone().into(),
            p.secret_hash.clone().into(),
            to_json(&p.roles)?.into(),
            to_json(&p.scopes)?.into(),
            now_ms().into(),
        ];
        match self.db.execute_raw(stmt(self.backend, sql, vals)).await.map_err(map_err) {
            Err(StoreError::Duplicate(_)) => Err(StoreError::Duplicate(format!("{kind} `{}`", p.name))),
            other => other.map(|_| ()),
        }
    }

    pub(crate) async fn find_principal(
        &self,
        kind: &str,
        col: &str,
        value: &str,
    ) -> Result<Option<Principal>, StoreError> {
        // `col` is one of two literals chosen by this crate, never user input.
        let sql = format!("SELECT name, secret_hash, roles, scopes FROM principals WHERE kind = $1 AND {col} = $2");
        let row =
            self.db.query_one_raw(stmt(self.backend, &sql, vec![kind.into(), value.into()])).await.map_err(map_err)?;
        row.map(|r| {
            let name: String = get(&r, "name")?;
            let id = if kind == USER { name.clone() } else { format!("apikey:{name}") };
            Ok(Principal {
                id,
                name,
                secret_hash: get(&r, "secret_hash")?,
                roles: json(&get::<String>(&r, "roles")?, "roles")?,
                scopes: json(&get::<String>(&r, "scopes")?, "scopes")?,
            })
        })
        .transpose()
    }
}
