//! The report model: what a run found, independent of how it is shown.
//!
//! The runner fills a [`RunReport`]; renderers (one module per format) turn
//! it into text. Nothing here does I/O.

pub mod coverage;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
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

/// Headers whose values never appear in any report, snapshot or log.
pub const ALWAYS_REDACTED: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "cookie",
    "set-cookie",
];

/// What a redacted header value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Whether a header's value must be hidden, given the user's extra names.
pub fn is_secret(header: &str, extra: &[String]) -> bool {
    ALWAYS_REDACTED
        .iter()
        .any(|h| h.eq_ignore_ascii_case(header))
        || extra.iter().any(|h| h.eq_ignore_ascii_case(header))
}

/// Replaces secret header values, in the request and in the response.
pub fn redact(exchange: &mut Exchange, extra: &[String]) {
    let hide = |headers: &mut Vec<(String, String)>| {
        for (k, v) in headers.iter_mut() {
            if is_secret(k, extra) {
                *v = REDACTED.to_string();
            }
        }
    };
    hide(&mut exchange.request.headers);
    if let Ok(response) = &mut exchange.outcome {
        hide(&mut response.headers);
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Version of macie-conform that ran.
    pub harness_version: String,
    /// SHA-256 of the case files and catalogue, so two reports can be known
    /// to come from the same suite.
    pub suite_digest: String,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    pub target: String,
    /// Whether the target was declared to hold the canonical fixture.
    pub fixture: bool,
    pub cases: Vec<CaseReport>,
    /// The requirements catalogue the suite traces to (empty without one).
    pub requirements: Vec<RequirementInfo>,
    pub duration_ms: u64,
}

/// A requirement of the catalogue, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementInfo {
    pub id: String,
    pub level: Level,
    pub section: String,
    pub statement: String,
}

/// How far a target conforms, judged from the levels of failed checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conformance {
    /// No must or should check failed.
    MustAndShould,
    /// No must check failed, but a should check did.
    MustOnly,
    /// A must check failed.
    NotConformant,
}

impl Conformance {
    pub fn describe(self) -> &'static str {
        match self {
            Conformance::MustAndShould => "conformant at must and should level",
            Conformance::MustOnly => "conformant at must level (should-level checks failed)",
            Conformance::NotConformant => "not conformant (must-level checks failed)",
        }
    }
}

/// The result of a requirement over the cases that verify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementResult {
    Pass,
    Fail,
    /// Its cases were all skipped.
    Skipped,
    /// No selected case verifies it.
    NotRun,
}

impl RequirementResult {
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementResult::Pass => "pass",
            RequirementResult::Fail => "fail",
            RequirementResult::Skipped => "skipped",
            RequirementResult::NotRun => "not run",
        }
    }
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
        self.failed_cases().next().is_some()
    }

    /// The failed cases, in run order: what every renderer shows in full.
    pub fn failed_cases(&self) -> impl Iterator<Item = &CaseReport> {
        self.cases.iter().filter(|c| c.verdict == Verdict::Fail)
    }

    pub fn conformance(&self) -> Conformance {
        let failed_at = |level: Level| {
            self.cases
                .iter()
                .flat_map(|c| &c.checks)
                .any(|k| k.outcome == Outcome::Fail && k.level == level)
        };
        if failed_at(Level::Must) {
            Conformance::NotConformant
        } else if failed_at(Level::Should) {
            Conformance::MustOnly
        } else {
            Conformance::MustAndShould
        }
    }

    /// The cases of this run that verify a requirement.
    pub fn cases_for<'a>(
        &'a self,
        requirement: &'a str,
    ) -> impl Iterator<Item = &'a CaseReport> + 'a {
        self.cases
            .iter()
            .filter(move |c| c.requirements.iter().any(|r| r == requirement))
    }

    pub fn requirement_result(&self, requirement: &str) -> RequirementResult {
        let cases: Vec<&CaseReport> = self.cases_for(requirement).collect();
        if cases.is_empty() {
            RequirementResult::NotRun
        } else if cases.iter().any(|c| c.verdict == Verdict::Fail) {
            RequirementResult::Fail
        } else if cases.iter().all(|c| matches!(c.verdict, Verdict::Skip(_))) {
            RequirementResult::Skipped
        } else {
            RequirementResult::Pass
        }
    }
}
