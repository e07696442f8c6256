//! `merge-reports`: shards' JSON reports into one run.

use super::prelude::*;

/// `merge-reports`: reads the shards' JSON reports, merges them, and shows
/// and writes the merged run as `run` shows and writes its own, with the
/// same exit codes.
pub(crate) fn merge_reports(args: &MergeArgs) -> ExitCode {
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
        match crate::report::read::read_at_most(path, args.max_report_bytes) {
            Ok(report) => shards.push((path.clone(), report)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let count = shards.len();
    let report = match crate::report::merge::merge(shards) {
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
    Finish {
        reports: &args.out,
        paths: &paths,
        style: &style,
        certify: args.certify,
        verbose: false,
        min_coverage: None,
        what: "the merged run",
    }
    .finish(report)
}
