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
        // Every start above falls in 2026: the 2026 version (State Council notice of 2025) counts.
        assert_eq!(body["calendar_version"], "2026-01-01", "{start}: {body}");
    }
    // Frontline crews count on `cn-extended`: 07:00–21:00 every day, Spring Festival included.
    let codes: Vec<&str> = list["calendars"].as_array().unwrap().iter().filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(codes, ["cn-default", "cn-extended"]);
    let body = json!({ "start": "2026-02-17T20:00:00+08:00", "amount": 2, "unit": "working_hours" });
    let (status, body) = app.post("/api/v1/calendars/cn-extended/due", Some(&admin), body).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["due"], "2026-02-18T08:00:00+08:00", "1 h before 21:00, 1 h from 07:00: {body}");
    let (status, body) = app.post("/api/v1/calendars/nowhere/due", Some(&admin), json!({})).await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (404, Some("calendar_not_found")));
    let (status, body) = due(app, &admin, "2026-02-13T16:00:00+08:00", 8, "fortnights").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (422, Some("invalid_request")), "{body}");
    let (status, body) = due(app, &admin, "yesterday", 8, "minutes").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (422, Some("invalid_request")), "{body}");
    let (status, body) = app.post("/api/v1/calendars/cn-default/due", None, json!({})).await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (401, Some("unauthenticated")), "{body}");
}

async fn put_calendar(
    app: &TestApp,
    token: &str,
    body: &serde_json::Value,
    if_match: &str,
) -> (reqwest::StatusCode, serde_json::Value) {
    let req = app.http.put(format!("{}/api/v1/calendars/cn-default", app.base)).bearer_auth(token);
    app.send(req.header("if-match", if_match).json(body)).await
}

/// An admin adds next year's holidays as data: export, append a version, save; the preview (and
/// every clock started afterwards) follows at once. Bad calendars and stale saves change nothing.
pub async fn calendar_admin_adds_next_year(app: &TestApp) {
    let admin = app.login("admin").await;
    let dispatcher = app.login("dispatcher").await;
    // Without 2027 data, New Year's Day 2027 (a Friday) counts as a working day.
    let (_, before) = due(app, &dispatcher, "2026-12-31T17:00:00+08:00", 1, "working_hours").await;
    assert_eq!(before["due"], "2027-01-01T09:00:00+08:00", "{before}");

    let (status, mut spec) = app.get("/api/v1/calendars/cn-default", &admin).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{spec}");
    let mut next = spec["versions"].as_array().unwrap().last().unwrap().clone();
    next["effective_from"] = json!("2027-01-01");
    next["note"] = json!("2027年部分节假日安排 (test notice)");
    next["overrides"] = json!([
        { "date": "2027-01-01", "kind": "off", "name": "元旦", "source": "test notice" },
        { "date": "2027-01-09", "kind": "work", "name": "调休上班", "source": "test notice" }
    ]);
    spec["versions"].as_array_mut().unwrap().push(next);

    // Roles, validation and revisions first: none of these change anything.
    let (status, body) = put_calendar(app, &dispatcher, &spec, "0").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (403, Some("forbidden")), "{body}");
    let mut bad = spec.clone();
    bad["time_zone"] = json!("Mars/Olympus_Mons");
    let (status, body) = put_calendar(app, &admin, &bad, "0").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (422, Some("validation_failed")), "{body}");
    let (status, body) = put_calendar(app, &admin, &spec, "3").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (409, Some("reference_conflict")), "{body}");
    // Versions in force are frozen: clocks recorded them. Editing or dropping 2025's is refused.
    let mut edited = spec.clone();
    edited["versions"][0]["overrides"].as_array_mut().unwrap().pop();
    let (status, body) = put_calendar(app, &admin, &edited, "0").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (409, Some("calendar_version_in_force")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("2025-01-01"), "{body}");
    let mut dropped = spec.clone();
    dropped["versions"].as_array_mut().unwrap().remove(0);
    let (status, body) = put_calendar(app, &admin, &dropped, "0").await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (409, Some("calendar_version_in_force")), "{body}");
    let (_, unchanged) = due(app, &dispatcher, "2026-12-31T17:00:00+08:00", 1, "working_hours").await;
    assert_eq!(unchanged["due"], before["due"]);

    let (status, body) = put_calendar(app, &admin, &spec, "0").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["revision"], 1);
    let (_, after) = due(app, &dispatcher, "2026-12-31T17:00:00+08:00", 1, "working_hours").await;
    assert_eq!(after["due"], "2027-01-04T09:00:00+08:00", "New Year's Day is now off: {after}");
    assert_eq!(after["calendar_version"], "2026-01-01", "the start instant still falls in the 2026 version");
    let (_, saturday) = due(app, &dispatcher, "2027-01-08T17:00:00+08:00", 1, "working_hours").await;
    assert_eq!(saturday["due"], "2027-01-09T09:00:00+08:00", "the make-up Saturday works: {saturday}");
    let (_, list) = app.get("/api/v1/calendars", &dispatcher).await;
    let cn = list["calendars"].as_array().unwrap().iter().find(|c| c["code"] == "cn-default").unwrap().clone();
    assert_eq!(cn["provenance"]["revision"], 1);
    assert_eq!(cn["provenance"]["saved_by"], "admin");
    assert_eq!(cn["overrides_until"], "2027-01-09");
}
