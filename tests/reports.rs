//! Reports from a real run: the JSON report against its published schema,
//! the JUnit XML parsed back, and secrets absent from every format.

mod common;

use axum::Router;
use axum::http::HeaderValue;
use macie_conform::engine::load::{SourceFile, load};
use macie_conform::report::terminal::{self, Style};
use macie_conform::report::{RunReport, json, junit};
use macie_conform::runner::http::ClientOptions;
use macie_conform::runner::{self, RunOptions, Selection};
use macie_conform::schema::SchemaSet;
use macie_conform::server::{self, ServerConfig};
use serde_json::Value;
use std::sync::Arc;

const SECRET_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDSECRET/20261124";
const SECRET_TOKEN: &str = "session-token-very-secret";
const SECRET_CUSTOM: &str = "custom-secret-value-42";
const SECRET_COOKIE: &str = "sessionid=cookie-secret-99";

const CASES: &str = r#"cases:
  - id: pass.listing
    verifies: a listing is answered
    level: must
    requirements: [LCJ-PAGE-001]
    request: {body: {maxResults: 2}}
    expect: {status: 200, semantics: [page_size]}
  - id: fail.wrong-status
    verifies: a deliberately wrong expectation
    level: must
    requirements: [LCJ-PAGE-001]
    request:
      headers: {cookie: "sessionid=cookie-secret-99"}
      body: {maxResults: 1}
    expect: {status: 201, body_subset: {items: [{name: nope}]}}
  - id: should.header
    verifies: a should-level expectation that fails
    level: should
    request: {}
    expect: {headers: {x-not-sent: {present: true}}}
  - id: skip.faults
    verifies: needs fault injection the target does not offer
    level: must
    faults: true
    request: {headers: {x-macie-conform-fault: ThrottlingException}}
    expect: {error: ThrottlingException}
  - id: info.default-page
    verifies: observed only
    level: info
    request: {}
    expect: {status: 204}
"#;

/// The reference server, plus a Set-Cookie header on every answer.
async fn start() -> String {
    let app: Router = server::router(ServerConfig::embedded().expect("fixture")).layer(
        axum::middleware::map_response(|mut r: axum::response::Response| async move {
            r.headers_mut()
                .insert("set-cookie", HeaderValue::from_static(SECRET_COOKIE));
            r
        }),
    );
    common::serve(app).await.0
}

async fn run() -> RunReport {
    let url = start().await;
    let schemas = SchemaSet::embedded().expect("schemas");
    let suite = load(
        &[SourceFile {
            name: "cases/reports.yaml".into(),
            text: CASES.into(),
        }],
        schemas,
    )
    .expect("cases load");
    let options = {
        let mut o = RunOptions::new(url);
        // Reports as the command line writes them.
        o.words = macie_conform::runner::Vocabulary::Cli;
        o.client = {
            let mut o = ClientOptions::default();
            o.headers = vec![
                ("Authorization".into(), SECRET_AUTH.into()),
                ("X-Amz-Security-Token".into(), SECRET_TOKEN.into()),
                ("X-Vendor-Key".into(), SECRET_CUSTOM.into()),
            ];
            o
        };
        o.concurrency = 2;
        o.fixture = Some(Arc::new(runner::embedded_fixture()));
        o.redact = vec!["x-vendor-key".into()];
        o
    };
    runner::run(&suite, &Selection::default(), options, |_| {})
        .await
        .expect("run")
}

fn style() -> Style {
    Style {
        color: false,
        redact: vec!["x-vendor-key".into()],
    }
}

#[tokio::test]
async fn the_json_report_matches_its_published_schema() {
    let report = run().await;
    let text = json::render(&report);
    let document: Value = serde_json::from_str(&text).expect("JSON");
    common::assert_matches_report_schema(&document);
    assert_eq!(document["format_version"], 2);
}

#[tokio::test]
async fn the_json_report_says_not_conformant_with_its_grounds() {
    let report = run().await;
    let document: Value = serde_json::from_str(&json::render(&report)).expect("JSON");
    assert_eq!(document["summary"]["conformance"], "not_conformant");
    assert_eq!(
        document["summary"]["must"],
        serde_json::json!({"passed": 1, "failed": 1, "skipped": 1, "unanswered": 0, "observed": 0})
    );
    // The verdict's grounds: a failure outranks incompleteness, and what
    // did not run is still listed.
    let verdict = &document["summary"]["verdict"];
    assert_eq!(
        verdict["headline"],
        "Not conformant (must-level checks failed)"
    );
    assert_eq!(verdict["partial"], false);
    assert_eq!(
        verdict["levels"][0],
        serde_json::json!({
            "level": "must", "in_suite": 3, "ran": 2, "failed": 1,
            "not_run": [{
                "reason": "needs fault injection (x-macie-conform-fault); pass --faults if the target honours it",
                "count": 1
            }]
        })
    );
    assert_eq!(
        document["summary"]["skip_reasons"], verdict["levels"][0]["not_run"],
        "the only skip is the must case's"
    );
    assert_eq!(
        document["run"]["selection"],
        serde_json::json!({
            "suite": {"must": 3, "should": 1, "info": 1},
            "filters": [], "tags": [], "levels": []
        })
    );
    assert_eq!(document["summary"]["should"]["failed"], 1);
    assert_eq!(
        document["summary"]["info"]["observed"], 1,
        "an info mismatch is not a failure: the case observed"
    );
    let ids: Vec<&str> = document["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "pass.listing",
            "fail.wrong-status",
            "should.header",
            "skip.faults",
            "info.default-page"
        ]
    );
    let failing = &document["cases"][1];
    assert_eq!(failing["verdict"], "fail");
    assert_eq!(failing["requirements"], serde_json::json!(["LCJ-PAGE-001"]));
    assert!(failing["exchanges"][0]["response"]["status"] == 200);
    assert!(
        failing["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .any(|c| c["kind"] == "body"
                && c["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("--- expected")))
    );
    assert_eq!(
        document["cases"][3]["skip_reason"]
            .as_str()
            .map(|r| r.contains("--faults")),
        Some(true)
    );
    let percent = document["coverage"]["percent"].as_f64().expect("percent");
    assert!(percent > 0.0 && percent < 100.0, "{percent}");
}

#[tokio::test]
async fn the_junit_report_parses_back_with_the_right_counts() {
    let report = run().await;
    let xml = junit::render(&report, &style()).expect("junit");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit reads it");
    assert_eq!(parsed.tests, 5);
    assert_eq!(parsed.failures, 2);
    assert_eq!(parsed.test_suites.len(), 1, "one testsuite per case file");
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.name.as_str(), "cases/reports.yaml");
    assert_eq!(suite.skipped, 1);
    let property = |name: &str| {
        suite
            .properties
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| p.value.as_str().to_string())
    };
    assert!(
        property("spec-coverage").is_some_and(|v| v.ends_with('%')),
        "coverage is in the JUnit report too"
    );
    assert_eq!(
        property("conformance").as_deref(),
        Some("Not conformant (must-level checks failed)")
    );
    assert_eq!(
        property("conformance-value").as_deref(),
        Some("not_conformant")
    );
    assert_eq!(
        property("cases-run").as_deref(),
        Some(
            "2 of 3 must cases ran (1 failed); 1 needs fault injection (x-macie-conform-fault); \
             1 of 1 should cases ran (1 failed); 1 of 1 info cases ran"
        )
    );
    let failing = suite
        .test_cases
        .iter()
        .find(|t| t.name.as_str() == "fail.wrong-status")
        .expect("failing case");
    match &failing.status {
        quick_junit::TestCaseStatus::NonSuccess {
            message,
            description,
            ..
        } => {
            let message = message
                .as_ref()
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            assert!(
                message.contains("status 200 where 201 was expected"),
                "{message}"
            );
            let description = description
                .as_ref()
                .map(|d| d.as_str().to_string())
                .unwrap_or_default();
            assert!(
                description.contains("--- expected") && description.contains("curl"),
                "{description}"
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn secrets_appear_in_no_report() {
    let report = run().await;
    let outputs = [
        ("json", json::render(&report)),
        ("junit", junit::render(&report, &style()).expect("junit")),
        ("terminal", terminal::render(&report, &style())),
        ("debug", format!("{report:?}")),
    ];
    for (name, text) in &outputs {
        for secret in [
            SECRET_AUTH,
            SECRET_TOKEN,
            SECRET_CUSTOM,
            SECRET_COOKIE,
            "AKIDSECRET",
            "cookie-secret-99",
        ] {
            assert!(!text.contains(secret), "{name} report shows {secret:?}");
        }
    }
    let json_text = &outputs[0].1;
    assert!(
        json_text.contains("[REDACTED]"),
        "redaction is visible, not silent"
    );
}

/// A server that never answers a request carrying `x-hang`.
async fn start_hanging() -> String {
    let app: Router = server::router(ServerConfig::embedded().expect("fixture")).layer(
        axum::middleware::from_fn(
            |request: axum::extract::Request, next: axum::middleware::Next| async move {
                if request.headers().contains_key("x-hang") {
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                }
                next.run(request).await
            },
        ),
    );
    common::serve(app).await.0
}

const PARTLY_UNANSWERED: &str = r#"cases:
  - id: must.listing
    verifies: a listing is answered
    level: must
    request: {body: {maxResults: 2}}
    expect: {status: 200}
  - id: info.no-answer
    verifies: an open choice the target never answers
    level: info
    request: {headers: {x-hang: "1"}}
    expect: {status: 200}
"#;

#[tokio::test]
async fn an_info_case_without_an_answer_is_unanswered_in_every_format() {
    let url = start_hanging().await;
    let suite = load(
        &[SourceFile {
            name: "cases/hang.yaml".into(),
            text: PARTLY_UNANSWERED.into(),
        }],
        SchemaSet::embedded().expect("schemas"),
    )
    .expect("cases load");
    let options = {
        let mut o = RunOptions::new(url);
        // Reports as the command line writes them.
        o.words = macie_conform::runner::Vocabulary::Cli;
        o.client = {
            let mut o = ClientOptions::default();
            o.timeout = std::time::Duration::from_millis(500);
            o
        };
        o.concurrency = 2;
        o
    };
    let report = runner::run(&suite, &Selection::default(), options, |_| {})
        .await
        .expect("run");
    let case = &report.cases[1];
    assert_eq!(case.verdict, macie_conform::report::Verdict::Unanswered);
    assert_eq!(case.observations().count(), 0, "nothing was observed");
    let info = report.counts_for(macie_conform::engine::case::Level::Info);
    assert_eq!(
        (info.passed, info.unanswered),
        (0, 1),
        "not counted as passed"
    );
    // The must case passed and the suite ran in full, so the claim holds;
    // the unanswered choice is still reported.
    assert_eq!(
        report.conformance(),
        macie_conform::report::Conformance::MustAndShould
    );

    let document: Value = serde_json::from_str(&json::render(&report)).expect("JSON");
    common::assert_matches_report_schema(&document);
    assert_eq!(document["cases"][1]["verdict"], "unanswered");
    assert_eq!(document["summary"]["info"]["unanswered"], 1);
    assert_eq!(document["summary"]["total"]["unanswered"], 1);

    let xml = junit::render(&report, &style()).expect("junit");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit reads it");
    let testcase = &parsed.test_suites[0].test_cases[1];
    match &testcase.status {
        quick_junit::TestCaseStatus::Skipped { message, .. } => {
            let message = message.as_ref().map(|m| m.as_str()).unwrap_or_default();
            assert!(
                message.starts_with("unanswered: no complete answer within 500 ms"),
                "{message}"
            );
        }
        other => panic!("expected a skipped testcase, got {other:?}"),
    }

    let text = terminal::render(&report, &style());
    assert!(
        text.contains(
            "Unanswered (1): info cases that got no answer, so the choice was not observed\n  \
             info.no-answer: no complete answer within 500 ms\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  info: 0 passed, 0 failed, 0 skipped, 1 unanswered\n"),
        "{text}"
    );
    assert!(
        text.ends_with("1 passed, 0 failed, 0 skipped, 1 unanswered\n"),
        "{text}"
    );
    assert_eq!(
        terminal::case_line(case, &style()),
        "NO ANSWER info.no-answer [info] no complete answer within 500 ms"
    );
}
