//! The HTML report (`run --html PATH`): one self-contained file for vendors
//! and their customers, readable offline, with no scripts and no external
//! assets.
//!
//! Everything that comes from the target or from case files goes through
//! [`escape`], so a job named `<script>alert(1)</script>` shows as text.

use super::coverage::Coverage;
use super::detail;
use super::terminal::Style;
use super::verdict::{self, Assessment};
use super::{CaseReport, RunReport, Verdict};
use crate::engine::case::Level;
use crate::engine::check::{CheckResult, Outcome};
use crate::engine::exchange::Exchange;
use std::fmt::Write;

/// Bodies longer than this are cut in the report (the JSON report keeps them).
const MAX_BODY_CHARS: usize = 20_000;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Control characters first (see super::escape): a browser hides most of
    // them, and a bidi override would reorder what the reader sees.
    for c in super::escape::block(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An element id made from a case id: only characters that need no escaping.
pub fn anchor(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("case-{safe}")
}

const CSS: &str = r#"
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1rem 2rem;color:#1d1d1f;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.identity{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;margin:.8rem 0}.identity dt{font-weight:600}.identity dd{margin:0;word-break:break-all}
.banner{padding:1rem 1.5rem;border-radius:8px;font-size:1.3rem;font-weight:600;color:#fff}
.must_and_should{background:#1f883d}.must_only{background:#bf8700}.not_conformant{background:#cf222e}.incomplete{background:#57606a}.no_fault_found{background:#1f883d}
.grounds{margin:.5rem 0 0 0}
table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f6f8fa}.pass{color:#1f883d;font-weight:600}.fail{color:#cf222e;font-weight:600}.skipped,.not_run,.skip{color:#6e7781}.observed{color:#0969da;font-weight:600}
details{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}details[open]{padding-bottom:.6rem}
summary{cursor:pointer}.failcase{border-color:#cf222e}.tag{font-size:.75rem;background:#eee;border-radius:4px;padding:0 .3rem;margin-left:.3rem}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.8rem;white-space:pre-wrap;word-break:break-all}
.add{color:#116329;background:#dafbe1;display:block}.del{color:#82071e;background:#ffebe9;display:block}.hunk{color:#0550ae;display:block}.hdr{font-weight:700;display:block}
.meta td:first-child{width:12rem;font-weight:600}.bar{background:#eee;border-radius:4px;height:.6rem;width:8rem;display:inline-block;vertical-align:middle}.bar span{background:#1f883d;height:.6rem;display:block;border-radius:4px}
"#;

pub fn render(report: &RunReport, style: &Style) -> String {
    let plain = Style {
        color: false,
        ..style.clone()
    };
    let coverage = report.coverage();
    let mut out = String::new();
    let assessment = report.assess();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>macie-conform report: {}</title><style>{CSS}</style></head><body>\n",
        escape(assessment.conformance.describe())
    );
    let _ = writeln!(out, "<h1>ListClassificationJobs conformance report</h1>");
    let _ = writeln!(
        out,
        "<div class=\"banner {}\">{}</div>",
        assessment.conformance.as_str(),
        escape(&assessment.headline)
    );
    grounds(&mut out, report, &assessment);
    // Who and what the report is about, under the verdict and its grounds.
    let _ = write!(out, "<dl class=\"identity\">");
    for (name, value) in super::identity(report) {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(&value));
    }
    let _ = writeln!(out, "</dl>");
    if let Some(e) = &report.exploration {
        exploration(&mut out, e);
    }
    findings(&mut out, report);
    meta(&mut out, report, &coverage);
    counts(&mut out, report);
    requirements(&mut out, report);
    let failed: Vec<&CaseReport> = report.failed_cases().collect();
    choices(&mut out, report);
    let _ = writeln!(out, "<h2>Failed cases ({})</h2>", failed.len());
    if failed.is_empty() {
        let _ = writeln!(out, "<p>None.</p>");
    }
    for case in failed {
        failed_case(&mut out, case, &plain);
    }
    observations(&mut out, report);
    coverage_table(&mut out, &coverage);
    let others: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| c.verdict != Verdict::Fail)
        .collect();
    let _ = writeln!(
        out,
        "<h2>Passed, skipped and unanswered cases ({})</h2>",
        others.len()
    );
    for case in others {
        other_case(&mut out, case);
    }
    let _ = writeln!(out, "</body></html>");
    out
}

/// Under the banner: what ran per level when not everything did, the
/// requirements nothing verified, skips by reason and unanswered cases.
fn grounds(out: &mut String, report: &RunReport, assessment: &Assessment) {
    let mut items: Vec<String> = Vec::new();
    items.extend(assessment.detail_lines().iter().map(|l| escape(l)));
    if !assessment.not_verified.is_empty() {
        items.push(format!(
            "Not verified ({} must/should requirement(s)): {}",
            assessment.not_verified.len(),
            escape(&assessment.not_verified.join(", "))
        ));
    }
    for group in verdict::skip_reasons(report) {
        items.push(format!(
            "{} skipped: {}",
            group.count,
            escape(&group.reason)
        ));
    }
    for case in report.unanswered_cases() {
        let why = case
            .transport_failures()
            .next()
            .map(|c| c.message.as_str())
            .unwrap_or_default();
        items.push(format!(
            "Unanswered: <a href=\"#{}\">{}</a>: {}",
            anchor(&case.id),
            escape(&case.id),
            escape(why)
        ));
    }
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "<ul class=\"grounds\">");
    for item in items {
        let _ = writeln!(out, "<li>{item}</li>");
    }
    let _ = writeln!(out, "</ul>");
}

fn meta(out: &mut String, report: &RunReport, coverage: &Coverage) {
    let rows = [
        ("Target", report.target.clone()),
        ("Started", report.started_at.clone()),
        (
            "Duration",
            format!("{:.1} s", report.duration_ms as f64 / 1000.0),
        ),
        (
            "Harness",
            format!("macie-conform {}", report.harness_version),
        ),
        (
            "Suite digest",
            report.suite_digest.chars().take(16).collect(),
        ),
        (
            "Canonical data set",
            if report.fixture {
                "declared"
            } else {
                "not declared (fixture cases skipped)"
            }
            .into(),
        ),
        (
            "Spec coverage",
            format!(
                "{:.1}% ({} of {} items)",
                coverage.percent, coverage.covered, coverage.total
            ),
        ),
        // No failure: a correct server may close an idle kept-alive
        // connection; said so a reader counting requests knows why.
        (
            "Sent again on a new connection",
            format!("{} request(s)", report.connection_retries),
        ),
    ];
    let _ = writeln!(out, "<table class=\"meta\">");
    for (k, v) in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(k),
            escape(&v)
        );
    }
    let _ = writeln!(out, "</table>");
}

fn counts(out: &mut String, report: &RunReport) {
    let _ = writeln!(
        out,
        "<h2>Results per level</h2><table><tr><th>Level</th><th>Passed</th><th>Observed</th><th>Failed</th><th>Skipped</th><th>Unanswered</th></tr>"
    );
    for level in Level::ALL {
        let c = report.counts_for(*level);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"pass\">{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            level,
            c.passed,
            c.observed,
            if c.failed > 0 { "fail" } else { "" },
            c.failed,
            c.skipped,
            c.unanswered
        );
    }
    let c = report.counts();
    let _ = writeln!(
        out,
        "<tr><th>All</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></table>",
        c.passed, c.observed, c.failed, c.skipped, c.unanswered
    );
}

/// One entry per defect (see [`super::findings`]), ahead of the cases it
/// fails, each case linked to its details.
fn findings(out: &mut String, report: &RunReport) {
    let findings = report.findings();
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>Findings ({} defect(s) behind {} failed case(s))</h2><ul class=\"findings\">",
        findings.len(),
        report.failed_cases().count()
    );
    for f in &findings {
        let cases: Vec<String> = f
            .cases
            .iter()
            .map(|id| format!("<a href=\"#{}\">{}</a>", anchor(id), escape(id)))
            .collect();
        let _ = write!(
            out,
            "<li><strong>{}</strong> {} ({} case(s))<ul><li>cases: {}</li>",
            f.level,
            escape(&f.headline()),
            f.cases.len(),
            cases.join(", ")
        );
        if !f.requirements.is_empty() {
            let _ = write!(
                out,
                "<li>requirements: {}</li>",
                escape(&f.requirements.join(", "))
            );
        }
        let _ = writeln!(out, "</ul></li>");
    }
    let _ = writeln!(out, "</ul>");
}

/// What the target chose where the document leaves it open, each choice
/// with the case that observed it (see [`super::choices`]).
fn choices(out: &mut String, report: &RunReport) {
    let made = super::choices::made(report);
    if made.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>Choices your server made ({})</h2><p>Where the document leaves the answer open, what this target did. These never fail a run.</p><table><tr><th>Choice</th><th>What</th><th>Your server</th><th>Reference server</th><th>Case</th></tr>",
        made.len()
    );
    for c in &made {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"#{}\">{}</a></td></tr>",
            escape(&c.choice),
            escape(&c.question),
            escape(&c.answer),
            c.reference(),
            anchor(&c.case),
            escape(&c.case)
        );
    }
    let _ = writeln!(out, "</table>");
}

fn requirements(out: &mut String, report: &RunReport) {
    if report.requirements.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>Requirement matrix</h2><table><tr><th>Requirement</th><th>Level</th><th>Section</th><th>Statement</th><th>Result</th><th>Cases</th></tr>"
    );
    for r in &report.requirements {
        let result = report.requirement_result(&r.id);
        let cases = super::detail::matrix_cases(report, &r.id, |id| {
            format!("<a href=\"#{}\">{}</a>", anchor(id), escape(id))
        });
        let class = result.as_str().replace(' ', "_");
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            escape(&r.id),
            r.level,
            escape(&r.section),
            escape(&r.statement),
            result.as_str(),
            cases
        );
    }
    let _ = writeln!(out, "</table>");
}

fn case_heading(case: &CaseReport) -> String {
    let tags: String = case
        .tags
        .iter()
        .map(|t| format!("<span class=\"tag\">{}</span>", escape(t)))
        .collect();
    format!(
        "<strong>{}</strong> [{}] — {}{tags}",
        escape(&case.id),
        case.level,
        escape(&case.verifies)
    )
}

fn failed_case(out: &mut String, case: &CaseReport, style: &Style) {
    let _ = writeln!(
        out,
        "<details open class=\"failcase\" id=\"{}\"><summary><span class=\"fail\">FAIL</span> {}</summary>",
        anchor(&case.id),
        case_heading(case)
    );
    let _ = writeln!(
        out,
        "<p>{}:{} · requirements: {}</p><ul>",
        escape(&case.file),
        case.line,
        escape(&case.requirements.join(", "))
    );
    for check in case.checks.iter().filter(|c| c.outcome == Outcome::Fail) {
        check_item(out, check);
    }
    let _ = writeln!(out, "</ul>");
    if let Some(exchange) = case.failing_exchange() {
        exchange_view(out, exchange, style);
    }
    let _ = writeln!(out, "</details>");
}

fn check_item(out: &mut String, check: &CheckResult) {
    let _ = write!(
        out,
        "<li><span class=\"{}\">[{}]</span> step {} <em>{}</em>: {}",
        if check.level == Level::Info {
            "skip"
        } else {
            "fail"
        },
        check.level,
        check.step + 1,
        escape(check.kind.as_str()),
        escape(&check.message)
    );
    if let Some(detail) = &check.detail {
        let _ = write!(out, "<pre>{}</pre>", diff_html(&detail::shown(detail)));
    }
    let _ = writeln!(out, "</li>");
}

/// A unified diff (or any detail text) with one class per line kind.
fn diff_html(detail: &str) -> String {
    detail
        .lines()
        .map(|line| {
            let class = if line.starts_with("+++") || line.starts_with("---") {
                "hdr"
            } else if line.starts_with('+') {
                "add"
            } else if line.starts_with('-') {
                "del"
            } else if line.starts_with("@@") {
                "hunk"
            } else {
                ""
            };
            if class.is_empty() {
                format!("{}\n", escape(line))
            } else {
                format!("<span class=\"{class}\">{}</span>", escape(line))
            }
        })
        .collect()
}

/// Headers one per line, secret values hidden even if the exchange was
/// recorded without redaction.
fn header_lines(headers: &[(String, String)], style: &Style) -> String {
    headers
        .iter()
        .map(|(k, v)| {
            let value = if style.is_redacted(k) {
                super::REDACTED
            } else {
                v.as_str()
            };
            // One line per header, whatever the value holds.
            format!(
                "{}: {}\n",
                super::escape::line(k),
                super::escape::line(value)
            )
        })
        .collect()
}

fn exchange_view(out: &mut String, exchange: &Exchange, style: &Style) {
    let r = &exchange.request;
    let headers = header_lines(&r.headers, style);
    let _ = writeln!(
        out,
        "<p><strong>Request</strong></p><pre>{} {}\n{}\n{}</pre>",
        escape(&r.method),
        escape(&r.url),
        escape(&headers),
        escape(&body_text(&r.body))
    );
    match &exchange.outcome {
        Ok(response) => {
            let headers = header_lines(&response.headers, style);
            let _ = writeln!(
                out,
                "<p><strong>Response</strong> status {} in {} ms{}{}</p><pre>{}\n{}</pre>",
                response.status,
                response.elapsed_ms,
                if exchange.attempts > 1 {
                    format!(", after {} attempts", exchange.attempts)
                } else {
                    String::new()
                },
                response
                    .kept_note()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                escape(&headers),
                escape(&body_text(&response.body))
            );
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "<p><strong>No response</strong>: {}</p>",
                escape(&e.to_string())
            );
        }
    }
    let _ = writeln!(
        out,
        "<p><strong>Reproduce</strong></p><pre>{}</pre>",
        escape(&super::reproduce::curl(r, style))
    );
    if let Some(note) = super::reproduce::token_note(exchange) {
        let _ = writeln!(out, "<p><em>{}</em></p>", escape(&note));
    }
}

/// A body for display: pretty JSON when it is JSON, cut when long.
pub fn body_text(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    if text.chars().count() > MAX_BODY_CHARS {
        let cut: String = text.chars().take(MAX_BODY_CHARS).collect();
        format!(
            "{cut}\n… ({} bytes in all; see the JSON report for the rest)",
            body.len()
        )
    } else {
        text
    }
}

/// Info-level checks other than the open choices of the catalogue (whose
/// info cases say theirs under "Choices your server made"): refusals a
/// must case allows, a vendor's own info cases.
fn observations(out: &mut String, report: &RunReport) {
    let observed: Vec<(&CaseReport, &CheckResult)> = report
        .cases
        .iter()
        .filter(|c| !super::choices::observes_a_choice(report, c))
        .flat_map(|c| c.observations().map(move |k| (c, k)))
        .collect();
    if observed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>Other observations ({})</h2><p>Info-level checks outside the choices above: what this target did where a case allows more than one answer. They never fail a run.</p>",
        observed.len()
    );
    let _ = writeln!(
        out,
        "<table><tr><th>Case</th><th>What</th><th>Observed</th></tr>"
    );
    for (case, check) in observed {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
            anchor(&case.id),
            escape(&case.id),
            escape(&case.verifies),
            escape(&super::choices::observation(check))
        );
    }
    let _ = writeln!(out, "</table>");
}

fn coverage_table(out: &mut String, coverage: &Coverage) {
    let _ = writeln!(
        out,
        "<h2>Spec coverage: {:.1}%</h2><table><tr><th>Surface</th><th>Covered</th><th></th><th>Not exercised</th></tr>",
        coverage.percent
    );
    for group in &coverage.groups {
        let missing: Vec<String> = group.missing().map(escape).collect();
        let share = if group.items.is_empty() {
            0
        } else {
            group.covered() * 100 / group.items.len()
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{} / {}</td><td><span class=\"bar\"><span style=\"width:{share}%\"></span></span></td><td>{}</td></tr>",
            escape(&group.name),
            group.covered(),
            group.items.len(),
            if missing.is_empty() {
                "—".to_string()
            } else {
                missing.join(", ")
            }
        );
    }
    let _ = writeln!(out, "</table>");
}

fn other_case(out: &mut String, case: &CaseReport) {
    let (label, class, reason) = match &case.verdict {
        Verdict::Skip(reason) => ("SKIP", "skip", Some(reason.as_str())),
        Verdict::Unanswered => ("NO ANSWER", "skip", Some("no answer: nothing observed")),
        Verdict::Observed => ("OBSERVED", "observed", None),
        _ => ("PASS", "pass", None),
    };
    let _ = write!(
        out,
        "<details id=\"{}\"><summary><span class=\"{class}\">{label}</span> {}</summary>",
        anchor(&case.id),
        case_heading(case)
    );
    if let Some(reason) = reason {
        let _ = write!(out, "<p>{}</p>", escape(reason));
    }
    let _ = write!(out, "<ul>");
    for check in &case.checks {
        let _ = write!(
            out,
            "<li>[{}] {}: {}</li>",
            check.level,
            escape(check.kind.as_str()),
            escape(&check.message)
        );
    }
    let _ = writeln!(out, "</ul></details>");
}

/// What an exploration did and how to repeat it.
fn exploration(out: &mut String, e: &super::Exploration) {
    let _ = writeln!(out, "<h2>Exploration</h2>");
    let _ = writeln!(
        out,
        "<p>Seed {}: {} generated case(s), {} request(s) of a budget of {}, {} more shrinking failures. Explore the same way again with <code>{}</code>.</p>",
        e.seed,
        e.cases,
        e.requests,
        e.budget,
        e.shrink_requests,
        escape(&e.rerun)
    );
    if let Some(note) = e.deadline_note() {
        let _ = writeln!(out, "<p><strong>Note:</strong> {}.</p>", escape(&note));
    }
    if !e.refused_pairs.is_empty() {
        let _ = writeln!(
            out,
            "<p>The target refused these filter pairs (open choice OC-7, not a failure): {}.</p>",
            escape(&e.refused_pairs.join(", "))
        );
    }
    for f in &e.failures {
        let _ = writeln!(
            out,
            "<h3>{} <code>{}</code></h3><p>Found by <code>{}</code>, {} step(s) smaller.{}</p>",
            if f.confirmed {
                "Shrunk failure"
            } else {
                "Not confirmed"
            },
            escape(&f.id),
            escape(&f.found_by),
            f.steps_taken,
            if f.confirmed {
                ""
            } else {
                " It passed when run again, so it is not saved."
            }
        );
        if !f.failed_checks.is_empty() {
            let items: String = f
                .failed_checks
                .iter()
                .map(|c| format!("<li>{}</li>", escape(c)))
                .collect();
            let _ = writeln!(out, "<ul>{items}</ul>");
        }
        let _ = writeln!(out, "<pre>{}</pre>", escape(&f.yaml));
    }
    if let Some(path) = &e.saved_to {
        let _ = writeln!(
            out,
            "<p>Failures saved to <code>{}</code>.</p>",
            escape(path)
        );
    }
}
