//! The human-readable report for a terminal: one line per failed case, then
//! details (failed checks, diffs, a `curl` command that reproduces the
//! request), observations, skips by reason, unanswered cases, then counts
//! per level, the verdict and the closing line.

use super::detail;
use super::escape::{block, line};
use super::reproduce::{commands, reproduce};
use super::{CaseReport, Conformance, RunReport, Verdict};
use crate::engine::case::Level;
use crate::engine::check::Outcome;
use crate::engine::exchange::Exchange;
use std::fmt::Write;

mod exploration;
pub use super::style::Style;
use exploration::EXPLORED_DETAILS_SHOWN;
pub use exploration::exploration;

/// The one-line form of a case's result, as shown while running. The
/// reason may quote the target, so control characters in it are escaped
/// (see [`super::escape`]): the line stays one line, uncoloured by the
/// target.
pub fn case_line(case: &CaseReport, style: &Style) -> String {
    let id = line(&case.id);
    match &case.verdict {
        Verdict::Pass => format!("{} {id} [{}]", style.paint("32", "PASS"), case.level),
        Verdict::Observed => format!("{} {id} [{}]", style.paint("36", "OBSERVED"), case.level),
        Verdict::Skip(reason) => format!(
            "{} {id} [{}] {}",
            style.paint("33", "SKIP"),
            case.level,
            line(reason)
        ),
        Verdict::Unanswered => format!(
            "{} {id} [{}] {}",
            style.paint("33", "NO ANSWER"),
            case.level,
            line(
                case.transport_failures()
                    .next()
                    .map(|c| c.message.as_str())
                    .unwrap_or_default()
            )
        ),
        Verdict::Fail => {
            let reason = case
                .failed_checks()
                .find(|c| c.level > Level::Info)
                .map(|c| format!("{}: {}", c.kind.as_str(), c.message))
                .unwrap_or_default();
            format!(
                "{} {id} [{}] {}",
                style.paint("31", "FAIL"),
                case.level,
                line(&reason)
            )
        }
    }
}

/// One line per case, in suite order (what `run -v` prints).
pub fn case_lines(report: &RunReport, style: &Style) -> String {
    report
        .cases
        .iter()
        .map(|c| case_line(c, style) + "\n")
        .collect()
}

/// The report a person reads to the end: the findings, one representative
/// case of each in detail, then what was observed or skipped and the
/// verdict. `-v` prints [`render_all`] instead.
pub fn render(report: &RunReport, style: &Style) -> String {
    render_with(report, style, false)
}

/// The whole report: every failed case in detail after the findings.
pub fn render_all(report: &RunReport, style: &Style) -> String {
    render_with(report, style, true)
}

/// Findings a terminal shows a representative case of; the others are
/// listed, and `-v` or the HTML report shows their cases.
const FINDINGS_DETAILED: usize = 3;

/// Observations listed on a terminal without `-v`; the rest are counted.
const OBSERVATIONS_SHOWN: usize = 10;

fn render_with(report: &RunReport, style: &Style, every_case: bool) -> String {
    let findings = report.findings();
    let mut out = findings_list(report, &findings, style);
    let failed: Vec<&CaseReport> = report.failed_cases().collect();
    if every_case {
        for case in &failed {
            let _ = writeln!(out, "{}", case_line(case, style));
        }
        // An exploration may fail hundreds of generated cases for one
        // defect: the findings above group them, its shrunk failures below
        // show the smallest, and the other reports keep every one.
        let shown = if report.exploration.is_some() {
            EXPLORED_DETAILS_SHOWN
        } else {
            usize::MAX
        };
        for case in failed.iter().take(shown) {
            out.push('\n');
            out.push_str(&details_in(Some(report), case, style));
        }
        if failed.len() > shown {
            let _ = writeln!(
                out,
                "\n... and {} more failed generated case(s); --json, --html or --markdown lists every one",
                failed.len() - shown
            );
        }
    } else {
        let mut shown: Vec<(&str, usize)> = Vec::new();
        for (n, finding) in findings.iter().enumerate().take(FINDINGS_DETAILED) {
            let Some(case) = finding
                .cases
                .first()
                .and_then(|id| report.cases.iter().find(|c| &c.id == id))
            else {
                continue;
            };
            let _ = writeln!(
                out,
                "{}",
                style.paint(
                    "1",
                    &format!(
                        "Finding {}, as case {} shows it{}:",
                        n + 1,
                        line(&case.id),
                        if finding.cases.len() > 1 {
                            format!(" (1 of {})", finding.cases.len())
                        } else {
                            String::new()
                        }
                    )
                )
            );
            let earlier = shown
                .iter()
                .find(|(id, _)| *id == case.id)
                .map(|(_, at)| *at);
            match earlier {
                // The same case again: its answer and request are above.
                Some(at) => {
                    out.push_str(&representative_checks(case, &finding.examples, style));
                    let _ = writeln!(out, "  (its answer and how to reproduce it: finding {at})");
                }
                None => {
                    out.push_str(&representative(report, case, &finding.examples, style));
                    shown.push((&case.id, n + 1));
                }
            }
            out.push('\n');
        }
        if findings.len() > FINDINGS_DETAILED
            || failed.len() > findings.len().min(FINDINGS_DETAILED)
        {
            let _ = writeln!(
                out,
                "Every failed case in detail: run again with -v, or write a report with --html or --json.\n"
            );
        }
    }
    if report.exploration.is_none() {
        out.push_str(&choices(report, style));
    }
    // Info cases said what they observed as choices above; what else was
    // observed is a refusal a must case allows (a page size, a filter pair
    // or value the document leaves open).
    let observed: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| !super::choices::observes_a_choice(report, c))
        .filter(|c| c.observations().next().is_some())
        .collect();
    if !observed.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.paint(
                "1",
                if report.exploration.is_some() {
                    "Observations (info level: choices the document leaves open, never failures)"
                } else {
                    "Other observations (info level, never failures)"
                }
            )
        );
        // Generated cases repeat the same observation many times (one per
        // refused pair, say), as do the walks of one page size: said once,
        // with how often and where first.
        let mut groups: Vec<(String, usize, &str)> = Vec::new();
        for case in &observed {
            for check in case.observations() {
                let said = super::choices::observation(check);
                match groups.iter_mut().find(|(s, _, _)| *s == said) {
                    Some((_, count, _)) => *count += 1,
                    None => groups.push((said, 1, &case.id)),
                }
            }
        }
        let limit = if every_case {
            usize::MAX
        } else {
            OBSERVATIONS_SHOWN
        };
        for (said, count, first) in groups.iter().take(limit) {
            if *count == 1 && report.exploration.is_none() {
                let _ = writeln!(out, "  {} {}", line(first), line(said));
            } else {
                let _ = writeln!(
                    out,
                    "  {count:>4} x {} (first: {})",
                    line(said),
                    line(first)
                );
            }
        }
        if groups.len() > limit {
            let _ = writeln!(
                out,
                "  ... and {} more (-v lists every one)",
                groups.len() - limit
            );
        }
        out.push('\n');
    }
    let skipped = super::verdict::skip_reasons(report);
    if !skipped.is_empty() {
        let total: usize = skipped.iter().map(|g| g.count).sum();
        let _ = writeln!(
            out,
            "{}",
            style.paint("1", &format!("Skipped ({total}), by reason"))
        );
        for group in skipped {
            let _ = writeln!(out, "  {:>4}  {}", group.count, line(&group.reason));
        }
        out.push('\n');
    }
    let unanswered: Vec<&CaseReport> = report.unanswered_cases().collect();
    if !unanswered.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.paint(
                "1",
                &format!(
                    "Unanswered ({}): info cases that got no answer, so the choice was not observed",
                    unanswered.len()
                )
            )
        );
        for case in unanswered {
            for check in case.transport_failures() {
                let _ = writeln!(out, "  {}: {}", line(&case.id), line(&check.message));
            }
        }
        out.push('\n');
    }
    if let Some(e) = &report.exploration {
        out.push_str(&exploration(e, style));
        out.push('\n');
    }
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(&summary(report, style));
    out
}

/// Lines of a check's detail shown for a representative case.
const DETAIL_LINES: usize = 12;

/// The part of a case a finding rests on: the checks it groups (the other
/// failures of the case counted), with their details cut short, the part
/// of the answer that differs, and how to send the request again.
pub fn representative(
    report: &RunReport,
    case: &CaseReport,
    examples: &[usize],
    style: &Style,
) -> String {
    let mut out = representative_checks(case, examples, style);
    let shown: Vec<&crate::engine::check::CheckResult> = examples
        .iter()
        .filter_map(|&i| case.checks.get(i))
        .collect();
    let others = case
        .failed_checks()
        .filter(|c| c.level > Level::Info)
        .count()
        .saturating_sub(shown.len());
    if others > 0 {
        let _ = writeln!(
            out,
            "  ({others} other failed check(s) of this case belong to other findings)"
        );
    }
    let judged = shown
        .iter()
        .find_map(|c| c.exchange)
        .and_then(|i| case.exchanges.get(i))
        .or_else(|| case.failing_exchange());
    let Some(exchange) = judged else {
        return out;
    };
    let pointer = shown
        .iter()
        .find(|c| c.exchange.is_some() && c.at.is_some())
        .and_then(|c| c.at.as_deref());
    out.push_str(&answer(exchange, pointer));
    out.push_str(&reproduce(report, exchange, style, "  "));
    out
}

/// What came back: the status, time and size, and the part of the body
/// around `pointer` (see [`detail::excerpt`]); or why nothing came.
fn answer(exchange: &Exchange, pointer: Option<&str>) -> String {
    let mut out = String::new();
    match &exchange.outcome {
        Ok(r) => {
            let _ = writeln!(
                out,
                "  answer: status {} in {} ms, {} byte(s){}",
                r.status,
                r.elapsed_ms,
                r.received.unwrap_or(r.body.len()),
                r.kept_note().map(|n| format!(" ({n})")).unwrap_or_default()
            );
            if let Some(excerpt) = detail::excerpt(&r.body, pointer) {
                for l in block(&excerpt).lines() {
                    let _ = writeln!(out, "    {l}");
                }
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  answer: none ({})", line(&e.to_string()));
        }
    }
    out
}

/// A case's heading and the checks a finding groups, with their details
/// cut short.
fn representative_checks(case: &CaseReport, examples: &[usize], style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {} ({}:{}) [{}]: {}",
        style.paint("1", &line(&case.id)),
        line(&case.file),
        case.line,
        case.level,
        line(case.verifies.trim_end())
    );
    let shown: Vec<&crate::engine::check::CheckResult> = examples
        .iter()
        .filter_map(|&i| case.checks.get(i))
        .collect();
    for check in &shown {
        let _ = writeln!(
            out,
            "  {} [{}] step {} {}: {}",
            style.paint("31", "✗"),
            check.level,
            check.step + 1,
            check.kind.as_str(),
            line(&check.message)
        );
        if let Some(detail) = &check.detail {
            let text = block(&detail::shown(detail)).into_owned();
            let lines: Vec<&str> = text.lines().collect();
            for l in lines.iter().take(DETAIL_LINES) {
                let _ = writeln!(out, "      {l}");
            }
            if lines.len() > DETAIL_LINES {
                let _ = writeln!(out, "      … {} more line(s)", lines.len() - DETAIL_LINES);
            }
        }
    }
    out
}

/// Cases a finding lists in full on a terminal; the rest are counted.
const FINDING_CASES_SHOWN: usize = 5;

/// One entry per defect (see [`super::findings`]), before the cases it
/// fails, so the reader sees a defect once and not once per case. Empty
/// when nothing failed.
pub fn findings(report: &RunReport, style: &Style) -> String {
    findings_list(report, &report.findings(), style)
}

fn findings_list(
    report: &RunReport,
    findings: &[super::findings::Finding],
    style: &Style,
) -> String {
    let mut out = String::new();
    if findings.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{}",
        style.paint(
            "1",
            &format!(
                "Findings: {} defect(s) behind {} failed case(s), most severe first",
                findings.len(),
                report.failed_cases().count()
            )
        )
    );
    for (n, f) in findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. [{}] {} ({} case(s){})",
            n + 1,
            f.level,
            line(&f.headline()),
            f.cases.len(),
            if f.requirements.is_empty() {
                String::new()
            } else {
                format!("; breaks {}", f.requirements.join(", "))
            }
        );
        let shown: Vec<std::borrow::Cow<'_, str>> = f
            .cases
            .iter()
            .take(FINDING_CASES_SHOWN)
            .map(|id| line(id))
            .collect();
        let more = f.cases.len().saturating_sub(FINDING_CASES_SHOWN);
        let _ = writeln!(
            out,
            "     cases: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        );
    }
    out.push('\n');
    out
}

/// The verdict with its grounds: the headline, what ran per level when not
/// everything did, and the requirements nothing verified.
pub fn verdict(report: &RunReport, style: &Style) -> String {
    let assessment = report.assess();
    let mut out = String::new();
    let colour = match assessment.conformance {
        Conformance::MustAndShould => "1;32",
        Conformance::MustOnly | Conformance::Incomplete => "1;33",
        Conformance::NoFaultFound => "1;32",
        Conformance::NotConformant => "1;31",
    };
    let _ = writeln!(out, "{}", style.paint(colour, &line(&assessment.headline)));
    for detail in assessment.detail_lines() {
        let _ = writeln!(out, "  {}", line(&detail));
    }
    if !assessment.not_verified.is_empty() {
        let _ = writeln!(
            out,
            "  not verified ({} must/should requirement(s)): {}",
            assessment.not_verified.len(),
            assessment.not_verified.join(", ")
        );
    }
    out
}

/// Failed checks of one case with their details and a reproduction.
pub fn details(case: &CaseReport, style: &Style) -> String {
    details_in(None, case, style)
}

/// [`details`] of a case of `report`, whose target (the embedded server
/// or not) decides how to reproduce the request.
pub fn details_in(report: Option<&RunReport>, case: &CaseReport, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({}:{}) [{}]",
        style.paint("1;31", "FAIL"),
        style.paint("1", &line(&case.id)),
        line(&case.file),
        case.line,
        case.level
    );
    let _ = writeln!(out, "  verifies: {}", line(case.verifies.trim_end()));
    for check in case.checks.iter().filter(|c| c.outcome == Outcome::Fail) {
        let mark = if check.level == Level::Info {
            style.paint("33", "~")
        } else {
            style.paint("31", "✗")
        };
        let _ = writeln!(
            out,
            "  {mark} [{}] step {} {}: {}",
            check.level,
            check.step + 1,
            check.kind.as_str(),
            line(&check.message)
        );
        if let Some(detail) = &check.detail {
            // Each line of the detail is indented under its check, so a
            // newline in it cannot start a line of the harness's own.
            for line in block(&detail::shown(detail)).lines() {
                let painted = if line.starts_with("+++") || line.starts_with("---") {
                    style.paint("1", line)
                } else if line.starts_with('+') {
                    style.paint("32", line)
                } else if line.starts_with('-') {
                    style.paint("31", line)
                } else if line.starts_with("@@") {
                    style.paint("36", line)
                } else {
                    line.to_string()
                };
                let _ = writeln!(out, "      {painted}");
            }
        }
    }
    if let Some(exchange) = case.failing_exchange() {
        let _ = writeln!(out, "  reproduce:");
        let embedded = report.is_some_and(|r| r.embedded);
        for command in commands(exchange, style, embedded) {
            let _ = writeln!(out, "    {command}");
        }
        // Around what the case's first failure found, when it judged
        // this answer.
        let pointer = case
            .failed_checks()
            .find(|c| c.exchange.is_some() && c.at.is_some())
            .and_then(|c| c.at.as_deref());
        out.push_str(&answer(exchange, pointer));
    }
    out
}

/// "Choices your server made": each open choice an info case observed,
/// in words, one line per distinct answer, marked where it is not the
/// reference server's.
fn choices(report: &RunReport, style: &Style) -> String {
    let made = super::choices::made(report);
    let mut out = String::new();
    if made.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{}",
        style.paint(
            "1",
            "Choices your server made (the document leaves them open; never failures)"
        )
    );
    let mut lines: Vec<(&str, String, bool)> = Vec::new();
    for choice in &made {
        // Said once per choice: an answer that settles nothing is left out
        // when another case of the same choice settled it.
        if !choice.observed.settles()
            && made
                .iter()
                .any(|c| c.choice == choice.choice && c.observed.settles())
        {
            continue;
        }
        let said = line(&choice.answer).into_owned();
        match lines
            .iter_mut()
            .find(|(id, words, _)| *id == choice.choice && *words == said)
        {
            Some((_, _, same)) => *same &= choice.as_reference,
            None => lines.push((&choice.choice, said, choice.as_reference)),
        }
    }
    for (id, words, same) in lines {
        let _ = writeln!(
            out,
            "  {id:<6} {words}{}",
            if same {
                String::new()
            } else {
                style.paint("36", " [not the reference server's choice]")
            }
        );
    }
    out.push('\n');
    out
}

/// Counts per level and the closing line `N passed, N failed, N skipped`.
pub fn summary(report: &RunReport, style: &Style) -> String {
    let mut out = String::new();
    for level in Level::ALL {
        let c = report.counts_for(*level);
        if c.total() == 0 {
            continue;
        }
        let _ = writeln!(out, "{:>6}: {}", level.as_str(), c.line());
    }
    let retried = report
        .cases
        .iter()
        .flat_map(|c| &c.exchanges)
        .filter(|e| e.attempts > 1)
        .count();
    if retried > 0 {
        let _ = writeln!(
            out,
            "{retried} request(s) were retried after throttling answers"
        );
    }
    // A correct server may close an idle kept-alive connection at any
    // time, so this is no failure; it is said so a reader counting
    // requests at the target knows where the extra ones came from.
    if report.connection_retries > 0 {
        let _ = writeln!(
            out,
            "{} request(s) were sent again on a new connection: the target closed the kept-alive connection they were sent on before answering",
            report.connection_retries
        );
    }
    let coverage = report.coverage();
    let _ = writeln!(
        out,
        "spec coverage: {:.1}% ({} of {} items exercised)",
        coverage.percent, coverage.covered, coverage.total
    );
    out.push_str(&verdict(report, style));
    let all = report.counts();
    let line = all.line();
    let _ = writeln!(
        out,
        "{}",
        if all.failed > 0 {
            style.paint("1;31", &line)
        } else {
            style.paint("1;32", &line)
        }
    );
    out
}
