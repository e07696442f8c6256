//! The documentation is part of the product: every command in a `sh` block
//! of `README.md` and `docs/` is run or checked here, so a stale command
//! fails CI; the CLI reference (`docs/reference/cli.md`) is generated from
//! the binary's own help and must be up to date; every relative link
//! resolves.
//!
//! How a page's `sh` blocks are read (`docs/internals/docs.md` says the
//! same for writers):
//!
//! - Each line that is not a comment is one command; a trailing `# ...` is
//!   a comment, and `# exit N` at its start is the exit status the command
//!   must give (0 otherwise).
//! - `macie-conform ...` runs the binary in a fresh folder per page, in page
//!   order. `http://127.0.0.1:4566` stands for a reference server prepared
//!   as a vendor's would be (the canonical data set loaded, fault injection
//!   honoured), started for the page. `macie-conform serve` is started in
//!   the background on a free port and must say where it listens.
//!   `cargo run --release -- ARGS` is `macie-conform ARGS`.
//! - `cargo test`, `cargo bench` and `cargo install` are checked, not run:
//!   the test or bench target they name exists, an install is `--locked`
//!   from this folder or a git URL.
//! - `curl` is run against the page's server when curl is installed.
//! - Anything else fails: a command the reader cannot trust to work.
//!
//! A `yaml` block (a CI configuration) must parse, and each `macie-conform`
//! command in its strings is checked, not run: the binary parses it, with
//! the CI's `$VARIABLES` as sample values, and `--help` after it, so an
//! unknown option or a bad value fails while nothing is sent.

mod common;

use common::cli::Scratch;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const PLACEHOLDER: &str = "http://127.0.0.1:4566";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_macie-conform")
}

/// The fenced blocks of a Markdown text: info string, first line number
/// (1-based, of the block's first content line) and body.
fn blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_string(), i + 2, String::new())),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, _, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// Every Markdown page the checks cover: the README, CONTRIBUTING.md and
/// `docs/`.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut out = vec![root().join("README.md"), root().join("CONTRIBUTING.md")];
    walk(&root().join("docs"), &mut out);
    out.sort();
    out
}

/// Splits a command line as a POSIX shell does for plain words, single
/// and double quotes and backslash escapes (all the docs use). The
/// comment (after an unquoted ` #`) is returned apart.
fn split(line: &str) -> (Vec<String>, Option<String>) {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut any = false;
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    any = true;
                }
            }
            (None, '#') if !any => {
                let comment: String = chars.collect();
                return (words, Some(comment.trim().to_string()));
            }
            (None, c) if c.is_whitespace() => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (None, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    (words, None)
}

/// The exit status a comment asks for: `# exit N ...`.
fn expected_exit(comment: Option<&str>) -> i32 {
    comment
        .and_then(|c| c.strip_prefix("exit "))
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// A process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binary in `dir`, with nothing from the developer's shell deciding
/// what it does.
fn command(dir: &Path) -> Command {
    let mut c = common::cli::binary();
    c.current_dir(dir).env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

/// `macie-conform serve --port 0 ARGS` in `dir`: the process and its URL.
fn serve(dir: &Path, args: &[String]) -> Result<(Killed, String), String> {
    let mut child = command(dir)
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("serve does not start: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let guard = Killed(child);
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    match line.trim().strip_prefix("listening on ") {
        Some(url) => Ok((guard, url.to_string())),
        None => Err(format!(
            "serve {args:?} did not say where it listens: {line:?}"
        )),
    }
}

/// One page's run: its folder, its placeholder server (started when first
/// needed), and the servers its own `serve` lines started.
struct PageRun {
    dir: Scratch,
    target: Option<(Killed, String, Scratch)>,
    served: Vec<Killed>,
}

impl PageRun {
    fn target_url(&mut self) -> Result<String, String> {
        if let Some((_, url, _)) = &self.target {
            return Ok(url.clone());
        }
        let home = Scratch::new("docs-target");
        let out = command(&home.0)
            .args(["fixture", "-o", "jobs.json"])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err("fixture -o jobs.json failed".into());
        }
        let (child, url) = serve(
            &home.0,
            &["--fixture".into(), "jobs.json".into(), "--faults".into()],
        )?;
        self.target = Some((child, url.clone(), home));
        Ok(url)
    }

    /// Runs or checks one command line; `Err` says what is wrong with it.
    fn command(&mut self, line: &str) -> Result<(), String> {
        let (words, comment) = split(line);
        let want = expected_exit(comment.as_deref());
        let mut env = Vec::new();
        let mut rest = words.as_slice();
        while let Some((first, tail)) = rest.split_first() {
            match first.split_once('=') {
                Some((name, value))
                    if !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    env.push((name.to_string(), value.to_string()));
                    rest = tail;
                }
                _ => break,
            }
        }
        let Some((program, args)) = rest.split_first() else {
            return Err("no command".into());
        };
        let mut args: Vec<String> = args.to_vec();
        match program.as_str() {
            "cargo" => match args.first().map(String::as_str) {
                Some("run") => {
                    let at = args
                        .iter()
                        .position(|a| a == "--")
                        .ok_or("cargo run without -- before the tool's arguments")?;
                    let tool = args.split_off(at + 1);
                    self.run_tool(&env, tool, want)
                }
                Some("test") => check_cargo_target(&args, "--test", "tests"),
                Some("bench") => check_cargo_target(&args, "--bench", "benches"),
                Some("install") => check_install(&args),
                other => Err(format!("cargo {other:?} is neither run nor checked here")),
            },
            "macie-conform" => self.run_tool(&env, args, want),
            "curl" => self.curl(args, want),
            other => Err(format!(
                "`{other}` is neither run nor checked by tests/docs.rs; show it as text, or teach the test"
            )),
        }
    }

    fn with_target(&mut self, args: Vec<String>) -> Result<Vec<String>, String> {
        if !args.iter().any(|a| a.contains(PLACEHOLDER)) {
            return Ok(args);
        }
        let url = self.target_url()?;
        Ok(args
            .into_iter()
            .map(|a| a.replace(PLACEHOLDER, &url))
            .collect())
    }

    fn run_tool(
        &mut self,
        env: &[(String, String)],
        args: Vec<String>,
        want: i32,
    ) -> Result<(), String> {
        let mut args = self.with_target(args)?;
        if args.first().is_some_and(|a| a == "serve") {
            // Its own port would not be free on every machine.
            if let Some(at) = args.iter().position(|a| a == "--port") {
                args.drain(at..(at + 2).min(args.len()));
            }
            let (child, _) = serve(&self.dir.0, &args[1..])?;
            self.served.push(child);
            return Ok(());
        }
        let out = command(&self.dir.0)
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .map_err(|e| format!("cannot run the binary: {e}"))?;
        match out.status.code() {
            Some(code) if code == want => Ok(()),
            code => Err(format!(
                "exit {code:?}, expected {want}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
                tail(&out.stdout),
                tail(&out.stderr)
            )),
        }
    }

    fn curl(&mut self, args: Vec<String>, want: i32) -> Result<(), String> {
        let args = self.with_target(args)?;
        let Ok(out) = Command::new("curl")
            .args(&args)
            .current_dir(&self.dir.0)
            .output()
        else {
            // No curl on this machine: the URL was checked to be the
            // placeholder, which is all that can be.
            return Ok(());
        };
        match out.status.code() {
            Some(code) if code == want => Ok(()),
            code => Err(format!(
                "curl exit {code:?}, expected {want}: {}",
                tail(&out.stderr)
            )),
        }
    }
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// `cargo test --test X` / `cargo bench --bench X`: X is a target here.
fn check_cargo_target(args: &[String], flag: &str, dir: &str) -> Result<(), String> {
    let before_dashdash = args.iter().take_while(|a| *a != "--");
    let mut named = before_dashdash.skip_while(|a| *a != flag).skip(1);
    match named.next() {
        None => Ok(()),
        Some(name) => {
            let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap_or_default();
            let exists = root().join(dir).join(format!("{name}.rs")).is_file()
                || root().join(dir).join(name).join("main.rs").is_file()
                || manifest.contains(&format!("name = \"{name}\""));
            if exists {
                Ok(())
            } else {
                Err(format!("{flag} {name}: no such target in {dir}/"))
            }
        }
    }
}

/// `cargo install --locked` from this folder (`--path .`) or a git URL.
fn check_install(args: &[String]) -> Result<(), String> {
    if !args.iter().any(|a| a == "--locked") {
        return Err("cargo install without --locked".into());
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    match (value("--path"), value("--git")) {
        (Some(path), None) if root().join(path).join("Cargo.toml").is_file() => Ok(()),
        (None, Some(url)) if url.starts_with("https://") => Ok(()),
        _ => Err("cargo install needs --path to this folder or --git https://...".into()),
    }
}

/// The `macie-conform` commands in the strings of a YAML document (CI
/// steps), continuation lines joined.
fn yaml_commands(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => {
            let joined = text.replace("\\\n", " ");
            for line in joined.lines() {
                let line = line.trim().trim_start_matches("- ").trim();
                if line.starts_with("macie-conform ") {
                    out.push(line.to_string());
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| yaml_commands(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| yaml_commands(v, out)),
        _ => {}
    }
}

/// Checks a CI step's command without running it: CI variables get sample
/// values, shell redirections and `&` are dropped, and `--help` makes the
/// binary parse every option and value, then stop.
fn check_ci_command(line: &str) -> Result<(), String> {
    let sample = line
        .replace("$CI_NODE_INDEX/$CI_NODE_TOTAL", "1/3")
        .replace("$CI_NODE_INDEX", "1")
        .replace("${{ matrix.shard }}", "1");
    let sample = dollar_values(&sample);
    let (words, _) = split(&sample);
    let mut args = Vec::new();
    let mut rest = words.iter().skip(1);
    while let Some(word) = rest.next() {
        match word.as_str() {
            ">" | ">>" | "2>" => {
                rest.next();
            }
            w if w == "&" || w.starts_with("2>&") => {}
            w => args.push(w.to_string()),
        }
    }
    let out = Command::new(binary())
        .args(&args)
        .arg("--help")
        .output()
        .map_err(|e| e.to_string())?;
    match out.status.code() {
        Some(0) => Ok(()),
        code => Err(format!("exit {code:?}: {}", tail(&out.stderr))),
    }
}

/// `$NAME`, `${NAME}` and `${{ expr }}` replaced by a sample word.
fn dollar_values(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let skip = if let Some(inner) = after.strip_prefix("{{") {
            inner.find("}}").map_or(after.len(), |end| end + 4)
        } else if let Some(inner) = after.strip_prefix('{') {
            inner.find('}').map_or(after.len(), |end| end + 2)
        } else {
            after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len())
        };
        out.push_str("sample");
        rest = &after[skip..];
    }
    out.push_str(rest);
    out
}

/// Runs or checks every `sh` line of `page`, and checks its CI
/// configurations; the failures, each with its line number.
fn run_page(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).expect("page");
    let name = page
        .strip_prefix(root())
        .unwrap_or(page)
        .display()
        .to_string();
    let mut run = PageRun {
        dir: Scratch::new("docs-page"),
        target: None,
        served: Vec::new(),
    };
    let mut failures = Vec::new();
    for (info, first, body) in blocks(&text) {
        if info == "yaml" || info == "yml" {
            match serde_saphyr::from_str::<serde_json::Value>(&body) {
                Ok(document) => {
                    let mut commands = Vec::new();
                    yaml_commands(&document, &mut commands);
                    for command in commands {
                        if let Err(why) = check_ci_command(&command) {
                            failures.push(format!("{name}:{first}: {command}\n  {why}"));
                        }
                    }
                }
                Err(e) => failures.push(format!("{name}:{first}: not YAML: {e}")),
            }
            continue;
        }
        if info != "sh" {
            continue;
        }
        for (i, line) in body.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Err(why) = run.command(trimmed) {
                failures.push(format!("{name}:{}: {trimmed}\n  {why}", first + i));
            }
        }
    }
    failures
}

/// One test per page, so pages run side by side and each failure names
/// its page; a page added to `docs/` without a test here fails
/// `every_page_has_its_test`.
macro_rules! pages {
    ($($test:ident => $path:literal,)*) => {
        $(
            #[test]
            fn $test() {
                let failures = run_page(&root().join($path));
                assert!(failures.is_empty(), "{}", failures.join("\n\n"));
            }
        )*

        #[test]
        fn every_page_has_its_test() {
            let known = [$($path),*];
            for page in pages() {
                let rel = page.strip_prefix(root()).expect("under the root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                assert!(
                    known.contains(&rel.as_str()),
                    "{rel} has no test in tests/docs.rs: add it to pages!"
                );
            }
        }
    };
}

pages! {
    readme_commands_work => "README.md",
    contributing_commands_work => "CONTRIBUTING.md",
    cargo_test_page_commands_work => "docs/cargo-test.md",
    cases_page_commands_work => "docs/cases.md",
    ci_page_commands_work => "docs/ci.md",
    contract_page_commands_work => "docs/contract.md",
    explore_page_commands_work => "docs/explore.md",
    open_choices_page_commands_work => "docs/open-choices.md",
    reports_page_commands_work => "docs/reports.md",
    vendor_page_commands_work => "docs/vendor.md",
    cli_reference_commands_work => "docs/reference/cli.md",
    internals_aws_sdk_commands_work => "docs/internals/aws-sdk.md",
    internals_benchmarks_commands_work => "docs/internals/benchmarks.md",
    internals_docs_commands_work => "docs/internals/docs.md",
    internals_proof_commands_work => "docs/internals/proof.md",
    internals_schemathesis_commands_work => "docs/internals/schemathesis.md",
}

/// Every relative link of every page resolves to a file, and an anchor
/// (`page.md#heading`) to a heading of that page.
#[test]
fn every_link_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page");
        let dir = page.parent().expect("a folder");
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() {
                page.clone()
            } else {
                dir.join(file)
            };
            let name = page
                .strip_prefix(root())
                .unwrap_or(&page)
                .display()
                .to_string();
            if !path.exists() {
                broken.push(format!("{name}: {target} (no such file)"));
                continue;
            }
            if let Some(anchor) = anchor
                && path.extension().is_some_and(|e| e == "md")
            {
                let linked = std::fs::read_to_string(&path).unwrap_or_default();
                if !anchors(&linked).iter().any(|a| a == anchor) {
                    broken.push(format!("{name}: {target} (no such heading)"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The targets of inline links `[text](target)` outside code.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        // Inline code spans are not links.
        let plain: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            if !target.is_empty() {
                out.push(target.to_string());
            }
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's anchors of a page's headings: lower case, punctuation dropped
/// but `-` and `_`, spaces as `-`, repeats numbered.
fn anchors(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let n = out
            .iter()
            .filter(|a| *a == &slug || a.starts_with(&format!("{slug}-")))
            .count();
        out.push(if n == 0 { slug } else { format!("{slug}-{n}") });
    }
    out
}

/// The CLI reference is the binary's own `--help` for every command; it
/// is rewritten with `MACIE_CONFORM_UPDATE_DOCS=1`.
#[test]
fn the_cli_reference_is_up_to_date() {
    let path = root().join("docs/reference/cli.md");
    let fresh = cli_reference();
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    if stored == fresh {
        return;
    }
    if std::env::var_os("MACIE_CONFORM_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("docs/reference");
        std::fs::write(&path, fresh).expect("write the reference");
        return;
    }
    let diff = similar::TextDiff::from_lines(&stored, &fresh)
        .unified_diff()
        .header("docs/reference/cli.md", "the binary's help")
        .to_string();
    panic!(
        "docs/reference/cli.md is out of date; rewrite it with\n  \
         MACIE_CONFORM_UPDATE_DOCS=1 cargo test --test docs the_cli_reference\n{diff}"
    );
}

/// The reference page: the commands, then each command's long help.
fn cli_reference() -> String {
    let help = |args: &[&str]| {
        let out = Command::new(binary())
            .args(args)
            .env("COLUMNS", "100")
            .env("NO_COLOR", "1")
            // Help shows an option's variable with its value, if set.
            .env_remove("MACIE_CONFORM_TARGET")
            .output()
            .expect("the binary runs");
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).expect("UTF-8 help")
    };
    let top = help(&["--help"]);
    let mut page = String::from(
        "# Command-line reference\n\n\
         <!-- Generated from the binary's --help by tests/docs.rs; do not edit.\n     \
         Rewrite it with: MACIE_CONFORM_UPDATE_DOCS=1 cargo test --test docs the_cli_reference -->\n\n\
         Every command and option of `macie-conform`, as `macie-conform COMMAND --help` prints \
         them. The [guide](../../README.md#where-to-go-next) says which to use when.\n\n",
    );
    page.push_str("## macie-conform\n\n```text\n");
    page.push_str(top.trim_end());
    page.push_str("\n```\n");
    for name in subcommands(&top) {
        page.push_str(&format!("\n## macie-conform {name}\n\n```text\n"));
        page.push_str(help(&[&name, "--help"]).trim_end());
        page.push_str("\n```\n");
    }
    page
}

/// The commands the top-level help lists (but `help`).
fn subcommands(top: &str) -> Vec<String> {
    top.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description's continuation is indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// `run --help` and the top-level help: under headings, no line over 100
/// characters, whatever the terminal's width.
#[test]
fn help_is_grouped_and_fits_in_100_columns() {
    for width in ["80", "100", "250"] {
        for args in [
            &["--help"][..],
            &["run", "--help"],
            &["run", "-h"],
            &["explore", "--help"],
        ] {
            let out = Command::new(binary())
                .args(args)
                .env("COLUMNS", width)
                .output()
                .expect("runs");
            let text = String::from_utf8_lossy(&out.stdout);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= 100,
                    "{args:?} at COLUMNS={width}: a line of {} characters: {line}",
                    line.chars().count()
                );
            }
        }
    }
    let out = Command::new(binary())
        .args(["run", "-h"])
        .env("COLUMNS", "100")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let headings: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
        .collect();
    for heading in [
        "Start here:",
        "Target:",
        "Selection:",
        "Limits:",
        "Reports:",
        "Certification:",
    ] {
        assert!(
            headings.contains(&heading),
            "run -h lacks {heading}: {headings:?}\n{text}"
        );
    }
    // The first group is the few options a new user needs.
    let first: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "Start here:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.trim_start().starts_with('-'))
        .collect();
    assert_eq!(first.len(), 5, "{first:?}");
}

#[test]
fn ci_steps_are_read_with_sample_values() {
    assert_eq!(
        dollar_values("--json \"shard-${{ matrix.shard }}.json\" --product-version $SHA x"),
        "--json \"shard-sample.json\" --product-version sample x"
    );
    assert!(
        check_ci_command("macie-conform run --fixture builtin --faults > a.log 2>&1 &").is_ok()
    );
    assert!(check_ci_command("macie-conform run --fixtur builtin").is_err());
    assert!(
        check_ci_command("macie-conform run --partition $CI_NODE_INDEX/$CI_NODE_TOTAL").is_ok()
    );
    let doc: serde_json::Value = serde_saphyr::from_str(
        "steps:\n  - run: |\n      echo hi\n      macie-conform run \\\n        --faults\n",
    )
    .expect("YAML");
    let mut found = Vec::new();
    yaml_commands(&doc, &mut found);
    assert_eq!(found, ["macie-conform run    --faults"]);
}

#[test]
fn the_splitter_reads_quotes_comments_and_exits() {
    let (words, comment) =
        split(r#"A=1 macie-conform run --product "Acme Macie" --x 'a b' # exit 1: fails"#);
    assert_eq!(
        words,
        [
            "A=1",
            "macie-conform",
            "run",
            "--product",
            "Acme Macie",
            "--x",
            "a b"
        ]
    );
    assert_eq!(expected_exit(comment.as_deref()), 1);
    assert_eq!(expected_exit(Some("the suite")), 0);
    let (words, _) = split("curl -H 'x: y#z' http://h/#frag");
    assert_eq!(words, ["curl", "-H", "x: y#z", "http://h/#frag"]);
}
