//! The one way a command ends a run: `run`, `explore` and `merge-reports`
//! each show the report, write the files asked for, say whether a claim
//! holds, apply the coverage gate and turn the verdict into an exit code,
//! in that order and with the same words.

use super::prelude::*;

/// What the command was asked to do with its finished report.
pub(crate) struct Finish<'a> {
    pub(crate) reports: &'a ReportArgs,
    pub(crate) paths: &'a ReportPaths,
    pub(crate) style: &'a Style,
    /// `--certify`: the run must support a conformance claim.
    pub(crate) certify: bool,
    /// `-v`: every case, not only the failed ones.
    pub(crate) verbose: bool,
    /// `--min-coverage`.
    pub(crate) min_coverage: Option<f64>,
    /// How the messages name what ended ("this run", "the merged run").
    pub(crate) what: &'static str,
}

impl Finish<'_> {
    /// Shows, writes, certifies and gates `report`; the exit code.
    pub(crate) fn finish(&self, mut report: crate::report::RunReport) -> ExitCode {
        let style = self.style;
        // Cases finish in any order; -v lists them in suite order, after.
        if self.verbose {
            eprint!("{}", terminal::case_lines(&report, style));
        }
        let rendered = if self.verbose {
            terminal::render_all(&report, style)
        } else {
            terminal::render(&report, style)
        };
        let _ = write!(std::io::stdout().lock(), "{rendered}");
        let certification = Certification::of(&report, self.certify);
        if let Err(code) = self
            .reports
            .write(self.paths, &mut report, style, certification.clone())
        {
            return code;
        }
        let refused = refuses_claim(self.certify, &certification, self.what);
        let mut short = false;
        if let Some(Err(shortfall)) = self
            .min_coverage
            .map(|min| crate::report::coverage::gate(&report, min))
        {
            eprintln!("error: {shortfall}");
            short = true;
        }
        ExitCode::from(verdict::exit_status(&report, refused, short))
    }
}
