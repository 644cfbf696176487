#![allow(clippy::unwrap_used)]

use crate::common::TestApp;
use serde_json::json;

async fn due(
    app: &TestApp,
    token: &str,
    start: &str,
    amount: u32,
    unit: &str,
) -> (reqwest::StatusCode, serde_json::Value) {
    let body = json!({ "start": start, "amount": amount, "unit": unit });
    app.post("/api/v1/calendars/cn-default/due", Some(token), body).await
}

/// `POST /api/v1/calendars/cn-default/due` answers with China's official schedule, including the
/// make-up Saturday of the worked example in shared/reference/cn-holidays.md.
pub async fn calendar_preview(app: &TestApp) {
    let admin = app.login("admin").await;
    let (status, list) = app.get("/api/v1/calendars", &admin).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["calendars"][0]["code"], "cn-default");
    assert_eq!(list["calendars"][0]["time_zone"], "Asia/Shanghai");
    let cases = [
        // The worked example: 1.5 h on Friday, 6.5 h on the make-up Saturday 02-14.
        ("2026-02-13T16:00:00+08:00", 8, "working_hours", "2026-02-14T17:00:00+08:00"),
        // Lunch break: 11:00 + 2 working hours = 1 h before lunch, 1 h after.
        ("2026-03-03T11:00:00+08:00", 2, "working_hours", "2026-03-03T15:00:00+08:00"),
        // Ending exactly at a boundary stays at 12:00.
        ("2026-03-03T11:00:00+08:00", 1, "working_hours", "2026-03-03T12:00:00+08:00"),
        // Spring Festival: Sunday 02-15 to Monday 02-23 are off; the next working day is 02-24.
        ("2026-02-14T10:00:00+08:00", 1, "working_days", "2026-02-24T10:00:00+08:00"),
        // Natural minutes run around the clock, given in UTC and answered in Beijing time.
        ("2026-02-15T00:00:00Z", 90, "minutes", "2026-02-15T09:30:00+08:00"),
    ];
    for (start, amount, unit, expected) in cases {
        let (status, body) = due(app, &admin, start, amount, unit).await;
        assert_eq!(status, 200, "{start} + {amount} {unit}: {body}");
        assert_eq!(body["due"], expected, "{start} + {amount} {unit}");
        assert_eq!(body["calendar_version"].as_str().map(|v| v.len()), Some(10));
    }
    let (status, body) = app.post("/api/v1/calendars/nowhere/due", Some(&admin), json!({})).await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (404, Some("calendar_not_found")));
    let (status, body) = due(app, &admin, "2026-02-13T16:00:00+08:00", 8, "fortnights").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (422, Some("invalid_request")), "{body}");
    let (status, body) = due(app, &admin, "yesterday", 8, "minutes").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (422, Some("invalid_request")), "{body}");
    let (status, body) = app.post("/api/v1/calendars/cn-default/due", None, json!({})).await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (401, Some("unauthenticated")), "{body}");
}
