//! Small helpers over sea-orm's raw statements, shared by the store modules.

use gridflow_domain::ports::StoreError;
use sea_orm::{DbBackend, DbErr, QueryResult, RuntimeErr, SqlErr, Statement, TryGetable, Value, sqlx};

/// Builds a statement from SQL written with Postgres placeholders (`$1`, `$2`, ...). SQLite reads
/// numbered placeholders as `?1`, so they are rewritten for it.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_string() };
    Statement::from_sql_and_values(backend, sql, values)
}

pub fn map_err(e: DbErr) -> StoreError {
    if let Some(SqlErr::UniqueConstraintViolation(what)) = e.sql_err() {
        return StoreError::Duplicate(what);
    }
    let unavailable = match &e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(x)) | DbErr::Query(RuntimeErr::SqlxError(x)) => matches!(
            x.as_ref(),
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed
        ),
        _ => false,
    };
    if unavailable { StoreError::Unavailable(e.to_string()) } else { StoreError::Other(e.to_string()) }
}

pub fn get<T: TryGetable>(row: &QueryResult, col: &str) -> Result<T, StoreError> {
    row.try_get::<T>("", col).map_err(map_err)
}

pub fn json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Other(format!("corrupt {what}: {e}")))
}

pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("encoding: {e}")))
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
