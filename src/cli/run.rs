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
    let selection = {
        let mut o = Selection::default();
        o.filters = args.filter.clone();
        o.tags = args.tag.clone();
        o.levels = args.level.clone();
        o.partition = args.partition;
        o
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
        // The report says whether the run started the embedded server:
        // shards against it each start their own, on ports of their own,
        // and merge-reports needs to know it is one target.
        let result = running.run(&suite, on_event).await;
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        running.finish().await;
        let mut report = match result {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
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
            .gate
            .min_coverage
            .map(|min| macie_conform::report::coverage::gate(&report, min))
        {
            eprintln!("error: {shortfall}");
            short = true;
        }
        ExitCode::from(verdict::exit_status(&report, refused, short))
    })
}
