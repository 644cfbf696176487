//! Supervisor SLA metrics: on-time and closure rates, overdue and breach minutes per unit, street,
//! grid or category, computed from the recorded stage clocks (DOMAIN.md §6).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Code};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Duration, Utc};
use gridflow_domain::{Actor, Role};
use gridflow_engine::sla_metrics::{Dimension, Period, SlaQuery, Stage, report};
use serde::Deserialize;

/// Who may read the metrics. Each sees the clocks of cases their role applies to (a supervisor
/// with `district:` or `street:` scopes only that area).
const ROLES: [Role; 5] = [Role::Supervisor, Role::Leader, Role::SectionHead, Role::ShiftLead, Role::Dispatcher];

/// The longest period one request may cover.
const MAX_PERIOD_DAYS: i64 = 366;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaParams {
    by: Option<String>,
    from: Option<String>,
    to: Option<String>,
    stage: Option<String>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(Code::InvalidQuery, message)
}

fn instant(name: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| bad(format!("`{name}` must be an RFC 3339 instant such as 2025-03-01T00:00:00+08:00")))
    })
    .transpose()
}

fn parse(query: &str, now: DateTime<Utc>) -> Result<SlaQuery, ApiError> {
    let p = web::Query::<SlaParams>::from_query(query).map_err(|e| bad(e.to_string()))?.into_inner();
    let by = match p.by.as_deref().unwrap_or("unit") {
        "unit" => Dimension::Unit,
        "street" => Dimension::Street,
        "grid" => Dimension::Grid,
        "category" => Dimension::Category,
        "day" => Dimension::Day,
        "month" => Dimension::Month,
        other => {
            return Err(bad(format!(
                "unknown `by` value `{other}`; expected unit, street, grid, category, day or month"
            )));
        }
    };
    let stage = match p.stage.as_deref().unwrap_or("handle") {
        "intake" => Stage::Intake,
        "dispatch" => Stage::Dispatch,
        "sign" => Stage::Sign,
        "handle" => Stage::Handle,
        "verify" => Stage::Verify,
        other => {
            return Err(bad(format!(
                "unknown `stage` value `{other}`; expected intake, dispatch, sign, handle or verify"
            )));
        }
    };
    let to = instant("to", p.to.as_deref())?.unwrap_or(now);
    let from = instant("from", p.from.as_deref())?.unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(bad("`from` must be before `to`"));
    }
    if to - from > Duration::days(MAX_PERIOD_DAYS) {
        return Err(bad(format!("the period may span at most {MAX_PERIOD_DAYS} days")));
    }
    Ok(SlaQuery { by, stage, period: Period { from, to } })
}

fn allowed(actor: &Actor, grid: Option<&str>, department: Option<&str>) -> bool {
    ROLES.iter().any(|r| actor.role_applies(*r, grid, department))
}

#[get("/api/v1/metrics/sla")]
pub async fn sla(state: web::Data<AppState>, Auth(actor): Auth, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if !ROLES.iter().any(|r| actor.roles.contains(r)) {
        return Err(ApiError::new(
            Code::Forbidden,
            "SLA metrics are for supervisors, leaders, section heads, shift leads and dispatchers",
        ));
    }
    let now = Utc::now();
    let query = parse(req.query_string(), now)?;
    let keep = |row: &gridflow_domain::ports::ClockRow| allowed(&actor, row.grid.as_deref(), row.department.as_deref());
    let report = report(state.service.store.as_ref(), query, keep, now).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_and_bad_queries() {
        let now = Utc::now();
        let q = parse("", now).unwrap();
        assert_eq!((q.by, q.stage, q.period.to), (Dimension::Unit, Stage::Handle, now));
        assert_eq!(q.period.to - q.period.from, Duration::days(30));
        let q = parse("by=street&from=2025-03-01T00:00:00%2B08:00&to=2025-04-01T00:00:00Z&stage=verify", now).unwrap();
        assert_eq!((q.by, q.stage), (Dimension::Street, Stage::Verify));
        for bad in [
            "by=district",
            "stage=close",
            "from=yesterday",
            "x=1",
            "from=2025-04-01T00:00:00Z&to=2025-03-01T00:00:00Z",
            "from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
        ] {
            assert!(parse(bad, now).is_err(), "{bad}");
        }
    }
}
