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

async fn imports_from_the_shell_are_all_or_nothing_body() {
    let backends = common::embedded();
    let dir = std::env::temp_dir().join(format!("gridflow-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, body: &str| {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    };
    let docs = gridflow::demo::documents(11).unwrap();
    let doc = |kind: &str| docs.iter().find(|(k, _)| k == kind).unwrap().1.clone();

    // A broken geography: every problem is listed with its feature, and nothing is written.
    let mut broken: serde_json::Value = serde_json::from_str(&doc("geography")).unwrap();
    let features = broken["features"].as_array_mut().unwrap();
    let last = features.len() - 1;
    features[last]["geometry"]["coordinates"][0].as_array_mut().unwrap().pop();
    let dup = features[last - 1].clone();
    features.push(dup);
    let out = gridflow(&backends, &["import", "grids", &file("broken.geojson", &broken.to_string())], "");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("features[{last}]")), "{}", text(&out));
    assert!(text(&out).contains("duplicate code"), "{}", text(&out));
    assert!(text(&out).contains("nothing was imported"), "{}", text(&out));

    for (kind, name) in
        [("grids", "geography"), ("directory", "directory"), ("catalogue", "catalogue"), ("rules", "rules")]
    {
        let out = gridflow(&backends, &["import", kind, &file(&format!("{name}.json"), &doc(name))], "");
        assert!(out.status.success(), "{kind}: {}", text(&out));
        assert!(text(&out).contains(&format!("imported {name} revision 1")), "{}", text(&out));
    }
    // One more rules version from CSV, then a bad one that must change nothing.
    let csv = "id,category,area,lead,co_handlers,priority,note\n1,event:0102,110101,dept-greening,,0,test\n";
    let args = ["import", "rules", "", "--version", "3", "--effective-from", "2026-01-01"];
    let good = file("v3.csv", csv);
    let out = gridflow(&backends, &[&args[..2], &[good.as_str()], &args[3..]].concat(), "");
    assert!(out.status.success(), "{}", text(&out));
    let bad = file("v4.csv", &csv.replace("dept-greening", "dept-nowhere"));
    let args4 = ["import", "rules", bad.as_str(), "--version", "4", "--effective-from", "2026-02-01"];
    let out = gridflow(&backends, &args4, "");
    assert!(!out.status.success() && text(&out).contains("dept-nowhere"), "{}", text(&out));
    let out = gridflow(&backends, &["import", "rules", &good], "");
    assert!(!out.status.success() && text(&out).contains("--version"), "a CSV needs its version: {}", text(&out));

    // Next year's calendar from the shell: export, extend, import; an invalid one is refused.
    let out = gridflow(&backends, &["calendar", "export", "cn-default"], "");
    assert!(out.status.success(), "{}", text(&out));
    let mut spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut next = spec["versions"].as_array().unwrap().last().unwrap().clone();
    next["effective_from"] = json!("2027-01-01");
    next["overrides"] = json!([{ "date": "2027-01-01", "kind": "off", "name": "元旦", "source": "test" }]);
    spec["versions"].as_array_mut().unwrap().push(next);
    let mut bad = spec.clone();
    bad["time_zone"] = json!("Mars/Olympus_Mons");
    let out = gridflow(&backends, &["calendar", "import", &file("bad-cal.json", &bad.to_string())], "");
    assert!(!out.status.success() && text(&out).contains("nothing was saved"), "{}", text(&out));
    let out = gridflow(&backends, &["calendar", "import", &file("cal.json", &spec.to_string())], "");
    assert!(out.status.success() && text(&out).contains("revision 1"), "{}", text(&out));

    // The service runs on the imported data (the demo seed leaves it alone).
    let app = common::spawn_app(&backends).await;
    let dispatcher = app.login("dispatcher").await;
    let (_, overview) = app.get("/api/v1/reference", &dispatcher).await;
    assert_eq!(overview["summary"]["revisions"], json!({ "catalogue": 1, "directory": 1, "geography": 1, "rules": 2 }));
    let (_, grids) = app.get("/api/v1/grids", &dispatcher).await;
    let g = &grids["grids"][0]["centroid"];
    let (_, e) = app
        .post(
            "/api/v1/routing/explain",
            Some(&dispatcher),
            json!({ "category": "event:0102", "lat": g["lat"], "lon": g["lon"] }),
        )
        .await;
    assert_eq!(e["decision"]["lead"], "dept-greening", "{e}");
    assert_eq!(e["decision"]["rule_set_version"], 3);
    let preview = json!({ "start": "2026-12-31T17:00:00+08:00", "amount": 1, "unit": "working_hours" });
    let (_, due) = app.post("/api/v1/calendars/cn-default/due", Some(&dispatcher), preview).await;
    assert_eq!(due["due"], "2027-01-04T09:00:00+08:00", "the imported 2027 holiday is in force: {due}");
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_from_the_shell_are_all_or_nothing() {
    common::within(240, "imports_from_the_shell_are_all_or_nothing", imports_from_the_shell_are_all_or_nothing_body())
        .await;
}
