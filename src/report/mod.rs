//! The report model: what a run found, independent of how it is shown.
//!
//! The runner fills a [`RunReport`]; renderers (one module per format) turn
//! it into text. Nothing here does I/O.

pub(crate) mod attribution;
pub mod certification;
pub mod choices;
pub mod coverage;
pub(crate) mod detail;
pub(crate) mod escape;
mod exploration;
pub use exploration::*;
pub mod findings;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub(crate) mod merge;
pub(crate) mod output;
pub mod read;
mod redact;
pub(crate) mod reproduce;
pub use redact::*;
pub(crate) mod secrets;
pub mod style;
pub(crate) mod suite_listing;
pub mod terminal;
pub mod verdict;

use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult, Outcome};
use crate::engine::exchange::Exchange;
use serde::Serialize;

/// The verdict on one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "reason")]
pub enum Verdict {
    /// Every must and should check held.
    Pass,
    /// An info case answered without a must or should check failing: what
    /// the target chose is recorded (see [`choices`]), neither passed nor
    /// failed, since the document leaves the choice open.
    Observed,
    /// At least one must or should check failed.
    Fail,
    /// Not run, for the reason given.
    Skip(SkipReason),
    /// An info case that got no HTTP answer at all (refused, timed out,
    /// broken): the open choice it looks at was not observed. Must and
    /// should cases without an answer fail instead, since the document
    /// requires one.
    Unanswered,
}

/// Why a case did not run: a typed cause, which groups and counts skips,
/// and the reason in words, which renderers show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipReason {
    pub cause: SkipCause,
    pub text: String,
}

/// The causes of a skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "cause")]
pub enum SkipCause {
    /// The case needs the canonical data set (`--fixture`).
    NeedsFixture,
    /// The case needs fault injection (`--faults`).
    NeedsFaults,
    /// The case needs a target that checks SigV4 signatures.
    NeedsSignatures,
    /// The case needs more jobs than the target holds.
    TooFewJobs { min: usize },
    /// A walk was cut short by a limit of the harness (see
    /// [`crate::engine::check::Unjudged`]).
    WalkCutShort,
    /// A limit of the run (its deadline, an exploration's request
    /// budget) ended the case before it was judged.
    Deadline,
    /// A reason given in words only (a hand-written report, say).
    Other,
}

impl SkipCause {
    /// Whether the cause is an optional capability the target did not
    /// declare: checking SigV4 signatures is not in the document, so a
    /// server that does not is no less conformant; a claim says which
    /// optional capabilities it covers (see `certification::Certification`).
    pub fn optional(self) -> bool {
        self == SkipCause::NeedsSignatures
    }

    /// The reason in a few words, for counts (`2 need the canonical data
    /// set`): the singular and the plural form. `None` for [`SkipCause::Other`],
    /// which has only its full reason.
    pub fn short(self) -> Option<(String, String)> {
        let needs = |what: &str| (format!("needs {what}"), format!("need {what}"));
        Some(match self {
            SkipCause::NeedsFixture => needs("the canonical data set"),
            SkipCause::NeedsFaults => needs("fault injection (x-macie-conform-fault)"),
            SkipCause::NeedsSignatures => needs("a target that checks SigV4 signatures"),
            SkipCause::TooFewJobs { min } => needs(&format!("at least {min} jobs on the target")),
            SkipCause::WalkCutShort => (
                "was not verified (a walk cut short at a limit of the harness)".into(),
                "were not verified (walks cut short at a limit of the harness)".into(),
            ),
            SkipCause::Deadline => (
                "was not judged within the run's limits (its deadline or request budget)".into(),
                "were not judged within the run's limits (its deadline or request budget)".into(),
            ),
            SkipCause::Other => return None,
        })
    }
}

impl SkipReason {
    pub fn new(cause: SkipCause, text: impl Into<String>) -> Self {
        SkipReason {
            cause,
            text: text.into(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::ops::Deref for SkipReason {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A reason in words only.
impl From<String> for SkipReason {
    fn from(text: String) -> Self {
        SkipReason::new(SkipCause::Other, text)
    }
}

impl From<&str> for SkipReason {
    fn from(text: &str) -> Self {
        SkipReason::new(SkipCause::Other, text)
    }
}

/// Written as its words, as reports always wrote a skip's reason.
impl Serialize for SkipReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
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
    /// Requests the case sent, each retry counted: its chain of dependent
    /// round trips, since a case sends one request at a time.
    pub requests: usize,
}

impl CaseReport {
    /// The verdict of these checks (see [`verdict::of_case`], which
    /// decides it).
    pub fn decide(level: Level, checks: &[CheckResult]) -> Verdict {
        verdict::of_case(level, checks)
    }

    /// Why an unanswered case got no answer: its transport failures.
    pub fn transport_failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| is_unanswered(c))
    }

    pub fn failed_checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    /// The exchange that shows the case's first must or should failure (or,
    /// failing that, its first observation): the one its check judged, so a
    /// failure on page 3 of a walk reproduces page 3's request. A check of a
    /// whole listing names no exchange; the walk's first page stands for it.
    pub fn failing_exchange(&self) -> Option<&Exchange> {
        let check = self
            .failed_checks()
            .find(|c| c.level > Level::Info)
            .or_else(|| self.failed_checks().next());
        let step = check.map_or(0, |c| c.step);
        check
            .and_then(|c| c.exchange)
            .and_then(|i| self.exchanges.get(i))
            .or_else(|| self.exchanges.iter().find(|e| e.step == step))
            .or_else(|| self.exchanges.last())
    }

    /// Info-level findings: what an open choice turned out to be. A request
    /// that got no answer observed nothing, so it is not one of them.
    pub fn observations(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| {
            c.outcome == Outcome::Fail && c.level == Level::Info && c.kind != CheckKind::Transport
        })
    }

    /// Whether the case ran to a verdict on the target's answers.
    pub fn ran(&self) -> bool {
        matches!(
            self.verdict,
            Verdict::Pass | Verdict::Fail | Verdict::Observed
        )
    }
}

fn is_unanswered(check: &CheckResult) -> bool {
    check.outcome == Outcome::Fail && check.kind == CheckKind::Transport
}

/// Counts of one level, or of everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Info cases that got no answer (see [`Verdict::Unanswered`]).
    pub unanswered: usize,
    /// Info cases that observed the target's choice (see
    /// [`Verdict::Observed`]).
    pub observed: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped + self.unanswered + self.observed
    }

    /// `N passed, N failed, N skipped`, then the observed and unanswered
    /// counts only when there are any, so the usual line stays the same
    /// for scripts.
    pub fn line(&self) -> String {
        // Info cases observe rather than pass: their level says so first.
        if self.passed == 0 && self.observed > 0 {
            let mut line = format!(
                "{} observed, {} failed, {} skipped",
                self.observed, self.failed, self.skipped
            );
            if self.unanswered > 0 {
                line.push_str(&format!(", {} unanswered", self.unanswered));
            }
            return line;
        }
        let mut line = format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        );
        if self.observed > 0 {
            line.push_str(&format!(", {} observed", self.observed));
        }
        if self.unanswered > 0 {
            line.push_str(&format!(", {} unanswered", self.unanswered));
        }
        line
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
    /// Whether the target was the embedded reference server, which each
    /// run starts on a port of its own: shards of a run against it name
    /// different URLs for the same target (see `report::merge`).
    pub embedded: bool,
    /// What was selected out of the suite, so a partial run is never taken
    /// for a full one.
    pub selection: SelectionReport,
    pub cases: Vec<CaseReport>,
    /// The requirements catalogue the suite traces to (empty without one).
    pub requirements: Vec<RequirementInfo>,
    pub duration_ms: u64,
    /// Spec coverage as the run noted it while judging (every page of every
    /// walk); `None` for a report assembled otherwise, whose coverage is
    /// then computed from its recorded exchanges. See [`RunReport::coverage`].
    #[serde(skip)]
    pub coverage: Option<coverage::Coverage>,
    /// Requests the run sent, retries included.
    #[serde(skip)]
    pub requests_sent: usize,
    /// Requests sent again, once, on a new connection because the target
    /// closed the kept-alive one they were sent on before answering (see
    /// `runner::http`); part of `requests_sent`. A merged report adds its
    /// shards' counts.
    pub connection_retries: usize,
    /// What `explore` did, when the cases were generated by it rather than
    /// taken from a suite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exploration: Option<Exploration>,
    /// The implementation under test as its vendor names it
    /// (`--product`, `--product-version`); set by the command after the run.
    pub product: certification::Product,
    /// The outcome of `--certify`; `None` when the run made no claim. Set
    /// by the command after the run.
    pub certification: Option<certification::Certification>,
}

/// Who and what a report is about, in the order every format shows it:
/// the product, the target, the date, the harness, the suite and the
/// claim. Values are the report's own (the target without credentials).
pub fn identity(report: &RunReport) -> Vec<(&'static str, String)> {
    let product = match (&report.product.name, &report.product.version) {
        (Some(n), Some(v)) => format!("{n} {v}"),
        (Some(n), None) => n.clone(),
        (None, Some(v)) => format!("(unnamed) {v}"),
        (None, None) => "not named (--product, --product-version)".into(),
    };
    let claim = match &report.certification {
        None => "not a certification run".to_string(),
        Some(c) if c.passed() => {
            format!("supports a conformance claim {}", c.claim_line())
        }
        Some(c) => format!(
            "no claim: {} problem(s): {}",
            c.problems.len(),
            c.problems.join("; ")
        ),
    };
    vec![
        ("Product", product),
        ("Target", without_credentials(&report.target)),
        ("Date", report.started_at.clone()),
        (
            "Harness",
            format!("macie-conform {}", report.harness_version),
        ),
        ("Suite digest", report.suite_digest.clone()),
        ("Certification", claim),
    ]
}

/// The selection a run used, and the suite it was taken from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SelectionReport {
    /// Cases per level in the whole suite, selected or not.
    pub suite: LevelTotals,
    /// `--filter` patterns.
    pub filters: Vec<String>,
    /// `--tag` values.
    pub tags: Vec<String>,
    /// `--level` values.
    pub levels: Vec<Level>,
    /// `--partition K/N`: the run is one shard of the selection. Absent
    /// from the JSON report when the run was not partitioned (and from a
    /// merge of every shard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<crate::engine::select::Partition>,
    /// Where the cases came from: the built-in suite (with its digest) or
    /// not, and the folders added with `--cases`.
    #[serde(flatten)]
    pub origin: crate::engine::load::SuiteOrigin,
}

impl SelectionReport {
    /// `selection` as a report records it, with the size of the suite it
    /// was taken from, so the verdict can tell a partial run.
    pub fn of(
        selection: &crate::engine::select::Selection,
        suite: &crate::engine::load::Suite,
    ) -> SelectionReport {
        let mut totals = LevelTotals::default();
        for case in &suite.cases {
            totals.add(case.case.level);
        }
        SelectionReport {
            suite: totals,
            filters: selection.filters.clone(),
            tags: selection.tags.clone(),
            levels: selection.levels.clone(),
            partition: selection.partition,
            origin: suite.origin.clone(),
        }
    }

    /// A run with any of `--filter`, `--tag` or `--level` is partial, even
    /// if the pattern happens to match every case today: the suite grows,
    /// and a claim must not depend on what a pattern matched.
    /// A shard (`--partition`) is partial as well: only the merge of every
    /// shard stands for the suite.
    pub fn narrowed(&self) -> bool {
        !(self.filters.is_empty()
            && self.tags.is_empty()
            && self.levels.is_empty()
            && self.partition.is_none())
    }

    /// The options as given: `--filter a --tag b`.
    pub fn options(&self) -> String {
        let mut parts = Vec::new();
        parts.extend(self.filters.iter().map(|f| format!("--filter {f}")));
        parts.extend(self.tags.iter().map(|t| format!("--tag {t}")));
        parts.extend(self.levels.iter().map(|l| format!("--level {l}")));
        parts.extend(self.partition.map(|p| format!("--partition {p}")));
        parts.join(" ")
    }
}

/// A number per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LevelTotals {
    pub must: usize,
    pub should: usize,
    pub info: usize,
}

impl LevelTotals {
    pub fn get(&self, level: Level) -> usize {
        match level {
            Level::Must => self.must,
            Level::Should => self.should,
            Level::Info => self.info,
        }
    }

    pub fn add(&mut self, level: Level) {
        match level {
            Level::Must => self.must += 1,
            Level::Should => self.should += 1,
            Level::Info => self.info += 1,
        }
    }
}

/// A requirement of the catalogue, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementInfo {
    pub id: String,
    pub level: Level,
    pub section: String,
    pub statement: String,
    /// The kinds of check that count against it in the cases that name it
    /// (`None`: every kind; empty: only those of rule 1); see
    /// [`attribution`].
    pub judged_by: Option<Vec<CheckKind>>,
    /// The kinds of check whose failures count against it in cases that
    /// name no requirement judged by them; see [`attribution`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fallback_for: Vec<CheckKind>,
}

/// How far a target conforms. The rules, in order (see
/// [`verdict::Assessment`]):
///
/// 1. a must check failed: `NotConformant`, whatever did not run;
/// 2. the selection narrowed the suite, or a must case of the suite did not
///    run: `Incomplete`;
/// 3. a should check failed, or a should case did not run: `MustOnly`;
/// 4. otherwise `MustAndShould`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conformance {
    /// Every must and should case of the suite ran, and none failed.
    MustAndShould,
    /// Every must case of the suite ran and passed; at should level a check
    /// failed or not every case ran.
    MustOnly,
    /// A must check failed.
    NotConformant,
    /// No must check failed, but the run does not show conformance: it was
    /// partial, or must cases did not run.
    Incomplete,
    /// An exploration (`explore`) in which nothing failed: generated cases
    /// can find faults, never show conformance.
    NoFaultFound,
}

impl Conformance {
    /// The verdict in a few words; [`verdict::Assessment::headline`] adds
    /// the reason.
    pub fn describe(self) -> &'static str {
        match self {
            Conformance::MustAndShould => "Conformant at must and should level",
            Conformance::MustOnly => "Conformant at must level",
            Conformance::NotConformant => "Not conformant",
            Conformance::Incomplete => "Incomplete",
            Conformance::NoFaultFound => "No fault found",
        }
    }

    /// The name used in the JSON report and as an HTML class.
    pub fn as_str(self) -> &'static str {
        match self {
            Conformance::MustAndShould => "must_and_should",
            Conformance::MustOnly => "must_only",
            Conformance::NotConformant => "not_conformant",
            Conformance::Incomplete => "incomplete",
            Conformance::NoFaultFound => "no_fault_found",
        }
    }
}

/// The result of a requirement over the cases that verify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementResult {
    Pass,
    Fail,
    /// Only info cases ran for it: the target's choice was observed.
    Observed,
    /// None of its cases ran to a verdict (skipped or unanswered).
    Skipped,
    /// No selected case verifies it.
    NotRun,
}

impl RequirementResult {
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementResult::Pass => "pass",
            RequirementResult::Fail => "fail",
            RequirementResult::Observed => "observed",
            RequirementResult::Skipped => "skipped",
            RequirementResult::NotRun => "not run",
        }
    }
}

impl RunReport {
    /// The run's spec coverage: as noted during the run, or computed from
    /// the recorded exchanges when the report carries none.
    pub fn coverage(&self) -> std::borrow::Cow<'_, coverage::Coverage> {
        match &self.coverage {
            Some(c) => std::borrow::Cow::Borrowed(c),
            None => std::borrow::Cow::Owned(coverage::compute(self)),
        }
    }

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
                Verdict::Observed => counts.observed += 1,
                Verdict::Fail => counts.failed += 1,
                Verdict::Skip(_) => counts.skipped += 1,
                Verdict::Unanswered => counts.unanswered += 1,
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
        self.assess().conformance
    }

    /// The verdict with what it rests on: what ran, what did not and why.
    pub fn assess(&self) -> verdict::Assessment {
        verdict::Assessment::of(self)
    }

    /// Whether a check of this level failed in any case.
    pub fn failed_at(&self, level: Level) -> bool {
        self.cases
            .iter()
            .flat_map(|c| &c.checks)
            .any(|k| k.outcome == Outcome::Fail && k.level == level)
    }

    /// The cases that got no answer, in run order.
    pub fn unanswered_cases(&self) -> impl Iterator<Item = &CaseReport> {
        self.cases
            .iter()
            .filter(|c| c.verdict == Verdict::Unanswered)
    }
}
