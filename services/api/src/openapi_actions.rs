//! The precise OpenAPI schema of action bodies (one `oneOf` branch per action), and the table of
//! routes used to answer 405 with `Allow` for a known path requested with another method.

use serde_json::{Map, Value, json};

/// (action, required fields, optional fields), mirroring `gridflow_domain::Command`.
pub const ACTIONS: [(&str, &[&str], &[&str]); 29] = [
    ("accept", &[], &[]),
    ("reject", &["reason"], &["note"]),
    ("mark_duplicate", &["master_id"], &[]),
    ("register", &[], &[]),
    ("dispatch", &["department"], &[]),
    ("redispatch", &["department"], &["reason"]),
    ("sign", &[], &[]),
    ("start", &[], &[]),
    ("feedback", &["note"], &[]),
    ("report_milestone", &["milestone"], &["note"]),
    ("whistle", &["departments", "report_in_minutes"], &["reason"]),
    ("report_in", &[], &["note"]),
    ("request_verification", &[], &[]),
    ("verify", &["passed"], &["note"]),
    ("close", &["note"], &[]),
    ("request_return", &["reason"], &["kind"]),
    ("approve_return", &[], &["note"]),
    ("deny_return", &[], &["note"]),
    ("request_extension", &["minutes", "reason"], &[]),
    ("approve_extension", &[], &["note"]),
    ("deny_extension", &[], &["note"]),
    ("suspend", &["reason"], &[]),
    ("resume", &[], &[]),
    ("self_resolve", &["note"], &[]),
    ("reopen", &["reason"], &[]),
    ("escalate", &["reason"], &["to"]),
    ("urge", &[], &["note"]),
    ("reroute", &[], &["reason"]),
    ("assign", &[], &["handler", "policy", "reason"]),
];

const REJECT_REASONS: [&str; 8] =
    ["out_of_scope", "bad_evidence", "too_minor", "duplicate", "untrue", "fake", "in_judicial_process", "split_report"];

fn field(action: &str, name: &str, required: bool) -> Value {
    let text = |required: bool| {
        // Required texts must contain something besides white space.
        if required {
            json!({ "type": "string", "minLength": 1, "maxLength": 2000, "pattern": "\\S" })
        } else {
            json!({ "type": "string", "maxLength": 2000 })
        }
    };
    match (action, name) {
        ("reject", "reason") => json!({ "type": "string", "enum": REJECT_REASONS }),
        ("request_return", "kind") => json!({ "type": "string", "enum": ["wrong_dispatch", "other"] }),
        (_, "department") => json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" }),
        (_, "departments") => json!({
            "type": "array", "minItems": 1, "maxItems": 20,
            "items": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" }
        }),
        (_, "report_in_minutes") => json!({ "type": "integer", "minimum": 1, "maximum": 10_080 }),
        (_, "master_id") => json!({ "type": "string", "format": "uuid" }),
        (_, "passed") => json!({ "type": "boolean", "description": "a failed verification needs a `note`" }),
        (_, "minutes") => json!({ "type": "integer", "minimum": 1, "maximum": 129_600 }),
        (_, "handler") => {
            json!({ "type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S", "nullable": true })
        }
        _ => text(required),
    }
}

/// `oneOf` over every action, each branch closed (`additionalProperties: false`).
pub fn action_schema() -> Value {
    let branches: Vec<Value> = ACTIONS
        .iter()
        .map(|(action, required, optional)| {
            let mut props = Map::new();
            props.insert("action".into(), json!({ "type": "string", "enum": [action] }));
            props.insert("expected_version".into(), json!({ "type": "integer", "minimum": 1 }));
            for f in *required {
                props.insert((*f).into(), field(action, f, true));
            }
            for f in *optional {
                props.insert((*f).into(), field(action, f, false));
            }
            let mut req = vec!["action"];
            req.extend(required.iter());
            json!({ "title": action, "type": "object", "required": req, "additionalProperties": false, "properties": props })
        })
        .collect();
    json!({ "oneOf": branches, "discriminator": { "propertyName": "action" } })
}

/// Every route and its methods, for 405 responses.
const ROUTES: [(&str, &[&str]); 29] = [
    ("/", &["GET"]),
    ("/favicon.ico", &["GET"]),
    ("/healthz", &["GET"]),
    ("/readyz", &["GET"]),
    ("/metrics", &["GET"]),
    ("/openapi.json", &["GET"]),
    ("/api/v1/auth/login", &["POST"]),
    ("/api/v1/cases", &["GET", "POST"]),
    ("/api/v1/cases/{id}", &["GET"]),
    ("/api/v1/cases/{id}/actions", &["POST"]),
    ("/api/v1/calendars", &["GET"]),
    ("/api/v1/calendars/{code}/due", &["POST"]),
    ("/api/v1/calendars/{code}", &["GET", "PUT"]),
    ("/api/v1/categories", &["GET"]),
    ("/api/v1/grids", &["GET"]),
    ("/api/v1/departments", &["GET"]),
    ("/api/v1/queues/{department}", &["GET"]),
    ("/api/v1/reference", &["GET"]),
    ("/api/v1/reference/{kind}", &["GET", "PUT"]),
    ("/api/v1/reference/{kind}/versions", &["POST"]),
    ("/api/v1/routing/explain", &["POST"]),
    ("/api/v1/metrics/sla", &["GET"]),
    ("/api/v1/rules", &["GET"]),
    ("/api/v1/directory/facilities", &["GET", "POST"]),
    ("/api/v1/directory/facilities/{id}", &["PUT", "DELETE"]),
    ("/api/v1/directory/units", &["POST"]),
    ("/api/v1/directory/units/{unit}", &["PUT", "DELETE"]),
    ("/api/v1/directory/units/{unit}/handlers", &["POST"]),
    ("/api/v1/directory/units/{unit}/handlers/{handler}", &["PUT", "DELETE"]),
];

/// The methods served at `path`; empty when no route has that path.
pub fn methods_for(path: &str) -> Vec<&'static str> {
    ROUTES
        .iter()
        .find(|(pattern, _)| actix_web::dev::ResourceDef::new(*pattern).is_match(path))
        .map(|(_, methods)| methods.to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridflow_domain::Command;

    fn example(action: &str, name: &str) -> Value {
        match (action, name) {
            ("reject", "reason") => json!("too_minor"),
            ("request_return", "kind") => json!("other"),
            (_, "master_id") => json!("8c4e3c0a-94b5-4a43-9f0a-0c1f2f5f6d11"),
            (_, "passed") => json!(true),
            (_, "minutes") => json!(60),
            (_, "report_in_minutes") => json!(30),
            (_, "departments") => json!(["dept-fire"]),
            _ => json!("text"),
        }
    }

    #[test]
    fn every_documented_action_body_parses_as_that_command() {
        for (action, required, optional) in ACTIONS {
            let mut body = Map::new();
            body.insert("action".into(), json!(action));
            for f in required.iter().chain(optional.iter()) {
                body.insert((*f).into(), example(action, f));
            }
            let cmd: Command = serde_json::from_value(Value::Object(body)).unwrap();
            assert_eq!(cmd.name(), action);
            // Everything the command serialises back to is documented, and nothing more.
            let back = serde_json::to_value(&cmd).unwrap();
            let mut fields: Vec<&str> = back.as_object().unwrap().keys().map(String::as_str).collect();
            fields.sort_unstable();
            let mut documented: Vec<&str> = required.iter().chain(optional.iter()).copied().chain(["action"]).collect();
            documented.sort_unstable();
            assert_eq!(fields, documented, "{action}");
        }
    }

    #[test]
    fn known_paths_answer_their_methods() {
        assert_eq!(methods_for("/api/v1/cases"), ["GET", "POST"]);
        assert_eq!(methods_for("/api/v1/cases/abc/actions"), ["POST"]);
        assert!(methods_for("/api/v1/nothing").is_empty());
    }
}
