//! Hostile case folders: symbolic links, files that are not UTF-8 text, and
//! malformed YAML. Each gets a bounded walk and a diagnostic in the case
//! file's own terms, at its file, line and column.

mod common;

use common::cli::{Scratch, binary, own_suite};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary in `dir`, killed after 30 s: a walk that never ends must
/// fail the test, not hang it.
fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = binary()
        .current_dir(dir)
        .args(own_suite(args))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "{args:?} still running after 30 s; stderr so far:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("output");
    (
        status.code(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

const CASE: &str = "cases:\n  - id: linked.once\n    verifies: x\n    level: must\n    request: {body: {maxResults: 1}}\n    expect: {status: 200}\n";

/// Links to `.` and to a parent folder, and a second name for a file: each
/// real folder is read once and each file loaded once, so the walk ends and
/// the case is not a duplicate of itself.
#[cfg(unix)]
#[test]
fn linked_folders_are_read_once_and_linked_files_loaded_once() {
    use std::os::unix::fs::symlink;
    let s = Scratch::new("case-folders");
    s.write("cases/a.yaml", CASE);
    std::fs::create_dir_all(s.0.join("cases/sub")).expect("sub");
    symlink(".", s.0.join("cases/self")).expect("link");
    symlink(".", s.0.join("cases/again")).expect("link");
    symlink("..", s.0.join("cases/sub/up")).expect("link");
    symlink("../a.yaml", s.0.join("cases/sub/alias.yaml")).expect("link");
    // A link loop and a dangling folder link: skipped, never followed.
    symlink("loop-b", s.0.join("cases/loop-a")).expect("link");
    symlink("loop-a", s.0.join("cases/loop-b")).expect("link");
    for command in [&["check"][..], &["list"][..], &["run"][..]] {
        let (code, stdout, stderr) = run_in(&s.0, command);
        assert_eq!(code, Some(0), "{command:?}: {stdout}{stderr}");
        assert!(
            !stderr.contains("duplicate") && !stdout.contains("duplicate"),
            "{command:?}: {stdout}{stderr}"
        );
    }
    let (_, stdout, _) = run_in(&s.0, &["check"]);
    assert!(stdout.starts_with("1 case(s) OK"), "{stdout}");
    let (_, stdout, _) = run_in(&s.0, &["run"]);
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

/// Files that are not UTF-8 are each refused at their first bad byte, with
/// what to do, and the other files are still checked; none of it tells the
/// user to pass the `--cases` they passed.
#[test]
fn files_that_are_not_utf8_are_refused_where_they_go_wrong() {
    let s = Scratch::new("case-folders");
    let utf16le: Vec<u8> = CASE.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = CASE.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut utf16bom = vec![0xFF, 0xFE];
    utf16bom.extend(&utf16le);
    s.write("cases/latin1.yaml", b"cases:\n  - id: caf\xe9\n".as_slice());
    s.write("cases/utf16le.yaml", &utf16le);
    s.write("cases/utf16be.yaml", &utf16be);
    s.write("cases/utf16bom.yaml", &utf16bom);
    s.write(
        "cases/binary.yaml",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(),
    );
    s.write("cases/broken.yaml", "cases:\n  - id: a\n    lvl: must\n");
    let (code, stdout, stderr) = run_in(&s.0, &["check", "--cases", "cases"]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(!stderr.contains("--cases"), "{stderr}");
    for expected in [
        "the file is not UTF-8: byte 0xE9 at offset 18 is not valid UTF-8\n--> cases/latin1.yaml:2:12\n",
        "the file is UTF-16 (little-endian, without a byte-order mark), not UTF-8\n--> cases/utf16le.yaml",
        "the file is UTF-16 (big-endian, without a byte-order mark), not UTF-8\n--> cases/utf16be.yaml",
        "the file is UTF-16 (little-endian, with a byte-order mark), not UTF-8\n--> cases/utf16bom.yaml",
        "byte 0x89 at offset 0 is not valid UTF-8\n--> cases/binary.yaml:1:1\n",
        // The other files are still checked.
        "--> cases/broken.yaml:3:5",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in\n{stderr}");
    }
    assert_eq!(
        stderr.matches("save the file as UTF-8").count(),
        5,
        "{stderr}"
    );
}

/// Words of the YAML library and of Rust that mean nothing to a case
/// author: an options struct, a budget's debug output, an API to call, a
/// Rust type.
const INTERNALS: &[&str] = &[
    "untagged enum",
    "StatusSet",
    "budget breached",
    "Nodes {",
    "Depth {",
    "DuplicateKeyPolicy",
    "Options",
    "from_str_multiple",
    "invalid u",
    "u64",
    "usize",
    "u16",
    "struct ",
    "strict mode",
];

/// A corpus of malformed case files, one per message the YAML library
/// would phrase in its own terms: each is refused in the case file's
/// terms, at its file, line and column, with what to write instead.
#[test]
fn malformed_files_are_refused_in_case_terms() {
    let s = Scratch::new("case-folders");
    let case = |rest: &str| format!("cases:\n  - id: a\n    verifies: x\n    level: must\n{rest}");
    let deep_body = format!(
        "    request: {{body: {}{}}}\n    expect: {{status: 200}}\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    let many_values = format!(
        "    request: {{body: [{}]}}\n    expect: {{status: 200}}\n",
        vec!["1"; 300_000].join(",")
    );
    let mut alias_bomb =
        String::from("    request:\n      body:\n        a0: &a0 [1,1,1,1,1,1,1,1,1,1]\n");
    for i in 1..12 {
        alias_bomb += &format!(
            "        a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(",")
        );
    }
    alias_bomb += "    expect: {status: 200}\n";
    let corpus = [
        (
            "status-text.yaml",
            case("    expect: {status: \"abc\"}\n"),
            "5:22",
            "status \"abc\" is not an HTTP status code",
        ),
        (
            "status-float.yaml",
            case("    expect: {status: [1.5]}\n"),
            "5:23",
            "status 1.5 is not an HTTP status code",
        ),
        (
            "status-map.yaml",
            case("    expect: {status: {a: 1}}\n"),
            "5:22",
            "expected a status code such as `200`",
        ),
        (
            "length-negative.yaml",
            case("    expect:\n      jsonpath:\n        - {path: $.items, length: {min: -1}}\n"),
            "7:41",
            "-1 is not a count",
        ),
        (
            "count-negative.yaml",
            case("    expect:\n      jsonpath:\n        - {path: $.items, count: -1}\n"),
            "7:34",
            "-1 is not a count",
        ),
        (
            "min-jobs.yaml",
            case("    requires: {min_jobs: -1}\n    expect: {status: 200}\n"),
            "5:26",
            "`-1` is not a whole number of 0 or more",
        ),
        (
            "max-pages.yaml",
            case("    steps:\n      - walk: {max_pages: \"x\"}\n        expect: {status: 200}\n"),
            "6:27",
            "`\"x\"` is not a whole number of 0 or more",
        ),
        (
            "yes.yaml",
            case("    fixture: yes\n    expect: {status: 200}\n"),
            "5:14",
            "`yes` is not `true` or `false`",
        ),
        (
            "duplicate-key.yaml",
            case("    expect:\n      status: 200\n      status: 201\n"),
            "7:7",
            "`status` is written twice in the same mapping",
        ),
        (
            "two-documents.yaml",
            case("    expect: {status: 200}\n---\ncases: []\n"),
            "7:1",
            "a second YAML document starts here",
        ),
        (
            "deep.yaml",
            case(&deep_body),
            "5:81",
            "the YAML nests more than 64 levels deep",
        ),
        (
            "many-values.yaml",
            case(&many_values),
            "5:",
            "the file holds more than 250000 YAML values",
        ),
        (
            "alias-bomb.yaml",
            case(&alias_bomb),
            "",
            "the file holds more than 250000 YAML values",
        ),
    ];
    for (name, text, _, _) in &corpus {
        s.write(&format!("cases/{name}"), text);
    }
    let (code, stdout, stderr) = run_in(&s.0, &["check"]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    for phrase in INTERNALS {
        assert!(!stderr.contains(phrase), "{phrase:?} shown in\n{stderr}");
    }
    for (name, _, at, message) in &corpus {
        let block = stderr
            .split("\nerror: ")
            .find(|b| b.contains(&format!("--> cases/{name}:")))
            .unwrap_or_else(|| panic!("no diagnostic names cases/{name}:line:column in\n{stderr}"));
        assert!(
            block.contains(&format!("--> cases/{name}:{at}")),
            "{name}: not at {at}:\n{block}"
        );
        assert!(
            block.contains(message),
            "{name}: no {message:?} in\n{block}"
        );
        assert!(block.contains("= help: "), "{name}: no help in\n{block}");
    }
}

/// `check` shows each case's first problem, not only the file's first.
#[test]
fn check_shows_every_broken_case_of_a_file() {
    let s = Scratch::new("case-folders");
    s.write(
        "cases/many.yaml",
        "cases:\n  - id: a\n    verifies: x\n    level: must\n    expect: {stauts: 200}\n  - id: b\n    verifies: x\n    level: sometimes\n    expect: {status: 200}\n  - id: c\n    verifies: x\n    level: must\n    request: {body: {}}\n",
    );
    let (code, stdout, stderr) = run_in(&s.0, &["check"]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    for at in ["many.yaml:5:14", "many.yaml:8:12", "many.yaml:10:9"] {
        assert!(
            stderr.contains(&format!("--> cases/{at}")),
            "no {at} in\n{stderr}"
        );
    }
    assert!(stderr.contains("3 problem(s)"), "{stderr}");
}
