//! The runner: reads case files, sends requests, applies the core's checks,
//! and assembles a [`RunReport`].
//!
//! Cases run concurrently (bounded by `concurrency`), but the report lists
//! them in suite order, so output does not depend on timing.

pub mod census;
pub mod http;
pub mod snapshot;

use crate::core::case::{Expect, Level, Request, Semantic, Step};
use crate::core::check::{self, CheckKind, CheckResult, Context, Outcome};
use crate::core::exchange::{Exchange, HttpRequest, HttpResponse, TransportError};
use crate::core::load::{self, Diagnostic, LoadedCase, SourceFile, Suite};
use crate::core::snapshot as snap;
use crate::report::{CaseReport, RunReport, Verdict};
use crate::schema::SchemaSet;
use crate::server::{self, RunningServer, ServerConfig};
use http::{Client, ClientOptions};
use serde_json::Value;
use snapshot::SnapshotStore;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read cases from {path}: {source}; pass the suite folder with --cases")]
    ReadCases {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no case files (*.yaml) found under {0}; pass the suite folder with --cases")]
    NoCases(PathBuf),
    #[error("{} problem(s) in the case files", .0.len())]
    Cases(Vec<Diagnostic>),
    #[error("the contract's schemas do not compile: {0}")]
    Schemas(String),
    #[error(
        "cannot read the fixture {path}: {reason}; --fixture takes the JSON array of job summaries the target serves"
    )]
    Fixture { path: PathBuf, reason: String },
    #[error("invalid target URL {url:?}: {reason}; give a base URL such as http://127.0.0.1:8080")]
    Target { url: String, reason: String },
    #[error("cannot reach the target {url}: {reason}. Is the server running and is the URL right?")]
    Unreachable { url: String, reason: String },
    #[error(
        "the target {url} is not trusted: {reason}. If it is a test server with its own certificate, add --insecure to skip verification"
    )]
    Untrusted { url: String, reason: String },
    #[error(transparent)]
    Client(#[from] http::ClientError),
    #[error("cannot start the embedded reference server: {0}")]
    Server(#[from] server::ServerError),
}

/// Reads every `*.yaml` file under `dir` (sorted, so runs are repeatable).
/// Names are shown relative to `dir`'s parent (`cases/filter.yaml`).
pub fn read_case_files(dir: &Path) -> Result<Vec<SourceFile>, RunError> {
    let mut paths = Vec::new();
    collect_yaml(dir, &mut paths).map_err(|source| RunError::ReadCases {
        path: dir.to_path_buf(),
        source,
    })?;
    paths.sort();
    let base = dir.parent().unwrap_or(Path::new(""));
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| RunError::ReadCases {
            path: path.clone(),
            source,
        })?;
        let name = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        files.push(SourceFile { name, text });
    }
    if files.is_empty() {
        return Err(RunError::NoCases(dir.to_path_buf()));
    }
    Ok(files)
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            // Fixtures and other data live beside the cases; they are not cases.
            if path.file_name().is_some_and(|n| n == "fixtures") {
                continue;
            }
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path.file_name().is_some_and(|n| n != REQUIREMENTS_FILE)
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Name of the requirements catalogue inside a suite folder.
pub const REQUIREMENTS_FILE: &str = "requirements.yaml";

/// Loads and checks a suite folder, with its requirements catalogue when
/// the folder has one.
pub fn load_suite(dir: &Path) -> Result<Suite, RunError> {
    let files = read_case_files(dir)?;
    let schemas = SchemaSet::embedded().map_err(|e| RunError::Schemas(e.to_string()))?;
    let catalogue_path = dir.join(REQUIREMENTS_FILE);
    let catalogue = if catalogue_path.is_file() {
        let text =
            std::fs::read_to_string(&catalogue_path).map_err(|source| RunError::ReadCases {
                path: catalogue_path.clone(),
                source,
            })?;
        let base = dir.parent().unwrap_or(Path::new(""));
        let name = catalogue_path
            .strip_prefix(base)
            .unwrap_or(&catalogue_path)
            .to_string_lossy()
            .replace('\\', "/");
        Some(SourceFile { name, text })
    } else {
        None
    };
    load::load_with_requirements(&files, catalogue.as_ref(), schemas).map_err(RunError::Cases)
}

/// Reads a fixture file (a JSON array of jobs).
pub fn read_fixture(path: &Path) -> Result<Vec<Value>, RunError> {
    let text = std::fs::read_to_string(path).map_err(|e| RunError::Fixture {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse_fixture(&text).map_err(|reason| RunError::Fixture {
        path: path.to_path_buf(),
        reason,
    })
}

pub fn parse_fixture(text: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(jobs)) => Ok(jobs),
        Ok(_) => Err("it is not a JSON array of jobs".into()),
        Err(e) => Err(format!("it is not valid JSON: {e}")),
    }
}

/// Which cases to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Id patterns (`*` matches any run of characters); empty selects all.
    pub filters: Vec<String>,
    /// Tags, any of which selects a case; empty selects all.
    pub tags: Vec<String>,
    /// Levels; empty selects all.
    pub levels: Vec<Level>,
}

impl Selection {
    pub fn selects(&self, case: &LoadedCase) -> bool {
        let c = &case.case;
        (self.filters.is_empty() || self.filters.iter().any(|f| glob(f, case.id())))
            && (self.tags.is_empty() || self.tags.iter().any(|t| c.tags.contains(t)))
            && (self.levels.is_empty() || self.levels.contains(&c.level))
    }

    /// The selection as a report records it, with the size of the suite it
    /// was taken from, so the verdict can tell a partial run.
    pub fn report(&self, suite: &Suite) -> crate::report::SelectionReport {
        let mut totals = crate::report::LevelTotals::default();
        for case in &suite.cases {
            totals.add(case.case.level);
        }
        crate::report::SelectionReport {
            suite: totals,
            filters: self.filters.clone(),
            tags: self.tags.clone(),
            levels: self.levels.clone(),
        }
    }
}

/// `*` matches any run of characters; without a `*`, a pattern matches ids
/// that contain it.
pub fn glob(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

/// How to run.
pub struct RunOptions {
    /// Base URL; the path of each case is appended (a path prefix is kept).
    pub target: String,
    pub client: ClientOptions,
    pub concurrency: usize,
    /// The canonical data set, when the target holds it.
    pub fixture: Option<Arc<Vec<Value>>>,
    /// The target honours the fault-injection header.
    pub faults: bool,
    /// Where snapshots are compared; `None` skips snapshot checks.
    pub snapshots: Option<SnapshotStore>,
    /// Header names whose values are hidden in everything the run records
    /// (on top of Authorization, X-Amz-Security-Token and cookies).
    pub redact: Vec<String>,
}

/// Checks that the target answers at all. Any HTTP answer counts, even one
/// whose body never finishes (its headers came, so the cases will report
/// the stall); only a failure to connect, or no status line and headers in
/// time, means unreachable.
pub async fn probe(client: &Client, target: &str) -> Result<(), RunError> {
    let request = HttpRequest {
        method: "POST".into(),
        url: join_url(target, "/jobs/list"),
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{}".to_vec(),
    };
    match client.send(request, false).await.outcome {
        Ok(_) => Ok(()),
        Err(TransportError::Tls(reason)) => Err(RunError::Untrusted {
            url: target.to_string(),
            reason,
        }),
        Err(e @ (TransportError::Connect(_) | TransportError::Timeout(_))) => {
            Err(RunError::Unreachable {
                url: target.to_string(),
                reason: e.to_string(),
            })
        }
        // A target that breaks connections or stalls mid-body still answers
        // something; each case will report what it does. Named one by one so
        // that a new kind of failure needs a decision here.
        Err(
            TransportError::BodyTimeout { .. }
            | TransportError::Broken(_)
            | TransportError::Request(_),
        ) => Ok(()),
    }
}

/// Checks a target URL for the mistakes a user makes most.
pub fn validate_target(url: &str) -> Result<String, RunError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| RunError::Target {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(RunError::Target {
            url: url.to_string(),
            reason: format!("scheme {:?} is not http or https", parsed.scheme()),
        });
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(RunError::Target {
            url: url.to_string(),
            reason: "a base URL has no query or fragment".into(),
        });
    }
    Ok(url.trim_end_matches('/').to_string())
}

pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Runs the selected cases; `progress` is called as each case finishes.
pub async fn run(
    suite: &Suite,
    selection: &Selection,
    options: RunOptions,
    progress: impl Fn(&CaseReport) + Send + Sync + 'static,
) -> Result<RunReport, RunError> {
    let concurrency = options.concurrency;
    let started = Instant::now();
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let shared = Arc::new(Shared::new(options)?);
    probe(&shared.client, &shared.target).await?;
    let progress = Arc::new(progress);
    let selected: Vec<LoadedCase> = suite
        .cases
        .iter()
        .filter(|c| selection.selects(c))
        .cloned()
        .collect();
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    // Which case each task runs: a task that panics returns nothing, and
    // its case must still be reported, never silently dropped.
    let mut case_of: HashMap<tokio::task::Id, usize> = HashMap::new();
    for (index, case) in selected.iter().cloned().enumerate() {
        let shared = Arc::clone(&shared);
        let limit = Arc::clone(&limit);
        let progress = Arc::clone(&progress);
        let task = tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let report = run_case(&case, &shared).await;
            progress(&report);
            report
        });
        case_of.insert(task.id(), index);
    }
    let mut reports: Vec<Option<CaseReport>> = vec![None; selected.len()];
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, report) = match joined {
            Ok((id, report)) => (id, report),
            Err(error) => {
                // A panic is a harness bug, not a finding about the target,
                // but the case was not judged: it fails (at must level, so
                // even an info case fails the run) with the panic message,
                // and the other cases go on.
                let id = error.id();
                let Some(case) = case_of.get(&id).map(|&i| &selected[i]) else {
                    continue;
                };
                let why = if error.is_panic() {
                    let payload = error.into_panic();
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".to_string());
                    format!("the harness panicked while running this case: {message}")
                } else {
                    "the harness cancelled this case before it finished".to_string()
                };
                let c = &case.case;
                let report = CaseReport {
                    id: case.id().to_string(),
                    file: case.file.clone(),
                    line: case.line,
                    level: c.level,
                    verifies: c.verifies.clone(),
                    tags: c.tags.clone(),
                    requirements: c.requirements.iter().map(|r| r.value.clone()).collect(),
                    exchanges: Vec::new(),
                    checks: vec![CheckResult::fail(
                        CheckKind::HarnessError,
                        Level::Must,
                        format!(
                            "{why}. This is a bug in macie-conform, not a finding about the target; please report it with this message"
                        ),
                    )],
                    verdict: Verdict::Fail,
                    duration_ms: 0,
                };
                // The progress display counts this case too. The callback
                // may be what panicked; a second panic must not end the run.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    progress(&report);
                }));
                (id, report)
            }
        };
        if let Some(&index) = case_of.get(&id) {
            reports[index] = Some(report);
        }
    }
    Ok(RunReport {
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        suite_digest: suite.digest.clone(),
        started_at,
        // Reports are shared; credentials in the URL must not travel with them.
        target: crate::report::without_credentials(&shared.target),
        fixture: shared.fixture.is_some(),
        selection: selection.report(suite),
        cases: reports.into_iter().flatten().collect(),
        requirements: suite
            .requirements
            .iter()
            .map(|r| crate::report::RequirementInfo {
                id: r.id().to_string(),
                level: r.level,
                section: r.section.clone(),
                statement: r.statement.clone(),
                judged_by: r.judged_by.iter().map(|k| k.value).collect(),
            })
            .collect(),
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

/// What every case task needs.
pub struct Shared {
    pub client: Client,
    pub schemas: &'static SchemaSet,
    pub target: String,
    pub fixture: Option<Arc<Vec<Value>>>,
    pub faults: bool,
    pub snapshots: Option<SnapshotStore>,
    pub redact: Vec<String>,
    /// How much data the target holds, learned at most once per run.
    census: tokio::sync::OnceCell<census::Census>,
}

impl Shared {
    /// How many jobs the target lists: the fixture's size when the target is
    /// declared to hold it, otherwise counted once by walking the listing.
    pub async fn census(&self) -> &census::Census {
        self.census
            .get_or_init(|| async {
                match &self.fixture {
                    Some(jobs) => census::Census::Exactly(jobs.len()),
                    None => census::count(self).await,
                }
            })
            .await
    }

    /// Records an exchange with its secrets hidden, so no report, snapshot
    /// or log made from the case report can show them.
    /// Returns the exchange's index in the case report, which the checks
    /// that judged it carry.
    fn record(&self, report: &mut CaseReport, mut exchange: Exchange) -> usize {
        crate::report::redact(&mut exchange, &self.redact);
        report.exchanges.push(exchange);
        report.exchanges.len() - 1
    }

    pub fn new(options: RunOptions) -> Result<Shared, RunError> {
        Ok(Shared {
            client: Client::new(options.client)?,
            schemas: SchemaSet::embedded().map_err(|e| RunError::Schemas(e.to_string()))?,
            target: options.target,
            fixture: options.fixture,
            faults: options.faults,
            snapshots: options.snapshots,
            redact: options.redact,
            census: tokio::sync::OnceCell::new(),
        })
    }
}

/// Runs one case to its report.
pub async fn run_case(case: &LoadedCase, shared: &Shared) -> CaseReport {
    let started = Instant::now();
    let c = &case.case;
    let mut report = CaseReport {
        id: case.id().to_string(),
        file: case.file.clone(),
        line: case.line,
        level: c.level,
        verifies: c.verifies.clone(),
        tags: c.tags.clone(),
        requirements: c.requirements.iter().map(|r| r.value.clone()).collect(),
        exchanges: Vec::new(),
        checks: Vec::new(),
        verdict: Verdict::Pass,
        duration_ms: 0,
    };
    let skip = if c.fixture && shared.fixture.is_none() {
        Some(
            "needs the canonical data set; pass --fixture cases/fixtures/jobs.json if the target serves it",
        )
    } else if c.faults && !shared.faults {
        Some(
            "needs fault injection (x-macie-conform-fault); pass --faults if the target honours it",
        )
    } else {
        None
    };
    if let Some(reason) = skip {
        report.verdict = Verdict::Skip(reason.to_string());
        return report;
    }
    if let Some(min_jobs) = c.requires.min_jobs
        && let Some(reason) = shared.census().await.shortfall(min_jobs)
    {
        report.verdict = Verdict::Skip(reason);
        return report;
    }
    let steps = c.steps();
    let named = steps.len() > 1;
    let mut vars: BTreeMap<String, Value> = BTreeMap::new();
    for (index, step) in steps.iter().enumerate() {
        let before = report.checks.len();
        let exchanges_before = report.exchanges.len();
        let snapshot_name = if named {
            format!("{}.{}", case.id(), index + 1)
        } else {
            case.id().to_string()
        };
        let go_on = if step.walk.is_some() {
            run_walk(
                step,
                c.level,
                shared,
                &mut vars,
                &mut report,
                &snapshot_name,
            )
            .await
        } else {
            run_step(
                step,
                c.level,
                shared,
                &mut vars,
                &mut report,
                &snapshot_name,
            )
            .await
        };
        for check in &mut report.checks[before..] {
            check.step = index;
        }
        for exchange in &mut report.exchanges[exchanges_before..] {
            exchange.step = index;
        }
        if !go_on {
            break;
        }
    }
    report.verdict = CaseReport::decide(&report.checks);
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

fn build_request(request: &Request, vars: &BTreeMap<String, Value>, target: &str) -> HttpRequest {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), substitute_str(v, vars)))
        .collect();
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let body = match (&request.raw, &request.body) {
        (Some(raw), _) => substitute_str(raw, vars).into_bytes(),
        (None, Some(body)) => substitute_value(body, vars).to_string().into_bytes(),
        (None, None) => b"{}".to_vec(),
    };
    HttpRequest {
        method: request.method.clone(),
        url: join_url(target, &substitute_str(&request.path, vars)),
        headers,
        body,
    }
}

/// Replaces `${name}` in a string. A string that is exactly one placeholder
/// takes the captured value itself, keeping its JSON type.
fn substitute_value(v: &Value, vars: &BTreeMap<String, Value>) -> Value {
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                && let Some(value) = vars.get(name)
            {
                return value.clone();
            }
            Value::String(substitute_str(s, vars))
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute_value(x, vars)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute_value(x, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(s: &str, vars: &BTreeMap<String, Value>) -> String {
    let mut out = s.to_string();
    for (name, value) in vars {
        let text = match value {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        out = out.replace(&format!("${{{name}}}"), &text);
    }
    out
}

fn wants_throttle(expect: &Expect) -> bool {
    let codes = |e: &Expect| {
        e.status.as_ref().is_some_and(|s| s.codes().contains(&429))
            || e.error == Some(crate::model::ErrorKind::ThrottlingException)
    };
    codes(expect) || expect.any_of.iter().any(codes)
}

/// One request step. Returns whether later steps can run.
async fn run_step(
    step: &Step,
    level: Level,
    shared: &Shared,
    vars: &mut BTreeMap<String, Value>,
    report: &mut CaseReport,
    snapshot_name: &str,
) -> bool {
    let request = build_request(&step.request, vars, &shared.target);
    let request_json = serde_json::from_slice::<Value>(&request.body).ok();
    let exchange = shared
        .client
        .send(request, !wants_throttle(&step.expect))
        .await;
    let response = match &exchange.outcome {
        Ok(r) => r.clone(),
        Err(e) => {
            let message = e.to_string();
            let at = shared.record(report, exchange);
            report
                .checks
                .push(CheckResult::fail(CheckKind::Transport, level, message).judging(at));
            return false;
        }
    };
    let at = shared.record(report, exchange);
    let before = report.checks.len();
    let ctx = Context {
        level,
        schemas: shared.schemas,
        request: request_json.as_ref(),
        fixture: shared.fixture.as_deref().map(Vec::as_slice),
    };
    report
        .checks
        .extend(check::evaluate(&step.expect, &ctx, &response));
    if step.expect.snapshot {
        report.checks.push(snapshot_check(
            shared,
            snapshot_name,
            &report.file,
            &response,
            request_json.as_ref(),
            level,
        ));
    }
    let go_on = capture(step, response.json().ok(), vars, level, report);
    // Everything this step judged, it judged in this one answer.
    for check in &mut report.checks[before..] {
        check.exchange = Some(at);
    }
    go_on
}

/// Applies a step's captures to `body`: the answer of a request step, or
/// the whole listing (`{"items": [...]}`) of a walk.
fn capture(
    step: &Step,
    body: Option<Value>,
    vars: &mut BTreeMap<String, Value>,
    level: Level,
    report: &mut CaseReport,
) -> bool {
    if step.capture.is_empty() {
        return true;
    }
    for (name, path) in &step.capture {
        let found = body.as_ref().and_then(|b| {
            serde_json_path::JsonPath::parse(&path.value)
                .ok()
                .and_then(|q| q.query(b).first().cloned())
        });
        match found {
            Some(value) => {
                vars.insert(name.clone(), value);
            }
            None => {
                report.checks.push(CheckResult::fail(
                    CheckKind::Capture,
                    level,
                    format!("cannot capture `{name}`: {} selects nothing in the answer, so later steps cannot run", path.value),
                ));
                return false;
            }
        }
    }
    true
}

fn snapshot_check(
    shared: &Shared,
    name: &str,
    source: &str,
    response: &HttpResponse,
    request: Option<&Value>,
    level: Level,
) -> CheckResult {
    let Some(store) = &shared.snapshots else {
        return CheckResult::skip(
            CheckKind::Snapshot,
            level,
            "snapshots are not compared in this run",
        );
    };
    let body = match response.json() {
        Ok(b) => b,
        Err(reason) => {
            return CheckResult::fail(
                CheckKind::Snapshot,
                level,
                format!("cannot snapshot: {reason}"),
            );
        }
    };
    let normalised = serde_json::json!({
        "status": response.status,
        "body": snap::normalise(&body, request),
    });
    store.compare(name, source, &normalised, level)
}

/// A page walk: follows `nextToken` to the end, then judges the pages
/// together.
async fn run_walk(
    step: &Step,
    level: Level,
    shared: &Shared,
    vars: &mut BTreeMap<String, Value>,
    report: &mut CaseReport,
    snapshot_name: &str,
) -> bool {
    let max_pages = step.walk.as_ref().map_or(1_000, |w| w.max_pages);
    let first = build_request(&step.request, vars, &shared.target);
    let Some(request_json) = serde_json::from_slice::<Value>(&first.body)
        .ok()
        .filter(Value::is_object)
    else {
        report.checks.push(CheckResult::fail(
            CheckKind::Json,
            level,
            "a walk needs a JSON object request body",
        ));
        return false;
    };
    // Status, schema and headers hold for every page. JSONPath assertions
    // are about the listing (its order, its members) and are judged on the
    // whole of it below: how the jobs are spread over pages is the
    // server's choice.
    let page_expect = Expect {
        status: step.expect.status.clone(),
        error: step.expect.error,
        schema: step.expect.schema.clone(),
        headers: step.expect.headers.clone(),
        ..Expect::default()
    };
    let may_refuse = step.walk.as_ref().is_some_and(|w| w.may_refuse);
    let plan = WalkPlan {
        first: &first,
        request_json: &request_json,
        max_pages,
        level,
        page_expect: &page_expect,
        may_refuse,
    };
    let walked = match walk_pages(shared, &plan, report).await {
        WalkEnd::Listing(w) => w,
        WalkEnd::Refused | WalkEnd::Broken => return false,
    };
    let ctx = Context {
        level,
        schemas: shared.schemas,
        request: Some(&request_json),
        fixture: shared.fixture.as_deref().map(Vec::as_slice),
    };
    let all: Vec<Value> = walked.iter().flatten().cloned().collect();
    for semantic in &step.expect.semantics {
        let result = match semantic {
            Semantic::Filter => check::filter_check(&ctx, &all, level),
            Semantic::Sort => check::sort_check(&ctx, &all, level, "the walk"),
            Semantic::PageSize => {
                let sizes: Vec<usize> = walked.iter().map(Vec::len).collect();
                check::page_size_check(Some(&request_json), &sizes, level)
            }
            Semantic::NoDuplicates => check::no_duplicates_check(&walked, level),
            Semantic::Complete => {
                // The reference: the same listing at the server's own page size.
                let mut reference = request_json.clone();
                if let Some(obj) = reference.as_object_mut() {
                    obj.remove("maxResults");
                    obj.remove("nextToken");
                }
                let mut first_ref = first.clone();
                first_ref.body = reference.to_string().into_bytes();
                let mut scratch = CaseReport {
                    exchanges: Vec::new(),
                    checks: Vec::new(),
                    ..report.clone()
                };
                let reference_plan = WalkPlan {
                    first: &first_ref,
                    request_json: &reference,
                    may_refuse: false,
                    ..plan
                };
                match walk_pages(shared, &reference_plan, &mut scratch).await {
                    WalkEnd::Listing(pages) => {
                        let reference_items: Vec<Value> = pages.into_iter().flatten().collect();
                        check::complete_check(&all, &reference_items, level)
                    }
                    WalkEnd::Refused | WalkEnd::Broken => {
                        let why = scratch
                            .failed_checks()
                            .next()
                            .map(|c| c.message.clone())
                            .unwrap_or_default();
                        CheckResult::fail(
                            CheckKind::Complete,
                            level,
                            format!("the reference walk (no maxResults) failed: {why}"),
                        )
                    }
                }
            }
        };
        report.checks.push(result);
    }
    let listing = serde_json::json!({ "items": all });
    report.checks.extend(check::jsonpath_checks(
        &step.expect.jsonpath,
        &listing,
        level,
    ));
    if step.expect.oracle {
        report
            .checks
            .push(check::oracle_check(&ctx, &all, true, level));
    }
    if step.expect.snapshot {
        let Some(store) = &shared.snapshots else {
            report.checks.push(CheckResult::skip(
                CheckKind::Snapshot,
                level,
                "snapshots are not compared in this run",
            ));
            return capture(
                step,
                Some(serde_json::json!({ "items": all })),
                vars,
                level,
                report,
            );
        };
        // The page count is left out: a server may return fewer jobs than
        // maxResults per page, so only the jobs themselves are fixed.
        let combined = serde_json::json!({ "items": all });
        let normalised = serde_json::json!({
            "body": snap::normalise(&combined, Some(&request_json)),
        });
        report
            .checks
            .push(store.compare(snapshot_name, &report.file, &normalised, level));
    }
    capture(
        step,
        Some(serde_json::json!({ "items": all })),
        vars,
        level,
        report,
    )
}

/// How a walk ended.
enum WalkEnd {
    /// Every page, in order.
    Listing(Vec<Vec<Value>>),
    /// The first request was refused as the step allows.
    Refused,
    /// A failure was recorded; the listing cannot be judged.
    Broken,
}

/// Fetches every page. Page-level checks are merged per assertion, so a
/// walk of 1000 pages reports one line per assertion naming the first
/// failing page and how many pages failed it.
///
/// Only the first two pages and the last one (the failing one, when the
/// walk breaks) are recorded as exchanges: a long walk would otherwise
/// swell reports with near-identical pages.
/// What one walk sends and how its pages are judged.
#[derive(Clone, Copy)]
struct WalkPlan<'a> {
    first: &'a HttpRequest,
    request_json: &'a Value,
    max_pages: usize,
    level: Level,
    /// Checks that hold for every page.
    page_expect: &'a Expect,
    /// See [`crate::core::case::Walk::may_refuse`].
    may_refuse: bool,
}

async fn walk_pages(shared: &Shared, plan: &WalkPlan<'_>, report: &mut CaseReport) -> WalkEnd {
    let WalkPlan {
        first,
        request_json,
        max_pages,
        level,
        page_expect,
        may_refuse,
    } = *plan;
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut merged: Vec<Merged> = Vec::new();
    let mut body = request_json.clone();
    let mut request = first.clone();
    // The report keeps page 1, every page where a page check first failed,
    // and the last page: the evidence, not every near-identical page of a
    // long walk. `latest` is the newest page while it is not yet kept.
    let mut latest: Option<Exchange> = None;
    let mut cut_off: Option<usize> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let outcome = loop {
        if pages.len() >= max_pages {
            cut_off = Some(report.checks.len());
            report.checks.push(CheckResult::fail(
                CheckKind::LastPage,
                level,
                format!("the listing did not end within {max_pages} pages; nextToken keeps coming"),
            ));
            break None;
        }
        let page_number = pages.len() + 1;
        let mut exchange: Exchange = shared.client.send(request.clone(), true).await;
        exchange.page = Some(page_number);
        let response = match &exchange.outcome {
            Ok(r) => r.clone(),
            Err(e) => {
                let mut check = CheckResult::fail(
                    CheckKind::Transport,
                    level,
                    format!("page {page_number}: {e}"),
                );
                check.exchange = Some(shared.record(report, exchange));
                report.checks.push(check);
                latest = None;
                break None;
            }
        };
        let ctx = Context {
            level,
            schemas: shared.schemas,
            request: Some(&body),
            fixture: None,
        };
        if may_refuse && page_number == 1 && response.status == 400 {
            let refusal = Expect {
                error: Some(crate::model::ErrorKind::ValidationException),
                ..Expect::default()
            };
            let results = check::evaluate(&refusal, &ctx, &response);
            if results.iter().all(|r| !r.failed()) {
                let at = shared.record(report, exchange);
                report
                    .checks
                    .extend(results.into_iter().map(|r| r.judging(at)));
                // Info level: what the target accepts is its own choice,
                // listed among the observations, never failed.
                report.checks.push(
                    CheckResult::fail(
                        CheckKind::Status,
                        Level::Info,
                        "the target refused this request with a ValidationException, which the case allows (it may limit maxResults); the listing was not judged",
                    )
                    .judging(at),
                );
                return WalkEnd::Refused;
            }
        }
        let results = check::evaluate(page_expect, &ctx, &response);
        let first_failure_here = results.iter().enumerate().any(|(position, result)| {
            result.failed()
                && !merged.iter().any(|m| {
                    m.position == position && m.result.kind == result.kind && m.failing_pages > 0
                })
        });
        // A page is kept when it is the first, or the first to fail a check.
        let kept = (page_number == 1 || first_failure_here)
            .then(|| shared.record(report, exchange.clone()));
        latest = match kept {
            Some(_) => None,
            None => Some(exchange),
        };
        for (position, result) in results.into_iter().enumerate() {
            let result = match kept {
                Some(at) => result.judging(at),
                None => result,
            };
            match merged
                .iter_mut()
                .find(|m| m.position == position && m.result.kind == result.kind)
            {
                Some(entry) => {
                    if result.failed() {
                        if entry.failing_pages == 0 {
                            entry.result = result;
                            entry.first_failing = page_number;
                        }
                        entry.failing_pages += 1;
                    }
                }
                None => merged.push(Merged {
                    position,
                    failing_pages: usize::from(result.failed()),
                    first_failing: page_number,
                    result,
                }),
            }
        }
        // Failures of the walk itself below are about this page: keep it.
        let mut keep_this_page = |report: &mut CaseReport| match kept {
            Some(at) => Some(at),
            None => latest.take().map(|e| shared.record(report, e)),
        };
        let parsed = response.json().ok();
        let Some(items) = parsed.as_ref().and_then(check::items) else {
            let mut check = CheckResult::fail(
                CheckKind::Json,
                level,
                format!(
                    "page {page_number}: {}; the walk cannot go on",
                    check::not_a_listing(&response)
                ),
            );
            check.exchange = keep_this_page(report);
            report.checks.push(check);
            pages.push(Vec::new());
            break None;
        };
        // A page made only of jobs already listed means the token did not
        // move the listing on (say, a server that ignores nextToken); going
        // on would fetch the same page up to max_pages times. Tokens are
        // opaque, so progress is judged by the jobs, never the token text.
        let keys: Vec<String> = items.iter().map(check::job_key).collect();
        if page_number > 1 && !keys.is_empty() && keys.iter().all(|k| seen.contains(k)) {
            let mut check = CheckResult::fail(
                CheckKind::LastPage,
                level,
                format!(
                    "page {page_number} lists only jobs of earlier pages; nextToken does not move the listing forward, so the walk stops here"
                ),
            );
            check.exchange = keep_this_page(report);
            report.checks.push(check);
            pages.push(items.clone());
            break None;
        }
        seen.extend(keys);
        pages.push(items.clone());
        match parsed.as_ref().and_then(|b| b.get("nextToken")) {
            Some(Value::String(token)) => {
                body["nextToken"] = Value::String(token.clone());
                request.body = body.to_string().into_bytes();
            }
            None | Some(Value::Null) => break Some(()),
            Some(other) => {
                let mut check = CheckResult::fail(
                    CheckKind::LastPage,
                    level,
                    format!("page {page_number}: nextToken is {other}, neither a string nor null"),
                );
                check.exchange = keep_this_page(report);
                report.checks.push(check);
                break None;
            }
        }
    };
    if let Some(exchange) = latest {
        let at = shared.record(report, exchange);
        // A walk cut off at max_pages is judged on the last page fetched.
        if let Some(check) = cut_off.and_then(|i| report.checks.get_mut(i)) {
            check.exchange = Some(at);
        }
    }
    flush(merged, pages.len(), report);
    match outcome {
        Some(()) => WalkEnd::Listing(pages),
        None => WalkEnd::Broken,
    }
}

/// One page-level check, merged over the pages of a walk.
struct Merged {
    /// Its place among the page's results: several checks of one kind
    /// (several JSONPath assertions, say) stay apart.
    position: usize,
    result: CheckResult,
    failing_pages: usize,
    first_failing: usize,
}

fn flush(merged: Vec<Merged>, pages: usize, report: &mut CaseReport) {
    for m in merged {
        let mut result = m.result;
        if result.outcome == Outcome::Fail {
            result.message = format!(
                "page {} (of {pages}; {} failing): {}",
                m.first_failing, m.failing_pages, result.message
            );
        } else if result.outcome == Outcome::Pass {
            result.message = format!("all {pages} page(s): {}", result.message);
        }
        report.checks.push(result);
    }
}

/// Starts the embedded reference server (canonical fixture, fault injection
/// on) on a free loopback port.
pub async fn start_embedded() -> Result<RunningServer, RunError> {
    let config = ServerConfig::embedded()?.with_faults(true);
    Ok(server::spawn(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?)
}

/// The canonical fixture as the checks see it.
pub fn embedded_fixture() -> Vec<Value> {
    parse_fixture(server::EMBEDDED_FIXTURE).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_target_path_prefix() {
        assert_eq!(join_url("http://h:1", "/jobs/list"), "http://h:1/jobs/list");
        assert_eq!(
            join_url("http://h:1/macie/", "/jobs/list"),
            "http://h:1/macie/jobs/list"
        );
        assert_eq!(
            validate_target("http://h:1/prefix/").ok().as_deref(),
            Some("http://h:1/prefix")
        );
        assert!(validate_target("h:1").is_err());
        assert!(validate_target("http://h:1/?a=b").is_err());
    }

    #[test]
    fn selection_patterns() {
        assert!(glob("filter", "filter.jobStatus.eq"));
        assert!(glob("filter.*", "filter.jobStatus.eq"));
        assert!(glob("*.eq", "filter.jobStatus.eq"));
        assert!(glob("f*Status*q", "filter.jobStatus.eq"));
        assert!(!glob("sort.*", "filter.jobStatus.eq"));
        assert!(!glob("*.ne", "filter.jobStatus.eq"));
    }

    #[test]
    fn placeholders_keep_json_types() {
        let mut vars = BTreeMap::new();
        vars.insert("n".to_string(), serde_json::json!(5));
        vars.insert("t".to_string(), serde_json::json!("tok"));
        let body =
            serde_json::json!({"maxResults": "${n}", "nextToken": "${t}", "s": "a-${t}-${n}"});
        assert_eq!(
            substitute_value(&body, &vars),
            serde_json::json!({"maxResults": 5, "nextToken": "tok", "s": "a-tok-5"})
        );
    }
}
