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

/// Each secret, as sent; none may appear anywhere, in any spelling
/// ([`spellings`]). Real tokens hold `/`, `+` and `=`, which JSON, URL and
/// HTML encoders write otherwise.
const SECRETS: &[&str] = &[
    "tok/AAAA+1111=",       // Authorization
    "sess/BBBB+2222==",     // X-Amz-Security-Token
    "cHJveHktQ0NDQzMzMzM=", // Proxy-Authorization
    "vend-DDDD4444",        // --redact-header X-Vendor-Key
    "auth-EEEE5555",        // X-Auth-Token: secret by its name
    "pa55-FFFF6666",        // the target URL's password
];

/// A secret as the encoders a target may use write it: as is, JSON with
/// `\/` (PHP), JSON with `\u003d` and `\u002b` (Gson), percent-encoded,
/// and as HTML entities.
fn spellings(secret: &str) -> Vec<String> {
    vec![
        secret.to_string(),
        secret.replace('/', "\\/"),
        secret
            .replace('=', "\\u003d")
            .replace('+', "\\u002b")
            .replace('/', "\\u002f"),
        secret
            .replace('%', "%25")
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D"),
        secret.replace('/', "&#47;").replace('+', "&#x2B;"),
    ]
}

/// A listing of one job whose name holds `echoed`, written as Gson and PHP
/// would: `=`, `+` and `/` escaped in the JSON text, so that decoding
/// gives each secret back whole.
fn echo_listing(echoed: &str) -> Answer {
    let name = serde_json::to_string(echoed)
        .unwrap_or_default()
        .replace('=', "\\u003d")
        .replace('+', "\\u002b")
        .replace('/', "\\/");
    Answer {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: format!(r#"{{"items": [{{"jobId": "j1", "name": {name}}}]}}"#).into_bytes(),
    }
}

/// The echo of the request's headers, written once in each spelling.
fn echo_all(headers: &axum::http::HeaderMap) -> String {
    headers
        .iter()
        .flat_map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            spellings(&v)
                .into_iter()
                .map(move |s| format!("{k}: {s}\n"))
        })
        .collect()
}

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
  - id: hostile.error
    verifies: an error whose name and message hold control characters
    level: must
    request: {body: {maxResults: 3}}
    expect: {error: ValidationException}
"#;

/// Answers every request by quoting its headers: as a JSON listing whose
/// job name holds them when the request asks for 2 results, otherwise as
/// text with an OSC window title, a bell, a carriage return that would
/// overwrite the line with a fake verdict, a NUL and a bidi override.
async fn echoing_target() -> String {
    common::fake_past_the_probe(|body, headers| {
        let echoed = echo_all(headers);
        if body["maxResults"] == 3 {
            // The error's name reaches check messages, and from there the
            // JUnit message attribute.
            let controls: String = CONTROLS.iter().collect();
            return Answer::json(
                400,
                serde_json::json!({
                    "__type": format!("Validation\u{1b}[31mException{controls}: ALL 253 PASSED"),
                    "message": format!("{controls}{echoed}"),
                }),
            );
        }
        if body["maxResults"] == 2 {
            return echo_listing(&echoed);
        }
        let text = format!(
            "\u{1b}]0;pwned\u{7}\r\u{1b}[2K146 passed, 0 failed, ALL PASSED\0\u{202e}evil\n{}\n{echoed}",
            CONTROLS.iter().collect::<String>()
        );
        Answer {
            status: 500,
            headers: vec![("content-type", "text/plain".into())],
            body: text.into_bytes(),
        }
    })
    .await
}

/// Every character no output may show raw: C0 (but newline and tab, the
/// layout of blocks), DEL, C1, the line and paragraph separators, and the
/// bidi marks, embeddings, overrides and isolates.
const CONTROLS: &[char] = &[
    '\u{0}', '\u{1}', '\u{2}', '\u{3}', '\u{4}', '\u{5}', '\u{6}', '\u{7}', '\u{8}', '\u{b}',
    '\u{c}', '\u{d}', '\u{e}', '\u{f}', '\u{10}', '\u{11}', '\u{12}', '\u{13}', '\u{14}', '\u{15}',
    '\u{16}', '\u{17}', '\u{18}', '\u{19}', '\u{1a}', '\u{1b}', '\u{1c}', '\u{1d}', '\u{1e}',
    '\u{1f}', '\u{7f}', '\u{80}', '\u{81}', '\u{85}', '\u{8d}', '\u{9b}', '\u{9f}', '\u{2028}',
    '\u{2029}', '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
    '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

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
        "Authorization: Bearer tok/AAAA+1111=",
        "X-Amz-Security-Token: sess/BBBB+2222==",
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
            for spelled in spellings(secret) {
                assert!(
                    !text.contains(&spelled),
                    "{secret} leaks into {} as {spelled}:\n{text}",
                    path.display()
                );
            }
        }
        // JSON, for machines, keeps the data as sent: it escapes every C0
        // control, but the others are legal text there.
        let json = path.ends_with("report.json") || path.ends_with("run-info.json");
        for &c in CONTROLS {
            if json && c >= '\u{7f}' {
                continue;
            }
            assert!(
                !text.contains(c),
                "raw {c:?} in {}:\n{text}",
                path.display()
            );
        }
    }
    // The JUnit report is XML a CI server parses.
    let junit = std::fs::read_to_string(s.0.join("out/junit.xml")).expect("junit");
    let mut reader = quick_xml::Reader::from_str(&junit);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("junit.xml is not XML ({e}):\n{junit}"),
        }
    }
    assert!(
        junit.contains("\\u001b]0;pwned"),
        "the target's text is shown escaped: {junit}"
    );
    // In the message attribute too: escaped where a reader sees it, not
    // stripped into text that reads as the target's own.
    assert!(
        junit.contains("message=\"[should] error type: expected error ValidationException, but body member __type says Validation\\u001b[31mException\\u0000"),
        "{junit}"
    );
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

/// A URL's `user:password@` becomes a Basic credential: neither the
/// password nor the base64 of `user:password`, in any spelling, reaches an
/// output, `--print-config` included (from the command line or the
/// settings file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_target_url_leaks_nowhere() {
    const PASSWORD: &str = "pa55/GGGG+7777=";
    const BASIC: &str = "YWxpY2U6cGE1NS9HR0dHKzc3Nzc9";
    let url = echoing_target().await;
    let encoded = PASSWORD
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D");
    let target = url.replace("http://", &format!("http://alice:{encoded}@"));
    // A target of its own for the exploration, which lists its echo on
    // every request.
    let explore_target = common::fake(|_, headers| echo_listing(&echo_all(headers)))
        .await
        .replace("http://", &format!("http://alice:{encoded}@"));
    let s = scratch("basic");
    s.write("settings.toml", format!("target = {target:?}\n"));
    let dir = s.0.clone();
    let (run_out, config_out, file_config_out) = tokio::task::spawn_blocking(move || {
        let reports = [
            "--junit",
            "out/junit.xml",
            "--json",
            "out/report.json",
            "--html",
            "out/report.html",
            "--markdown",
            "out/report.md",
        ];
        std::fs::create_dir_all(dir.join("out")).expect("out");
        let mut args = vec![
            "run".to_string(),
            "-v".into(),
            "--target".into(),
            target.clone(),
        ];
        args.extend(reports.iter().map(|a| a.to_string()));
        let run_out = run(&dir, args);
        let config = run(
            &dir,
            vec![
                "run".into(),
                "--target".into(),
                target.clone(),
                "--print-config".into(),
            ],
        );
        // An exploration too, its failures saved: none may hold a secret.
        let explored = binary()
            .current_dir(&dir)
            .args(["explore", "--seed", "1", "--budget", "40"])
            .args(["--target", &explore_target])
            .args(["--save-failures", "out/saved", "--json", "out/explore.json"])
            .output()
            .expect("binary runs");
        assert!(
            matches!(explored.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&explored.stderr)
        );
        let file_config = run(
            &dir,
            vec![
                "run".into(),
                "--config".into(),
                "settings.toml".into(),
                "--print-config".into(),
            ],
        );
        (run_out, config, file_config)
    })
    .await
    .expect("joined");
    let mut outputs = Vec::new();
    for (name, out) in [
        ("run", &run_out),
        ("--print-config", &config_out),
        ("--print-config from the settings file", &file_config_out),
    ] {
        outputs.push((
            PathBuf::from(format!("{name}: stdout")),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        outputs.push((
            PathBuf::from(format!("{name}: stderr")),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    outputs.extend(files(&s.0.join("out")));
    assert!(outputs.len() >= 10, "every report written: {outputs:?}");
    assert!(
        outputs
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("out/saved/explore-s1.yaml")),
        "the exploration saved its failures: {:?}",
        outputs.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    // The target did echo the credential, so the test tests something.
    let stdout = &outputs[0].1;
    assert!(stdout.contains("authorization: [REDACTED]"), "{stdout}");
    for (path, text) in &outputs {
        for secret in [PASSWORD, BASIC, "alice:pa55"] {
            for spelled in spellings(secret) {
                assert!(
                    !text.contains(&spelled),
                    "{secret} leaks into {} as {spelled}:\n{text}",
                    path.display()
                );
            }
        }
    }
    for out in [&config_out, &file_config_out] {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("target = \"http://[REDACTED]@127.0.0.1:"),
            "{text}"
        );
    }
}
