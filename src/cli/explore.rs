//! `explore`: generated cases against a target.

use super::prelude::*;

/// `explore`: generated cases against a target, judged as the suite's
/// are, with the same reports and exit codes as `run`.
pub(crate) fn explore(mut args: ExploreArgs, matches: &ArgMatches) -> ExitCode {
    let settings = match super::settings::resolve(args.config.as_deref(), args.profile.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some((file, s)) = &settings {
        match with_settings("explore", matches, s, file) {
            Ok((Command::Explore(merged), _)) => args = *merged,
            Ok(_) => unreachable!("explore was read again as explore"),
            Err(code) => return code,
        }
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
        crate::report::output::check_dir("--save-failures", dir)
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
            crate::report::without_credentials(t)
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
        let harness = connection
            .harness(&args.net)
            .keep_passed_bodies(args.reports.lists_every_exchange());
        let running = match Connection::start(harness).await {
            Ok(r) => r,
            Err(code) => return code,
        };
        let setup = running.explore_setup();
        let mut options = explore::ExploreOptions::new(seed, args.budget);
        options.save_failures = args.save_failures.clone();
        options.shrink_attempts = args.shrink_attempts;
        options.rerun = rerun;
        let live = Arc::new(Live {
            every_case: args.verbose,
            lines_off_terminal: true,
            more: "... further failed generated cases are not listed as they happen (-v lists them); the summary below groups them",
            ..Live::new(spinner(), style.clone())
        });
        let listener: explore::Listener = {
            let live = Arc::clone(&live);
            Arc::new(move |event: &RunEvent<'_>| live.hear(event))
        };
        let result = explore::explore(&setup, &options, listener).await;
        live.done();
        let embedded = running.is_embedded();
        running.finish().await;
        let mut report = match result {
            Ok(r) => r,
            Err(explore::ExploreError::Run(e)) => return fail(&e),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        report.embedded = embedded;
        // An exploration backs no claim and has no coverage gate.
        Finish {
            reports: &args.reports,
            paths: &paths,
            style: &style,
            certify: false,
            verbose: false,
            min_coverage: None,
            what: "this exploration",
        }
        .finish(report)
    })
}
