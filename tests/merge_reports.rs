//! `run --partition K/N` and `merge-reports`, as a CI pipeline uses them:
//! two shards of the shipped suite against the embedded server merge into
//! the report one unpartitioned run gives, and what cannot be merged is
//! refused with exit 2 and a message that says why.

use common::cli::{Scratch, assert_conformant, read_json, text};
use macie_conform::report::{json, read};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

// Only the sample reports are used here.
mod common;
mod sample_report;

fn binary() -> Command {
    let mut c = common::cli::binary();
    // Runs read the repository's cases and snapshots.
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("binary runs")
}

fn case_ids(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect()
}

/// `group: item` of every item a report's coverage counts as exercised.
fn covered(report: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for group in report["coverage"]["groups"].as_array().expect("groups") {
        for item in group["items"].as_array().expect("items") {
            if item["covered"] == true {
                out.insert(format!("{}: {}", group["name"], item["name"]));
            }
        }
    }
    out
}

/// Runs one shard (or, with `None`, the whole suite) into `json`.
fn run_into(partition: Option<&str>, json: &str) {
    let mut args = vec!["run", "--snapshots", "check", "--json", json];
    if let Some(p) = partition {
        args.extend(["--partition", p]);
    }
    let out = run(&args);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    if let Some(p) = partition {
        // A shard alone never claims conformance.
        assert!(
            stdout.contains(&format!("Incomplete: partial run (--partition {p})")),
            "{stdout}"
        );
    }
}

#[test]
fn two_shards_merge_into_the_report_of_one_unpartitioned_run() {
    let s = Scratch::new("merge");
    let (a, b, full) = (s.arg("a.json"), s.arg("b.json"), s.arg("full.json"));
    run_into(Some("1/2"), &a);
    run_into(Some("2/2"), &b);
    run_into(None, &full);
    let (shard_a, shard_b, whole) = (read_json(&a), read_json(&b), read_json(&full));
    for shard in [&shard_a, &shard_b] {
        common::assert_matches_report_schema(shard);
        assert_eq!(shard["summary"]["conformance"], "incomplete");
        assert_eq!(shard["run"]["suite_digest"], whole["run"]["suite_digest"]);
    }
    assert_eq!(
        shard_a["run"]["selection"]["partition"],
        serde_json::json!({"shard": 1, "of": 2})
    );

    // Every case is in exactly one shard.
    let ids_a: BTreeSet<String> = case_ids(&shard_a).into_iter().collect();
    let ids_b: BTreeSet<String> = case_ids(&shard_b).into_iter().collect();
    let ids_whole: BTreeSet<String> = case_ids(&whole).into_iter().collect();
    assert!(
        !ids_a.is_empty() && !ids_b.is_empty(),
        "both shards hold cases"
    );
    assert!(
        ids_a.is_disjoint(&ids_b),
        "{:?}",
        ids_a.intersection(&ids_b)
    );
    assert_eq!(
        ids_a.union(&ids_b).cloned().collect::<BTreeSet<_>>(),
        ids_whole
    );

    let merged = s.arg("merged.json");
    let bundle = s.arg("bundle");
    let out = run(&[
        "merge-reports",
        &a,
        &b,
        "--json",
        &merged,
        "--junit",
        &s.arg("merged.xml"),
        "--html",
        &s.arg("merged.html"),
        "--markdown",
        &s.arg("merged.md"),
        "--report-dir",
        &bundle,
        "--certify",
    ]);
    assert_conformant(&out);
    let merged = read_json(&merged);
    common::assert_matches_report_schema(&merged);
    assert_eq!(merged["summary"]["conformance"], "must_and_should");
    assert_eq!(merged["summary"]["verdict"]["partial"], false);
    assert!(merged["run"]["selection"].get("partition").is_none());
    // The same cases in the same (suite) order, with the same verdicts.
    assert_eq!(case_ids(&merged), case_ids(&whole));
    let verdicts = |r: &Value| -> Vec<Value> {
        r["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| c["verdict"].clone())
            .collect()
    };
    assert_eq!(verdicts(&merged), verdicts(&whole));
    for level in ["total", "must", "should", "info"] {
        assert_eq!(merged["summary"][level], whole["summary"][level], "{level}");
    }
    // Coverage: what either shard exercised, which is what the whole run did.
    let union: BTreeSet<String> = covered(&shard_a)
        .union(&covered(&shard_b))
        .cloned()
        .collect();
    assert_eq!(covered(&merged), union);
    assert_eq!(covered(&merged), covered(&whole));
    assert_eq!(merged["coverage"]["total"], whole["coverage"]["total"]);
    // Every format was written, and the bundle certifies the merged run.
    for file in ["merged.xml", "merged.html", "merged.md"] {
        assert!(Path::new(&s.arg(file)).is_file(), "{file}");
    }
    let info = read_json(s.arg("bundle/run-info.json"));
    assert_eq!(info["conformance"], "must_and_should");
    assert_eq!(info["certification"]["problems"], serde_json::json!([]));

    // What cannot be merged is refused, with exit 2 and the reason.
    let refused = |args: &[&str], says: &str| {
        let out = run(args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}\n{stdout}\n{stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    refused(
        &["merge-reports", &a],
        "shard 2/2 of the run is missing (given: 1/2 in ",
    );
    refused(
        &["merge-reports", &b],
        "shard 1/2 of the run is missing (given: 2/2 in ",
    );
    refused(
        &["merge-reports", &a, &a, &b],
        &format!("shard 1/2 is given twice ({a} and {a})"),
    );
    refused(&["merge-reports", &a, &full], "run without --partition");
    refused(
        &["merge-reports", &a, &b, "--json", &a],
        "is one of the reports read; write the merged report elsewhere",
    );
    let mut other = shard_b.clone();
    other["run"]["suite_digest"] = Value::from("0".repeat(64));
    let other_path = s.arg("other-suite.json");
    std::fs::write(&other_path, other.to_string()).expect("write");
    refused(
        &["merge-reports", &a, &other_path],
        "comes from another suite (digest 0000",
    );
    // A shard whose stated verdict its checks do not back is not trusted:
    // a passed must case with a failed must check.
    let mut forged = shard_b.clone();
    let case = forged["cases"]
        .as_array_mut()
        .expect("cases")
        .iter_mut()
        .find(|c| c["verdict"] == "pass" && c["level"] == "must")
        .expect("a passed must case");
    let id = case["id"].as_str().unwrap_or_default().to_string();
    let check = case["checks"]
        .as_array_mut()
        .and_then(|c| c.iter_mut().find(|c| c["level"] == "must"))
        .expect("a must check");
    check["outcome"] = Value::from("fail");
    let forged_path = s.arg("forged.json");
    std::fs::write(&forged_path, forged.to_string()).expect("write");
    refused(
        &["merge-reports", &a, &forged_path],
        &format!("case {id} is reported as passed, but its checks make it failed"),
    );
    // A report larger than the limit is refused before it is read.
    refused(
        &["merge-reports", "--max-report-bytes", "1000", &a, &b],
        "bytes, more than the 1000 bytes a report may have here; if it is a real report, raise the limit with --max-report-bytes",
    );
    let not_a_report = s.arg("package.json");
    std::fs::write(&not_a_report, "{\"name\": \"x\"}").expect("write");
    refused(
        &["merge-reports", &a, &not_a_report],
        "is not a macie-conform JSON report (it has no \"format\": \"macie-conform-report\" member)",
    );
    refused(
        &["merge-reports", &a, &s.arg("absent.json")],
        "cannot read report",
    );
    // --partition itself is checked before anything runs.
    refused(
        &["run", "--partition", "3/2"],
        "is not K/N with 1 <= K <= N",
    );
}

/// A JSON report read back renders as the same JSON: failed checks with
/// their requirements (an `any of` attributed by its closest alternative),
/// skips, unanswered cases, transport errors and coverage survive, so a
/// merged report says what its shards said.
#[test]
fn a_json_report_reads_back_as_it_was_written() {
    for report in [
        sample_report::fixed_report(),
        sample_report::incomplete_report(),
        typed_report(),
    ] {
        let text = json::render(&report);
        // Every typed field is described by the published schema.
        common::assert_matches_report_schema(&serde_json::from_str(&text).expect("JSON"));
        let back = read::parse(&text).expect("reads back");
        assert_eq!(json::render(&back), text);
        assert_eq!(back.conformance(), report.conformance());
        // Findings are computed from the typed fields, never from text:
        // the same after the round trip.
        assert_eq!(back.findings(), report.findings());
    }
}

/// A report whose checks carry every typed field, and a typed skip.
fn typed_report() -> macie_conform::report::RunReport {
    use macie_conform::engine::check::{PageSpan, Subject, Unjudged};
    use macie_conform::engine::diagnose::Diagnosis;
    use macie_conform::report::{SkipCause, SkipReason, Verdict};
    let mut report = sample_report::fixed_report();
    for case in &mut report.cases {
        for check in case.checks.iter_mut().filter(|c| c.failed()) {
            check.subject = Subject {
                member: Some("/items/*/jobStatus".into()),
                rule: Some("enum".into()),
                attribute: Some("jobStatus".into()),
                operator: Some("EQ".into()),
                query: Some("jobStatus".into()),
            };
            check.expected = Some(serde_json::json!(["IDLE"]));
            check.found = Some(serde_json::json!("running"));
            check.at = Some("/items/0/jobStatus".into());
            check.diagnoses = vec![
                Diagnosis::EnumSpelling {
                    member: "jobStatus".into(),
                },
                Diagnosis::ComparatorAs {
                    asked: "EQ".into(),
                    applied: "NE".into(),
                },
            ];
            check.pages = Some(PageSpan {
                first: 2,
                failing: 1,
                of: 3,
            });
        }
    }
    if let Some(case) = report
        .cases
        .iter_mut()
        .find(|c| matches!(c.verdict, Verdict::Skip(_)))
    {
        case.verdict = Verdict::Skip(SkipReason::new(
            SkipCause::TooFewJobs { min: 4 },
            "needs at least 4 job(s) on the target, which lists 1",
        ));
    }
    if let Some(check) = report.cases.iter_mut().flat_map(|c| &mut c.checks).next() {
        check.unjudged = Some(Unjudged::RetainedBudget);
    }
    report
}
