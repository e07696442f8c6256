//! The suite in your own `cargo test`: one libtest test per case, against
//! your server, with libtest's filters, `--ignored`, `--nocapture`,
//! `--list` and exit status.
//!
//! ## Guide
//!
//! Add the crate as a dev-dependency, and a test target without libtest's
//! own harness (this module brings one, through `libtest-mimic`):
//!
//! ```toml
//! [dev-dependencies]
//! macie-conform = "0.1"
//!
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! Then `tests/conformance.rs` hands the harness your axum [`Router`]; it
//! is served in-process on a free loopback port (port 0) for the length of
//! the run:
//!
//! ```no_run
//! use macie_conform::libtest::Conformance;
//! use std::process::ExitCode;
//!
//! # fn my_app() -> axum::Router { axum::Router::new() }
//! fn main() -> ExitCode {
//!     Conformance::builder().router(my_app()).run()
//! }
//! ```
//!
//! `cargo test --test conformance` runs every built-in case, each as a test
//! named by its case id, so `cargo test --test conformance -- filter.`
//! runs the cases whose id contains `filter.`, `-- --exact filter.status`
//! one case, and `-- --list` lists them. A failed case prints the same
//! detail the `macie-conform run` terminal report prints.
//!
//! Cases that need something the target has not declared are *ignored*,
//! not failed. `-- --ignored` runs them as if the target declared
//! everything, so it shows what a fuller declaration would add (and
//! whether the target would live up to it):
//!
//! - [`fixture`](ConformanceBuilder::fixture_file): the target serves the
//!   canonical data set (the cases that check results against it);
//! - [`faults(true)`](ConformanceBuilder::faults): it honours the
//!   fault-injection header;
//! - [`checks_signatures(true)`](ConformanceBuilder::checks_signatures):
//!   it refuses requests without a valid SigV4 signature.
//!
//! A case that needs more jobs than the target holds is ignored too.
//!
//! A server already running elsewhere is a URL instead of a router
//! ([`target`](ConformanceBuilder::target)), and neither gives the
//! embedded reference server, which declares all three. Headers, a SigV4
//! [`signer`](ConformanceBuilder::signer), timeouts, `${name}` variables,
//! your own case folders and the snapshot folder are further builder
//! methods. The settings file (`macie-conform.toml`) is the CLI's and is
//! not read here: what it says, the builder says in code.

use crate::harness::{Harness, HarnessError};
use crate::report::Verdict;
use crate::report::terminal::{self, Style};
use crate::runner::http::{ClientOptions, RequestSigner};
use crate::runner::snapshot::{SnapshotMode, SnapshotStore};
use crate::runner::{self, RunError, Shared, SuiteSources};
use axum::Router;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Why the suite could not be set up; each case's own failure is a failed
/// test instead.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot start the async runtime for the conformance tests: {0}")]
    Runtime(std::io::Error),
    #[error(
        "cannot serve the router on {addr}: {source}; is loopback networking available to tests?"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "both .router(..) and .target({0:?}) were given; choose one: a router is served in-process, a URL is a server already running"
    )]
    TwoTargets(String),
}

impl From<HarnessError> for SetupError {
    fn from(e: HarnessError) -> Self {
        match e {
            HarnessError::Run(e) => SetupError::Run(e),
            HarnessError::Bind { addr, source } => SetupError::Bind { addr, source },
            // Said in the builder's terms.
            HarnessError::TwoTargets(url) => SetupError::TwoTargets(url),
        }
    }
}

/// The conformance suite as libtest tests; built by [`Conformance::builder`].
pub struct Conformance;

impl Conformance {
    /// Settings with their defaults: the built-in suite against the
    /// embedded reference server, snapshots checked against the built-in
    /// copies (and `./snapshots`, written as `INSTA_UPDATE` says when that
    /// folder exists).
    pub fn builder() -> ConformanceBuilder {
        ConformanceBuilder {
            harness: Harness::new(),
            fixture: None,
            client: ClientOptions::default(),
            vars: BTreeMap::new(),
            cases: Vec::new(),
            builtin: true,
            snapshots: None,
        }
    }
}

/// What [`Conformance::builder`] collects; [`run`](Self::run) runs it.
pub struct ConformanceBuilder {
    /// Where the target is and what it offers; the rest is added at run.
    harness: Harness,
    fixture: Option<Fixture>,
    client: ClientOptions,
    vars: BTreeMap<String, String>,
    cases: Vec<PathBuf>,
    builtin: bool,
    snapshots: Option<PathBuf>,
}

enum Fixture {
    File(PathBuf),
    Jobs(Vec<Value>),
}

impl ConformanceBuilder {
    /// Serves `app` in-process on a free loopback port for the run.
    pub fn router(mut self, app: Router) -> Self {
        self.harness = self.harness.router(app);
        self
    }

    /// Sends the cases to a server already running at this base URL.
    pub fn target(mut self, url: impl Into<String>) -> Self {
        self.harness = self.harness.target(url);
        self
    }

    /// The target serves the jobs in this JSON file (an array of job
    /// summaries, like `cases/fixtures/jobs.json`); the cases that check
    /// results against the data run.
    pub fn fixture_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.fixture = Some(Fixture::File(path.into()));
        self
    }

    /// The target serves the canonical data set the reference server
    /// serves ([`runner::embedded_fixture`]).
    pub fn embedded_fixture(mut self) -> Self {
        self.fixture = Some(Fixture::Jobs(runner::embedded_fixture()));
        self
    }

    /// The target honours the fault-injection header; the fault cases run.
    pub fn faults(mut self, on: bool) -> Self {
        self.harness = self.harness.faults(on);
        self
    }

    /// The target refuses requests without a valid SigV4 signature; the
    /// cases about that run.
    pub fn checks_signatures(mut self, on: bool) -> Self {
        self.harness = self.harness.checks_signatures(on);
        self
    }

    /// Sent with every request, after the case's own headers.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.client.headers.push((name.into(), value.into()));
        self
    }

    /// Signs every request (for example a [`runner::sigv4::SigV4Signer`]).
    pub fn signer(mut self, signer: Arc<dyn RequestSigner>) -> Self {
        self.client.signer = Some(signer);
        self
    }

    /// Time limit of each request (10 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client.timeout = timeout;
        self
    }

    /// All client settings at once (timeouts, retries, size caps, TLS);
    /// headers and signer given before are replaced by these.
    pub fn client_options(mut self, options: ClientOptions) -> Self {
        self.client = options;
        self
    }

    /// A variable, used as `${name}` in case files.
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Adds a folder of your own cases to the built-in suite.
    pub fn cases_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cases.push(dir.into());
        self
    }

    /// Runs only the folders given with [`cases_dir`](Self::cases_dir).
    pub fn no_builtin(mut self) -> Self {
        self.builtin = false;
        self
    }

    /// Snapshots are read from and written to this folder alone (as
    /// `INSTA_UPDATE` says), instead of `./snapshots` over the built-in
    /// copies.
    pub fn snapshots(mut self, dir: impl Into<PathBuf>) -> Self {
        self.snapshots = Some(dir.into());
        self
    }

    /// Reads libtest's arguments from the command line, runs the cases
    /// and returns libtest's exit status (2 when the suite cannot be set
    /// up, after saying why).
    pub fn run(self) -> ExitCode {
        self.run_with_args(&Arguments::from_args())
    }

    /// [`run`](Self::run) with arguments of your own.
    pub fn run_with_args(self, args: &Arguments) -> ExitCode {
        match self.try_run(args) {
            Ok(conclusion) => conclusion.exit_code(),
            Err(SetupError::Run(RunError::Cases(diagnostics))) => {
                for d in diagnostics {
                    eprintln!("{d}");
                }
                ExitCode::from(2)
            }
            Err(e) => {
                eprintln!("error: {}", with_remedy(&e));
                ExitCode::from(2)
            }
        }
    }

    fn try_run(self, args: &Arguments) -> Result<libtest_mimic::Conclusion, SetupError> {
        let suite = runner::load_suites(&SuiteSources {
            builtin: self.builtin,
            dirs: self.cases.clone(),
            variables: self.vars.keys().cloned().collect(),
            words: runner::Vocabulary::CargoTest,
        })?;
        let fixture = match &self.fixture {
            Some(Fixture::File(path)) => Some(Arc::new(runner::read_fixture(path)?)),
            Some(Fixture::Jobs(jobs)) => Some(Arc::new(jobs.clone())),
            None => None,
        };
        // Trials run on libtest's threads, each blocking on this runtime;
        // the served router lives on its worker threads meanwhile.
        let runtime = Arc::new(tokio::runtime::Runtime::new().map_err(SetupError::Runtime)?);
        let mode = SnapshotMode::from_insta_env();
        let snapshots = match self.snapshots {
            Some(dir) => SnapshotStore::new(dir, mode),
            // As `macie-conform run` without --snapshot-dir: a user crate
            // without a snapshots/ folder only compares, since the built-in
            // copies cannot be rewritten.
            None if Path::new("snapshots").is_dir() => {
                SnapshotStore::new("snapshots", mode).with_builtin()
            }
            None => SnapshotStore::new("snapshots", SnapshotMode::Check).with_builtin(),
        };
        // The same preparation as `macie-conform run`, one case at a time.
        let harness = self
            .harness
            .fixture(fixture)
            .client(self.client)
            .concurrency(Some(1))
            .snapshots(Some(snapshots))
            .vars(self.vars)
            .vocabulary(crate::runner::Vocabulary::CargoTest);
        let running = runtime.block_on(harness.start())?;
        let shared = Arc::new(running.shared()?);
        // As `macie-conform run` does: a target that cannot be reached, or
        // refuses every request's signature, is one error that says what
        // to fix, not hundreds of failed tests that each say the same.
        if let Err(e) = runtime.block_on(runner::probe(&shared.client, &shared.target)) {
            runtime.block_on(running.finish());
            return Err(e.into());
        }
        // An ignored case runs only when asked for (`-- --ignored`), and
        // then as if the target declared everything: the canonical data
        // set, fault injection and signature checks. Skipping it again
        // would report a test that checked nothing as passed.
        let declaring_all = {
            let mut options = running.options();
            options
                .fixture
                .get_or_insert_with(|| Arc::new(runner::embedded_fixture()));
            options.faults = true;
            options.client.target_checks_signatures = true;
            Arc::new(Shared::new(options)?)
        };
        // How many jobs the target holds, learned once: a case needing
        // more is ignored up front, as one needing an undeclared
        // capability is, rather than run, skipped and shown as passed.
        let census = runtime.block_on(shared.census()).clone();
        let trials = suite
            .cases
            .into_iter()
            .map(|case| {
                // Ignored rather than failed: the target did not declare
                // what these cases need, so they say nothing about it.
                // The same rule `run` skips them by.
                let undeclared = runner::undeclared_need(&case, &shared).is_some();
                let too_few = case
                    .case
                    .requires
                    .min_jobs
                    .is_some_and(|min| census.shortfall(min).is_some());
                let ignored = undeclared || too_few;
                let shared = Arc::clone(if undeclared { &declaring_all } else { &shared });
                let runtime = Arc::clone(&runtime);
                let kind = case.case.level.to_string();
                Trial::test(case.id().to_string(), move || {
                    let report = runtime.block_on(runner::run_case(&case, &shared));
                    match report.verdict {
                        Verdict::Pass | Verdict::Observed | Verdict::Unanswered => Ok(()),
                        // Asked for by name (`--ignored`) and still not
                        // run: say so, rather than pass a test that
                        // checked nothing.
                        Verdict::Skip(reason) if ignored => {
                            Err(Failed::from(format!("not run: {reason}")))
                        }
                        // A limit of the harness (a walk cut short at the
                        // retained-bytes budget, the deadline): not a
                        // fault of the target, and libtest has no third
                        // outcome; the run's report would say "not
                        // verified".
                        Verdict::Skip(_) => Ok(()),
                        Verdict::Fail => {
                            Err(Failed::from(terminal::details(&report, &Style::default())))
                        }
                    }
                })
                .with_kind(kind)
                .with_ignored_flag(ignored)
            })
            .collect();
        let conclusion = libtest_mimic::run(args, trials);
        runtime.block_on(running.finish());
        Ok(conclusion)
    }
}

/// A setup error with what would fix it, in the builder's terms.
fn with_remedy(e: &SetupError) -> String {
    use crate::runner::Remedy as R;
    let SetupError::Run(run) = e else {
        return e.to_string();
    };
    let fix = match run.remedy() {
        Some(R::NameCasesFolder) => "name the folder of your case files with .cases_dir(..)",
        Some(R::LeaveBuiltinOut) => {
            "call .no_builtin() to run that folder instead of the built-in copy"
        }
        Some(R::FixtureFormat) => {
            ".fixture_file(..) takes the JSON array of job summaries the target serves"
        }
        Some(R::BaseUrl) => "give .target(..) a base URL such as http://127.0.0.1:8080",
        Some(R::StartServer) => {
            "is the server running and is the URL right? .router(..) serves an axum router in-process instead"
        }
        Some(R::SkipVerification) => {
            "for a test server with its own certificate, set insecure in .client_options(..)"
        }
        Some(R::SignRequests) => "the target wants AWS SigV4-signed requests: give a .signer(..)",
        Some(R::CheckSigning) => {
            "the requests were signed: check the signer's credentials, the region the target expects, and this machine's clock"
        }
        Some(R::CheckTargetPath) => {
            "check the path prefix and port of .target(..), and that the server implements the operation"
        }
        _ => return run.to_string(),
    };
    format!("{run}; {fix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_error_is_worded_with_the_builders_methods() {
        let untrusted = SetupError::Run(RunError::Untrusted {
            url: "https://127.0.0.1:9".into(),
            reason: "self-signed".into(),
        });
        let said = with_remedy(&untrusted);
        assert!(said.contains(".client_options(..)"), "{said}");
        assert!(!said.contains("--"), "{said}");
        let folder = SetupError::Run(RunError::NoCases("mine".into()));
        assert!(with_remedy(&folder).contains(".cases_dir(..)"));
    }

    /// The fault cases, run by hand with `--ignored` against a server that
    /// does not honour the fault header: they fail, where they used to be
    /// skipped and counted as passed.
    #[test]
    fn an_ignored_case_run_by_hand_is_judged_as_if_declared() {
        let run = |faults: bool| {
            let config = crate::server::ServerConfig::embedded()
                .expect("embedded fixture")
                .with_faults(faults);
            let mut args = Arguments::from_iter(["conformance", "--ignored", "--quiet"]);
            args.filter = Some("errors.ValidationException".into());
            args.test_threads = Some(1);
            Conformance::builder()
                .router(crate::server::router(config))
                .embedded_fixture()
                .run_with_args(&args)
        };
        assert_eq!(
            run(false),
            ExitCode::from(101),
            "a server without fault injection"
        );
        assert_eq!(run(true), ExitCode::SUCCESS, "a server that honours it");
    }

    /// A case needing more jobs than the target holds is ignored, not run,
    /// skipped and counted as passed; asked for by name it fails, saying
    /// why it could not run.
    #[test]
    fn a_case_needing_more_jobs_than_the_target_holds_is_ignored() {
        let conclusion = |extra: &[&str]| {
            let config = crate::server::ServerConfig::synthetic(1).expect("one job");
            let mut args = Arguments::from_iter(["conformance", "--quiet"].iter().chain(extra));
            args.filter = Some("page.token.reused".into());
            args.exact = true;
            Conformance::builder()
                .router(crate::server::router(config))
                .try_run(&args)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let plain = conclusion(&[]);
        assert_eq!((plain.num_passed, plain.num_ignored), (0, 1));
        let asked = conclusion(&["--ignored"]);
        assert_eq!((asked.num_passed, asked.num_failed), (0, 1));
    }

    /// The loader's hints speak the builder's words: an undefined
    /// variable is told `.var(..)`, not `--var`.
    #[test]
    fn a_load_error_names_the_builders_method() {
        let dir = std::env::temp_dir().join(format!("libtest-words-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("folder");
        std::fs::write(
            dir.join("mine.yaml"),
            "cases:\n  - id: mine.a\n    verifies: x\n    level: must\n    request: {body: {maxResults: \"${page}\"}}\n    expect: {status: 200}\n",
        )
        .expect("case file");
        let result = Conformance::builder()
            .cases_dir(&dir)
            .no_builtin()
            .try_run(&Arguments::from_iter(["conformance", "--list"]));
        let _ = std::fs::remove_dir_all(&dir);
        let Err(SetupError::Run(RunError::Cases(diagnostics))) = result else {
            panic!("a load error");
        };
        let said: String = diagnostics.iter().map(ToString::to_string).collect();
        assert!(said.contains(".var(\"page\", VALUE)"), "{said}");
        assert!(!said.contains("--var"), "{said}");
    }
}
