//! The HTML and Markdown reports: structure, escaping of hostile target
//! data, snapshots of both, and size at 10 000 cases; and the cut of long
//! diffs, the same in every format.

mod common;

use common::{Answer, fake, job};
use macie_conform::engine::load::{SourceFile, load};
use macie_conform::report::terminal::Style;
use macie_conform::report::{RunReport, html, markdown};
use macie_conform::runner::http::ClientOptions;
use macie_conform::runner::{self, RunOptions, Selection};
use macie_conform::schema::SchemaSet;
use serde_json::json;

const CASES: &str = r#"cases:
  - id: pass.listing
    verifies: a listing is answered
    level: must
    requirements: [LCJ-PAGE-001]
    request: {body: {maxResults: 2}}
    expect: {status: 200}
  - id: fail.status-filter
    verifies: the only RUNNING job is listed
    level: must
    requirements: [LCJ-FILTER-001]
    request: {body: {filterCriteria: {includes: [{key: jobStatus, comparator: EQ, values: [IDLE]}]}}}
    expect: {status: 200, semantics: [filter], body_subset: {items: [{name: plain}]}}
  - id: info.observed
    verifies: an open choice
    level: info
    requirements: [LCJ-OPEN-001]
    request: {}
    expect: {jsonpath: [{path: "$.items", length: 5}]}
  - id: skip.faults
    verifies: needs fault injection
    level: must
    faults: true
    request: {}
    expect: {error: ThrottlingException}
"#;

const HOSTILE_NAME: &str = "<script>alert(1)</script>";
const HOSTILE_HEADER: &str = "\"><img src=x onerror=alert(1)>";

/// A run against a server whose data is hostile, with volatile values fixed
/// so the output can be snapshotted.
async fn hostile_report() -> RunReport {
    let url = fake(|_, _| {
        let mut j = job("a1", "RUNNING", "2024-01-01T00:00:00.000Z");
        j["name"] = json!(HOSTILE_NAME);
        let mut k = job("b2", "RUNNING", "2024-01-02T00:00:00.000Z");
        k["name"] = json!("``` closes fences | breaks tables");
        Answer::json(200, json!({"items": [j, k]})).header("x-vendor", HOSTILE_HEADER)
    })
    .await;
    let suite = load(
        &[SourceFile {
            name: "cases/report.yaml".into(),
            text: CASES.into(),
        }],
        SchemaSet::embedded().expect("schemas"),
    )
    .expect("cases");
    let options = {
        let mut o = RunOptions::new(url.clone());
        // Reports as the command line writes them.
        o.words = macie_conform::runner::Vocabulary::Cli;
        o.client = ClientOptions::default();
        o.concurrency = 1;
        o
    };
    let mut report = runner::run(&suite, &Selection::default(), options, |_| {})
        .await
        .expect("run");
    report.requirements = vec![
        requirement("LCJ-PAGE-001", "maxResults bounds a page"),
        requirement("LCJ-FILTER-001", "EQ keeps equal jobs"),
        requirement("LCJ-OPEN-001", "default page size"),
        requirement("LCJ-SORT-001", "not run in this report"),
    ];
    // Fix what changes from run to run.
    report.target = "http://target.test".into();
    report.started_at = "2026-11-24T00:00:00Z".into();
    report.duration_ms = 1234;
    report.suite_digest = "0".repeat(64);
    for case in &mut report.cases {
        case.duration_ms = 0;
        for e in &mut case.exchanges {
            e.request.url = e.request.url.replace(&url, "http://target.test");
            if let Ok(r) = &mut e.outcome {
                r.elapsed_ms = 0;
                r.headers.retain(|(k, _)| k != "date");
            }
        }
    }
    report
}

fn requirement(id: &str, statement: &str) -> macie_conform::report::RequirementInfo {
    macie_conform::report::RequirementInfo {
        id: id.into(),
        level: macie_conform::engine::case::Level::Must,
        section: "test".into(),
        statement: statement.into(),
        judged_by: None,
        fallback_for: Vec::new(),
    }
}

#[tokio::test]
async fn html_escapes_target_data_and_has_every_section() {
    let report = hostile_report().await;
    let page = html::render(&report, &Style::default());
    assert!(!page.contains(HOSTILE_NAME), "raw <script> from the target");
    assert!(!page.contains("<img"), "raw <img> from the target");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the name shows as text"
    );
    assert!(
        page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "the header shows as text"
    );
    assert_eq!(page.matches("<script").count(), 0);
    for external in ["<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!page.contains(external), "external asset: {external}");
    }
    assert!(
        page.contains("class=\"banner not_conformant\">Not conformant (must-level checks failed)")
    );
    assert!(page.contains("<details open class=\"failcase\" id=\"case-fail.status-filter\">"));
    assert!(
        page.contains("<details id=\"case-pass.listing\">"),
        "passed cases are collapsed"
    );
    assert!(
        page.contains("<span class=\"del\">"),
        "the diff is coloured"
    );
    assert!(page.contains("curl -sS -i -X POST"));
    assert!(page.contains("<h2>Other observations (1)</h2>"));
    assert!(page.contains("<h2>Requirement matrix</h2>"));
    assert!(page.contains("<td class=\"not_run\">not run</td>"));
    assert!(page.contains("<h2>Spec coverage:"));
    insta::assert_snapshot!("html_report", page);
}

#[tokio::test]
async fn markdown_keeps_target_text_inside_cells_and_fences() {
    let report = hostile_report().await;
    let md = markdown::render(&report, &Style::default());
    assert!(md.starts_with("# ListClassificationJobs conformance report\n\n**❌ Not conformant"));
    assert!(md.contains("### Finding 1, as `fail.status-filter` shows it"));
    assert!(
        md.contains("````text\n"),
        "a body with ``` gets a longer fence"
    );
    assert!(md.contains(
        "| LCJ-FILTER-001 | must | EQ keeps equal jobs | **fail** | 1 of 1 failing: `fail.status-filter` |"
    ));
    assert_eq!(
        markdown::cell("[x](https://evil) *b* `c` a|b"),
        "\\[x\\]\\(https://evil\\) \\*b\\* \\`c\\` a\\|b",
        "target text cannot become a link, emphasis or code"
    );
    for line in md.lines().filter(|l| l.starts_with('|')) {
        assert!(!line.contains("<script"), "raw markup in a table: {line}");
    }
    insta::assert_snapshot!("markdown_report", md);
}

#[tokio::test]
async fn reports_of_ten_thousand_cases_stay_usable() {
    let mut report = hostile_report().await;
    let template = report.cases.clone();
    report.cases = (0..10_000)
        .map(|i| {
            // 1% fail; the rest pass, like a mostly conformant target.
            let mut c = template[if i % 100 == 0 { 1 } else { 0 }].clone();
            c.id = format!("case.{i:05}");
            c
        })
        .collect();
    let started = std::time::Instant::now();
    let page = html::render(&report, &Style::default());
    let md = markdown::render(&report, &Style::default());
    let json = macie_conform::report::json::render(&report);
    println!(
        "10 000 cases: HTML {} bytes, Markdown {} bytes, JSON {} bytes, rendered in {} ms",
        page.len(),
        md.len(),
        json.len(),
        started.elapsed().as_millis()
    );
    assert!(page.len() < 40 << 20, "HTML {} bytes", page.len());
    assert_eq!(page.matches("<details open").count(), 100);
    assert_eq!(page.matches("<details id=\"case-case.").count(), 9_900);
    // A passed case costs one <details> line, not a request dump.
    let one = page
        .lines()
        .find(|l| l.starts_with("<details id=\"case-case.00001\">"))
        .expect("passed case line");
    assert!(one.len() < 600, "passed case takes {} bytes", one.len());
    // The Markdown report fits a pull-request comment whatever the number
    // of cases, and says where the rest is.
    let chars = md.chars().count();
    assert!(chars <= markdown::MAX_CHARS, "Markdown {chars} characters");
    assert!(
        md.contains("### Finding 1, as "),
        "an example case is shown"
    );
    assert!(
        md.contains("left out to keep this report short; the HTML and JSON reports list every one"),
        "says where the rest is"
    );
    assert!(json.len() < 64 << 20, "JSON {} bytes", json.len());
}

/// A diff too long to read is cut where it is shown, in every format, with
/// a note saying how much was left out; the check keeps the whole diff.
#[tokio::test]
async fn long_diffs_are_cut_in_every_format() {
    use macie_conform::engine::check::CheckKind;
    use macie_conform::engine::diff;
    use macie_conform::report::{json, junit, terminal};

    let mut report = hostile_report().await;
    let expected = serde_json::Value::Array((0..200).map(|i| json!(i)).collect());
    let actual = serde_json::Value::Array((0..200).map(|i| json!(i + 1000)).collect());
    let full = diff::json_diff(&expected, &actual);
    let check = report
        .cases
        .iter_mut()
        .find(|c| c.id == "fail.status-filter")
        .and_then(|c| c.checks.iter_mut().find(|k| k.kind == CheckKind::Body))
        .expect("the failed body check");
    check.detail = Some(full);
    let style = Style::default();
    // The brief forms (the terminal without -v, the Markdown comment) show
    // the start of the diff under the finding's example and say how much
    // more there is; the full forms cut it at the shared limit.
    for (name, text) in [
        ("terminal", terminal::render(&report, &style)),
        ("markdown", markdown::render(&report, &style)),
    ] {
        assert!(text.contains("-  0,"), "{name} shows the diff's start");
        assert!(!text.contains("+  1199"), "{name} shows the whole diff");
        assert!(text.contains("more line"), "{name} says it cut the diff");
    }
    let outputs = [
        ("terminal -v", terminal::render_all(&report, &style)),
        ("junit", junit::render(&report, &style).expect("junit")),
        ("html", html::render(&report, &style)),
        ("json", json::render(&report)),
    ];
    for (name, text) in &outputs {
        assert_eq!(
            text.matches("more diff line(s) not shown").count(),
            1,
            "{name} cuts the diff once"
        );
        // 200 removed and 200 added lines, of which the first 80 lines of
        // the diff show only the first removed ones.
        assert!(text.contains("-  0,"), "{name} shows the diff's start");
        assert!(!text.contains("+  1199"), "{name} shows the whole diff");
    }
}
