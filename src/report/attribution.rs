//! Which requirements a check counts against.
//!
//! A case names every requirement it verifies, but one of its checks may
//! judge only some of them: a filter case that also asks for an order
//! checks the sort with its `sort` check. Charging that check's failure to
//! the filter requirements would send a reader looking for a filter bug
//! that does not exist. So a failed check counts against the requirement
//! it checks, found by these rules, in order:
//!
//! 1. A check that judges whether the case got its answer at all
//!    (transport, status, JSON body, any of, capture, harness error; see
//!    [`judges_every_requirement`]) counts against every requirement the
//!    case names. Except a failed `any of` whose closest alternative got
//!    its answer (its status held): that alternative's failed checks say
//!    what is wrong, so the failure counts against the union of what each
//!    of their kinds counts against by rules 2 to 4
//!    ([`CheckResult::closest_failures`]).
//! 2. Otherwise, against the case's requirements whose `judged_by` in the
//!    catalogue names the check's kind, or that have no `judged_by`.
//! 3. If none of them does, against the requirements of the catalogue
//!    whose `fallback_for` names the kind: the statement such a check
//!    checks in any case, such as LCJ-SORT-006 ("the order holds together
//!    with filtering") for a sort check in a filter case. `judged_by` alone
//!    is not enough: a sort check in a filter case sorted by createdAt does
//!    not judge LCJ-SORT-002 (sorting by jobStatus).
//! 4. If no requirement names the kind either, against every requirement
//!    the case names: a failure is never dropped from the matrix.
//!
//! Nothing here does I/O; the renderers read [`RunReport::charged`] and
//! [`RunReport::requirement_result`].

use super::{CaseReport, RequirementInfo, RequirementResult, RunReport, Verdict};
use crate::engine::case::Level;
pub(crate) use crate::engine::check::judges_every_requirement;
use crate::engine::check::{CheckKind, CheckResult};

impl RequirementInfo {
    /// Whether a check of this kind, in a case that names the requirement,
    /// counts against it (rule 2).
    pub fn judged_by_kind(&self, kind: CheckKind) -> bool {
        self.judged_by
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&kind))
    }
}

impl RunReport {
    fn requirement(&self, id: &str) -> Option<&RequirementInfo> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The requirements a check of `case` counts against (see the module
    /// documentation for the rules). Checks that passed or were skipped
    /// have the same requirements: those a failure would count against.
    pub fn charged<'a>(&'a self, case: &'a CaseReport, check: &CheckResult) -> Vec<&'a str> {
        if check.kind == CheckKind::AnyOf && !check.closest_failures.is_empty() {
            let mut out: Vec<&str> = Vec::new();
            for &kind in &check.closest_failures {
                for id in self.charged_kind(case, kind) {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
            return out;
        }
        self.charged_kind(case, check.kind)
    }

    /// Rules 1 to 4 for a check of `kind` in `case`.
    fn charged_kind<'a>(&'a self, case: &'a CaseReport, kind: CheckKind) -> Vec<&'a str> {
        let named = || case.requirements.iter().map(String::as_str);
        if judges_every_requirement(kind) {
            return named().collect();
        }
        // A requirement missing from the catalogue (a suite without one)
        // says nothing about its checks, so every kind judges it.
        let own: Vec<&str> = named()
            .filter(|id| self.requirement(id).is_none_or(|r| r.judged_by_kind(kind)))
            .collect();
        if !own.is_empty() {
            return own;
        }
        let catalogue: Vec<&str> = self
            .requirements
            .iter()
            .filter(|r| r.fallback_for.contains(&kind))
            .map(|r| r.id.as_str())
            .collect();
        if !catalogue.is_empty() {
            return catalogue;
        }
        named().collect()
    }

    /// The failed must and should checks that count against a requirement,
    /// with their cases, in run order. Info-level failures are
    /// observations and count against nothing.
    pub fn failures_of<'a>(
        &'a self,
        requirement: &'a str,
    ) -> impl Iterator<Item = (&'a CaseReport, &'a CheckResult)> + 'a {
        self.failed_cases().flat_map(move |case| {
            case.failed_checks()
                .filter(|check| check.level > Level::Info)
                .filter(move |check| self.charged(case, check).contains(&requirement))
                .map(move |check| (case, check))
        })
    }

    /// The cases of this run that verify a requirement: those that name it,
    /// and those with a failed check that counts against it (rule 3), in
    /// run order.
    pub fn cases_for<'a>(
        &'a self,
        requirement: &'a str,
    ) -> impl Iterator<Item = &'a CaseReport> + 'a {
        self.cases.iter().filter(move |case| {
            case.requirements.iter().any(|r| r == requirement)
                || (case.verdict == Verdict::Fail
                    && case
                        .failed_checks()
                        .filter(|check| check.level > Level::Info)
                        .any(|check| self.charged(case, check).contains(&requirement)))
        })
    }

    /// A requirement fails when a failed must or should check counts
    /// against it; otherwise it passes when a case naming it ran to a
    /// verdict. A case that failed only on checks of other requirements
    /// still shows this one to hold.
    pub fn requirement_result(&self, requirement: &str) -> RequirementResult {
        if self.failures_of(requirement).next().is_some() {
            return RequirementResult::Fail;
        }
        let mut naming = self
            .cases
            .iter()
            .filter(|c| c.requirements.iter().any(|r| r == requirement))
            .peekable();
        if naming.peek().is_none() {
            RequirementResult::NotRun
        } else if naming.clone().any(|c| c.verdict == super::Verdict::Pass) {
            RequirementResult::Pass
        } else if naming.any(CaseReport::ran) {
            RequirementResult::Observed
        } else {
            RequirementResult::Skipped
        }
    }
}
