//! The report model: what a run found, independent of how it is shown.
//!
//! The runner fills a [`RunReport`]; renderers (one module per format) turn
//! it into text. Nothing here does I/O.

pub mod terminal;

use crate::core::case::Level;
use crate::core::check::{CheckResult, Outcome};
use crate::core::exchange::Exchange;
use serde::Serialize;

/// The verdict on one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "reason")]
pub enum Verdict {
    /// Every must and should check held.
    Pass,
    /// At least one must or should check failed.
    Fail,
    /// Not run, for the reason given.
    Skip(String),
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub id: String,
    pub file: String,
    pub line: usize,
    pub level: Level,
    pub verifies: String,
    pub tags: Vec<String>,
    pub requirements: Vec<String>,
    pub exchanges: Vec<Exchange>,
    pub checks: Vec<CheckResult>,
    pub verdict: Verdict,
    pub duration_ms: u64,
}

impl CaseReport {
    /// Decides the verdict from the checks: failures at `info` level are
    /// observations, not failures.
    pub fn decide(checks: &[CheckResult]) -> Verdict {
        if checks
            .iter()
            .any(|c| c.outcome == Outcome::Fail && c.level > Level::Info)
        {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    pub fn failed_checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    /// Info-level findings: what an open choice turned out to be.
    pub fn observations(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail && c.level == Level::Info)
    }
}

/// Counts of one level, or of everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub target: String,
    /// Whether the target was declared to hold the canonical fixture.
    pub fixture: bool,
    pub cases: Vec<CaseReport>,
    pub duration_ms: u64,
}

impl RunReport {
    pub fn counts(&self) -> Counts {
        self.count(|_| true)
    }

    pub fn counts_for(&self, level: Level) -> Counts {
        self.count(|c| c.level == level)
    }

    fn count(&self, keep: impl Fn(&CaseReport) -> bool) -> Counts {
        let mut counts = Counts::default();
        for case in self.cases.iter().filter(|c| keep(c)) {
            match case.verdict {
                Verdict::Pass => counts.passed += 1,
                Verdict::Fail => counts.failed += 1,
                Verdict::Skip(_) => counts.skipped += 1,
            }
        }
        counts
    }

    pub fn failed(&self) -> bool {
        self.cases.iter().any(|c| c.verdict == Verdict::Fail)
    }
}
