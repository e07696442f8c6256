//! Each kind of check, failing on purpose against a server built to break
//! it, with the message a user would read.

mod common;

use common::{Answer, Setup, assert_fails, failed, fake, job, one_case, run_yaml};
use macie_conform::core::case::Level;
use macie_conform::core::check::{CheckKind, Outcome};
use macie_conform::report::Verdict;
use macie_conform::runner::snapshot::{SnapshotMode, SnapshotStore};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const T1: &str = "2024-01-01T00:00:00.000Z";
const T2: &str = "2024-01-02T00:00:00.000Z";
const T3: &str = "2024-01-03T00:00:00.000Z";

fn listing(jobs: Vec<serde_json::Value>) -> Answer {
    Answer::json(200, json!({ "items": jobs }))
}

#[tokio::test]
async fn wrong_status() {
    let url = fake(|_, _| Answer::error(500, "InternalServerException", "boom")).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Status,
        Level::Must,
        "status 500 where 200 was expected (InternalServerException: boom)",
    );
}

#[tokio::test]
async fn schema_violations_name_the_path_and_keyword() {
    for (job_value, fragment) in [
        (
            json!({"jobId": "a", "createdAt": "yesterday"}),
            "at /items/0/createdAt (format)",
        ),
        (
            json!({"jobId": "a", "jobStatus": "running"}),
            "at /items/0/jobStatus (enum)",
        ),
        (
            json!({"jobId": "a", "bucketDefinitions": [], "bucketCriteria": {}}),
            "at /items/0 (not)",
        ),
        (json!({"jobId": 5}), "at /items/0/jobId (type)"),
    ] {
        let url = fake(move |_, _| listing(vec![job_value.clone()])).await;
        let r = run_yaml(
            &one_case("    request: {}\n    expect: {status: 200}\n"),
            &url,
            Setup::default(),
        )
        .await;
        assert_fails(&r, CheckKind::Schema, Level::Must, fragment);
    }
    let url = fake(|_, _| Answer::json(200, json!({"items": "none"}))).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(&r, CheckKind::Schema, Level::Must, "at /items (type)");
}

#[tokio::test]
async fn undocumented_members_are_a_should_level_finding() {
    let mut j = job("a", "RUNNING", T1);
    j["colour"] = json!("red");
    let url = fake(move |_, _| listing(vec![j.clone()])).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Undocumented,
        Level::Should,
        "carry members the document does not define",
    );
    assert!(
        failed(&r, CheckKind::Undocumented)
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("/items/0"))
    );
    let schema = r
        .checks
        .iter()
        .find(|c| c.kind == CheckKind::Schema)
        .expect("schema check");
    assert_eq!(
        schema.outcome,
        Outcome::Pass,
        "an extra member is not a broken shape"
    );
}

#[tokio::test]
async fn wrong_order() {
    let url = fake(|_, _| listing(vec![job("a", "RUNNING", T3), job("b", "RUNNING", T1)])).await;
    let r = run_yaml(
        &one_case("    request: {body: {sortCriteria: {attributeName: createdAt, orderBy: ASC}}}\n    expect: {status: 200, semantics: [sort]}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Sort,
        Level::Must,
        "is not sorted by createdAt ASC: item 0 (jobId a",
    );
}

#[tokio::test]
async fn filter_violated() {
    let url = fake(|_, _| listing(vec![job("a", "RUNNING", T1), job("b", "IDLE", T2)])).await;
    let r = run_yaml(
        &one_case("    request: {body: {filterCriteria: {includes: [{key: jobStatus, comparator: EQ, values: [RUNNING]}]}}}\n    expect: {status: 200, semantics: [filter]}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Filter,
        Level::Must,
        "1 of 2 job(s) do not satisfy the request's filter; first: item 1: jobId b",
    );
}

/// Pages of two jobs from `jobs`; page 2 repeats the last job of page 1
/// when `overlap`, and every page has a token when `endless`.
async fn pager(jobs: Vec<serde_json::Value>, overlap: bool, endless: bool) -> String {
    fake(move |req, _| {
        let page: usize = match req.get("nextToken").and_then(|t| t.as_str()) {
            None => 0,
            Some(t) => t.trim_start_matches('p').parse().unwrap_or(0),
        };
        let start = if overlap && page > 0 {
            page * 2 - 1
        } else {
            page * 2
        };
        let items: Vec<_> = jobs.iter().skip(start).take(2).cloned().collect();
        let more = endless || page * 2 + 2 < jobs.len();
        let mut body = json!({ "items": items });
        if more {
            body["nextToken"] = json!(format!("p{}", page + 1));
        }
        Answer::json(200, body)
    })
    .await
}

#[tokio::test]
async fn duplicate_page_item() {
    let jobs: Vec<_> = (0..5)
        .map(|i| job(&format!("j{i}"), "RUNNING", T1))
        .collect();
    let url = pager(jobs, true, false).await;
    let r = run_yaml(
        &one_case("    steps:\n      - request: {body: {maxResults: 2}}\n        walk: {}\n        expect: {semantics: [no_duplicates]}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::NoDuplicates,
        Level::Must,
        "page 2 repeats a job listed before: jobId j1",
    );
}

#[tokio::test]
async fn a_walk_that_never_ends() {
    let jobs: Vec<_> = (0..4)
        .map(|i| job(&format!("j{i}"), "RUNNING", T1))
        .collect();
    let url = pager(jobs, false, true).await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {body: {maxResults: 2}}\n        walk: {max_pages: 5}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::LastPage,
        Level::Must,
        "did not end within 5 pages",
    );
}

#[tokio::test]
async fn page_larger_than_max_results() {
    let url = fake(|_, _| {
        listing(
            (0..3)
                .map(|i| job(&format!("j{i}"), "RUNNING", T1))
                .collect(),
        )
    })
    .await;
    let r = run_yaml(
        &one_case("    request: {body: {maxResults: 2}}\n    expect: {semantics: [page_size]}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::PageSize,
        Level::Must,
        "page 1 holds 3 jobs, more than maxResults 2",
    );
}

#[tokio::test]
async fn error_signals() {
    let case = one_case("    request: {raw: \"{\"}\n    expect: {error: ValidationException}\n");
    let wrong = fake(|_, _| Answer::error(400, "AccessDeniedException", "no")).await;
    let r = run_yaml(&case, &wrong, Setup::default()).await;
    assert_fails(
        &r,
        CheckKind::ErrorType,
        Level::Should,
        "expected error ValidationException, but x-amzn-ErrorType header says AccessDeniedException",
    );

    let silent =
        fake(|_, _| Answer::error(400, "x", "no").without_header("x-amzn-ErrorType")).await;
    let r = run_yaml(&case, &silent, Setup::default()).await;
    assert_fails(
        &r,
        CheckKind::ErrorType,
        Level::Should,
        "does not name its error",
    );

    // The spellings AWS SDKs accept pass.
    for answer in [
        || {
            Answer::error(
                400,
                "ValidationException:http://internal.amazon.com/coral/com.amazonaws.macie2/",
                "m",
            )
        },
        || {
            Answer::json(
                400,
                json!({"message": "m", "__type": "com.amazonaws.macie2#ValidationException"}),
            )
        },
        || Answer::json(400, json!({"message": "m", "code": "ValidationException"})),
    ] {
        let url = fake(move |_, _| answer()).await;
        let r = run_yaml(&case, &url, Setup::default()).await;
        assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    }

    let no_message =
        fake(|_, _| Answer::json(400, json!({})).header("x-amzn-ErrorType", "ValidationException"))
            .await;
    let r = run_yaml(&case, &no_message, Setup::default()).await;
    assert_fails(&r, CheckKind::ErrorMessage, Level::Should, "no `message`");

    let wrong_status = fake(|_, _| Answer::error(422, "ValidationException", "m")).await;
    let r = run_yaml(&case, &wrong_status, Setup::default()).await;
    assert_fails(
        &r,
        CheckKind::Status,
        Level::Must,
        "status 422 where 400 was expected",
    );
}

#[tokio::test]
async fn wrong_content_type() {
    let url = fake(|_, _| listing(vec![]).header("content-type", "text/plain")).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::ContentType,
        Level::Should,
        "Content-Type is \"text/plain\", not application/json",
    );
}

#[tokio::test]
async fn body_mismatches_show_a_diff() {
    let url = fake(|_, _| listing(vec![job("a", "RUNNING", T1)])).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {body: {items: []}}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Body,
        Level::Must,
        "body differs from the expected JSON",
    );
    let detail = failed(&r, CheckKind::Body)
        .detail
        .clone()
        .unwrap_or_default();
    assert!(
        detail.contains("--- expected")
            && detail.contains("+++ actual")
            && detail.contains("+      \"jobId\": \"a\","),
        "{detail}"
    );

    let r = run_yaml(
        &one_case("    request: {}\n    expect: {body_subset: {items: [{jobStatus: IDLE}]}}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(&r, CheckKind::Body, Level::Must, "lacks or changes members");
    let detail = failed(&r, CheckKind::Body)
        .detail
        .clone()
        .unwrap_or_default();
    assert!(
        detail.contains("-      \"jobStatus\": \"IDLE\"")
            && detail.contains("+      \"jobStatus\": \"RUNNING\""),
        "{detail}"
    );
    assert!(
        !detail.contains("createdAt"),
        "only the members the case talks about: {detail}"
    );
}

#[tokio::test]
async fn header_checks() {
    let url = fake(|_, _| listing(vec![]).header("x-amzn-RequestId", "r-1")).await;
    for (check, fragment) in [
        (
            "{x-missing: {present: true}}",
            "header x-missing is missing",
        ),
        (
            "{x-amzn-RequestId: {equals: r-2}}",
            "header x-amzn-RequestId is \"r-1\", expected \"r-2\"",
        ),
        (
            "{content-type: {contains: xml}}",
            "does not contain \"xml\"",
        ),
        ("{x-amzn-RequestId: {present: false}}", "should be absent"),
    ] {
        let r = run_yaml(
            &one_case(&format!(
                "    request: {{}}\n    expect: {{headers: {check}}}\n"
            )),
            &url,
            Setup::default(),
        )
        .await;
        assert_fails(&r, CheckKind::Header, Level::Must, fragment);
    }
}

#[tokio::test]
async fn every_jsonpath_operator_fails_with_its_reason() {
    let url = fake(|_, _| listing(vec![job("a", "RUNNING", T1), job("b", "IDLE", T2)])).await;
    for (assertion, fragment) in [
        (
            "{path: \"$.nextToken\", exists: true}",
            "$.nextToken: selects nothing",
        ),
        (
            "{path: \"$.items[*]\", exists: false}",
            "selects 2 node(s), expected none",
        ),
        (
            "{path: \"$.items[*]\", count: 3}",
            "selects 2 node(s), expected exactly 3",
        ),
        (
            "{path: \"$.items[*]\", count: {max: 1}}",
            "expected at most 1",
        ),
        (
            "{path: \"$.items[*].jobStatus\", each: {equals: RUNNING}}",
            "node 1 (\"IDLE\"): is \"IDLE\", expected \"RUNNING\"",
        ),
        (
            "{path: \"$.items[0].jobStatus\", equals: IDLE}",
            "is \"RUNNING\", expected \"IDLE\"",
        ),
        (
            "{path: \"$.items[0].jobStatus\", one_of: [PAUSED, IDLE]}",
            "expected one of [\"PAUSED\",\"IDLE\"]",
        ),
        (
            "{path: \"$.items[0].name\", contains: zzz}",
            "does not contain \"zzz\"",
        ),
        (
            "{path: \"$.items\", type: object}",
            "is an array, expected type object",
        ),
        (
            "{path: \"$.items\", length: 5}",
            "has length 2, expected exactly 5",
        ),
        (
            "{path: \"$.items[*].jobId\", equals: a}",
            "selects 2 nodes, expected one",
        ),
    ] {
        let r = run_yaml(
            &one_case(&format!(
                "    request: {{}}\n    expect: {{jsonpath: [{assertion}]}}\n"
            )),
            &url,
            Setup::default(),
        )
        .await;
        assert_fails(&r, CheckKind::JsonPath, Level::Must, fragment);
    }
}

#[tokio::test]
async fn any_of() {
    let url = fake(|_, _| Answer::error(500, "InternalServerException", "boom")).await;
    let case = one_case(
        "    request: {}\n    expect: {any_of: [{status: 200}, {error: ValidationException}]}\n",
    );
    let r = run_yaml(&case, &url, Setup::default()).await;
    assert_fails(
        &r,
        CheckKind::AnyOf,
        Level::Must,
        "matches none of the 2 allowed outcomes",
    );
    let detail = failed(&r, CheckKind::AnyOf)
        .detail
        .clone()
        .unwrap_or_default();
    assert!(
        detail.contains("1. status 200: status 500")
            && detail.contains("2. 400 ValidationException"),
        "{detail}"
    );

    let url = fake(|_, _| Answer::error(400, "ValidationException", "bad")).await;
    let r = run_yaml(&case, &url, Setup::default()).await;
    assert_eq!(r.verdict, Verdict::Pass);
    assert!(
        r.checks
            .iter()
            .any(|c| c.kind == CheckKind::AnyOf && c.message.contains("alternative 2"))
    );
}

#[tokio::test]
async fn oracle_catches_missing_and_altered_jobs() {
    let fixture = vec![
        job("a", "RUNNING", T1),
        job("b", "IDLE", T2),
        job("c", "RUNNING", T3),
    ];
    let case = "cases:\n  - id: t\n    verifies: test\n    level: must\n    fixture: true\n    request: {body: {sortCriteria: {attributeName: createdAt, orderBy: ASC}}}\n    expect: {oracle: true}\n";

    let altered = {
        let mut b = job("b", "IDLE", T2);
        b["jobStatus"] = json!("PAUSED");
        vec![job("a", "RUNNING", T1), b, job("c", "RUNNING", T3)]
    };
    let url = fake(move |_, _| listing(altered.clone())).await;
    let r = run_yaml(
        case,
        &url,
        Setup {
            fixture: Some(fixture.clone()),
            ..Setup::default()
        },
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Oracle,
        Level::Must,
        "position 1: job b differs from the fixture: /jobStatus is \"PAUSED\", the fixture has \"IDLE\"",
    );
    let detail = failed(&r, CheckKind::Oracle)
        .detail
        .clone()
        .unwrap_or_default();
    assert!(
        detail.contains("-    \"jobStatus\": \"IDLE\",")
            && detail.contains("+    \"jobStatus\": \"PAUSED\","),
        "the diff shows the altered job: {detail}"
    );

    // A member outside the summary: the diff shows the whole job.
    let hidden = {
        let mut b = job("b", "IDLE", T2);
        b["lastRunErrorStatus"] = json!({"code": "ERROR"});
        vec![job("a", "RUNNING", T1), b, job("c", "RUNNING", T3)]
    };
    let url = fake(move |_, _| listing(hidden.clone())).await;
    let r = run_yaml(
        case,
        &url,
        Setup {
            fixture: Some(fixture.clone()),
            ..Setup::default()
        },
    )
    .await;
    let detail = failed(&r, CheckKind::Oracle)
        .detail
        .clone()
        .unwrap_or_default();
    assert!(
        detail.contains("-    \"code\": \"NONE\"") && detail.contains("+    \"code\": \"ERROR\""),
        "the diff shows the altered member: {detail}"
    );

    let url = fake(|_, _| listing(vec![job("a", "RUNNING", T1), job("c", "RUNNING", T3)])).await;
    let r = run_yaml(
        case,
        &url,
        Setup {
            fixture: Some(fixture.clone()),
            ..Setup::default()
        },
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Oracle,
        Level::Must,
        "2 job(s) listed and no nextToken, but 3 match",
    );

    let url = fake(|_, _| {
        listing(vec![
            job("a", "RUNNING", T1),
            job("c", "RUNNING", T3),
            job("b", "IDLE", T2),
        ])
    })
    .await;
    let r = run_yaml(
        case,
        &url,
        Setup {
            fixture: Some(fixture),
            ..Setup::default()
        },
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Oracle,
        Level::Must,
        "position 1: job c does not belong here; expected job (b)",
    );
}

#[tokio::test]
async fn a_failed_capture_stops_the_case() {
    let url = fake(|_, _| listing(vec![])).await;
    let case = one_case(
        "    steps:\n      - request: {}\n        capture: {token: $.nextToken}\n      - request: {body: {nextToken: \"${token}\"}}\n",
    );
    let r = run_yaml(&case, &url, Setup::default()).await;
    assert_fails(
        &r,
        CheckKind::Capture,
        Level::Must,
        "cannot capture `token`: $.nextToken selects nothing",
    );
    assert_eq!(r.exchanges.len(), 1, "the second step was not sent");
}

#[tokio::test]
async fn a_missing_snapshot_fails_in_check_mode() {
    let dir = std::env::temp_dir().join(format!("macie-conform-snap-check-{}", std::process::id()));
    let url = fake(|_, _| listing(vec![])).await;
    let setup = Setup {
        snapshots: Some(SnapshotStore::new(dir.clone(), SnapshotMode::Check)),
        ..Setup::default()
    };
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {snapshot: true}\n"),
        &url,
        setup,
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Snapshot,
        Level::Must,
        "no snapshot `t` stored; run with --snapshots new",
    );
    assert!(!dir.exists(), "check mode writes nothing");
}

/// Answers 429 ThrottlingException `throttles` times, then a listing.
async fn throttling(throttles: usize) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let url = fake(move |_, _| {
        if seen.fetch_add(1, Ordering::SeqCst) < throttles {
            Answer::error(429, "ThrottlingException", "slow down")
        } else {
            listing(vec![])
        }
    })
    .await;
    (url, calls)
}

#[tokio::test]
async fn throttled_requests_are_retried_and_counted() {
    let retrying = || {
        let mut s = Setup::default();
        s.client.retry.max_retries = 3;
        s.client.retry.base_delay = std::time::Duration::from_millis(5);
        s
    };
    let (url, calls) = throttling(2).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        retrying(),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    assert_eq!(r.exchanges[0].attempts, 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    let (url, _) = throttling(2).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(&r, CheckKind::Status, Level::Must, "status 429");

    // A case that expects throttling is never retried.
    let (url, calls) = throttling(5).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {error: ThrottlingException}\n"),
        &url,
        retrying(),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(r.exchanges[0].attempts, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
