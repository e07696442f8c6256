//! Helpers for tests that run cases against purpose-built servers.
#![allow(dead_code)]

pub mod cli;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use macie_conform::engine::case::Level;
use macie_conform::engine::check::{CheckKind, CheckResult, Outcome};
use macie_conform::engine::load::{SourceFile, load};
use macie_conform::report::{CaseReport, Verdict};
use macie_conform::runner::http::{ClientOptions, RetryPolicy};
use macie_conform::runner::{self, RunOptions, Shared};
use macie_conform::schema::SchemaSet;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A scripted answer.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
    pub fn error(status: u16, name: &str, message: &str) -> Answer {
        let mut a = Answer::json(status, serde_json::json!({ "message": message }));
        a.headers.push(("x-amzn-ErrorType", name.to_string()));
        a
    }
    pub fn header(mut self, name: &'static str, value: &str) -> Answer {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name, value.to_string()));
        self
    }
    pub fn without_header(mut self, name: &str) -> Answer {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }
}

type Script = dyn Fn(&Value, &HeaderMap) -> Answer + Send + Sync;

/// An HTTP server on a loopback port that answers every request with
/// `script(request body as JSON (null if not JSON), request headers)`.
/// [`fake`], answering the run's first request (its probe of the target,
/// a plain listing request) with an empty listing: a target that answers
/// the probe with an error page stops the run before any case (see
/// `runner::target::probe`), and these fakes are about what the cases do.
pub async fn fake_past_the_probe(
    script: impl Fn(&Value, &HeaderMap) -> Answer + Send + Sync + 'static,
) -> String {
    let probed = std::sync::atomic::AtomicBool::new(false);
    fake(move |body, headers| {
        if !probed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Answer::json(200, serde_json::json!({"items": []}));
        }
        script(body, headers)
    })
    .await
}

pub async fn fake(script: impl Fn(&Value, &HeaderMap) -> Answer + Send + Sync + 'static) -> String {
    let script: Arc<Script> = Arc::new(script);
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let script = Arc::clone(&script);
        async move {
            let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let answer = script(&request, &headers);
            let mut response = (
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                answer.body,
            )
                .into_response();
            for (k, v) in answer.headers {
                if let Ok(v) = v.parse() {
                    response.headers_mut().insert(k, v);
                }
            }
            response
        }
    });
    serve(app).await.0
}

/// Serves `app` on a free loopback port; the handle stops it when aborted.
pub async fn serve(app: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

pub struct Setup {
    pub fixture: Option<Vec<Value>>,
    pub client: ClientOptions,
    pub snapshots: Option<macie_conform::runner::snapshot::SnapshotStore>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            fixture: None,
            client: {
                let mut o = ClientOptions::default();
                o.timeout = Duration::from_secs(5);
                o.retry = {
                    let mut o = RetryPolicy::default();
                    o.max_retries = 0;
                    o
                };
                o
            },
            snapshots: None,
        }
    }
}

/// Loads the single case in `yaml` (a `cases:` file) and runs it.
pub async fn run_yaml(yaml: &str, url: &str, setup: Setup) -> CaseReport {
    let schemas = SchemaSet::embedded().expect("schemas");
    let suite = load(
        &[SourceFile {
            name: "cases/test.yaml".into(),
            text: yaml.into(),
        }],
        schemas,
    )
    .unwrap_or_else(|d| panic!("{}", d.iter().map(ToString::to_string).collect::<String>()));
    let shared = Shared::new({
        let mut o = RunOptions::new(url.to_string());
        o.client = setup.client;
        // The hints these tests read are the command line's.
        o.words = macie_conform::runner::Vocabulary::Cli;
        o.concurrency = 1;
        o.fixture = setup.fixture.map(Arc::new);
        o.faults = true;
        o.snapshots = setup.snapshots;
        o
    })
    .expect("shared");
    runner::run_case(&suite.cases[0], &shared).await
}

/// A `cases:` file with one must-level case whose members are `body`
/// (indented YAML lines for the case).
pub fn one_case(body: &str) -> String {
    format!("cases:\n  - id: t\n    verifies: test\n    level: must\n{body}")
}

/// The first failed check of `kind`; panics with the report if none.
pub fn failed(report: &CaseReport, kind: CheckKind) -> &CheckResult {
    report
        .checks
        .iter()
        .find(|c| c.kind == kind && c.outcome == Outcome::Fail)
        .unwrap_or_else(|| panic!("no failed {kind:?} check in {:#?}", report.checks))
}

/// Asserts the case failed through a `kind` check at `level` whose message
/// contains `fragment`.
pub fn assert_fails(report: &CaseReport, kind: CheckKind, level: Level, fragment: &str) {
    let check = failed(report, kind);
    assert_eq!(check.level, level, "{check:?}");
    assert!(
        check.message.contains(fragment),
        "message {:?} lacks {fragment:?}",
        check.message
    );
    if level > Level::Info {
        assert_eq!(report.verdict, Verdict::Fail);
    }
}

pub fn job(id: &str, status: &str, created: &str) -> Value {
    serde_json::json!({
        "jobId": id, "name": format!("job-{id}"), "jobType": "ONE_TIME", "jobStatus": status,
        "createdAt": created, "lastRunErrorStatus": {"code": "NONE"},
        "bucketDefinitions": [{"accountId": "111122223333", "buckets": ["b"]}]
    })
}

/// Runs the shipped suite, snapshots included, against `url` with no
/// retries (a faulty variant must show its defect at once). `fixture` says
/// whether the target holds the canonical data set.
/// `concurrency`: cases at once, or `None` for what a run does without
/// `-j` (a window of requests in flight that follows the target).
pub async fn run_shipped_suite(
    url: String,
    fixture: bool,
    concurrency: Option<usize>,
) -> macie_conform::report::RunReport {
    run_shipped_suite_retrying(url, fixture, concurrency, 0).await
}

/// [`run_shipped_suite`], retrying a throttled request up to `retries`
/// times (the CLI's default is 3).
pub async fn run_shipped_suite_retrying(
    url: String,
    fixture: bool,
    concurrency: Option<usize>,
    retries: u32,
) -> macie_conform::report::RunReport {
    use macie_conform::runner::snapshot::{SnapshotMode, SnapshotStore};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = runner::load_suite(&root.join("cases")).expect("suite loads");
    let options = {
        let mut o = RunOptions::new(url);
        o.client = {
            let mut o = ClientOptions::default();
            o.timeout = Duration::from_secs(10);
            o.retry = {
                let mut o = RetryPolicy::default();
                o.max_retries = retries;
                o
            };
            o.adaptive = concurrency.is_none();
            o
        };
        o.concurrency = concurrency.unwrap_or(runner::pace::MAX);
        o.fixture = fixture.then(|| Arc::new(runner::embedded_fixture()));
        o.faults = true;
        o.snapshots = Some(SnapshotStore::new(
            root.join("snapshots"),
            SnapshotMode::Check,
        ));
        o
    };
    runner::run(&suite, &runner::Selection::default(), options, |_| {})
        .await
        .expect("run starts")
}

/// Fails with every violation when `document` does not match the published
/// schema of the JSON report (`schemas/report.schema.json`).
pub fn assert_matches_report_schema(document: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/report.schema.json"
        ))
        .expect("schema file"),
    )
    .expect("schema JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Each failed case of a report as "id: what failed", for a test's
/// failure message.
pub fn failures(report: &macie_conform::report::RunReport) -> Vec<String> {
    report
        .cases
        .iter()
        .filter(|c| c.verdict == macie_conform::report::Verdict::Fail)
        .map(|c| {
            let why: Vec<&str> = c.failed_checks().map(|k| k.message.as_str()).collect();
            format!("{}: {}", c.id, why.join("; "))
        })
        .collect()
}
