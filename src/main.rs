//! Command-line entry point: parses arguments, calls the library, and maps
//! outcomes to the documented exit codes.

use clap::{Parser, Subcommand};
use macie_conform::server::{self, ServerConfig};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for usage, configuration and input-file errors.
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "macie-conform",
    version,
    about = "Conformance harness for Amazon Macie ListClassificationJobs (POST /jobs/list)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the reference implementation of ListClassificationJobs.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let config = match (&args.fixture, args.jobs) {
        (Some(path), _) => ServerConfig::from_file(path),
        (None, Some(n)) => ServerConfig::synthetic(n),
        (None, None) => ServerConfig::embedded(),
    };
    let config = match config {
        Ok(c) => c.with_faults(args.faults),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let jobs = config.store.len();
    let faults = config.faults;
    runtime.block_on(async move {
        let running = match server::spawn(config, SocketAddr::new(args.host, args.port)).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        println!("listening on {}", running.url());
        eprintln!(
            "serving {jobs} jobs at POST {}/jobs/list{}; Ctrl-C stops",
            running.url(),
            if faults { " (fault injection on)" } else { "" }
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
