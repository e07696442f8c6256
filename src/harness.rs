//! The one way into a run: where the target is (a URL, an axum router
//! served on loopback, or the embedded reference server), what it holds,
//! how to talk to it and the run's limits. `macie-conform run`,
//! `explore` and the `cargo test` builder all start here, so a target is
//! prepared one way whoever asks.
//!
//! ```no_run
//! # async fn demo() -> Result<(), macie_conform::harness::HarnessError> {
//! use macie_conform::harness::Harness;
//! use macie_conform::runner::{self, Selection, SuiteSources};
//!
//! let suite = runner::load_suites(&SuiteSources::default())?;
//! let mut only_sorting = Selection::default();
//! only_sorting.tags.push("sort".into());
//! let running = Harness::new()
//!     .target("http://127.0.0.1:8080")
//!     .select(only_sorting)
//!     .start()
//!     .await?;
//! let report = running.run(&suite, |_| {}).await?;
//! running.finish().await;
//! println!("{} cases", report.cases.len());
//! # Ok(())
//! # }
//! ```

use crate::engine::load::Suite;
use crate::explore;
use crate::report::RunReport;
use crate::runner::http::ClientOptions;
use crate::runner::snapshot::SnapshotStore;
use crate::runner::{self, RunError, RunEvent, RunOptions, Selection, Shared, Target, Vocabulary};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Why a harness could not start.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot serve the router on {addr}: {source}; is loopback networking available?")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "both a router and the target {0:?} were given; choose one: a router is served in-process, a URL is a server already running"
    )]
    TwoTargets(String),
}

/// What a run is pointed at and how it talks to it; see the module docs.
pub struct Harness {
    url: Option<String>,
    router: Option<axum::Router>,
    fixture: Option<Arc<Vec<Value>>>,
    faults: bool,
    checks_signatures: bool,
    client: ClientOptions,
    concurrency: Option<usize>,
    snapshots: Option<SnapshotStore>,
    redact: Vec<String>,
    vars: BTreeMap<String, String>,
    keep_passed_bodies: bool,
    selection: Selection,
    words: Vocabulary,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// The embedded reference server, with the default client and limits.
    pub fn new() -> Harness {
        Harness {
            url: None,
            router: None,
            fixture: None,
            faults: false,
            checks_signatures: false,
            client: ClientOptions::default(),
            concurrency: None,
            snapshots: None,
            redact: Vec::new(),
            vars: BTreeMap::new(),
            keep_passed_bodies: true,
            selection: Selection::default(),
            words: Vocabulary::Harness,
        }
    }

    /// A server already running at `url` (a path prefix is kept).
    pub fn target(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// `url` when given, else the embedded reference server.
    pub fn target_or_embedded(mut self, url: Option<String>) -> Self {
        self.url = url;
        self
    }

    /// An axum router, served on a free loopback port for the run.
    pub fn router(mut self, app: axum::Router) -> Self {
        self.router = Some(app);
        self
    }

    /// The target holds this canonical data set (the embedded server
    /// always does).
    pub fn fixture(mut self, jobs: Option<Arc<Vec<Value>>>) -> Self {
        self.fixture = jobs;
        self
    }

    /// The target honours the fault-injection header.
    pub fn faults(mut self, on: bool) -> Self {
        self.faults = on;
        self
    }

    /// The target refuses requests without a valid SigV4 signature.
    pub fn checks_signatures(mut self, on: bool) -> Self {
        self.checks_signatures = on;
        self
    }

    /// How requests are sent, and the run's limits.
    pub fn client(mut self, options: ClientOptions) -> Self {
        self.client = options;
        self
    }

    /// Cases at once; without it, as many as the client's window allows
    /// when it adapts ([`runner::pace::MAX`]), else 4.
    pub fn concurrency(mut self, cases: Option<usize>) -> Self {
        self.concurrency = cases;
        self
    }

    /// Where snapshots are compared; without it they are not.
    pub fn snapshots(mut self, store: Option<SnapshotStore>) -> Self {
        self.snapshots = store;
        self
    }

    /// Further header names whose values are hidden everywhere.
    pub fn redact(mut self, headers: Vec<String>) -> Self {
        self.redact = headers;
        self
    }

    /// Variables for case files.
    pub fn vars(mut self, vars: BTreeMap<String, String>) -> Self {
        self.vars = vars;
        self
    }

    /// Keep the answer bodies of passed cases (the JSON, HTML and Markdown
    /// reports list them; the terminal and JUnit do not).
    pub fn keep_passed_bodies(mut self, keep: bool) -> Self {
        self.keep_passed_bodies = keep;
        self
    }

    /// Which cases [`Running::run`] runs (by default, all of them).
    pub fn select(mut self, selection: Selection) -> Self {
        self.selection = selection;
        self
    }

    /// How hints name settings: in this builder's terms unless a front
    /// end (the CLI, the `cargo test` builder) says it has others.
    pub fn vocabulary(mut self, words: Vocabulary) -> Self {
        self.words = words;
        self
    }

    /// Starts what the run needs (the embedded server, or the router) and
    /// resolves the target. Nothing is sent yet.
    pub async fn start(self) -> Result<Running, HarnessError> {
        let served = match (self.router, &self.url) {
            (Some(_), Some(url)) => return Err(HarnessError::TwoTargets(url.clone())),
            (Some(app), None) => Some(serve(app).await?),
            (None, _) => None,
        };
        let url = match &served {
            Some(served) => Some(served.url()),
            None => self.url,
        };
        let mut target = Target::resolve(url.as_deref(), self.fixture, self.faults).await?;
        target.checks_signatures |= self.checks_signatures;
        let client = target.client_options(self.client);
        let concurrency = self.concurrency.unwrap_or(if client.adaptive {
            runner::pace::MAX
        } else {
            4
        });
        Ok(Running {
            target,
            served,
            client,
            concurrency,
            snapshots: self.snapshots,
            redact: self.redact,
            vars: self.vars,
            keep_passed_bodies: self.keep_passed_bodies,
            selection: self.selection,
            words: self.words,
        })
    }
}

/// A started harness: its target is up and resolved.
pub struct Running {
    target: Target,
    served: Option<Served>,
    client: ClientOptions,
    concurrency: usize,
    snapshots: Option<SnapshotStore>,
    redact: Vec<String>,
    vars: BTreeMap<String, String>,
    keep_passed_bodies: bool,
    selection: Selection,
    words: Vocabulary,
}

impl Running {
    /// The target's base URL.
    pub fn url(&self) -> &str {
        &self.target.url
    }

    /// Whether the run started the embedded reference server.
    pub fn is_embedded(&self) -> bool {
        self.target.is_embedded()
    }

    /// The target as resolved: what it holds and offers.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The options of a run against this target.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            target: self.target.url.clone(),
            client: self.client.clone(),
            concurrency: self.concurrency,
            fixture: self.target.fixture.clone(),
            faults: self.target.faults,
            snapshots: self.snapshots.clone(),
            redact: self.redact.clone(),
            vars: self.vars.clone(),
            keep_passed_bodies: self.keep_passed_bodies,
            words: self.words,
        }
    }

    /// Which cases [`Running::run`] runs.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// What every case of a run against this target shares, to run cases
    /// one by one (as the `cargo test` builder does).
    pub fn shared(&self) -> Result<Shared, RunError> {
        Shared::new(self.options())
    }

    /// Runs the selected cases of `suite` (see [`Harness::select`]);
    /// `on_event` hears them.
    pub async fn run(
        &self,
        suite: &Suite,
        on_event: impl Fn(&RunEvent<'_>) + Send + Sync + 'static,
    ) -> Result<RunReport, RunError> {
        let mut report = runner::run(suite, &self.selection, self.options(), on_event).await?;
        report.embedded = self.is_embedded();
        Ok(report)
    }

    /// The set-up of an exploration of this target.
    pub fn explore_setup(&self) -> explore::Setup {
        explore::Setup {
            target: self.target.url.clone(),
            client: self.client.clone(),
            concurrency: self.concurrency,
            fixture: self.target.fixture.clone(),
            faults: self.target.faults,
            redact: self.redact.clone(),
            keep_passed_bodies: self.keep_passed_bodies,
            words: self.words,
        }
    }

    /// Stops what the harness started.
    pub async fn finish(self) {
        self.target.finish().await;
        if let Some(served) = self.served {
            served.stop().await;
        }
    }
}

/// A router listening on a free loopback port.
struct Served {
    addr: SocketAddr,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        // The run is over; a server failing as it stops changes no verdict.
        let _ = self.task.await;
    }
}

async fn serve(app: axum::Router) -> Result<Served, HarnessError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| HarnessError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| HarnessError::Bind { addr, source })?;
    let (shutdown, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(Served {
        addr,
        shutdown,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> axum::Router {
        crate::server::router(crate::server::ServerConfig::embedded().expect("fixture"))
    }

    /// The front end's words and the selection reach everything the run
    /// builds: a skip reason in a run from this harness names the
    /// `cargo test` builder's method, and only the selected cases run.
    #[tokio::test]
    async fn words_and_selection_reach_the_run() {
        let mut only = Selection::default();
        only.filters.push("errors.ValidationException".into());
        let running = Harness::new()
            .router(reference())
            .vocabulary(Vocabulary::CargoTest)
            .select(only)
            .start()
            .await
            .expect("served");
        assert_eq!(running.explore_setup().words, Vocabulary::CargoTest);
        let suite = runner::load_suites(&runner::SuiteSources::default()).expect("suite");
        let report = running.run(&suite, |_| {}).await.expect("runs");
        running.finish().await;
        assert!(!report.cases.is_empty());
        for case in &report.cases {
            assert!(
                case.id.starts_with("errors.ValidationException"),
                "{}",
                case.id
            );
            let crate::report::Verdict::Skip(reason) = &case.verdict else {
                panic!("{}: fault injection was not declared", case.id);
            };
            assert!(reason.contains("call .faults(true)"), "{reason}");
        }
    }

    #[tokio::test]
    async fn a_router_is_served_on_loopback_and_a_url_beside_it_is_refused() {
        let running = Harness::new()
            .router(reference())
            .start()
            .await
            .expect("the router is served");
        assert!(!running.is_embedded());
        assert!(
            running.url().starts_with("http://127.0.0.1:"),
            "{}",
            running.url()
        );
        // The served router answers the probe as the operation would.
        let client = crate::runner::http::Client::new(ClientOptions::default()).expect("client");
        crate::runner::probe(&client, running.url())
            .await
            .expect("the router answers");
        running.finish().await;

        let both = Harness::new()
            .router(reference())
            .target("http://127.0.0.1:9")
            .start()
            .await;
        assert!(matches!(both, Err(HarnessError::TwoTargets(url)) if url == "http://127.0.0.1:9"));
    }

    #[tokio::test]
    async fn without_a_target_the_embedded_server_runs_with_the_fixture_and_faults() {
        let running = Harness::new().start().await.expect("embedded server");
        assert!(running.is_embedded());
        let options = running.options();
        assert!(options.fixture.is_some() && options.faults);
        // Without -j and without an adaptive window, four cases at once.
        assert_eq!(options.concurrency, 4);
        running.finish().await;
    }
}
