//! The conformance suite as `cargo test`: one test per YAML case, named by
//! its id, so `cargo test --test conformance -- filter.` selects cases.
//!
//! The target is `MACIE_CONFORM_TARGET` when set (declare the canonical data
//! set with `MACIE_CONFORM_FIXTURE=cases/fixtures/jobs.json` and fault
//! injection with `MACIE_CONFORM_FAULTS=1`); otherwise the embedded reference
//! server is started in-process. Snapshots follow `INSTA_UPDATE`, as with
//! insta.

use libtest_mimic::{Arguments, Failed, Trial};
use macie_conform::report::Verdict;
use macie_conform::report::terminal::{self, Style};
use macie_conform::runner::http::ClientOptions;
use macie_conform::runner::snapshot::{SnapshotMode, SnapshotStore};
use macie_conform::runner::{self, RunOptions, Shared, Target};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = match runner::load_suite(&root.join("cases")) {
        Ok(s) => s,
        Err(runner::RunError::Cases(diagnostics)) => {
            for d in diagnostics {
                eprintln!("{d}");
            }
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => Arc::new(rt),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let setup = runtime.block_on(async {
        let url = std::env::var("MACIE_CONFORM_TARGET")
            .ok()
            .filter(|t| !t.is_empty());
        let fixture = match std::env::var("MACIE_CONFORM_FIXTURE")
            .ok()
            .filter(|f| !f.is_empty())
        {
            Some(path) => Some(Arc::new(runner::read_fixture(Path::new(&path))?)),
            None => None,
        };
        let faults = std::env::var("MACIE_CONFORM_FAULTS").is_ok_and(|v| v == "1");
        Target::resolve(url.as_deref(), fixture, faults).await
    });
    let target = match setup {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let shared = match Shared::new(RunOptions {
        target: target.url.clone(),
        client: target.client_options(ClientOptions::default()),
        concurrency: 1,
        fixture: target.fixture.clone(),
        faults: target.faults,
        snapshots: Some(SnapshotStore::new(
            root.join("snapshots"),
            SnapshotMode::from_insta_env(),
        )),
        redact: Vec::new(),
        vars: Default::default(),
        keep_passed_bodies: true,
    }) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let trials = suite
        .cases
        .into_iter()
        .map(|case| {
            let shared = Arc::clone(&shared);
            let runtime = Arc::clone(&runtime);
            let id = case.id().to_string();
            let kind = format!("{}", case.case.level);
            let needs_fixture = case.case.fixture && shared.fixture.is_none();
            let needs_faults = case.case.faults && !shared.faults;
            let needs_signatures =
                case.case.signatures && !shared.client.options().target_checks_signatures;
            Trial::test(id, move || {
                let report = runtime.block_on(runner::run_case(&case, &shared));
                match report.verdict {
                    Verdict::Pass | Verdict::Skip(_) | Verdict::Unanswered => Ok(()),
                    Verdict::Fail => {
                        Err(Failed::from(terminal::details(&report, &Style::default())))
                    }
                }
            })
            .with_kind(kind)
            .with_ignored_flag(needs_fixture || needs_faults || needs_signatures)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    runtime.block_on(target.finish());
    conclusion.exit_code()
}
