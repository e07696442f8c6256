//! The machine-readable report (`run --json PATH`).
//!
//! Its shape is published as `schemas/report.schema.json` and versioned by
//! [`FORMAT_VERSION`]: a consumer checks the version before reading, and any
//! change that could break a consumer raises it.

use super::coverage::Coverage;
use super::detail;
use super::verdict::{LevelCompleteness, NotRun};
use super::{CaseReport, Counts, RunReport, Verdict};
use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult};
use crate::engine::exchange::Exchange;
use serde::Serialize;
use std::borrow::Cow;

/// Version of the report format.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    format_version: u32,
    run: Run<'a>,
    summary: Summary,
    coverage: Coverage,
    requirements: Vec<Requirement<'a>>,
    /// One per defect: failed must and should checks grouped across cases
    /// (see `report::findings`).
    findings: Vec<super::findings::Finding>,
    /// What the target chose where the document leaves it open.
    choices: Vec<super::choices::Choice>,
    cases: Vec<Case<'a>>,
    /// Present when `explore` generated the cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    exploration: Option<&'a super::Exploration>,
}

#[derive(Serialize)]
struct Run<'a> {
    harness_version: &'a str,
    suite_digest: &'a str,
    target: &'a str,
    started_at: &'a str,
    duration_ms: u64,
    fixture: bool,
    /// The target was the embedded reference server.
    embedded: bool,
    selection: &'a super::SelectionReport,
    /// Requests sent again on a new connection after the target closed
    /// the kept-alive one before answering.
    connection_retries: usize,
    /// The implementation under test (`--product`, `--product-version`).
    product: &'a super::certification::Product,
    /// The outcome of `--certify`; null when the run made no claim.
    certification: Option<&'a super::certification::Certification>,
}

#[derive(Serialize)]
struct Summary {
    conformance: super::Conformance,
    verdict: Grounds,
    skip_reasons: Vec<NotRun>,
    total: Counts,
    must: Counts,
    should: Counts,
    info: Counts,
}

/// The grounds of `conformance`: the same value, said in words, with what
/// ran per level.
#[derive(Serialize)]
struct Grounds {
    headline: String,
    partial: bool,
    levels: Vec<LevelCompleteness>,
    not_verified: Vec<String>,
}

#[derive(Serialize)]
struct Requirement<'a> {
    id: &'a str,
    level: Level,
    section: &'a str,
    statement: &'a str,
    result: super::RequirementResult,
    cases: Vec<&'a str>,
    /// The catalogue's `judged_by` and `fallback_for`, so a report read
    /// back (`merge-reports`) attributes failures as the run did.
    judged_by: Option<&'a [CheckKind]>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fallback_for: &'a [CheckKind],
}

#[derive(Serialize)]
struct Case<'a> {
    id: &'a str,
    file: &'a str,
    line: usize,
    level: Level,
    verifies: &'a str,
    tags: &'a [String],
    requirements: &'a [String],
    verdict: &'static str,
    skip_reason: Option<&'a str>,
    /// Why, typed: what groups skips (see `report::SkipCause`).
    #[serde(skip_serializing_if = "Option::is_none")]
    skip_cause: Option<super::SkipCause>,
    duration_ms: u64,
    /// Requests the case sent, retries counted (its round trips).
    requests: usize,
    checks: Vec<Check<'a>>,
    exchanges: Vec<ExchangeView<'a>>,
}

/// A check with the requirements it counts against (see
/// `report::attribution`). Its detail is the one the other formats show
/// (see `report::detail`): borrowed as it is, unless a long diff is cut.
#[derive(Serialize)]
struct Check<'a> {
    #[serde(flatten)]
    check: Cow<'a, CheckResult>,
    requirements: Vec<&'a str>,
    /// See [`CheckResult::closest_failures`]: kept so that a report read
    /// back attributes a failed `any of` as the run did.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    closest_failures: &'a [CheckKind],
}

/// `check` with its detail as reports show it.
fn shown(check: &CheckResult) -> Cow<'_, CheckResult> {
    match check.detail.as_deref().map(detail::shown) {
        Some(Cow::Owned(cut)) => Cow::Owned(check.clone().with_detail(cut)),
        _ => Cow::Borrowed(check),
    }
}

#[derive(Serialize)]
struct ExchangeView<'a> {
    request: &'a crate::engine::exchange::HttpRequest,
    response: Option<&'a crate::engine::exchange::HttpResponse>,
    error: Option<String>,
    attempts: u32,
    step: usize,
    page: Option<usize>,
}

fn exchange(e: &Exchange) -> ExchangeView<'_> {
    ExchangeView {
        request: &e.request,
        response: e.outcome.as_ref().ok(),
        error: e.outcome.as_ref().err().map(ToString::to_string),
        attempts: e.attempts,
        step: e.step,
        page: e.page,
    }
}

fn case<'a>(report: &'a RunReport, c: &'a CaseReport) -> Case<'a> {
    let (verdict, skip_reason) = match &c.verdict {
        Verdict::Pass => ("pass", None),
        Verdict::Observed => ("observed", None),
        Verdict::Fail => ("fail", None),
        Verdict::Skip(reason) => ("skip", Some(reason.as_str())),
        Verdict::Unanswered => ("unanswered", None),
    };
    Case {
        id: &c.id,
        file: &c.file,
        line: c.line,
        level: c.level,
        verifies: &c.verifies,
        tags: &c.tags,
        requirements: &c.requirements,
        verdict,
        skip_reason,
        skip_cause: match &c.verdict {
            Verdict::Skip(reason) => Some(reason.cause),
            _ => None,
        },
        duration_ms: c.duration_ms,
        requests: c.requests,
        checks: c
            .checks
            .iter()
            .map(|check| Check {
                check: shown(check),
                requirements: report.charged(c, check),
                closest_failures: &check.closest_failures,
            })
            .collect(),
        exchanges: c.exchanges.iter().map(exchange).collect(),
    }
}

/// The report as pretty-printed JSON. Exchanges were redacted when they
/// were recorded, so no secret header reaches this text.
pub fn render(report: &RunReport) -> String {
    let assessment = report.assess();
    let document = Document {
        format: "macie-conform-report",
        format_version: FORMAT_VERSION,
        run: Run {
            harness_version: &report.harness_version,
            suite_digest: &report.suite_digest,
            target: &report.target,
            started_at: &report.started_at,
            duration_ms: report.duration_ms,
            fixture: report.fixture,
            embedded: report.embedded,
            selection: &report.selection,
            connection_retries: report.connection_retries,
            product: &report.product,
            certification: report.certification.as_ref(),
        },
        summary: Summary {
            conformance: assessment.conformance,
            verdict: Grounds {
                headline: assessment.headline,
                partial: assessment.partial,
                levels: assessment.levels,
                not_verified: assessment.not_verified,
            },
            skip_reasons: super::verdict::skip_reasons(report),
            total: report.counts(),
            must: report.counts_for(Level::Must),
            should: report.counts_for(Level::Should),
            info: report.counts_for(Level::Info),
        },
        coverage: report.coverage().into_owned(),
        requirements: report
            .requirements
            .iter()
            .map(|r| Requirement {
                id: &r.id,
                level: r.level,
                section: &r.section,
                statement: &r.statement,
                result: report.requirement_result(&r.id),
                cases: report.cases_for(&r.id).map(|c| c.id.as_str()).collect(),
                judged_by: r.judged_by.as_deref(),
                fallback_for: &r.fallback_for,
            })
            .collect(),
        findings: report.findings(),
        choices: super::choices::made(report),
        cases: report.cases.iter().map(|c| case(report, c)).collect(),
        exploration: report.exploration.as_ref(),
    };
    // Serialising plain data cannot fail; an empty object would only hide a bug.
    serde_json::to_string_pretty(&document).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
