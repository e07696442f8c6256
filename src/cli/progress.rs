//! Progress on a terminal: the bar of `run`, the spinner of `explore`.

use super::prelude::*;

/// Failed generated cases listed as they happen, without `-v`.
pub(crate) const LIVE_FAILURES: usize = 10;

/// A spinner counting generated cases, on a terminal only.
pub(crate) fn spinner() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {pos} generated cases {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

pub(crate) fn progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(PROGRESS) {
        bar.set_style(style);
    }
    bar.set_message("requests: 0");
    // Across a network a case may take seconds; the clock keeps moving.
    bar.enable_steady_tick(Duration::from_millis(250));
    Some(bar)
}

/// What `run` and `explore` show while cases finish: the progress bar or
/// spinner, the first failed cases as they happen, and why a run stopped.
/// It hears the runner's events and nothing else, as nextest's reporter
/// does; the final report is rendered once the run has ended.
pub(crate) struct Live {
    pub(crate) bar: Option<indicatif::ProgressBar>,
    pub(crate) style: Style,
    /// List every case as it finishes (`explore -v`), not only failures.
    pub(crate) every_case: bool,
    /// List failures off a terminal too, where there is no bar.
    pub(crate) lines_off_terminal: bool,
    /// Said once the first [`LIVE_FAILURES`] failures have been listed.
    pub(crate) more: &'static str,
    pub(crate) failures: std::sync::atomic::AtomicUsize,
    pub(crate) requests: std::sync::atomic::AtomicUsize,
}

impl Live {
    pub(crate) fn new(bar: Option<indicatif::ProgressBar>, style: Style) -> Live {
        Live {
            bar,
            style,
            every_case: false,
            lines_off_terminal: false,
            more: "",
            failures: Default::default(),
            requests: Default::default(),
        }
    }

    /// Shows `line` above the bar, or on stderr when there is none.
    fn say(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub(crate) fn hear(&self, event: &RunEvent<'_>) {
        use std::sync::atomic::Ordering::Relaxed;
        match event {
            // Said once, as it happens; the cases it fails share one finding.
            RunEvent::Stopped { reason, .. } => self.say(format!("stopped: {reason}")),
            RunEvent::CaseFinished { report, .. } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                    let sent = self.requests.fetch_add(report.requests, Relaxed) + report.requests;
                    bar.set_message(format!("requests: {sent}"));
                }
                if self.bar.is_none() && !self.lines_off_terminal {
                    return;
                }
                if self.every_case {
                    self.say(terminal::case_line(report, &self.style));
                } else if report.verdict == crate::report::Verdict::Fail {
                    // One defect can fail a hundred cases; the first few
                    // show it as it happens, the findings group the rest.
                    match self.failures.fetch_add(1, Relaxed) {
                        n if n < LIVE_FAILURES => {
                            self.say(terminal::case_line(report, &self.style))
                        }
                        n if n == LIVE_FAILURES => self.say(self.more.to_string()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Clears the bar once the run has ended, before the report.
    pub(crate) fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The progress line of a run on a terminal: cases done, requests the
/// finished cases sent, time so far.
pub(crate) const PROGRESS: &str = "{bar:40} {pos}/{len} cases, {msg} {elapsed}";

#[cfg(test)]
mod tests {
    #[test]
    fn the_progress_line_is_a_template_indicatif_reads() {
        assert!(indicatif::ProgressStyle::with_template(super::PROGRESS).is_ok());
    }
}
