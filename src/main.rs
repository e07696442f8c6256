//! Command-line entry point: parses arguments, calls the library, and maps
//! outcomes to the documented exit codes:
//!
//! - 0: every selected must/should check passed
//! - 1: at least one must/should check failed (or, with `--certify`, the
//!   run does not support a conformance claim)
//! - 2: usage, configuration or case-file error
//! - 3: the target could not be reached at all (no status line and headers
//!   in time); one that sends headers and then stalls fails its cases (1)

mod cli;

use clap::{CommandFactory, FromArgMatches};
use cli::args::{Cli, Command};
use std::process::ExitCode;

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
            cli::run::run(*args, run_matches)
        }
        Command::Explore(args) => {
            let Some(explore_matches) = matches.subcommand_matches("explore") else {
                unreachable!("clap parsed the explore subcommand")
            };
            cli::explore::explore(*args, explore_matches)
        }
        Command::List(args) => cli::suite::list(&args),
        Command::Check(args) => cli::suite::check(&args),
        Command::Serve(args) => cli::serve::serve(args),
        Command::Init(args) => cli::suite::init(&args),
        Command::Fixture(args) => cli::suite::fixture(&args),
        Command::MergeReports(args) => cli::merge::merge_reports(&args),
    }
}
