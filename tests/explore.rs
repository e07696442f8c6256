//! `explore` against every faulty and every correct-but-different variant
//! of the reference server (tests/variants), with fixed seeds and small
//! budgets: how many faults generated cases catch with no hand-written
//! case (printed, run with `--nocapture`; the goal is at least 80 %), and
//! that no correct variant fails. Also: the same seed sends the same
//! requests, and a shrunk failure saved with `--save-failures` replays
//! with `run`.

mod common;
mod variants;

use common::cli::{Scratch, binary};
use macie_conform::explore::{self, ExploreOptions};
use macie_conform::report::{RunReport, Verdict};
use macie_conform::runner::http::ClientOptions;
use macie_conform::runner::{self, RunOptions, Selection, SuiteSources};
use std::sync::Arc;
use std::time::Duration;
use variants::{ALL, CHOICES, Variant};

/// Requests per exploration of a variant: small enough to keep `cargo
/// test` quick, large enough to reach every kind of question.
const BUDGET: usize = 400;

/// The seed of the faulty-variant sweep; the table in docs/internals/schemathesis.md comes from it.
const SEED: u64 = 7;

/// `fixture`: whether explore is told the target holds the canonical data
/// set, so the oracle compares exact answers too.
fn setup_with(url: String, fixture: bool) -> explore::Setup {
    {
        let mut o = explore::Setup::new(url);
        o.client = {
            let mut o = ClientOptions::default();
            o.timeout = Duration::from_secs(20);
            o
        };
        o.concurrency = 8;
        o.fixture = fixture.then(|| Arc::new(runner::target::embedded_fixture()));
        o.faults = true;
        o.keep_passed_bodies = false;
        o
    }
}

async fn explore_variant(variant: Option<Variant>, options: &ExploreOptions) -> RunReport {
    let fixture = variants::holds_fixture(variant);
    explore_variant_with(variant, fixture, options).await
}

async fn explore_variant_with(
    variant: Option<Variant>,
    fixture: bool,
    options: &ExploreOptions,
) -> RunReport {
    let (url, task) = common::serve(variants::router(variant)).await;
    let report = explore::explore(&setup_with(url, fixture), options, Arc::new(|_| {}))
        .await
        .expect("explore runs");
    task.abort();
    report
}

/// Without shrinking: only whether something fails.
fn detect(seed: u64) -> ExploreOptions {
    {
        let mut o = ExploreOptions::new(seed, BUDGET);
        o.shrink_attempts = 0;
        o.max_shrunk = 0;
        o
    }
}

fn failed(report: &RunReport) -> Vec<String> {
    report
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| {
            let why: Vec<String> = c
                .failed_checks()
                .filter(|k| k.level > macie_conform::engine::case::Level::Info)
                .map(|k| format!("{}: {}", k.kind.as_str(), k.message))
                .collect();
            format!("{}: {}", c.id, why.join("; "))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn explore_catches_faulty_variants_without_hand_written_cases() {
    let (mut caught, mut caught_blind) = (0, 0);
    let mut missed = Vec::new();
    for &mutant in ALL {
        let variant = Some(Variant::Faulty(mutant));
        // As against the embedded server: the target holds the fixture,
        // so exact answers are compared too.
        let report = explore_variant_with(variant, true, &detect(SEED)).await;
        // Told nothing of the data: schemas, semantics and relations only.
        let blind = explore_variant_with(variant, false, &detect(SEED)).await;
        let failures = failed(&report);
        let blind_failures = failed(&blind).len();
        caught_blind += usize::from(blind_failures > 0);
        let kinds: std::collections::BTreeSet<&str> = report
            .cases
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .filter_map(|c| c.id.rsplit('.').next())
            .collect();
        // One line per variant, for the table in docs/internals/schemathesis.md.
        println!(
            "explore-table {} {} {blind_failures}",
            mutant.name(),
            failures.len()
        );
        match failures.first() {
            Some(first) => {
                caught += 1;
                println!(
                    "{}: caught by {} generated case(s) ({}), {blind_failures} without the fixture; e.g. {}",
                    mutant.name(),
                    failures.len(),
                    kinds.into_iter().collect::<Vec<_>>().join(", "),
                    first.chars().take(160).collect::<String>()
                );
            }
            None => {
                println!("{}: MISSED", mutant.name());
                missed.push(mutant.name());
            }
        }
    }
    let share = 100.0 * caught as f64 / ALL.len() as f64;
    println!(
        "explore (seed {SEED}, budget {BUDGET}): {caught}/{} faulty variants caught ({share:.0} %), {caught_blind}/{} without the fixture; missed: {}",
        ALL.len(),
        ALL.len(),
        if missed.is_empty() {
            "none".to_string()
        } else {
            missed.join(", ")
        }
    );
    assert!(
        share >= 80.0,
        "explore caught {caught} of {} faulty variants, under the 80 % goal; missed: {}",
        ALL.len(),
        missed.join(", ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn explore_never_fails_a_correct_server_whatever_it_chose() {
    let mut wrong = Vec::new();
    let mut runs = 0;
    for seed in [1, 2, 3] {
        for variant in
            std::iter::once(None).chain(CHOICES.iter().map(|&c| Some(Variant::Different(c))))
        {
            let options = {
                let mut o = detect(seed);
                o.budget = 300;
                o
            };
            let report = explore_variant(variant, &options).await;
            runs += 1;
            let name = variant.map_or("reference", Variant::name);
            assert!(
                !report.cases.is_empty(),
                "{name}: explore generated nothing"
            );
            wrong.extend(
                failed(&report)
                    .into_iter()
                    .map(|f| format!("{name} (seed {seed}): {f}")),
            );
        }
    }
    println!(
        "{runs} explorations of correct variants, {} false failure(s)",
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The requests a report sent, in order, one line each: case, method,
/// path and body. Tokens are left out: each server seals its own with a
/// key of its own, so they differ between two servers with the same data.
fn requests(report: &RunReport) -> Vec<String> {
    report
        .cases
        .iter()
        .flat_map(|c| {
            c.exchanges.iter().map(move |e| {
                let body = match serde_json::from_slice::<serde_json::Value>(&e.request.body) {
                    Ok(mut v) => {
                        if let Some(o) = v.as_object_mut() {
                            o.remove("nextToken");
                        }
                        v.to_string()
                    }
                    Err(_) => String::from_utf8_lossy(&e.request.body).into_owned(),
                };
                format!(
                    "{} {} {} {body}",
                    c.id,
                    e.request.method,
                    e.request.url.rsplit_once('/').map_or("", |(_, p)| p)
                )
            })
        })
        .collect()
}

fn first_difference(a: &[String], b: &[String]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => format!("request {i} differs:\n  {}\n  {}", a[i], b[i]),
        None => format!("{} requests against {}", a.len(), b.len()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_sends_the_same_requests() {
    let options = detect(11);
    let a = explore_variant(None, &options).await;
    let b = explore_variant(None, &options).await;
    let (ra, rb) = (requests(&a), requests(&b));
    assert!(
        ra == rb,
        "the same seed sent other requests: {}",
        first_difference(&ra, &rb)
    );
    let exploration = a.exploration.as_ref().expect("an exploration report");
    assert_eq!(exploration.seed, 11);
    assert!(
        exploration.rerun.contains("--seed 11"),
        "{}",
        exploration.rerun
    );
    assert!(
        exploration.requests >= BUDGET && exploration.requests < BUDGET + 200,
        "sent {} requests for a budget of {BUDGET}",
        exploration.requests
    );
    let c = explore_variant(None, &detect(12)).await;
    assert!(
        requests(&a) != requests(&c),
        "another seed sent the same requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shrunk_failure_is_saved_and_replays_with_run() {
    let dir = scratch("shrunk");
    let variant = Some(Variant::Faulty(variants::Mutant::NeTreatedAsEq));
    let options = {
        let mut o = ExploreOptions::new(SEED, BUDGET);
        o.save_failures = Some(dir.0.clone());
        o.shrink_attempts = 40;
        o.max_shrunk = 2;
        o
    };
    let report = explore_variant(variant, &options).await;
    let exploration = report.exploration.as_ref().expect("an exploration report");
    assert!(!exploration.failures.is_empty(), "nothing failed to shrink");
    let confirmed: Vec<_> = exploration
        .failures
        .iter()
        .filter(|f| f.confirmed)
        .collect();
    assert!(!confirmed.is_empty(), "no shrunk failure was confirmed");
    // Shrinking made the case smaller than the first failure.
    assert!(
        confirmed.iter().any(|f| f.steps_taken > 0),
        "no failure got smaller: {:#?}",
        exploration.failures
    );
    let saved = exploration.saved_to.as_ref().expect("saved");
    assert!(std::path::Path::new(saved).is_file());

    // `run --cases DIR` without the built-in suite: the saved cases alone.
    let mut sources = SuiteSources::default();
    sources.builtin = false;
    sources.dirs = vec![dir.0.clone()];
    let suite = runner::load_suites(&sources).expect("the saved file loads");
    assert_eq!(suite.cases.len(), confirmed.len());
    let run_against = |variant: Option<Variant>| {
        let suite = suite.clone();
        async move {
            let (url, task) = common::serve(variants::router(variant)).await;
            let report = runner::run(
                &suite,
                &Selection::default(),
                {
                    let mut o = RunOptions::new(url);
                    o.client = ClientOptions::default();
                    o.concurrency = 2;
                    o.fixture = Some(Arc::new(runner::target::embedded_fixture()));
                    o.faults = true;
                    o.keep_passed_bodies = false;
                    o
                },
                |_| {},
            )
            .await
            .expect("run");
            task.abort();
            report
        }
    };
    let faulty = run_against(variant).await;
    assert!(
        faulty.cases.iter().all(|c| c.verdict == Verdict::Fail),
        "a saved case passes against the faulty server: {:#?}",
        faulty
            .cases
            .iter()
            .map(|c| (&c.id, &c.verdict))
            .collect::<Vec<_>>()
    );
    let correct = run_against(None).await;
    assert!(
        correct.cases.iter().all(|c| c.verdict == Verdict::Pass),
        "a saved case fails the correct server: {:?}",
        failed(&correct)
    );
}

/// `macie-conform explore ARGS` run in `dir`: its exit code, stdout and
/// stderr.
fn explore_in(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = binary()
        .current_dir(dir)
        .arg("explore")
        .args(args)
        .output()
        .expect("the binary runs");
    let (stdout, stderr) = common::cli::text(&out);
    (out.status.code(), stdout, stderr)
}

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("explore-{name}"))
}

/// What CI runs: explore on the embedded reference server with a fixed
/// seed and budget, every report written.
#[test]
fn explore_on_the_embedded_server_with_a_fixed_seed_finds_no_fault() {
    let dir = scratch("cli");
    let (code, stdout, stderr) = explore_in(
        &dir,
        &["--seed", "42", "--budget", "300", "--report-dir", "reports"],
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("explore: seed 42, budget 300 requests"),
        "{stderr}"
    );
    assert!(stdout.contains("No fault found"), "{stdout}");
    // The 18 refused pairs are one observation said once, with a count.
    assert!(
        stdout.contains("  18 x status: the target refused this request")
            && stdout.contains("(first: explore.s42."),
        "{stdout}"
    );
    assert!(!stdout.contains(".pair status:"), "{stdout}");
    assert!(
        stdout.contains("explore the same way again: macie-conform explore --seed 42 --budget 300"),
        "{stdout}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("reports/report.json")).expect("report.json"),
    )
    .expect("JSON");
    common::assert_matches_report_schema(&json);
    assert_eq!(json["exploration"]["seed"], 42);
    assert_eq!(json["summary"]["conformance"], "no_fault_found");
    for (file, needle) in [
        ("junit.xml", "explore.s42."),
        ("report.md", "--seed 42"),
        ("report.html", "--seed 42"),
    ] {
        let text = std::fs::read_to_string(dir.join("reports").join(file)).expect(file);
        assert!(text.contains(needle), "{file} does not say {needle}");
    }
}

/// `--deadline` bounds the whole exploration, not each of its rounds; the
/// cases it cuts short are not judged (a time limit is the user's choice,
/// not the target's fault), and every report says the deadline ended it.
#[test]
fn the_deadline_ends_the_whole_exploration_and_fails_nothing() {
    let dir = scratch("deadline");
    let (code, stdout, stderr) = explore_in(
        &dir,
        &[
            "--seed",
            "5",
            "--budget",
            "20000",
            "--deadline",
            "2",
            "--json",
            "report.json",
            "--markdown",
            "report.md",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the run's deadline (--deadline) ended this exploration after"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("report.json")).expect("report.json"),
    )
    .expect("JSON");
    common::assert_matches_report_schema(&json);
    let e = &json["exploration"];
    assert_eq!(e["deadline_reached"], true, "{e}");
    let sent = e["requests"].as_u64().unwrap_or(u64::MAX);
    assert!(sent < 20000, "{sent} requests: the deadline did not end it");
    assert_eq!(json["summary"]["total"]["failed"], 0);
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.contains("ended this exploration"), "{md}");
}

#[test]
fn explore_refuses_a_budget_of_nothing() {
    let out = binary()
        .args(["explore", "--budget", "0"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--budget"));
}

/// The end to end: explore finds a fault in a target, shrinks it,
/// saves it, and `run --cases DIR` fails the same target with it (and
/// passes the reference server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_failure_replays_with_the_run_command() {
    let dir = scratch("replay");
    let variant = Some(Variant::Faulty(variants::Mutant::ExcludesIgnored));
    let (url, task) = common::serve(variants::router(variant)).await;
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/cases/fixtures/jobs.json");
    let saved = dir.join("found");
    // A link where the saved file goes: replaced, its target untouched.
    let precious = dir.join("precious.yaml");
    std::fs::write(&precious, "keep me").expect("write");
    std::fs::create_dir_all(&saved).expect("folder");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&precious, saved.join("explore-s3.yaml")).expect("symlink");
    let explore = {
        let (url, saved) = (url.clone(), saved.clone());
        tokio::task::spawn_blocking(move || {
            binary()
                .args(["explore", "--seed", "3", "--budget", "300", "--faults"])
                .args(["--target", &url, "--fixture", fixture, "--save-failures"])
                .arg(&saved)
                .output()
                .expect("the binary runs")
        })
        .await
        .expect("explore ends")
    };
    let stdout = String::from_utf8_lossy(&explore.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&explore.stderr).into_owned();
    assert_eq!(explore.status.code(), Some(1), "{stdout}");
    // As it runs, only the first ten failed cases get a line each.
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("FAIL ")).count(),
        10,
        "{stderr}"
    );
    assert!(
        stderr.contains("further failed generated cases are not listed as they happen"),
        "{stderr}"
    );
    assert!(stdout.contains("shrunk failure"), "{stdout}");
    assert!(stdout.contains("failures saved to"), "{stdout}");
    // Dozens of generated cases fail for this one defect; the terminal
    // shows an example of each finding and says where the rest is.
    assert!(
        stdout.contains("Every failed case in detail: run again with -v"),
        "{stdout}"
    );
    let file = saved.join("explore-s3.yaml");
    assert_eq!(
        std::fs::read_to_string(&precious).expect("read"),
        "keep me",
        "the link's target is not written through"
    );
    assert!(!file.is_symlink());
    let text = std::fs::read_to_string(&file).expect("the saved case file");
    assert!(text.contains("macie-conform run --cases"), "{text}");
    // Each saved case is distinct: its steps differ from every other's.
    let steps: Vec<&str> = text
        .split("\n  - id: ")
        .skip(1)
        .map(|case| case.split_once("steps:").map_or(case, |(_, s)| s))
        .collect();
    assert!(!steps.is_empty(), "no saved case read:\n{text}");
    let unique: std::collections::BTreeSet<&&str> = steps.iter().collect();
    assert_eq!(unique.len(), steps.len(), "a case saved twice:\n{text}");

    let replay = |target: Option<String>| {
        let saved = saved.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = binary();
            c.args(["run", "--no-builtin", "--cases"]).arg(&saved);
            if let Some(url) = target {
                c.args(["--target", &url, "--fixture", fixture, "--faults"]);
            }
            c.output().expect("the binary runs")
        })
    };
    let against_faulty = replay(Some(url.clone())).await.expect("run ends");
    assert_eq!(
        against_faulty.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&against_faulty.stdout)
    );
    let against_reference = replay(None).await.expect("run ends");
    assert_eq!(
        against_reference.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&against_reference.stdout)
    );
    task.abort();
}

/// A --save-failures path that cannot be a folder is refused before
/// anything is sent (exit 2, not 3 for the target nothing listens on).
#[test]
fn a_save_folder_that_is_a_file_is_refused_before_exploring() {
    let dir = scratch("save-file");
    std::fs::write(dir.join("taken"), "a file").expect("write");
    let (code, _, stderr) = explore_in(
        &dir,
        &["--target", "http://127.0.0.1:1", "--save-failures", "taken"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot create --save-failures taken: taken is not a folder"),
        "{stderr}"
    );
}

/// explore reads the settings file as run does: here its target, which
/// nothing listens on, so the exploration cannot start (exit 3).
#[test]
fn explore_takes_its_target_from_the_settings_file() {
    let dir = scratch("settings");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    std::fs::write(
        dir.join("macie-conform.toml"),
        format!("[profile.nowhere]\ntarget = \"http://127.0.0.1:{port}\"\ntimeout = 2\n"),
    )
    .expect("settings file");
    let out = binary()
        .current_dir(&dir)
        .args(["explore", "--profile", "nowhere", "--budget", "10"])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&port.to_string()), "{stderr}");
}

/// A target holding more jobs than explore reads (20 pages): knowledge of
/// the data is partial, walks are cut short (not verified, never failed),
/// and nothing fails the correct server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore_never_fails_a_correct_server_holding_many_jobs() {
    let config = macie_conform::server::ServerConfig::synthetic(5_000)
        .expect("synthetic jobs")
        .with_faults(true);
    let (url, task) = common::serve(macie_conform::server::router(config)).await;
    let report = explore::explore(
        &setup_with(url, false),
        &ExploreOptions::new(5, 1_500),
        Arc::new(|_| {}),
    )
    .await
    .expect("explore runs");
    task.abort();
    let failures = failed(&report);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let ran = report
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Pass)
        .count();
    assert!(ran > 50, "only {ran} generated cases were judged");
}

/// `--budget N` bounds every request the exploration sends, its census,
/// rounds and shrinking included: counted at the server, against a faulty
/// variant that makes it shrink.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_budget_bounds_every_request_shrinking_included() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let app = variants::router(Some(Variant::Faulty(variants::Mutant::ExcludesIgnored))).layer(
        axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let counter = Arc::clone(&counter);
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    next.run(request).await
                }
            },
        ),
    );
    let (url, task) = common::serve(app).await;
    let options = {
        let mut o = ExploreOptions::new(3, 300);
        o.shrink_attempts = 200;
        o
    };
    let report = explore::explore(&setup_with(url, true), &options, Arc::new(|_| {}))
        .await
        .expect("explore runs");
    task.abort();
    let exploration = report.exploration.as_ref().expect("an exploration");
    let sent = seen.load(Ordering::SeqCst);
    println!("the server saw {sent} requests for a budget of 300");
    assert!(
        sent <= 300,
        "the server saw {sent} requests for a budget of 300"
    );
    assert!(
        exploration.requests + exploration.shrink_requests <= 300,
        "{} + {} requests counted",
        exploration.requests,
        exploration.shrink_requests
    );
    assert!(!failed(&report).is_empty(), "the fault is still found");
    // A request the budget left unsent fails nothing: not judged.
    let unsent = |k: &macie_conform::engine::check::CheckResult| {
        k.unjudged == Some(macie_conform::engine::check::Unjudged::Budget)
    };
    assert!(
        report
            .cases
            .iter()
            .flat_map(|c| &c.checks)
            .all(|k| !(unsent(k) && k.failed())),
        "an unsent request failed a case"
    );
}
