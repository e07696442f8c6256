//! Generative exploration (`macie-conform explore`): thousands of requests
//! no one wrote by hand, judged by the same oracle as the suite.
//!
//! Explore learns what the target holds (its listing) and accepts (which
//! key and comparator pairs it refuses, an open choice), then draws
//! recipes from a seeded generator ([`generate`]): listings of random
//! queries at random page sizes, relations between listings that hold for
//! any data (a narrower query lists no more jobs, a wider one no fewer,
//! excluding a term lists what including it leaves out, DESC is ASC
//! reversed), malformed requests, mangled tokens and provoked errors.
//!
//! Each recipe becomes a case ([`probe`]) written as case-file text and
//! read back by the suite's own loader, then run by the suite's runner, so
//! it is judged by the same checks, and what the document leaves open is
//! observed, never failed, exactly as in the suite. A failing case is
//! shrunk to a smaller recipe that still fails the same way, run once more
//! to confirm it, and written (with `--save-failures DIR`) as a case file
//! that `run --cases DIR` replays.
//!
//! The same seed against the same target sends the same requests: every
//! round draws from its own stream of the seed, and what is learned comes
//! only from the target's answers.

pub(crate) mod generate;
pub(crate) mod probe;
mod shrink;

use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult, Outcome, Unjudged};
use crate::engine::exchange::HttpRequest;
use crate::engine::load::{self, SourceFile};
use crate::report::{
    CaseReport, Exploration, LevelTotals, RunReport, SelectionReport, ShrunkFailure, Verdict,
};
use crate::runner::http::{Client, ClientOptions};
use crate::runner::{self, RunError, RunEvent, RunOptions, Selection};
use crate::schema::SchemaSet;
use generate::{Knowledge, Recipe};
use probe::Probe;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// What to explore and how far.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExploreOptions {
    pub seed: u64,
    /// Requests to send while exploring (learning included). The last
    /// round is sized to end near it, and may pass it by a few requests.
    pub budget: usize,
    /// Where to write the shrunk failures as a case file.
    pub save_failures: Option<PathBuf>,
    /// Smaller versions tried per failure.
    pub shrink_attempts: usize,
    /// Failures shrunk (the first of each kind of recipe and check).
    pub max_shrunk: usize,
    /// The command that repeats this exploration, for the report.
    pub rerun: String,
}

impl ExploreOptions {
    pub fn new(seed: u64, budget: usize) -> ExploreOptions {
        ExploreOptions {
            seed,
            budget,
            save_failures: None,
            shrink_attempts: 60,
            max_shrunk: 8,
            rerun: format!("macie-conform explore --seed {seed} --budget {budget}"),
        }
    }
}

/// Why an exploration could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(
        "explore wrote a case the loader refused, which is a bug in macie-conform; please report it with this message:\n{0}"
    )]
    Generated(String),
    #[error(
        "cannot write the failing cases to {path}: {source}; check that the folder can be created and written"
    )]
    Save {
        path: String,
        source: std::io::Error,
    },
}

/// The target and how to talk to it, for every round.
#[derive(Clone)]
#[non_exhaustive]
pub struct Setup {
    pub target: String,
    pub client: ClientOptions,
    pub concurrency: usize,
    /// The canonical data set, when the target holds it.
    pub fixture: Option<Arc<Vec<Value>>>,
    pub faults: bool,
    pub redact: Vec<String>,
    /// Keep the answer bodies of passed cases (for JSON, HTML, Markdown).
    pub keep_passed_bodies: bool,
    /// How hints name settings (see [`crate::runner::Vocabulary`]).
    pub words: crate::runner::Vocabulary,
}

impl Setup {
    /// An exploration of `target` with the default client, four cases at
    /// a time, and no data set or fault injection declared. Usually taken
    /// from [`crate::harness::Running::explore_setup`].
    pub fn new(target: impl Into<String>) -> Setup {
        Setup {
            target: target.into(),
            client: ClientOptions::default(),
            concurrency: 4,
            fixture: None,
            faults: false,
            redact: Vec::new(),
            keep_passed_bodies: true,
            words: crate::runner::Vocabulary::default(),
        }
    }

    fn options(&self, concurrency: usize) -> RunOptions {
        RunOptions {
            target: self.target.clone(),
            client: self.client.clone(),
            concurrency,
            fixture: self.fixture.clone(),
            faults: self.faults,
            snapshots: None,
            redact: self.redact.clone(),
            vars: Default::default(),
            keep_passed_bodies: self.keep_passed_bodies,
            words: self.words,
        }
    }
}

/// Hears every case as it runs, in every round.
pub type Listener = Arc<dyn Fn(&RunEvent<'_>) + Send + Sync>;

/// Recipes per round at most: rounds are where the budget is checked.
const ROUND: usize = 128;

/// Explores the target and returns the report of every case it ran, with
/// [`RunReport::exploration`] saying what was explored.
pub async fn explore(
    setup: &Setup,
    options: &ExploreOptions,
    on_event: Listener,
) -> Result<RunReport, ExploreError> {
    let started = std::time::Instant::now();
    let seed = options.seed;
    // Every request of the exploration, its census, rounds and shrinking
    // included, comes out of one budget: no more are sent.
    // Shrinking comes out of the same budget: a quarter of it is held back
    // for it while exploring, when failures are to be shrunk.
    let reserve = if options.shrink_attempts > 0 && options.max_shrunk > 0 {
        options.budget / 4
    } else {
        0
    };
    let exploring = options.budget - reserve;
    let budget = runner::http::RequestBudget::new(exploring);
    let capped = Setup {
        client: runner::http::ClientOptions {
            budget: Some(Arc::clone(&budget)),
            ..setup.client.clone()
        },
        ..setup.clone()
    };
    let setup = &capped;
    let (jobs, complete, read) = match &setup.fixture {
        Some(fixture) => (fixture.as_ref().clone(), true, 0),
        None => read_listing(setup).await?,
    };
    let mut knowledge = Knowledge {
        jobs,
        complete,
        refused: BTreeSet::new(),
        fixture: setup.fixture.is_some(),
        faults: setup.faults,
    };
    let mut explorer = Explorer {
        setup,
        seed,
        on_event,
        texts: Vec::new(),
        next_id: 1,
        requests: read,
        connection_retries: 0,
        first: None,
        cases: Vec::new(),
        recipes: Vec::new(),
        coverage: Vec::new(),
        // One deadline for the whole exploration, as for a whole `run`:
        // each round gets what is left of it, not a fresh one.
        ends_at: setup
            .client
            .deadline
            .and_then(|d| tokio::time::Instant::now().checked_add(d)),
    };

    // Learning: the census and every pair, within half the budget.
    let mut learning = generate::learning(&mut generate::rng(seed, 0), &knowledge);
    learning.truncate((options.budget / 2).max(1));
    let learned = explorer
        .round(learning.clone(), &knowledge, setup.concurrency)
        .await?;
    for (recipe, case) in learning.iter().zip(&explorer.cases[learned]) {
        if let Recipe::Pair { term } = recipe
            && refused(case)
        {
            knowledge.refused.insert((term.key, term.comparator));
        }
    }

    let mut round = 1u64;
    while explorer.requests < exploring && !explorer.out_of_time() {
        let cost = (explorer.requests.max(1) as f64 / explorer.cases.len().max(1) as f64).max(1.0);
        let left = exploring - explorer.requests;
        let n = ((left as f64 / cost).ceil() as usize).clamp(1, ROUND);
        let recipes = generate::draw(&mut generate::rng(seed, round), &knowledge, n);
        // Near the end of the budget the cases run one at a time, so which
        // of them it leaves unsent is the same on every run of a seed.
        let near_end = n as f64 * cost * 1.5 >= left as f64;
        let concurrency = if near_end { 1 } else { setup.concurrency };
        explorer.round(recipes, &knowledge, concurrency).await?;
        round += 1;
    }

    let explored = explorer.requests;
    budget.set_limit(options.budget);
    let (failures, shrink_requests) = explorer.shrink_failures(options, &knowledge).await?;
    let saved_to = match &options.save_failures {
        Some(dir) => save(dir, seed, &failures, &options.rerun)?,
        None => None,
    };
    let refused_pairs = knowledge
        .refused
        .iter()
        .map(|(k, c)| format!("{k} {c}"))
        .collect();
    let exploration = Exploration {
        deadline_reached: explorer.out_of_time(),
        seed,
        budget: options.budget,
        requests: explored,
        shrink_requests,
        cases: explorer.cases.len(),
        refused_pairs,
        failures,
        saved_to,
        rerun: options.rerun.clone(),
    };
    Ok(explorer.report(exploration, started.elapsed()))
}

/// Whether a case's first request was refused with a ValidationException
/// its walk allowed: the target declined the pair.
fn refused(case: &CaseReport) -> bool {
    case.verdict != Verdict::Fail
        && case.checks.iter().any(|c| {
            c.kind == CheckKind::Status && c.level == Level::Info && c.outcome == Outcome::Fail
        })
}

/// Reads the target's unfiltered listing, as far as 20 pages or 2000
/// jobs, to draw filter values from. Nothing is judged here: the census
/// case judges the same listing.
async fn read_listing(setup: &Setup) -> Result<(Vec<Value>, bool, usize), ExploreError> {
    let client = Client::new(setup.client.clone()).map_err(RunError::from)?;
    let mut jobs = Vec::new();
    let mut body = serde_json::json!({});
    let mut sent = 0;
    for _ in 0..20 {
        let request = HttpRequest {
            method: "POST".into(),
            url: runner::target::join_url(&setup.target, "/jobs/list"),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        sent += 1;
        let exchange = client.send(request, true).await;
        let Some(answer) = exchange
            .outcome
            .ok()
            .filter(|r| r.status == 200)
            .and_then(|r| r.json().ok())
        else {
            return Ok((jobs, false, sent));
        };
        if let Some(items) = answer.get("items").and_then(Value::as_array) {
            jobs.extend(items.iter().cloned());
        }
        match answer.get("nextToken").and_then(Value::as_str) {
            Some(token) if jobs.len() < 2000 => body["nextToken"] = Value::from(token),
            Some(_) => return Ok((jobs, false, sent)),
            None => return Ok((jobs, true, sent)),
        }
    }
    Ok((jobs, false, sent))
}

/// The state of one exploration.
struct Explorer<'a> {
    setup: &'a Setup,
    seed: u64,
    on_event: Listener,
    /// Every generated case file, for the report's digest.
    texts: Vec<String>,
    next_id: usize,
    requests: usize,
    /// Requests of every round and of shrinking sent again on a new
    /// connection (see `runner::http`).
    connection_retries: usize,
    /// The first round's report: the run's metadata.
    first: Option<RunReport>,
    cases: Vec<CaseReport>,
    recipes: Vec<Recipe>,
    coverage: Vec<crate::report::coverage::Coverage>,
    /// When `--deadline` ends the exploration, if ever.
    ends_at: Option<tokio::time::Instant>,
}

impl Explorer<'_> {
    fn out_of_time(&self) -> bool {
        self.ends_at
            .is_some_and(|at| tokio::time::Instant::now() >= at)
    }

    fn id(&mut self, recipe: &Recipe) -> String {
        let id = format!(
            "explore.s{}.{:04}.{}",
            self.seed,
            self.next_id,
            recipe.kind()
        );
        self.next_id += 1;
        id
    }

    /// Runs recipes as one suite; their reports are kept, and where they
    /// are among the kept ones is returned.
    async fn round(
        &mut self,
        recipes: Vec<Recipe>,
        k: &Knowledge,
        concurrency: usize,
    ) -> Result<std::ops::Range<usize>, ExploreError> {
        let probes: Vec<Probe> = recipes
            .iter()
            .map(|r| {
                let id = self.id(r);
                r.probe(&id, k)
            })
            .collect();
        let listener = Arc::clone(&self.on_event);
        let (report, sent) = self.run(&probes, concurrency, Some(listener)).await?;
        self.requests += sent;
        self.coverage.push(report.coverage().into_owned());
        let start = self.cases.len();
        let mut report = report;
        self.cases.append(&mut report.cases);
        self.recipes.extend(recipes);
        if self.first.is_none() {
            self.first = Some(report);
        }
        Ok(start..self.cases.len())
    }

    /// Writes the probes as a case file, loads it as `run` would, and runs it.
    async fn run(
        &mut self,
        probes: &[Probe],
        concurrency: usize,
        on_event: Option<Listener>,
    ) -> Result<(RunReport, usize), ExploreError> {
        let refs: Vec<&Probe> = probes.iter().collect();
        let text = probe::case_file(
            &format!("Generated by macie-conform explore, seed {}.", self.seed),
            &refs,
        );
        let file = SourceFile {
            name: format!("explore-s{}.yaml", self.seed),
            text,
        };
        let schemas = SchemaSet::embedded().map_err(|e| RunError::Schemas(e.to_string()))?;
        let suite = load::load(std::slice::from_ref(&file), schemas).map_err(|problems| {
            ExploreError::Generated(
                problems
                    .iter()
                    .map(|d| d.render(false))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        self.texts.push(file.text);
        // The reason the run stopped sending, when it did: the cases it
        // cut short carry it as their one failed check.
        let stop = Arc::new(std::sync::OnceLock::<()>::new());
        let heard = Arc::clone(&stop);
        let ends_at = self.ends_at;
        let mut report = runner::run_until(
            &suite,
            &Selection::default(),
            self.setup.options(concurrency),
            self.ends_at,
            move |event| {
                if let RunEvent::Stopped {
                    cause: Unjudged::Deadline,
                    ..
                } = event
                {
                    let _ = heard.set(());
                }
                // Only the deadline's cuts are hidden: a target that
                // stopped answering failed those cases.
                let past_deadline = ends_at.is_some_and(|at| tokio::time::Instant::now() >= at);
                let cut = match (event, heard.get()) {
                    (RunEvent::CaseFinished { report, .. }, Some(())) if past_deadline => {
                        cut_short(report)
                    }
                    // Nor is a case the request budget left unsent.
                    (RunEvent::CaseFinished { report, .. }, _) => {
                        report.checks.iter().any(over_budget)
                    }
                    _ => false,
                };
                if let Some(listener) = on_event.as_ref().filter(|_| !cut) {
                    listener(event);
                }
            },
        )
        .await?;
        if self.out_of_time() && stop.get().is_some() {
            skip_cut_short(&mut report.cases);
        }
        skip_over_budget(&mut report.cases);
        let sent = report.requests_sent;
        self.connection_retries += report.connection_retries;
        Ok((report, sent))
    }

    /// Requests the exploration may still send.
    fn budget_left(&self) -> usize {
        self.setup
            .client
            .budget
            .as_ref()
            .map_or(usize::MAX, |b| b.limit().saturating_sub(b.spent()))
    }

    fn report(self, exploration: Exploration, took: std::time::Duration) -> RunReport {
        let mut totals = LevelTotals::default();
        for case in &self.cases {
            totals.add(case.level);
        }
        let digest = {
            use sha2::Digest;
            let mut h = sha2::Sha256::new();
            for t in &self.texts {
                h.update(t.as_bytes());
            }
            h.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let first = self.first;
        RunReport {
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            suite_digest: digest,
            started_at: first
                .as_ref()
                .map(|r| r.started_at.clone())
                .unwrap_or_default(),
            target: first.as_ref().map(|r| r.target.clone()).unwrap_or_default(),
            fixture: self.setup.fixture.is_some(),
            embedded: false,
            selection: SelectionReport {
                suite: totals,
                ..SelectionReport::default()
            },
            cases: self.cases,
            requirements: Vec::new(),
            duration_ms: took.as_millis() as u64,
            coverage: merge_coverage(self.coverage),
            requests_sent: exploration.requests + exploration.shrink_requests,
            connection_retries: self.connection_retries,
            exploration: Some(exploration),
            product: Default::default(),
            certification: None,
        }
    }
}

/// Whether a one-case run was left unjudged by the run's limits (its
/// deadline, the request budget).
fn not_judged(report: &RunReport) -> bool {
    report
        .cases
        .first()
        .is_none_or(|c| matches!(c.verdict, Verdict::Skip(_)))
}

/// Whether the run's deadline stopped `case` before judging anything.
fn cut_short(case: &CaseReport) -> bool {
    case.checks.iter().any(past_deadline)
}

fn past_deadline(check: &CheckResult) -> bool {
    check.kind == CheckKind::Transport
        && check.outcome == Outcome::Fail
        && check.unjudged == Some(Unjudged::Deadline)
}

fn over_budget(check: &CheckResult) -> bool {
    check.outcome == Outcome::Fail && check.unjudged == Some(Unjudged::Budget)
}

/// The request budget is a limit the user chose, like the deadline: a case
/// whose requests it left unsent was not judged, so it is skipped.
fn skip_over_budget(cases: &mut [CaseReport]) {
    const NOT_JUDGED: &str =
        "not judged: the exploration's request budget was spent before this case ended";
    for case in cases
        .iter_mut()
        .filter(|c| c.checks.iter().any(over_budget))
    {
        for check in case.checks.iter_mut().filter(|c| over_budget(c)) {
            check.outcome = Outcome::Skip;
            check.level = Level::Info;
            check.message = NOT_JUDGED.to_string();
        }
        case.verdict = crate::report::verdict::of_case(case.level, &case.checks);
    }
}

/// An exploration's time is a limit the user chose, not a fault of the
/// target: the cases `--deadline` cut short were not judged, so they are
/// skipped, and the exploration says its deadline ended it.
fn skip_cut_short(cases: &mut [CaseReport]) {
    const NOT_JUDGED: &str =
        "not judged: the exploration reached its deadline before this case ended";
    for case in cases.iter_mut().filter(|c| cut_short(c)) {
        for check in case.checks.iter_mut().filter(|c| past_deadline(c)) {
            check.outcome = Outcome::Skip;
            check.level = Level::Info;
            check.message = NOT_JUDGED.to_string();
        }
        case.verdict = crate::report::verdict::of_case(case.level, &case.checks);
    }
}

/// Coverage of several rounds: an item is covered if any round covered it.
fn merge_coverage(
    rounds: Vec<crate::report::coverage::Coverage>,
) -> Option<crate::report::coverage::Coverage> {
    let mut rounds = rounds.into_iter();
    let mut merged = rounds.next()?;
    for round in rounds {
        for (group, other) in merged.groups.iter_mut().zip(&round.groups) {
            for (item, o) in group.items.iter_mut().zip(&other.items) {
                item.covered |= o.covered;
            }
        }
    }
    merged.total = merged.groups.iter().map(|g| g.items.len()).sum();
    merged.covered = merged
        .groups
        .iter()
        .flat_map(|g| &g.items)
        .filter(|i| i.covered)
        .count();
    merged.percent = if merged.total == 0 {
        0.0
    } else {
        100.0 * merged.covered as f64 / merged.total as f64
    };
    Some(merged)
}

/// Writes the confirmed failures as one case file in `dir`, replacing the
/// one an exploration with the same seed wrote (it holds the same cases).
fn save(
    dir: &std::path::Path,
    seed: u64,
    failures: &[ShrunkFailure],
    rerun: &str,
) -> Result<Option<String>, ExploreError> {
    let confirmed: Vec<&ShrunkFailure> = failures.iter().filter(|f| f.confirmed).collect();
    if confirmed.is_empty() {
        return Ok(None);
    }
    let path = dir.join(format!("explore-s{seed}.yaml"));
    let shown = path.display().to_string();
    let error = |source| ExploreError::Save {
        path: shown.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(error)?;
    let mut text = String::new();
    text.push_str(&format!(
        "# Failures found by `{rerun}`, each shrunk to a small request that still fails.\n# Replay them with: macie-conform run --cases {}\ncases:\n",
        dir.display()
    ));
    for (i, f) in confirmed.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&f.yaml);
    }
    crate::files::write_replacing(&path, text.as_bytes()).map_err(error)?;
    Ok(Some(shown))
}
