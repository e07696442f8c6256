//! What an exploration adds to a run's report: its seed, budget and the
//! failures it shrank.

use super::*;

/// What an exploration (`macie-conform explore`) did, beside the cases it
/// generated and ran: every report of one shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Exploration {
    pub seed: u64,
    /// Requests it was allowed to send while exploring.
    pub budget: usize,
    /// Requests sent while exploring (learning included, shrinking not).
    pub requests: usize,
    /// Requests sent while shrinking and re-checking failures.
    pub shrink_requests: usize,
    /// Whether `--deadline` ended it: before its budget was spent, or
    /// while it was shrinking failures.
    pub deadline_reached: bool,
    /// Cases generated and run.
    pub cases: usize,
    /// Key and comparator pairs the target refused (OC-7), as `key CMP`.
    pub refused_pairs: Vec<String>,
    /// The shrunk failures, in the order they were found.
    pub failures: Vec<ShrunkFailure>,
    /// The case file the confirmed failures were written to, if any.
    pub saved_to: Option<String>,
    /// The command that repeats this exploration.
    pub rerun: String,
}

impl Exploration {
    /// What the deadline cut short, when it ended the exploration.
    pub fn deadline_note(&self) -> Option<String> {
        self.deadline_reached.then(|| {
            format!(
                "the run's deadline (--deadline) ended this exploration after {} of its {} requests{}; raise --deadline or lower --budget to explore all of it",
                self.requests,
                self.budget,
                if self.requests >= self.budget {
                    ", while it was shrinking failures"
                } else {
                    ""
                }
            )
        })
    }
}

/// One failure of an exploration, shrunk to a small case.
#[derive(Debug, Clone, Serialize)]
pub struct ShrunkFailure {
    /// The generated case that failed first.
    pub found_by: String,
    /// The shrunk case's id (in the saved file, when there is one).
    pub id: String,
    /// The kind of question (`listing`, `narrow`, `invalid`, ...).
    pub kind: String,
    /// Smaller versions that still failed, one after the other.
    pub steps_taken: usize,
    /// Whether the shrunk case failed again when run once more; only
    /// confirmed failures are saved.
    pub confirmed: bool,
    /// Its failed must and should checks, from that last run.
    pub failed_checks: Vec<String>,
    /// The shrunk case as case-file text.
    pub yaml: String,
}
