//! `serve`: the reference server on a port.

use super::prelude::*;

pub(crate) fn serve(args: ServeArgs) -> ExitCode {
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
