//! A page walk: follows `nextToken` to the last page, judges every page,
//! then judges the listing as a whole.

use super::listings::{Listings, held_bytes};
use super::step::{StepRun, build_request, capture};
use super::{Retained, Shared};
use crate::engine::case::{Expect, Level, Semantic};
use crate::engine::check::{self, CheckKind, CheckResult, Context, Outcome, Unjudged};
use crate::engine::exchange::{Exchange, HttpRequest};
use crate::engine::snapshot as snap;
use crate::engine::walk::{self as engine_walk, Reference, Walked};
use crate::report::CaseReport;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// A page walk: follows `nextToken` to the end, then judges the pages
/// together.
pub(super) async fn run_walk(
    run: StepRun<'_>,
    vars: &mut BTreeMap<String, Value>,
    listings: &mut Listings<'_>,
    report: &mut CaseReport,
) -> bool {
    let StepRun {
        step,
        level,
        shared,
        snapshot_name,
        // Walks are always signed: a case about signatures needs one answer, not pages.
        signed: _,
    } = run;
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
    // An info case observes a choice between answers the document allows,
    // so its walk is judged at must for what every correct server does
    // (each page a listing, or the first one a refusal; the listing's jobs
    // right), and at info only for the choice it observes (see
    // `check::guard`).
    let guarded = level == Level::Info;
    let may_refuse = guarded || step.walk.as_ref().is_some_and(|w| w.may_refuse);
    let plan = WalkPlan {
        first: &first,
        request_json: &request_json,
        max_pages,
        level: if guarded { Level::Must } else { level },
        page_expect: &page_expect,
        may_refuse,
    };
    // What this step's walks hold, given back to the run's budget when
    // the step ends.
    let mut held = shared.charge();
    let walked = match walk_pages(shared, &plan, &mut held, report).await {
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
    let sizes: Vec<usize> = walked.iter().map(Vec::len).collect();
    let checks_from = report.checks.len();
    // `complete` compares with the same listing at the server's own page
    // size: fetched here, judged with the rest below.
    let reference = if step.expect.semantics.contains(&Semantic::Complete) {
        let request = engine_walk::reference_request(&request_json);
        let mut first_ref = first.clone();
        first_ref.body = request.to_string().into_bytes();
        let mut scratch = CaseReport {
            exchanges: Vec::new(),
            checks: Vec::new(),
            ..report.clone()
        };
        let reference_plan = WalkPlan {
            first: &first_ref,
            request_json: &request,
            may_refuse: false,
            ..plan
        };
        match walk_pages(shared, &reference_plan, &mut held, &mut scratch).await {
            WalkEnd::Listing(pages) => Reference::Listing(pages.into_iter().flatten().collect()),
            WalkEnd::Refused | WalkEnd::Broken => match scratch.failed_checks().next() {
                Some(failure) => Reference::Failed {
                    message: failure.message.clone(),
                    unjudged: failure.unjudged,
                },
                None => Reference::CutShort {
                    why: scratch
                        .checks
                        .iter()
                        .find_map(|c| c.unjudged)
                        .unwrap_or(Unjudged::PageLimit),
                    max_pages,
                },
            },
        }
    } else {
        Reference::NotWalked
    };
    report.checks.extend(engine_walk::listing_checks(
        &ctx,
        &step.expect.semantics,
        Walked {
            pages: &walked,
            all: &all,
        },
        &reference,
        guarded,
    ));
    drop(reference);
    // The pages are no longer needed, and the listing takes the jobs
    // without a copy: a long listing is held once, not three times.
    drop(walked);
    let mut items = serde_json::Map::new();
    items.insert("items".into(), Value::Array(all));
    let listing = Value::Object(items);
    let all = listing["items"].as_array().map_or(&[][..], Vec::as_slice);
    report.checks.extend(check::jsonpath_checks(
        &step.expect.jsonpath,
        &listing,
        level,
    ));
    for relation in &step.expect.relations {
        report.checks.push(check::relation_check(
            relation,
            all,
            |name| listings.get(name),
            Some(&request_json),
            level,
        ));
    }
    if step.expect.oracle {
        report
            .checks
            .push(check::oracle_check(&ctx, all, true, level));
    }
    if step.expect.snapshot {
        match &shared.snapshots {
            // The page count is left out: a server may return fewer jobs
            // than maxResults per page, so only the jobs themselves are fixed.
            Some(store) => {
                let normalised = serde_json::json!({
                    "body": snap::normalise(&listing, Some(&request_json)),
                });
                report
                    .checks
                    .push(store.compare(snapshot_name, &report.file, &normalised, level));
            }
            None => report.checks.push(CheckResult::skip(
                CheckKind::Snapshot,
                level,
                "snapshots are not compared in this run",
            )),
        }
    }
    // The pages again, as slices of the listing, for the diagnosis.
    let mut at = 0;
    let pages: Vec<Vec<Value>> = sizes
        .iter()
        .map(|&n| {
            let page = all
                .get(at..at + n)
                .map(<[Value]>::to_vec)
                .unwrap_or_default();
            at += n;
            page
        })
        .collect();
    super::step::diagnose_listing(
        &mut report.checks[checks_from..],
        &request_json,
        pages,
        true,
        shared.fixture.as_deref().map(Vec::as_slice),
    );
    let go_on = capture(step, Some(&listing), vars, level, report);
    // Kept last: the listing moves into the map, without a copy, once
    // nothing here reads it any more.
    if let Some(name) = &step.name {
        listings.keep(name, listing, held);
    }
    go_on
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

/// What one walk sends and how its pages are judged.
#[derive(Clone, Copy)]
struct WalkPlan<'a> {
    first: &'a HttpRequest,
    request_json: &'a Value,
    max_pages: usize,
    level: Level,
    /// Checks that hold for every page.
    page_expect: &'a Expect,
    /// See [`crate::engine::case::Walk::may_refuse`].
    may_refuse: bool,
}

/// Fetches every page. Page-level checks are merged per assertion, so a
/// walk of 1000 pages reports one line per assertion naming the first
/// failing page and how many pages failed it.
///
/// Only page 1, each page where a check first failed, and the last page
/// are recorded as exchanges: a long walk would otherwise swell reports
/// with near-identical pages, and these are the evidence.
///
/// Each page's jobs are held until the listing is judged, and charged to
/// the run's retained-bytes budget through `held`; a walk that would
/// overdraw it stops with a failure, whatever `max_pages` allows.
async fn walk_pages(
    shared: &Shared,
    plan: &WalkPlan<'_>,
    held: &mut Retained<'_>,
    report: &mut CaseReport,
) -> WalkEnd {
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
    let mut empty_pages = 0usize;
    let outcome = loop {
        if pages.len() >= max_pages {
            // Not a failure: a correct server may hold a listing longer
            // than this many pages at the case's page size (the document
            // sets no limit on data), and a walk that stops early has
            // verified nothing about the listing. A nextToken that never
            // moves on is failed above; one that keeps bringing new jobs
            // is bounded by the retained-bytes budget and the deadline.
            cut_off = Some(report.checks.len());
            report.checks.push(
                CheckResult::skip(
                    CheckKind::LastPage,
                    level,
                    format!(
                        "not verified: the walk stopped after {max_pages} pages while nextToken kept coming; the listing may be longer than the case walks at its page size (its `walk: {{max_pages}}`)"
                    ),
                )
                .unjudged(crate::engine::check::Unjudged::PageLimit),
            );
            break None;
        }
        let page_number = pages.len() + 1;
        let mut exchange: Exchange = shared.client.send(request.clone(), true).await;
        exchange.page = Some(page_number);
        // Judged as recorded, secrets hidden: merged checks and snapshots
        // quote pages that are never recorded themselves.
        crate::report::redact_with(&mut exchange, &shared.redact, &shared.secret_values);
        // The exchange keeps only the body's beginning from here on; the
        // page is judged whole.
        let mut response = match super::judged_answer(&mut exchange) {
            Some(r) => r,
            None => {
                let why = match &exchange.outcome {
                    Err(e) => e.to_string(),
                    Ok(_) => String::new(),
                };
                let mut check = CheckResult::fail(
                    CheckKind::Transport,
                    level,
                    format!("page {page_number}: {why}"),
                );
                check.unjudged = super::step::unsent(&exchange);
                check.exchange = Some(shared.record(report, exchange));
                report.checks.push(check);
                latest = None;
                break None;
            }
        };
        // The page's claim on memory for bodies (see `http::BodyGate`),
        // held while it is judged and released before the walk waits on
        // anything else.
        let hold = std::mem::take(&mut response.hold);
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
                        "the target refused this request with a ValidationException, which the case allows (a server may limit maxResults, and may refuse filter pairs and values the document leaves open); the listing was not judged",
                    )
                    .judging(at),
                );
                return WalkEnd::Refused;
            }
        }
        let answer = check::Answer::new(&response);
        let results = check::evaluate_answer(page_expect, &ctx, &answer);
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
        shared.coverage.note(
            Some(&body),
            Some(response.status),
            (response.status == 200).then(|| answer.value()).flatten(),
        );
        // Only a successful answer is a page: an error body has no jobs to
        // count as an empty page.
        let listing = (200..300)
            .contains(&response.status)
            .then(|| answer.value())
            .flatten();
        let Some(items) = listing.and_then(check::items) else {
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
        let size: usize = items.iter().map(held_bytes).sum::<usize>()
            + keys
                .iter()
                .map(|k| k.len() + size_of::<String>())
                .sum::<usize>();
        if !held.grow(size) {
            // A limit of the harness, not a finding about the target: a
            // correct server may hold more data than the budget. The case
            // is not verified (a skipped walk; see `run_case`), which keeps
            // the run from being called conformant, but fails no one.
            let budget = shared.client.options().max_retained_bytes;
            let mut check = CheckResult::skip(
                CheckKind::LastPage,
                level,
                format!(
                    "not verified: the listing has grown past the retained-bytes budget of {} MiB after {} page(s); raise {} to judge it, or check that nextToken ends",
                    budget.div_ceil(1 << 20),
                    pages.len(),
                    shared.words.name(super::Setting::MaxRetained)
                ),
            )
            .unjudged(crate::engine::check::Unjudged::RetainedBudget);
            check.exchange = keep_this_page(report);
            report.checks.push(check);
            break None;
        }
        if page_number > 1 && !keys.is_empty() && keys.iter().all(|k| seen.contains(k)) {
            let mut check = CheckResult::fail(
                CheckKind::LastPage,
                level,
                format!(
                    "page {page_number} lists only jobs of earlier pages; nextToken does not move the listing forward, so the walk stops here"
                ),
            );
            check.diagnoses = crate::engine::diagnose::repeated_page(
                pages.first().map_or(&[][..], Vec::as_slice),
                items,
            );
            check.exchange = keep_this_page(report);
            report.checks.push(check);
            pages.push(items.to_vec());
            break None;
        }
        // A page of no job while nextToken keeps coming is allowed (OC-19:
        // a server may scan part of its data per request), but a scan
        // moves on by at least one job, or one part of the data, per page
        // (see `Census::empty_page_bound`). When the run knows how much
        // the target holds (the fixture, or an unfiltered walk that
        // ended), a longer tail of empty pages is a listing that never ends.
        if items.is_empty() {
            empty_pages += 1;
            if empty_pages > 1 {
                // Learning the target's size sends requests of its own.
                drop(hold);
            }
            if empty_pages > 1
                && let census = shared.census().await
                && let Some(bound) = census.empty_page_bound()
                && empty_pages > bound
            {
                let held_jobs = census.exact().unwrap_or_default();
                let mut check = CheckResult::fail(
                    CheckKind::LastPage,
                    level,
                    format!(
                        "page {page_number}: {empty_pages} pages without a job while nextToken keeps coming, more than the {bound} a scan of the target's {held_jobs} job(s) can take: the listing never ends"
                    ),
                );
                check.exchange = keep_this_page(report);
                report.checks.push(check);
                pages.push(Vec::new());
                break None;
            }
        }
        seen.extend(keys);
        let next = answer.value().and_then(|b| b.get("nextToken")).cloned();
        // The page's jobs are moved into the walk, not copied: a page may
        // be as large as the body cap, and a copy of its jobs beside the
        // parsed answer would double what judging it holds.
        let jobs = match answer.into_value() {
            Some(Value::Object(mut members)) => match members.remove("items") {
                Some(Value::Array(jobs)) => jobs,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        pages.push(jobs);
        match next {
            Some(Value::String(token)) => {
                body["nextToken"] = Value::String(token);
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
            result.pages = Some(crate::engine::check::PageSpan {
                first: m.first_failing,
                failing: m.failing_pages,
                of: pages,
            });
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
