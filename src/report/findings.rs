//! One defect, one finding.
//!
//! A single defect of a target, such as `orderBy` read backwards, fails
//! every case whose answer shows it, through several kinds of check (sort,
//! oracle, snapshot, relation). Listed case by case, it reads as dozens of
//! problems. The report model groups the must and should failures into
//! findings, one per defect, each with its likely cause, the cases and the
//! requirements it affects; renderers lead with them.
//!
//! Failures are grouped by a typed [`Signature`], never by their wording:
//!
//! - a failure with a diagnosis (see [`crate::engine::diagnose`]) belongs to
//!   the finding of that cause, whatever kind of check saw it;
//! - a status that is not the expected one, and an answer that matches
//!   none of a case's allowed outcomes, are grouped by the status the
//!   target sent;
//! - anything else by the check's kind and [`Subject`] (the member, rule,
//!   attribute and operator it judged), which carry no job ids, positions
//!   or page numbers.

use super::{CaseReport, RunReport};
use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult, Subject};
use crate::engine::diagnose::Diagnosis;
use serde::Serialize;

/// What makes two failed checks the same defect.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Signature {
    /// A likely cause fits the evidence of every case it groups.
    Cause { diagnosis: Diagnosis },
    /// The target answered with this status where another was expected.
    Status { found: u16 },
    /// The run could not judge the check, for this reason (the run's
    /// deadline, a target that stopped answering): one finding however
    /// many cases it cut short.
    NotJudged { why: crate::engine::check::Unjudged },
    /// A listing answering requests of this shape (see
    /// [`Subject::query`]) is wrong in a way no cause explains.
    Listing { query: String },
    /// A check of this kind about this subject failed.
    Check { kind: CheckKind, subject: Subject },
}

/// Failed checks that report the same defect, across cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub signature: Signature,
    /// The likely cause, when one fits (the same as the signature's).
    pub diagnosis: Option<Diagnosis>,
    /// The kind of the first failed check it groups.
    pub kind: CheckKind,
    /// The most severe level among its checks.
    pub level: Level,
    /// The kinds of check that saw it, in the order first seen.
    pub kinds: Vec<CheckKind>,
    /// The reason as the first affected case gave it.
    pub message: String,
    /// Ids of the cases it fails: first the example the renderers show in
    /// detail (one whose answer shows the defect where possible), then the
    /// others in run order.
    pub cases: Vec<String>,
    /// The requirements it counts against (see [`super::attribution`]), in
    /// catalogue order, then in the order the cases name them.
    pub requirements: Vec<String>,
    /// Positions, in the first case's `checks`, of the checks this finding
    /// groups: what a renderer shows of the representative case.
    #[serde(skip)]
    pub examples: Vec<usize>,
}

impl Finding {
    /// One line for the finding: its cause when one fits, otherwise what
    /// the first affected check found.
    pub fn headline(&self) -> String {
        match &self.diagnosis {
            Some(d) => cause(d),
            None => match &self.signature {
                // The status check's own words name both statuses.
                Signature::Status { .. } => self.message.clone(),
                Signature::Listing { query } => format!(
                    "listings for requests on {query} differ from what the request selects: {}",
                    self.message
                ),
                _ => format!("{}: {}", self.kind.as_str(), self.message),
            },
        }
    }
}

/// The signature of one failed check on its own, without a cause (see the
/// module documentation).
pub fn signature(check: &CheckResult) -> Signature {
    if let Some(why) = check.unjudged {
        return Signature::NotJudged { why };
    }
    let found_status = || {
        check
            .found
            .as_ref()
            .and_then(serde_json::Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
    };
    match check.kind {
        CheckKind::Status => {
            if let Some(found) = found_status() {
                return Signature::Status { found };
            }
        }
        // The closest alternative's own failures say what is wrong with
        // an answer whose status was allowed; otherwise the status is.
        CheckKind::AnyOf => match check.closest_failures.first() {
            Some(kind) => {
                return Signature::Check {
                    kind: *kind,
                    subject: Subject::default(),
                };
            }
            None => {
                if let Some(found) = found_status() {
                    return Signature::Status { found };
                }
            }
        },
        _ => {}
    }
    if let Some(query) = &check.subject.query {
        return Signature::Listing {
            query: query.clone(),
        };
    }
    Signature::Check {
        kind: check.kind,
        subject: check.subject.clone(),
    }
}

/// The likely cause in words.
pub fn cause(d: &Diagnosis) -> String {
    match d {
        Diagnosis::OrderReversed => {
            "sortCriteria.orderBy is applied backwards: ASC lists in descending order and DESC in ascending".into()
        }
        Diagnosis::OrderIgnored => {
            "sortCriteria is ignored: jobs come in storage order whatever the request asks".into()
        }
        Diagnosis::SortedByOther {
            attribute,
            direction,
        } => format!(
            "sortCriteria is ignored or misread: jobs come sorted by {attribute} {direction} whatever the request asks"
        ),
        Diagnosis::LaterPagesLoseOrder => {
            "pages after the first lose the sort: the first page is right, the rest is not in the asked order".into()
        }
        Diagnosis::LaterPagesLoseFilter => {
            "pages after the first lose the filter: the first page is right, later pages list jobs the filter excludes".into()
        }
        Diagnosis::TokenIgnoresQuery => {
            "nextToken does not carry its query: pages after the first are neither filtered nor sorted as asked".into()
        }
        Diagnosis::FilterIgnored => "filterCriteria is ignored: jobs it excludes are listed".into(),
        Diagnosis::IncludesIgnored => {
            "filterCriteria.includes is ignored: jobs its terms exclude are listed".into()
        }
        Diagnosis::ExcludesIgnored => {
            "filterCriteria.excludes is ignored: jobs its terms match are still listed".into()
        }
        Diagnosis::TermIgnored { key } => {
            format!("a filter term on {key} is ignored when it comes with other terms")
        }
        Diagnosis::ComparatorAs { asked, applied } => {
            format!("the comparator {asked} is applied as {applied}")
        }
        Diagnosis::ValuesJoinedWithAnd => {
            "a term's several values are joined with AND: a job must match all of them, where any one should do".into()
        }
        Diagnosis::CaseInsensitiveMatch => {
            "filter values match whatever their case, where the document's values are exact".into()
        }
        Diagnosis::TokenIgnored => {
            "nextToken is ignored: the page after the first is the first page again".into()
        }
        Diagnosis::PagesOverlap => "pages overlap: a page repeats jobs of the page before".into(),
        Diagnosis::PagesOverMaxResults => "pages hold more jobs than maxResults allows".into(),
        Diagnosis::ErrorNotNamed => {
            "error answers do not name their error: no x-amzn-ErrorType header, no __type or code in the body".into()
        }
        Diagnosis::ValuesAsPatterns => {
            "name values are read as regular expressions: characters such as . * ^ $ match as patterns, not as text".into()
        }
        Diagnosis::PagesSkipJobs => {
            "pages skip jobs: jobs the request selects are missing between pages".into()
        }
        Diagnosis::ListsNothing => {
            "the answer lists no job where the request selects some".into()
        }
        Diagnosis::MemberUnexpected { member } => {
            format!("the member {member} is sent for jobs that do not have it")
        }
        Diagnosis::MemberDiffers { member } => {
            format!("{member} differs from the job's data")
        }
        Diagnosis::UndocumentedValue { member } => {
            format!("{member} takes a value outside the document's enum")
        }
        Diagnosis::BothBucketMembers => {
            "jobs carry both bucketDefinitions and bucketCriteria, where the document allows one".into()
        }
        Diagnosis::EnumSpelling { member } => {
            format!("{member} values are spelled in another case than the document's enum")
        }
        Diagnosis::MemberMissing { member } => format!("the member {member} is missing"),
        Diagnosis::MemberRenamed { member, sent_as } => {
            format!("the member {member} is sent as {sent_as}")
        }
        Diagnosis::MemberType {
            member,
            expected,
            found,
        } => format!("{member} is a JSON {found} where the document has {expected}"),
        Diagnosis::DateSpelling { member } => {
            format!("{member} is not an ISO 8601 date-time with a time zone")
        }
        Diagnosis::DateShifted { member, precision } => {
            if *precision {
                format!("{member} loses precision: the instants differ from the data by less than a second")
            } else {
                format!("{member} is shifted by whole hours: a time zone is applied or dropped")
            }
        }
    }
}

impl RunReport {
    /// The must and should failures of the run, one finding per defect:
    /// must before should, then the findings that fail the most cases, then
    /// run order.
    pub fn findings(&self) -> Vec<Finding> {
        let failed: Vec<(&CaseReport, &CheckResult)> = self
            .failed_cases()
            .flat_map(|case| {
                case.failed_checks()
                    .filter(|c| c.level > Level::Info)
                    .map(move |c| (case, c))
            })
            .collect();
        let causes = choose_causes(&failed);
        let signatures = signatures(&failed, &causes);
        let mut findings: Vec<Finding> = Vec::new();
        // (finding, case, position of the check in the case's checks)
        let mut grouped: Vec<(usize, &str, usize)> = Vec::new();
        for ((case, check), signature) in failed.iter().zip(signatures) {
            let at = findings.iter().position(|f| f.signature == signature);
            let at_finding = at.unwrap_or(findings.len());
            let finding = match at {
                Some(i) => &mut findings[i],
                None => {
                    findings.push(Finding {
                        diagnosis: match &signature {
                            Signature::Cause { diagnosis } => Some(diagnosis.clone()),
                            _ => None,
                        },
                        signature,
                        kind: check.kind,
                        level: check.level,
                        kinds: Vec::new(),
                        message: check.message.clone(),
                        cases: Vec::new(),
                        requirements: Vec::new(),
                        examples: Vec::new(),
                    });
                    let last = findings.len() - 1;
                    &mut findings[last]
                }
            };
            finding.level = finding.level.max(check.level);
            if !finding.kinds.contains(&check.kind) {
                finding.kinds.push(check.kind);
            }
            add_case(finding, case);
            if let Some(at) = case.checks.iter().position(|c| std::ptr::eq(c, *check)) {
                grouped.push((at_finding, case.id.as_str(), at));
            }
            for requirement in self.charged(case, check) {
                if !finding.requirements.iter().any(|r| r == requirement) {
                    finding.requirements.push(requirement.to_string());
                }
            }
        }
        // The checks of each finding, by case; and the cases by id.
        let mut checks_of: std::collections::HashMap<(usize, &str), Vec<usize>> =
            std::collections::HashMap::new();
        for (f, case, at) in grouped {
            checks_of.entry((f, case)).or_default().push(at);
        }
        let by_id: std::collections::HashMap<&str, &CaseReport> =
            self.cases.iter().map(|c| (c.id.as_str(), c)).collect();
        for (i, finding) in findings.iter_mut().enumerate() {
            // The example: the first case whose own answer shows the
            // defect at a place in its body, else one that judged an answer
            // at all, else the first.
            let shows = |case: &str, strict: bool| {
                let (Some(report), Some(ats)) = (by_id.get(case), checks_of.get(&(i, case))) else {
                    return false;
                };
                ats.iter().any(|&at| {
                    report
                        .checks
                        .get(at)
                        .is_some_and(|c| c.exchange.is_some() && (!strict || c.at.is_some()))
                })
            };
            let chosen = finding
                .cases
                .iter()
                .position(|c| shows(c, true))
                .or_else(|| finding.cases.iter().position(|c| shows(c, false)))
                .unwrap_or(0);
            finding.cases[..=chosen].rotate_right(1);
            finding.examples = checks_of
                .get(&(i, finding.cases[0].as_str()))
                .cloned()
                .unwrap_or_default();
        }
        let order = |id: &str| {
            self.requirements
                .iter()
                .position(|r| r.id == id)
                .unwrap_or(usize::MAX)
        };
        for finding in &mut findings {
            // Stable: requirements outside the catalogue keep case order.
            finding.requirements.sort_by_key(|r| order(r));
        }
        // Stable, so ties keep run order.
        findings.sort_by_key(|f| (std::cmp::Reverse(f.level), std::cmp::Reverse(f.cases.len())));
        findings
    }
}

/// The cause each failed check is put down to, if any: across the run,
/// the cause that fits the evidence of the most cases is chosen first and
/// takes every check it fits, then the next among the rest, and so on (a
/// greedy cover). One case's evidence often fits several causes (a tie
/// hides an order, an empty answer fits many filters); the cases together
/// rarely do. On a tie, the more specific cause (declared first) wins.
fn choose_causes(failed: &[(&CaseReport, &CheckResult)]) -> Vec<Option<Diagnosis>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut chosen: Vec<Option<Diagnosis>> = vec![None; failed.len()];
    loop {
        let mut tally: BTreeMap<&Diagnosis, BTreeSet<&str>> = BTreeMap::new();
        for (i, (case, check)) in failed.iter().enumerate() {
            if chosen[i].is_some() {
                continue;
            }
            for d in &check.diagnoses {
                tally.entry(d).or_default().insert(case.id.as_str());
            }
        }
        // The most cases; on a tie, the first declared (BTreeMap order).
        let Some((best, _)) = tally
            .iter()
            .rev()
            .max_by_key(|(_, cases)| cases.len())
            .map(|(d, cases)| ((*d).clone(), cases.len()))
        else {
            return chosen;
        };
        for (i, (_, check)) in failed.iter().enumerate() {
            if chosen[i].is_none() && check.diagnoses.contains(&best) {
                chosen[i] = Some(best.clone());
            }
        }
    }
}

/// The kinds of check that only say more about an answer whose status was
/// wrong: judged against the outcome the case expected, they fail because
/// the status did.
const FOLLOW_STATUS: [CheckKind; 11] = [
    CheckKind::ErrorName,
    CheckKind::ErrorType,
    CheckKind::ErrorMessage,
    CheckKind::Header,
    CheckKind::JsonPath,
    CheckKind::Schema,
    CheckKind::Json,
    CheckKind::Body,
    CheckKind::ContentType,
    CheckKind::Capture,
    CheckKind::Undocumented,
];

/// What a case's author asserts about an answer in the case's own terms
/// (a header's value, a JSONPath, a capture): when a check of the harness
/// failed on the same answer for a reason it can name, these say it again.
const ASSERTIONS: [CheckKind; 3] = [CheckKind::Header, CheckKind::JsonPath, CheckKind::Capture];

/// Each failed check's signature: its cause when one was chosen; the
/// signature of a failed status of the same answer for the checks that
/// follow from it; the signature of another failure of the same answer for
/// a capture that could not be made; otherwise its own.
fn signatures(
    failed: &[(&CaseReport, &CheckResult)],
    causes: &[Option<Diagnosis>],
) -> Vec<Signature> {
    let own: Vec<Signature> = failed
        .iter()
        .zip(causes)
        .map(|((_, check), cause)| match cause {
            Some(diagnosis) => Signature::Cause {
                diagnosis: diagnosis.clone(),
            },
            None => signature(check),
        })
        .collect();
    // The failures of one case are next to each other: each looks only at
    // its own case's, so a run of many failed cases costs no more per case.
    let mut case_of = vec![0..0; failed.len()];
    let mut start = 0;
    for i in 1..=failed.len() {
        if i == failed.len() || !std::ptr::eq(failed[i].0, failed[start].0) {
            for range in &mut case_of[start..i] {
                *range = start..i;
            }
            start = i;
        }
    }
    let same_answer = |i: usize, j: usize| {
        let ((_, x), (_, y)) = (failed[i], failed[j]);
        i != j && x.exchange.is_some() && x.exchange == y.exchange
    };
    (0..failed.len())
        .map(|i| {
            let check = failed[i].1;
            if causes[i].is_some() {
                return own[i].clone();
            }
            if FOLLOW_STATUS.contains(&check.kind)
                && let Some(j) = case_of[i]
                    .clone()
                    .find(|&j| same_answer(i, j) && matches!(own[j], Signature::Status { .. }))
            {
                return own[j].clone();
            }
            if ASSERTIONS.contains(&check.kind)
                && let Some(j) = case_of[i]
                    .clone()
                    .find(|&j| same_answer(i, j) && !ASSERTIONS.contains(&failed[j].1.kind))
            {
                return own[j].clone();
            }
            own[i].clone()
        })
        .collect()
}

fn add_case(finding: &mut Finding, case: &CaseReport) {
    if finding.cases.last() != Some(&case.id) {
        finding.cases.push(case.id.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::check::CheckResult;

    fn failed(kind: CheckKind, message: &str) -> CheckResult {
        CheckResult::fail(kind, Level::Must, message)
    }

    #[test]
    fn the_wording_never_groups_but_the_subject_does() {
        let member = |m: &str| Subject {
            member: Some(m.into()),
            rule: Some("enum".into()),
            ..Subject::default()
        };
        let one =
            failed(CheckKind::Schema, "job 7f49 at item 4").about(member("/items/*/jobStatus"));
        let other =
            failed(CheckKind::Schema, "job 8a12 at item 0").about(member("/items/*/jobStatus"));
        let elsewhere =
            failed(CheckKind::Schema, "job 7f49 at item 4").about(member("/items/*/jobType"));
        assert_eq!(signature(&one), signature(&other));
        assert_ne!(signature(&one), signature(&elsewhere));
    }

    #[test]
    fn a_cause_groups_checks_of_every_kind() {
        let sort = failed(CheckKind::Sort, "a").diagnosed(Some(Diagnosis::OrderReversed));
        let oracle = failed(CheckKind::Oracle, "b").diagnosed(Some(Diagnosis::OrderReversed));
        let (one, two) = (case("one", vec![]), case("two", vec![]));
        let failed = [(&one, &sort), (&two, &oracle)];
        let causes = choose_causes(&failed);
        assert_eq!(causes, vec![Some(Diagnosis::OrderReversed); 2]);
    }

    fn case(id: &str, checks: Vec<CheckResult>) -> CaseReport {
        CaseReport {
            id: id.into(),
            file: "f.yaml".into(),
            line: 1,
            level: Level::Must,
            verifies: String::new(),
            tags: Vec::new(),
            requirements: Vec::new(),
            exchanges: Vec::new(),
            checks,
            verdict: crate::report::Verdict::Fail,
            duration_ms: 0,
            requests: 0,
        }
    }

    #[test]
    fn the_cause_that_fits_most_cases_takes_the_ties() {
        let with = |causes: Vec<Diagnosis>| {
            let mut c = failed(CheckKind::Oracle, "x");
            c.diagnoses = causes;
            c
        };
        let as_starts = Diagnosis::ComparatorAs {
            asked: "CONTAINS".into(),
            applied: "STARTS_WITH".into(),
        };
        let as_eq = Diagnosis::ComparatorAs {
            asked: "CONTAINS".into(),
            applied: "EQ".into(),
        };
        // One case fits both; two fit only STARTS_WITH: one cause for all.
        let (a, b, c) = (
            with(vec![as_eq.clone(), as_starts.clone()]),
            with(vec![as_starts.clone()]),
            with(vec![as_starts.clone()]),
        );
        let (x, y, z) = (case("x", vec![]), case("y", vec![]), case("z", vec![]));
        let causes = choose_causes(&[(&x, &a), (&y, &b), (&z, &c)]);
        assert_eq!(causes, vec![Some(as_starts); 3]);
    }

    #[test]
    fn failures_of_an_answer_with_a_wrong_status_follow_the_status() {
        let status = failed(CheckKind::Status, "s")
            .expecting(Some(serde_json::json!([400])), Some(serde_json::json!(500)))
            .judging(0);
        let name = failed(CheckKind::ErrorType, "n").judging(0);
        let elsewhere = failed(CheckKind::ErrorType, "n").judging(1);
        let c = case("c", vec![]);
        let list = [(&c, &status), (&c, &name), (&c, &elsewhere)];
        let causes = choose_causes(&list);
        let sigs = signatures(&list, &causes);
        assert_eq!(sigs[0], Signature::Status { found: 500 });
        assert_eq!(sigs[1], sigs[0], "same answer");
        assert_ne!(sigs[2], sigs[0], "another answer");
    }

    #[test]
    fn cases_the_run_could_not_judge_are_one_finding_by_cause() {
        use crate::engine::check::Unjudged;
        let one = failed(CheckKind::Transport, "timeout").unjudged(Unjudged::TargetStopped);
        let two = failed(CheckKind::Transport, "other words").unjudged(Unjudged::TargetStopped);
        let plain = failed(CheckKind::Transport, "timeout");
        assert_eq!(signature(&one), signature(&two));
        assert_ne!(signature(&one), signature(&plain));
    }

    #[test]
    fn statuses_group_by_what_the_target_sent() {
        let status = |found: u16| {
            failed(CheckKind::Status, "x").expecting(
                Some(serde_json::json!([400])),
                Some(serde_json::json!(found)),
            )
        };
        let any_of = failed(CheckKind::AnyOf, "y").expecting(None, Some(serde_json::json!(500)));
        assert_eq!(signature(&status(500)), signature(&any_of));
        assert_ne!(signature(&status(500)), signature(&status(404)));
    }
}
