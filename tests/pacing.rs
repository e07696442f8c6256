//! How fast a run sends, counted where it matters: at the server.

mod common;

use common::cli::{Scratch, binary, text};
use macie_conform::server::{self, ServerConfig};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The reference server's configuration, with fault injection.
fn reference() -> ServerConfig {
    let mut config = ServerConfig::embedded().expect("the embedded fixture loads");
    config.faults = true;
    config
}

/// A case run against a target that holds the fixture.
fn holding_the_fixture() -> common::Setup {
    common::Setup {
        fixture: Some(macie_conform::runner::embedded_fixture()),
        ..common::Setup::default()
    }
}

/// The reference server with faults, noting when each request arrives.
async fn serve_noting_arrivals() -> (String, Arc<Mutex<Vec<Instant>>>) {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let noted = Arc::clone(&arrivals);
    let config = reference();
    let app = server::router(config).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            noted.lock().expect("arrivals").push(Instant::now());
            next.run(request)
        },
    ));
    let (url, _task) = common::serve(app).await;
    (url, arrivals)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_keeps_the_requests_the_server_sees_at_or_under_the_rate() {
    let (url, arrivals) = serve_noting_arrivals().await;
    let scratch = Scratch::new("pacing");
    // Taken before the run starts, so the run's own first request is at
    // or after it: every arrival is then no earlier than its place in a
    // schedule of one every 50 ms from here. A loaded machine only makes
    // requests later, never earlier, so this cannot fail by timing.
    let start = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        binary()
            .current_dir(&scratch.0)
            .args(["run", "--fixture", "builtin", "--faults", "--target", &url])
            .args(["--filter", "request.*", "--rate-limit", "20"])
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("the run ends");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let mut seen = arrivals.lock().expect("arrivals").clone();
    seen.sort();
    assert!(
        seen.len() >= 20,
        "only {} requests: too few to measure a rate",
        seen.len()
    );
    for (k, at) in seen.iter().enumerate() {
        let earliest = Duration::from_millis(50) * k as u32;
        assert!(
            at.duration_since(start) >= earliest,
            "request {k} of {} arrived {:?} after the start, ahead of one every 50 ms ({earliest:?})",
            seen.len(),
            at.duration_since(start)
        );
    }
}

#[test]
fn a_rate_limit_or_job_count_that_cannot_be_is_refused_before_anything_is_sent() {
    let scratch = Scratch::new("pacing");
    for args in [
        &["--rate-limit", "0"][..],
        &["--rate-limit=-3"],
        &["--rate-limit", "inf"],
        &["-j", "0"],
    ] {
        let out = binary()
            .current_dir(&scratch.0)
            .args(["run", "--target", "http://127.0.0.1:9"])
            .args(args)
            .output()
            .expect("the binary runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {:?}", text(&out));
        let (_, shown) = text(&out);
        let flag = args[0]
            .trim_start_matches('-')
            .split('=')
            .next()
            .unwrap_or_default();
        assert!(
            shown.contains(flag) || shown.contains("jobs"),
            "{args:?}: the message names the option: {shown}"
        );
    }
}

/// A walk over several pages, at the run's `${small_page}`.
const SMALL_PAGE_WALK: &str = r#"cases:
  - id: t
    verifies: test
    level: must
    steps:
      - request:
          body: {"maxResults": "${small_page}", "sortCriteria": {"attributeName": "createdAt", "orderBy": "ASC"}}
        walk: {}
        expect: {"status": 200, "semantics": ["page_size", "no_duplicates", "complete", "sort"]}
"#;

fn asked_page_size(report: &macie_conform::report::CaseReport) -> Option<u64> {
    let first = report.exchanges.first()?;
    let body: serde_json::Value = serde_json::from_slice(&first.request.body).ok()?;
    body["maxResults"].as_u64()
}

#[tokio::test]
async fn small_page_spreads_the_listing_over_a_handful_of_pages_when_the_target_honours_it() {
    let config = reference();
    let (url, _task) = common::serve(server::router(config)).await;
    let report = common::run_yaml(SMALL_PAGE_WALK, &url, holding_the_fixture()).await;
    assert_eq!(
        report.verdict,
        macie_conform::report::Verdict::Pass,
        "{report:#?}"
    );
    // 79 jobs over at least 8 pages: 9 a page, so 9 pages (a server may
    // end with an empty one), after the one request that asked whether 9
    // is honoured.
    assert_eq!(asked_page_size(&report), Some(9));
    assert!(
        (1 + 9..=1 + 10).contains(&report.requests),
        "{} requests",
        report.requests
    );
}

#[tokio::test]
async fn small_page_falls_back_to_one_job_a_page_on_a_target_that_refuses_more() {
    // A correct server may refuse any maxResults above 1 (the document
    // gives no range).
    let config = reference();
    let app = server::router(config).layer(axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| async move {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let asked: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if asked["maxResults"].as_u64().is_some_and(|n| n > 1) {
                return axum::response::IntoResponse::into_response((
                    axum::http::StatusCode::BAD_REQUEST,
                    [("x-amzn-ErrorType", "ValidationException")],
                    axum::Json(serde_json::json!({"message": "maxResults must be 1"})),
                ));
            }
            next.run(axum::extract::Request::from_parts(parts, bytes.into()))
                .await
        },
    ));
    let (url, _task) = common::serve(app).await;
    let report = common::run_yaml(SMALL_PAGE_WALK, &url, holding_the_fixture()).await;
    assert_eq!(
        report.verdict,
        macie_conform::report::Verdict::Pass,
        "{report:#?}"
    );
    assert_eq!(asked_page_size(&report), Some(1));
    // The refused question, then one page per job and the last, empty or not.
    assert!(report.requests > 79, "{} requests", report.requests);
}

/// The reference server behind a quota: more than `QUOTA` requests at once
/// are answered 429 `ThrottlingException`, as a documented error. Counts
/// the requests and the throttled answers.
const QUOTA: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_j_a_target_with_a_quota_is_backed_off_and_passes() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let in_flight = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicUsize::new(0));
    let throttled = Arc::new(AtomicUsize::new(0));
    let config = reference();
    let (flight, all, refused) = (
        Arc::clone(&in_flight),
        Arc::clone(&seen),
        Arc::clone(&throttled),
    );
    let app = server::router(config).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let (flight, all, refused) =
                (Arc::clone(&flight), Arc::clone(&all), Arc::clone(&refused));
            async move {
                all.fetch_add(1, Ordering::SeqCst);
                // A case that asks for a fault is answered as it asks.
                let asks_fault = request.headers().contains_key(server::FAULT_HEADER);
                if flight.fetch_add(1, Ordering::SeqCst) >= QUOTA && !asks_fault {
                    flight.fetch_sub(1, Ordering::SeqCst);
                    refused.fetch_add(1, Ordering::SeqCst);
                    return axum::response::IntoResponse::into_response((
                        axum::http::StatusCode::TOO_MANY_REQUESTS,
                        [("x-amzn-ErrorType", "ThrottlingException")],
                        axum::Json(serde_json::json!({"message": "Rate exceeded"})),
                    ));
                }
                // A server that takes its time, so that requests pile up
                // at it as they would across a network.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                let answer = next.run(request).await;
                flight.fetch_sub(1, Ordering::SeqCst);
                answer
            }
        },
    ));
    let (url, _task) = common::serve(app).await;
    // As a run without -j: the window adapts, throttled answers are
    // retried as by default.
    let report = common::run_shipped_suite_retrying(url, true, None, 3).await;
    let failures = common::failures(&report);
    assert!(failures.is_empty(), "{failures:#?}");
    // Starting at 8 in flight, the first episode is throttled; after it the
    // window stays near the quota, and only its probes past it are.
    let (all, refused) = (
        seen.load(Ordering::SeqCst),
        throttled.load(Ordering::SeqCst),
    );
    assert!(
        refused * 5 <= all,
        "{refused} of {all} requests throttled: the window did not back off"
    );
}
