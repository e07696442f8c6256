//! One case, step by step: skipped when the target lacks what it needs,
//! each step a request (`step`) or a page walk (`walk`), and its verdict.

use super::listings::Listings;
use super::step::{StepRun, diagnose_listing, run_step, unexplained};
use super::walk::run_walk;
use super::{RunEvent, Shared};
use super::{Setting, Vocabulary};
use crate::engine::check;
use crate::engine::load::LoadedCase;
use crate::report::{CaseReport, SkipCause, SkipReason, Verdict};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

/// A case's report before anything ran: who it is, no evidence yet.
pub(super) fn blank_report(case: &LoadedCase) -> CaseReport {
    let c = &case.case;
    CaseReport {
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
        requests: 0,
    }
}

/// Runs one case to its report.
pub async fn run_case(case: &LoadedCase, shared: &Shared) -> CaseReport {
    let started = Instant::now();
    let (mut report, requests) = super::http::counting(run_steps(case, shared)).await;
    report.requests = requests;
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// What the case needs that the target has not declared, if anything: the
/// canonical data set, fault injection, or signature checking. Such a case
/// says nothing about the target, so it is skipped (by `run`) or ignored
/// (by the `cargo test` builder), never failed.
pub fn undeclared_need(case: &LoadedCase, shared: &Shared) -> Option<SkipCause> {
    let c = &case.case;
    if c.fixture && shared.fixture.is_none() {
        Some(SkipCause::NeedsFixture)
    } else if c.faults && !shared.faults {
        Some(SkipCause::NeedsFaults)
    } else if c.signatures && !shared.client.options().target_checks_signatures {
        Some(SkipCause::NeedsSignatures)
    } else {
        None
    }
}

/// Runs a case's steps (or skips it) and decides its verdict.
async fn run_steps(case: &LoadedCase, shared: &Shared) -> CaseReport {
    let c = &case.case;
    let mut report = blank_report(case);
    if let Some(cause) = undeclared_need(case, shared) {
        let words = shared.words;
        let reason = match cause {
            SkipCause::NeedsFixture => format!(
                "needs the canonical data set; {} if the target serves it{}",
                words.declare(Setting::Fixture),
                // Only the CLI has the command that writes the data set.
                if words == Vocabulary::Cli {
                    " (macie-conform fixture writes it)"
                } else {
                    ""
                }
            ),
            SkipCause::NeedsFaults => format!(
                "needs fault injection (x-macie-conform-fault); {} if the target honours it",
                words.declare(Setting::Faults)
            ),
            _ => format!(
                "needs a target that checks SigV4 signatures; {} if the target verifies them",
                words.declare(Setting::ChecksSignatures)
            ),
        };
        report.verdict = Verdict::Skip(SkipReason::new(cause, reason));
        return report;
    }
    if let Some(min_jobs) = c.requires.min_jobs
        && let Some(reason) = shared.census().await.shortfall(min_jobs)
    {
        report.verdict = Verdict::Skip(SkipReason::new(
            SkipCause::TooFewJobs { min: min_jobs },
            reason,
        ));
        return report;
    }
    let steps = c.steps();
    // The run's variables; a step's captures shadow them from then on.
    let mut vars: BTreeMap<String, Value> = shared.vars.clone();
    // The run's own variables, learned only for the cases that use them.
    let small_page = crate::engine::case::SMALL_PAGE;
    if !vars.contains_key(small_page)
        && steps
            .iter()
            .any(|s| crate::engine::load::variables_used(s).contains(small_page))
    {
        vars.insert(small_page.to_string(), shared.small_page().await.into());
    }
    // The listings of named walks that a later step's relations compare
    // with, held (and charged to the budget) until the case ends.
    let mut listings = Listings::new(shared, &steps);
    for (index, step) in steps.iter().enumerate() {
        let before = report.checks.len();
        let exchanges_before = report.exchanges.len();
        // The same name the loader checked for collisions.
        let snapshot_name = c.snapshot_name(index);
        let run = StepRun {
            step,
            level: c.level,
            shared,
            snapshot_name: &snapshot_name,
            signed: !c.signatures,
        };
        let go_on = if step.walk.is_some() {
            run_walk(run, &mut vars, &mut listings, &mut report).await
        } else {
            run_step(run, &mut vars, &mut listings, &mut report).await
        };
        for check in &mut report.checks[before..] {
            check.step = index;
        }
        // A walk diagnoses its listing itself, from every page it read.
        if step.walk.is_none() {
            diagnose_step(
                &mut report,
                before,
                exchanges_before,
                shared.fixture.as_deref().map(Vec::as_slice),
            );
        }
        for exchange in &mut report.exchanges[exchanges_before..] {
            exchange.step = index;
        }
        // Announced once the step is over, when each exchange and check
        // knows its step.
        for (at, recorded) in report.exchanges.iter().enumerate().skip(exchanges_before) {
            shared.emit(RunEvent::ExchangeRecorded {
                case: &report.id,
                exchange: at,
                recorded,
            });
        }
        for check in &report.checks[before..] {
            shared.emit(RunEvent::CheckFinished {
                case: &report.id,
                check,
            });
        }
        if !go_on {
            break;
        }
    }
    // A walk cut short by the harness's own limits verified nothing: the
    // case counts as not run, with that reason, unless it already failed
    // (see `report::verdict::of_case`).
    report.verdict = crate::report::verdict::of_case(report.level, &report.checks);
    report
}

/// Names the likely cause of a request step's failed listing checks (see
/// [`crate::engine::diagnose`]) from the answer it recorded.
fn diagnose_step(
    report: &mut CaseReport,
    checks_from: usize,
    exchanges_from: usize,
    fixture: Option<&[Value]>,
) {
    if !report.checks[checks_from..].iter().any(unexplained) {
        return;
    }
    let exchanges = &report.exchanges[exchanges_from..];
    // An empty body asks for what `{}` asks for (OC-14).
    let Some(request) = exchanges.first().and_then(|e| {
        if e.request.body.iter().all(u8::is_ascii_whitespace) {
            Some(Value::Object(serde_json::Map::new()))
        } else {
            serde_json::from_slice::<Value>(&e.request.body).ok()
        }
    }) else {
        return;
    };
    let mut pages = Vec::new();
    let mut complete = true;
    for exchange in exchanges {
        let Ok(response) = &exchange.outcome else {
            continue;
        };
        if response.status != 200 {
            continue;
        }
        // A body the report keeps only in part is no evidence.
        let Ok(body) = response.json() else {
            return;
        };
        let Some(items) = check::items(&body) else {
            continue;
        };
        pages.push(items.to_vec());
        complete = body.get("nextToken").is_none_or(Value::is_null);
    }
    diagnose_listing(
        &mut report.checks[checks_from..],
        &request,
        pages,
        complete,
        fixture,
    );
}
