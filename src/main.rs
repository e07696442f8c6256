//! Command-line entry point: parses arguments, calls the library, and maps
//! outcomes to the documented exit codes:
//!
//! - 0: every selected must/should check passed
//! - 1: at least one must/should check failed (or, with `--certify`, the
//!   run does not support a conformance claim)
//! - 2: usage, configuration or case-file error
//! - 3: the target could not be reached at all (no status line and headers
//!   in time); one that sends headers and then stalls fails its cases (1)

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use macie_conform::config::{self, Settings};
use macie_conform::engine::case::Level;
use macie_conform::explore;
use macie_conform::report::output::{Certification, Product, ReportPaths, RunInfo};
use macie_conform::report::suite_listing;
use macie_conform::report::terminal::{self, Style};
use macie_conform::report::verdict;
use macie_conform::runner::http::{
    ClientOptions, DEFAULT_DEADLINE, DEFAULT_MAX_RETAINED, DEFAULT_MAX_TRANSPORT_FAILURES,
    RequestSigner, RetryPolicy,
};
use macie_conform::runner::select::Partition;
use macie_conform::runner::sigv4::SigV4Signer;
use macie_conform::runner::snapshot::{SnapshotMode, SnapshotStore};
use macie_conform::runner::{self, RunError, RunEvent, RunOptions, Selection, Target};
use macie_conform::server::{self, ServerConfig};
use macie_conform::vars;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const EXIT_USAGE: u8 = 2;

/// `--fixture builtin`: the canonical data set the binary carries.
const BUILTIN_FIXTURE: &str = "builtin";
const EXIT_UNREACHABLE: u8 = 3;

#[derive(Parser)]
#[command(
    name = "macie-conform",
    version,
    about = "Conformance harness for Amazon Macie ListClassificationJobs (POST /jobs/list)",
    after_help = "Exit codes: 0 all selected checks passed; 1 a must/should check failed \
                  (with --certify: or a case was skipped, unanswered or not selected); \
                  2 usage, configuration or case-file error; 3 the target could not be reached."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
struct SuiteArgs {
    /// A folder of your own case files (*.yaml, searched recursively, with
    /// its own requirements.yaml if any), added to the built-in suite; may
    /// be repeated.
    #[arg(long, value_name = "DIR")]
    cases: Vec<PathBuf>,
    /// Leave the built-in suite out: only the --cases folders.
    #[arg(long, requires = "cases")]
    no_builtin: bool,
    /// A variable for case files, used there as ${name}; may be repeated.
    /// Beats --vars-file and MACIE_CONFORM_VAR_<NAME>.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A file of variables, one `name=value` a line (`#` starts a comment
    /// line). Beats MACIE_CONFORM_VAR_<NAME> (which defines ${name}, the
    /// name lower-cased).
    #[arg(long, value_name = "FILE")]
    vars_file: Option<PathBuf>,
    /// Settings file (default: ./macie-conform.toml when there is one);
    /// command-line options override it.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Use this profile ([profile.NAME]) of the settings file over its top level.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

impl SuiteArgs {
    /// The settings file's settings for this run (its top level with the
    /// chosen profile over it), and the file they come from.
    fn settings(&self) -> Result<Option<(PathBuf, Settings)>, ExitCode> {
        config::resolve(self.config.as_deref(), self.profile.as_deref()).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        })
    }

    /// Where the cases come from, and the variables they may use (by
    /// precedence: --var, --vars-file, the settings file, the
    /// environment); a bad variable is a usage error (exit 2), said before
    /// anything is loaded.
    fn sources(
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
        };
        Ok((sources, variables))
    }
}

#[derive(Args)]
struct ListArgs {
    #[command(flatten)]
    suite: SuiteArgs,
    /// Print the traceability matrix instead: each requirement with the cases that verify it.
    #[arg(long)]
    requirements: bool,
}

impl TargetArgs {
    /// Cases at once: `-j`, or as many as the adaptive window may let
    /// send at once.
    fn cases_at_once(&self) -> usize {
        self.concurrency.map_or(runner::pace::MAX, usize::from)
    }
}

/// Where the target is and how to talk to it: `run` and `explore` alike.
#[derive(Args)]
struct TargetArgs {
    /// Base URL of the implementation under test; a path prefix is kept.
    /// Without it, the embedded reference server is started on a free port.
    #[arg(long, env = "MACIE_CONFORM_TARGET", value_name = "URL")]
    target: Option<String>,
    /// The target serves the canonical data set in this file, so cases that
    /// need it run (implied for the embedded server); `builtin` names the
    /// copy this binary carries (what `macie-conform fixture` writes).
    #[arg(long, value_name = "PATH")]
    fixture: Option<PathBuf>,
    /// The target honours the x-macie-conform-fault header (implied for the embedded server).
    #[arg(long)]
    faults: bool,
    /// Sign every request with AWS Signature Version 4 (service macie2),
    /// with credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
    /// AWS_SESSION_TOKEN or the shared credentials file (AWS_PROFILE).
    #[arg(long)]
    sigv4: bool,
    /// Region to sign for (default: AWS_REGION, then AWS_DEFAULT_REGION).
    // Not `requires = "sigv4"`: sigv4 may come from the settings file,
    // which clap does not see; checked after the merge instead.
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// The target refuses unsigned and badly signed requests, so the cases
    /// that check it (tag `auth`) run.
    #[arg(long)]
    target_checks_signatures: bool,
    /// Extra request header, `Name: value`; may be repeated.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Header whose value is never shown in output (Authorization, X-Amz-Security-Token and cookies always are).
    #[arg(long = "redact-header", value_name = "NAME")]
    redact: Vec<String>,
    /// Per-request time limit in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    timeout: f64,
    /// Time limit of the whole run, in seconds; cases that have not ended
    /// by then fail. 0 for none.
    #[arg(long, default_value_t = DEFAULT_DEADLINE.as_secs_f64(), value_name = "SECONDS")]
    deadline: f64,
    /// Requests in a row that may get no answer (refused, timed out, broken)
    /// before the run stops sending and fails the cases left. 0 never stops.
    #[arg(long, default_value_t = DEFAULT_MAX_TRANSPORT_FAILURES, value_name = "N")]
    max_transport_failures: usize,
    /// Cases run at once; output order does not depend on it. Without it
    /// the number follows the target: 8 requests in flight at first,
    /// more while answers come back in time (up to 32), half as many
    /// when the target throttles, times out or slows down.
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: Option<u16>,
    /// At most N requests a second (throttled retries included), for a
    /// target with a request quota.
    #[arg(long, value_name = "N")]
    rate_limit: Option<f64>,
    /// Retries of a throttled request (429 / ThrottlingException), with exponential backoff.
    #[arg(long, default_value_t = 3, value_name = "N")]
    retries: u32,
    /// Skip TLS certificate verification.
    #[arg(long)]
    insecure: bool,
    /// Largest response body read, in bytes; longer bodies are cut and fail their checks.
    #[arg(long, default_value_t = 8 << 20, value_name = "BYTES")]
    max_body: usize,
    /// Most bytes the run's page walks may hold at once (all cases
    /// together); a walk that would need more fails. 0 for no limit.
    #[arg(long, default_value_t = DEFAULT_MAX_RETAINED, value_name = "BYTES")]
    max_retained: usize,
}

/// Where the reports go: `run`, `explore` and `merge-reports` alike.
#[derive(Args)]
struct ReportArgs {
    /// Write a JUnit XML report (one testsuite per case file).
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write the machine-readable JSON report (schemas/report.schema.json).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Write a Markdown report (for a pull-request comment or a README).
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Write the bundle into this folder (created if needed): junit.xml,
    /// report.json, report.html, report.md and run-info.json.
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    /// Name of the implementation under test, recorded in run-info.json.
    #[arg(long, value_name = "NAME")]
    product: Option<String>,
    /// Version of the implementation under test, recorded in run-info.json.
    #[arg(long, value_name = "VERSION")]
    product_version: Option<String>,
}

impl ReportArgs {
    fn paths(&self) -> ReportPaths {
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
    fn write(
        &self,
        paths: &ReportPaths,
        report: &mut macie_conform::report::RunReport,
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
    fn lists_every_exchange(&self) -> bool {
        self.json.is_some()
            || self.html.is_some()
            || self.markdown.is_some()
            || self.report_dir.is_some()
    }
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    suite: SuiteArgs,
    #[command(flatten)]
    net: TargetArgs,
    /// Run only cases whose id matches (substring, or glob with `*`); may be repeated.
    #[arg(long, value_name = "PATTERN")]
    filter: Vec<String>,
    /// Run only cases with this tag; may be repeated.
    #[arg(long, value_name = "TAG")]
    tag: Vec<String>,
    /// Run only cases of this level (must, should, info); may be repeated.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    level: Vec<Level>,
    /// Run only shard K of N (1 <= K <= N), after the other options; cases
    /// are assigned by their id. Merge the shards' --json reports with
    /// merge-reports.
    #[arg(long, value_name = "K/N")]
    partition: Option<Partition>,
    /// Snapshot handling: check (compare only), update (rewrite), new (write .snap.new for review).
    #[arg(long, default_value = "check", value_name = "MODE")]
    snapshots: SnapshotMode,
    /// Folder of the snapshot files. Without it: ./snapshots when there is
    /// one, and for built-in snapshots not in it the copies inside the binary.
    #[arg(long, value_name = "DIR")]
    snapshot_dir: Option<PathBuf>,
    /// Print a line for every case, not only failures.
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    reports: ReportArgs,
    /// Claim conformance: exit 1 unless the full suite ran, no case was
    /// skipped or unanswered, and nothing failed.
    #[arg(long)]
    certify: bool,
    /// Fail the run (exit 1) when spec coverage is below this percentage.
    #[arg(long, value_name = "PCT")]
    min_coverage: Option<f64>,
    /// Print the settings the run would use (settings file, profile and
    /// options together; secrets hidden) and exit without running.
    #[arg(long)]
    print_config: bool,
}

#[derive(Args)]
struct ExploreArgs {
    #[command(flatten)]
    net: TargetArgs,
    /// Seed of the generator; the same seed against the same target sends
    /// the same requests. Default: a random seed, printed.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Requests to send while exploring (the last round may pass it by a
    /// few; shrinking failures sends more).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    budget: usize,
    /// Write the failures, shrunk and confirmed, as a case file
    /// (explore-s<SEED>.yaml) in this folder, for `run --cases DIR`.
    #[arg(long, value_name = "DIR")]
    save_failures: Option<PathBuf>,
    /// Smaller versions tried per failure while shrinking it; 0 keeps
    /// failures as found.
    #[arg(long, default_value_t = 60, value_name = "N")]
    shrink_attempts: usize,
    /// Print a line for every generated case, not only failures.
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    reports: ReportArgs,
    /// Settings file (default: ./macie-conform.toml when there is one);
    /// command-line options override it.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Use this profile ([profile.NAME]) of the settings file over its top level.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Args)]
struct MergeArgs {
    /// The JSON reports of every shard (run --partition K/N --json FILE).
    #[arg(value_name = "REPORT.json", required = true)]
    reports: Vec<PathBuf>,
    #[command(flatten)]
    out: ReportArgs,
    /// Claim conformance: exit 1 unless the shards together ran the full
    /// suite, no case was skipped or unanswered, and nothing failed.
    #[arg(long)]
    certify: bool,
    /// Largest shard report read, in bytes (a report is parsed whole, in
    /// about twice its size); a larger one is refused.
    #[arg(
        long,
        default_value_t = macie_conform::report::read::DEFAULT_MAX_REPORT_BYTES,
        value_name = "BYTES"
    )]
    max_report_bytes: u64,
}

#[derive(Args)]
struct FixtureArgs {
    /// File to write (an existing file is replaced); without it, the data
    /// set goes to standard output.
    #[arg(long, short, value_name = "PATH")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct InitArgs {
    /// Folder to write into (created if needed); existing files are never overwritten.
    #[arg(default_value = "conformance", value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// Port to listen on; 0 picks a free one. The address is printed on start.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Serve the jobs in this file (a JSON array of JobSummary) instead of the embedded fixture.
    #[arg(long, value_name = "PATH", conflicts_with = "jobs")]
    fixture: Option<PathBuf>,
    /// Serve N synthetic jobs instead of the embedded fixture.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Honour the x-macie-conform-fault request header to answer with any documented error.
    #[arg(long)]
    faults: bool,
    /// Refuse requests that are not SigV4-signed (service macie2) with this
    /// key, as the service does. The value is ACCESS_KEY_ID:SECRET_ACCESS_KEY.
    #[arg(
        long,
        value_name = "AKID:SECRET",
        env = "MACIE_CONFORM_SIGV4_CREDENTIALS",
        hide_env_values = true
    )]
    sigv4_credentials: Option<String>,
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::from_name(s).ok_or_else(|| format!("unknown level {s:?}; use must, should or info"))
}

fn main() -> ExitCode {
    // Parsed in two steps so `run` can ask which options were given (the
    // settings file fills in only the others).
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Run(args) => {
            let Some(run_matches) = matches.subcommand_matches("run") else {
                unreachable!("clap parsed the run subcommand")
            };
            run(*args, run_matches)
        }
        Command::Explore(args) => {
            let Some(explore_matches) = matches.subcommand_matches("explore") else {
                unreachable!("clap parsed the explore subcommand")
            };
            explore(*args, explore_matches)
        }
        Command::List(args) => list(&args),
        Command::Check(args) => check(&args),
        Command::Serve(args) => serve(args),
        Command::Init(args) => init(&args),
        Command::Fixture(args) => fixture(&args),
        Command::MergeReports(args) => merge_reports(&args),
    }
}

fn color_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints a library error and picks the exit code for it.
fn fail(e: &RunError) -> ExitCode {
    match e {
        RunError::Cases(diagnostics) => {
            let styled = std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            for d in diagnostics {
                eprintln!("{}", d.render(styled));
            }
            eprintln!(
                "error: {} problem(s) in the case files; nothing was run",
                diagnostics.len()
            );
            ExitCode::from(EXIT_USAGE)
        }
        RunError::Unreachable { .. } | RunError::Untrusted { .. } | RunError::NotTheApi { .. } => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_UNREACHABLE)
        }
        _ => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("error: cannot start the async runtime: {e}");
        ExitCode::from(EXIT_USAGE)
    })
}

fn parse_header(raw: &str) -> Result<(String, String), String> {
    match raw.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("--header {raw:?} is not `Name: value`")),
    }
}

/// Whether the user gave `id` on the command line or by its environment
/// variable: only then does it beat the settings file.
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Sets each listed field of `$args` from the settings file `$s`, unless
/// the option was given (`$m`).
macro_rules! take_settings {
    ($args:expr, $s:expr, $m:expr; $($key:ident => $field:ident $(as $wrap:ident)?),* $(,)?) => {$(
        if let Some(v) = $s.$key.clone()
            && !given($m, stringify!($field))
        {
            $args.$field = take_settings!(@wrap v $($wrap)?);
        }
    )*};
    (@wrap $v:ident Some) => { Some($v) };
    (@wrap $v:ident) => { $v };
}

/// Fills in, from the settings file, every target option not given.
fn apply_target_settings(args: &mut TargetArgs, s: &Settings, m: &ArgMatches) {
    take_settings! { args, s, m;
        target => target as Some,
        fixture => fixture as Some,
        faults => faults,
        sigv4 => sigv4,
        region => region as Some,
        target_checks_signatures => target_checks_signatures,
        header => headers,
        redact_header => redact,
        timeout => timeout,
        deadline => deadline,
        max_transport_failures => max_transport_failures,
        jobs => concurrency as Some,
        rate_limit => rate_limit as Some,
        retries => retries,
        insecure => insecure,
        max_body => max_body,
        max_retained => max_retained,
    }
}

/// Fills in, from the settings file, every report option not given.
fn apply_report_settings(args: &mut ReportArgs, s: &Settings, m: &ArgMatches) {
    take_settings! { args, s, m;
        junit => junit as Some,
        json => json as Some,
        html => html as Some,
        markdown => markdown as Some,
        report_dir => report_dir as Some,
        product => product as Some,
        product_version => product_version as Some,
    }
}

/// Fills in, from the settings file, every `run` option not given.
fn apply_settings(args: &mut RunArgs, s: &Settings, m: &ArgMatches) {
    apply_target_settings(&mut args.net, s, m);
    apply_report_settings(&mut args.reports, s, m);
    take_settings! { args, s, m;
        min_coverage => min_coverage as Some,
    }
}

/// The settings a run uses, in the settings file's format, with the
/// values of secret headers and secret-looking variables hidden.
fn print_config(
    args: &RunArgs,
    source: Option<&Path>,
    variables: &BTreeMap<String, String>,
) -> String {
    use std::fmt::Write as _;
    let q = |s: &str| format!("{s:?}");
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| q(&p.display().to_string()));
    let list = |v: &[String]| {
        format!(
            "[{}]",
            v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
        )
    };
    let headers: Vec<String> = args
        .net
        .headers
        .iter()
        .map(|raw| match parse_header(raw) {
            Ok((name, _)) if macie_conform::report::is_secret(&name, &args.net.redact) => {
                format!("{name}: {}", macie_conform::report::REDACTED)
            }
            _ => raw.clone(),
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# resolved settings: {}{}, then the command line",
        source.map_or("no settings file".to_string(), |p| format!(
            "settings file {}",
            p.display()
        )),
        args.suite
            .profile
            .as_ref()
            .map(|p| format!(", profile {p}"))
            .unwrap_or_default()
    );
    let lines: Vec<(&str, Option<String>)> = vec![
        // A password in the URL is as secret as a credential header.
        (
            "target",
            args.net
                .target
                .as_deref()
                .map(|t| q(&macie_conform::report::redact_credentials(t))),
        ),
        ("fixture", path(&args.net.fixture)),
        ("faults", Some(args.net.faults.to_string())),
        ("sigv4", Some(args.net.sigv4.to_string())),
        ("region", args.net.region.as_deref().map(q)),
        (
            "target-checks-signatures",
            Some(args.net.target_checks_signatures.to_string()),
        ),
        ("header", Some(list(&headers))),
        ("redact-header", Some(list(&args.net.redact))),
        ("timeout", Some(format!("{:?}", args.net.timeout))),
        ("deadline", Some(format!("{:?}", args.net.deadline))),
        (
            "max-transport-failures",
            Some(args.net.max_transport_failures.to_string()),
        ),
        ("jobs", args.net.concurrency.map(|j| j.to_string())),
        ("rate-limit", args.net.rate_limit.map(|r| format!("{r:?}"))),
        ("retries", Some(args.net.retries.to_string())),
        ("insecure", Some(args.net.insecure.to_string())),
        ("max-body", Some(args.net.max_body.to_string())),
        ("max-retained", Some(args.net.max_retained.to_string())),
        ("junit", path(&args.reports.junit)),
        ("json", path(&args.reports.json)),
        ("html", path(&args.reports.html)),
        ("markdown", path(&args.reports.markdown)),
        ("report-dir", path(&args.reports.report_dir)),
        ("product", args.reports.product.as_deref().map(q)),
        (
            "product-version",
            args.reports.product_version.as_deref().map(q),
        ),
        ("min-coverage", args.min_coverage.map(|v| format!("{v:?}"))),
    ];
    for (key, value) in lines {
        match value {
            Some(v) => {
                let _ = writeln!(out, "{key} = {v}");
            }
            None => {
                let _ = writeln!(out, "# {key} (not set)");
            }
        }
    }
    let _ = writeln!(out, "\n[vars]");
    for (name, value) in variables {
        let shown = if vars::is_secret_name(name) {
            macie_conform::report::REDACTED
        } else {
            value
        };
        let _ = writeln!(out, "{name} = {}", q(shown));
    }
    out
}

/// `--region` without `--sigv4` is a mistake worth saying.
fn check_region(net: &TargetArgs) -> Result<(), ExitCode> {
    if net.region.is_some() && !net.sigv4 {
        eprintln!(
            "error: --region is the region requests are signed for; add --sigv4 (or sigv4 = true in the settings file), or drop the region"
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(())
}

/// The target options, checked and read: what `run` and `explore` need
/// before the target is resolved.
struct Connection {
    headers: Vec<(String, String)>,
    deadline: Option<Duration>,
    fixture: Option<Arc<Vec<serde_json::Value>>>,
    signer: Option<Arc<dyn RequestSigner>>,
}

impl Connection {
    fn prepare(net: &TargetArgs) -> Result<Connection, ExitCode> {
        let usage = |e: &dyn std::fmt::Display| {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        };
        let mut headers = Vec::new();
        for raw in &net.headers {
            headers.push(parse_header(raw).map_err(|e| usage(&e))?);
        }
        if !(net.timeout > 0.0 && net.timeout.is_finite()) {
            return Err(usage(&"--timeout must be a positive number of seconds"));
        }
        if net.rate_limit.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
            return Err(usage(
                &"--rate-limit must be a positive number of requests a second",
            ));
        }
        if net.concurrency == Some(0) {
            return Err(usage(&"--jobs must be 1 or more"));
        }
        let deadline = match Duration::try_from_secs_f64(net.deadline) {
            Ok(d) if d.is_zero() => None,
            Ok(d) => Some(d),
            Err(_) => {
                return Err(usage(
                    &"--deadline must be a number of seconds, 0 or more (0 for no deadline)",
                ));
            }
        };
        let fixture = match &net.fixture {
            // The word names the built-in copy (what `fixture` writes); a
            // file of that name is `./builtin`.
            Some(path) if path.as_os_str() == BUILTIN_FIXTURE => Some(Arc::new(
                runner::parse_fixture(macie_conform::server::EMBEDDED_FIXTURE)
                    .map_err(|e| usage(&e))?,
            )),
            Some(path) => Some(Arc::new(runner::read_fixture(path).map_err(|e| fail(&e))?)),
            None => None,
        };
        if net.sigv4 && net.target.is_none() {
            return Err(usage(
                &"--sigv4 signs requests to a --target; without one, the embedded reference server checks signatures by a key of its own, which the run signs with",
            ));
        }
        let signer: Option<Arc<dyn RequestSigner>> = if net.sigv4 {
            let signer =
                SigV4Signer::from_environment(net.region.as_deref()).map_err(|e| usage(&e))?;
            eprintln!(
                "signing: SigV4 for macie2 in {}, key {} ({})",
                signer.region(),
                signer.access_key_id(),
                signer.source()
            );
            Some(Arc::new(signer))
        } else {
            None
        };
        Ok(Connection {
            headers,
            deadline,
            fixture,
            signer,
        })
    }

    /// The target: the URL given, or the embedded reference server,
    /// started now (and said so).
    async fn resolve(&self, net: &TargetArgs) -> Result<Target, ExitCode> {
        let target = Target::resolve(net.target.as_deref(), self.fixture.clone(), net.faults)
            .await
            .map_err(|e| fail(&e))?;
        if target.is_embedded() {
            eprintln!("target: embedded reference server at {}", target.url);
        }
        Ok(target)
    }

    fn client_options(&self, net: &TargetArgs) -> ClientOptions {
        ClientOptions {
            timeout: Duration::from_secs_f64(net.timeout),
            max_body_bytes: net.max_body,
            insecure: net.insecure,
            headers: self.headers.clone(),
            retry: RetryPolicy {
                max_retries: net.retries,
                ..RetryPolicy::default()
            },
            signer: self.signer.clone(),
            max_transport_failures: net.max_transport_failures,
            deadline: self.deadline,
            max_retained_bytes: net.max_retained,
            target_checks_signatures: net.target_checks_signatures,
            // An exploration sets its own, from --budget.
            budget: None,
            rate_limit: net.rate_limit,
            adaptive: net.concurrency.is_none(),
        }
    }
}

fn run(mut args: RunArgs, matches: &ArgMatches) -> ExitCode {
    let settings = match args.suite.settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some((_, s)) = &settings {
        apply_settings(&mut args, s, matches);
    }
    if let Err(code) = check_region(&args.net) {
        return code;
    }
    // Before anything is sent: a run whose reports cannot be written is
    // wasted.
    let paths = args.reports.paths();
    if let Err(e) = paths.check() {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let snapshots = match snapshot_store(args.snapshot_dir.as_deref(), args.snapshots) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (sources, variables) = match args.suite.sources(settings.as_ref().map(|(_, s)| s)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.print_config {
        let source = settings.as_ref().map(|(p, _)| p.as_path());
        print!("{}", print_config(&args, source, &variables));
        return ExitCode::SUCCESS;
    }
    let suite = match runner::load_suites(&sources) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let connection = match Connection::prepare(&args.net) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let selection = Selection {
        filters: args.filter.clone(),
        tags: args.tag.clone(),
        levels: args.level.clone(),
        partition: args.partition,
    };
    // A claim rests on the whole built-in suite: said before anything is
    // sent, since such a run could never back one.
    if args.certify {
        let mut why = Vec::new();
        if !sources.builtin {
            why.push("--no-builtin leaves out the built-in suite (--cases folders may add to it, never replace it)");
        }
        if !args.filter.is_empty() || !args.tag.is_empty() || !args.level.is_empty() {
            why.push("--filter, --tag and --level narrow the suite");
        }
        if args.partition.is_some() {
            why.push("--partition runs one shard; certify the merge of every shard with merge-reports --certify");
        }
        if !why.is_empty() {
            eprintln!(
                "error: --certify needs the whole built-in suite: {}",
                why.join("; ")
            );
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let style = Style {
        color: color_wanted(),
        redact: args.net.redact.clone(),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async move {
        let target = match connection.resolve(&args.net).await {
            Ok(t) => t,
            Err(code) => return code,
        };
        let options = RunOptions {
            target: target.url.clone(),
            client: target.client_options(connection.client_options(&args.net)),
            concurrency: args.net.cases_at_once(),
            fixture: target.fixture.clone(),
            faults: target.faults,
            snapshots: Some(snapshots),
            redact: args.net.redact.clone(),
            vars: variables,
            // Only these reports list the exchanges of passed cases.
            keep_passed_bodies: args.reports.lists_every_exchange(),
        };
        let selected = suite.cases.iter().filter(|c| selection.selects(c)).count();
        if selected == 0 {
            eprintln!("error: no case matches the selection (--filter/--tag/--level/--partition)");
            return ExitCode::from(EXIT_USAGE);
        }
        let bar = progress_bar(selected);
        let on_event = {
            let bar = bar.clone();
            let style = style.clone();
            let live_failures = std::sync::atomic::AtomicUsize::new(0);
            let requests = std::sync::atomic::AtomicUsize::new(0);
            move |event: &RunEvent<'_>| {
                // Said once, as it happens; the cases it fails share one finding.
                if let RunEvent::Stopped { reason, .. } = event {
                    let line = format!("stopped: {reason}");
                    match &bar {
                        Some(bar) => bar.println(line),
                        None => eprintln!("{line}"),
                    }
                }
                if let (Some(bar), RunEvent::CaseFinished { report, .. }) = (&bar, event) {
                    bar.inc(1);
                    let sent = requests.fetch_add(report.requests, std::sync::atomic::Ordering::Relaxed)
                        + report.requests;
                    bar.set_message(format!("requests: {sent}"));
                    // One defect can fail a hundred cases; the first few
                    // show it as it happens, the findings group the rest.
                    if report.verdict == macie_conform::report::Verdict::Fail {
                        match live_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
                            n if n < LIVE_FAILURES => {
                                bar.println(terminal::case_line(report, &style))
                            }
                            n if n == LIVE_FAILURES => bar.println(
                                "... further failed cases are not listed as they happen (-v lists them); the findings below group them",
                            ),
                            _ => {}
                        }
                    }
                }
            }
        };
        let result = runner::run(&suite, &selection, options, on_event).await;
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let embedded = target.is_embedded();
        target.finish().await;
        let mut report = match result {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
        // Shards against the embedded server each start their own, on
        // ports of their own; merge-reports needs to know it is one target.
        report.embedded = embedded;
        // Cases finish in any order; -v lists them in suite order, after.
        if args.verbose {
            eprint!("{}", terminal::case_lines(&report, &style));
        }
        let mut stdout = std::io::stdout().lock();
        let rendered = if args.verbose {
            terminal::render_all(&report, &style)
        } else {
            terminal::render(&report, &style)
        };
        let _ = write!(stdout, "{rendered}");
        let certification = Certification::of(&report, args.certify);
        if let Err(code) = args
            .reports
            .write(&paths, &mut report, &style, certification.clone())
        {
            return code;
        }
        let refused = refuses_claim(args.certify, &certification, "this run");
        let mut short = false;
        if let Some(Err(shortfall)) = args
            .min_coverage
            .map(|min| macie_conform::report::coverage::gate(&report, min))
        {
            eprintln!("error: {shortfall}");
            short = true;
        }
        ExitCode::from(verdict::exit_status(&report, refused, short))
    })
}

/// `explore`: generated cases against a target, judged as the suite's
/// are, with the same reports and exit codes as `run`.
fn explore(mut args: ExploreArgs, matches: &ArgMatches) -> ExitCode {
    let settings = match config::resolve(args.config.as_deref(), args.profile.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Some((_, s)) = &settings {
        apply_target_settings(&mut args.net, s, matches);
        apply_report_settings(&mut args.reports, s, matches);
    }
    if let Err(code) = check_region(&args.net) {
        return code;
    }
    if args.budget == 0 {
        eprintln!("error: --budget is the number of requests to send; give at least 1");
        return ExitCode::from(EXIT_USAGE);
    }
    let paths = args.reports.paths();
    // The folder for saved failures too, before the exploration is spent.
    let save_folder = args.save_failures.as_deref().map_or(Ok(()), |dir| {
        macie_conform::report::output::check_dir("--save-failures", dir)
    });
    if let Err(e) = paths.check().and(save_folder) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let connection = match Connection::prepare(&args.net) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..1 << 48));
    let mut rerun = format!(
        "macie-conform explore --seed {seed} --budget {}",
        args.budget
    );
    if let Some(t) = &args.net.target {
        rerun.push_str(&format!(
            " --target {}",
            macie_conform::report::without_credentials(t)
        ));
    }
    if let Some(f) = &args.net.fixture {
        rerun.push_str(&format!(" --fixture {}", f.display()));
    }
    if args.net.faults {
        rerun.push_str(" --faults");
    }
    if let Some(p) = &args.profile {
        rerun.push_str(&format!(" --profile {p}"));
    }
    eprintln!("explore: seed {seed}, budget {} requests", args.budget);
    let style = Style {
        color: color_wanted(),
        redact: args.net.redact.clone(),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async move {
        let target = match connection.resolve(&args.net).await {
            Ok(t) => t,
            Err(code) => return code,
        };
        let setup = explore::Setup {
            target: target.url.clone(),
            client: target.client_options(connection.client_options(&args.net)),
            concurrency: args.net.cases_at_once(),
            fixture: target.fixture.clone(),
            faults: target.faults,
            redact: args.net.redact.clone(),
            keep_passed_bodies: args.reports.lists_every_exchange(),
        };
        let options = explore::ExploreOptions {
            save_failures: args.save_failures.clone(),
            shrink_attempts: args.shrink_attempts,
            rerun,
            ..explore::ExploreOptions::new(seed, args.budget)
        };
        let bar = spinner();
        let listener: explore::Listener = {
            let bar = bar.clone();
            let style = style.clone();
            let verbose = args.verbose;
            let failed = std::sync::atomic::AtomicUsize::new(0);
            Arc::new(move |event: &RunEvent<'_>| {
                if let RunEvent::CaseFinished { report, .. } = event {
                    let line = if verbose {
                        Some(terminal::case_line(report, &style))
                    } else if report.verdict == macie_conform::report::Verdict::Fail {
                        // One defect can fail hundreds of generated cases;
                        // the first few show it as it happens, the summary
                        // groups the rest.
                        match failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
                            n if n < LIVE_FAILURES => Some(terminal::case_line(report, &style)),
                            n if n == LIVE_FAILURES => Some(
                                "... further failed generated cases are not listed as they happen (-v lists them); the summary below groups them"
                                    .to_string(),
                            ),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    match (&bar, line) {
                        (Some(bar), line) => {
                            bar.inc(1);
                            if let Some(line) = line {
                                bar.println(line);
                            }
                        }
                        (None, Some(line)) => eprintln!("{line}"),
                        (None, None) => {}
                    }
                }
            })
        };
        let result = explore::explore(&setup, &options, listener).await;
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let embedded = target.is_embedded();
        target.finish().await;
        let mut report = match result {
            Ok(r) => r,
            Err(explore::ExploreError::Run(e)) => return fail(&e),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        report.embedded = embedded;
        let _ = write!(
            std::io::stdout().lock(),
            "{}",
            terminal::render(&report, &style)
        );
        let certification = Certification::of(&report, false);
        if let Err(code) = args.reports.write(&paths, &mut report, &style, certification) {
            return code;
        }
        ExitCode::from(verdict::exit_status(&report, false, false))
    })
}

/// Failed generated cases listed as they happen, without `-v`.
const LIVE_FAILURES: usize = 10;

/// A spinner counting generated cases, on a terminal only.
fn spinner() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {pos} generated cases {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

/// `fixture`: the canonical data set, as the embedded server serves it.
fn fixture(args: &FixtureArgs) -> ExitCode {
    let text = macie_conform::server::EMBEDDED_FIXTURE;
    let jobs = runner::parse_fixture(text).map_or(0, |j| j.len());
    match &args.output {
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Some(path) => match macie_conform::files::write_replacing(path, text.as_bytes()) {
            Ok(()) => {
                eprintln!(
                    "wrote the canonical data set ({jobs} jobs) to {}; load it into the server under test, then run with --fixture builtin",
                    path.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(EXIT_USAGE)
            }
        },
    }
}

/// With `--certify`, whether the run cannot back a conformance claim,
/// saying why; `what` names the run in the message.
fn refuses_claim(certify: bool, certification: &Certification, what: &str) -> bool {
    if !certify {
        return false;
    }
    if certification.passed() {
        // What the claim covers, beyond the document: said with it.
        eprintln!(
            "certified: {what} supports a conformance claim {}",
            certification.claim_line()
        );
        return false;
    }
    eprintln!("error: --certify: {what} does not support a conformance claim:");
    for problem in &certification.problems {
        eprintln!("  - {problem}");
    }
    true
}

/// Where snapshots are read and written. Given a folder, that folder alone
/// (as before the suite was embedded). Without one, `./snapshots` (so a
/// run from the repository root updates the repository's files) over the
/// built-in copies; writing needs that folder to exist, since the built-in
/// copies are inside the binary.
fn snapshot_store(dir: Option<&Path>, mode: SnapshotMode) -> Result<SnapshotStore, String> {
    if let Some(dir) = dir {
        return Ok(SnapshotStore::new(dir, mode));
    }
    let local = Path::new("snapshots");
    if mode != SnapshotMode::Check && !local.is_dir() {
        return Err(format!(
            "--snapshots {mode} writes snapshot files, and there is no snapshots/ folder here: the built-in snapshots are inside the binary and cannot be rewritten; pass --snapshot-dir DIR (created if needed) to write them there"
        ));
    }
    Ok(SnapshotStore::new(local, mode).with_builtin())
}

/// `merge-reports`: reads the shards' JSON reports, merges them, and shows
/// and writes the merged run as `run` shows and writes its own, with the
/// same exit codes.
fn merge_reports(args: &MergeArgs) -> ExitCode {
    let paths = args.out.paths();
    if let Err(e) = paths
        .check()
        .and_then(|()| paths.check_inputs(&args.reports))
    {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let mut shards = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        match macie_conform::report::read::read_at_most(path, args.max_report_bytes) {
            Ok(report) => shards.push((path.clone(), report)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let count = shards.len();
    let mut report = match macie_conform::report::merge::merge(shards) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot merge the reports: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    eprintln!(
        "merged {count} shard(s) into one run of {} cases",
        report.cases.len()
    );
    // Recorded exchanges were redacted by the runs that made them.
    let style = Style {
        color: color_wanted(),
        redact: Vec::new(),
    };
    let _ = write!(
        std::io::stdout().lock(),
        "{}",
        terminal::render(&report, &style)
    );
    let certification = Certification::of(&report, args.certify);
    if let Err(code) = args
        .out
        .write(&paths, &mut report, &style, certification.clone())
    {
        return code;
    }
    let refused = refuses_claim(args.certify, &certification, "the merged run");
    ExitCode::from(verdict::exit_status(&report, refused, false))
}

fn progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(PROGRESS) {
        bar.set_style(style);
    }
    bar.set_message("requests: 0");
    // Across a network a case may take seconds; the clock keeps moving.
    bar.enable_steady_tick(Duration::from_millis(250));
    Some(bar)
}

/// The progress line of a run on a terminal: cases done, requests the
/// finished cases sent, time so far.
const PROGRESS: &str = "{bar:40} {pos}/{len} cases, {msg} {elapsed}";

fn list(args: &ListArgs) -> ExitCode {
    let settings = match args.suite.settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let sources = match args.suite.sources(settings.as_ref().map(|(_, s)| s)) {
        Ok((sources, _)) => sources,
        Err(code) => return code,
    };
    let suite = match runner::load_suites(&sources) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let text = if args.requirements {
        if suite.requirements.is_empty() {
            eprintln!(
                "error: no requirements catalogue: none of the --cases folders has a requirements.yaml"
            );
            return ExitCode::from(EXIT_USAGE);
        }
        suite_listing::traceability(&suite)
    } else {
        suite_listing::listing(&suite)
    };
    let _ = write!(std::io::stdout().lock(), "{text}");
    ExitCode::SUCCESS
}

fn check(args: &SuiteArgs) -> ExitCode {
    let settings = match args.settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let sources = match args.sources(settings.as_ref().map(|(_, s)| s)) {
        Ok((sources, _)) => sources,
        Err(code) => return code,
    };
    match runner::load_suites(&sources) {
        Ok(suite) => {
            print!("{}", suite_listing::summary(&suite));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// Writes the starter folder, refusing before anything is written when
/// any of its files exists: a user's edited case is never replaced.
fn init(args: &InitArgs) -> ExitCode {
    let shown = args.dir.display().to_string();
    let files = macie_conform::builtin::starter_files(&shown);
    let taken: Vec<String> = files
        .iter()
        .map(|(name, _)| args.dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !taken.is_empty() {
        eprintln!(
            "error: init would overwrite {}; nothing was written. Move them away, or name another folder: macie-conform init DIR",
            taken.join(", ")
        );
        return ExitCode::from(EXIT_USAGE);
    }
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        eprintln!("error: cannot create the folder {shown}: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    for (name, text) in &files {
        let path = args.dir.join(name);
        // create_new: a file that appeared since the check above is kept.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    println!("wrote {shown}/: {}", names.join(", "));
    println!("next: macie-conform check --cases {shown}");
    println!("      macie-conform run --cases {shown}   (your cases and the built-in suite)");
    ExitCode::SUCCESS
}

fn serve(args: ServeArgs) -> ExitCode {
    let config = match (&args.fixture, args.jobs) {
        (Some(path), _) => ServerConfig::from_file(path),
        (None, Some(n)) => ServerConfig::synthetic(n),
        (None, None) => ServerConfig::embedded(),
    };
    let verifier = match args
        .sigv4_credentials
        .as_deref()
        .map(server::sigv4::Verifier::parse)
    {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let config = match config {
        Ok(c) => c.with_faults(args.faults).with_sigv4(verifier),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let jobs = config.store.len();
    let faults = config.faults;
    let signing = config.sigv4.as_ref().map(|v| v.access_key_id().to_string());
    rt.block_on(async move {
        let running = match server::spawn(config, SocketAddr::new(args.host, args.port)).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        println!("listening on {}", running.url());
        eprintln!(
            "serving {jobs} jobs at POST {}/jobs/list{}{}; Ctrl-C stops",
            running.url(),
            if faults { " (fault injection on)" } else { "" },
            match &signing {
                Some(id) => format!(" (SigV4 signatures by {id} required, service macie2)"),
                None => String::new(),
            }
        );
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        match running.shutdown().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_progress_line_is_a_template_indicatif_reads() {
        assert!(indicatif::ProgressStyle::with_template(super::PROGRESS).is_ok());
    }
}
