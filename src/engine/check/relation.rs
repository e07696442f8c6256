//! Metamorphic relations: how the listing of one walk must relate to the
//! listings of earlier walks of the same case (`expect.relations`). They
//! hold whatever data the target holds, so they judge a target without a
//! fixture: narrowing a filter can only drop jobs, reversing the order
//! keeps the jobs, and so on.
//!
//! Pure: the runner hands over the listings it kept.

use super::{CheckKind, CheckResult, job_key, job_label};
use crate::engine::case::{Level, Relation};
use crate::engine::oracle::{self, Query};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// How many offending jobs a failure's message names; the detail lists
/// more, up to [`DETAIL_JOBS`].
const MESSAGE_JOBS: usize = 3;
const DETAIL_JOBS: usize = 20;

/// Judges `relation` between this walk's listing (`this`) and the listings
/// it names, which `other` looks up by step name. A name `other` does not
/// know is a listing that was not obtained (its walk was refused, broke or
/// was cut short): the relation is then skipped, not failed, since nothing
/// about this listing is wrong. `request` is this step's request body,
/// which `reversed_from` reads its sort attribute from.
pub fn relation_check<'a>(
    relation: &Relation,
    this: &[Value],
    other: impl Fn(&str) -> Option<&'a [Value]>,
    request: Option<&Value>,
    level: Level,
) -> CheckResult {
    let mut listings = Vec::new();
    for name in relation.names() {
        match other(&name.value) {
            Some(jobs) => listings.push((name.value.as_str(), jobs)),
            None => {
                return CheckResult::skip(
                    CheckKind::Relation,
                    level,
                    format!(
                        "`{}: {}` not judged: step {:?} has no complete listing (its walk was refused, failed or stopped early)",
                        relation.as_str(),
                        name.value,
                        name.value
                    ),
                );
            }
        }
    }
    let result = match (relation, listings.as_slice()) {
        (Relation::SubsetOf(_), [(name, theirs)]) => subset_of(this, name, theirs, level),
        (Relation::SupersetOf(_), [(name, theirs)]) => {
            let mut result = superset_of(this, name, theirs, level);
            if result.failed() {
                result.diagnoses = crate::engine::diagnose::missing_from(this, theirs, false);
            }
            result
        }
        (Relation::SameJobsAs(_), [(name, theirs)]) => {
            let mut result = same_jobs_as(this, name, theirs, level);
            if result.failed() {
                result.diagnoses = crate::engine::diagnose::missing_from(this, theirs, true);
            }
            result
        }
        (Relation::DisjointFrom(_), [(name, theirs)]) => disjoint_from(this, name, theirs, level),
        (Relation::ReversedFrom(_), [(name, theirs)]) => {
            reversed_from(this, name, theirs, request, level)
        }
        (Relation::ComplementOf(_), [(all_name, all), (part_name, part)]) => {
            let mut result = complement_of(this, (all_name, all), (part_name, part), level);
            if result.failed() {
                result.diagnoses = crate::engine::diagnose::complement(this, part, all);
            }
            result
        }
        // `names` gives one listing for every relation but complement_of,
        // which has two; nothing else can reach here.
        _ => CheckResult::skip(
            CheckKind::Relation,
            level,
            format!(
                "`{}` names an unexpected number of steps",
                relation.as_str()
            ),
        ),
    };
    result.about(super::Subject {
        rule: Some(relation.as_str().to_string()),
        ..super::Subject::default()
    })
}

fn keys(jobs: &[Value]) -> HashSet<String> {
    jobs.iter().map(job_key).collect()
}

/// How many times each job is listed.
fn counts(jobs: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for job in jobs {
        *m.entry(job_key(job)).or_default() += 1;
    }
    m
}

/// A failure naming the first few offending jobs in its message and more
/// of them in its detail.
fn broken(what: String, offenders: &[&Value], level: Level) -> CheckResult {
    let named: Vec<String> = offenders
        .iter()
        .take(MESSAGE_JOBS)
        .map(|j| job_label(j))
        .collect();
    let more = offenders.len().saturating_sub(MESSAGE_JOBS);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    CheckResult::fail(
        CheckKind::Relation,
        level,
        format!("{what}: {}{tail}", named.join("; ")),
    )
    .with_detail(
        offenders
            .iter()
            .take(DETAIL_JOBS)
            .map(|j| job_label(j))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The jobs of `from` not listed in `among`.
fn not_among<'v>(from: &'v [Value], among: &[Value]) -> Vec<&'v Value> {
    let among = keys(among);
    from.iter()
        .filter(|j| !among.contains(&job_key(j)))
        .collect()
}

fn subset_of(this: &[Value], name: &str, theirs: &[Value], level: Level) -> CheckResult {
    let outside = not_among(this, theirs);
    if outside.is_empty() {
        return CheckResult::pass(
            CheckKind::Relation,
            level,
            format!(
                "subset_of {name}: the {} job(s) are all among {name}'s {}",
                this.len(),
                theirs.len()
            ),
        );
    }
    broken(
        format!(
            "subset_of {name}: {} of the {} job(s) are not in {name}'s listing",
            outside.len(),
            this.len()
        ),
        &outside,
        level,
    )
}

fn superset_of(this: &[Value], name: &str, theirs: &[Value], level: Level) -> CheckResult {
    let missing = not_among(theirs, this);
    if missing.is_empty() {
        return CheckResult::pass(
            CheckKind::Relation,
            level,
            format!(
                "superset_of {name}: all {} job(s) of {name} are among these {}",
                theirs.len(),
                this.len()
            ),
        );
    }
    broken(
        format!(
            "superset_of {name}: {} of {name}'s {} job(s) are missing from this listing",
            missing.len(),
            theirs.len()
        ),
        &missing,
        level,
    )
}

/// The jobs `this` lists more often than `theirs` does (each once), and
/// those it lists less often: what breaks multiset equality.
fn multiset_difference<'v>(
    this: &'v [Value],
    theirs: &'v [Value],
) -> (Vec<&'v Value>, Vec<&'v Value>) {
    let (ours, their_counts) = (counts(this), counts(theirs));
    let surplus = |from: &'v [Value], a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| {
        let mut named = HashSet::new();
        from.iter()
            .filter(|j| {
                let k = job_key(j);
                a.get(&k).copied().unwrap_or(0) > b.get(&k).copied().unwrap_or(0) && named.insert(k)
            })
            .collect::<Vec<_>>()
    };
    (
        surplus(this, &ours, &their_counts),
        surplus(theirs, &their_counts, &ours),
    )
}

/// `Some(failure)` when `this` (`here` says what it is and its verb,
/// "this listing has") and `theirs` are not
/// the same multiset of jobs.
fn differ(
    prefix: &str,
    here: &str,
    this: &[Value],
    name: &str,
    theirs: &[Value],
    level: Level,
) -> Option<CheckResult> {
    let (extra, missing) = multiset_difference(this, theirs);
    if extra.is_empty() && missing.is_empty() {
        return None;
    }
    let offenders: Vec<&Value> = extra.iter().chain(&missing).copied().collect();
    Some(broken(
        format!(
            "{prefix}: {here} {} job(s), {name} has {}; {} job(s) are listed more often than in {name}, {} less often",
            this.len(),
            theirs.len(),
            extra.len(),
            missing.len()
        ),
        &offenders,
        level,
    ))
}

fn same_jobs_as(this: &[Value], name: &str, theirs: &[Value], level: Level) -> CheckResult {
    differ(
        &format!("same_jobs_as {name}"),
        "this listing has",
        this,
        name,
        theirs,
        level,
    )
    .unwrap_or_else(|| {
        CheckResult::pass(
            CheckKind::Relation,
            level,
            format!(
                "same_jobs_as {name}: both list the same {} job(s)",
                this.len()
            ),
        )
    })
}

fn disjoint_from(this: &[Value], name: &str, theirs: &[Value], level: Level) -> CheckResult {
    let theirs_keys = keys(theirs);
    let shared: Vec<&Value> = this
        .iter()
        .filter(|j| theirs_keys.contains(&job_key(j)))
        .collect();
    if shared.is_empty() {
        return CheckResult::pass(
            CheckKind::Relation,
            level,
            format!(
                "disjoint_from {name}: none of the {} job(s) is among {name}'s {}",
                this.len(),
                theirs.len()
            ),
        );
    }
    broken(
        format!(
            "disjoint_from {name}: {} of the {} job(s) are also in {name}'s listing",
            shared.len(),
            this.len()
        ),
        &shared,
        level,
    )
}

fn reversed_from(
    this: &[Value],
    name: &str,
    theirs: &[Value],
    request: Option<&Value>,
    level: Level,
) -> CheckResult {
    let Some((attribute, order)) = request
        .and_then(|r| Query::from_request(r).ok())
        .and_then(|q| q.sort)
    else {
        return CheckResult::skip(
            CheckKind::Relation,
            level,
            format!(
                "reversed_from {name} not judged: this step's request sets no complete sortCriteria, so there is no attribute to compare"
            ),
        );
    };
    if let Some(failure) = differ(
        &format!("reversed_from {name}"),
        "this listing has",
        this,
        name,
        theirs,
        level,
    ) {
        return failure;
    }
    // Same multiset, so same length: position i here faces position
    // len-1-i there. Jobs with equal values may come in either order.
    let mismatch = this
        .iter()
        .zip(theirs.iter().rev())
        .position(|(a, b)| oracle::compare(attribute, a, b) != Ordering::Equal);
    match mismatch {
        None => CheckResult::pass(
            CheckKind::Relation,
            level,
            format!(
                "reversed_from {name}: the {} job(s) run by {attribute} ({order}) as {name}'s do backwards",
                this.len()
            ),
        ),
        Some(i) => {
            let there = theirs.len() - 1 - i;
            let (a, b) = (&this[i], &theirs[there]);
            CheckResult::fail(
                CheckKind::Relation,
                level,
                format!(
                    "reversed_from {name}: item {i} here and item {there} of {name} should have equal {attribute}, but differ: {} / {}",
                    job_label(a),
                    job_label(b)
                ),
            )
            .with_detail(format!(
                "item {i} here: {}\nitem {there} of {name}: {}",
                job_label(a),
                job_label(b)
            ))
        }
    }
}

fn complement_of(
    this: &[Value],
    (all_name, all): (&str, &[Value]),
    (part_name, part): (&str, &[Value]),
    level: Level,
) -> CheckResult {
    let part_keys = keys(part);
    let shared: Vec<&Value> = this
        .iter()
        .filter(|j| part_keys.contains(&job_key(j)))
        .collect();
    if !shared.is_empty() {
        return broken(
            format!(
                "complement_of {all_name} with {part_name}: {} job(s) are both here and in {part_name}",
                shared.len()
            ),
            &shared,
            level,
        );
    }
    // Only the union is built; the listings themselves are not copied.
    let union: Vec<Value> = this.iter().chain(part).cloned().collect();
    if let Some(failure) = differ(
        &format!("complement_of {all_name} with {part_name}"),
        &format!("this listing and {part_name} together have"),
        &union,
        all_name,
        all,
        level,
    ) {
        return failure;
    }
    CheckResult::pass(
        CheckKind::Relation,
        level,
        format!(
            "complement_of {all_name} with {part_name}: these {} job(s) and {part_name}'s {} share none and together are {all_name}'s {}",
            this.len(),
            part.len(),
            all.len()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::check::Outcome;
    use serde_json::json;

    fn job(id: &str, created: &str) -> Value {
        json!({"jobId": id, "name": id, "jobStatus": "RUNNING", "jobType": "ONE_TIME", "createdAt": created})
    }

    fn jobs(ids: &[&str]) -> Vec<Value> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| job(id, &format!("2024-01-0{}T00:00:00Z", i + 1)))
            .collect()
    }

    fn relation(yaml: &str) -> Relation {
        serde_saphyr::from_str(yaml).expect("a relation")
    }

    /// Judges `relation` with the listings `named` (name, jobs).
    fn judge(rel: &str, this: &[Value], named: &[(&str, Vec<Value>)]) -> CheckResult {
        judge_with(rel, this, named, None)
    }

    fn judge_with(
        rel: &str,
        this: &[Value],
        named: &[(&str, Vec<Value>)],
        request: Option<&Value>,
    ) -> CheckResult {
        let lookup = |n: &str| {
            named
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.as_slice())
        };
        relation_check(&relation(rel), this, lookup, request, Level::Must)
    }

    fn assert_outcome(result: &CheckResult, outcome: Outcome, text: &str) {
        assert_eq!(result.outcome, outcome, "{result:?}");
        assert_eq!(result.kind, CheckKind::Relation);
        assert!(result.message.contains(text), "{}", result.message);
    }

    #[test]
    fn subset_of() {
        let a = jobs(&["j1", "j2", "j3"]);
        let r = judge("subset_of: a", &jobs(&["j1", "j3"]), &[("a", a.clone())]);
        assert_outcome(&r, Outcome::Pass, "the 2 job(s) are all among a's 3");
        let r = judge("subset_of: a", &jobs(&["j1", "j9"]), &[("a", a)]);
        assert_outcome(
            &r,
            Outcome::Fail,
            "1 of the 2 job(s) are not in a's listing",
        );
        assert!(r.message.contains("jobId j9 "), "{}", r.message);
        assert!(r.detail.as_deref().is_some_and(|d| d.contains("j9")));
        let r = judge("subset_of: a", &jobs(&["j1"]), &[]);
        assert_outcome(&r, Outcome::Skip, "step \"a\" has no complete listing");
    }

    #[test]
    fn superset_of() {
        let a = jobs(&["j1", "j2"]);
        let r = judge(
            "superset_of: a",
            &jobs(&["j2", "j1", "j3"]),
            &[("a", a.clone())],
        );
        assert_outcome(&r, Outcome::Pass, "all 2 job(s) of a are among these 3");
        let r = judge("superset_of: a", &jobs(&["j1"]), &[("a", a)]);
        assert_outcome(&r, Outcome::Fail, "1 of a's 2 job(s) are missing");
        assert!(r.message.contains("jobId j2 "), "{}", r.message);
        let r = judge("superset_of: a", &jobs(&["j1"]), &[("b", vec![])]);
        assert_outcome(&r, Outcome::Skip, "not judged");
    }

    #[test]
    fn same_jobs_as_counts_repeats() {
        let a = jobs(&["j1", "j2"]);
        let r = judge("same_jobs_as: a", &jobs(&["j2", "j1"]), &[("a", a.clone())]);
        assert_outcome(&r, Outcome::Pass, "both list the same 2 job(s)");
        // A job listed twice is not the same multiset, though the same set.
        let r = judge(
            "same_jobs_as: a",
            &jobs(&["j1", "j2", "j2"]),
            &[("a", a.clone())],
        );
        assert_outcome(
            &r,
            Outcome::Fail,
            "1 job(s) are listed more often than in a, 0 less often",
        );
        let r = judge("same_jobs_as: a", &jobs(&["j1"]), &[("a", a)]);
        assert_outcome(
            &r,
            Outcome::Fail,
            "0 job(s) are listed more often than in a, 1 less often",
        );
        let r = judge("same_jobs_as: a", &[], &[]);
        assert_outcome(&r, Outcome::Skip, "no complete listing");
    }

    #[test]
    fn disjoint_from() {
        let a = jobs(&["j1", "j2"]);
        let r = judge("disjoint_from: a", &jobs(&["j3"]), &[("a", a.clone())]);
        assert_outcome(&r, Outcome::Pass, "none of the 1 job(s) is among a's 2");
        let r = judge("disjoint_from: a", &jobs(&["j3", "j2"]), &[("a", a)]);
        assert_outcome(
            &r,
            Outcome::Fail,
            "1 of the 2 job(s) are also in a's listing",
        );
        assert!(r.message.contains("jobId j2 "), "{}", r.message);
        let r = judge("disjoint_from: a", &[], &[]);
        assert_outcome(&r, Outcome::Skip, "no complete listing");
    }

    #[test]
    fn reversed_from_compares_the_sort_attribute_up_to_ties() {
        let asc = vec![
            job("j1", "2024-01-01T00:00:00Z"),
            job("j2", "2024-01-02T00:00:00Z"),
            job("j3", "2024-01-02T00:00:00Z"),
        ];
        let request = json!({"sortCriteria": {"attributeName": "createdAt", "orderBy": "DESC"}});
        // j2 and j3 tie on createdAt, so they may keep their order.
        let desc = vec![asc[1].clone(), asc[2].clone(), asc[0].clone()];
        let r = judge_with(
            "reversed_from: a",
            &desc,
            &[("a", asc.clone())],
            Some(&request),
        );
        assert_outcome(&r, Outcome::Pass, "run by createdAt");
        // Same jobs, wrong order.
        let r = judge_with(
            "reversed_from: a",
            &asc,
            &[("a", asc.clone())],
            Some(&request),
        );
        assert_outcome(&r, Outcome::Fail, "should have equal createdAt");
        assert!(r.detail.is_some());
        // Not the same jobs.
        let r = judge_with(
            "reversed_from: a",
            &desc[..2],
            &[("a", asc.clone())],
            Some(&request),
        );
        assert_outcome(&r, Outcome::Fail, "1 less often");
        // No sort attribute to compare.
        let r = judge_with(
            "reversed_from: a",
            &desc,
            &[("a", asc.clone())],
            Some(&json!({})),
        );
        assert_outcome(&r, Outcome::Skip, "sets no complete sortCriteria");
        let r = judge_with("reversed_from: a", &desc, &[], Some(&request));
        assert_outcome(&r, Outcome::Skip, "no complete listing");
    }

    #[test]
    fn complement_of() {
        let all = jobs(&["j1", "j2", "j3"]);
        let part = jobs(&["j1"]);
        let rel = "complement_of: {all: all, part: part}";
        let named = [("all", all.clone()), ("part", part.clone())];
        let r = judge(rel, &jobs(&["j3", "j2"]), &named);
        assert_outcome(&r, Outcome::Pass, "share none and together are all's 3");
        // Overlap with the part.
        let r = judge(rel, &jobs(&["j1", "j2", "j3"]), &named);
        assert_outcome(&r, Outcome::Fail, "1 job(s) are both here and in part");
        // Together short of all.
        let r = judge(rel, &jobs(&["j2"]), &named);
        assert_outcome(
            &r,
            Outcome::Fail,
            "this listing and part together have 2 job(s), all has 3",
        );
        assert!(r.message.contains("jobId j3 "), "{}", r.message);
        // Together more than all.
        let r = judge(rel, &jobs(&["j2", "j3", "j9"]), &named);
        assert_outcome(
            &r,
            Outcome::Fail,
            "1 job(s) are listed more often than in all",
        );
        let r = judge(rel, &jobs(&["j2"]), &[("all", all)]);
        assert_outcome(&r, Outcome::Skip, "step \"part\" has no complete listing");
    }

    #[test]
    fn a_relation_is_one_key_of_a_known_name() {
        assert!(serde_saphyr::from_str::<Relation>("subset_of: a").is_ok());
        assert!(serde_saphyr::from_str::<Relation>("subset: a").is_err());
        assert!(serde_saphyr::from_str::<Relation>("{subset_of: a, superset_of: b}").is_err());
        assert!(
            serde_saphyr::from_str::<Relation>("complement_of: {all: a, part: b, x: c}").is_err()
        );
        assert!(serde_saphyr::from_str::<Relation>("complement_of: {all: a}").is_err());
    }
}
