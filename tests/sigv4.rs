//! `run --sigv4` against `serve --sigv4-credentials`, as a user runs them:
//! real processes on loopback, credentials only in the child's environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AKID: &str = "AKIDMACIECONFORMTEST";
// Shaped like a real key (with `/` and `+`), so redaction is tested on
// the characters a real one has.
const SECRET: &str = "kX9/q+Test0SecretKeyFor+MacieConform/7Zz";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENmacieConform/AbC+xyz==";

mod common;
mod serve_process;
use common::cli::{Scratch, assert_conformant, files, text};
use serve_process::Killed;

fn binary() -> Command {
    let mut command = common::cli::binary();
    // Whatever the developer's shell holds must not decide these tests.
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SHARED_CREDENTIALS_FILE",
        "MACIE_CONFORM_SIGV4_CREDENTIALS",
    ] {
        command.env_remove(name);
    }
    // A home without `.aws/`: never the developer's own credentials.
    command.env(
        "HOME",
        std::env::temp_dir().join(format!(
            "macie-conform-sigv4-no-home-{}",
            std::process::id()
        )),
    );
    command
}

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("sigv4-{name}"))
}

/// `serve --port 0` with extra arguments; its URL and the process.
fn serve(args: &[&str]) -> (String, Killed) {
    let (guard, url) = serve_process::serve(args);
    (url, guard)
}

fn signing_server() -> (String, Killed) {
    serve(&["--sigv4-credentials", &format!("{AKID}:{SECRET}")])
}

fn run(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut command = binary();
    command.current_dir(dir).arg("run");
    // The working tree's suite; a claim needs the built-in copy of it.
    if !args.contains(&"--certify") {
        command
            .arg("--no-builtin")
            .arg("--cases")
            .arg(root.join("cases"));
    }
    command
        .arg("--snapshot-dir")
        .arg(root.join("snapshots"))
        .args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("binary runs")
}

fn env_credentials(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", AKID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", secret.to_string()),
        ("AWS_SESSION_TOKEN", TOKEN.to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn the_whole_suite_passes_signed_against_a_signing_server() {
    let (url, _server) = serve(&[
        "--faults",
        "--sigv4-credentials",
        &format!("{AKID}:{SECRET}"),
    ]);
    let dir = scratch("pass");
    let env = env_credentials(SECRET);
    let out = run(
        &[
            "--target",
            &url,
            "--sigv4",
            "--fixture",
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("cases/fixtures/jobs.json")
                .display()
                .to_string(),
            "--faults",
            "--target-checks-signatures",
            "--certify",
            "-j",
            "4",
        ],
        &borrowed(&env),
        &dir,
    );
    // Every case ran, the auth cases too, and the claim holds.
    let (stdout, stderr) = assert_conformant(&out);
    assert!(
        stdout
            .lines()
            .last()
            .unwrap_or_default()
            .contains(" 0 failed, 0 skipped"),
        "{stdout}"
    );
    assert!(stderr.contains("signing: SigV4 for macie2 in us-east-1, key AKIDMACIECONFORMTEST (AWS_ACCESS_KEY_ID from the environment)"), "{stderr}");
    for secret in [SECRET, TOKEN] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
}

#[test]
fn the_server_refuses_unsigned_unknown_and_wrongly_signed_requests() {
    let (url, _server) = signing_server();
    // Unsigned: the probe's answer stops the run, saying to pass --sigv4.
    let dir = scratch("unsigned");
    let out = run(&["--target", &url], &[], &dir);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("403 MissingAuthenticationTokenException")
            && stderr.contains("pass --sigv4"),
        "{stderr}"
    );
    // An access key the server does not know.
    let mut env = env_credentials(SECRET);
    env[0].1 = "AKIDSOMEONEELSE".into();
    let out = run(&["--target", &url, "--sigv4"], &borrowed(&env), &dir);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("403 UnrecognizedClientException"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_secret_fails_clearly_and_leaks_nothing() {
    let (url, _server) = signing_server();
    let dir = scratch("wrong");
    let wrong = "wrongSecretKeyForMacieConform/0123456789+";
    let env = env_credentials(wrong);
    let out = run(&["--target", &url, "--sigv4"], &borrowed(&env), &dir);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "refused the probe request's authentication with 403 InvalidSignatureException"
        ),
        "{stderr}"
    );
    for words in ["--sigv4", "secret access key", "--region", "clock"] {
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    for secret in [wrong, TOKEN] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "leaked"
        );
    }
}

/// A run that fails cases, so every output shows signed requests: the
/// terminal details and curl lines, -v, and each report format.
#[test]
fn no_output_of_a_signed_run_holds_the_secret_or_the_token() {
    // 50 synthetic jobs, declared as the canonical fixture: fixture cases fail.
    let (url, _server) = serve(&[
        "--jobs",
        "50",
        "--sigv4-credentials",
        &format!("{AKID}:{SECRET}"),
    ]);
    let dir = scratch("leak");
    let reports = dir.join("bundle");
    let env = env_credentials(SECRET);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/fixtures/jobs.json");
    let out = run(
        &[
            "--target",
            &url,
            "--sigv4",
            "--fixture",
            fixture.to_str().expect("utf-8"),
            "--target-checks-signatures",
            "-v",
            "--report-dir",
            reports.to_str().expect("utf-8"),
        ],
        &borrowed(&env),
        &dir,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("curl "),
        "the details quote requests: {stdout}"
    );
    assert!(stdout.contains("[REDACTED]"), "{stdout}");
    let written = files(&reports);
    assert!(written.len() >= 5, "{written:?}");
    let mut outputs = vec![
        (PathBuf::from("stdout"), stdout),
        (PathBuf::from("stderr"), stderr),
    ];
    outputs.extend(written);
    let escaped = |s: &str| serde_json::to_string(s).expect("json");
    for (path, content) in &outputs {
        for secret in [SECRET, TOKEN] {
            let json = escaped(secret);
            assert!(
                !content.contains(secret) && !content.contains(&json[1..json.len() - 1]),
                "{} holds a secret",
                path.display()
            );
        }
        // The HTML and JUnit reports escape `/` and `+` in no way that
        // hides them, but check their entity forms too.
        for secret in [SECRET, TOKEN] {
            assert!(
                !content.contains(&secret.replace('/', "&#x2F;")),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn credentials_come_from_the_selected_profile_of_the_shared_file() {
    let (url, _server) = signing_server();
    let dir = scratch("profile");
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        format!(
            "[default]\naws_access_key_id = AKIDWRONGDEFAULT\naws_secret_access_key = nope\n\n\
             [conformance]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
        ),
    )
    .expect("write credentials");
    let file = file.to_str().expect("utf-8");
    let base = [
        ("AWS_SHARED_CREDENTIALS_FILE", file),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
    ];
    let mut with_profile = base.to_vec();
    with_profile.push(("AWS_PROFILE", "conformance"));
    let out = run(
        &["--target", &url, "--sigv4", "--filter", "request."],
        &with_profile,
        &dir,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("key {AKID} (profile [conformance] of {file})")),
        "{stderr}"
    );
    // The default profile holds another key, which the server does not know.
    let out = run(&["--target", &url, "--sigv4"], &base, &dir);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("UnrecognizedClientException"), "{stderr}");
    // A profile that is not there is named, with the ones that are.
    let mut missing = base.to_vec();
    missing.push(("AWS_PROFILE", "prod"));
    let out = run(&["--target", &url, "--sigv4"], &missing, &dir);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("profile [prod] is not in") && stderr.contains("default, conformance"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET));
}

#[test]
fn sigv4_without_a_region_says_where_to_give_one() {
    let dir = scratch("region");
    let out = run(
        &["--target", "http://127.0.0.1:9", "--sigv4"],
        &[
            ("AWS_ACCESS_KEY_ID", AKID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &dir,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("--region") && stderr.contains("AWS_REGION"),
        "{stderr}"
    );
}

#[test]
fn serve_refuses_a_malformed_credentials_value() {
    let out = binary()
        .args(["serve", "--port", "0", "--sigv4-credentials", "AKIDONLY"])
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
        "{stderr}"
    );
}
