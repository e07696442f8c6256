//! Shrinking: each failure checked once more, then made as small as it
//! stays failing, within what the budget held back for it.

use super::*;

impl Explorer<'_> {
    /// Shrinks the first failure of each kind of recipe and failed check.
    pub(super) async fn shrink_failures(
        &mut self,
        options: &ExploreOptions,
        k: &Knowledge,
    ) -> Result<(Vec<ShrunkFailure>, usize), ExploreError> {
        let mut seen = BTreeSet::new();
        let mut picked = Vec::new();
        for (case, recipe) in self.cases.iter().zip(&self.recipes) {
            if case.verdict != Verdict::Fail {
                continue;
            }
            let kinds = failed_kinds(case);
            let first = kinds.iter().next().copied();
            if seen.insert((recipe.kind(), first)) && picked.len() < options.max_shrunk {
                picked.push((case.id.clone(), recipe.clone(), kinds));
            }
        }
        let mut failures = Vec::new();
        let mut sent = 0;
        let mut distinct = std::collections::HashSet::new();
        for (n, (found_by, recipe, kinds)) in picked.into_iter().enumerate() {
            // Past the deadline every run would stop before sending, and
            // a failure no run confirmed is not worth reporting as shrunk.
            if self.out_of_time() {
                break;
            }
            let id = format!("explore.s{}.f{}.{}", self.seed, n + 1, recipe.kind());
            // First, once more as found: to tell a failure from a target
            // that answers differently from one request to the next, and
            // to learn what one run of it costs.
            let original = recipe.clone();
            let probe = original.probe(&id, k);
            let (mut report, first_cost) = self.run(std::slice::from_ref(&probe), 1, None).await?;
            sent += first_cost;
            // Cut short by the deadline or the request budget, the re-check
            // says nothing either way; the failed generated cases stay in
            // the report.
            if not_judged(&report) {
                break;
            }
            let mut probe = probe;
            let mut best = recipe;
            let mut steps_taken = 0;
            let mut attempts = 0;
            // A smaller case costs at most what the original did; a try and
            // the final re-check of what it finds need twice that.
            let affordable = |explorer: &Self| explorer.budget_left() >= 2 * first_cost.max(1);
            'shrinking: loop {
                for candidate in best.smaller() {
                    if attempts >= options.shrink_attempts
                        || self.out_of_time()
                        || !affordable(self)
                    {
                        break 'shrinking;
                    }
                    attempts += 1;
                    let candidate_probe = candidate.probe(&id, k);
                    let (tried, used) = self.run(&[candidate_probe], 1, None).await?;
                    sent += used;
                    if tried.cases.first().is_some_and(|c| fails_alike(c, &kinds)) {
                        best = candidate;
                        steps_taken += 1;
                        continue 'shrinking;
                    }
                }
                break;
            }
            if steps_taken > 0 {
                // The smaller case, once more; if the limits leave it
                // unjudged, the original stands, as re-checked above.
                let shrunk_probe = best.probe(&id, k);
                let (shrunk, used) = self
                    .run(std::slice::from_ref(&shrunk_probe), 1, None)
                    .await?;
                sent += used;
                if not_judged(&shrunk) {
                    best = original;
                    steps_taken = 0;
                } else {
                    report = shrunk;
                    probe = shrunk_probe;
                }
            }
            // Two failures that shrink to the same case are one: saved once.
            if !distinct.insert(best.probe("explore.same", k).to_yaml()) {
                continue;
            }
            let confirmed = report.cases.first().is_some_and(|c| fails_alike(c, &kinds));
            let failed_checks = report
                .cases
                .first()
                .map(|c| {
                    c.failed_checks()
                        .filter(|x| x.level > Level::Info)
                        .map(|x| format!("{}: {}", x.kind.as_str(), x.message))
                        .collect()
                })
                .unwrap_or_default();
            failures.push(ShrunkFailure {
                found_by,
                id,
                kind: best.kind().to_string(),
                steps_taken,
                confirmed,
                failed_checks,
                yaml: probe.to_yaml(),
            });
        }
        Ok((failures, sent))
    }
}

/// The kinds of the must and should checks a case failed.
fn failed_kinds(case: &CaseReport) -> BTreeSet<CheckKind> {
    case.failed_checks()
        .filter(|c| c.level > Level::Info)
        .map(|c| c.kind)
        .collect()
}

/// Whether a case fails at least one way the original failed.
fn fails_alike(case: &CaseReport, kinds: &BTreeSet<CheckKind>) -> bool {
    case.verdict == Verdict::Fail && !failed_kinds(case).is_disjoint(kinds)
}
