//! The binary as `cargo install` leaves it: copied away from the
//! repository and run from an empty folder, with the suite, schemas,
//! fixture and snapshots it carries inside; `init` and the user's own case
//! folders beside the built-in suite.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An empty working folder (`work/`) in a scratch folder removed on drop,
/// and the copied binary.
struct Installed {
    root: PathBuf,
    binary: PathBuf,
}

impl Installed {
    fn new() -> Installed {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "macie-conform-installed-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("work")).expect("work dir");
        Installed {
            root,
            binary: acquire_binary(),
        }
    }

    fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.binary);
        c.current_dir(self.work())
            .env_remove("MACIE_CONFORM_TARGET")
            .env("NO_COLOR", "1");
        c
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out: Output = self.command().args(args).output().expect("binary runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.work().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("parent dir");
        std::fs::write(path, text).expect("write");
    }

    /// The case ids of a JSON report in the working folder.
    fn report_ids(&self, rel: &str) -> Vec<String> {
        let text = std::fs::read_to_string(self.work().join(rel)).expect("report written");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON report");
        doc["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        release_binary();
    }
}

/// The binary, copied into a folder of its own outside the repository
/// while any [`Installed`] lives, and removed with the last. Copied only
/// when none lives, so no test is spawning then: a child forked while the
/// copy is being written would hold it open for writing, and running it
/// would fail ("text file busy").
static BINARY: Mutex<(usize, Option<PathBuf>)> = Mutex::new((0, None));

fn acquire_binary() -> PathBuf {
    let mut guard = BINARY.lock().unwrap_or_else(|e| e.into_inner());
    if guard.1.is_none() {
        let dir = std::env::temp_dir().join(format!(
            "macie-conform-installed-bin-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("bin dir");
        let path = dir.join("macie-conform");
        std::fs::copy(env!("CARGO_BIN_EXE_macie-conform"), &path).expect("copy the binary");
        guard.1 = Some(path);
    }
    guard.0 += 1;
    guard.1.clone().expect("just copied")
}

fn release_binary() {
    let mut guard = BINARY.lock().unwrap_or_else(|e| e.into_inner());
    guard.0 -= 1;
    if guard.0 == 0
        && let Some(path) = guard.1.take()
        && let Some(dir) = path.parent()
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Files left in a folder, to show a run wrote nothing it was not asked to.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const CASE: &str = r#"cases:
  - id: mine.first-page
    verifies: a listing is answered
    level: must
    request: {body: {maxResults: 2}}
    expect: {status: 200, semantics: [page_size]}
"#;

#[test]
fn run_passes_from_an_empty_folder_against_the_embedded_server() {
    let i = Installed::new();
    let (code, stdout, stderr) = i.run(&["run", "--json", "report.json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let ids = i.report_ids("report.json");
    assert!(
        ids.len() > 100,
        "the whole built-in suite ran: {}",
        ids.len()
    );
    // The snapshot cases compared against the copies inside the binary.
    assert!(
        ids.iter().any(|id| id == "page.walk.fixture-oracle"),
        "{ids:?}"
    );
    assert!(!stdout.contains("no snapshot"), "{stdout}");
    assert_eq!(entries(&i.work()), ["report.json"], "nothing else written");

    let (code, stdout, _) = i.run(&["check"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("case"), "{stdout}");
    let (code, stdout, _) = i.run(&["list", "--requirements"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("LCJ-SORT-001"), "{stdout}");
}

#[test]
fn run_against_a_target_url_from_an_empty_folder() {
    let i = Installed::new();
    let (_guard, url) = serve(&i, &[]);
    let (code, stdout, stderr) = i.run(&["run", "--target", &url]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("passed"), "{stdout}");
}

#[test]
fn init_writes_a_folder_that_checks_and_runs_with_the_built_in_suite() {
    let i = Installed::new();
    let (code, stdout, stderr) = i.run(&["init", "mine"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let mut expected = vec![
        "README-ci.md",
        "case.schema.json",
        "example.yaml",
        "macie-conform.toml",
        "requirements.yaml",
    ];
    expected.sort();
    assert_eq!(entries(&i.work().join("mine")), expected);
    let example =
        std::fs::read_to_string(i.work().join("mine/example.yaml")).expect("example written");
    assert!(
        example.starts_with("# yaml-language-server: $schema=case.schema.json\n"),
        "{example}"
    );
    let ci = std::fs::read_to_string(i.work().join("mine/README-ci.md")).expect("CI snippet");
    assert!(ci.contains("macie-conform run --cases mine"), "{ci}");

    let (code, stdout, stderr) = i.run(&["check", "--cases", "mine"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (code, stdout, stderr) = i.run(&["run", "--cases", "mine", "--json", "r.json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let ids = i.report_ids("r.json");
    assert!(ids.iter().any(|id| id == "local.first-page"), "{ids:?}");
    assert!(ids.iter().any(|id| id.starts_with("filter.")), "{ids:?}");
    let (code, stdout, _) = i.run(&["list", "--cases", "mine", "--requirements"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("LCJ-LOCAL-001") && stdout.contains("LCJ-SORT-001"),
        "both catalogues: {stdout}"
    );

    // Again: every file exists, nothing is overwritten.
    std::fs::write(i.work().join("mine/example.yaml"), "edited").expect("edit");
    let (code, _, stderr) = i.run(&["init", "mine"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("mine/example.yaml") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(i.work().join("mine/example.yaml"))
            .ok()
            .as_deref(),
        Some("edited")
    );
}

#[test]
fn no_builtin_runs_only_the_users_cases() {
    let i = Installed::new();
    i.write("own/a.yaml", CASE);
    let (code, stdout, stderr) =
        i.run(&["run", "--no-builtin", "--cases", "own", "--json", "r.json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(i.report_ids("r.json"), ["mine.first-page"]);
    let (code, stdout, _) = i.run(&["list", "--no-builtin", "--cases", "own"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("mine.first-page") && !stdout.contains("filter."),
        "{stdout}"
    );
    // --no-builtin alone names nothing to run.
    let (code, _, stderr) = i.run(&["check", "--no-builtin"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--cases"), "{stderr}");
}

#[test]
fn ids_must_be_unique_across_folders_and_the_built_in_suite() {
    let i = Installed::new();
    i.write("one/a.yaml", CASE);
    i.write("two/b.yaml", CASE);
    let (code, _, stderr) = i.run(&["check", "--cases", "one", "--cases", "two"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("duplicate case id `mine.first-page`")
            && stderr.contains("two/b.yaml")
            && stderr.contains("one/a.yaml"),
        "{stderr}"
    );

    i.write(
        "three/c.yaml",
        &CASE.replace("mine.first-page", "request.empty-object"),
    );
    let (code, _, stderr) = i.run(&["check", "--cases", "three"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("three/c.yaml") && stderr.contains("cases/request.yaml"),
        "{stderr}"
    );
    let (code, _, stderr) = i.run(&["check", "--no-builtin", "--cases", "three"]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_users_catalogue_may_not_reuse_built_in_requirement_ids() {
    let i = Installed::new();
    i.write(
        "own/a.yaml",
        &CASE.replace(
            "level: must\n",
            "level: must\n    requirements: [LCJ-REQ-001]\n",
        ),
    );
    i.write(
        "own/requirements.yaml",
        "requirements:\n  - id: LCJ-REQ-001\n    level: must\n    section: S\n    statement: mine\n",
    );
    let (code, _, stderr) = i.run(&["check", "--cases", "own"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("own/requirements.yaml")
            && stderr.contains("already declared in cases/requirements.yaml"),
        "{stderr}"
    );
}

#[test]
fn writing_snapshots_needs_a_real_folder() {
    let i = Installed::new();
    for mode in ["update", "new"] {
        let (code, _, stderr) = i.run(&["run", "--snapshots", mode]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("inside the binary") && stderr.contains("--snapshot-dir"),
            "{stderr}"
        );
    }
    assert!(entries(&i.work()).is_empty());
}

/// The vendor's path, from an empty folder with the installed binary and
/// nothing else: write the canonical data set, start a server that holds
/// it and honours fault injection, and certify it with the vendor guide's
/// command as written.
#[test]
fn a_vendor_certifies_a_prepared_server_from_an_empty_folder() {
    let i = Installed::new();
    let (code, _, stderr) = i.run(&["fixture", "-o", "jobs.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("--fixture builtin"),
        "says how to use it: {stderr}"
    );
    let jobs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(i.work().join("jobs.json")).expect("written"),
    )
    .expect("JSON");
    assert!(jobs.as_array().is_some_and(|j| !j.is_empty()), "a data set");
    let (code, stdout, _) = i.run(&["fixture"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).expect("JSON on stdout"),
        jobs
    );

    let (_guard, url) = serve(&i, &["--fixture", "jobs.json", "--faults"]);

    // The vendor guide's command, with the server's URL.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/vendor.md"))
        .expect("docs/vendor.md");
    let command = readme
        .lines()
        .skip_while(|l| {
            !l.starts_with("macie-conform run --target http://127.0.0.1:4566 --fixture builtin")
        })
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\\', " ");
    assert!(
        command.contains("--certify"),
        "the vendor guide's example: {command}"
    );
    let args: Vec<String> = shell_words(&command)
        .into_iter()
        .skip(1)
        .map(|a| {
            if a == "http://127.0.0.1:4566" {
                url.clone()
            } else {
                a
            }
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = i.run(&args);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "certified: this run supports a conformance claim on the built-in suite (digest "
        ) && stderr.contains(") (signature checks: not claimed)\n"),
        "{stderr}"
    );
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(i.work().join("conformance/run-info.json")).expect("bundle"),
    )
    .expect("run-info JSON");
    assert_eq!(info["certification"]["problems"], serde_json::json!([]));
    assert_eq!(info["conformance"], "must_and_should");
    assert_eq!(info["product"]["name"], "Acme Macie");
}

/// `serve --port 0` with `args`, from the installed binary in its working
/// folder: the process (killed when dropped) and the URL it printed.
fn serve(i: &Installed, args: &[&str]) -> (Killed, String) {
    let mut child = i
        .command()
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("piped");
    let guard = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("serve prints its address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening on URL")
        .to_string();
    (guard, url)
}

/// Splits a command line as a POSIX shell would for plain words and
/// double-quoted strings (all the vendor guide's example uses).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}
