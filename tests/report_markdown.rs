//! The Markdown report from hand-built run reports: verdict, tables whose
//! cells target text cannot break, code fences it cannot close and a snapshot
//! of a small fixed report. Size at 10 000 cases: tests/report_formats.rs.

use macie_conform::engine::exchange::TransportError;
use macie_conform::report::coverage;
use macie_conform::report::markdown;
use macie_conform::report::terminal::Style;

mod sample_report;
use sample_report::*;

/// Lines outside code fences, and whether every fence was closed, read the
/// way a CommonMark reader does: a fence closes only on a line of at least
/// as many backticks as opened it.
fn outside_fences(md: &str) -> (Vec<&str>, bool) {
    let mut open: Option<usize> = None;
    let mut outside = Vec::new();
    for line in md.lines() {
        let trimmed = line.trim_start_matches(' ');
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        match open {
            None if ticks >= 3 && !trimmed[ticks..].contains('`') => open = Some(ticks),
            None => outside.push(line),
            Some(n) if ticks >= n && trimmed[ticks..].trim().is_empty() => open = None,
            Some(_) => {}
        }
    }
    (outside, open.is_none())
}

/// `|` that separate cells (not escaped by an odd run of backslashes).
fn cell_separators(line: &str) -> usize {
    let mut count = 0;
    let mut backslashes = 0;
    for c in line.chars() {
        if c == '|' && backslashes % 2 == 0 {
            count += 1;
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    count
}

/// The fenced blocks with the given info string, by content.
fn fenced<'a>(md: &'a str, info: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, Vec<&'a str>)> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match &mut current {
            None if ticks >= 3 && line[ticks..] == *info => current = Some((ticks, Vec::new())),
            None => {}
            Some((n, body)) => {
                if ticks >= *n && line[ticks..].trim().is_empty() {
                    blocks.push(body.join("\n"));
                    current = None;
                } else {
                    body.push(line);
                }
            }
        }
    }
    blocks
}

#[test]
fn cells_code_spans_and_fences() {
    assert_eq!(
        markdown::cell("a|b\nc\\|d <i>"),
        "a\\|b c\\\\\\|d &lt;i&gt;"
    );
    assert_eq!(markdown::code("plain.id", false), "`plain.id`");
    assert_eq!(markdown::code("a`b", false), "``a`b``");
    assert_eq!(markdown::code("`x", false), "`` `x ``");
    assert_eq!(markdown::code("a|b\nc", true), "`a\\|b c`");
    assert_eq!(markdown::code("<b>", false), "`<b>`");
    assert_eq!(markdown::fence("sh", "echo"), "```sh\necho\n```\n");
    assert_eq!(
        markdown::fence("json", "a\n````\nb\n"),
        "`````json\na\n````\nb\n`````\n"
    );
}

#[test]
fn verdict_counts_matrix_and_coverage() {
    let report = fixed_report();
    let md = markdown::render(&report, &style());
    assert!(md.starts_with(
        "# ListClassificationJobs conformance report\n\n**❌ Not conformant (must-level checks failed)**\n"
    ));
    // Under the verdict: what did not run, and what nothing verified.
    assert!(md.contains(
        "failed)**\n\n- 1 of 2 should cases ran; 1 needs fault injection (run with --faults) &lt;i&gt;\n\
         - Not verified (2 must/should requirement(s)): LCJ-FAULT-001, LCJ-SORT-009\n\
         - 1 skipped: needs fault injection (run with --faults) &lt;i&gt;\n\n"
    ));
    for line in [
        "| Product | not named \\(--product, --product-version\\) |",
        "| Target | http://target.test/&lt;x&gt; |",
        "| Date | 2026-11-24T00:00:00Z |",
        "| Duration | 1.2 s |",
        "| Harness | macie-conform 0.1.0 |",
        "| Certification | not a certification run |",
        "| Canonical data set | not declared |",
        "| Level | Passed | Observed | Failed | Skipped | Unanswered |",
        "| must | 1 | 0 | 1 | 0 | 0 |",
        "| should | 1 | 0 | 0 | 1 | 0 |",
        "| info | 0 | 1 | 0 | 0 | 0 |",
        "| **all** | **2** | **1** | **1** | **1** | **0** |",
        "| LCJ-PAGE-001 | must | maxResults bounds a page | pass | 2 case(s) |",
        "| LCJ-FILTER-001 | must | EQ keeps \\| equal jobs only &lt;u&gt; | **fail** | 1 of 1 failing: `fail.hostile` |",
        "| LCJ-FAULT-001 | should | throttling answers 429 | skipped | 1 case(s) |",
        "| LCJ-SORT-009 | must | not run in this report | not run | 0 case(s) |",
        "| LCJ-OPEN-001 | info | default page size | observed | 1 case(s) |",
        "| `info.page-size` | the default page size | JSONPath: the default page holds 2 jobs &lt;b&gt;not&lt;/b&gt; 25 |",
    ] {
        assert!(md.lines().any(|l| l == line), "missing line {line}");
    }
    let cov = coverage::compute(&report);
    assert!(md.contains(&format!("\n## Spec coverage: {:.1}%\n", cov.percent)));
    assert!(md.contains(&format!(
        "| Spec coverage | {:.1}% ({} of {} items) |",
        cov.percent, cov.covered, cov.total
    )));
    // Literal rows, so the test does not restate the renderer's format;
    // `_` in an item is escaped like any target text.
    for row in [
        "| sort attribute × order | 1 / 8 | createdAt ASC, createdAt DESC, jobStatus ASC, jobStatus DESC, name DESC, jobType ASC, jobType DESC |",
        "| request member | 9 / 14 | filterCriteria.excludes, filterCriteria.excludes\\[\\].key, filterCriteria.excludes\\[\\].comparator, filterCriteria.excludes\\[\\].values, nextToken |",
    ] {
        assert!(md.lines().any(|l| l == row), "coverage row {row}");
    }
    let coverage_rows = md.split("\n## Spec coverage:").nth(1).map_or(0, |s| {
        s.lines()
            .filter(|l| l.starts_with("| ") && l.contains(" / "))
            .count()
    });
    assert_eq!(coverage_rows, cov.groups.len());
    assert!(md.contains("## Other observations (1)\n"));
}

#[test]
fn failed_case_with_diff_and_curl_passed_cases_compact() {
    let md = markdown::render(&fixed_report(), &style());
    // A finding shows its example case in full.
    assert!(md.contains(
        "### Finding 1, as `fail.hostile` shows it\n\nthe only IDLE job is listed [must] — `cases/report.yaml:9` — LCJ-FILTER-001\n"
    ));
    assert!(
        md.contains("- **[must]** step 1 body: body lacks or changes members the case expects")
    );
    assert_eq!(fenced(&md, "diff"), vec![DIFF.to_string()]);
    let curl = fenced(&md, "sh");
    assert_eq!(curl.len(), 1);
    assert!(curl[0].starts_with("curl -sS -i -X POST 'http://target.test/jobs/list'"));
    assert!(curl[0].contains("-H 'authorization: [REDACTED]'"));
    // The answer is shown around what differs: here, the page's jobs.
    let bodies = fenced(&md, "text");
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains("name \"<script>alert(1)</script>\""));
    assert!(bodies[0].contains("``` closes fences | breaks tables"));
    // Passed, observed, skipped and unanswered cases: one line each,
    // folded away.
    assert!(md.contains(
        "<details><summary>Passed, observed, skipped and unanswered cases (4)</summary>\n"
    ));
    for line in [
        "- `pass.listing` [must] passed: a listing is answered",
        "- `skip.faults` [should] skipped (needs fault injection \\(run with --faults\\) &lt;i&gt;): throttling is answered with 429",
        "- `odd id/\"x\"<b>` [should] passed: ids \\| verifies with markup &lt;em&gt;",
    ] {
        assert!(md.lines().any(|l| l == line), "missing line {line}");
    }
    assert!(md.trim_end().ends_with("</details>"));
}

#[test]
fn target_text_cannot_break_out() {
    let md = markdown::render(&fixed_report(), &style());
    let (outside, balanced) = outside_fences(&md);
    assert!(balanced, "a code fence is left open");
    assert!(
        md.contains("\n````text\n"),
        "a body with ``` gets a longer fence"
    );
    for line in &outside {
        // Markup from the target shows as text outside code (inside code
        // spans and fences it is literal anyway).
        let prose: String = line.split('`').step_by(2).collect();
        assert!(!prose.contains("<script"), "raw <script>: {line}");
        assert!(!prose.contains("<img"), "raw <img>: {line}");
        assert!(
            !line.contains("closes fences"),
            "body text left its fence: {line}"
        );
    }
    // Every row of a table has as many cell separators as its header.
    let mut header: Option<usize> = None;
    for line in &outside {
        if line.starts_with('|') {
            let n = cell_separators(line);
            match header {
                None => header = Some(n),
                Some(h) => assert_eq!(n, h, "a cell broke its table: {line}"),
            }
        } else {
            header = None;
        }
    }
    assert!(!md.contains(SECRET_AUTH));
    assert!(!md.contains(SECRET_KEY));
    assert!(!md.contains('\x1b'));
}

#[test]
fn long_bodies_are_cut_and_transport_errors_shown() {
    let mut report = fixed_report();
    let mut big = failing_case();
    big.id = "fail.big".into();
    if let Ok(r) = &mut big.exchanges[0].outcome {
        r.body = vec![b'x'; 50_000];
        r.truncated = true;
    }
    let mut dead = failing_case();
    dead.id = "fail.dead".into();
    dead.exchanges[0].outcome = Err(TransportError::Timeout(5000));
    report.cases = vec![big];
    let md = markdown::render(&report, &Style::default());
    assert!(md.contains("Answer: status 200 in 7 ms (body cut at the size cap after 50000 bytes)"));
    // An excerpt of the body, not the body.
    assert!(md.contains("x\n… "), "the excerpt says it was cut");
    assert!(!md.contains(&"x".repeat(2_001)));
    report.cases = vec![dead];
    let md = markdown::render(&report, &Style::default());
    assert!(md.contains("No answer: no complete answer within 5000 ms"));
}

#[test]
fn snapshot_of_a_small_report() {
    insta::assert_snapshot!(
        "markdown_report",
        markdown::render(&fixed_report(), &style())
    );
}

#[test]
fn an_incomplete_run_says_so_with_reasons_and_unanswered_cases() {
    let md = markdown::render(&incomplete_report(), &style());
    assert!(md.starts_with(
        "# ListClassificationJobs conformance report\n\n\
         **⏸️ Incomplete: 1 of 2 must cases ran; 1 needs the canonical data set**\n\n\
         - 1 of 2 should cases ran; 1 needs fault injection (run with --faults) &lt;i&gt;\n\
         - 1 of 2 info cases ran; 1 got no answer from the target (see \"Unanswered\")\n\
         - Not verified (3 must/should requirement(s)): LCJ-FILTER-001, LCJ-FAULT-001, LCJ-SORT-009\n\
         - 1 skipped: needs fault injection (run with --faults) &lt;i&gt;\n\
         - 1 skipped: needs the canonical data set; pass --fixture builtin if the target serves it (macie-conform fixture writes it)\n\
         - Unanswered: `info.no-answer`: no complete answer within 5000 ms\n\n"
    ), "{md}");
    for line in [
        "| info | 0 | 1 | 0 | 0 | 1 |",
        "| **all** | **2** | **1** | **0** | **2** | **1** |",
        "- `info.no-answer` [info] unanswered (no complete answer within 5000 ms): the default order",
    ] {
        assert!(md.lines().any(|l| l == line), "missing line {line}");
    }
    assert!(
        md.contains("## Other observations (1)\n"),
        "no answer is no observation"
    );
}
