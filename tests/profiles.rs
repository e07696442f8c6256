//! The settings file and its profiles as a user meets them: the built
//! binary in a scratch folder holding `macie-conform.toml` and a case of
//! the user's own.

mod common;

use common::cli::{Scratch, binary, text};
use std::process::Output;

/// Passes only when `${page}` is 2 (a page of 2 jobs).
const CASE: &str = r#"cases:
  - id: local.var-page
    verifies: "A maxResults given as a variable reaches the request."
    level: must
    request:
      body: {"maxResults": "${page}"}
    expect:
      status: 200
      jsonpath:
        - {path: "$.items", length: 2}
"#;

const SETTINGS: &str = r#"
jobs = 2
[vars]
page = "2"

[profile.local]
jobs = 1
report-dir = "out"

[profile.down]
# Nothing listens on port 9 of loopback (discard, not served).
target = "http://127.0.0.1:9"
timeout = 2.0

[profile.secret]
header = ["X-Tenant: ci", "X-Api-Key: key-0123456789"]
[profile.secret.vars]
api_token = "tok-0123456789"
"#;

/// A scratch folder with the case and the settings file above.
fn folder() -> Scratch {
    let s = Scratch::new("profiles");
    s.write("cases/vars.yaml", CASE);
    s.write("macie-conform.toml", SETTINGS);
    s
}

impl Scratch {
    fn run(&self, args: &[&str]) -> Output {
        binary()
            .current_dir(self.dir())
            .args(args)
            .output()
            .expect("the binary runs")
    }
}

const OWN: [&str; 3] = ["--no-builtin", "--cases", "cases"];

fn with_own<'a>(sub: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![sub];
    v.extend(OWN);
    v.extend_from_slice(more);
    v
}

#[test]
fn the_top_level_gives_variables_to_check_and_run() {
    let s = folder();
    let out = s.run(&with_own("check", &[]));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = s.run(&with_own("run", &[]));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

#[test]
fn a_profile_selects_jobs_and_reports_and_a_flag_overrides_it() {
    let s = folder();
    let out = s.run(&with_own("run", &["--profile", "local"]));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        s.path("out/report.json").is_file(),
        "the profile's report-dir"
    );

    let out = s.run(&with_own(
        "run",
        &["--profile", "local", "--report-dir", "other"],
    ));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        s.path("other/report.json").is_file(),
        "the flag's report-dir"
    );

    let (shown, _) = text(&s.run(&["run", "--profile", "local", "--print-config"]));
    assert!(shown.contains("\njobs = 1\n"), "{shown}");
    let (shown, _) = text(&s.run(&["run", "--profile", "local", "-j", "3", "--print-config"]));
    assert!(shown.contains("\njobs = 3\n"), "{shown}");
    let (shown, _) = text(&s.run(&["run", "--print-config"]));
    assert!(shown.contains("\njobs = 2\n"), "top level: {shown}");
}

#[test]
fn a_profile_selects_the_target() {
    let s = folder();
    let out = s.run(&with_own("run", &["--profile", "down"]));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stderr.contains("127.0.0.1:9"), "{stderr}");
}

#[test]
fn print_config_hides_secrets_and_runs_nothing() {
    let s = folder();
    let out = s.run(&["run", "--profile", "secret", "--print-config"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("X-Tenant: ci"), "{stdout}");
    assert!(stdout.contains("X-Api-Key: [REDACTED]"), "{stdout}");
    assert!(stdout.contains("api_token = \"[REDACTED]\""), "{stdout}");
    assert!(stdout.contains("page = \"2\""), "{stdout}");
    assert!(!stdout.contains("0123456789"), "{stdout}");
    assert!(!stderr.contains("target:"), "nothing started: {stderr}");
}

#[test]
fn unknown_profiles_keys_and_broken_files_are_usage_errors() {
    let s = folder();
    let out = s.run(&["run", "--profile", "locl", "--print-config"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "there is no profile `locl`; the profiles are: down, local, secret; did you mean `local`?"
        ),
        "{stderr}"
    );

    std::fs::write(s.path("bad.toml"), "jobs = 2\ntargte = \"x\"\n").expect("write");
    let out = s.run(&["run", "--config", "bad.toml", "--print-config"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("line 2, column 1"), "{stderr}");
    assert!(stderr.contains("unknown field `targte`"), "{stderr}");

    // A mistake on a line that holds a secret points at the line and
    // column without showing the secret: neither the line nor a value
    // quoted in the message.
    for (name, body, at) in [
        (
            "typo.toml",
            "heade = [\"Authorization: Bearer SECRET-1234\"]\n",
            "line 1, column 1",
        ),
        (
            "type.toml",
            "jobs = 2\nfaults = \"SECRET-1234\"\n",
            "line 2, column 10",
        ),
    ] {
        std::fs::write(s.path(name), body).expect("write");
        let out = s.run(&["run", "--config", name, "--print-config"]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("{name}: {at}: ")), "{stderr}");
        assert!(
            !stderr.contains("SECRET-1234") && !stdout.contains("SECRET-1234"),
            "{stderr}"
        );
    }
    std::fs::write(s.path("vars.env"), "a=1\napi_token SECRET-1234\n").expect("write");
    let out = s.run(&["check", "--vars-file", "vars.env"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("vars.env:2: "), "{stderr}");
    assert!(!stderr.contains("SECRET-1234"), "{stderr}");

    std::fs::write(s.path("broken.toml"), "[profile.x\njobs = 1\n").expect("write");
    let out = s.run(&["check", "--config", "broken.toml"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("broken.toml") && stderr.contains("line 1"),
        "{stderr}"
    );

    std::fs::remove_file(s.path("macie-conform.toml")).expect("remove");
    let out = s.run(&["run", "--profile", "local", "--print-config"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--config PATH"), "{stderr}");
}

#[test]
fn the_settings_file_init_writes_loads() {
    let s = folder();
    let out = s.run(&["init", "starter"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    for profile in [None, Some("staging")] {
        let mut args = vec![
            "run",
            "--config",
            "starter/macie-conform.toml",
            "--print-config",
        ];
        if let Some(p) = profile {
            args.extend(["--profile", p]);
        }
        let out = s.run(&args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        // The starter leaves the number of cases at once to follow the target.
        assert!(stdout.contains("\n# jobs (not set)\n"), "{stdout}");
        if profile.is_some() {
            assert!(stdout.contains("sigv4 = true"), "{stdout}");
            assert!(
                stdout.contains("target = \"https://staging.example.com\""),
                "{stdout}"
            );
        }
    }
}

#[test]
fn the_ci_guides_example_settings_file_loads() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md"))
        .expect("docs/ci.md");
    let start = readme.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + readme[start..].find("```").expect("its end");
    let s = folder();
    std::fs::write(s.path("macie-conform.toml"), &readme[start..end]).expect("write");
    let out = s.run(&["run", "--profile", "staging", "-j", "8", "--print-config"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("\njobs = 8\n"), "{stdout}");
    assert!(stdout.contains("\nrate-limit = 20\n"), "{stdout}");
    assert!(stdout.contains("min-coverage = 80.0"), "{stdout}");
}

#[test]
fn a_region_on_the_command_line_signs_with_the_profiles_sigv4() {
    let s = folder();
    std::fs::write(
        s.path("signed.toml"),
        "[profile.aws]\ntarget = \"https://staging.example.com\"\nsigv4 = true\n",
    )
    .expect("write");
    let out = s.run(&[
        "run",
        "--config",
        "signed.toml",
        "--profile",
        "aws",
        "--region",
        "eu-west-1",
        "--print-config",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("region = \"eu-west-1\""), "{stdout}");
    let out = s.run(&["run", "--region", "eu-west-1", "--print-config"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("add --sigv4"), "{stderr}");
}
