//! Joins the JSON reports of the shards of a run (`run --partition K/N`)
//! into one report with one verdict (`merge-reports`).
//!
//! A merge is only as good as what it joins, so it refuses rather than
//! guesses: every shard must come from the same suite, harness and target
//! with the same selection, each shard must be there exactly once, and each
//! case in exactly one shard. What it makes is then what one unpartitioned
//! run with the same results would have reported: the partition is gone
//! from the selection, so the verdict can say "Conformant".

use super::RunReport;
use crate::engine::case::Level;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Why shard reports cannot be merged. Every message names the files.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MergeError {
    #[error(
        "no report to merge; give the JSON reports of every shard (run --partition K/N --json FILE)"
    )]
    NoReports,
    #[error(
        "{path} is not the report of a shard: it was run without --partition; merge-reports joins the JSON reports of `run --partition K/N`, one per shard"
    )]
    NotAShard { path: PathBuf },
    #[error(
        "{path} comes from another suite (digest {digest}) than {first} (digest {first_digest}); run every shard with the same cases and macie-conform"
    )]
    Suite {
        path: PathBuf,
        digest: String,
        first: PathBuf,
        first_digest: String,
    },
    #[error(
        "{path} was made by macie-conform {version}, {first} by {first_version}; run every shard with the same version"
    )]
    Harness {
        path: PathBuf,
        version: String,
        first: PathBuf,
        first_version: String,
    },
    #[error(
        "{path} was run against another target ({target}) than {first} ({first_target}); run every shard against the same target"
    )]
    Target {
        path: PathBuf,
        target: String,
        first: PathBuf,
        first_target: String,
    },
    #[error(
        "{path} selected other cases ({options}) than {first} ({first_options}); run every shard with the same --filter, --tag and --level"
    )]
    Selection {
        path: PathBuf,
        options: String,
        first: PathBuf,
        first_options: String,
    },
    #[error(
        "{path} is a shard of {of} ({partition}), {first} a shard of {first_of}; run every shard with the same N in --partition K/N"
    )]
    ShardCount {
        path: PathBuf,
        partition: String,
        of: usize,
        first: PathBuf,
        first_of: usize,
    },
    #[error(
        "shard {partition} is given twice ({first} and {second}); give each shard's report once"
    )]
    DuplicateShard {
        partition: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "shard {missing} of the run is missing (given: {given}); add its report, made by `run --partition {example}` with the same options"
    )]
    MissingShard {
        missing: String,
        given: String,
        example: String,
    },
    #[error(
        "case {id} is in both {first} and {second}; each case must be in exactly one shard: were the shards made by the same macie-conform?"
    )]
    CaseTwice {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "the shards hold {found} {level} case(s), but their suite has {expected}; a report was cut or edited: run the shards again"
    )]
    CasesMissing {
        level: Level,
        found: usize,
        expected: usize,
    },
}

/// Merges the reports of every shard of one run, each with the file it
/// was read from (for the messages).
pub(crate) fn merge(shards: Vec<(PathBuf, RunReport)>) -> Result<RunReport, MergeError> {
    let Some((first_path, first)) = shards.first() else {
        return Err(MergeError::NoReports);
    };
    let Some(first_partition) = first.selection.partition else {
        return Err(MergeError::NotAShard {
            path: first_path.clone(),
        });
    };
    let of = first_partition.of;
    let mut seen: BTreeMap<usize, &PathBuf> = BTreeMap::new();
    for (path, report) in &shards {
        if report.suite_digest != first.suite_digest {
            return Err(MergeError::Suite {
                path: path.clone(),
                digest: report.suite_digest.clone(),
                first: first_path.clone(),
                first_digest: first.suite_digest.clone(),
            });
        }
        if report.harness_version != first.harness_version {
            return Err(MergeError::Harness {
                path: path.clone(),
                version: report.harness_version.clone(),
                first: first_path.clone(),
                first_version: first.harness_version.clone(),
            });
        }
        if !same_target(report, first) {
            return Err(MergeError::Target {
                path: path.clone(),
                target: describe_target(report),
                first: first_path.clone(),
                first_target: describe_target(first),
            });
        }
        let Some(partition) = report.selection.partition else {
            return Err(MergeError::NotAShard { path: path.clone() });
        };
        let mut options = report.selection.clone();
        options.partition = None;
        let mut first_options = first.selection.clone();
        first_options.partition = None;
        if options != first_options {
            return Err(MergeError::Selection {
                path: path.clone(),
                options: or_none(options.options()),
                first: first_path.clone(),
                first_options: or_none(first_options.options()),
            });
        }
        if partition.of != of {
            return Err(MergeError::ShardCount {
                path: path.clone(),
                partition: partition.to_string(),
                of: partition.of,
                first: first_path.clone(),
                first_of: of,
            });
        }
        if let Some(earlier) = seen.insert(partition.shard, path) {
            return Err(MergeError::DuplicateShard {
                partition: partition.to_string(),
                first: earlier.clone(),
                second: path.clone(),
            });
        }
    }
    let missing: Vec<String> = (1..=of)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{of}"))
        .collect();
    if let Some(example) = missing.first() {
        return Err(MergeError::MissingShard {
            missing: missing.join(", "),
            given: seen
                .iter()
                .map(|(k, path)| format!("{k}/{of} in {}", path.display()))
                .collect::<Vec<_>>()
                .join(", "),
            example: example.clone(),
        });
    }

    let mut merged = first.clone();
    merged.selection.partition = None;
    merged.cases = Vec::new();
    let mut case_from: BTreeMap<String, &PathBuf> = BTreeMap::new();
    let mut coverage: Option<super::coverage::Coverage> = None;
    for (path, report) in &shards {
        for case in &report.cases {
            if let Some(other) = case_from.insert(case.id.clone(), path) {
                return Err(MergeError::CaseTwice {
                    id: case.id.clone(),
                    first: other.clone(),
                    second: path.clone(),
                });
            }
            merged.cases.push(case.clone());
        }
        // Every shard's coverage as it noted it (or as its exchanges show):
        // the merged run exercised what any shard did.
        let shard_coverage = report.coverage();
        coverage = Some(match coverage {
            None => shard_coverage.into_owned(),
            Some(c) => c.union(&shard_coverage),
        });
        // Shards run side by side: the merged run started with the first
        // and took as long as the longest.
        if report.started_at < merged.started_at {
            merged.started_at = report.started_at.clone();
        }
        merged.duration_ms = merged.duration_ms.max(report.duration_ms);
    }
    merged.coverage = coverage;
    // Every shard sent its own requests.
    merged.connection_retries = shards.iter().map(|(_, r)| r.connection_retries).sum();
    // Suite order, as one run lists its cases: by file, then place in it.
    merged
        .cases
        .sort_by(|a, b| (&a.file, a.line, &a.id).cmp(&(&b.file, b.line, &b.id)));
    if !merged.selection.narrowed() {
        for &level in Level::ALL {
            let found = merged.cases.iter().filter(|c| c.level == level).count();
            let expected = merged.selection.suite.get(level);
            if found != expected {
                return Err(MergeError::CasesMissing {
                    level,
                    found,
                    expected,
                });
            }
        }
    }
    Ok(merged)
}

/// Each run against the embedded reference server starts its own, on a
/// port of its own: such shards ran against the same target.
fn same_target(a: &RunReport, b: &RunReport) -> bool {
    a.fixture == b.fixture && ((a.embedded && b.embedded) || (a.target == b.target))
}

fn describe_target(report: &RunReport) -> String {
    let mut text = if report.embedded {
        format!("the embedded reference server at {}", report.target)
    } else {
        report.target.clone()
    };
    text.push_str(if report.fixture {
        ", with the canonical data set"
    } else {
        ", without the canonical data set"
    });
    text
}

fn or_none(options: String) -> String {
    if options.is_empty() {
        "the full suite".into()
    } else {
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::select::{Partition, shard_of};
    use crate::report::{CaseReport, LevelTotals, SelectionReport, Verdict};

    fn case(id: &str, line: usize) -> CaseReport {
        CaseReport {
            id: id.into(),
            file: "cases/a.yaml".into(),
            line,
            level: Level::Must,
            verifies: String::new(),
            tags: Vec::new(),
            requirements: Vec::new(),
            exchanges: Vec::new(),
            checks: Vec::new(),
            verdict: Verdict::Pass,
            duration_ms: 0,
            requests: 0,
        }
    }

    /// The shards of a run of `ids` (all must cases) split in `of`.
    fn shards(ids: &[&str], of: usize) -> Vec<(PathBuf, RunReport)> {
        (1..=of)
            .map(|k| {
                let report = RunReport {
                    harness_version: "0".into(),
                    suite_digest: "d".into(),
                    started_at: format!("2026-01-0{k}T00:00:00Z"),
                    target: format!("http://127.0.0.1:{k}"),
                    fixture: true,
                    embedded: true,
                    selection: SelectionReport {
                        suite: LevelTotals {
                            must: ids.len(),
                            should: 0,
                            info: 0,
                        },
                        partition: Some(Partition { shard: k, of }),
                        ..SelectionReport::default()
                    },
                    cases: ids
                        .iter()
                        .enumerate()
                        .filter(|(_, id)| shard_of(id, of) == k)
                        .map(|(line, id)| case(id, line))
                        .collect(),
                    requirements: Vec::new(),
                    duration_ms: k as u64,
                    coverage: None,
                    requests_sent: 0,
                    connection_retries: k,
                    exploration: None,
                    product: Default::default(),
                    certification: None,
                };
                (PathBuf::from(format!("s{k}.json")), report)
            })
            .collect()
    }

    const IDS: &[&str] = &["a", "b", "c", "d", "e", "f", "g"];

    #[test]
    fn every_shard_merges_into_the_full_suite() {
        let merged = merge(shards(IDS, 3)).expect("merges");
        let ids: Vec<&str> = merged.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, IDS, "each case once, in suite order");
        assert_eq!(merged.selection.partition, None);
        assert!(!merged.selection.narrowed());
        assert_eq!(merged.started_at, "2026-01-01T00:00:00Z");
        assert_eq!(merged.connection_retries, 1 + 2 + 3, "the shards' sum");
        assert_eq!(
            merged.conformance(),
            crate::report::Conformance::MustAndShould
        );
    }

    #[test]
    fn a_missing_or_twice_given_shard_is_refused() {
        let mut three = shards(IDS, 3);
        three.remove(1);
        let e = merge(three).expect_err("missing").to_string();
        assert!(e.starts_with("shard 2/3 of the run is missing"), "{e}");
        let mut twice = shards(IDS, 2);
        let again = twice[0].clone();
        twice.push((PathBuf::from("copy.json"), again.1));
        let e = merge(twice).expect_err("twice").to_string();
        assert!(
            e.contains("shard 1/2 is given twice (s1.json and copy.json)"),
            "{e}"
        );
    }

    #[test]
    fn shards_of_other_suites_targets_or_selections_are_refused() {
        let mut other = shards(IDS, 2);
        other[1].1.suite_digest = "e".into();
        let e = merge(other).expect_err("suite").to_string();
        assert!(e.contains("comes from another suite"), "{e}");
        let mut other = shards(IDS, 2);
        other[1].1.embedded = false;
        let e = merge(other).expect_err("target").to_string();
        assert!(e.contains("against another target"), "{e}");
        let mut other = shards(IDS, 2);
        other[1].1.selection.tags = vec!["sort".into()];
        let e = merge(other).expect_err("selection").to_string();
        assert!(e.contains("selected other cases (--tag sort)"), "{e}");
        let mut whole = shards(IDS, 1);
        whole[0].1.selection.partition = None;
        let e = merge(whole).expect_err("not a shard").to_string();
        assert!(e.contains("run without --partition"), "{e}");
    }

    #[test]
    fn a_case_in_two_shards_or_a_cut_report_is_refused() {
        let mut overlap = shards(IDS, 2);
        let moved = overlap[0].1.cases[0].clone();
        overlap[1].1.cases.push(moved.clone());
        let e = merge(overlap).expect_err("overlap").to_string();
        assert!(e.contains(&format!("case {} is in both", moved.id)), "{e}");
        let mut cut = shards(IDS, 2);
        cut[0].1.cases.pop();
        let e = merge(cut).expect_err("cut").to_string();
        assert!(
            e.contains("the shards hold 6 must case(s), but their suite has 7"),
            "{e}"
        );
    }
}
