//! `macie-conform serve` as a user runs it: a real process on a free port.

use std::process::Command;

mod serve_process;
use serve_process::serve;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_macie-conform"))
}

#[tokio::test]
async fn serve_on_port_zero_prints_its_address_and_answers() {
    let (_guard, url) = serve(&[]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "the real port is printed: {url}");

    let _ = rustls::crypto::ring::default_provider().install_default();
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/jobs/list"))
        .body(r#"{"maxResults": 3}"#)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(3));
    assert!(body["nextToken"].is_string());
}

#[test]
fn serve_refuses_a_bad_fixture_with_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("macie-conform-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("jobs.json");
    std::fs::write(&path, "[{\"jobId\": 1}]").expect("write");
    let out = binary()
        .args(["serve", "--port", "0", "--fixture"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jobs.json") && stderr.contains("line 1"),
        "{stderr}"
    );

    let out = binary()
        .args(["serve", "--fixture", "a.json", "--jobs", "5"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Correctness under load: the whole suite at 64 cases at once against a
/// hundred thousand synthetic jobs. Cases that need the canonical data set
/// are skipped, and walks too long for the harness's retained-bytes budget
/// or its 1000-page limit per walk (a walk at `maxResults` 1 over such a
/// listing) are not verified; neither fails.
#[test]
fn the_suite_passes_at_64_cases_at_once_against_100000_jobs() {
    let (_server, url) = serve(&["--jobs", "100000", "--faults"]);
    let dir = std::env::temp_dir().join(format!("macie-conform-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let report = dir.join("report.json");
    let out = binary()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("MACIE_CONFORM_TARGET")
        .args(["run", "--target", &url, "--faults", "-j", "64", "--json"])
        .arg(&report)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() == Some(0),
        "no must or should case fails: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written"))
            .expect("report is JSON");
    let _ = std::fs::remove_dir_all(&dir);
    let cases = report["cases"].as_array().expect("cases");
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in cases {
        match case["verdict"].as_str() {
            Some("pass") => passed += 1,
            Some("skip") => {}
            _ => failures.extend(
                case["checks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|c| c["outcome"] == "fail" && c["level"] != "info")
                    .map(|c| format!("{}: {}", case["id"], c["message"])),
            ),
        }
    }
    assert!(
        failures.is_empty(),
        "failed under load:\n{}",
        failures.join("\n")
    );
    assert!(passed >= 100, "only {passed} cases passed: {stdout}");
}

/// A `--target` with a wrong path prefix reaches a server, but not the
/// operation: the run stops before any case, with one message and exit 3
/// (as for a target that cannot be reached), not 137 failures.
#[test]
fn a_wrong_path_prefix_stops_the_run_before_any_case() {
    let (_guard, url) = serve(&[]);
    let out = binary()
        .args(["run", "--target", &format!("{url}/wrong-prefix")])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.trim().is_empty(), "no case ran: {stdout}");
    let lines = stderr.lines().count();
    assert!(lines <= 10, "{lines} lines: {stderr}");
    assert!(
        stderr.contains("does not answer a plain listing request")
            && stderr.contains("status 404")
            && stderr.contains("path prefix"),
        "{stderr}"
    );
}

/// A server that answers with an HTML page (an emulator that does not
/// implement the operation, a proxy's error page) stops the run the same
/// way, naming what came back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_answer_to_the_probe_stops_the_run() {
    let app = axum::Router::new().fallback(|| async {
        (
            [("content-type", "text/html")],
            "<html><body>It works!</body></html>",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let out = tokio::task::spawn_blocking(move || {
        binary()
            .args(["run", "--target", &url])
            .output()
            .expect("runs")
    })
    .await
    .expect("joined");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("status 200 with text/html, a body that is not JSON"),
        "{stderr}"
    );
}
