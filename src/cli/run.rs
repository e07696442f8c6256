//! `run`: the suite against a target, its reports and exit code.

use super::prelude::*;

pub(crate) fn run(mut args: RunArgs, matches: &ArgMatches) -> ExitCode {
    let settings = match args.suite.settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut matches = matches.clone();
    if let Some((file, s)) = &settings {
        match with_settings("run", &matches, s, file) {
            Ok((Command::Run(merged), merged_matches)) => {
                args = *merged;
                matches = merged_matches;
            }
            Ok(_) => unreachable!("run was read again as run"),
            Err(code) => return code,
        }
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
        print!(
            "{}",
            print_config(
                &matches,
                &args.net.redact,
                source,
                args.suite.profile.as_deref(),
                &variables
            )
        );
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
        let harness = connection
            .harness(&args.net)
            .snapshots(Some(snapshots))
            .vars(variables)
            .select(selection)
            // Only these reports list the exchanges of passed cases.
            .keep_passed_bodies(args.reports.lists_every_exchange());
        let running = match Connection::start(harness).await {
            Ok(r) => r,
            Err(code) => return code,
        };
        let selected = suite
            .cases
            .iter()
            .filter(|c| running.selection().selects(c))
            .count();
        if selected == 0 {
            eprintln!("error: no case matches the selection (--filter/--tag/--level/--partition)");
            return ExitCode::from(EXIT_USAGE);
        }
        let live = Arc::new(Live {
            more: "... further failed cases are not listed as they happen (-v lists them); the findings below group them",
            ..Live::new(progress_bar(selected), style.clone())
        });
        let on_event = {
            let live = Arc::clone(&live);
            move |event: &RunEvent<'_>| live.hear(event)
        };
        // The report says whether the run started the embedded server:
        // shards against it each start their own, on ports of their own,
        // and merge-reports needs to know it is one target.
        let result = running.run(&suite, on_event).await;
        live.done();
        running.finish().await;
        let report = match result {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
        Finish {
            reports: &args.reports,
            paths: &paths,
            style: &style,
            certify: args.certify,
            verbose: args.verbose,
            min_coverage: args.gate.min_coverage,
            what: "this run",
        }
        .finish(report)
    })
}
