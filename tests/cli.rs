//! The `gridflow` CLI: identities created from the shell work over HTTP, bad input is refused with
//! a message and a non-zero exit, and `audit verify` recomputes a case's chain.
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::json;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn gridflow(backends: &common::Backends, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gridflow"))
        .args(args)
        .envs(backends.env("127.0.0.1:0"))
        .env("GRIDFLOW_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn identities_from_the_shell_work_over_http_body() {
    let backends = common::embedded();
    let out = gridflow(&backends, &["migrate"], "");
    assert!(out.status.success(), "{}", text(&out));

    let add = [
        "user",
        "add",
        "alice",
        "--role",
        "dispatcher",
        "--role",
        "supervisor",
        "--scope",
        "street:110101001",
        "--password-stdin",
    ];
    let out = gridflow(&backends, &add, "a long password\n");
    assert!(out.status.success(), "{}", text(&out));
    let again = gridflow(&backends, &add, "a long password\n");
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let bad_role =
        gridflow(&backends, &["user", "add", "bob", "--role", "mayor", "--password-stdin"], "a long password\n");
    assert!(!bad_role.status.success());
    assert!(text(&bad_role).contains("unknown role `mayor`"), "{}", text(&bad_role));
    let bad_scope = gridflow(
        &backends,
        &["user", "add", "bob", "--role", "dispatcher", "--scope", "planet:earth", "--password-stdin"],
        "a long password\n",
    );
    assert!(text(&bad_scope).contains("unknown scope kind"), "{}", text(&bad_scope));
    let short = gridflow(&backends, &["user", "add", "bob", "--role", "dispatcher", "--password-stdin"], "short\n");
    assert!(!short.status.success() && text(&short).contains("at least 8"), "{}", text(&short));
    let no_stdin = gridflow(&backends, &["user", "add", "bob", "--role", "dispatcher"], "");
    assert!(!no_stdin.status.success() && text(&no_stdin).contains("--password-stdin"));

    let out = gridflow(&backends, &["apikey", "create", "hotline", "--role", "intake_operator"], "");
    assert!(out.status.success(), "{}", text(&out));
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("gfk_") && key.len() > 40, "the key is printed alone on stdout: {key}");

    let app = common::spawn_app(&backends).await;
    let (status, body) =
        app.post("/api/v1/auth/login", None, json!({ "username": "alice", "password": "a long password" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles"], json!(["dispatcher", "supervisor"]));
    // The machine client reports through its API key; the case is attributed to the key.
    let report = json!({ "category": "event:0505", "lat": 39.92016480496015, "lon": 116.39389718115333, "description": "from the 12345 hotline" });
    let (status, created) =
        app.send(app.http.post(format!("{}/api/v1/cases", app.base)).header("X-Api-Key", &key).json(&report)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, err) = app
        .send(app.http.post(format!("{}/api/v1/cases", app.base)).header("X-Api-Key", "gfk_not-a-key").json(&report))
        .await;
    assert_eq!((status.as_u16(), err["code"].as_str()), (401, Some("unauthenticated")));
    let worker = app.login("worker").await;
    let case = app.wait_status(&worker, &id, "dispatched", std::time::Duration::from_secs(10)).await;
    assert_eq!(case["reporter"], "apikey:hotline");

    let out = gridflow(&backends, &["audit", "verify", &id], "");
    assert!(out.status.success() && text(&out).contains("chain intact"), "{}", text(&out));
    let out = gridflow(&backends, &["audit", "verify", "not-a-uuid"], "");
    assert!(!out.status.success());
    app.stop().await;
}

#[test]
fn config_errors_name_the_variable_and_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_gridflow"))
        .arg("migrate")
        .env("GRIDFLOW_DATABASE_URL", "mysql://nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("GRIDFLOW_DATABASE_URL"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_from_the_shell_work_over_http() {
    common::within(240, "identities_from_the_shell_work_over_http", identities_from_the_shell_work_over_http_body())
        .await;
}
