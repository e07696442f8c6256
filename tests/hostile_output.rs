//! What a hostile target can make the harness print: a target that echoes
//! every request header into its answers and fills them with control
//! bytes. No secret may appear in any output (stdout, stderr, the four
//! reports, snapshots, `curl` lines), and no raw control character may
//! reach the terminal or a report.

mod common;

use common::Answer;
use common::cli::{Scratch, binary, files};
use std::path::{Path, PathBuf};
use std::process::Output;

/// Each secret, as sent; none may appear anywhere.
const SECRETS: &[&str] = &[
    "tok-AAAA1111",         // Authorization
    "sess-BBBB2222",        // X-Amz-Security-Token
    "cHJveHktQ0NDQzMzMzM=", // Proxy-Authorization
    "vend-DDDD4444",        // --redact-header X-Vendor-Key
    "auth-EEEE5555",        // X-Auth-Token: secret by its name
    "pa55-FFFF6666",        // the target URL's password
];

const CASES: &str = r#"cases:
  - id: hostile.text
    verifies: a non-JSON answer full of control bytes and echoed headers
    level: must
    request: {body: {maxResults: 1}}
    expect: {status: 200}
  - id: hostile.snapshot
    verifies: a JSON answer that echoes the headers, kept as a snapshot
    level: must
    fixture: true
    request: {body: {maxResults: 2}}
    expect: {status: 200, snapshot: true}
"#;

/// Answers every request by quoting its headers: as a JSON listing whose
/// job name holds them when the request asks for 2 results, otherwise as
/// text with an OSC window title, a bell, a carriage return that would
/// overwrite the line with a fake verdict, a NUL and a bidi override.
async fn echoing_target() -> String {
    common::fake_past_the_probe(|body, headers| {
        let echoed: String = headers
            .iter()
            .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if body["maxResults"] == 2 {
            return Answer::json(
                200,
                serde_json::json!({"items": [{"jobId": "j1", "name": echoed}]}),
            );
        }
        let text = format!(
            "\u{1b}]0;pwned\u{7}\r\u{1b}[2K146 passed, 0 failed, ALL PASSED\0\u{202e}evil\n{echoed}"
        );
        Answer {
            status: 500,
            headers: vec![("content-type", "text/plain".into())],
            body: text.into_bytes(),
        }
    })
    .await
}

fn scratch(name: &str) -> Scratch {
    let s = Scratch::new(&format!("hostile-output-{name}"));
    s.write("cases/a.yaml", CASES);
    s.write("fixture.json", "[]");
    s
}

fn run(dir: &Path, args: Vec<String>) -> Output {
    binary()
        .current_dir(dir)
        .args(args.iter().take(1))
        // The scratch folder's own cases only, not the built-in suite.
        .args(["--no-builtin", "--cases", "cases"])
        .args(args.iter().skip(1))
        .output()
        .expect("binary runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_echoing_target_leaks_no_secret_and_no_control_byte() {
    let url = echoing_target().await;
    let target = url.replace("http://", "http://alice:pa55-FFFF6666@");
    let s = scratch("echo");
    let dir = s.0.clone();
    let mut args: Vec<String> = [
        "run",
        "-v",
        "-j",
        "1",
        "--target",
        &target,
        "--fixture",
        "fixture.json",
        "--snapshots",
        "new",
        "--snapshot-dir",
        "snapshots",
        "--redact-header",
        "X-Vendor-Key",
        "--junit",
        "out/junit.xml",
        "--json",
        "out/report.json",
        "--html",
        "out/report.html",
        "--markdown",
        "out/report.md",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    for header in [
        "Authorization: Bearer tok-AAAA1111",
        "X-Amz-Security-Token: sess-BBBB2222",
        "Proxy-Authorization: Basic cHJveHktQ0NDQzMzMzM=",
        "X-Vendor-Key: vend-DDDD4444",
        "X-Auth-Token: auth-EEEE5555",
    ] {
        args.push("-H".into());
        args.push(header.into());
    }
    std::fs::create_dir_all(dir.join("out")).expect("out");
    let out = tokio::task::spawn_blocking(move || run(&dir, args))
        .await
        .expect("joined");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");

    let mut outputs = vec![
        (PathBuf::from("stdout"), stdout.clone()),
        (PathBuf::from("stderr"), stderr.clone()),
    ];
    outputs.extend(files(&s.0.join("out")));
    outputs.extend(files(&s.0.join("snapshots")));
    let names: Vec<String> = outputs
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    for wanted in [
        "junit.xml",
        "report.json",
        "report.html",
        "report.md",
        ".snap.new",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(wanted)),
            "{wanted} written: {names:?}"
        );
    }
    // The echo did reach the outputs (so the test tests something), redacted.
    assert!(stdout.contains("[REDACTED]"), "{stdout}");
    assert!(
        stdout.contains("curl -sS"),
        "a curl line is among the outputs: {stdout}"
    );
    for (path, text) in &outputs {
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "{secret} leaks into {}:\n{text}",
                path.display()
            );
        }
        // JSON, for machines, keeps the data as sent: it escapes every C0
        // control, but a bidi override is legal text there.
        let bidi = !path.ends_with("report.json");
        for c in ['\u{1b}', '\u{7}', '\r', '\0', '\u{202e}'] {
            if c == '\u{202e}' && !bidi {
                continue;
            }
            assert!(
                !text.contains(c),
                "raw {c:?} in {}:\n{text}",
                path.display()
            );
        }
    }
    // Shown, escaped, where a reader can see what the target did.
    assert!(
        stdout.contains("\\u001b]0;pwned\\u0007\\r\\u001b[2K146 passed"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(s.0.join("out/report.html")).expect("html");
    assert!(
        html.contains("\\u001b]0;pwned"),
        "the body is shown escaped"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("146 passed")),
        "no forged closing line: {stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_keeps_its_password_out_of_the_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let s = scratch("unreachable");
    let dir = s.0.clone();
    let args = vec![
        "run".to_string(),
        "--target".into(),
        format!("http://alice:pa55-FFFF6666@127.0.0.1:{port}"),
    ];
    let out = tokio::task::spawn_blocking(move || run(&dir, args))
        .await
        .expect("joined");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
    assert!(
        !stderr.contains("pa55-FFFF6666") && !String::from_utf8_lossy(&out.stdout).contains("pa55"),
        "{stderr}"
    );
}
