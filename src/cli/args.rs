//! The command-line arguments of every command.

use super::prelude::*;

// The headings options are grouped under in `--help`, in the order the
// first option of each is declared (clap's rule). The five options a new
// user of `run` needs first are under START_HERE; the commands where that
// heading would hold one lone option move it back to its group (see
// `cli::command`).
const START_HERE: &str = "Start here";
const TARGET: &str = "Target";
const SELECTION: &str = "Selection";
pub(crate) const CASES: &str = "Cases and snapshots";
const LIMITS: &str = "Limits";
pub(crate) const REPORTS: &str = "Reports";
const CERTIFICATION: &str = "Certification";
const EXPLORATION: &str = "Exploration";
const SETTINGS: &str = "Settings file";

#[derive(Parser)]
#[command(
    name = "macie-conform",
    version,
    about = "Conformance harness for Amazon Macie ListClassificationJobs (POST /jobs/list)",
    after_help = "Exit codes: 0 no selected must/should check failed; 1 one failed (with \
                  --certify: or the run does not support a claim); 2 usage, configuration \
                  or case-file error; 3 the target could not be reached.\n\
                  Guide: README.md and docs/ (docs/reference/cli.md lists every option).",
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the conformance suite against a target (default: the embedded reference server).
    Run(Box<RunArgs>),
    /// Send generated requests (valid and invalid, from the request schema
    /// and the target's data) and judge them as the suite does; failures
    /// are shrunk and can be saved as cases.
    Explore(Box<ExploreArgs>),
    /// List the cases with their id, level, tags and what they verify.
    List(ListArgs),
    /// Load and validate the case files and schemas without sending anything.
    Check(SuiteArgs),
    /// Run the reference implementation of ListClassificationJobs.
    Serve(ServeArgs),
    /// Write a starter folder for your own cases: an example case, its
    /// requirements, the case schema for editors, settings and a CI snippet.
    Init(InitArgs),
    /// Join the JSON reports of the shards of a run (run --partition K/N)
    /// into one report with one verdict.
    MergeReports(MergeArgs),
    /// Write the canonical data set (a JSON array of JobSummary) that a
    /// server under test loads so that the cases needing it can run; the
    /// run then names it with --fixture builtin.
    Fixture(FixtureArgs),
}

#[derive(Args)]
pub(crate) struct SuiteArgs {
    /// A folder of your own case files (*.yaml, searched recursively, with
    /// its own requirements.yaml if any), added to the built-in suite; may
    /// be repeated.
    #[arg(long, value_name = "DIR", help_heading = START_HERE)]
    pub(crate) cases: Vec<PathBuf>,
    /// Leave the built-in suite out: only the --cases folders.
    #[arg(long, requires = "cases", help_heading = CASES)]
    pub(crate) no_builtin: bool,
    /// A variable for case files, used there as ${name}; may be repeated.
    /// Beats --vars-file and MACIE_CONFORM_VAR_<NAME>.
    #[arg(long = "var", value_name = "NAME=VALUE", help_heading = CASES)]
    pub(crate) vars: Vec<String>,
    /// A file of variables, one `name=value` a line (`#` starts a comment
    /// line). Beats MACIE_CONFORM_VAR_<NAME> (which defines ${name}, the
    /// name lower-cased).
    #[arg(long, value_name = "FILE", help_heading = CASES)]
    pub(crate) vars_file: Option<PathBuf>,
    /// Settings file (default: ./macie-conform.toml when there is one);
    /// command-line options override it.
    #[arg(long, value_name = "PATH", help_heading = SETTINGS)]
    pub(crate) config: Option<PathBuf>,
    /// Use this profile ([profile.NAME]) of the settings file over its top level.
    #[arg(long, value_name = "NAME", help_heading = SETTINGS)]
    pub(crate) profile: Option<String>,
}

impl SuiteArgs {
    /// The settings file's settings for this run (its top level with the
    /// chosen profile over it), and the file they come from.
    pub(crate) fn settings(&self) -> Result<Option<(PathBuf, Settings)>, ExitCode> {
        super::settings::resolve(self.config.as_deref(), self.profile.as_deref())
    }

    /// Where the cases come from, and the variables they may use (by
    /// precedence: --var, --vars-file, the settings file, the
    /// environment); a bad variable is a usage error (exit 2), said before
    /// anything is loaded.
    pub(crate) fn sources(
        &self,
        settings: Option<&Settings>,
    ) -> Result<(runner::SuiteSources, BTreeMap<String, String>), ExitCode> {
        let empty = BTreeMap::new();
        let from_settings = settings.and_then(|s| s.vars.as_ref()).unwrap_or(&empty);
        let variables = vars::resolve_with_settings(
            &self.vars,
            self.vars_file.as_deref(),
            from_settings,
            vars::process_env(),
        )
        .map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        })?;
        let sources = runner::SuiteSources {
            builtin: !self.no_builtin,
            dirs: self.cases.clone(),
            variables: variables.keys().cloned().collect(),
            words: Vocabulary::Cli,
        };
        Ok((sources, variables))
    }
}

#[derive(Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) suite: SuiteArgs,
    /// Print the traceability matrix instead: each requirement with the cases that verify it.
    #[arg(long)]
    pub(crate) requirements: bool,
}

/// Where the target is and how to talk to it: `run` and `explore` alike.
#[derive(Args)]
pub(crate) struct TargetArgs {
    /// Base URL of the implementation under test; a path prefix is kept.
    /// Without it, the embedded reference server is started on a free port.
    #[arg(long, env = "MACIE_CONFORM_TARGET", value_name = "URL", help_heading = START_HERE)]
    pub(crate) target: Option<String>,
    /// The target serves the canonical data set in this file, so cases that
    /// need it run (implied for the embedded server); `builtin` names the
    /// copy this binary carries (what `macie-conform fixture` writes).
    #[arg(long, value_name = "PATH", help_heading = START_HERE)]
    pub(crate) fixture: Option<PathBuf>,
    /// The target honours the x-macie-conform-fault header (implied for the embedded server).
    #[arg(long, help_heading = START_HERE)]
    pub(crate) faults: bool,
    /// Sign every request with AWS Signature Version 4 (service macie2),
    /// with credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
    /// AWS_SESSION_TOKEN or the shared credentials file (AWS_PROFILE).
    #[arg(long, help_heading = TARGET)]
    pub(crate) sigv4: bool,
    /// Region to sign for (default: AWS_REGION, then AWS_DEFAULT_REGION).
    // Not `requires = "sigv4"`: sigv4 may come from the settings file,
    // which clap does not see; checked after the merge instead.
    #[arg(long, value_name = "REGION", help_heading = TARGET)]
    pub(crate) region: Option<String>,
    /// The target refuses unsigned and badly signed requests, so the cases
    /// that check it (tag `auth`) run.
    #[arg(long, help_heading = TARGET)]
    pub(crate) target_checks_signatures: bool,
    /// Extra request header, `Name: value`; may be repeated.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE", help_heading = TARGET)]
    pub(crate) headers: Vec<String>,
    /// Header whose value is never shown in output (Authorization, X-Amz-Security-Token and cookies always are).
    #[arg(long = "redact-header", value_name = "NAME", help_heading = TARGET)]
    pub(crate) redact: Vec<String>,
    /// Per-request time limit in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS", help_heading = LIMITS)]
    pub(crate) timeout: f64,
    /// Time limit of the whole run, in seconds. A run's cases that have
    /// not ended by then fail with that one reason; an exploration's are
    /// left unjudged. 0 for none.
    #[arg(long, default_value_t = DEFAULT_DEADLINE.as_secs_f64(), value_name = "SECONDS", help_heading = LIMITS)]
    pub(crate) deadline: f64,
    /// Requests in a row that may get no answer (refused, timed out, broken)
    /// before the run stops sending and fails the cases left. 0 never stops.
    #[arg(long, default_value_t = DEFAULT_MAX_TRANSPORT_FAILURES, value_name = "N", help_heading = LIMITS)]
    pub(crate) max_transport_failures: usize,
    /// Cases run at once; output order does not depend on it. Without it
    /// the number follows the target: 8 requests in flight at first,
    /// more while answers come back in time (up to 32), half as many
    /// when the target throttles, times out or slows down.
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..), help_heading = LIMITS)]
    pub(crate) concurrency: Option<u16>,
    /// At most N requests a second (throttled retries included), for a
    /// target with a request quota.
    #[arg(long, value_name = "N", help_heading = LIMITS)]
    pub(crate) rate_limit: Option<f64>,
    /// Retries of a throttled request (429 / ThrottlingException), with exponential backoff.
    #[arg(long, default_value_t = 3, value_name = "N", help_heading = LIMITS)]
    pub(crate) retries: u32,
    /// Skip TLS certificate verification.
    #[arg(long, help_heading = TARGET)]
    pub(crate) insecure: bool,
    /// Largest response body read, in bytes; longer bodies are cut and fail their checks.
    #[arg(long, default_value_t = 8 << 20, value_name = "BYTES", help_heading = LIMITS)]
    pub(crate) max_body: usize,
    /// Most bytes the run's page walks may hold at once (all cases
    /// together, at least 1 MiB); a walk that would need more is not
    /// verified, and the run is incomplete. 0 for no limit.
    #[arg(long, default_value_t = DEFAULT_MAX_RETAINED, value_name = "BYTES", help_heading = LIMITS)]
    pub(crate) max_retained: usize,
}

/// Where the reports go: `run`, `explore` and `merge-reports` alike.
#[derive(Args)]
pub(crate) struct ReportArgs {
    /// Write a JUnit XML report (one testsuite per case file).
    #[arg(long, value_name = "PATH", help_heading = REPORTS)]
    pub(crate) junit: Option<PathBuf>,
    /// Write the machine-readable JSON report (schemas/report.schema.json).
    #[arg(long, value_name = "PATH", help_heading = REPORTS)]
    pub(crate) json: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "PATH", help_heading = REPORTS)]
    pub(crate) html: Option<PathBuf>,
    /// Write a Markdown report (for a pull-request comment or a README).
    #[arg(long, value_name = "PATH", help_heading = REPORTS)]
    pub(crate) markdown: Option<PathBuf>,
    /// Write the bundle into this folder (created if needed): junit.xml,
    /// report.json, report.html, report.md and run-info.json.
    #[arg(long, value_name = "DIR", help_heading = START_HERE)]
    pub(crate) report_dir: Option<PathBuf>,
    /// Name of the implementation under test, recorded in run-info.json.
    #[arg(long, value_name = "NAME", help_heading = REPORTS)]
    pub(crate) product: Option<String>,
    /// Version of the implementation under test, recorded in run-info.json.
    #[arg(long, value_name = "VERSION", help_heading = REPORTS)]
    pub(crate) product_version: Option<String>,
}

impl ReportArgs {
    pub(crate) fn paths(&self) -> ReportPaths {
        ReportPaths {
            junit: self.junit.clone(),
            json: self.json.clone(),
            html: self.html.clone(),
            markdown: self.markdown.clone(),
            dir: self.report_dir.clone(),
        }
    }

    /// Writes every report asked for (a usage error, exit 2, if one cannot
    /// be written), with the run-info record naming the product.
    pub(crate) fn write(
        &self,
        paths: &ReportPaths,
        report: &mut crate::report::RunReport,
        style: &Style,
        certification: Certification,
    ) -> Result<(), ExitCode> {
        let product = Product {
            name: self.product.clone(),
            version: self.product_version.clone(),
        };
        // Every format names the product and the claim, not only run-info.
        report.product = product.clone();
        report.certification = certification.requested.then(|| certification.clone());
        let report = &*report;
        let info = RunInfo::new(report, product, certification);
        match paths.write(report, style, &info) {
            Ok(_) => {
                if let Some(dir) = &self.report_dir {
                    eprintln!("report bundle written to {}", dir.display());
                }
                Ok(())
            }
            Err(e) => {
                eprintln!("error: {e}");
                Err(ExitCode::from(EXIT_USAGE))
            }
        }
    }

    /// Whether a report lists the exchanges of passed cases, so their
    /// bodies must be kept.
    pub(crate) fn lists_every_exchange(&self) -> bool {
        self.json.is_some()
            || self.html.is_some()
            || self.markdown.is_some()
            || self.report_dir.is_some()
    }
}

#[derive(Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) net: TargetArgs,
    /// Run only cases whose id matches (substring, or glob with `*`); may be repeated.
    #[arg(long, value_name = "PATTERN", help_heading = SELECTION)]
    pub(crate) filter: Vec<String>,
    /// Run only cases with this tag; may be repeated.
    #[arg(long, value_name = "TAG", help_heading = SELECTION)]
    pub(crate) tag: Vec<String>,
    /// Run only cases of this level (must, should, info); may be repeated.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level, help_heading = SELECTION)]
    pub(crate) level: Vec<Level>,
    /// Run only shard K of N (1 <= K <= N), after the other options; cases
    /// are assigned by their id. Merge the shards' --json reports with
    /// merge-reports.
    #[arg(long, value_name = "K/N", help_heading = SELECTION)]
    pub(crate) partition: Option<Partition>,
    #[command(flatten)]
    pub(crate) suite: SuiteArgs,
    /// Snapshot handling: check (compare only), update (rewrite), new (write .snap.new for review).
    #[arg(long, default_value = "check", value_name = "MODE", help_heading = CASES)]
    pub(crate) snapshots: SnapshotMode,
    /// Folder of the snapshot files. Without it: ./snapshots when there is
    /// one, and for built-in snapshots not in it the copies inside the binary.
    #[arg(long, value_name = "DIR", help_heading = CASES)]
    pub(crate) snapshot_dir: Option<PathBuf>,
    /// Print a line for every case, not only failures.
    #[arg(short, long, help_heading = REPORTS)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) reports: ReportArgs,
    /// Claim conformance: exit 1 unless the full suite ran, no case was
    /// skipped or unanswered, and nothing failed (a narrowed selection is
    /// refused before anything is sent).
    #[arg(long, help_heading = CERTIFICATION)]
    pub(crate) certify: bool,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    /// Print the settings the run would use (settings file, profile and
    /// options together; secrets hidden) and exit without running.
    #[arg(long, help_heading = SETTINGS)]
    pub(crate) print_config: bool,
}

/// What else a run must reach to pass: `run` only.
#[derive(Args)]
pub(crate) struct GateArgs {
    /// Fail the run (exit 1) when spec coverage is below this percentage.
    #[arg(long, value_name = "PCT", help_heading = CERTIFICATION)]
    pub(crate) min_coverage: Option<f64>,
}

#[derive(Args)]
pub(crate) struct ExploreArgs {
    #[command(flatten)]
    pub(crate) net: TargetArgs,
    /// Seed of the generator; the same seed against the same target sends
    /// the same requests. Default: a random seed, printed.
    #[arg(long, value_name = "N", help_heading = EXPLORATION)]
    pub(crate) seed: Option<u64>,
    /// Requests the exploration may send. A quarter is kept for shrinking
    /// the failures found (all of it explores with --shrink-attempts 0).
    #[arg(long, default_value_t = 2000, value_name = "N", help_heading = EXPLORATION)]
    pub(crate) budget: usize,
    /// Write the failures, shrunk and confirmed, as a case file
    /// (explore-s<SEED>.yaml) in this folder, for `run --cases DIR`.
    #[arg(long, value_name = "DIR", help_heading = EXPLORATION)]
    pub(crate) save_failures: Option<PathBuf>,
    /// Smaller versions tried per failure while shrinking it; 0 keeps
    /// failures as found.
    #[arg(long, default_value_t = 60, value_name = "N", help_heading = EXPLORATION)]
    pub(crate) shrink_attempts: usize,
    /// Print a line for every generated case, not only failures.
    #[arg(short, long, help_heading = REPORTS)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) reports: ReportArgs,
    /// Settings file (default: ./macie-conform.toml when there is one);
    /// command-line options override it.
    #[arg(long, value_name = "PATH", help_heading = SETTINGS)]
    pub(crate) config: Option<PathBuf>,
    /// Use this profile ([profile.NAME]) of the settings file over its top level.
    #[arg(long, value_name = "NAME", help_heading = SETTINGS)]
    pub(crate) profile: Option<String>,
}

#[derive(Args)]
pub(crate) struct MergeArgs {
    /// The JSON reports of every shard (run --partition K/N --json FILE).
    #[arg(value_name = "REPORT.json", required = true)]
    pub(crate) reports: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) out: ReportArgs,
    /// Claim conformance: exit 1 unless the shards together ran the full
    /// suite, no case was skipped or unanswered, and nothing failed.
    #[arg(long, help_heading = CERTIFICATION)]
    pub(crate) certify: bool,
    /// Largest shard report read, in bytes (a report is parsed whole, in
    /// about twice its size); a larger one is refused.
    #[arg(
        long,
        default_value_t = crate::report::read::DEFAULT_MAX_REPORT_BYTES,
        value_name = "BYTES"
    , help_heading = LIMITS)]
    pub(crate) max_report_bytes: u64,
}

#[derive(Args)]
pub(crate) struct FixtureArgs {
    /// File to write (an existing file is replaced); without it, the data
    /// set goes to standard output.
    #[arg(long, short, value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct InitArgs {
    /// Folder to write into (created if needed); existing files are never overwritten.
    #[arg(default_value = "conformance", value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Port to listen on; 0 picks a free one. The address is printed on start.
    #[arg(long, default_value_t = 8080)]
    pub(crate) port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub(crate) host: IpAddr,
    /// Serve the jobs in this file (a JSON array of JobSummary) instead of the embedded fixture.
    #[arg(long, value_name = "PATH", conflicts_with = "jobs")]
    pub(crate) fixture: Option<PathBuf>,
    /// Serve N synthetic jobs instead of the embedded fixture.
    #[arg(long, value_name = "N")]
    pub(crate) jobs: Option<usize>,
    /// Honour the x-macie-conform-fault request header to answer with any documented error.
    #[arg(long)]
    pub(crate) faults: bool,
    /// Refuse requests that are not SigV4-signed (service macie2) with this
    /// key, as the service does. The value is ACCESS_KEY_ID:SECRET_ACCESS_KEY.
    #[arg(
        long,
        value_name = "AKID:SECRET",
        env = "MACIE_CONFORM_SIGV4_CREDENTIALS",
        hide_env_values = true
    )]
    pub(crate) sigv4_credentials: Option<String>,
}

pub(crate) fn parse_level(s: &str) -> Result<Level, String> {
    Level::from_name(s).ok_or_else(|| format!("unknown level {s:?}; use must, should or info"))
}
