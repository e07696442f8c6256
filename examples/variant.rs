//! Serves one variant of the reference server (tests/variants): a faulty
//! one or a correct one that chooses differently where the document is
//! open, for running other tools against it (scripts/schemathesis-variants.sh).
//!
//! ```sh
//! cargo run --example variant -- --list              # every name, kind, what it does
//! cargo run --example variant -- NeTreatedAsEq       # on a free port
//! cargo run --example variant -- HoldsNoJob --port 18434
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` on stdout and serves until
//! killed.

#[path = "../tests/variants/mod.rs"]
mod variants;

use std::io::Write;
use std::process::ExitCode;
use variants::Variant;

const USAGE: &str = "usage: variant --list | variant NAME [--port P]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut name = None;
    let mut port = 0u16;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--list" => {
                let mut out = std::io::stdout().lock();
                for v in Variant::all() {
                    // A closed pipe (`| head`) ends the list quietly.
                    if writeln!(out, "{}\t{}\t{}", v.name(), v.kind(), v.description()).is_err() {
                        break;
                    }
                }
                return ExitCode::SUCCESS;
            }
            "--port" => match it.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = p,
                None => {
                    eprintln!("--port needs a port number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other if name.is_none() && !other.starts_with('-') => name = Some(other.to_string()),
            other => {
                eprintln!("unexpected argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(name) = name else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Some(variant) = Variant::from_name(&name) else {
        eprintln!("no variant named {name:?} (see --list)");
        return ExitCode::from(2);
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().expect("a bound address");
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    if let Err(e) = axum::serve(listener, variants::router(Some(variant))).await {
        eprintln!("server stopped: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
