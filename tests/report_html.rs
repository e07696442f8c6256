//! The HTML report from hand-built run reports: every section, escaping of
//! hostile target and case-file text, no external assets and a snapshot of a
//! small fixed report. Size at 10 000 cases: tests/report_formats.rs.

use macie_conform::engine::exchange::TransportError;
use macie_conform::report::coverage;
use macie_conform::report::html;
use macie_conform::report::terminal::Style;

mod sample_report;
use sample_report::*;

/// Tag names in the page, in order (`/` kept for closing tags).
fn tags(page: &str) -> Vec<String> {
    page.match_indices('<')
        .map(|(i, _)| {
            page[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '!'))
                .collect::<String>()
        })
        .collect()
}

/// Every `<...>` of the page, as written.
fn tag_texts(page: &str) -> Vec<&str> {
    page.match_indices('<')
        .map(|(i, _)| {
            let end = page[i..].find('>').map_or(page.len(), |e| i + e + 1);
            &page[i..end]
        })
        .collect()
}

#[test]
fn escape_and_anchor() {
    assert_eq!(html::escape("&<>\"'x"), "&amp;&lt;&gt;&quot;&#39;x");
    assert_eq!(html::anchor("a b/<c>\"'.d_e-f"), "case-a-b--c---.d_e-f");
}

#[test]
fn hostile_target_text_renders_as_text() {
    let page = html::render(&fixed_report(), &style());
    // Only the report's own markup: no tag comes from target or case text.
    let allowed = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "div", "table",
        "tr", "td", "th", "p", "ul", "li", "details", "summary", "span", "strong", "em", "pre",
        "a", "dl", "dt", "dd",
    ];
    for tag in tags(&page) {
        let name = tag.trim_start_matches('/');
        assert!(allowed.contains(&name), "unexpected tag <{tag}");
    }
    for text in tag_texts(&page) {
        let lower = text.to_ascii_lowercase();
        assert!(!lower.contains(" on"), "event handler in {text}");
        assert!(!lower.contains("src="), "source attribute in {text}");
    }
    assert!(!page.contains("<script"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>") && !page.contains("<i>") && !page.contains("<u>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("x-vendor: &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("http://target.test/&lt;x&gt;"));
    // Anchors are built from case ids with only safe characters.
    assert!(page.contains("<details id=\"case-odd-id--x--b-\">"));
    assert!(page.contains("<strong>odd id/&quot;x&quot;&lt;b&gt;</strong>"));
    // Secrets never show, in headers or in the curl command.
    assert!(!page.contains(SECRET_AUTH));
    assert!(!page.contains(SECRET_KEY));
    assert!(page.contains("authorization: [REDACTED]"));
    assert!(page.contains("x-api-key: [REDACTED]"));
    // Colour is for terminals only.
    assert!(!page.contains('\x1b'));
}

#[test]
fn self_contained_with_no_external_assets() {
    let page = html::render(&fixed_report(), &style());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.trim_end().ends_with("</body></html>"));
    assert!(page.contains("<meta charset=\"utf-8\">"));
    for external in [
        "<link",
        "<script",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
        "<iframe",
        "<object",
    ] {
        assert!(!page.contains(external), "external asset: {external}");
    }
    // Links only point inside the page, at anchors that exist.
    for (i, _) in page.match_indices("href=\"") {
        let target = &page[i + 6..];
        let target = &target[..target.find('"').expect("closed href")];
        assert!(
            target.starts_with("#case-"),
            "link out of the page: {target}"
        );
        let id = format!("id=\"{}\"", &target[1..]);
        assert!(page.contains(&id), "dangling link {target}");
    }
}

#[test]
fn banner_counts_matrix_and_coverage() {
    let report = fixed_report();
    let page = html::render(&report, &style());
    assert!(page.contains(
        "<div class=\"banner not_conformant\">Not conformant (must-level checks failed)</div>"
    ));
    for row in [
        "<tr><td>Target</td><td>http://target.test/&lt;x&gt;</td></tr>",
        "<tr><td>Started</td><td>2026-11-24T00:00:00Z</td></tr>",
        "<tr><td>Duration</td><td>1.2 s</td></tr>",
        "<tr><td>Harness</td><td>macie-conform 0.1.0</td></tr>",
        "<tr><td>Suite digest</td><td>0123456789abcdef</td></tr>",
        "<tr><td>Canonical data set</td><td>not declared (fixture cases skipped)</td></tr>",
    ] {
        assert!(page.contains(row), "missing {row}");
    }
    // The table shortens the digest; the identity under the verdict gives
    // it whole, for a customer comparing suites.
    assert!(
        page.contains(&format!(
            "<dt>Suite digest</dt><dd>{}</dd>",
            report.suite_digest
        )),
        "the whole digest"
    );
    // Under the banner: what did not run, and what nothing verified.
    assert!(page.contains(
        "</div>\n<ul class=\"grounds\">\n\
         <li>1 of 2 should cases ran; 1 needs fault injection (run with --faults) &lt;i&gt;</li>\n\
         <li>Not verified (2 must/should requirement(s)): LCJ-FAULT-001, LCJ-SORT-009</li>\n\
         <li>1 skipped: needs fault injection (run with --faults) &lt;i&gt;</li>\n</ul>\n"
    ));
    // Counts: must 1 passed 1 failed; should 1 passed 1 skipped; info 1
    // observed (info cases observe, they neither pass nor fail).
    assert!(
        page.contains("<th>Observed</th><th>Failed</th><th>Skipped</th><th>Unanswered</th></tr>")
    );
    assert!(page.contains(
        "<tr><td>must</td><td class=\"pass\">1</td><td>0</td><td class=\"fail\">1</td><td>0</td><td>0</td></tr>"
    ));
    assert!(page.contains(
        "<tr><td>should</td><td class=\"pass\">1</td><td>0</td><td class=\"\">0</td><td>1</td><td>0</td></tr>"
    ));
    assert!(page.contains(
        "<tr><td>info</td><td class=\"pass\">0</td><td>1</td><td class=\"\">0</td><td>0</td><td>0</td></tr>"
    ));
    assert!(
        page.contains("<tr><th>All</th><th>2</th><th>1</th><th>1</th><th>1</th><th>0</th></tr>")
    );
    // One matrix row per requirement, each result coloured.
    for row in [
        "<tr><td>LCJ-PAGE-001</td><td>must</td><td>ListClassificationJobs</td><td>maxResults bounds a page</td><td class=\"pass\">pass</td><td>2 case(s)</td></tr>",
        "<tr><td>LCJ-FILTER-001</td><td>must</td><td>ListClassificationJobs</td><td>EQ keeps | equal jobs\nonly &lt;u&gt;</td><td class=\"fail\">fail</td><td>1 of 1 failing: <a href=\"#case-fail.hostile\">fail.hostile</a></td></tr>",
        "<tr><td>LCJ-FAULT-001</td><td>should</td><td>ListClassificationJobs</td><td>throttling answers 429</td><td class=\"skipped\">skipped</td><td>1 case(s)</td></tr>",
        "<tr><td>LCJ-SORT-009</td><td>must</td><td>ListClassificationJobs</td><td>not run in this report</td><td class=\"not_run\">not run</td><td>0 case(s)</td></tr>",
        "<tr><td>LCJ-OPEN-001</td><td>info</td><td>ListClassificationJobs</td><td>default page size</td><td class=\"observed\">observed</td><td>1 case(s)</td></tr>",
    ] {
        assert!(page.contains(row), "missing matrix row {row}");
    }
    let cov = coverage::compute(&report);
    assert!(
        page.contains(&format!("<h2>Spec coverage: {:.1}%</h2>", cov.percent)),
        "coverage heading"
    );
    assert!(page.contains(&format!(
        "{:.1}% ({} of {} items)",
        cov.percent, cov.covered, cov.total
    )));
    for group in &cov.groups {
        assert!(
            page.contains(&format!(
                "<td>{}</td><td>{} / {}</td>",
                html::escape(&group.name),
                group.covered(),
                group.items.len()
            )),
            "coverage row {}",
            group.name
        );
    }
    // Covered items are not listed; uncovered ones are.
    assert!(
        !cov.uncovered()
            .contains(&"request member: sortCriteria.attributeName".to_string())
    );
    assert!(!page.contains("sortCriteria.attributeName"));
    assert!(
        page.contains("JobStatus PAUSED"),
        "an uncovered item is listed"
    );
}

#[test]
fn failed_cases_open_passed_closed() {
    let page = html::render(&fixed_report(), &style());
    assert_eq!(page.matches("<details open").count(), 1);
    assert!(page.contains("<details open class=\"failcase\" id=\"case-fail.hostile\">"));
    assert!(page.contains("<p>cases/report.yaml:9 · requirements: LCJ-FILTER-001</p>"));
    assert!(page.contains("[must]</span> step 1 <em>body</em>: body lacks or changes"));
    assert!(page.contains("[should]</span> step 1 <em>header</em>: x-vendor is &quot;&gt;"));
    // The diff, line by line, with a class per kind of line.
    for line in [
        "<span class=\"hdr\">--- expected</span>",
        "<span class=\"hdr\">+++ actual</span>",
        "<span class=\"hunk\">@@ -1,3 +1,3 @@</span>",
        "<span class=\"del\">-  &quot;name&quot;: &quot;plain&quot;</span>",
        "<span class=\"add\">+  &quot;name&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</span>",
    ] {
        assert!(page.contains(line), "diff line {line}");
    }
    for css in [".add{", ".del{", ".hunk{", ".hdr{"] {
        assert!(page.contains(css), "diff colour {css}");
    }
    // Request, pretty-printed; response with headers; reproduction.
    assert!(
        page.contains("<pre>POST http://target.test/jobs/list\ncontent-type: application/json\n")
    );
    assert!(page.contains("\n  &quot;filterCriteria&quot;: {\n"));
    assert!(page.contains("<p><strong>Response</strong> status 200 in 7 ms</p>"));
    assert!(page.contains("<p><strong>Reproduce</strong></p><pre>curl -sS -i -X POST &#39;http://target.test/jobs/list&#39;"));
    // Passed and skipped cases: one closed <details> each, checks inside.
    assert!(page.contains(
        "<details id=\"case-pass.listing\"><summary><span class=\"pass\">PASS</span> <strong>pass.listing</strong> [must]"
    ));
    assert!(page.contains("<li>[must] page size: no page holds more than maxResults 2</li>"));
    assert!(
        page.contains("<details id=\"case-skip.faults\"><summary><span class=\"skip\">SKIP</span>")
    );
    assert!(page.contains("<p>needs fault injection (run with --faults) &lt;i&gt;</p>"));
    // Info observations have their own section.
    assert!(page.contains("<h2>Other observations (1)</h2>"));
    assert!(page.contains("<td><a href=\"#case-info.page-size\">info.page-size</a></td><td>the default page size</td><td>JSONPath: the default page holds 2 jobs &lt;b&gt;not&lt;/b&gt; 25</td>"));
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
    report.cases = vec![big, dead];
    let page = html::render(&report, &Style::default());
    assert!(page.contains("(body cut at the size cap after 50000 bytes)"));
    assert!(page.contains("… (50000 bytes in all; see the JSON report for the rest)"));
    assert!(page.contains(&"x".repeat(20_000)));
    assert!(!page.contains(&"x".repeat(20_001)));
    assert!(
        page.contains("<p><strong>No response</strong>: no complete answer within 5000 ms</p>")
    );
    assert_eq!(page.matches("<details open").count(), 2);
}

#[test]
fn snapshot_of_a_small_report() {
    insta::assert_snapshot!("html_report", html::render(&fixed_report(), &style()));
}

#[test]
fn an_incomplete_run_says_so_with_reasons_and_unanswered_cases() {
    let page = html::render(&incomplete_report(), &style());
    assert!(page.contains(
        "<div class=\"banner incomplete\">Incomplete: 1 of 2 must cases ran; 1 needs the canonical data set</div>\n\
         <ul class=\"grounds\">\n\
         <li>1 of 2 should cases ran; 1 needs fault injection (run with --faults) &lt;i&gt;</li>\n\
         <li>1 of 2 info cases ran; 1 got no answer from the target (see &quot;Unanswered&quot;)</li>\n\
         <li>Not verified (3 must/should requirement(s)): LCJ-FILTER-001, LCJ-FAULT-001, LCJ-SORT-009</li>\n\
         <li>1 skipped: needs fault injection (run with --faults) &lt;i&gt;</li>\n\
         <li>1 skipped: needs the canonical data set; pass --fixture builtin if the target serves it (macie-conform fixture writes it)</li>\n\
         <li>Unanswered: <a href=\"#case-info.no-answer\">info.no-answer</a>: no complete answer within 5000 ms</li>\n\
         </ul>\n"
    ));
    assert!(
        page.contains(".incomplete{"),
        "the banner has its own colour"
    );
    // Unanswered is counted on its own, not as passed.
    assert!(page.contains(
        "<tr><td>info</td><td class=\"pass\">0</td><td>1</td><td class=\"\">0</td><td>0</td><td>1</td></tr>"
    ));
    assert!(page.contains(
        "<details id=\"case-info.no-answer\"><summary><span class=\"skip\">NO ANSWER</span>"
    ));
    // A request that got no answer observed no choice.
    assert!(page.contains("<h2>Other observations (1)</h2>"));
}

#[test]
fn a_full_passing_run_is_conformant() {
    let mut report = fixed_report();
    report
        .cases
        .retain(|c| matches!(c.verdict, macie_conform::report::Verdict::Pass));
    let page = html::render(&report, &style());
    assert!(page.contains(
        "<div class=\"banner must_and_should\">Conformant at must and should level</div>\n<ul class=\"grounds\">\n\
         <li>Not verified (3 must/should requirement(s)): LCJ-FILTER-001, LCJ-FAULT-001, LCJ-SORT-009</li>"
    ));
}
