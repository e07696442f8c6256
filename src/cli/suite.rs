//! `list`, `check`, `init` and `fixture`: the suite and its files.

use super::prelude::*;

/// `fixture`: the canonical data set, as the embedded server serves it.
pub(crate) fn fixture(args: &FixtureArgs) -> ExitCode {
    let text = crate::server::EMBEDDED_FIXTURE;
    let jobs = runner::parse_fixture(text).map_or(0, |j| j.len());
    match &args.output {
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Some(path) => match crate::files::write_replacing(path, text.as_bytes()) {
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

pub(crate) fn list(args: &ListArgs) -> ExitCode {
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

pub(crate) fn check(args: &SuiteArgs) -> ExitCode {
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
pub(crate) fn init(args: &InitArgs) -> ExitCode {
    let shown = args.dir.display().to_string();
    let files = crate::builtin::starter_files(&shown);
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
