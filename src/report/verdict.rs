//! Outcomes, decided in one place: a case's verdict from its typed check
//! results ([`of_case`]), the run's conformance verdict and what it rests
//! on ([`Assessment`]), and the exit status ([`exit_status`]). `run`,
//! `explore`, `merge-reports` and the library ask this module; nothing
//! decides an outcome from a message's wording.
//!
//! The conformance verdict:
//! A verdict is a claim a vendor may publish, so it only says "Conformant"
//! when the whole suite ran: a case that was skipped, got no answer or was
//! left out by `--filter`, `--tag` or `--level` verified nothing. The rules
//! are on [`Conformance`]; this module counts what ran per level, groups
//! what did not by reason, and finds the requirements nothing verified.

use super::{
    CaseReport, Conformance, RequirementResult, RunReport, SkipCause, SkipReason, Verdict,
};
use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult, Outcome};
use serde::Serialize;

/// A case's verdict from its checks:
///
/// - a failed must or should check fails it (info-level failures are
///   observations);
/// - otherwise a check the harness could not judge for a limit of its own
///   (a walk cut short, the run's deadline) leaves it not run, with that
///   check's reason: it verified nothing, so it cannot pass;
/// - otherwise a transport failure leaves it unanswered (an info case that
///   got no answer observed nothing);
/// - otherwise an info case observed the target's choice, and a must or
///   should case passed.
pub fn of_case(level: Level, checks: &[CheckResult]) -> Verdict {
    if checks
        .iter()
        .any(|c| c.outcome == Outcome::Fail && c.level > Level::Info)
    {
        return Verdict::Fail;
    }
    let cut = checks.iter().find_map(|c| {
        let why = c.unjudged.filter(|_| c.outcome == Outcome::Skip)?;
        let cause = if why.cuts_walk_short() {
            SkipCause::WalkCutShort
        } else if matches!(
            why,
            crate::engine::check::Unjudged::Deadline | crate::engine::check::Unjudged::Budget
        ) {
            SkipCause::Deadline
        } else {
            return None;
        };
        Some(SkipReason::new(cause, c.message.clone()))
    });
    if let Some(reason) = cut {
        return Verdict::Skip(reason);
    }
    if checks
        .iter()
        .any(|c| c.outcome == Outcome::Fail && c.kind == CheckKind::Transport)
    {
        return Verdict::Unanswered;
    }
    if level == Level::Info {
        Verdict::Observed
    } else {
        Verdict::Pass
    }
}

/// Exit status of a run that failed: a must or should case failed, a
/// claim was refused, or a gate was not met.
pub const EXIT_FAILED: u8 = 1;

/// What a finished run exits with: 0, or [`EXIT_FAILED`] when a case
/// failed, when `--certify` asked for a claim the run cannot back
/// (`claim_refused`), or when `--min-coverage` was not met
/// (`gate_failed`). Usage errors and an unreachable target exit earlier,
/// with codes of their own.
pub fn exit_status(report: &RunReport, claim_refused: bool, gate_failed: bool) -> u8 {
    if report.failed() || claim_refused || gate_failed {
        EXIT_FAILED
    } else {
        0
    }
}

/// Why unanswered cases did not run, as a reason among skip reasons.
pub const UNANSWERED: &str = "got no answer from the target (see \"Unanswered\")";

/// The verdict of a run, with its grounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub conformance: Conformance,
    /// The verdict in one line, with its main reason.
    pub headline: String,
    /// `--filter`, `--tag` or `--level` narrowed the suite.
    pub partial: bool,
    /// Must, should and info, in that order.
    pub levels: Vec<LevelCompleteness>,
    /// Must and should requirements of the catalogue that no case verified
    /// in this run (every case of theirs skipped, unanswered or not run).
    pub not_verified: Vec<String>,
    /// The level whose completeness the headline already states, if any.
    #[serde(skip)]
    pub headline_level: Option<Level>,
}

/// What ran at one level, against what the suite holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelCompleteness {
    pub level: Level,
    /// Cases of this level in the whole suite.
    pub in_suite: usize,
    /// Cases that ran to a verdict (passed or failed).
    pub ran: usize,
    pub failed: usize,
    /// Why the others did not run, one entry per distinct reason, in suite
    /// order of first appearance.
    pub not_run: Vec<NotRun>,
    /// Cases of an optional capability the target did not declare (see
    /// [`SkipCause::optional`]): left out of `in_suite`, so they neither
    /// count as run nor keep the level from being complete.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_claimed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Cases that did not run for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotRun {
    pub reason: String,
    pub count: usize,
    /// What groups the reason's cases; absent for a reason in words only.
    #[serde(skip)]
    pub cause: SkipCause,
}

impl LevelCompleteness {
    pub fn complete(&self) -> bool {
        self.ran >= self.in_suite
    }

    /// `124 of 214 must cases ran; 85 need the canonical data set, 5 need
    /// fault injection`: the count, then each reason in its short form.
    pub fn describe(&self) -> String {
        let mut text = format!("{} of {} {} cases ran", self.ran, self.in_suite, self.level);
        if self.failed > 0 {
            text.push_str(&format!(" ({} failed)", self.failed));
        }
        let reasons = short_reasons(&self.not_run);
        if !reasons.is_empty() {
            text.push_str("; ");
            text.push_str(&reasons.join(", "));
        }
        text
    }
}

/// Reasons in their short form (see [`SkipCause::short`]), merged when
/// two reasons share a cause: `85 need the canonical data set`. A reason in
/// words only is shown whole.
fn short_reasons(not_run: &[NotRun]) -> Vec<String> {
    let mut merged: Vec<(SkipCause, String, usize)> = Vec::new();
    for group in not_run {
        let key = |(cause, reason, _): &&mut (SkipCause, String, usize)| {
            *cause == group.cause && (group.cause != SkipCause::Other || *reason == group.reason)
        };
        match merged.iter_mut().find(|m| key(m)) {
            Some((_, _, n)) => *n += group.count,
            None => merged.push((group.cause, group.reason.clone(), group.count)),
        }
    }
    merged
        .into_iter()
        .map(|(cause, reason, count)| match cause.short() {
            Some((one, _)) if count == 1 => format!("{count} {one}"),
            Some((_, many)) => format!("{count} {many}"),
            None => format!("{count} {reason}"),
        })
        .collect()
}

/// Adds one case to its reason's group, keeping first-appearance order.
fn tally(groups: &mut Vec<NotRun>, cause: SkipCause, reason: &str, count: usize) {
    if count == 0 {
        return;
    }
    match groups
        .iter_mut()
        .find(|g| g.cause == cause && g.reason == reason)
    {
        Some(g) => g.count += count,
        None => groups.push(NotRun {
            reason: reason.to_string(),
            count,
            cause,
        }),
    }
}

impl Assessment {
    pub fn of(report: &RunReport) -> Assessment {
        let partial = report.selection.narrowed();
        let levels: Vec<LevelCompleteness> = Level::ALL
            .iter()
            .map(|&level| completeness(report, level, partial))
            .collect();
        let level = |l: Level| levels.iter().find(|c| c.level == l);
        let complete = |l: Level| level(l).is_none_or(LevelCompleteness::complete);
        let conformance = if report.failed_at(Level::Must) {
            Conformance::NotConformant
        } else if report.exploration.is_some() {
            // Generated cases find faults; only the suite shows conformance.
            Conformance::NoFaultFound
        } else if partial || !complete(Level::Must) {
            Conformance::Incomplete
        } else if report.failed_at(Level::Should) || !complete(Level::Should) {
            Conformance::MustOnly
        } else {
            Conformance::MustAndShould
        };
        let not_verified = report
            .requirements
            .iter()
            .filter(|r| r.level > Level::Info)
            .filter(|r| {
                matches!(
                    report.requirement_result(&r.id),
                    RequirementResult::Skipped | RequirementResult::NotRun
                )
            })
            .map(|r| r.id.clone())
            .collect();
        let why = |l: Level| {
            level(l)
                .map(LevelCompleteness::describe)
                .unwrap_or_default()
        };
        let explored = report.exploration.as_ref().map(|e| {
            format!(
                "{} generated case(s), {} request(s), seed {}",
                e.cases, e.requests, e.seed
            )
        });
        let headline = match conformance {
            Conformance::NoFaultFound => format!(
                "{}: {}. Exploring finds faults but cannot show conformance; `macie-conform run` does",
                conformance.describe(),
                explored.clone().unwrap_or_default()
            ),
            Conformance::NotConformant if explored.is_some() => format!(
                "{} (must-level checks of generated cases failed: {})",
                conformance.describe(),
                explored.clone().unwrap_or_default()
            ),
            Conformance::MustAndShould => conformance.describe().to_string(),
            Conformance::MustOnly if report.failed_at(Level::Should) => {
                format!("{} (should-level checks failed)", conformance.describe())
            }
            Conformance::MustOnly => format!(
                "{} (should level incomplete: {})",
                conformance.describe(),
                why(Level::Should)
            ),
            Conformance::NotConformant => {
                format!("{} (must-level checks failed)", conformance.describe())
            }
            Conformance::Incomplete if partial => format!(
                "{}: partial run ({}); {}",
                conformance.describe(),
                report.selection.options(),
                why(Level::Must)
            ),
            Conformance::Incomplete => {
                format!("{}: {}", conformance.describe(), why(Level::Must))
            }
        };
        let headline_level = match conformance {
            Conformance::MustOnly if !report.failed_at(Level::Should) => Some(Level::Should),
            Conformance::Incomplete => Some(Level::Must),
            _ => None,
        };
        Assessment {
            conformance,
            headline,
            partial,
            levels,
            not_verified,
            headline_level,
        }
    }

    /// Whether anything of the suite did not run, at any level: what
    /// `run --certify` refuses.
    pub fn anything_not_run(&self) -> bool {
        self.partial || self.levels.iter().any(|l| !l.complete())
    }

    /// What to show under the headline: a line for each level where not
    /// every case ran, without the one the headline already says.
    pub fn detail_lines(&self) -> Vec<String> {
        self.levels
            .iter()
            .filter(|l| !l.complete() && Some(l.level) != self.headline_level)
            .map(LevelCompleteness::describe)
            .collect()
    }

    /// One line per level that has cases: `124 of 214 must cases ran; ...`.
    pub fn level_lines(&self) -> Vec<String> {
        self.levels
            .iter()
            .filter(|l| l.in_suite > 0)
            .map(LevelCompleteness::describe)
            .collect()
    }
}

fn completeness(report: &RunReport, level: Level, partial: bool) -> LevelCompleteness {
    let cases: Vec<&CaseReport> = report.cases.iter().filter(|c| c.level == level).collect();
    // A hand-built report may not say how large its suite was; it is then
    // taken to be what the report holds.
    let in_suite = report.selection.suite.get(level).max(cases.len());
    let mut not_run = Vec::new();
    let mut not_claimed = 0;
    for case in &cases {
        match &case.verdict {
            Verdict::Skip(reason) if reason.cause.optional() => not_claimed += 1,
            Verdict::Skip(reason) => tally(&mut not_run, reason.cause, reason, 1),
            Verdict::Unanswered => tally(&mut not_run, SkipCause::Other, UNANSWERED, 1),
            Verdict::Pass | Verdict::Fail | Verdict::Observed => {}
        }
    }
    let absent = in_suite - cases.len();
    let reason = if partial {
        format!("not selected ({})", report.selection.options())
    } else {
        // Without a selection every case is run; one that is missing was
        // lost by the harness, and must not pass for verified.
        "missing from the run (harness error)".to_string()
    };
    tally(&mut not_run, SkipCause::Other, &reason, absent);
    LevelCompleteness {
        level,
        in_suite: in_suite - not_claimed,
        ran: cases.iter().filter(|c| c.ran()).count(),
        failed: cases.iter().filter(|c| c.verdict == Verdict::Fail).count(),
        not_run,
        not_claimed,
    }
}

/// Skips of the whole run grouped by their full reason, with counts, in
/// order of first appearance: the summary every format shows.
pub fn skip_reasons(report: &RunReport) -> Vec<NotRun> {
    let mut groups = Vec::new();
    for case in &report.cases {
        if let Verdict::Skip(reason) = &case.verdict {
            tally(&mut groups, reason.cause, reason, 1);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    mod of_case {
        use super::super::*;
        use crate::engine::check::{CheckKind, CheckResult, Unjudged};

        #[test]
        fn a_must_failure_fails_an_info_failure_does_not() {
            let must = CheckResult::fail(CheckKind::Status, Level::Must, "x");
            let info = CheckResult::fail(CheckKind::Status, Level::Info, "x");
            assert_eq!(
                of_case(Level::Must, std::slice::from_ref(&info)),
                Verdict::Pass
            );
            assert_eq!(of_case(Level::Info, &[info, must]), Verdict::Fail);
        }

        #[test]
        fn an_info_case_that_answered_is_observed_whatever_it_chose() {
            let held = CheckResult::pass(CheckKind::Status, Level::Info, "x");
            let differs = CheckResult::fail(CheckKind::Status, Level::Info, "x");
            assert_eq!(of_case(Level::Info, &[held]), Verdict::Observed);
            assert_eq!(of_case(Level::Info, &[differs]), Verdict::Observed);
            assert_eq!(of_case(Level::Info, &[]), Verdict::Observed);
        }

        #[test]
        fn a_walk_cut_short_or_a_deadline_is_not_run_by_its_typed_cause() {
            let cut = CheckResult::skip(CheckKind::LastPage, Level::Must, "any words")
                .unjudged(Unjudged::PageLimit);
            let Verdict::Skip(reason) = of_case(Level::Must, std::slice::from_ref(&cut)) else {
                panic!("not a skip");
            };
            assert_eq!(reason.cause, SkipCause::WalkCutShort);
            assert_eq!(reason.as_str(), "any words");
            let late = CheckResult::skip(CheckKind::Transport, Level::Info, "late")
                .unjudged(Unjudged::Deadline);
            assert!(
                matches!(of_case(Level::Info, &[late]), Verdict::Skip(r) if r.cause == SkipCause::Deadline)
            );
            // A skip whose words say "not verified" but which carries no
            // cause is an ordinary skip: the words decide nothing.
            let words = CheckResult::skip(CheckKind::Complete, Level::Must, "not verified: x");
            assert_eq!(of_case(Level::Must, &[words]), Verdict::Pass);
            let failed = CheckResult::fail(CheckKind::Sort, Level::Must, "x");
            assert_eq!(of_case(Level::Must, &[cut, failed]), Verdict::Fail);
        }

        #[test]
        fn an_info_case_without_an_answer_is_unanswered() {
            let none = CheckResult::fail(CheckKind::Transport, Level::Info, "refused");
            assert_eq!(of_case(Level::Info, &[none]), Verdict::Unanswered);
        }
    }

    use super::*;
    use crate::report::{LevelTotals, RequirementInfo, SelectionReport};

    fn case(id: &str, level: Level, verdict: Verdict, requirement: &str) -> CaseReport {
        CaseReport {
            id: id.into(),
            file: "cases/t.yaml".into(),
            line: 1,
            level,
            verifies: "x".into(),
            tags: Vec::new(),
            requirements: vec![requirement.into()],
            exchanges: Vec::new(),
            checks: Vec::new(),
            verdict,
            duration_ms: 0,
            requests: 0,
        }
    }

    fn report(cases: Vec<CaseReport>, suite: LevelTotals) -> RunReport {
        RunReport {
            coverage: None,
            requests_sent: 0,
            connection_retries: 0,
            exploration: None,
            product: Default::default(),
            certification: None,
            harness_version: "0".into(),
            suite_digest: String::new(),
            started_at: String::new(),
            target: String::new(),
            fixture: false,
            embedded: false,
            selection: SelectionReport {
                suite,
                ..SelectionReport::default()
            },
            cases,
            requirements: vec![
                RequirementInfo {
                    id: "R-1".into(),
                    level: Level::Must,
                    section: String::new(),
                    statement: String::new(),
                    judged_by: None,
                    fallback_for: Vec::new(),
                },
                RequirementInfo {
                    id: "R-2".into(),
                    level: Level::Must,
                    section: String::new(),
                    statement: String::new(),
                    judged_by: None,
                    fallback_for: Vec::new(),
                },
            ],
            duration_ms: 0,
        }
    }

    fn fixture() -> SkipReason {
        SkipReason::new(
            SkipCause::NeedsFixture,
            "needs the canonical data set; pass --fixture x",
        )
    }
    fn faults() -> SkipReason {
        SkipReason::new(
            SkipCause::NeedsFaults,
            "needs fault injection (x-macie-conform-fault); pass --faults",
        )
    }

    #[test]
    fn skipped_must_cases_make_a_run_incomplete_with_counts_per_reason() {
        let r = report(
            vec![
                case("a", Level::Must, Verdict::Pass, "R-1"),
                case("b", Level::Must, Verdict::Skip(fixture()), "R-2"),
                case("c", Level::Must, Verdict::Skip(fixture()), "R-2"),
                case("d", Level::Must, Verdict::Skip(faults()), "R-2"),
            ],
            LevelTotals {
                must: 4,
                ..LevelTotals::default()
            },
        );
        let a = r.assess();
        assert_eq!(a.conformance, Conformance::Incomplete);
        assert_eq!(
            a.headline,
            "Incomplete: 1 of 4 must cases ran; 2 need the canonical data set, 1 needs fault injection (x-macie-conform-fault)"
        );
        assert_eq!(a.not_verified, ["R-2"]);
        assert!(a.anything_not_run());
    }

    #[test]
    fn a_must_failure_outranks_incompleteness() {
        let r = report(
            vec![
                case("a", Level::Must, Verdict::Fail, "R-1"),
                case("b", Level::Must, Verdict::Skip(fixture()), "R-2"),
            ],
            LevelTotals::default(),
        );
        let mut r = r;
        r.cases[0]
            .checks
            .push(crate::engine::check::CheckResult::fail(
                crate::engine::check::CheckKind::Status,
                Level::Must,
                "status 500",
            ));
        let a = r.assess();
        assert_eq!(a.conformance, Conformance::NotConformant);
        assert_eq!(a.headline, "Not conformant (must-level checks failed)");
        assert_eq!(
            a.level_lines(),
            ["1 of 2 must cases ran (1 failed); 1 needs the canonical data set"]
        );
        assert_eq!(a.not_verified, ["R-2"]);
    }

    #[test]
    fn a_narrowed_run_is_partial_even_when_everything_selected_passed() {
        let mut r = report(
            vec![case("a", Level::Must, Verdict::Pass, "R-1")],
            LevelTotals {
                must: 3,
                should: 1,
                info: 0,
            },
        );
        r.selection.filters = vec!["a*".into()];
        let a = r.assess();
        assert_eq!(a.conformance, Conformance::Incomplete);
        assert_eq!(
            a.headline,
            "Incomplete: partial run (--filter a*); 1 of 3 must cases ran; 2 not selected (--filter a*)"
        );
        // Even a filter that selects every case is a partial run.
        let mut all = report(
            vec![case("a", Level::Must, Verdict::Pass, "R-1")],
            LevelTotals::default(),
        );
        all.selection.levels = vec![Level::Must];
        assert_eq!(all.conformance(), Conformance::Incomplete);
    }

    #[test]
    fn should_level_gaps_and_failures_keep_the_must_claim() {
        let full = LevelTotals {
            must: 1,
            should: 2,
            info: 0,
        };
        let mut r = report(
            vec![
                case("a", Level::Must, Verdict::Pass, "R-1"),
                case("s1", Level::Should, Verdict::Pass, "R-2"),
                case("s2", Level::Should, Verdict::Skip(faults()), "R-2"),
            ],
            full,
        );
        let a = r.assess();
        assert_eq!(a.conformance, Conformance::MustOnly);
        assert_eq!(
            a.headline,
            "Conformant at must level (should level incomplete: 1 of 2 should cases ran; 1 needs fault injection (x-macie-conform-fault))"
        );
        r.cases[2].verdict = Verdict::Pass;
        assert_eq!(r.conformance(), Conformance::MustAndShould);
        assert!(!r.assess().anything_not_run());
        r.cases[1]
            .checks
            .push(crate::engine::check::CheckResult::fail(
                crate::engine::check::CheckKind::Header,
                Level::Should,
                "no x-amzn-ErrorType",
            ));
        assert_eq!(
            r.assess().headline,
            "Conformant at must level (should-level checks failed)"
        );
    }

    #[test]
    fn unanswered_info_cases_do_not_bear_on_conformance_but_are_not_run() {
        let r = report(
            vec![
                case("a", Level::Must, Verdict::Pass, "R-1"),
                case("b", Level::Must, Verdict::Pass, "R-2"),
                case("i", Level::Info, Verdict::Unanswered, "R-2"),
            ],
            LevelTotals::default(),
        );
        let a = r.assess();
        assert_eq!(a.conformance, Conformance::MustAndShould);
        assert!(a.anything_not_run(), "certification needs every case");
        assert_eq!(
            a.levels[2].not_run,
            [NotRun {
                reason: UNANSWERED.into(),
                count: 1,
                cause: SkipCause::Other,
            }]
        );
    }

    #[test]
    fn a_case_lost_from_a_full_run_is_not_taken_for_verified() {
        let r = report(
            vec![case("a", Level::Must, Verdict::Pass, "R-1")],
            LevelTotals {
                must: 2,
                ..LevelTotals::default()
            },
        );
        assert_eq!(
            r.assess().headline,
            "Incomplete: 1 of 2 must cases ran; 1 missing from the run (harness error)"
        );
    }

    #[test]
    fn skip_reasons_group_by_full_text_in_order_of_appearance() {
        let r = report(
            vec![
                case("a", Level::Must, Verdict::Skip(faults()), "R-1"),
                case("b", Level::Info, Verdict::Skip(fixture()), "R-1"),
                case("c", Level::Must, Verdict::Skip(faults()), "R-1"),
                case(
                    "d",
                    Level::Must,
                    Verdict::Skip(SkipReason::new(
                        SkipCause::TooFewJobs { min: 4 },
                        "needs at least 4 jobs on the target; it holds 1",
                    )),
                    "R-1",
                ),
            ],
            LevelTotals::default(),
        );
        let groups = skip_reasons(&r);
        let counts: Vec<(&str, usize)> = groups
            .iter()
            .map(|g| (g.reason.as_str(), g.count))
            .collect();
        assert_eq!(
            counts,
            [
                (faults().text.as_str(), 2),
                (fixture().text.as_str(), 1),
                ("needs at least 4 jobs on the target; it holds 1", 1)
            ]
        );
    }
}
