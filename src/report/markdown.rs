//! The Markdown report (`run --markdown PATH`): the content of the HTML
//! report, for a pull-request comment or a vendor's README
//! (GitHub-flavoured Markdown).
//!
//! Text from the target goes into table cells (with `|` and line breaks
//! neutralised, `<` and `>` as entities), into code spans, or into code
//! fences longer than any backtick run inside.

use super::detail;
use super::terminal::Style;
use super::verdict::{self, Assessment};
use super::{CaseReport, RunReport, Verdict};
use crate::engine::case::Level;
use std::fmt::Write;

/// Text safe inside a table cell.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Line breaks become spaces (a cell is one line); other control
    // characters become visible escapes (see super::escape), whose
    // backslash the loop below then keeps literal.
    let text = text.replace(['\r', '\n'], " ");
    for c in super::escape::line(&text).chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Inline markup: target text must not become a link, an image,
            // emphasis or code in a pull-request comment.
            '\\' | '|' | '[' | ']' | '(' | ')' | '*' | '_' | '`' | '!' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Harness text (verdicts, skip reasons, command-line options) outside a
/// table: as [`cell`], but parentheses stay plain, since without a `]`
/// before them they are no markup.
fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | ')' => out.push(c),
            c => out.push_str(&cell(&c.to_string())),
        }
    }
    out
}

/// Text as an inline code span: shown literally (no markup inside is
/// interpreted, so nothing needs HTML escaping), on one line, delimited by
/// more backticks than it contains. In a table cell `|` still needs its
/// backslash (GitHub splits cells before it parses code spans).
pub fn code(text: &str, in_table: bool) -> String {
    let mut text = super::escape::line(&text.replace(['\r', '\n'], " ")).into_owned();
    if in_table {
        text = text.replace('|', "\\|");
    }
    if text.is_empty() {
        return "` `".into();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    // One space on each side is stripped by the reader when both are there.
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty());
    if pad {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// A fenced code block that no content can close early.
pub fn fence(info: &str, content: &str) -> String {
    let content = super::escape::block(content);
    let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest.max(2) + 1);
    format!(
        "{ticks}{info}\n{}\n{ticks}\n",
        content.trim_end_matches('\n')
    )
}

pub fn render(report: &RunReport, style: &Style) -> String {
    let plain = Style {
        color: false,
        ..style.clone()
    };
    let coverage = report.coverage();
    let mut out = String::new();
    let assessment = report.assess();
    let mark = match assessment.conformance {
        super::Conformance::MustAndShould => "✅",
        super::Conformance::MustOnly => "⚠️",
        super::Conformance::NotConformant => "❌",
        super::Conformance::Incomplete => "⏸️",
        super::Conformance::NoFaultFound => "🔎",
    };
    let _ = writeln!(out, "# ListClassificationJobs conformance report\n");
    let _ = writeln!(out, "**{mark} {}**\n", prose(&assessment.headline));
    grounds(&mut out, report, &assessment);
    // Who and what the report is about, under the verdict and its grounds.
    let _ = writeln!(out, "| | |\n|---|---|");
    for (name, value) in super::identity(report) {
        let _ = writeln!(out, "| {name} | {} |", cell(&value));
    }
    out.push('\n');
    if let Some(e) = &report.exploration {
        exploration(&mut out, e);
    }
    findings(&mut out, report, &plain, MAX_CHARS / 2);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| Duration | {:.1} s |",
        report.duration_ms as f64 / 1000.0
    );
    let _ = writeln!(
        out,
        "| Canonical data set | {} |",
        if report.fixture {
            "declared"
        } else {
            "not declared"
        }
    );
    let _ = writeln!(
        out,
        "| Spec coverage | {:.1}% ({} of {} items) |",
        coverage.percent, coverage.covered, coverage.total
    );
    // No failure: a correct server may close an idle kept-alive
    // connection; said so a reader counting requests knows why.
    let _ = writeln!(
        out,
        "| Sent again on a new connection | {} request(s) |\n",
        report.connection_retries
    );

    let _ = writeln!(
        out,
        "## Results per level\n\n| Level | Passed | Observed | Failed | Skipped | Unanswered |\n|---|---:|---:|---:|---:|---:|"
    );
    for level in Level::ALL {
        let c = report.counts_for(*level);
        let _ = writeln!(
            out,
            "| {level} | {} | {} | {} | {} | {} |",
            c.passed, c.observed, c.failed, c.skipped, c.unanswered
        );
    }
    let c = report.counts();
    let _ = writeln!(
        out,
        "| **all** | **{}** | **{}** | **{}** | **{}** | **{}** |\n",
        c.passed, c.observed, c.failed, c.skipped, c.unanswered
    );

    if !report.requirements.is_empty() {
        let _ = writeln!(
            out,
            "## Requirement matrix\n\n| Requirement | Level | Statement | Result | Cases |\n|---|---|---|---|---|"
        );
        for r in &report.requirements {
            let result = report.requirement_result(&r.id);
            let cases = super::detail::matrix_cases(report, &r.id, |id| code(id, true));
            let shown = match result {
                super::RequirementResult::Fail => "**fail**".to_string(),
                other => other.as_str().to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {shown} | {} |",
                cell(&r.id),
                r.level,
                cell(&r.statement),
                cases
            );
        }
        out.push('\n');
    }

    let failed: Vec<&CaseReport> = report.failed_cases().collect();
    let _ = writeln!(out, "## Failed cases ({})\n", failed.len());
    if failed.is_empty() {
        let _ = writeln!(out, "None.\n");
    }
    // One line each: the findings above show an example of each defect in
    // full, the HTML and JSON reports every case.
    let lines: Vec<String> = failed
        .iter()
        .map(|case| {
            let first = case
                .failed_checks()
                .find(|c| c.level > Level::Info)
                .map(|c| {
                    format!(
                        "{}: {}",
                        c.kind.as_str(),
                        crate::engine::check::truncate(&c.message, 160)
                    )
                })
                .unwrap_or_default();
            format!(
                "- {} [{}] {}\n",
                code(&case.id, false),
                case.level,
                cell(&first)
            )
        })
        .collect();
    bounded(&mut out, lines, MAX_CHARS * 7 / 10, "failed case(s)");
    out.push('\n');

    let made = super::choices::made(report);
    if !made.is_empty() {
        let _ = writeln!(
            out,
            "## Choices your server made ({})\n\nWhere the document leaves the answer open, what this target did. These never fail a run.\n\n| Choice | What | Your server | Reference server | Case |\n|---|---|---|---|---|",
            made.len()
        );
        let rows: Vec<String> = made
            .iter()
            .map(|c| {
                format!(
                    "| {} | {} | {} | {} | {} |\n",
                    cell(&c.choice),
                    cell(&c.question),
                    cell(&c.answer),
                    c.reference(),
                    code(&c.case, true)
                )
            })
            .collect();
        bounded(&mut out, rows, MAX_CHARS * 3 / 4, "choice(s)");
        out.push('\n');
    }

    // Info cases of the catalogue's open choices say theirs under
    // "Choices your server made"; these are the rest.
    let observed: Vec<(&CaseReport, String)> = report
        .cases
        .iter()
        .filter(|c| !super::choices::observes_a_choice(report, c))
        .flat_map(|c| {
            c.observations()
                .map(move |k| (c, super::choices::observation(k)))
        })
        .collect();
    if !observed.is_empty() {
        let _ = writeln!(out, "## Other observations ({})\n", observed.len());
        let _ = writeln!(
            out,
            "Info-level checks outside the choices above: what this target did where a case allows more than one answer. They never fail a run.\n"
        );
        let _ = writeln!(out, "| Case | What | Observed |\n|---|---|---|");
        let rows: Vec<String> = observed
            .iter()
            .map(|(case, message)| {
                format!(
                    "| {} | {} | {} |\n",
                    code(&case.id, true),
                    cell(&crate::engine::check::truncate(&case.verifies, 160)),
                    cell(&crate::engine::check::truncate(message, 240))
                )
            })
            .collect();
        bounded(&mut out, rows, MAX_CHARS * 8 / 10, "observation(s)");
        out.push('\n');
    }

    let _ = writeln!(
        out,
        "## Spec coverage: {:.1}%\n\n| Surface | Covered | Not exercised |\n|---|---|---|",
        coverage.percent
    );
    for group in &coverage.groups {
        let missing: Vec<String> = group.missing().map(cell).collect();
        let _ = writeln!(
            out,
            "| {} | {} / {} | {} |",
            cell(&group.name),
            group.covered(),
            group.items.len(),
            if missing.is_empty() {
                "—".to_string()
            } else {
                missing.join(", ")
            }
        );
    }
    out.push('\n');

    let others: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| c.verdict != Verdict::Fail)
        .collect();
    let _ = writeln!(
        out,
        "<details><summary>Passed, observed, skipped and unanswered cases ({})</summary>\n",
        others.len()
    );
    let mut lines = Vec::new();
    for case in others {
        let verdict = match &case.verdict {
            Verdict::Skip(reason) => format!("skipped ({})", cell(reason)),
            Verdict::Unanswered => format!(
                "unanswered ({})",
                cell(
                    case.transport_failures()
                        .next()
                        .map(|c| c.message.as_str())
                        .unwrap_or_default()
                )
            ),
            Verdict::Observed => "observed".to_string(),
            _ => "passed".to_string(),
        };
        lines.push(format!(
            "- {} [{}] {}: {}\n",
            code(&case.id, false),
            case.level,
            verdict,
            cell(&crate::engine::check::truncate(&case.verifies, 160))
        ));
    }
    bounded(&mut out, lines, MAX_CHARS - 200, "more case(s)");
    let _ = writeln!(out, "\n</details>");
    out
}

/// Adds `items` (whole lines or table rows) while the report stays under
/// `limit` characters, then says how many were left out and where they are.
fn bounded(out: &mut String, items: Vec<String>, limit: usize, what: &str) {
    let total = items.len();
    let mut added = 0;
    for item in items {
        if out.chars().count() + item.chars().count() > limit {
            break;
        }
        out.push_str(&item);
        added += 1;
    }
    if added < total {
        let _ = writeln!(
            out,
            "\n_{} {what} left out to keep this report short; the HTML and JSON reports list every one._",
            total - added
        );
    }
}

/// One entry per defect (see [`super::findings`]), ahead of the cases it
/// fails, each with one representative case. The reason comes from the
/// target's answer, so it is escaped. Representative cases are added while
/// they fit `budget` characters.
fn findings(out: &mut String, report: &RunReport, style: &Style, budget: usize) {
    let findings = report.findings();
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Findings: {} defect(s) behind {} failed case(s)\n",
        findings.len(),
        report.failed_cases().count()
    );
    for (n, f) in findings.iter().enumerate().take(MAX_FINDINGS) {
        let cases: Vec<String> = f.cases.iter().take(10).map(|id| code(id, false)).collect();
        let more = f.cases.len().saturating_sub(10);
        let _ = writeln!(
            out,
            "{}. **{}** {} ({} case(s))\n   - cases: {}{}",
            n + 1,
            f.level,
            cell(&f.headline()),
            f.cases.len(),
            cases.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        );
        if !f.requirements.is_empty() {
            let _ = writeln!(
                out,
                "   - requirements: {}",
                prose(&f.requirements.join(", "))
            );
        }
    }
    if findings.len() > MAX_FINDINGS {
        let _ = writeln!(
            out,
            "\n{} more finding(s): see the HTML or JSON report.",
            findings.len() - MAX_FINDINGS
        );
    }
    out.push('\n');
    let mut left_out = 0;
    // A case already shown for an earlier finding is not shown again: its
    // answer and request are the same.
    let mut shown: Vec<(&str, usize)> = Vec::new();
    for (n, f) in findings.iter().enumerate() {
        let Some(case) = f
            .cases
            .first()
            .and_then(|id| report.cases.iter().find(|c| &c.id == id))
        else {
            continue;
        };
        let mut section = format!(
            "### Finding {}, as {} shows it\n\n",
            n + 1,
            code(&case.id, false)
        );
        let earlier = shown
            .iter()
            .find(|(id, _)| *id == case.id)
            .map(|(_, at)| *at);
        representative(&mut section, report, case, &f.examples, style, earlier);
        if out.len() + section.len() > budget {
            left_out += 1;
            continue;
        }
        if earlier.is_none() {
            shown.push((&case.id, n + 1));
        }
        out.push_str(&section);
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "_{left_out} more finding(s) have their example case in the HTML or JSON report._\n"
        );
    }
}

/// Findings a Markdown report lists; a run with more has deeper trouble
/// than a comment can hold.
const MAX_FINDINGS: usize = 40;

/// What a pull-request comment holds (GitHub allows 65,536 characters),
/// with room for the closing notes.
pub const MAX_CHARS: usize = 60_000;

/// Under the verdict: what ran per level when not everything did, the
/// requirements nothing verified, skips by reason and unanswered cases.
fn grounds(out: &mut String, report: &RunReport, assessment: &Assessment) {
    let mut items: Vec<String> = Vec::new();
    items.extend(assessment.detail_lines().iter().map(|l| prose(l)));
    if !assessment.not_verified.is_empty() {
        items.push(format!(
            "Not verified ({} must/should requirement(s)): {}",
            assessment.not_verified.len(),
            prose(&assessment.not_verified.join(", "))
        ));
    }
    for group in verdict::skip_reasons(report) {
        items.push(format!("{} skipped: {}", group.count, prose(&group.reason)));
    }
    for case in report.unanswered_cases() {
        let why = case
            .transport_failures()
            .next()
            .map(|c| c.message.as_str())
            .unwrap_or_default();
        items.push(format!(
            "Unanswered: {}: {}",
            code(&case.id, false),
            cell(why)
        ));
    }
    for item in &items {
        let _ = writeln!(out, "- {item}");
    }
    if !items.is_empty() {
        out.push('\n');
    }
}

/// A finding's example case: the checks the finding groups, the part of
/// the answer that differs, and how to send the request again.
fn representative(
    out: &mut String,
    report: &RunReport,
    case: &CaseReport,
    examples: &[usize],
    style: &Style,
    shown_under: Option<usize>,
) {
    let _ = writeln!(
        out,
        "{} [{}] — {}{}\n",
        cell(&case.verifies),
        case.level,
        code(&format!("{}:{}", case.file, case.line), false),
        if case.requirements.is_empty() {
            String::new()
        } else {
            format!(" — {}", cell(&case.requirements.join(", ")))
        }
    );
    let shown: Vec<&crate::engine::check::CheckResult> = examples
        .iter()
        .filter_map(|&i| case.checks.get(i))
        .collect();
    for check in &shown {
        let _ = writeln!(
            out,
            "- **[{}]** step {} {}: {}",
            check.level,
            check.step + 1,
            check.kind.as_str(),
            cell(&crate::engine::check::truncate(&check.message, 400))
        );
        if let Some(detail) = &check.detail {
            let text = detail::shown(detail);
            let mut lines: Vec<String> = text.lines().take(12).map(str::to_string).collect();
            let all = text.lines().count();
            if all > lines.len() {
                lines.push(format!("… {} more line(s)", all - lines.len()));
            }
            out.push('\n');
            out.push_str(&fence("diff", &lines.join("\n")));
            out.push('\n');
        }
    }
    if let Some(finding) = shown_under {
        let _ = writeln!(
            out,
            "\n_The answer and how to reproduce it are under finding {finding}._\n"
        );
        return;
    }
    let judged = shown
        .iter()
        .find_map(|c| c.exchange)
        .and_then(|i| case.exchanges.get(i))
        .or_else(|| case.failing_exchange());
    if let Some(exchange) = judged {
        match &exchange.outcome {
            Ok(r) => {
                let _ = writeln!(
                    out,
                    "\nAnswer: status {} in {} ms{}\n",
                    r.status,
                    r.elapsed_ms,
                    r.kept_note().map(|n| format!(" ({n})")).unwrap_or_default(),
                );
                let pointer = shown
                    .iter()
                    .find(|c| c.exchange.is_some() && c.at.is_some())
                    .and_then(|c| c.at.as_deref());
                if let Some(excerpt) = detail::excerpt(&r.body, pointer) {
                    out.push_str(&fence("text", &excerpt));
                }
            }
            Err(e) => {
                let _ = writeln!(out, "\nNo answer: {}\n", cell(&e.to_string()));
            }
        }
        let _ = writeln!(out, "\nReproduce:\n");
        out.push_str(&fence(
            "sh",
            &super::reproduce::reproduce_commands(report, exchange, style).join("\n"),
        ));
    }
    out.push('\n');
}

/// What an exploration did and how to repeat it.
fn exploration(out: &mut String, e: &super::Exploration) {
    let _ = writeln!(out, "## Exploration\n");
    let _ = writeln!(
        out,
        "Seed {}: {} generated case(s), {} request(s) of a budget of {}, {} more shrinking failures.\n",
        e.seed, e.cases, e.requests, e.budget, e.shrink_requests
    );
    let _ = writeln!(out, "Explore the same way again:\n");
    out.push_str(&fence("sh", &e.rerun));
    out.push('\n');
    if let Some(note) = e.deadline_note() {
        let _ = writeln!(out, "**Note:** {}.\n", prose(&note));
    }
    if !e.refused_pairs.is_empty() {
        let _ = writeln!(
            out,
            "The target refused these filter pairs (open choice OC-7, not a failure): {}.\n",
            prose(&e.refused_pairs.join(", "))
        );
    }
    for f in &e.failures {
        let _ = writeln!(
            out,
            "### {} `{}`\n\nFound by `{}`, {} step(s) smaller.{}\n",
            if f.confirmed {
                "Shrunk failure"
            } else {
                "Not confirmed"
            },
            prose(&f.id),
            prose(&f.found_by),
            f.steps_taken,
            if f.confirmed {
                ""
            } else {
                " It passed when run again, so it is not saved."
            }
        );
        for check in &f.failed_checks {
            let _ = writeln!(out, "- {}", prose(check));
        }
        out.push('\n');
        out.push_str(&fence("yaml", &f.yaml));
        out.push('\n');
    }
    if let Some(path) = &e.saved_to {
        let _ = writeln!(out, "Failures saved to `{}`.\n", prose(path));
    }
}
