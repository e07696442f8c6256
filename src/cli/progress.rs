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
