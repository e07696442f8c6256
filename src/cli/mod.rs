//! The command line: one file per command, sharing the arguments
//! (`args`), the settings file merge (`settings`), the target set-up
//! (`connection`), progress on a terminal (`progress`) and the end of a
//! run (`finish`). It lives in the library so that the modules only it
//! uses (settings files, variables, starter files) stay private to the
//! crate; `src/main.rs` calls [`main`]. Not part of the library's API.

pub(crate) mod args;
pub(crate) mod connection;
pub(crate) mod explore;
pub(crate) mod finish;
pub(crate) mod merge;
pub(crate) mod progress;
pub(crate) mod run;
pub(crate) mod serve;
pub(crate) mod settings;
pub(crate) mod suite;

use clap::{CommandFactory, FromArgMatches};

/// The command line's definition, as `--help` shows it. `run` and
/// `explore` list the options a new user needs first under "Start here";
/// where that heading would hold a single option, it is put back in its
/// group.
pub(crate) fn command() -> clap::Command {
    let back = |id: &'static str, heading: &'static str| {
        move |c: clap::Command| c.mut_arg(id, |a| a.help_heading(heading))
    };
    args::Cli::command()
        .mut_subcommand("list", back("cases", args::CASES))
        .mut_subcommand("check", back("cases", args::CASES))
        .mut_subcommand("merge-reports", back("report_dir", args::REPORTS))
}

/// The `macie-conform` command: parses the arguments, runs the command,
/// and maps its outcome to the documented exit codes.
pub fn main() -> std::process::ExitCode {
    use args::{Cli, Command};
    // Parsed in two steps so `run` can ask which options were given (the
    // settings file fills in only the others).
    let matches = command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Run(args) => {
            let Some(run_matches) = matches.subcommand_matches("run") else {
                unreachable!("clap parsed the run subcommand")
            };
            run::run(*args, run_matches)
        }
        Command::Explore(args) => {
            let Some(explore_matches) = matches.subcommand_matches("explore") else {
                unreachable!("clap parsed the explore subcommand")
            };
            explore::explore(*args, explore_matches)
        }
        Command::List(args) => suite::list(&args),
        Command::Check(args) => suite::check(&args),
        Command::Serve(args) => serve::serve(args),
        Command::Init(args) => suite::init(&args),
        Command::Fixture(args) => suite::fixture(&args),
        Command::MergeReports(args) => merge::merge_reports(&args),
    }
}

/// What every command file uses.
#[allow(unused_imports)]
mod prelude {
    pub(crate) use super::args::*;
    pub(crate) use super::connection::*;
    pub(crate) use super::finish::Finish;
    pub(crate) use super::progress::*;
    pub(crate) use super::settings::*;
    pub(crate) use super::{
        BUILTIN_FIXTURE, EXIT_UNREACHABLE, EXIT_USAGE, color_wanted, fail, given, parse_header,
        refuses_claim, runtime, snapshot_store,
    };
    pub(crate) use crate::config::{self, Settings};
    pub(crate) use crate::engine::case::Level;
    pub(crate) use crate::explore;
    pub(crate) use crate::harness::{Harness, HarnessError, Running};
    pub(crate) use crate::report::output::{Certification, Product, ReportPaths, RunInfo};
    pub(crate) use crate::report::suite_listing;
    pub(crate) use crate::report::terminal::{self, Style};
    pub(crate) use crate::report::verdict;
    pub(crate) use crate::runner::http::{
        ClientOptions, DEFAULT_DEADLINE, DEFAULT_MAX_RETAINED, DEFAULT_MAX_TRANSPORT_FAILURES,
        RequestSigner, RetryPolicy,
    };
    pub(crate) use crate::runner::select::Partition;
    pub(crate) use crate::runner::sigv4::SigV4Signer;
    pub(crate) use crate::runner::snapshot::{SnapshotMode, SnapshotStore};
    pub(crate) use crate::runner::{
        self, RunError, RunEvent, RunOptions, Selection, Target, Vocabulary,
    };
    pub(crate) use crate::server::{self, ServerConfig};
    pub(crate) use crate::vars;
    pub(crate) use clap::parser::ValueSource;
    pub(crate) use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
    pub(crate) use std::collections::BTreeMap;
    pub(crate) use std::io::{IsTerminal, Write};
    pub(crate) use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    pub(crate) use std::path::{Path, PathBuf};
    pub(crate) use std::process::ExitCode;
    pub(crate) use std::sync::Arc;
    pub(crate) use std::time::Duration;
}

use prelude::*;

pub(crate) const EXIT_USAGE: u8 = 2;

/// `--fixture builtin`: the canonical data set the binary carries.
pub(crate) const BUILTIN_FIXTURE: &str = "builtin";
pub(crate) const EXIT_UNREACHABLE: u8 = 3;

pub(crate) fn color_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints a library error and picks the exit code for it.
pub(crate) fn fail(e: &RunError) -> ExitCode {
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
            eprintln!("error: {}", with_remedy(e));
            ExitCode::from(EXIT_UNREACHABLE)
        }
        _ => {
            eprintln!("error: {}", with_remedy(e));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// A library error with what would fix it, in the command line's terms.
pub(crate) fn with_remedy(e: &RunError) -> String {
    match e.remedy().and_then(remedy) {
        Some(fix) => format!("{e}; {fix}"),
        None => e.to_string(),
    }
}

/// What would fix an error, said with the options that do it.
fn remedy(remedy: runner::Remedy) -> Option<&'static str> {
    use runner::Remedy as R;
    Some(match remedy {
        R::NameCasesFolder => "name the folder of your case files with --cases DIR",
        R::LeaveBuiltinOut => "pass --no-builtin to run that folder instead of the built-in copy",
        R::FixtureFormat => "--fixture takes the JSON array of job summaries the target serves",
        R::BaseUrl => "give --target a base URL such as http://127.0.0.1:8080",
        R::StartServer => "is the server running and is the URL right?",
        R::SkipVerification => {
            "if it is a test server with its own certificate, add --insecure to skip verification"
        }
        R::SignRequests => {
            "the target wants AWS SigV4-signed requests: pass --sigv4, with the region in --region or AWS_REGION and credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile of the shared credentials file (AWS_PROFILE)"
        }
        R::CheckSigning => {
            "the request was signed with --sigv4: check the secret access key (and session token) of the credentials it used, the region (--region, AWS_REGION) the target expects, and this machine's clock"
        }
        R::CheckTargetPath => {
            "check the path prefix in --target, the port, and that the server implements the operation"
        }
    })
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("error: cannot start the async runtime: {e}");
        ExitCode::from(EXIT_USAGE)
    })
}

pub(crate) fn parse_header(raw: &str) -> Result<(String, String), String> {
    match raw.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("--header {raw:?} is not `Name: value`")),
    }
}

/// Whether the user gave `id` on the command line or by its environment
/// variable: only then does it beat the settings file.
pub(crate) fn given(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// With `--certify`, whether the run cannot back a conformance claim,
/// saying why; `what` names the run in the message.
pub(crate) fn refuses_claim(certify: bool, certification: &Certification, what: &str) -> bool {
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
pub(crate) fn snapshot_store(
    dir: Option<&Path>,
    mode: SnapshotMode,
) -> Result<SnapshotStore, String> {
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
