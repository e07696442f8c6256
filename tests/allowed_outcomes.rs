//! Every case that allows more than one outcome judges the answer it
//! accepts (docs/open-choices.md, "An open choice is between answers the
//! document allows"): an info case, and every `any_of` with a 200
//! alternative, fails a server that accepts the request with a wrong
//! listing or answers it with a server error. Only requests whose meaning
//! the document leaves open, or that no oracle can read, are exempt, and
//! they are listed here by name.

mod common;

use common::Answer;
use macie_conform::engine::check::guard;
use macie_conform::engine::load::LoadedCase;
use macie_conform::report::Verdict;
use macie_conform::runner;
use serde_json::json;
use std::collections::BTreeSet;

/// Cases whose accepted answer cannot be judged from the document alone,
/// each with why: a 200 holding any job passes them, by design.
const EXEMPT: &[(&str, &str)] = &[
    (
        "filter.jobStatus.ne.several-values",
        "NE with several values, OC-8",
    ),
    (
        "filter.name.ne.several-values",
        "NE with several values, OC-8",
    ),
    (
        "request.comparator-support",
        "name GT orders text, collation open (OC-6)",
    ),
    (
        "validation.value.createdAt.yesterday.observed",
        "a value no date-time reader knows",
    ),
    (
        "validation.value.createdAt.2024-01-01.observed",
        "a date without a time, OC-10",
    ),
];

/// Whether the case allows several outcomes: it observes a choice (info),
/// or one of its steps has an `any_of` with a listing among its outcomes.
fn allows_several(case: &LoadedCase) -> bool {
    case.case.level == macie_conform::engine::case::Level::Info
        || case
            .case
            .steps()
            .iter()
            .any(|s| s.expect.any_of.iter().any(guard::allows_listing))
}

fn shipped() -> Vec<LoadedCase> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    runner::load_suite(&root.join("cases"))
        .expect("suite loads")
        .cases
}

async fn failing_cases(answer: fn() -> Answer) -> BTreeSet<String> {
    let url = common::fake_past_the_probe(move |_, _| answer()).await;
    let report = common::run_shipped_suite(url, true, Some(8)).await;
    report
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.id.clone())
        .collect()
}

/// The exempt cases: [`EXEMPT`], and every key and comparator pair whose
/// meaning the document leaves open (OC-7): ordering comparators on text
/// keys (collation, OC-6) and fragments of a date-time (its spelling,
/// OC-17). Their answers are judged only for their shape.
fn exempt() -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = EXEMPT.iter().map(|(id, _)| id.to_string()).collect();
    for key in ["jobType", "jobStatus", "name"] {
        for comparator in ["gt", "gte", "lt", "lte"] {
            ids.insert(format!("filter.{key}.{comparator}.either"));
        }
    }
    for comparator in ["contains", "starts_with"] {
        ids.insert(format!("filter.createdAt.{comparator}.either"));
    }
    ids
}

fn not_failed(failing: &BTreeSet<String>) -> Vec<String> {
    let exempt = exempt();
    shipped()
        .iter()
        .filter(|c| allows_several(c))
        .map(|c| c.id().to_string())
        .filter(|id| !failing.contains(id) && !exempt.contains(id))
        .collect()
}

/// A server that accepts every request and lists one job that is not in
/// the data set: a wrong listing for every request the fixture answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_with_several_outcomes_fails_a_wrong_listing() {
    let failing = failing_cases(|| {
        Answer::json(
            200,
            json!({"items": [{"jobId": "macie-conform-not-a-job", "name": "not a job of the data set",
                "jobStatus": "RUNNING", "jobType": "ONE_TIME", "createdAt": "2030-01-01T00:00:00.000Z"}]}),
        )
    })
    .await;
    let missed = not_failed(&failing);
    assert!(
        missed.is_empty(),
        "these cases allow several outcomes yet passed a wrong listing: {missed:?}"
    );
}

/// A server error is never an allowed outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_with_several_outcomes_fails_a_server_error() {
    let failing = failing_cases(|| Answer::error(500, "InternalServerException", "boom")).await;
    let missed: Vec<String> = shipped()
        .iter()
        .filter(|c| allows_several(c))
        .map(|c| c.id().to_string())
        .filter(|id| !failing.contains(id))
        .collect();
    assert!(
        missed.is_empty(),
        "these cases passed a 500, which no exemption allows: {missed:?}"
    );
}
