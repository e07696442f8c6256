//! A hand-built run report shared by the HTML and Markdown report tests:
//! one case of each kind, hostile target text and secrets that must not
//! leak, so both renderers are judged on the same input.
#![allow(dead_code)]

use macie_conform::engine::case::Level;
use macie_conform::engine::check::{CheckKind, CheckResult};
use macie_conform::engine::exchange::{Exchange, HttpRequest, HttpResponse, TransportError};
use macie_conform::report::terminal::Style;
use macie_conform::report::{
    CaseReport, LevelTotals, RequirementInfo, RunReport, SelectionReport, Verdict,
};
use serde_json::json;

pub const HOSTILE_NAME: &str = "<script>alert(1)</script>";
pub const HOSTILE_HEADER: &str = "\"><img src=x onerror=alert(1)>";
pub const SECRET_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDSECRET/20261124";
pub const SECRET_KEY: &str = "api-key-secret-42";

pub const DIFF: &str = "--- expected
+++ actual
@@ -1,3 +1,3 @@
 {
-  \"name\": \"plain\"
+  \"name\": \"<script>alert(1)</script>\"
 }";

pub fn request(body: serde_json::Value) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        url: "http://target.test/jobs/list".into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("authorization".into(), SECRET_AUTH.into()),
            ("x-api-key".into(), SECRET_KEY.into()),
        ],
        // Compact on purpose: the report pretty-prints it.
        body: body.to_string().into_bytes(),
    }
}

pub fn response(status: u16, headers: &[(&str, &str)], body: serde_json::Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string().into_bytes(),
        truncated: false,
        elapsed_ms: 7,
        received: None,
        hold: Default::default(),
    }
}

pub fn exchange(request: HttpRequest, outcome: Result<HttpResponse, TransportError>) -> Exchange {
    Exchange {
        request,
        outcome,
        attempts: 1,
        step: 0,
        page: None,
    }
}

pub fn case(id: &str, level: Level, verifies: &str, requirements: &[&str]) -> CaseReport {
    CaseReport {
        id: id.into(),
        file: "cases/report.yaml".into(),
        line: 1,
        level,
        verifies: verifies.into(),
        tags: vec!["report".into()],
        requirements: requirements.iter().map(|r| r.to_string()).collect(),
        exchanges: Vec::new(),
        checks: Vec::new(),
        verdict: Verdict::Pass,
        duration_ms: 3,
        requests: 1,
    }
}

pub fn requirement(id: &str, level: Level, statement: &str) -> RequirementInfo {
    RequirementInfo {
        id: id.into(),
        level,
        section: "ListClassificationJobs".into(),
        statement: statement.into(),
        judged_by: None,
        fallback_for: Vec::new(),
    }
}

pub fn job(id: &str, name: &str) -> serde_json::Value {
    json!({
        "jobId": id,
        "name": name,
        "jobStatus": "RUNNING",
        "jobType": "ONE_TIME",
        "createdAt": "2024-01-01T00:00:00.000Z"
    })
}

pub fn passing_case() -> CaseReport {
    let mut c = case(
        "pass.listing",
        Level::Must,
        "a listing is answered",
        &["LCJ-PAGE-001"],
    );
    c.line = 2;
    c.exchanges.push(exchange(
        request(
            json!({"maxResults": 2, "sortCriteria": {"attributeName": "name", "orderBy": "ASC"}}),
        ),
        Ok(response(
            200,
            &[("content-type", "application/json")],
            json!({"items": [job("a1", "alpha")], "nextToken": "t1"}),
        )),
    ));
    c.checks = vec![
        CheckResult::pass(CheckKind::Status, Level::Must, "status 200"),
        CheckResult::pass(
            CheckKind::PageSize,
            Level::Must,
            "no page holds more than maxResults 2",
        ),
    ];
    c
}

pub fn failing_case() -> CaseReport {
    let mut c = case(
        "fail.hostile",
        Level::Must,
        "the only IDLE job is listed",
        &["LCJ-FILTER-001"],
    );
    c.line = 9;
    c.exchanges.push(exchange(
        request(json!({"filterCriteria": {"includes": [
            {"key": "jobStatus", "comparator": "EQ", "values": ["IDLE"]}
        ]}})),
        Ok(response(
            200,
            &[
                ("content-type", "application/json"),
                ("x-vendor", HOSTILE_HEADER),
            ],
            json!({"items": [
                job("a1", HOSTILE_NAME),
                job("b2", "``` closes fences | breaks tables\nand lines"),
            ]}),
        )),
    ));
    c.checks = vec![
        CheckResult::pass(CheckKind::Status, Level::Must, "status 200"),
        CheckResult::fail(
            CheckKind::Body,
            Level::Must,
            "body lacks or changes members the case expects",
        )
        .with_detail(DIFF),
        CheckResult::fail(
            CheckKind::Filter,
            Level::Must,
            format!("item 0: name {HOSTILE_NAME:?} | status RUNNING is not IDLE"),
        ),
        CheckResult::fail(
            CheckKind::Header,
            Level::Should,
            format!("x-vendor is {HOSTILE_HEADER}"),
        ),
    ];
    c.verdict = CaseReport::decide(c.level, &c.checks);
    c
}

pub fn observing_case() -> CaseReport {
    let mut c = case(
        "info.page-size",
        Level::Info,
        "the default page size",
        &["LCJ-OPEN-001"],
    );
    c.line = 20;
    c.exchanges.push(exchange(
        request(json!({})),
        Ok(response(
            200,
            &[("content-type", "application/json")],
            json!({"items": [job("a1", "alpha"), job("b2", "beta")]}),
        )),
    ));
    c.checks = vec![CheckResult::fail(
        CheckKind::JsonPath,
        Level::Info,
        "the default page holds 2 jobs <b>not</b> 25",
    )];
    c.verdict = CaseReport::decide(c.level, &c.checks);
    c
}

pub fn skipped_case() -> CaseReport {
    let mut c = case(
        "skip.faults",
        Level::Should,
        "throttling is answered with 429",
        &["LCJ-FAULT-001"],
    );
    c.line = 30;
    c.verdict = Verdict::Skip("needs fault injection (run with --faults) <i>".into());
    c
}

pub fn odd_case() -> CaseReport {
    let mut c = case(
        "odd id/\"x\"<b>",
        Level::Should,
        "ids | verifies\nwith markup <em>",
        &["LCJ-PAGE-001"],
    );
    c.line = 40;
    c.checks = vec![CheckResult::pass(
        CheckKind::Status,
        Level::Should,
        "status 200",
    )];
    c
}

/// A small, fully deterministic run: one case of each kind, one
/// requirement of each result.
pub fn fixed_report() -> RunReport {
    RunReport {
        coverage: None,
        requests_sent: 0,
        connection_retries: 0,
        exploration: None,
        product: Default::default(),
        certification: None,
        harness_version: "0.1.0".into(),
        suite_digest: "0123456789abcdef".repeat(4),
        started_at: "2026-11-24T00:00:00Z".into(),
        target: "http://target.test/<x>".into(),
        fixture: false,
        embedded: false,
        // The suite is what the report holds: a full run.
        selection: SelectionReport::default(),
        cases: vec![
            passing_case(),
            failing_case(),
            observing_case(),
            skipped_case(),
            odd_case(),
        ],
        requirements: vec![
            requirement("LCJ-PAGE-001", Level::Must, "maxResults bounds a page"),
            requirement(
                "LCJ-FILTER-001",
                Level::Must,
                "EQ keeps | equal jobs\nonly <u>",
            ),
            requirement("LCJ-FAULT-001", Level::Should, "throttling answers 429"),
            requirement("LCJ-SORT-009", Level::Must, "not run in this report"),
            requirement("LCJ-OPEN-001", Level::Info, "default page size"),
        ],
        duration_ms: 1234,
    }
}

/// An info case whose request got no answer at all.
pub fn unanswered_case() -> CaseReport {
    let mut c = case(
        "info.no-answer",
        Level::Info,
        "the default order",
        &["LCJ-OPEN-001"],
    );
    c.line = 50;
    c.exchanges.push(exchange(
        request(json!({})),
        Err(TransportError::Timeout(5000)),
    ));
    c.checks = vec![CheckResult::fail(
        CheckKind::Transport,
        Level::Info,
        "no complete answer within 5000 ms",
    )];
    c.verdict = CaseReport::decide(c.level, &c.checks);
    c
}

/// A run with no failure that did not verify the whole suite: a must case
/// skipped for want of the data set, a should case for want of fault
/// injection, and an info case unanswered.
pub fn incomplete_report() -> RunReport {
    let mut r = fixed_report();
    r.cases.retain(|c| c.verdict != Verdict::Fail);
    let mut fixture = case(
        "skip.fixture",
        Level::Must,
        "an exact listing",
        &["LCJ-SORT-009"],
    );
    fixture.verdict = Verdict::Skip(macie_conform::report::SkipReason::new(
        macie_conform::report::SkipCause::NeedsFixture,
        "needs the canonical data set; pass --fixture builtin if the target serves it (macie-conform fixture writes it)",
    ));
    r.cases.push(fixture);
    r.cases.push(unanswered_case());
    r.selection.suite = LevelTotals {
        must: 2,
        should: 2,
        info: 2,
    };
    r
}

pub fn style() -> Style {
    Style {
        color: true,
        redact: vec!["X-Api-Key".into()],
    }
}
