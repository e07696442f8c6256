//! Variables (`--var`, `--vars-file`, `MACIE_CONFORM_VAR_<NAME>`) as a user
//! meets them: the built binary, run in a scratch folder against the
//! embedded server, with a case of the user's own that uses `${page}`.

mod common;

use common::cli::{Scratch, binary};
use std::process::Output;

/// A listing of `${page}` jobs must answer with 2 items: the case passes
/// only when page is 2 and the value reaches the body as a number. The
/// secret variable is sent in a header that is not itself secret, so only
/// hiding variable values keeps it out of the reports.
const CASE: &str = r#"cases:
  - id: local.var-page
    verifies: "A maxResults given as a variable reaches the request."
    level: must
    request:
      body: {"maxResults": "${page}"}
      headers: {"x-note": "${api_token}"}
    expect:
      status: 200
      jsonpath:
        - {path: "$.items", length: 2}
"#;

/// A scratch folder with the case above in `cases/`.
fn folder() -> Scratch {
    let s = Scratch::new("vars");
    s.write("cases/vars.yaml", CASE);
    s
}

impl Scratch {
    /// `macie-conform ARGS` in the folder, with only `env` of the
    /// variables' environment entries.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        binary()
            .current_dir(self.dir())
            .args(args)
            .envs(env.iter().copied())
            .output()
            .expect("the binary runs")
    }
}

const OWN: &[&str] = &["--no-builtin", "--cases", "cases"];

fn args<'a>(sub: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![sub];
    v.extend_from_slice(OWN);
    v.extend_from_slice(more);
    v
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_variable_in_a_body_reaches_the_request_typed() {
    let s = folder();
    let ok = s.run(
        &args("run", &["--var", "page=2", "--var", "api_token=x"]),
        &[],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    // Another value gives another page size: the value is really used.
    let other = s.run(
        &args("run", &["--var", "page=3", "--var", "api_token=x"]),
        &[],
    );
    assert_eq!(other.status.code(), Some(1), "{}", stderr(&other));
}

#[test]
fn an_undefined_variable_is_a_load_error_at_its_use() {
    let s = folder();
    for sub in ["check", "list", "run"] {
        let out = s.run(&args(sub, &["--var", "pag=2", "--var", "api_token=x"]), &[]);
        assert_eq!(out.status.code(), Some(2), "{sub}: {}", stderr(&out));
        let err = stderr(&out);
        // At the placeholder itself, underlined whole.
        assert!(err.contains("--> cases/vars.yaml:6:29"), "{sub}: {err}");
        assert!(
            err.contains(r#"body: {"maxResults": "${page}"}"#) && err.contains("^^^^^^^"),
            "{sub}: {err}"
        );
        assert!(
            err.contains("`${page}` is not a defined variable"),
            "{sub}: {err}"
        );
        assert!(err.contains("defined variables: api_token, pag"), "{err}");
        assert!(err.contains("did you mean `${pag}`?"), "{err}");
    }
    // Defined, check and list load the folder.
    for sub in ["check", "list"] {
        let out = s.run(
            &args(sub, &["--var", "page=2", "--var", "api_token=x"]),
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{sub}: {}", stderr(&out));
    }
}

#[test]
fn var_beats_file_beats_environment_and_env_names_are_lower_cased() {
    let s = folder();
    let env = [
        ("MACIE_CONFORM_VAR_PAGE", "2"),
        ("MACIE_CONFORM_VAR_API_TOKEN", "x"),
    ];
    let from_env = s.run(&args("run", &[]), &env);
    assert_eq!(from_env.status.code(), Some(0), "{}", stderr(&from_env));
    std::fs::write(s.path("vars.env"), "# page size\npage = 3\n").expect("vars file");
    let file_wins = s.run(&args("run", &["--vars-file", "vars.env"]), &env);
    assert_eq!(file_wins.status.code(), Some(1), "{}", stderr(&file_wins));
    let var_wins = s.run(
        &args("run", &["--vars-file", "vars.env", "--var", "page=2"]),
        &env,
    );
    assert_eq!(var_wins.status.code(), Some(0), "{}", stderr(&var_wins));
}

#[test]
fn a_bad_vars_file_or_var_is_a_usage_error_that_says_where() {
    let s = folder();
    std::fs::write(s.path("vars.env"), "page=2\nnot a line\n").expect("vars file");
    let out = s.run(&args("check", &["--vars-file", "vars.env"]), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("vars.env:2: the line is not `name=value`")
            && !stderr(&out).contains("not a line"),
        "{}",
        stderr(&out)
    );
    let out = s.run(&args("check", &["--var", "page"]), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not `name=value`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_secret_variable_appears_in_no_output() {
    let s = folder();
    let secret = "tok-3f9a7c1e-do-not-show";
    let out = s.run(
        &args(
            "run",
            &[
                "--var",
                "page=3",
                "--var",
                &format!("api_token={secret}"),
                "--report-dir",
                "bundle",
                "--verbose",
            ],
        ),
        &[],
    );
    // page=3 fails the case, so the failure's evidence (the request with
    // its header) is printed too.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut texts = vec![
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    ];
    let mut reports = 0;
    for entry in std::fs::read_dir(s.path("bundle")).expect("bundle") {
        let path = entry.expect("entry").path();
        texts.push(std::fs::read_to_string(&path).expect("report text"));
        reports += 1;
    }
    assert!(reports >= 4, "the bundle has its reports");
    assert!(
        texts.iter().any(|t| t.contains("[REDACTED]")),
        "the value was sent and hidden"
    );
    for text in &texts {
        assert!(!text.contains(secret), "secret shown in:\n{text}");
    }
}
