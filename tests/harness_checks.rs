//! Each kind of check, failing on purpose against a server built to break
//! it, with the message a user would read.

mod common;

use common::{Answer, Setup, assert_fails, failed, fake, job, one_case, run_yaml};
use macie_conform::engine::case::Level;
use macie_conform::engine::check::{CheckKind, Outcome};
use macie_conform::report::Verdict;
use macie_conform::runner::snapshot::{SnapshotMode, SnapshotStore};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const T1: &str = "2024-01-01T00:00:00.000Z";
const T2: &str = "2024-01-02T00:00:00.000Z";
const T3: &str = "2024-01-03T00:00:00.000Z";

fn listing(jobs: Vec<Value>) -> Answer {
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
async fn a_schema_violation_is_stated_once() {
    // One violation: the message states it and there is nothing to add.
    let url = fake(|_, _| listing(vec![json!({"jobId": 5})])).await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    let check = failed(&r, CheckKind::Schema);
    assert_eq!(
        check.message,
        "body is not a valid ListClassificationJobsResponse: at /items/0/jobId (type): 5 is not of types \"null\", \"string\""
    );
    assert_eq!(check.detail, None, "a one-line finding has no detail");

    // Three violations: the message counts them and states the first; the
    // detail lists the other two, each once, and not the first again.
    let url = fake(|_, _| {
        listing(vec![
            json!({"jobId": 5}),
            json!({"jobStatus": "running"}),
            json!({"jobType": "ONCE"}),
        ])
    })
    .await;
    let r = run_yaml(
        &one_case("    request: {}\n    expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    let check = failed(&r, CheckKind::Schema);
    assert!(
        check.message.starts_with(
            "body is not a valid ListClassificationJobsResponse: 3 violations, first at /items/0/jobId (type): 5 is not of types \"null\", \"string\"; the other 2 below"
        ),
        "{}",
        check.message
    );
    assert!(!check.message.contains('\n'), "one line: {}", check.message);
    let detail = check.detail.as_deref().expect("the other violations");
    let lines: Vec<&str> = detail.lines().collect();
    assert_eq!(lines.len(), 2, "{detail}");
    assert!(
        lines[0].starts_with("at /items/1/jobStatus (enum): "),
        "{detail}"
    );
    assert!(
        lines[1].starts_with("at /items/2/jobType (enum): "),
        "{detail}"
    );
    assert!(
        !detail.contains("/items/0"),
        "the first is not repeated: {detail}"
    );
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

/// Pages of two jobs from `jobs`: page 1 is asked for without a token,
/// page n > 1 with the token "p{n}" ("p2", "p3", ...). Page 2 and later
/// start one job early (repeating the last job of the page before) when
/// `overlap`, and every page has a token when `endless`.
async fn pager(jobs: Vec<Value>, overlap: bool, endless: bool) -> String {
    fake(move |req, _| {
        let page = page_number(req);
        let start = (page - 1) * 2 - usize::from(overlap && page > 1);
        let items: Vec<_> = jobs.iter().skip(start).take(2).cloned().collect();
        let mut body = json!({ "items": items });
        if endless || start + 2 < jobs.len() {
            body["nextToken"] = json!(format!("p{}", page + 1));
        }
        Answer::json(200, body)
    })
    .await
}

/// The 1-based page a request asks for, from its "p{n}" token.
fn page_number(request: &Value) -> usize {
    request
        .get("nextToken")
        .and_then(Value::as_str)
        .and_then(|t| t.strip_prefix('p'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn jobs(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| job(&format!("j{i}"), "RUNNING", T1))
        .collect()
}

#[tokio::test]
async fn duplicate_page_item() {
    let url = pager(jobs(5), true, false).await;
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
    let sent: Vec<Value> = r
        .exchanges
        .iter()
        .map(|e| serde_json::from_slice(&e.request.body).expect("JSON request"))
        .collect();
    // Only the first and last pages are kept (no page check failed); the
    // last was asked with p3, which only page 2's answer handed out, so the
    // walk followed the server's tokens.
    assert_eq!(
        sent,
        [
            json!({"maxResults": 2}),
            json!({"maxResults": 2, "nextToken": "p3"}),
        ],
        "the walk follows the server's tokens"
    );

    // The same pages without the overlap: the check holds.
    let url = pager(jobs(5), false, false).await;
    let r = run_yaml(
        &one_case("    steps:\n      - request: {body: {maxResults: 2}}\n        walk: {}\n        expect: {semantics: [no_duplicates]}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    assert!(
        r.checks.iter().any(|c| c.kind == CheckKind::NoDuplicates
            && c.message == "5 job(s) over 3 page(s), none twice"),
        "{:#?}",
        r.checks
    );
}

/// A walk cut off at its page limit has verified nothing about the
/// listing, and a correct server may hold a listing that long: the case is
/// not verified (the run is Incomplete, never Conformant), not failed.
#[tokio::test]
async fn a_walk_that_does_not_end_within_its_page_limit_is_not_verified() {
    let url = pager(jobs(4), false, true).await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {body: {maxResults: 2}}\n        walk: {max_pages: 5}\n        expect: {status: 200}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    assert!(
        matches!(&r.verdict, Verdict::Skip(why) if why.starts_with("not verified: the walk stopped after 5 pages")),
        "{:#?}",
        r.verdict
    );
    assert!(
        r.checks.iter().any(|c| c.kind == CheckKind::LastPage
            && !c.failed()
            && c.message
                .starts_with("not verified: the walk stopped after 5 pages")),
        "{:#?}",
        r.checks
    );
    assert!(r.checks.iter().all(|c| !c.failed()), "{:#?}", r.checks);
}

#[tokio::test]
async fn a_walk_whose_token_does_not_move_on_stops_at_the_second_page() {
    let url = fake(|_, _| Answer::json(200, json!({"items": jobs(2), "nextToken": "again"}))).await;
    let r = run_yaml(
        &one_case("    steps:\n      - request: {body: {maxResults: 2}}\n        walk: {}\n        expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::LastPage,
        Level::Must,
        "page 2 lists only jobs of earlier pages; nextToken does not move the listing forward",
    );
    assert_eq!(r.exchanges.len(), 2, "two requests, not max_pages of them");
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
    // Naming no error at all breaks the naming convention, not the
    // requirement about which error is due: its own kind.
    assert_fails(
        &r,
        CheckKind::ErrorName,
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
    // A Content-Type check counts as one, however the case asked for it.
    for (check, kind, fragment) in [
        (
            "{x-missing: {present: true}}",
            CheckKind::Header,
            "header x-missing is missing",
        ),
        (
            "{x-amzn-RequestId: {equals: r-2}}",
            CheckKind::Header,
            "header x-amzn-RequestId is \"r-1\", expected \"r-2\"",
        ),
        (
            "{content-type: {contains: xml}}",
            CheckKind::ContentType,
            "does not contain \"xml\"",
        ),
        (
            "{x-amzn-RequestId: {present: false}}",
            CheckKind::Header,
            "should be absent",
        ),
    ] {
        let r = run_yaml(
            &one_case(&format!(
                "    request: {{}}\n    expect: {{headers: {check}}}\n"
            )),
            &url,
            Setup::default(),
        )
        .await;
        assert_fails(&r, kind, Level::Must, fragment);
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
    // The right jobs in the wrong order: a sort defect, said as one so it
    // counts against the sort requirements.
    assert_fails(
        &r,
        CheckKind::Sort,
        Level::Must,
        "not in the requested order: position 1: job c does not belong here; expected job (b)",
    );
}

#[tokio::test]
async fn a_failed_capture_stops_the_case() {
    let url = fake(|_, _| listing(vec![])).await;
    let case = one_case(
        "    steps:\n      - request: {}\n        expect: {status: 200}\n        capture: {token: $.nextToken}\n      - request: {body: {nextToken: \"${token}\"}}\n        expect: {status: 200}\n",
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

#[tokio::test]
async fn a_throttling_alternative_is_not_retried_either() {
    let (url, calls) = throttling(1).await;
    let mut setup = Setup::default();
    setup.client.retry.max_retries = 3;
    setup.client.retry.base_delay = std::time::Duration::from_millis(5);
    let r = run_yaml(
        &one_case(
            "    request: {}\n    expect: {any_of: [{status: 200}, {error: ThrottlingException}]}\n",
        ),
        &url,
        setup,
    )
    .await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    assert_eq!(r.exchanges[0].attempts, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(
        r.checks
            .iter()
            .any(|c| c.kind == CheckKind::AnyOf && c.message.contains("alternative 2"))
    );
}

#[tokio::test]
async fn a_walk_names_the_first_failing_page() {
    // Three pages of two; the job on page 2 has a status outside the enum.
    let url = fake(|req, _| {
        let page = page_number(req);
        let status = if page == 2 { "running" } else { "RUNNING" };
        let items: Vec<Value> = (0..2)
            .map(|i| job(&format!("p{page}-{i}"), status, T1))
            .collect();
        let mut body = json!({ "items": items });
        if page < 3 {
            body["nextToken"] = json!(format!("p{}", page + 1));
        }
        Answer::json(200, body)
    })
    .await;
    let r = run_yaml(
        &one_case("    steps:\n      - request: {body: {maxResults: 2}}\n        walk: {}\n        expect: {status: 200}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Schema,
        Level::Must,
        "page 2 (of 3; 1 failing): body is not a valid ListClassificationJobsResponse: 2 violations, first at /items/0/jobStatus (enum)",
    );
    let status = r
        .checks
        .iter()
        .find(|c| c.kind == CheckKind::Status)
        .expect("a status check");
    assert_eq!(status.outcome, Outcome::Pass);
    assert_eq!(status.message, "all 3 page(s): status 200");
}

#[tokio::test]
async fn complete_fails_when_paging_loses_a_job() {
    // With maxResults the server pages but forgets j3; without it, it
    // lists everything on one page.
    let all = jobs(5);
    let url = fake(move |req, _| {
        if req.get("maxResults").is_none() {
            return listing(all.clone());
        }
        let page = page_number(req);
        let kept: Vec<Value> = all.iter().filter(|j| j["jobId"] != "j3").cloned().collect();
        let items: Vec<Value> = kept.iter().skip((page - 1) * 2).take(2).cloned().collect();
        let mut body = json!({ "items": items });
        if page * 2 < kept.len() {
            body["nextToken"] = json!(format!("p{}", page + 1));
        }
        Answer::json(200, body)
    })
    .await;
    let r = run_yaml(
        &one_case("    steps:\n      - request: {body: {maxResults: 2}}\n        walk: {}\n        expect: {semantics: [complete]}\n"),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Complete,
        Level::Must,
        "the pages hold 4 job(s), the reference listing 5; missing",
    );
    let message = &failed(&r, CheckKind::Complete).message;
    assert!(message.contains("j3"), "{message}");
}

/// An info case observes which allowed answer the target gave: a refusal
/// where the reference server lists, say, is an observation, never a
/// failure.
#[tokio::test]
async fn an_info_level_difference_is_an_observation() {
    let url = fake(|_, _| Answer::error(400, "ValidationException", "no")).await;
    let r = run_yaml(
        "cases:\n  - id: t\n    verifies: test\n    level: info\n    request: {}\n    expect: {status: 200}\n",
        &url,
        Setup::default(),
    )
    .await;
    let check = failed(&r, CheckKind::Status);
    assert_eq!(check.level, Level::Info);
    assert!(check.message.contains("status 400"), "{}", check.message);
    assert_eq!(r.verdict, Verdict::Observed, "a choice the document allows");
    assert_eq!(r.observations().count(), 1);
}

/// A 5xx is never an open choice: an info case whose answer is neither a
/// well-formed refusal nor a correct listing fails at must.
#[tokio::test]
async fn an_info_case_fails_a_server_error_at_must() {
    let url = fake(|_, _| Answer::error(500, "InternalServerException", "boom")).await;
    let r = run_yaml(
        "cases:\n  - id: t\n    verifies: test\n    level: info\n    request: {}\n    expect: {status: 200}\n",
        &url,
        Setup::default(),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Fail);
    assert_fails(
        &r,
        CheckKind::AnyOf,
        Level::Must,
        "none of the 2 allowed outcomes",
    );
}

/// Once a server accepts an info case's request, its listing must be
/// right: a 200 listing a job the filter does not select fails at must.
#[tokio::test]
async fn an_info_case_fails_a_wrong_listing_at_must() {
    let url = fake(|_, _| Answer::json(200, json!({"items": [job("j1", "IDLE", T1)]}))).await;
    let r = run_yaml(
        "cases:\n  - id: t\n    verifies: test\n    level: info\n    request: {body: {filterCriteria: {includes: [{key: jobStatus, comparator: EQ, values: [RUNNING]}]}}}\n    expect: {error: ValidationException}\n",
        &url,
        Setup::default(),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Fail, "{:#?}", r.checks);
    assert_fails(
        &r,
        CheckKind::AnyOf,
        Level::Must,
        "none of the 2 allowed outcomes",
    );
}

#[tokio::test]
async fn a_capture_feeds_the_next_step() {
    let url = pager(jobs(4), false, false).await;
    let case = one_case(
        "    steps:\n      - request: {body: {maxResults: 2}}\n        expect: {status: 200}\n        capture: {token: $.nextToken}\n      - request: {body: {maxResults: 2, nextToken: \"${token}\"}}\n        expect: {jsonpath: [{path: \"$.items[0].jobId\", equals: j2}]}\n",
    );
    let r = run_yaml(&case, &url, Setup::default()).await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    assert_eq!(r.exchanges.len(), 2);
    assert_eq!(r.exchanges[1].step, 1);
    let second: Value = serde_json::from_slice(&r.exchanges[1].request.body).expect("JSON");
    assert_eq!(second, json!({"maxResults": 2, "nextToken": "p2"}));
}

// ---------------------------------------------------------------------------
// Harness bugs found while writing these tests. Each test states the
// behaviour the harness documents (or that a user relies on) and fails
// today; they are ignored so that the suite stays green until fixed.
// ---------------------------------------------------------------------------

/// A walk of `pages` pages of one job each (tokens "p2", "p3", ...); page
/// `broken` answers without an `items` array.
async fn walk_breaking_at(pages: usize, broken: usize) -> String {
    fake(move |req, _| {
        let page = page_number(req);
        let mut body = if page == broken {
            // Not a listing: `items` of another type (a page without
            // `items` at all is a page of no job, OC-23).
            json!({ "items": { "oops": true } })
        } else {
            json!({ "items": [job(&format!("j{page}"), "RUNNING", T1)] })
        };
        if page < pages {
            body["nextToken"] = json!(format!("p{}", page + 1));
        }
        Answer::json(200, body)
    })
    .await
}

#[tokio::test]

async fn walk_keeps_the_exchange_of_the_page_that_failed() {
    let url = walk_breaking_at(5, 5).await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {}\n        expect: {status: 200}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Json,
        Level::Must,
        "page 5: status 200, no `items` array",
    );
    // The report must show what page 5 was asked with and what it answered.
    let last = r.exchanges.last().expect("exchanges");
    let body: Value = serde_json::from_slice(&last.request.body).expect("JSON");
    assert_eq!(
        body["nextToken"],
        "p5",
        "the failing page's exchange is missing from the report; recorded: {:?}",
        r.exchanges
            .iter()
            .map(|e| String::from_utf8_lossy(&e.request.body).into_owned())
            .collect::<Vec<_>>()
    );
}

#[tokio::test]

async fn walk_after_earlier_steps_records_its_pages() {
    let url = walk_breaking_at(2, 2).await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        expect: {status: 200}\n      - request: {}\n        expect: {status: 200}\n      - request: {}\n        expect: {status: 200}\n      - request: {}\n        walk: {}\n        expect: {status: 200}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    assert_fails(
        &r,
        CheckKind::Json,
        Level::Must,
        "page 2: status 200, no `items` array",
    );
    let walk_exchanges = r.exchanges.iter().filter(|e| e.step == 3).count();
    assert!(
        walk_exchanges > 0,
        "the failing walk (step 4) left no exchange in the report"
    );
}

#[tokio::test]

async fn walk_counts_failing_pages_not_failing_checks() {
    let url = walk_breaking_at(2, 0).await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {}\n        expect:\n          headers:\n            x-a: {present: true}\n            x-b: {present: true}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    let check = failed(&r, CheckKind::Header);
    assert!(
        check.message.starts_with("page 1 (of 2; 2 failing)"),
        "{}",
        check.message
    );
}

/// How jobs are spread over pages is the server's choice, so a walk's
/// JSONPath assertions are about the listing as a whole: `$.items[0]` is
/// the first job of the walk, not the first of every page.
#[tokio::test]
async fn walk_judges_jsonpath_on_the_whole_listing() {
    let url = walk_breaking_at(3, 0).await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {}\n        expect:\n          jsonpath:\n            - {path: \"$.items[0].jobId\", equals: j1}\n            - {path: \"$.items\", length: 3}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "{:?}",
        r.failed_checks().collect::<Vec<_>>()
    );
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {}\n        expect:\n          jsonpath:\n            - {path: \"$.items[0].jobId\", equals: j2}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    let check = failed(&r, CheckKind::JsonPath);
    assert!(check.message.contains("j1"), "{}", check.message);
}

#[tokio::test]

async fn walk_honours_capture() {
    let url = walk_breaking_at(2, 0).await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {}\n        expect: {status: 200}\n        capture: {first: \"$.items[0].jobId\"}\n      - request: {body: {name: \"${first}\"}}\n        expect: {status: 200}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    let last = r.exchanges.last().expect("exchanges");
    assert_eq!(last.step, 1);
    let body = String::from_utf8_lossy(&last.request.body).into_owned();
    assert!(
        !body.contains("${first}"),
        "the placeholder was sent as is: {body}"
    );
}

#[tokio::test]

async fn walk_does_not_drop_body_expectations() {
    let url = walk_breaking_at(2, 0).await;
    let mut ignored = Vec::new();
    for expect in [
        "{body_subset: {items: [{jobId: nobody}]}}",
        "{body: {items: []}}",
        "{any_of: [{status: 500}]}",
    ] {
        let yaml = one_case(&format!(
            "    steps:\n      - request: {{}}\n        walk: {{}}\n        expect: {expect}\n"
        ));
        // Either the loader refuses the case, or the run fails it.
        let loads = macie_conform::engine::load::load(
            &[macie_conform::engine::load::SourceFile {
                name: "cases/test.yaml".into(),
                text: yaml.clone(),
            }],
            macie_conform::schema::SchemaSet::embedded().expect("schemas"),
        )
        .is_ok();
        if loads && run_yaml(&yaml, &url, Setup::default()).await.verdict == Verdict::Pass {
            ignored.push(expect);
        }
    }
    assert!(
        ignored.is_empty(),
        "silently ignored on a walk: {ignored:?}"
    );
}

#[test]

fn complete_message_names_the_jobs_plainly() {
    use macie_conform::engine::check::complete_check;
    let five = jobs(5);
    let four: Vec<Value> = five
        .iter()
        .filter(|j| j["jobId"] != "j3")
        .cloned()
        .collect();
    let message = complete_check(&four, &five, Level::Must).message;
    assert!(
        message.contains("missing: j3;"),
        "ids are shown as JSON inside Debug quotes: {message}"
    );

    let mut repeated = five.clone();
    repeated.push(five[1].clone());
    let message = complete_check(&repeated, &five, Level::Must).message;
    assert!(
        message.contains("j1"),
        "a job listed twice is not named: {message}"
    );
}

/// `walk: {may_refuse: true}`: a well-formed ValidationException on the
/// first page ends the walk as an observation; anything else that is not a
/// listing still fails.
#[tokio::test]
async fn a_walk_that_may_be_refused_accepts_only_a_proper_refusal() {
    let case = one_case(
        "    steps:\n      - request: {body: {maxResults: 80}}\n        walk: {may_refuse: true}\n        expect: {status: 200, semantics: [page_size]}\n",
    );
    let refuses =
        fake(|_, _| Answer::error(400, "ValidationException", "maxResults must be at most 25"))
            .await;
    let r = run_yaml(&case, &refuses, Setup::default()).await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    let observation = r.observations().next().expect("the refusal is observed");
    assert!(
        observation.message.contains("refused"),
        "{}",
        observation.message
    );

    let breaks = fake(|_, _| Answer::error(500, "InternalServerException", "boom")).await;
    let r = run_yaml(&case, &breaks, Setup::default()).await;
    assert_eq!(r.verdict, Verdict::Fail, "a 500 is no refusal");

    let unnamed = fake(|_, _| Answer::json(400, json!({"message": "no"}))).await;
    let r = run_yaml(&case, &unnamed, Setup::default()).await;
    assert_eq!(
        r.verdict,
        Verdict::Fail,
        "a 400 that names no error is no ValidationException"
    );

    let without = one_case(
        "    steps:\n      - request: {body: {maxResults: 80}}\n        walk: {}\n        expect: {status: 200}\n",
    );
    let r = run_yaml(&without, &refuses, Setup::default()).await;
    assert_eq!(
        r.verdict,
        Verdict::Fail,
        "without may_refuse a refusal fails"
    );
}

/// A target holding `n` jobs, one per page.
async fn holding(n: usize) -> String {
    if n == 0 {
        fake(|_, _| Answer::json(200, json!({ "items": [] }))).await
    } else {
        walk_breaking_at(n, 0).await
    }
}

/// `requires: {min_jobs: N}` skips a case, with the count, on a target that
/// lists fewer jobs, and runs it on one that lists enough.
#[tokio::test]
async fn a_case_that_needs_data_is_skipped_where_there_is_too_little() {
    let case =
        one_case("    requires: {min_jobs: 2}\n    request: {}\n    expect: {status: 200}\n");
    for n in [0, 1] {
        let r = run_yaml(&case, &holding(n).await, Setup::default()).await;
        assert_eq!(
            r.verdict,
            Verdict::Skip(macie_conform::report::SkipReason::new(
                macie_conform::report::SkipCause::TooFewJobs { min: 2 },
                format!("needs at least 2 job(s) on the target, which lists {n}")
            )),
            "target with {n} job(s)"
        );
        assert!(r.exchanges.is_empty(), "a skipped case sends nothing");
    }
    let r = run_yaml(&case, &holding(3).await, Setup::default()).await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    // A declared fixture is counted without asking the target.
    let r = run_yaml(
        &case,
        &holding(0).await,
        Setup {
            fixture: Some(vec![json!({}), json!({}), json!({})]),
            ..Setup::default()
        },
    )
    .await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
}

/// The evidence of a failure on page 3 of a walk is page 3 itself: its
/// check names page 3's exchange, the report keeps that exchange, and the
/// `curl` line sends page 3's token, with a note that it came from page 2.
#[tokio::test]
async fn a_failure_on_page_3_is_reproduced_with_page_3s_request() {
    let url = fake(|req, _| {
        let page = page_number(req);
        let status = if page == 3 { "running" } else { "RUNNING" };
        let mut body = json!({ "items": [job(&format!("j{page}"), status, T1)] });
        if page < 5 {
            body["nextToken"] = json!(format!("p{}", page + 1));
        }
        Answer::json(200, body)
    })
    .await;
    let r = run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {}\n        expect: {status: 200}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    let check = failed(&r, CheckKind::Schema);
    assert!(
        check.message.starts_with("page 3 (of 5; 1 failing)"),
        "{}",
        check.message
    );
    let judged = &r.exchanges[check.exchange.expect("the check names its exchange")];
    assert_eq!(judged.page, Some(3));
    let sent: Value = serde_json::from_slice(&judged.request.body).expect("JSON");
    assert_eq!(sent["nextToken"], "p3");
    // Pages 1, 3 (first failure) and 5 (the last) are kept, not 2 and 4.
    let kept: Vec<Option<usize>> = r.exchanges.iter().map(|e| e.page).collect();
    assert_eq!(kept, vec![Some(1), Some(3), Some(5)]);

    let style = macie_conform::report::terminal::Style::default();
    let details = macie_conform::report::terminal::details(&r, &style);
    let curl = details
        .lines()
        .find(|l| l.trim_start().starts_with("curl"))
        .expect("a curl line");
    assert!(curl.contains("p3"), "{curl}");
    assert!(
        details
            .contains("page 3 of a walk: this request carries the nextToken that page 2 returned"),
        "{details}"
    );
}

/// Inside `any_of`, a convention the document does not state (the error's
/// name) weighs as it does anywhere else: an answer that is the allowed
/// 400 but names no error is that alternative with a should-level finding,
/// not a must failure.
#[tokio::test]
async fn any_of_keeps_the_weight_of_conventions() {
    let url = fake(|_, _| Answer::json(400, json!({"message": "maxResults is too large"}))).await;
    let r = run_yaml(
        &one_case(
            "    request: {body: {maxResults: 80}}\n    expect: {any_of: [{status: 200}, {error: ValidationException}]}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    let must_failures: Vec<_> = r
        .failed_checks()
        .filter(|c| c.level == Level::Must)
        .collect();
    assert!(must_failures.is_empty(), "{must_failures:#?}");
    let finding = r
        .failed_checks()
        .find(|c| c.level == Level::Should)
        .unwrap_or_else(|| {
            panic!(
                "the missing error name is a should finding: {:#?}",
                r.checks
            )
        });
    assert!(
        finding.message.contains("does not name its error"),
        "{}",
        finding.message
    );
    // A 500 is no allowed outcome at any weight.
    let url = fake(|_, _| Answer::error(500, "InternalServerException", "boom")).await;
    let r = run_yaml(
        &one_case(
            "    request: {body: {maxResults: 80}}\n    expect: {any_of: [{status: 200}, {error: ValidationException}]}\n",
        ),
        &url,
        Setup::default(),
    )
    .await;
    assert!(
        r.failed_checks()
            .any(|c| c.level == Level::Must && c.kind == CheckKind::AnyOf)
    );
}

/// The reference walk of `complete` (at the target's own page size) may
/// need more pages than the case's walk: cut off by `max_pages`, it has
/// compared nothing. The case is then not verified (skipped), never
/// failed, since a correct server may hold that many jobs.
#[tokio::test]
async fn a_reference_walk_cut_short_leaves_the_case_not_verified() {
    let config = macie_conform::server::ServerConfig::synthetic(500).expect("synthetic jobs");
    let (url, task) = common::serve(macie_conform::server::router(config)).await;
    let yaml = common::one_case(
        "    steps:\n      - request: {body: {\"maxResults\": 1000}}\n        walk: {max_pages: 2}\n        expect: {status: 200, semantics: [complete]}\n",
    );
    let report = common::run_yaml(&yaml, &url, common::Setup::default()).await;
    task.abort();
    let complete = report
        .checks
        .iter()
        .find(|c| c.kind == CheckKind::Complete)
        .expect("a complete check");
    assert_eq!(complete.outcome, Outcome::Skip, "{}", complete.message);
    assert!(complete.message.contains("2 pages"), "{}", complete.message);
    assert!(
        matches!(report.verdict, Verdict::Skip(ref why) if why.starts_with("not verified")),
        "{:?}",
        report.verdict
    );
}
