//! The runner: reads case files, sends requests, applies the core's checks,
//! and assembles a [`RunReport`].
//!
//! Cases run concurrently (bounded by `concurrency`), but the report lists
//! them in suite order, so output does not depend on timing.
//!
//! One room per concern: [`suite`] reads folders and fixtures, [`select`]
//! picks cases, [`target`] checks and starts targets, `step` runs one case
//! step by step, `walk` follows a listing's pages, [`census`] counts the
//! target's data, [`http`] sends one request, [`snapshot`] keeps the files.

mod case;
pub(crate) mod census;
pub mod events;
mod gate;
pub mod http;
mod listings;
pub mod pace;
mod transport;
/// Selection is pure, so it lives in the engine; kept here by its old path.
pub use crate::engine::select;
pub mod sigv4;
pub mod snapshot;
mod step;
pub mod suite;
pub mod target;
mod walk;
/// How hints name settings is pure, so it lives in the engine (its loader
/// words hints too); kept here by the path the runner's users know.
pub use crate::engine::words;
mod error;

pub use case::{run_case, undeclared_need};
pub use error::{Remedy, RunError};
pub use events::{EventSink, RunEvent};
pub use words::{Setting, Vocabulary};

pub use select::{Selection, glob};
pub use suite::{
    REQUIREMENTS_FILE, SuiteSources, builtin_case_files, load_suite, load_suites, parse_fixture,
    read_case_files, read_fixture,
};
pub(crate) use target::join_url;
pub use target::{Target, embedded_fixture, probe, start_embedded, validate_target};

use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult, Unjudged};
use crate::engine::exchange::Exchange;
use crate::engine::load::{LoadedCase, Suite};
use crate::report::{CaseReport, RunReport};
use crate::schema::SchemaSet;
use http::{Client, ClientOptions};
use serde_json::Value;
use snapshot::SnapshotStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// How to run. Start from [`RunOptions::new`] and set the fields you need:
/// fields may be added, so it cannot be written as a literal outside this
/// crate.
#[non_exhaustive]
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
    /// Variables (`--var`, `--vars-file`, `MACIE_CONFORM_VAR_*`), used as
    /// `${name}` in requests; a capture of the same name shadows one for
    /// the rest of its case. Values of variables with secret-looking names
    /// (see [`crate::vars::is_secret_name`]) are hidden in everything
    /// recorded.
    pub vars: std::collections::BTreeMap<String, String>,
    /// Keep the recorded answer bodies of cases in which no check failed.
    /// The JSON, HTML and Markdown reports list every exchange and want
    /// them; the terminal and JUnit show only failures' evidence, and over
    /// thousands of cases these bodies are most of a run's memory. Without
    /// them an exchange keeps its status, headers and body length.
    pub keep_passed_bodies: bool,
    /// How hints name settings: in the terms of the front end that
    /// started the run (see [`Vocabulary`]).
    pub words: Vocabulary,
}

impl RunOptions {
    /// A run against `target` with the default client, four cases at a
    /// time, no data set, fault injection or snapshots declared, and every
    /// answer body kept.
    pub fn new(target: impl Into<String>) -> RunOptions {
        RunOptions {
            target: target.into(),
            client: ClientOptions::default(),
            concurrency: 4,
            fixture: None,
            faults: false,
            snapshots: None,
            redact: Vec::new(),
            vars: Default::default(),
            keep_passed_bodies: true,
            words: Vocabulary::default(),
        }
    }
}

/// Runs the selected cases; `on_event` hears what happens as it happens
/// (see [`events`]), and the assembled report is returned at the end.
pub async fn run(
    suite: &Suite,
    selection: &Selection,
    options: RunOptions,
    on_event: impl Fn(&RunEvent<'_>) + Send + Sync + 'static,
) -> Result<RunReport, RunError> {
    run_until(suite, selection, options, None, on_event).await
}

/// [`run`], ending at `ends_at` when given instead of the options'
/// deadline from now: one deadline shared by several runs (each round of
/// an exploration) is still the user's `--deadline`, and messages name it.
pub(crate) async fn run_until(
    suite: &Suite,
    selection: &Selection,
    options: RunOptions,
    ends_at: Option<tokio::time::Instant>,
    on_event: impl Fn(&RunEvent<'_>) + Send + Sync + 'static,
) -> Result<RunReport, RunError> {
    let concurrency = options.concurrency;
    let started = Instant::now();
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let on_event: EventSink = Arc::new(on_event);
    let mut shared = Shared::new(options)?;
    if ends_at.is_some() {
        shared.deadline = ends_at;
    }
    shared.events = Some(Arc::clone(&on_event));
    let shared = Arc::new(shared);
    probe(&shared.client, &shared.target).await?;
    let selected: Vec<&LoadedCase> = suite
        .cases
        .iter()
        .filter(|c| selection.selects(c))
        .collect();
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    // Which case each task runs: a task that panics returns nothing, and
    // its case must still be reported, never silently dropped.
    let mut case_of: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut reports: Vec<Option<CaseReport>> = vec![None; selected.len()];
    // The longest cases start first (see `Case::round_trips`): across a
    // network, a long chain of pages started last would keep the whole
    // run waiting on it. Ties keep suite order; reports keep it always.
    let mut starts: Vec<usize> = (0..selected.len()).collect();
    starts.sort_by_key(|&i| std::cmp::Reverse(selected[i].case.round_trips()));
    for index in starts {
        // A case's task is spawned only once it may run: a waiting task
        // holds its whole future, and over thousands of cases those add up
        // to more than everything the run records.
        let Ok(permit) = Arc::clone(&limit).acquire_owned().await else {
            break;
        };
        while let Some(joined) = tasks.try_join_next_with_id() {
            collect(joined, &selected, &case_of, &on_event, &mut reports);
        }
        let shared = Arc::clone(&shared);
        let on_event = Arc::clone(&on_event);
        // Each task owns a copy of its case only while it runs: copying
        // the whole selection up front doubled the suite in memory.
        let case = selected[index].clone();
        let task = tasks.spawn(async move {
            let _permit = permit;
            let case = &case;
            on_event(&RunEvent::CaseStarted {
                index,
                id: case.id(),
            });
            let mut report = run_case_in_time(case, &shared).await;
            // An info case's answer is what its open choice turned out to
            // be (see `report::choices`): kept, passed or not.
            if !shared.keep_passed_bodies
                && report.level != Level::Info
                && report.checks.iter().all(|c| !c.failed())
            {
                for exchange in &mut report.exchanges {
                    if let Ok(response) = &mut exchange.outcome {
                        response.keep_at_most(0);
                    }
                }
            }
            on_event(&RunEvent::CaseFinished {
                index,
                report: &report,
            });
            report
        });
        case_of.insert(task.id(), index);
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        collect(joined, &selected, &case_of, &on_event, &mut reports);
    }
    Ok(RunReport {
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        suite_digest: suite.digest.clone(),
        started_at,
        // Reports are shared; credentials in the URL must not travel with them.
        target: crate::report::without_credentials(&shared.target),
        fixture: shared.fixture.is_some(),
        // The caller knows whether it started the target; see `Target`.
        embedded: false,
        selection: crate::report::SelectionReport::of(selection, suite),
        cases: reports.into_iter().flatten().collect(),
        requirements: suite
            .requirements
            .iter()
            .map(|r| crate::report::RequirementInfo {
                id: r.id().to_string(),
                level: r.level,
                section: r.section.clone(),
                statement: r.statement.clone(),
                judged_by: r
                    .judged_by
                    .as_ref()
                    .map(|kinds| kinds.iter().map(|k| k.value).collect()),
                fallback_for: r.fallback_for.iter().map(|k| k.value).collect(),
            })
            .collect(),
        duration_ms: started.elapsed().as_millis() as u64,
        coverage: Some(shared.coverage.coverage()),
        requests_sent: shared.client.sent(),
        connection_retries: shared.client.connection_retries(),
        exploration: None,
        product: Default::default(),
        certification: None,
    })
}

/// Files a finished case's report in its place. A task that panicked is a
/// harness bug, not a finding about the target, but its case was not
/// judged: it fails (at must level, so even an info case fails the run)
/// with the panic message, and the other cases go on.
fn collect(
    joined: Result<(tokio::task::Id, CaseReport), tokio::task::JoinError>,
    selected: &[&LoadedCase],
    case_of: &HashMap<tokio::task::Id, usize>,
    on_event: &EventSink,
    reports: &mut [Option<CaseReport>],
) {
    let (id, report) = match joined {
        Ok((id, report)) => (id, report),
        Err(error) => {
            let id = error.id();
            let Some(case) = case_of.get(&id).map(|&i| &selected[i]) else {
                return;
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
            let mut report = case::blank_report(case);
            report.checks.push(CheckResult::fail(
                    CheckKind::HarnessError,
                    Level::Must,
                    format!(
                        "{why}. This is a bug in macie-conform, not a finding about the target; please report it with this message"
                    ),
                ));
            report.verdict = crate::report::verdict::of_case(report.level, &report.checks);
            // Reporters count this case too. The event handler may be
            // what panicked; a second panic must not end the run.
            if let Some(&index) = case_of.get(&id) {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    on_event(&RunEvent::CaseFinished {
                        index,
                        report: &report,
                    });
                }));
            }
            (id, report)
        }
    };
    if let Some(&index) = case_of.get(&id) {
        reports[index] = Some(report);
    }
}

/// Runs a case unless the run has stopped, and cuts it off at the run's
/// deadline. A case that did not run to its end fails with the run's one
/// reason to stop: it was not verified, and the target (or the time it
/// takes) is why, so it is neither skipped nor passed.
async fn run_case_in_time(case: &LoadedCase, shared: &Shared) -> CaseReport {
    if let Some((cause, reason)) = shared.stopped() {
        return stopped_report(case, cause, &reason);
    }
    let Some(deadline) = shared.deadline else {
        return run_case(case, shared).await;
    };
    match tokio::time::timeout_at(deadline, run_case(case, shared)).await {
        Ok(report) => report,
        // The deadline has passed, so `stopped` has a reason.
        Err(_) => {
            let (cause, reason) = shared
                .stopped()
                .unwrap_or((Unjudged::Deadline, String::new()));
            stopped_report(case, cause, &reason)
        }
    }
}

/// How much of each response body the report keeps: 64 KiB, enough to
/// read any answer a person would read, and the checks judge the whole
/// body before it is cut. Every case's report is kept to the run's end and
/// a target may answer every request with `--max-body` bytes; at this size
/// a run of the whole suite holds a few MiB of bodies, not gigabytes. The
/// cut is marked in the response's `received`.
pub const RECORDED_BODY: usize = 64 << 10;

/// The whole answer of `exchange`, to judge, leaving in the exchange the
/// beginning that will be recorded (see [`RECORDED_BODY`]);
/// `None` if no answer came. The body is moved, never copied: a target may
/// send `--max-body` bytes to every one of several cases at once.
pub(crate) fn judged_answer(
    exchange: &mut Exchange,
) -> Option<crate::engine::exchange::HttpResponse> {
    let response = exchange.outcome.as_mut().ok()?;
    let body = std::mem::take(&mut response.body);
    // The claim on memory goes with the whole body, not with the part
    // the report keeps.
    let hold = std::mem::take(&mut response.hold);
    let mut whole = response.clone();
    whole.hold = hold;
    response.body = body[..body.len().min(RECORDED_BODY)].to_vec();
    if body.len() > RECORDED_BODY {
        response.received = Some(body.len());
    }
    whole.body = body;
    Some(whole)
}

/// A case failed because the run stopped before it ended. The check is at
/// must level whatever the case's level: an info case that never ran
/// observed nothing, and the run must not read as clean.
fn stopped_report(case: &LoadedCase, cause: Unjudged, reason: &str) -> CaseReport {
    let mut report = case::blank_report(case);
    // A deadline leaves the case unverified; a target that stopped
    // answering never got to run it.
    let said = match cause {
        Unjudged::TargetStopped => "not run",
        _ => "not verified",
    };
    report.checks.push(
        CheckResult::fail(
            CheckKind::Transport,
            Level::Must,
            format!("{said}: {reason}"),
        )
        .unjudged(cause),
    );
    report.verdict = crate::report::verdict::of_case(report.level, &report.checks);
    report
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
    /// The variables, typed as a body uses them (see [`crate::vars::typed`]).
    pub vars: std::collections::BTreeMap<String, Value>,
    /// Values hidden wherever they occur, as secret header values are.
    pub secret_values: Vec<String>,
    /// How much data the target holds, learned at most once per run.
    census: tokio::sync::OnceCell<census::Census>,
    /// The `${small_page}` of every case, learned at most once per run.
    small_page: tokio::sync::OnceCell<usize>,
    /// Who hears the run's events; `None` when a case is run on its own.
    pub events: Option<EventSink>,
    /// When the run must end (`--deadline`), if ever.
    deadline: Option<tokio::time::Instant>,
    /// Bytes the walks of all running cases hold now (see
    /// [`http::ClientOptions::max_retained_bytes`]).
    retained: AtomicUsize,
    /// Why the run stopped sending, fixed the first time a case sees it, so
    /// every case it fails gives the same reason (one finding, not many).
    stop_reason: OnceLock<(Unjudged, String)>,
    /// What the run's requests and answers exercised, noted as each answer
    /// is judged.
    pub(crate) coverage: crate::report::coverage::Tally,
    keep_passed_bodies: bool,
    /// How hints name settings (see [`Vocabulary`]).
    pub words: Vocabulary,
}

/// Bytes taken from the run's retained-bytes budget, given back when
/// dropped, so a case that ends in any way (even cut off at the deadline)
/// frees what it held.
pub(crate) struct Retained<'a> {
    shared: &'a Shared,
    bytes: usize,
}

impl Retained<'_> {
    /// Takes `bytes` more into this charge; false (and nothing taken) if the
    /// budget cannot spare them.
    pub(crate) fn grow(&mut self, bytes: usize) -> bool {
        match self.shared.retain(bytes) {
            Some(more) => {
                self.bytes += more.bytes;
                std::mem::forget(more);
                true
            }
            None => false,
        }
    }

    /// Takes over `other`'s bytes (a charge on the same run), so they stay
    /// charged as long as this charge lives rather than `other`.
    pub(crate) fn absorb(&mut self, other: Retained<'_>) {
        self.bytes += other.bytes;
        std::mem::forget(other);
    }
}

impl Drop for Retained<'_> {
    fn drop(&mut self) {
        self.shared
            .retained
            .fetch_sub(self.bytes, Ordering::Relaxed);
    }
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

    /// The run's `${small_page}` (see [`crate::engine::case::BUILTIN_VARIABLES`]):
    /// learned from the census and one request asking for that page size,
    /// at most once per run.
    pub async fn small_page(&self) -> usize {
        *self
            .small_page
            .get_or_init(|| async {
                let wanted = crate::engine::case::small_page_for(self.census().await.at_least());
                if wanted > 1 && census::honours(self, wanted).await {
                    wanted
                } else {
                    1
                }
            })
            .await
    }

    /// Records an exchange with its secrets hidden, so no report, snapshot
    /// or log made from the case report can show them.
    /// Returns the exchange's index in the case report, which the checks
    /// that judged it carry.
    /// Bodies are cut to [`RECORDED_BODY`] here (most already were, by
    /// [`judged_answer`]): the checks judge the whole answer, never the
    /// recorded copy.
    fn record(&self, report: &mut CaseReport, mut exchange: Exchange) -> usize {
        crate::report::redact_with(&mut exchange, &self.redact, &self.secret_values);
        if let Ok(response) = &mut exchange.outcome {
            response.keep_at_most(RECORDED_BODY);
        }
        report.exchanges.push(exchange);
        report.exchanges.len() - 1
    }

    /// Why no further case may run, if the run has stopped: its deadline
    /// passed, or the target stopped answering. The first time a reason is
    /// found, it is announced with [`RunEvent::Stopped`].
    pub fn stopped(&self) -> Option<(Unjudged, String)> {
        if let Some(stop) = self.stop_reason.get() {
            return Some(stop.clone());
        }
        let stop = if let Some(deadline) = self.deadline
            && tokio::time::Instant::now() >= deadline
        {
            let seconds = self
                .client
                .options()
                .deadline
                .map_or(0, |d| d.as_secs_f64().ceil() as u64);
            let deadline = self.words.name(Setting::Deadline);
            let selection = self.words.name(Setting::Selection);
            (
                Unjudged::Deadline,
                format!(
                    "the run reached its deadline of {seconds} s ({deadline}) and stopped sending before this case ended; raise {deadline}, or select fewer cases with {selection}"
                ),
            )
        } else if let Some((count, last)) = self.client.gave_up() {
            let timeout = self.words.name(Setting::Timeout);
            let limit = self.words.name(Setting::MaxTransportFailures);
            (
                Unjudged::TargetStopped,
                format!(
                    "the target stopped answering ({count} requests in a row got no answer, the last: {last}), so the run stopped sending. Check that the target is up and answers within {timeout}; {limit} sets the limit"
                ),
            )
        } else {
            return None;
        };
        if self.stop_reason.set(stop.clone()).is_ok() {
            self.emit(RunEvent::Stopped {
                cause: stop.0,
                reason: &stop.1,
            });
            return Some(stop);
        }
        // Another case found a reason first; the run keeps that one.
        self.stop_reason.get().cloned()
    }

    /// An empty charge on the run's retained-bytes budget, to grow.
    pub(crate) fn charge(&self) -> Retained<'_> {
        Retained {
            shared: self,
            bytes: 0,
        }
    }

    /// Takes `bytes` from the run's retained-bytes budget for as long as
    /// the returned charge lives; `None` if the budget cannot spare them.
    pub(crate) fn retain(&self, bytes: usize) -> Option<Retained<'_>> {
        let limit = self.client.options().max_retained_bytes;
        let before = self.retained.fetch_add(bytes, Ordering::Relaxed);
        if limit > 0 && before.saturating_add(bytes) > limit {
            self.retained.fetch_sub(bytes, Ordering::Relaxed);
            return None;
        }
        Some(Retained {
            shared: self,
            bytes,
        })
    }

    pub(crate) fn emit(&self, event: RunEvent<'_>) {
        if let Some(sink) = &self.events {
            sink(&event);
        }
    }

    pub fn new(options: RunOptions) -> Result<Shared, RunError> {
        let deadline = options
            .client
            .deadline
            .and_then(|d| tokio::time::Instant::now().checked_add(d));
        Ok(Shared {
            client: Client::new(options.client)?,
            schemas: SchemaSet::embedded().map_err(|e| RunError::Schemas(e.to_string()))?,
            target: options.target,
            fixture: options.fixture,
            faults: options.faults,
            // The store's hints speak as the rest of the run does.
            snapshots: options.snapshots.map(|s| s.with_words(options.words)),
            redact: options.redact,
            secret_values: crate::vars::secret_values(&options.vars),
            vars: options
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), crate::vars::typed(v)))
                .collect(),
            census: tokio::sync::OnceCell::new(),
            small_page: tokio::sync::OnceCell::new(),
            events: None,
            deadline,
            stop_reason: OnceLock::new(),
            retained: AtomicUsize::new(0),
            coverage: crate::report::coverage::Tally::default(),
            keep_passed_bodies: options.keep_passed_bodies,
            words: options.words,
        })
    }
}
