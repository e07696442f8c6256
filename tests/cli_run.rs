//! `macie-conform run`, `list` and `check` as a user runs them: exit codes,
//! output, redaction and snapshots.

mod common;

use common::cli::{Scratch, assert_conformant, binary, own_suite, read_json, text};
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    binary()
        .current_dir(dir)
        .args(own_suite(args))
        .output()
        .expect("binary runs")
}

const PASSING: &str = r#"cases:
  - id: ok.listing
    verifies: a listing is answered
    level: must
    request: {body: {maxResults: 3}}
    expect: {status: 200, semantics: [page_size]}
"#;

const FAILING: &str = r#"cases:
  - id: bad.expects-201
    verifies: deliberately wrong expectation, to see a failure
    level: must
    request:
      headers: {authorization: "AWS4-HMAC-SHA256 Credential=secret-key-123", x-api-key: "hush-456"}
      body: {maxResults: 1, sortCriteria: {attributeName: createdAt, orderBy: ASC}}
    expect:
      status: 201
      body_subset: {items: [{name: "not this name"}]}
  - id: ok.still-runs
    verifies: other cases still run after a failure
    level: must
    request: {body: {}}
    expect: {status: 200}
  - id: info.observed
    verifies: an info-level mismatch is reported, never failed
    level: info
    request: {body: {}}
    expect: {status: 204}
"#;

#[test]
fn the_real_suite_passes_against_the_embedded_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bundle = Scratch::new("cli-run");
    let dir = bundle.path("bundle");
    let dir = dir.to_str().expect("UTF-8 path");
    let out = run_in(
        root,
        &[
            "run",
            "--snapshots",
            "check",
            "--certify",
            "--report-dir",
            dir,
        ],
    );
    // The embedded server holds the data set and injects faults, so the
    // whole suite runs and the claim can be made.
    let (stdout, _) = assert_conformant(&out);
    let info = read_json(bundle.path("bundle/run-info.json"));
    assert_eq!(info["conformance"], "must_and_should");
    assert_eq!(info["certification"]["problems"], serde_json::json!([]));
    // What the reference server chose where the document is open, whether
    // or not it is what the info cases expect: the default page size among
    // them, in plain words.
    let choices = info["choices"].as_array().cloned().unwrap_or_default();
    for (id, words) in [
        (
            "OC-1",
            "default page size: at least 79 (all 79 jobs on one page)",
        ),
        ("OC-3", "order: by createdAt ASC"),
        ("OC-13", "undocumented request members: ignored"),
        ("OC-2", "maxResults: honoured up to 2147483647"),
    ] {
        assert!(
            choices.iter().any(|c| c["choice"] == id
                && c["as_reference"] == true
                && c["answer"].as_str().is_some_and(|a| a.starts_with(words))),
            "{id}: {choices:?}"
        );
        // The terminal says it too, one line per choice.
        assert!(stdout.contains(&format!("  {id:<6} {words}")), "{stdout}");
    }
    assert!(
        stdout.contains("Choices your server made (")
            && stdout.contains("\n  info: ")
            && stdout.contains(" observed, 0 failed, 0 skipped\n"),
        "{stdout}"
    );
    let md = std::fs::read_to_string(bundle.path("bundle/report.md")).expect("markdown");
    assert!(md.contains("## Choices your server made ("), "{md}");
    let html = std::fs::read_to_string(bundle.path("bundle/report.html")).expect("html");
    assert!(html.contains("<h2>Choices your server made ("));
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(" failed, 0 skipped") || last.contains(" 0 failed"),
        "{last}"
    );
    assert!(last.contains(" 0 failed"), "{last}");
}

#[test]
fn a_passing_run_exits_0_with_the_closing_line() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", PASSING);
    let out = run_in(&s.0, &["run"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("\n  must: 1 passed, 0 failed, 0 skipped\n"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().last(), Some("1 passed, 0 failed, 0 skipped"));
    assert!(stderr.contains("embedded reference server"), "{stderr}");
}

#[test]
fn a_failing_run_exits_1_with_details_a_curl_command_and_redaction() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", FAILING);
    let out = run_in(&s.0, &["run", "--redact-header", "X-Api-Key", "-j", "1"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    // The findings lead, one per defect: the body that differs follows
    // from the wrong status, so it is the same finding. Then one example
    // case per finding.
    assert!(
        stdout.starts_with(
            "Findings: 1 defect(s) behind 1 failed case(s), most severe first\n  1. [must] status 200 where 201 was expected (1 case(s))\n     cases: bad.expects-201\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nFinding 1, as case bad.expects-201 shows it:\n"),
        "{stdout}"
    );
    // The embedded server is gone when the run ends: how to start one.
    assert!(
        stdout.contains("macie-conform serve --port 8080 --faults &"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(cases/a.yaml:2) [must]"),
        "points at the case: {stdout}"
    );
    assert!(
        stdout.contains("--- expected") && stdout.contains("+++ actual"),
        "diff shown: {stdout}"
    );
    assert!(
        stdout.contains("-      \"name\": \"not this name\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("curl -sS -i -X POST 'http://127.0.0.1:8080/jobs/list'"),
        "{stdout}"
    );
    assert!(stdout.contains("'authorization: [REDACTED]'"), "{stdout}");
    assert!(stdout.contains("'x-api-key: [REDACTED]'"), "{stdout}");
    assert!(!stdout.contains("secret-key-123") && !stderr.contains("secret-key-123"));
    assert!(!stdout.contains("hush-456") && !stderr.contains("hush-456"));
    assert!(
        stdout.contains("Other observations (info level, never failures)\n  info.observed status: the target answered 200 (the case expects 204)\n"),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "no colour when not a terminal");
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 1 failed, 0 skipped, 1 observed"),
        "{stdout}"
    );
}

#[test]
fn an_unreachable_target_exits_3() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", PASSING);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}");
    let out = run_in(&s.0, &["run", "--target", &url]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach the target {url}")),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");

    let env = binary()
        .current_dir(&s.0)
        .env("MACIE_CONFORM_TARGET", &url)
        .args(own_suite(&["run"]))
        .output()
        .expect("runs");
    assert_eq!(
        env.status.code(),
        Some(3),
        "the target may come from the environment"
    );
}

/// A loopback target that reads each request and hands the socket to
/// `answer`, one thread per connection.
fn stalling_target(answer: fn(&mut std::net::TcpStream)) -> String {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            std::thread::spawn(move || {
                // The head and the small JSON body arrive together; one read
                // is enough to let the client wait for the answer.
                let mut buf = [0u8; 8192];
                let _ = socket.read(&mut buf);
                answer(&mut socket);
                std::thread::sleep(std::time::Duration::from_secs(5));
            });
        }
    });
    url
}

#[test]
fn headers_then_a_stalled_body_is_a_failed_case_not_an_unreachable_target() {
    use std::io::Write;
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", PASSING);
    let stalls = stalling_target(|socket| {
        let _ = socket.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"items\":",
        );
    });
    let out = run_in(&s.0, &["run", "--target", &stalls, "--timeout", "0.5"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("status 200 and its headers came, but the body stalled after 9 byte(s)"),
        "{stdout}"
    );
    assert!(!stderr.contains("cannot reach"), "{stderr}");

    // Silence before the headers still means unreachable.
    let silent = stalling_target(|_| {});
    let out = run_in(&s.0, &["run", "--target", &silent, "--timeout", "0.5"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(
        stderr.contains("no complete answer within 500 ms"),
        "{stderr}"
    );
}

#[test]
fn case_file_errors_exit_2_and_point_at_the_line() {
    let s = Scratch::new("cli-run");
    s.write(
        "cases/broken.yaml",
        "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect:\n      stauts: 200\n",
    );
    for command in [&["check"][..], &["run"][..], &["list"][..]] {
        let out = run_in(&s.0, command);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {stdout}{stderr}");
        assert!(stderr.contains("--> cases/broken.yaml:7:7"), "{stderr}");
        assert!(stderr.contains("unknown field `stauts`"), "{stderr}");
        assert!(stderr.contains("help:"), "{stderr}");
    }
    let missing = run_in(&s.0, &["check", "--cases", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing).1.contains("--cases"),
        "the error says what to do"
    );
    let bad_target = run_in(&s.0, &["run", "--target", "ftp://example"]);
    assert_eq!(bad_target.status.code(), Some(2));
    s.write(
        "good/ok.yaml",
        "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect: {status: 200}\n",
    );
    s.write("not-a-list.json", "{\"jobId\": \"a\"}");
    for (fixture, reason) in [
        ("missing.json", "No such file"),
        ("not-a-list.json", "not a JSON array of jobs"),
    ] {
        let out = run_in(
            &s.0,
            &[
                "run",
                "--cases",
                "good",
                "--target",
                "http://127.0.0.1:9",
                "--fixture",
                fixture,
            ],
        );
        let stderr = text(&out).1;
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(reason), "{stderr}");
        assert!(
            stderr.contains("--fixture takes the JSON array"),
            "{stderr}"
        );
    }
}

/// Cases that would check nothing, or could never be sent as written, are
/// refused by `check` and by `run` before anything is sent, each at its
/// file, line and column. (The parser stops at the first such problem of a
/// file, so each sits in a file of its own.)
#[test]
fn cases_that_check_nothing_are_refused_before_anything_runs() {
    let s = Scratch::new("cli-run");
    let case = |id: &str, rest: &str| {
        format!("cases:\n  - id: {id}\n    verifies: x\n    level: must\n{rest}")
    };
    let files = [
        (
            "no-cases.yaml",
            "cases: []\n".to_string(),
            "no-cases.yaml:1:8",
            "`cases: []` holds no case",
        ),
        (
            "no-expect.yaml",
            case("quiet", "    request: {body: {maxResults: 1}}\n"),
            "no-expect.yaml:2:9",
            "case `quiet` expects nothing",
        ),
        (
            "empty-any-of.yaml",
            case("any", "    expect:\n      any_of: []\n"),
            "empty-any-of.yaml:6:15",
            "`any_of: []` lists no alternative",
        ),
        (
            "status.yaml",
            case(
                "status",
                "    expect:\n      any_of: [{status: 200}, {status: 2000}]\n",
            ),
            "status.yaml:6:40",
            "status 2000 is not an HTTP status code",
        ),
        (
            "method.yaml",
            case(
                "method",
                "    request:\n      method: \"POST /jobs/list\"\n    expect: {status: 200}\n",
            ),
            "method.yaml:6:15",
            "method \"POST /jobs/list\" is not an HTTP method",
        ),
        (
            "url.yaml",
            case(
                "url",
                "    request:\n      path: http://127.0.0.1:9/jobs/list\n    expect: {status: 200}\n",
            ),
            "url.yaml:6:13",
            "path \"http://127.0.0.1:9/jobs/list\" is an absolute URL",
        ),
        (
            "snapshots.yaml",
            format!(
                "{}{}",
                case(
                    "coll.a",
                    "    steps:\n      - expect: {snapshot: true}\n      - expect: {snapshot: true}\n"
                ),
                case("coll.a.1", "    expect: {snapshot: true}\n").trim_start_matches("cases:\n")
            ),
            "snapshots.yaml:8:9",
            "case `coll.a.1` writes snapshot `coll.a.1`, as case `coll.a`, step 1 does",
        ),
    ];
    for (name, text, _, _) in &files {
        s.write(&format!("cases/{name}"), text);
    }
    for command in [
        &["check"][..],
        &["run", "--target", "http://127.0.0.1:9"][..],
    ] {
        let out = run_in(&s.0, command);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {stdout}{stderr}");
        for (_, _, at, message) in &files {
            assert!(
                stderr.contains(&format!("error: {message}")),
                "{command:?}: no {message:?} in\n{stderr}"
            );
            assert!(
                stderr.contains(&format!("--> cases/{at}")),
                "{command:?}: no {at} in\n{stderr}"
            );
        }
        assert!(
            stderr.matches("= help: ").count() >= files.len(),
            "every refusal says what to write instead:\n{stderr}"
        );
    }
}

#[test]
fn check_and_list_report_the_suite() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", FAILING);
    let out = run_in(&s.0, &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out).0.lines().next(),
        Some("3 case(s) OK (2 must, 0 should, 1 info); schemas compile")
    );
    let out = run_in(&s.0, &["list"]);
    let (stdout, _) = text(&out);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok.still-runs\tmust\t\tother cases still run")),
        "{stdout}"
    );
}

#[test]
fn selection_by_filter_tag_and_level() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", FAILING);
    let out = run_in(&s.0, &["run", "--filter", "ok.*"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(
        text(&out).0.lines().last(),
        Some("1 passed, 0 failed, 0 skipped")
    );
    let out = run_in(&s.0, &["run", "--level", "info"]);
    assert_eq!(out.status.code(), Some(0), "info cases never fail a run");
    let out = run_in(&s.0, &["run", "--tag", "nothing-has-this"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an empty selection is a usage error"
    );
}

#[test]
fn requirements_are_traced_in_both_directions() {
    let s = Scratch::new("cli-run");
    s.write(
        "cases/requirements.yaml",
        "requirements:\n  - id: LCJ-PAGE-001\n    level: must\n    section: ListClassificationJobsRequest\n    statement: maxResults bounds a page\n  - id: LCJ-PAGE-002\n    level: must\n    section: x\n    statement: uncovered\n",
    );
    s.write(
        "cases/a.yaml",
        "cases:\n  - id: a\n    verifies: x\n    level: must\n    requirements: [LCJ-PAGE-001, LCJ-NOPE-009]\n    request: {}\n    expect: {status: 200}\n",
    );
    let out = run_in(&s.0, &["check"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown requirement `LCJ-NOPE-009`") && stderr.contains("cases/a.yaml:5:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("requirement `LCJ-PAGE-002` is verified by no case")
            && stderr.contains("cases/requirements.yaml:6:"),
        "{stderr}"
    );

    s.write(
        "cases/a.yaml",
        "cases:\n  - id: a\n    verifies: x\n    level: must\n    requirements: [LCJ-PAGE-001, LCJ-PAGE-002]\n    request: {}\n    expect: {status: 200}\n",
    );
    let out = run_in(&s.0, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        text(&out)
            .0
            .contains("2 of 2 requirement(s) covered (100%)")
    );
    let out = run_in(&s.0, &["list", "--requirements"]);
    assert_eq!(
        text(&out).0,
        "LCJ-PAGE-001\tmust\tListClassificationJobsRequest\t1\ta\nLCJ-PAGE-002\tmust\tx\t1\ta\n"
    );

    // A folder without a catalogue that names a requirement no loaded
    // catalogue declares: an error with the built-in suite and without it.
    s.write(
        "mine/b.yaml",
        "cases:\n  - id: b\n    verifies: x\n    level: must\n    requirements: [LCJ-NOPE-001]\n    request: {}\n    expect: {status: 200}\n",
    );
    for args in [
        &["check", "--no-builtin", "--cases", "mine"][..],
        &["check", "--cases", "mine"][..],
    ] {
        let out = run_in(&s.0, args);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("unknown requirement `LCJ-NOPE-001`")
                && stderr.contains("mine/b.yaml:5:"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn snapshots_new_update_and_check() {
    let s = Scratch::new("cli-run");
    s.write(
        "cases/a.yaml",
        "cases:\n  - id: snap.page\n    verifies: x\n    level: must\n    fixture: true\n    request: {body: {maxResults: 2, sortCriteria: {attributeName: jobStatus, orderBy: ASC}}}\n    expect: {status: 200, snapshot: true}\n",
    );
    // The folder named: without --snapshot-dir, writing needs ./snapshots
    // to exist already (the built-in copies are inside the binary).
    let check = |mode: &str| {
        run_in(
            &s.0,
            &["run", "--snapshot-dir", "snapshots", "--snapshots", mode],
        )
    };

    let out = check("check");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a missing snapshot fails in check mode"
    );
    assert!(
        text(&out).0.contains("no snapshot `snap.page` stored"),
        "{:?}",
        text(&out)
    );
    assert!(
        !s.path("snapshots/snap.page.snap.new").exists(),
        "check mode writes nothing"
    );

    let out = check("new");
    assert_eq!(out.status.code(), Some(1));
    let pending = std::fs::read_to_string(s.path("snapshots/snap.page.snap.new"))
        .expect("pending snapshot written");
    assert!(
        pending.starts_with("---\n") && pending.contains("[nextToken]"),
        "{pending}"
    );

    let out = check("update");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(s.path("snapshots/snap.page.snap").exists());
    assert!(
        !s.path("snapshots/snap.page.snap.new").exists(),
        "update clears the pending file"
    );

    let out = check("check");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    // A changed snapshot fails with a diff.
    let stored = std::fs::read_to_string(s.path("snapshots/snap.page.snap")).expect("stored");
    std::fs::write(
        s.path("snapshots/snap.page.snap"),
        stored.replacen("\"status\": 200", "\"status\": 299", 1),
    )
    .expect("edit");
    let out = check("check");
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("snapshot `snap.page` changed"), "{stdout}");
    assert!(
        stdout.contains("-  \"status\": 299") && stdout.contains("+  \"status\": 200"),
        "{stdout}"
    );
}

#[test]
fn min_coverage_gates_the_run_and_reports_are_written() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", PASSING);
    let out = run_in(&s.0, &["run", "--min-coverage", "99"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is below --min-coverage 99%; uncovered: request member: filterCriteria"),
        "{stderr}"
    );
    let paths = ["r.xml", "r.json", "r.html", "r.md"];
    let out = run_in(
        &s.0,
        &[
            "run",
            "--min-coverage",
            "1",
            "--junit",
            paths[0],
            "--json",
            paths[1],
            "--html",
            paths[2],
            "--markdown",
            paths[3],
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    for p in paths {
        let written = std::fs::read_to_string(s.path(p)).expect("report written");
        assert!(written.contains("ok.listing"), "{p} names the case");
    }
    let out = run_in(&s.0, &["run", "--json", "/no/such/dir/r.json"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unwritable report is a usage error"
    );
    assert!(
        text(&out)
            .1
            .contains("cannot write report /no/such/dir/r.json")
    );
}

/// `macie-conform serve --port 0` as a separate process, stopped on drop.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Served {
    fn start() -> Served {
        use std::io::BufRead;
        let mut child = binary()
            .args(["serve", "--port", "0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One case of each kind a run may not be able to run: plain, needing the
/// data set, needing fault injection, and an info case whose choice differs
/// from what it expects (an observation).
const CERTIFIABLE: &str = r#"cases:
  - id: plain.listing
    verifies: a listing is answered
    level: must
    request: {body: {maxResults: 3}}
    expect: {status: 200, semantics: [page_size]}
  - id: fixture.count
    verifies: the data set is served
    level: must
    fixture: true
    request: {body: {maxResults: 3}}
    expect: {status: 200, jsonpath: [{path: "$.items", length: 3}]}
  - id: faults.throttle
    verifies: throttling is answered with 429
    level: should
    faults: true
    request: {headers: {x-macie-conform-fault: ThrottlingException}}
    expect: {error: ThrottlingException}
  - id: info.default-page
    verifies: the default page size
    level: info
    request: {}
    expect: {jsonpath: [{path: "$.items", length: 7}]}
"#;

const BUNDLE: [&str; 5] = [
    "junit.xml",
    "report.json",
    "report.html",
    "report.md",
    "run-info.json",
];

#[test]
fn against_serve_without_the_declared_data_set_the_run_is_incomplete_and_certify_exits_1() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", CERTIFIABLE);
    let served = Served::start();
    // Credentials in the target URL must reach no report.
    let target = served.url.replace("http://", "http://vendor:hunter2@");
    let plain = run_in(&s.0, &["run", "--target", &target, "--json", "plain.json"]);
    let (stdout, stderr) = text(&plain);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "nothing failed: {stdout}{stderr}"
    );
    assert!(
        stdout.contains(
            "\nSkipped (2), by reason\n\
             \x20    1  needs the canonical data set; pass --fixture builtin if the target serves it (macie-conform fixture writes it)\n\
             \x20    1  needs fault injection (x-macie-conform-fault); pass --faults if the target honours it\n"
        ),
        "skips are summarised without -v: {stdout}"
    );
    assert!(
        stdout.contains(
            "\nIncomplete: 1 of 2 must cases ran; 1 needs the canonical data set\n\
             \x20 0 of 1 should cases ran; 1 needs fault injection (x-macie-conform-fault)\n"
        ),
        "{stdout}"
    );
    assert_eq!(
        read_json(s.path("plain.json"))["summary"]["conformance"],
        "incomplete"
    );

    let out = run_in(
        &s.0,
        &[
            "run",
            "--target",
            &target,
            "--certify",
            "--cases",
            "cases",
            "--report-dir",
            "out/bundle",
            "--product",
            "Acme Macie",
            "--product-version",
            "2.1",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    // The built-in suite with the folder added: without the data set and
    // fault injection, cases of every level cannot run.
    assert!(
        stderr.contains("error: --certify: this run does not support a conformance claim:\n")
            && stderr.contains(" need the canonical data set")
            && stderr.contains(" need fault injection (x-macie-conform-fault)"),
        "{stderr}"
    );
    for name in BUNDLE {
        let written = std::fs::read_to_string(s.path(&format!("out/bundle/{name}")))
            .unwrap_or_else(|e| panic!("{name} written: {e}"));
        assert!(!written.contains("hunter2"), "{name} shows the password");
    }
    let info = read_json(s.path("out/bundle/run-info.json"));
    assert_eq!(info["target"], served.url.as_str(), "credentials stripped");
    assert_eq!(
        info["product"],
        serde_json::json!({"name": "Acme Macie", "version": "2.1"})
    );
    assert_eq!(info["conformance"], "incomplete");
    assert_eq!(info["certification"]["requested"], true);
    let choices = info["open_choices"].as_array().cloned().unwrap_or_default();
    assert!(
        choices
            .iter()
            .any(|c| c["case"] == "info.default-page" && c["message"].is_string()),
        "{choices:?}"
    );
    let report = read_json(s.path("out/bundle/report.json"));
    assert_eq!(info["suite_digest"], report["run"]["suite_digest"]);
    assert_eq!(info["harness_version"], report["run"]["harness_version"]);
    let junit = std::fs::read_to_string(s.path("out/bundle/junit.xml")).expect("junit");
    assert!(
        junit.contains("name=\"conformance\" value=\"Incomplete: ")
            && junit.contains(" need the canonical data set\""),
        "{junit}"
    );
}

#[test]
fn certify_against_the_embedded_server_exits_0_and_writes_the_bundle() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", CERTIFIABLE);
    // The built-in suite, and the vendor's own folder added to it.
    let out = run_in(
        &s.0,
        &[
            "run",
            "--certify",
            "--cases",
            "cases",
            "--report-dir",
            "bundle",
            "--json",
            "r.json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let selection = &read_json(s.path("r.json"))["run"]["selection"];
    assert_eq!(selection["folders"][0]["path"], "cases", "{selection}");
    assert!(
        selection["builtin_digest"]
            .as_str()
            .is_some_and(|d| d.len() == 64),
        "{selection}"
    );
    assert!(selection.get("no_builtin").is_none(), "{selection}");
    assert!(
        stderr.contains("report bundle written to bundle"),
        "{stderr}"
    );
    // The claim names what it rests on: the built-in suite by its digest,
    // and the vendor's folder added to it.
    let digest = selection["builtin_digest"].as_str().unwrap_or_default();
    assert!(
        stderr.contains(&format!(
            "certified: this run supports a conformance claim on the built-in suite (digest {digest}) plus 1 local folder of "
        )) && stderr.contains(": cases (signature checks: claimed)\n"),
        "{stderr}"
    );
    assert!(
        stdout.contains("\nConformant at must and should level\n")
            && stdout.contains(" passed, 0 failed, 0 skipped, "),
        "{stdout}"
    );
    for name in BUNDLE {
        assert!(s.path(&format!("bundle/{name}")).is_file(), "{name}");
    }
    let info = read_json(s.path("bundle/run-info.json"));
    assert_eq!(info["format"], "macie-conform-run-info");
    assert_eq!(info["conformance"], "must_and_should");
    assert_eq!(info["certification"]["problems"], serde_json::json!([]));
    assert_eq!(info["product"]["name"], serde_json::Value::Null);
    assert!(
        info["suite_digest"]
            .as_str()
            .is_some_and(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit())),
        "{info}"
    );
    assert!(
        info["open_choices"][0]["message"].as_str().is_some(),
        "the observed choice is recorded: {info}"
    );
    // The bundle's JSON report is the one --json writes.
    let bundled = read_json(s.path("bundle/report.json"));
    let single = read_json(s.path("r.json"));
    assert_eq!(bundled["summary"], single["summary"]);
    assert_eq!(bundled["summary"]["conformance"], "must_and_should");
}

#[test]
fn a_narrowed_run_is_partial_and_never_certifies() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", FAILING);
    let out = run_in(&s.0, &["run", "--filter", "ok.*", "--json", "r.json"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "nothing failed");
    assert!(
        stdout.contains(
            "\nIncomplete: partial run (--filter ok.*); 1 of 2 must cases ran; 1 not selected (--filter ok.*)\n"
        ),
        "{stdout}"
    );
    let report = read_json(s.path("r.json"));
    assert_eq!(report["summary"]["conformance"], "incomplete");
    assert_eq!(report["summary"]["verdict"]["partial"], true);
    assert_eq!(
        report["run"]["selection"]["filters"],
        serde_json::json!(["ok.*"])
    );

    let out = run_in(
        &s.0,
        &[
            "run",
            "--level",
            "must",
            "--level",
            "should",
            "--level",
            "info",
            "--certify",
        ],
    );
    // Even a selection of every level is partial: refused before anything
    // is sent, since such a run could never back a claim.
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
    assert!(
        stderr.contains("--certify needs the whole built-in suite")
            && stderr.contains("--filter, --tag and --level narrow the suite"),
        "{stderr}"
    );
    // Leaving out the built-in suite is refused the same way.
    let out = run_in(
        &s.0,
        &["run", "--certify", "--no-builtin", "--cases", "cases"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("--no-builtin leaves out the built-in suite"),
        "{stderr}"
    );
}

#[test]
fn verbose_lines_come_in_suite_order() {
    let s = Scratch::new("cli-run");
    let cases: String = (0..12)
        .map(|i| {
            format!(
                "  - id: c{i:02}\n    verifies: x\n    level: must\n    request: {{body: {{maxResults: {}}}}}\n    expect: {{status: 200}}\n",
                12 - i
            )
        })
        .collect();
    s.write("cases/a.yaml", format!("cases:\n{cases}"));
    let out = run_in(&s.0, &["run", "-v", "-j", "6"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let ids: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("PASS "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    let expected: Vec<String> = (0..12).map(|i| format!("c{i:02}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn report_paths_are_checked_before_anything_is_sent() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", PASSING);
    s.write("a-file", "x");
    std::fs::create_dir_all(s.path("a-folder")).expect("folder");
    // Nothing listens there: a run that got as far as sending would exit 3.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    for (args, message) in [
        (
            &["--json", "no/such/dir/r.json"][..],
            "cannot write report no/such/dir/r.json: the folder no/such/dir does not exist; create it or choose another --json path",
        ),
        (
            &["--html", "a-folder"][..],
            "cannot write report a-folder: it is a folder; give --html a file name",
        ),
        (
            &["--report-dir", "a-file/bundle"][..],
            "cannot create --report-dir a-file/bundle: a-file is not a folder; choose another --report-dir",
        ),
    ] {
        let out = run_in(&s.0, &[&["run", "--target", &url][..], args].concat());
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert_eq!(stderr, format!("error: {message}\n"), "{args:?}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
    assert!(!s.path("a-file/bundle").exists());
    // Two reports on one file: the last would silently replace the first.
    std::fs::create_dir_all(s.path("b")).expect("folder");
    for (args, says) in [
        (
            &["--json", "same.json", "--html", "same.json"][..],
            "error: --json and --html would both write ",
        ),
        (
            &["--report-dir", "b", "--json", "b/report.json"][..],
            "error: --json and --report-dir (report.json) would both write ",
        ),
    ] {
        let out = run_in(&s.0, &[&["run", "--target", &url][..], args].concat());
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.starts_with(says)
                && stderr.contains("one over the other; give each report its own path"),
            "{args:?}: {stderr}"
        );
    }
}

/// A link at a report's name in --report-dir is replaced, never written
/// through: what it points at is untouched.
#[cfg(unix)]
#[test]
fn links_in_the_report_folder_are_replaced_not_followed() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", PASSING);
    std::fs::create_dir_all(s.path("bundle")).expect("folder");
    let names = [
        "junit.xml",
        "report.json",
        "report.html",
        "report.md",
        "run-info.json",
    ];
    for name in names {
        s.write(&format!("precious-{name}"), "keep me");
        std::os::unix::fs::symlink(
            s.path(&format!("precious-{name}")),
            s.path(&format!("bundle/{name}")),
        )
        .expect("symlink");
    }
    let out = run_in(
        &s.0,
        &[
            "run",
            "--no-builtin",
            "--cases",
            "cases",
            "--report-dir",
            "bundle",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for name in names {
        assert_eq!(
            std::fs::read_to_string(s.path(&format!("precious-{name}"))).expect("read"),
            "keep me",
            "{name}"
        );
        let written = s.path(&format!("bundle/{name}"));
        assert!(!written.is_symlink(), "{name}");
        assert!(
            std::fs::read_to_string(&written).is_ok_and(|t| t.len() > 20),
            "{name} written"
        );
    }
}

/// A loopback target that answers its first request (the probe) with an
/// empty listing and then accepts every connection and never answers.
fn answers_once_then_hangs() -> (String, std::sync::Arc<AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&requests);
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let seen = std::sync::Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = socket.read(&mut buf);
                if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                    let _ = socket.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\nconnection: close\r\n\r\n{\"items\":[]}",
                    );
                } else {
                    std::thread::sleep(std::time::Duration::from_secs(20));
                }
            });
        }
    });
    (url, requests)
}

/// 30 must cases, each one request.
fn thirty_cases() -> String {
    let mut text = String::from("cases:\n");
    for i in 0..30 {
        text.push_str(&format!(
            "  - id: c{i:02}\n    verifies: x\n    level: must\n    request: {{}}\n    expect: {{status: 200}}\n"
        ));
    }
    text
}

#[test]
fn a_target_that_stops_answering_stops_the_run_and_says_so_once() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", thirty_cases());
    let (url, requests) = answers_once_then_hangs();
    let out = run_in(
        &s.0,
        &[
            "run",
            "--target",
            &url,
            "--timeout",
            "0.3",
            "-j",
            "2",
            "--max-transport-failures",
            "3",
            "--json",
            "report.json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    // The probe, three failures, at most one more per case in flight.
    let sent = requests.load(Ordering::SeqCst);
    assert!(sent <= 1 + 3 + 2, "{sent} requests");
    assert_eq!(stderr.matches("stopped: ").count(), 1, "{stderr}");
    assert!(
        stderr.contains("the target stopped answering") && stderr.contains("3 requests in a row"),
        "{stderr}"
    );
    assert!(
        stdout.contains("0 passed, 30 failed, 0 skipped"),
        "{stdout}"
    );
    let report = read_json(s.path("report.json"));
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let stop: Vec<_> = findings
        .iter()
        .filter(|f| f["signature"]["why"] == "target_stopped")
        .collect();
    assert_eq!(stop.len(), 1, "one finding: {findings:#?}");
    assert!(stop[0]["cases"].as_array().map_or(0, Vec::len) >= 30 - 3 - 2);
}

#[test]
fn the_deadline_bounds_a_run_and_must_be_a_number_of_seconds() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", thirty_cases());
    let (url, _) = answers_once_then_hangs();
    // The failure limit is off, so only the deadline ends this run; without
    // it, 29 timeouts of 2 s one at a time would take about a minute.
    let out = run_in(
        &s.0,
        &[
            "run",
            "--target",
            &url,
            "--timeout",
            "2",
            "-j",
            "1",
            "--max-transport-failures",
            "0",
            "--deadline",
            "1",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stderr.matches("stopped: ").count(), 1, "{stderr}");
    assert!(stderr.contains("deadline of 1 s (--deadline)"), "{stderr}");
    assert!(
        stdout.contains("0 passed, 30 failed, 0 skipped"),
        "{stdout}"
    );

    let out = run_in(&s.0, &["run", "--target", &url, "--deadline=-1"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("--deadline"), "{stderr}");
}

/// The product, the claim and what a customer needs to re-run appear in
/// every report a customer sees, not only in run-info.json.
#[test]
fn the_product_and_the_claim_are_named_in_every_report() {
    let s = Scratch::new("cli-run");
    s.write("cases/a.yaml", PASSING);
    let out = run_in(
        &s.0,
        &[
            "run",
            "--product",
            "Acme <Macie>",
            "--product-version",
            "2.1",
            "--junit",
            "r.xml",
            "--json",
            "r.json",
            "--html",
            "r.html",
            "--markdown",
            "r.md",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let read = |name: &str| std::fs::read_to_string(s.path(name)).expect("written");
    let json = read_json(s.path("r.json"));
    assert_eq!(
        json["run"]["product"],
        serde_json::json!({"name": "Acme <Macie>", "version": "2.1"})
    );
    assert_eq!(json["run"]["certification"], serde_json::Value::Null);
    let digest = json["run"]["suite_digest"]
        .as_str()
        .expect("digest")
        .to_string();
    let html = read("r.html");
    assert!(
        html.contains("<dt>Product</dt><dd>Acme &lt;Macie&gt; 2.1</dd>"),
        "{html}"
    );
    assert!(html.contains("<dt>Certification</dt><dd>not a certification run</dd>"));
    assert!(html.contains(&digest), "the whole digest");
    let md = read("r.md");
    assert!(md.contains("| Product | Acme &lt;Macie&gt; 2.1 |"), "{md}");
    assert!(md.contains(&format!("| Suite digest | {digest} |")), "{md}");
    assert!(
        md.contains("| Certification | not a certification run |"),
        "{md}"
    );
    let junit = read("r.xml");
    assert!(
        junit.contains("name=\"product\" value=\"Acme &lt;Macie&gt; 2.1\""),
        "{junit}"
    );
    assert!(junit.contains(&format!("name=\"suite-digest\" value=\"{digest}\"")));
    assert!(junit.contains("name=\"certification\" value=\"not a certification run\""));
    assert!(junit.contains("name=\"harness\" value=\"macie-conform "));
}
