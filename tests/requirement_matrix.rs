//! The requirement matrix charges a failed check to the requirement it
//! checks: a server with one defect fails the requirements about that
//! defect, not every requirement of the cases it happens to fail (a sort
//! defect fails the sort requirements, not the filter ones its filter
//! cases also name).

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use macie_conform::report::{RequirementResult, RunReport, Verdict};
use macie_conform::runner::http::ClientOptions;
use macie_conform::runner::{self, RunOptions, Selection};
use macie_conform::server::{self, ServerConfig};
use serde_json::{Value, json};

/// The reference server, except that it reads `orderBy` the wrong way
/// round (the defect `tests/mutants.rs` calls `SortDirectionInverted`).
async fn invert_sort(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let rewritten = match json.pointer_mut("/sortCriteria/orderBy") {
        Some(order) => {
            *order = match order.as_str() {
                Some("ASC") => json!("DESC"),
                Some("DESC") => json!("ASC"),
                _ => order.clone(),
            };
            json.to_string().into_bytes()
        }
        None => bytes.to_vec(),
    };
    let mut parts = parts;
    parts.headers.remove("content-length");
    next.run(Request::from_parts(parts, Body::from(rewritten)))
        .await
}

/// The reference server, except that it drops `filterCriteria.excludes`
/// (the defect `tests/mutants.rs` calls `ExcludesIgnored`).
async fn ignore_excludes(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let dropped = json
        .get_mut("filterCriteria")
        .and_then(Value::as_object_mut)
        .and_then(|criteria| criteria.remove("excludes"));
    let rewritten = match dropped {
        Some(_) => json.to_string().into_bytes(),
        None => bytes.to_vec(),
    };
    parts.headers.remove("content-length");
    next.run(Request::from_parts(parts, Body::from(rewritten)))
        .await
}

/// The reference server, except that its error answers leave out the
/// `x-amzn-ErrorType` header (`ErrorTypeMissing` in `tests/mutants.rs`).
async fn drop_error_type(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().remove("x-amzn-ErrorType");
    response
}

/// A reference server with fault injection, behind `defect`.
fn variant(defect: impl FnOnce(Router) -> Router) -> Router {
    let config = ServerConfig::embedded().expect("fixture").with_faults(true);
    defect(server::router(config))
}

async fn run_against_inverted_sort() -> RunReport {
    run_against(variant(|r| r.layer(axum::middleware::from_fn(invert_sort)))).await
}

/// Runs the whole suite, snapshots included, against `app`.
async fn run_against(app: Router) -> RunReport {
    let (url, _server) = common::serve(app).await;
    common::run_shipped_suite(url, true, Some(4)).await
}

/// Four cases meet the same defect (a `jobStatus` outside the document's
/// enum) on different pages and positions; one also meets another (a
/// status).
const FINDING_CASES: &str = r#"cases:
  - id: a.first-page
    verifies: a listing
    level: must
    requirements: [LCJ-RESP-002]
    request: {body: {maxResults: 3}}
    expect: {status: 200}
  - id: b.walk
    verifies: a walk
    level: must
    requirements: [LCJ-RESP-002, LCJ-PAGE-004]
    steps:
      - request: {body: {maxResults: 1}}
        walk: {max_pages: 5}
        expect: {status: 200}
  - id: c.other-size
    verifies: another listing
    level: must
    requirements: [LCJ-FILTER-001]
    request: {body: {maxResults: 2}}
    expect: {status: 200}
  - id: d.wrong-status
    verifies: another defect
    level: must
    requirements: [LCJ-ERR-001]
    request: {body: {maxResults: 0}}
    expect: {status: 400}
"#;

/// Answers every request with a page whose second job has a lower-case
/// status, and a token until the third page.
async fn lower_case_status_server() -> String {
    common::fake(|request, headers| {
        let _ = headers;
        let page = request
            .get("nextToken")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<u32>().ok())
            .unwrap_or(0);
        let mut second = common::job(&format!("j{page}b"), "RUNNING", "2024-01-02T00:00:00Z");
        second["jobStatus"] = json!("running");
        let mut body = json!({"items": [common::job(&format!("j{page}a"), "IDLE", "2024-01-01T00:00:00Z"), second]});
        if page < 2 {
            body["nextToken"] = json!((page + 1).to_string());
        }
        common::Answer::json(200, body)
    })
    .await
}

async fn findings_report() -> RunReport {
    use macie_conform::engine::load::{SourceFile, load};
    let url = lower_case_status_server().await;
    let schemas = macie_conform::schema::SchemaSet::embedded().expect("schemas");
    let suite = load(
        &[SourceFile {
            name: "cases/findings.yaml".into(),
            text: FINDING_CASES.into(),
        }],
        schemas,
    )
    .expect("cases load");
    let options = {
        let mut o = RunOptions::new(url);
        // Reports as the command line writes them.
        o.words = macie_conform::runner::Vocabulary::Cli;
        o.client = ClientOptions::default();
        o.concurrency = 2;
        o
    };
    runner::run(&suite, &Selection::default(), options, |_| {})
        .await
        .expect("run")
}

#[tokio::test]
async fn one_defect_in_many_cases_is_one_finding_in_every_report() {
    use macie_conform::report::terminal::{self, Style};
    use macie_conform::report::{html, json as json_report, junit, markdown};
    let report = findings_report().await;
    let findings = report.findings();
    let schema: Vec<_> = findings
        .iter()
        .filter(|f| f.message.contains(r#""running""#))
        .collect();
    assert_eq!(schema.len(), 1, "{findings:#?}");
    let defect = schema[0];
    let all = ["a.first-page", "b.walk", "c.other-size", "d.wrong-status"];
    assert_eq!(defect.cases, all);
    assert_eq!(
        defect.requirements,
        [
            "LCJ-RESP-002",
            "LCJ-PAGE-004",
            "LCJ-FILTER-001",
            "LCJ-ERR-001"
        ]
    );
    // The other defect stays its own finding, after the larger one.
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[1].cases, ["d.wrong-status"]);

    let style = Style {
        color: false,
        redact: Vec::new(),
    };
    let text = terminal::render(&report, &style);
    assert!(
        text.starts_with(
            "Findings: 2 defect(s) behind 4 failed case(s), most severe first\n  1. [must] jobStatus values are spelled in another case than the document's enum (4 case(s); breaks LCJ-RESP-002, LCJ-PAGE-004, LCJ-FILTER-001, LCJ-ERR-001)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("     cases: a.first-page, b.walk, c.other-size, d.wrong-status\n"),
        "{text}"
    );
    let page = html::render(&report, &style);
    let (before, _) = page
        .split_once("Failed cases (")
        .expect("failed cases section");
    assert!(
        before.contains("<h2>Findings (2 defect(s) behind 4 failed case(s))</h2>"),
        "the HTML report leads with the findings"
    );
    assert!(
        before.contains("<a href=\"#case-b.walk\">b.walk</a>") || before.contains(">b.walk</a>")
    );
    let md = markdown::render(&report, &style);
    let (before, _) = md
        .split_once("## Results per level")
        .expect("levels section");
    assert!(
        before.contains("## Findings: 2 defect(s) behind 4 failed case(s)"),
        "{before}"
    );
    assert!(
        before.contains("   - cases: `a.first-page`, `b.walk`, `c.other-size`, `d.wrong-status`"),
        "{before}"
    );

    let document: Value = serde_json::from_str(&json_report::render(&report)).expect("JSON");
    assert_eq!(document["findings"][0]["cases"], json!(all));
    assert_eq!(document["findings"].as_array().map(Vec::len), Some(2));
    let walk = document["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["id"] == "b.walk"))
        .expect("b.walk");
    assert!(
        walk["checks"]
            .as_array()
            .is_some_and(|checks| checks.iter().all(|c| c["requirements"].is_array())),
        "every check carries its requirements"
    );

    // JUnit keeps one testcase per case.
    let xml = junit::render(&report, &style).expect("JUnit");
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
}

/// The requirements a run fails, in catalogue order.
fn failed_requirements(report: &RunReport) -> Vec<&str> {
    report
        .requirements
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| report.requirement_result(id) == RequirementResult::Fail)
        .collect()
}

/// What counts against each failed requirement of `ids`: case, check kind
/// and message, for an assertion message that shows the wrong charge.
fn charges(report: &RunReport, ids: &[&str]) -> String {
    let mut out = String::new();
    for id in ids {
        for (case, check) in report.failures_of(id) {
            out.push_str(&format!(
                "\n{id} <- {} [{}] {}",
                case.id,
                check.kind.as_str(),
                check.message.lines().next().unwrap_or_default()
            ));
        }
    }
    out
}

/// Asserts that every requirement `report` fails is `expected(id)`, and
/// that `must_fail` are among them.
fn assert_only(report: &RunReport, must_fail: &[&str], expected: impl Fn(&str) -> bool) {
    let failed = failed_requirements(report);
    let stray: Vec<&str> = failed.iter().copied().filter(|id| !expected(id)).collect();
    assert!(
        stray.is_empty(),
        "charged to requirements the defect does not break: {stray:?}{}",
        charges(report, &stray)
    );
    for id in must_fail {
        assert!(failed.contains(id), "{id} should fail: {failed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sort_defect_fails_only_sort_requirements() {
    let report = run_against_inverted_sort().await;
    // Sort checks of pagination, request and response cases, oracle and
    // snapshot answers with the right jobs in the wrong order, and `any
    // of` alternatives that list in the wrong order all count against the
    // sort requirements.
    assert_only(
        &report,
        &["LCJ-SORT-001", "LCJ-SORT-005", "LCJ-SORT-006"],
        |id| id.starts_with("LCJ-SORT-"),
    );
    // Filter cases that ask for an order did fail, on their sort checks
    // and on oracle answers that list the right jobs in the wrong order,
    // but that does not fail the filter requirements they name.
    let failed_filter_cases = report
        .cases_for("LCJ-FILTER-001")
        .filter(|c| c.verdict == Verdict::Fail)
        .count();
    assert!(failed_filter_cases > 5, "{failed_filter_cases}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_excludes_fail_only_filter_requirements() {
    let report = run_against(variant(|r| {
        r.layer(axum::middleware::from_fn(ignore_excludes))
    }))
    .await;
    assert_only(&report, &["LCJ-FILTER-008"], |id| {
        // Each filter case of an exclude term verifies its comparator too
        // (EQ, NE, CONTAINS, ...): the check cannot tell which of the two
        // failed, so both count.
        id.starts_with("LCJ-FILTER-")
            // The oracle's own statement: the listed jobs are the ones the
            // data set calls for. Filter cases name it with their oracle.
            || id == "LCJ-RESP-007"
            // The filter statement for cases that name no filter
            // requirement (page.walk.filtered-sorted).
            || id == "LCJ-RESP-008"
            // A server that drops `excludes` does not validate it either:
            // validation.excludes.string gets 200 where 400 is due.
            || id == "LCJ-REQ-002"
            || id == "LCJ-ERR-001"
    });
    // The snapshot of a filter case that lists excluded jobs is a filter
    // defect shown by the snapshot, not an order defect.
    assert_eq!(
        report.requirement_result("LCJ-SORT-006"),
        RequirementResult::Pass
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unnamed_errors_fail_only_the_naming_convention() {
    let report = run_against(variant(|r| {
        r.layer(axum::middleware::from_fn(drop_error_type))
    }))
    .await;
    // Not the error requirements (the status and body are right), nor the
    // requirements of `any of` cases whose refusal alternative fails only
    // on naming its error, nor LCJ-CONV-003 that errors.*.header also
    // names for its Content-Type check.
    assert_only(&report, &["LCJ-CONV-001"], |id| id == "LCJ-CONV-001");
}
