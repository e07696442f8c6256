//! One defect, one finding.
//!
//! A single defect of a target, such as a `jobStatus` value outside the
//! document's enum, fails every case whose answer shows it. Listed case by
//! case, it reads as dozens of problems. The report model groups the must
//! and should failures into findings, one per defect, each with the cases
//! and requirements it affects; renderers lead with them and keep the
//! per-case details below.
//!
//! Two failed checks are the same defect when they have the same kind, the
//! same level and the same reason once per-case noise is removed:
//!
//! - the prefix a walk adds to name the failing page
//!   (`page 3 (of 7; 2 failing): `);
//! - numbers outside quoted text: positions (`item 4`, `/items/12/name`),
//!   page numbers and counts (`3 of 12 job(s)`, `2 violations`), which
//!   depend on the case's data and paging, not on the defect;
//! - for an `any of` check, whose message only counts the outcomes, the
//!   reasons in its detail are the reason, normalised the same way.
//!
//! What the target sent stays in the key, since it tells one defect from
//! another: quoted values (`"running"`), names (members, headers, errors,
//! job ids), and every number of a status check, which is a status code
//! (`status 500 where 200 was expected` is not `status 404 ...`), as is a
//! number after the word `status` in any other reason.

use super::{CaseReport, RunReport};
use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult};
use serde::Serialize;

/// Failed checks that report the same defect, across cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: CheckKind,
    pub level: Level,
    /// The reason as the first affected case gave it.
    pub message: String,
    /// The reason with per-case noise removed: what grouped these checks.
    pub key: String,
    /// Ids of the cases it fails, in run order.
    pub cases: Vec<String>,
    /// The requirements it counts against (see [`super::attribution`]), in
    /// catalogue order, then in the order the cases name them.
    pub requirements: Vec<String>,
}

/// The grouping key of a check's reason (see the module documentation).
pub fn normalise(check: &CheckResult) -> String {
    let mut reason = strip_page_prefix(&check.message).to_string();
    if check.kind == CheckKind::AnyOf
        && let Some(detail) = &check.detail
    {
        reason.push_str(" | ");
        reason.push_str(
            &detail
                .lines()
                .map(strip_page_prefix)
                .collect::<Vec<_>>()
                .join(" | "),
        );
    }
    if check.kind == CheckKind::Status {
        reason
    } else {
        mask_numbers(&reason)
    }
}

/// Drops the `page N (...): ` a walk puts before a page-level reason.
fn strip_page_prefix(message: &str) -> &str {
    let Some(rest) = message
        .strip_prefix("page ")
        .or_else(|| message.strip_prefix("pages "))
    else {
        return message;
    };
    let starts_with_number = rest.starts_with(|c: char| c.is_ascii_digit());
    match rest.find("): ") {
        Some(end) if starts_with_number && !rest[..end].contains('"') => &rest[end + 3..],
        _ => message,
    }
}

/// Replaces each run of digits that stands alone (not part of a word such
/// as a job id), lies outside double quotes and is no status code (it
/// follows `status `) with `#`.
fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' && (i == 0 || chars[i - 1] != '\\') {
            quoted = !quoted;
        }
        if !quoted && c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let joined =
                |ch: Option<&char>| ch.is_some_and(|ch| ch.is_alphanumeric() || *ch == '_');
            let before = start.checked_sub(1).and_then(|b| chars.get(b));
            let status_code = out.ends_with("status ");
            if joined(before) || joined(chars.get(i)) || status_code {
                out.extend(&chars[start..i]);
            } else {
                out.push('#');
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

impl RunReport {
    /// The must and should failures of the run, one finding per defect:
    /// must before should, then the findings that fail the most cases, then
    /// run order.
    pub fn findings(&self) -> Vec<Finding> {
        let mut findings: Vec<Finding> = Vec::new();
        for case in self.failed_cases() {
            for check in case.failed_checks().filter(|c| c.level > Level::Info) {
                let key = normalise(check);
                let at = findings
                    .iter()
                    .position(|f| f.kind == check.kind && f.level == check.level && f.key == key);
                let finding = match at {
                    Some(i) => &mut findings[i],
                    None => {
                        findings.push(Finding {
                            kind: check.kind,
                            level: check.level,
                            message: check.message.clone(),
                            key,
                            cases: Vec::new(),
                            requirements: Vec::new(),
                        });
                        let last = findings.len() - 1;
                        &mut findings[last]
                    }
                };
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

    fn reason(kind: CheckKind, message: &str) -> String {
        normalise(&CheckResult::fail(kind, Level::Must, message))
    }

    #[test]
    fn a_walk_page_prefix_and_positions_are_noise() {
        let one = reason(
            CheckKind::Schema,
            r#"page 3 (of 7; 2 failing): body is not a valid ListClassificationJobsResponse: at /items/4/jobStatus (enum): "running" is not one of ["RUNNING","IDLE"]"#,
        );
        let other = reason(
            CheckKind::Schema,
            r#"body is not a valid ListClassificationJobsResponse: at /items/0/jobStatus (enum): "running" is not one of ["RUNNING","IDLE"]"#,
        );
        assert_eq!(one, other);
        assert!(one.contains(r#""running""#), "{one}");
    }

    #[test]
    fn quoted_values_names_and_status_codes_tell_defects_apart() {
        let running = reason(
            CheckKind::JsonPath,
            r#"$.items[*].jobStatus: node 2 ("running"): is "running""#,
        );
        let paused = reason(
            CheckKind::JsonPath,
            r#"$.items[*].jobStatus: node 2 ("paused"): is "paused""#,
        );
        assert_ne!(running, paused);
        assert_ne!(
            reason(CheckKind::Status, "status 500 where 200 was expected"),
            reason(CheckKind::Status, "status 404 where 200 was expected")
        );
        assert_ne!(
            reason(
                CheckKind::Oracle,
                "position 0: job 7f49 does not belong here"
            ),
            reason(
                CheckKind::Oracle,
                "position 0: job 8a12 does not belong here"
            )
        );
        assert_eq!(
            reason(
                CheckKind::PageSize,
                "page 2 holds 51 jobs, more than maxResults 50"
            ),
            reason(
                CheckKind::PageSize,
                "page 1 holds 4 jobs, more than maxResults 3"
            )
        );
    }

    #[test]
    fn an_any_of_check_is_grouped_by_its_reasons() {
        let with = |detail: &str| {
            normalise(
                &CheckResult::fail(
                    CheckKind::AnyOf,
                    Level::Must,
                    "answer matches none of the 2 allowed outcomes",
                )
                .with_detail(detail),
            )
        };
        assert_ne!(
            with("1. 400 ValidationException: status 500"),
            with("1. 400 ValidationException: status 200")
        );
    }
}
