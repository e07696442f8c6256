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
    /// Ids of the cases it fails, in run order; the first is the
    /// representative the renderers show in detail.
    pub cases: Vec<String>,
    /// The requirements it counts against (see [`super::attribution`]), in
    /// catalogue order, then in the order the cases name them.
    pub requirements: Vec<String>,
}

impl Finding {
    /// One line for the finding: its cause when one fits, otherwise what
    /// the first affected check found.
    pub fn headline(&self) -> String {
        match &self.diagnosis {
            Some(d) => cause(d),
            None => match &self.signature {
                Signature::Status { found } => {
                    format!(
                        "answers status {found} where the document calls for another: {}",
                        self.message
                    )
                }
                _ => format!("{}: {}", self.kind.as_str(), self.message),
            },
        }
    }
}

/// The signature of one failed check (see the module documentation).
pub fn signature(check: &CheckResult) -> Signature {
    if let Some(diagnosis) = &check.diagnosis {
        return Signature::Cause {
            diagnosis: diagnosis.clone(),
        };
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
        Diagnosis::SortedByOther { attribute } => {
            format!("the listing is sorted by {attribute}, not by the attribute the request names")
        }
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
        Diagnosis::PagesOverlap => "pages overlap: a page repeats jobs of the page before".into(),
        Diagnosis::PagesSkipJobs => {
            "pages skip jobs: jobs the request selects are missing between pages".into()
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
        let mut findings: Vec<Finding> = Vec::new();
        for case in self.failed_cases() {
            for check in case.failed_checks().filter(|c| c.level > Level::Info) {
                let signature = signature(check);
                let at = findings.iter().position(|f| f.signature == signature);
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
                for requirement in self.charged(case, check) {
                    if !finding.requirements.iter().any(|r| r == requirement) {
                        finding.requirements.push(requirement.to_string());
                    }
                }
            }
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
        let one = failed(CheckKind::Schema, "job 7f49 at item 4").about(member("/items/*/jobStatus"));
        let other = failed(CheckKind::Schema, "job 8a12 at item 0").about(member("/items/*/jobStatus"));
        let elsewhere = failed(CheckKind::Schema, "job 7f49 at item 4").about(member("/items/*/jobType"));
        assert_eq!(signature(&one), signature(&other));
        assert_ne!(signature(&one), signature(&elsewhere));
    }

    #[test]
    fn a_diagnosis_groups_checks_of_every_kind() {
        let sort = failed(CheckKind::Sort, "a").diagnosed(Some(Diagnosis::OrderReversed));
        let oracle = failed(CheckKind::Oracle, "b").diagnosed(Some(Diagnosis::OrderReversed));
        assert_eq!(signature(&sort), signature(&oracle));
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
