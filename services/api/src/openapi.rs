//! The OpenAPI 3 description of the whole API, served at /openapi.json.

use crate::error::Code;
pub use crate::openapi_actions::methods_for;
use gridflow_domain::{CaseState, Role};
use serde_json::{Value, json};

fn error_ref() -> Value {
    json!({ "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

/// Item shapes of the directory (gridflow-routing's `Facility`, `Unit`, `Handler`).
fn facility_schema() -> Value {
    let unit = json!({ "type": "string", "nullable": true, "minLength": 1, "maxLength": 64 });
    json!({ "type": "object", "required": ["id", "category", "grid"], "properties": {
        "id": { "type": "string", "minLength": 1, "maxLength": 64 },
        "category": { "type": "string", "pattern": "^facility:[0-9]{4}$", "example": "facility:0101" },
        "owner": unit, "maintainer": unit, "supervisor": unit,
        "grid": { "type": "string", "pattern": "^[0-9]{15}$", "description": "the 15-digit unit grid" } } })
}

fn handler_schema() -> Value {
    let time = json!({ "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$", "example": "08:30:00" });
    json!({ "type": "object", "required": ["id", "name"], "properties": {
        "id": { "type": "string", "minLength": 1, "maxLength": 128, "example": "dept-water/h4" },
        "name": { "type": "string" },
        "skills": { "type": "array", "items": { "type": "string" } },
        "schedule": { "type": "array", "description": "weekly duty windows in local time; end ≤ start runs past midnight",
            "items": { "type": "object", "required": ["weekday", "start", "end"], "properties": {
                "weekday": { "type": "string", "enum": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] },
                "start": time, "end": time } } } } })
}

fn unit_schema() -> Value {
    json!({ "type": "object", "required": ["id", "name_zh", "name_en", "type"], "properties": {
        "id": { "type": "string", "minLength": 1, "maxLength": 64 },
        "name_zh": { "type": "string" }, "name_en": { "type": "string" },
        "type": { "type": "string", "enum": ["district", "street", "community", "sector_department", "facility_owner", "contractor"] },
        "area": { "type": "string", "pattern": "^[0-9]{6,15}$", "description": "territorial units only" },
        "assignment": { "type": "string", "enum": ["least_loaded", "round_robin"] },
        "calendar": { "type": "string" },
        "handlers": { "type": "array", "items": { "$ref": "#/components/schemas/Handler" } } } })
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn item(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "minLength": 1, "maxLength": 128 } })
}

fn errors(mut responses: Value) -> Value {
    for status in ["400", "401", "403", "404", "409", "422", "503"] {
        responses[status] = error_ref();
    }
    responses
}

pub fn document() -> Value {
    let states: Vec<&str> = CaseState::ALL.iter().map(|s| s.as_str()).collect();
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.spec().0).collect();
    let roles: Vec<&str> = Role::ASSIGNABLE.iter().map(|r| r.as_str()).collect();
    let id_param =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } });
    let q = |name: &str, schema: Value| json!({ "name": name, "in": "query", "required": false, "schema": schema });
    let bearer = json!([{ "bearer": [] }, { "apiKey": [] }]);
    let kind = json!({ "name": "kind", "in": "path", "required": true,
                       "schema": { "type": "string", "enum": ["geography", "catalogue", "directory", "rules"] } });
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Gridflow API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Case dispatch for city grid management: report, route, dispatch, handle, verify, close." },
        "security": bearer,
        "paths": {
            "/api/v1/auth/login": { "post": {
                "summary": "Log in with username and password", "security": [],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Login" } } } },
                "responses": errors(json!({ "200": ok("Bearer token", "Token") })) } },
            "/api/v1/cases": {
                "post": {
                    "summary": "Report a problem (honours Idempotency-Key)",
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[ -~]*[!-~][ -~]*$" } }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Submission" } } } },
                    "responses": errors(json!({ "201": ok("Case registered", "Created") })) },
                "get": {
                    "summary": "List cases, newest first, with cursor pagination",
                    "parameters": [
                        q("status", json!({ "type": "string", "enum": states })), q("department", json!({ "type": "string" })),
                        q("grid", json!({ "type": "string" })), q("category", json!({ "type": "string" })),
                        q("from", json!({ "type": "string", "format": "date-time" })), q("to", json!({ "type": "string", "format": "date-time" })),
                        q("cursor", json!({ "type": "string" })), q("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200 }))],
                    "responses": errors(json!({ "200": ok("A page of cases", "CasePage") })) } },
            "/api/v1/cases/{id}": { "get": {
                "summary": "A case with its full timeline", "parameters": [id_param],
                "responses": errors(json!({ "200": ok("The case", "Case") })) } },
            "/api/v1/cases/{id}/actions": { "post": {
                "summary": "Apply a lifecycle action (honours Idempotency-Key and optional expected_version)",
                "parameters": [id_param, { "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[ -~]*[!-~][ -~]*$" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Action" } } } },
                "responses": errors(json!({ "200": ok("The case after the action", "Case") })) } },
            "/api/v1/calendars": { "get": { "summary": "Business calendars with their versions", "responses": errors(json!({ "200": { "description": "Calendars" } })) } },
            "/api/v1/calendars/{code}": {
                "get": { "summary": "A calendar as JSON (the shape PUT takes); ETag is its stored revision",
                    "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string", "example": "cn-default" } }],
                    "responses": errors(json!({ "200": { "description": "The calendar" } })) },
                "put": { "summary": "Save a calendar (admin), e.g. with next year's holidays and make-up days; If-Match: revision (0 if new)",
                    "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string", "example": "cn-default" } },
                                   { "name": "If-Match", "in": "header", "required": false, "schema": { "type": "string", "pattern": "^[0-9]{1,9}$" } }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
                    "responses": errors(json!({ "200": { "description": "Saved: the new revision" } })) } },
            "/api/v1/calendars/{code}/due": { "post": {
                "summary": "Preview a due instant: start + amount in minutes, working_hours or working_days",
                "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string", "example": "cn-default" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DueRequest" } } } },
                "responses": errors(json!({ "200": ok("The due instant in the calendar's zone", "Due") })) } },
            "/api/v1/categories": { "get": { "summary": "Sub-classes of the catalogue version in force (or on `date`)",
                "parameters": [q("date", json!({ "type": "string", "format": "date" }))],
                "responses": errors(json!({ "200": { "description": "Categories" } })) } },
            "/api/v1/grids": { "get": { "summary": "Grids of a layer (default `unit`) with a point inside each",
                "parameters": [q("layer", json!({ "type": "string", "example": "unit" }))],
                "responses": errors(json!({ "200": { "description": "Grids" } })) } },
            "/api/v1/departments": { "get": { "summary": "Units with their handlers", "responses": errors(json!({ "200": { "description": "Departments" } })) } },
            "/api/v1/reference": { "get": { "summary": "Reference documents in force (revisions) and what they hold",
                "responses": errors(json!({ "200": { "description": "Overview" } })) } },
            "/api/v1/reference/{kind}": {
                "get": { "summary": "Export a reference document (catalogue and rules also as CSV)",
                    "parameters": [kind.clone(), q("format", json!({ "type": "string", "enum": ["json", "csv"] })), q("version", json!({ "type": "integer", "minimum": 1 }))],
                    "responses": errors(json!({ "200": { "description": "The document" } })) },
                "put": { "summary": "Replace a reference document (admin; all or nothing; If-Match: revision)",
                    "parameters": [kind.clone(), { "name": "If-Match", "in": "header", "required": false, "schema": { "type": "string", "pattern": "^[0-9]{1,9}$" } }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
                    "responses": errors(json!({ "200": { "description": "Summary of what is now in force" } })) } },
            "/api/v1/reference/{kind}/versions": { "post": {
                "summary": "Add a catalogue or rules version (admin): CSV with version and effective_from, or one version as JSON",
                "parameters": [kind, q("version", json!({ "type": "integer", "minimum": 1 })), q("effective_from", json!({ "type": "string", "format": "date" }))],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } }, "text/csv": { "schema": { "type": "string" } } } },
                "responses": errors(json!({ "201": { "description": "Summary of what is now in force" } })) } },
            "/api/v1/rules": { "get": {
                "summary": "The rule set in force today, on `date`, or of `version` (admin, dispatcher, shift lead)",
                "parameters": [q("date", json!({ "type": "string", "format": "date" })), q("version", json!({ "type": "integer", "minimum": 1 }))],
                "responses": errors(json!({ "200": { "description": "The rule set with its rules" } })) } },
            "/api/v1/directory/facilities": {
                "get": { "summary": "The facility registry (admin, dispatcher, shift lead)",
                    "responses": errors(json!({ "200": { "description": "Facilities" } })) },
                "post": { "summary": "Register a facility (admin; validated like a directory import)",
                    "requestBody": body("Facility"), "responses": errors(json!({ "201": ok("The facility", "Facility") })) } },
            "/api/v1/directory/facilities/{id}": {
                "put": { "summary": "Replace a facility (admin)", "parameters": [item("id")],
                    "requestBody": body("Facility"), "responses": errors(json!({ "200": ok("The facility", "Facility") })) },
                "delete": { "summary": "Remove a facility (admin)", "parameters": [item("id")],
                    "responses": errors(json!({ "204": { "description": "Removed" } })) } },
            "/api/v1/directory/units": { "post": {
                "summary": "Add a unit with its handlers (admin; validated like a directory import)",
                "requestBody": body("Unit"), "responses": errors(json!({ "201": ok("The unit", "Unit") })) } },
            "/api/v1/directory/units/{unit}": {
                "put": { "summary": "Replace a unit whole (admin); handlers with open cases must stay", "parameters": [item("unit")],
                    "requestBody": body("Unit"), "responses": errors(json!({ "200": ok("The unit", "Unit") })) },
                "delete": { "summary": "Remove a unit without open cases that no rule or facility names (admin)", "parameters": [item("unit")],
                    "responses": errors(json!({ "204": { "description": "Removed" } })) } },
            "/api/v1/directory/units/{unit}/handlers": { "post": {
                "summary": "Add a handler to a unit (admin)", "parameters": [item("unit")],
                "requestBody": body("Handler"), "responses": errors(json!({ "201": ok("The handler", "Handler") })) } },
            "/api/v1/directory/units/{unit}/handlers/{handler}": {
                "put": { "summary": "Replace a handler (admin); the id is percent-encoded (`dept-water%2Fh1`)",
                    "parameters": [item("unit"), item("handler")],
                    "requestBody": body("Handler"), "responses": errors(json!({ "200": ok("The handler", "Handler") })) },
                "delete": { "summary": "Remove a handler without open cases (admin)", "parameters": [item("unit"), item("handler")],
                    "responses": errors(json!({ "204": { "description": "Removed" } })) } },
            "/api/v1/routing/explain": { "post": {
                "summary": "Where a case would go and why: grids per layer, candidate rules, the winner (creates nothing)",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ExplainRequest" } } } },
                "responses": errors(json!({ "200": { "description": "The explanation" } })) } },
            "/api/v1/queues/{department}": { "get": {
                "summary": "Live queue of a department (or `triage`), soonest due first (`cases`), and the cases whose whistle 吹哨 awaits its report-in 报到, earliest deadline first (`report_in`)",
                "parameters": [{ "name": "department", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": errors(json!({ "200": { "description": "Live cases" } })) } },
            "/api/v1/metrics/sla": { "get": {
                "summary": "SLA metrics per unit, street, grid or category from the recorded stage clocks (supervisor, leader, section head, shift lead, dispatcher; scoped to the caller's area)",
                "parameters": [q("by", json!({ "type": "string", "enum": ["unit", "street", "grid", "category", "day", "month"], "default": "unit" })),
                    q("from", json!({ "type": "string", "format": "date-time", "description": "default: `to` − 30 days" })),
                    q("to", json!({ "type": "string", "format": "date-time", "description": "default: now" })),
                    q("stage", json!({ "type": "string", "enum": ["intake", "dispatch", "sign", "handle", "verify"], "default": "handle" }))],
                "responses": errors(json!({ "200": ok("Figures per group", "SlaReport") })) } },
            "/healthz": { "get": { "summary": "Liveness", "security": [], "responses": { "200": { "description": "Alive" } } } },
            "/readyz": { "get": { "summary": "Readiness: fails while the store is unreachable", "security": [],
                                  "responses": { "200": { "description": "Ready" }, "503": error_ref() } } },
            "/metrics": { "get": { "summary": "Prometheus metrics", "security": [], "responses": { "200": { "description": "Text exposition format" } } } },
            "/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "OpenAPI 3" } } } }
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "apiKey": { "type": "apiKey", "in": "header", "name": "X-Api-Key" }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string", "enum": codes }, "message": { "type": "string" } } },
                "DueRequest": { "type": "object", "required": ["start", "amount", "unit"], "additionalProperties": false, "properties": {
                    "start": { "type": "string", "format": "date-time" }, "amount": { "type": "integer", "minimum": 0 },
                    "unit": { "type": "string", "enum": ["minutes", "working_hours", "working_days"] } } },
                "Due": { "type": "object", "required": ["due"], "properties": {
                    "due": { "type": "string", "format": "date-time" }, "calendar": { "type": "string" },
                    "calendar_version": { "type": "string", "format": "date" } } },
                "Login": { "type": "object", "required": ["username", "password"], "additionalProperties": false, "properties": {
                    "username": { "type": "string" }, "password": { "type": "string" } } },
                "Token": { "type": "object", "required": ["access_token"], "properties": {
                    "access_token": { "type": "string" }, "token_type": { "type": "string" }, "expires_in": { "type": "integer" },
                    "roles": { "type": "array", "items": { "type": "string", "enum": roles } } } },
                "Submission": { "type": "object", "required": ["category", "lat", "lon", "description"], "additionalProperties": false, "properties": {
                    "category": { "type": "string" }, "lat": { "type": "number", "minimum": -90, "maximum": 90 },
                    "lon": { "type": "number", "minimum": -180, "maximum": 180 }, "description": { "type": "string", "maxLength": 2000 },
                    "urgency": { "type": "string", "enum": ["normal", "urgent", "emergency"] }, "client_ref": { "type": "string" },
                    "facility_id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" } } },
                "ExplainRequest": { "type": "object", "required": ["category"], "additionalProperties": false, "properties": {
                    "category": { "type": "string", "example": "event:0102" }, "lat": { "type": "number", "minimum": -90, "maximum": 90 },
                    "lon": { "type": "number", "minimum": -180, "maximum": 180 }, "facility_id": { "type": "string" },
                    "date": { "type": "string", "format": "date" }, "exclude": { "type": "array", "items": { "type": "string" } } } },
                "Created": { "type": "object", "required": ["id", "status"], "properties": {
                    "id": { "type": "string", "format": "uuid" }, "status": { "type": "string", "enum": states },
                    "version": { "type": "integer" }, "grid": { "type": "string", "nullable": true },
                    "likely_duplicates": { "type": "array", "items": { "type": "object" } } } },
                "Action": crate::openapi_actions::action_schema(),
                "Case": { "type": "object", "required": ["id", "status", "version", "category"], "properties": {
                    "id": { "type": "string", "format": "uuid" }, "status": { "type": "string", "enum": states },
                    "version": { "type": "integer" }, "category": { "type": "string" }, "lat": { "type": "number" }, "lon": { "type": "number" },
                    "description": { "type": "string" }, "grid": { "type": "string", "nullable": true },
                    "street": { "type": "string", "nullable": true }, "department": { "type": "string", "nullable": true },
                    "due_at": { "type": "string", "format": "date-time", "nullable": true }, "overdue": { "type": "boolean" },
                    "rework_count": { "type": "integer" }, "created_at": { "type": "string", "format": "date-time" },
                    "clocks": { "type": "object", "description": "Stage clocks (sign, handle, verify) by stage",
                        "additionalProperties": { "$ref": "#/components/schemas/Clock" } },
                    "timeline": { "type": "array", "items": { "$ref": "#/components/schemas/TimelineEntry" } } } },
                "Clock": { "type": "object", "required": ["state", "due_at", "generation"], "properties": {
                    "state": { "type": "string", "enum": ["running", "paused", "stopped"] },
                    "limit_value": { "type": "integer" },
                    "limit_unit": { "type": "string", "enum": ["minutes", "working_hours", "working_days"] },
                    "calendar": { "type": "string" }, "calendar_version": { "type": "string", "format": "date" },
                    "started_at": { "type": "string", "format": "date-time" },
                    "due_at": { "type": "string", "format": "date-time" }, "generation": { "type": "integer" },
                    "fired": { "type": "array", "items": { "type": "integer" } },
                    "stopped_at": { "type": "string", "format": "date-time", "nullable": true },
                    "result": { "type": "object", "nullable": true },
                    "light": { "type": "string", "enum": ["green", "yellow", "red"] } } },
                "TimelineEntry": { "type": "object", "properties": {
                    "seq": { "type": "integer" }, "type": { "type": "string" }, "from": { "type": "string", "nullable": true },
                    "to": { "type": "string" }, "actor": { "type": "string" }, "at": { "type": "string", "format": "date-time" },
                    "event": { "type": "object" } } },
                "SlaReport": { "type": "object", "required": ["by", "stage", "from", "to", "truncated", "rows"], "properties": {
                    "by": { "type": "string", "enum": ["unit", "street", "grid", "category", "day", "month"] }, "stage": { "type": "string" },
                    "from": { "type": "string", "format": "date-time" }, "to": { "type": "string", "format": "date-time" },
                    "truncated": { "type": "boolean", "description": "the scan stopped at its bound; newest cases missing" },
                    "rows": { "type": "array", "items": { "$ref": "#/components/schemas/SlaSummary" } } } },
                "SlaSummary": { "type": "object", "required": ["key", "due", "deferred", "closed", "on_time", "overdue_open"], "properties": {
                    "key": { "type": "string" }, "due": { "type": "integer" }, "deferred": { "type": "integer" },
                    "closed": { "type": "integer" }, "on_time": { "type": "integer" }, "overdue_open": { "type": "integer" },
                    "extended": { "type": "integer" }, "reworked": { "type": "integer" },
                    "breach_seconds": { "type": "integer" }, "breach_minutes": { "type": "integer" },
                    "on_time_rate": { "type": "number", "nullable": true }, "closure_rate": { "type": "number", "nullable": true },
                    "extension_rate": { "type": "number", "nullable": true }, "rework_rate": { "type": "number", "nullable": true } } },
                "Facility": facility_schema(),
                "Unit": unit_schema(),
                "Handler": handler_schema(),
                "CasePage": { "type": "object", "properties": {
                    "cases": { "type": "array", "items": { "$ref": "#/components/schemas/Case" } },
                    "next_cursor": { "type": "string", "nullable": true } } }
            }
        }
    })
}
