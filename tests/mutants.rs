//! Mutation self-test: the suite must catch faulty servers.
//!
//! Each variant is the reference server with one realistic defect, made by
//! a middleware that rewrites the request before the server sees it or the
//! answer before the client does (tests/variants). The whole suite runs
//! against every variant; at least one must or should case has to fail, and
//! against the unchanged server every case has to pass. The score is
//! printed (run with `--nocapture`) and recorded in docs/internals/proof.md.

mod common;
mod variants;

use macie_conform::engine::diagnose::Diagnosis;
use macie_conform::report::{RunReport, Verdict};
use variants::{ALL, CHOICES, Variant};

/// Every faulty variant must be caught by at least this many cases.
const MIN_CATCHING_CASES: usize = 2;

/// A single defect gives at most this many findings (the median variant
/// one): a second is a symptom of its own, such as a member the server
/// drops without also checking it.
const MAX_FINDINGS: usize = 2;

/// The cause the first finding must name for the variants whose defect a
/// diagnosis describes exactly.
fn named_cause(mutant: variants::Mutant) -> Option<Diagnosis> {
    use variants::Mutant;
    let comparator = |asked: &str, applied: &str| Diagnosis::ComparatorAs {
        asked: asked.into(),
        applied: applied.into(),
    };
    Some(match mutant {
        Mutant::SortDirectionInverted => Diagnosis::OrderReversed,
        Mutant::SortIgnored => Diagnosis::SortedByOther {
            attribute: "createdAt".into(),
            direction: "ASC".into(),
        },
        Mutant::LaterPagesUnsorted => Diagnosis::LaterPagesLoseOrder,
        Mutant::ContainsTreatedAsStartsWith => comparator("CONTAINS", "STARTS_WITH"),
        Mutant::GtIncludesEqual => comparator("GT", "GTE"),
        Mutant::LtIncludesEqual => comparator("LT", "LTE"),
        Mutant::NeTreatedAsEq => comparator("NE", "EQ"),
        Mutant::ExcludesIgnored => Diagnosis::ExcludesIgnored,
        Mutant::FilterIgnored => Diagnosis::FilterIgnored,
        Mutant::SeveralValuesJoinedWithAnd => Diagnosis::ValuesJoinedWithAnd,
        Mutant::EnumLowerCase => Diagnosis::EnumSpelling {
            member: "jobType".into(),
        },
        Mutant::PageSkipsItem => Diagnosis::PagesSkipJobs,
        Mutant::NextTokenIgnored => Diagnosis::TokenIgnored,
        Mutant::MaxResultsOffByOne => Diagnosis::PagesOverMaxResults,
        Mutant::DatesWithoutTimeZone => Diagnosis::DateSpelling {
            member: "createdAt".into(),
        },
        Mutant::ErrorTypeMissing => Diagnosis::ErrorNotNamed,
        Mutant::ItemsNull | Mutant::ItemsAbsent => Diagnosis::ListsNothing,
        _ => return None,
    })
}

async fn serve_variant(variant: Option<Variant>) -> (String, tokio::task::JoinHandle<()>) {
    common::serve(variants::router(variant)).await
}

/// Runs the whole suite; `fixture` says whether the target holds the
/// canonical data set (a variant with other data must not claim it).
async fn run_suite(url: String, fixture: bool) -> RunReport {
    // As a run without -j does: the window adapts to each variant.
    common::run_shipped_suite(url, fixture, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_catches_every_faulty_variant_and_passes_the_correct_server() {
    let (url, task) = serve_variant(None).await;
    let clean = run_suite(url, true).await;
    task.abort();
    let false_failures = common::failures(&clean);
    assert!(
        false_failures.is_empty(),
        "the correct server fails cases:\n{}",
        false_failures.join("\n")
    );

    let mut missed = Vec::new();
    let mut thin = Vec::new();
    let mut counts = Vec::new();
    let mut finding_counts = Vec::new();
    let mut scattered = Vec::new();
    let mut unnamed = Vec::new();
    for &mutant in ALL {
        let (url, task) = serve_variant(Some(Variant::Faulty(mutant))).await;
        let report = run_suite(url, true).await;
        task.abort();
        // A deliberately faulty server's report, for looking at the HTML
        // report in a browser (see docs/internals/proof.md).
        if let Some(dir) = std::env::var_os("MACIE_CONFORM_MUTANT_REPORTS") {
            let dir = std::path::PathBuf::from(dir);
            let _ = std::fs::create_dir_all(&dir);
            let style = macie_conform::report::terminal::Style::default();
            let _ = std::fs::write(
                dir.join(format!("{mutant:?}.html")),
                macie_conform::report::html::render(&report, &style),
            );
        }
        let caught: Vec<&str> = report
            .cases
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.id.as_str())
            .collect();
        println!(
            "{mutant:?}: {}",
            if caught.is_empty() {
                "MISSED".to_string()
            } else {
                format!(
                    "caught by {} case(s), e.g. {}",
                    caught.len(),
                    caught[..caught.len().min(3)].join(", ")
                )
            }
        );
        if caught.is_empty() {
            missed.push(format!("{mutant:?}"));
        } else if caught.len() < MIN_CATCHING_CASES {
            thin.push(format!("{mutant:?} ({})", caught.join(", ")));
        }
        counts.push(caught.len());
        let findings = report.findings();
        println!(
            "  {} finding(s): {}",
            findings.len(),
            findings
                .iter()
                .map(|f| format!("{} ({} case(s))", f.headline(), f.cases.len()))
                .collect::<Vec<_>>()
                .join("; ")
        );
        if findings.len() > MAX_FINDINGS {
            scattered.push(format!("{mutant:?}: {} findings", findings.len()));
        }
        if let Some(cause) = named_cause(mutant)
            && findings.first().and_then(|f| f.diagnosis.as_ref()) != Some(&cause)
        {
            unnamed.push(format!(
                "{mutant:?}: expected {cause:?}, first finding: {:?}",
                findings.first().map(|f| f.headline())
            ));
        }
        finding_counts.push(findings.len());
    }
    finding_counts.sort_unstable();
    println!(
        "findings per variant: median {}, max {}",
        finding_counts[finding_counts.len() / 2],
        finding_counts.last().copied().unwrap_or(0)
    );
    assert!(
        scattered.is_empty(),
        "one defect, at most {MAX_FINDINGS} findings: {}",
        scattered.join("; ")
    );
    assert!(
        finding_counts[finding_counts.len() / 2] <= 1,
        "the median variant gives more than one finding"
    );
    assert!(
        unnamed.is_empty(),
        "causes not named:\n{}",
        unnamed.join("\n")
    );
    counts.sort_unstable();
    println!(
        "mutation score: {}/{} caught; cases catching a variant: min {}, median {}, max {}",
        ALL.len() - missed.len(),
        ALL.len(),
        counts.first().copied().unwrap_or(0),
        counts.get(counts.len() / 2).copied().unwrap_or(0),
        counts.last().copied().unwrap_or(0),
    );
    assert!(
        missed.is_empty(),
        "variants no case catches: {}",
        missed.join(", ")
    );
    // One catching case is a thin margin: a change to that case alone
    // would let the defect through unnoticed.
    assert!(
        thin.is_empty(),
        "variants fewer than {MIN_CATCHING_CASES} cases catch: {}",
        thin.join("; ")
    );
}

/// The other side of the bargain: a server that chooses differently where
/// the document leaves the choice open passes every must and should case,
/// and the info case that observes the choice reports the difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_that_choose_differently_where_the_document_is_open_still_pass() {
    let mut wrong = Vec::new();
    for &choice in CHOICES {
        let (url, task) = serve_variant(Some(Variant::Different(choice))).await;
        let report = run_suite(url, choice.holds().is_none()).await;
        task.abort();
        let failed: Vec<String> = common::failures(&report)
            .into_iter()
            .map(|f| format!("{choice:?}: {f}"))
            .collect();
        let observed = report
            .cases
            .iter()
            .filter(|c| c.observations().next().is_some())
            .count();
        println!(
            "{choice:?}: {} must/should failure(s), {observed} info observation(s) differ",
            failed.len()
        );
        wrong.extend(failed);
        // A correct server has nothing to fix: no finding at all.
        let findings = report.findings();
        if !findings.is_empty() {
            wrong.push(format!(
                "{choice:?}: {} finding(s), the first: {}",
                findings.len(),
                findings[0].headline()
            ));
        }
        if observed == 0 && choice.observed_by_an_info_case() {
            wrong.push(format!("{choice:?}: no info case noticed the other choice"));
        }
        // "Choices your server made" says what the variant chose, in the
        // choice's own words, and marks it as not the reference server's.
        let made = macie_conform::report::choices::made(&report);
        if choice.observed_by_an_info_case() && made.iter().all(|c| c.as_reference) {
            wrong.push(format!(
                "{choice:?}: every choice reads as the reference server's"
            ));
        }
        for (id, words) in chosen_words(choice) {
            if !made
                .iter()
                .any(|c| c.choice == *id && c.answer.contains(words) && !c.as_reference)
            {
                wrong.push(format!(
                    "{choice:?}: no {id} choice says {words:?} apart from the reference server's: {:?}",
                    made.iter()
                        .filter(|c| c.choice == *id)
                        .map(|c| &c.answer)
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// What "Choices your server made" must say of a variant: the choice's id
/// and words its answer holds.
fn chosen_words(choice: variants::Choice) -> &'static [(&'static str, &'static str)] {
    use variants::Choice as C;
    match choice {
        C::ShortPages => &[("OC-1", "default page size: 3")],
        C::OtherDefaultOrder => &[("OC-3", "order: by name DESC"), ("OC-4", "DESC")],
        C::UnknownMembersRefused => &[(
            "OC-13",
            "undocumented request members: refused with 400 ValidationException",
        )],
        C::RejectsAbove25 => &[("OC-2", "maxResults: honoured up to 25; refused from ")],
        // The suite sends no value between 80 and 5000.
        C::RejectsAbove100 => &[("OC-2", "maxResults: honoured up to 80; refused from 5000")],
        C::CappedAt50 => &[("OC-2", "pages capped at 50 jobs")],
        C::TiesReversed => &[("OC-5", "by jobId DESC")],
        C::DatesWithOffset => &[("OC-17", "offset +00:00")],
        C::MicrosecondDates => &[("OC-17", "6 fractional digit(s)")],
        C::NullsRefused => &[("OC-15", "request members set to null: refused with 400")],
        C::PlainTokens => &[("OC-21", "a token it never issued: read as a token")],
        C::HoldsThreeJobs => &[("OC-22", "data: 3 jobs in all")],
        C::EveryComparator => &[("OC-7", "the filter pair name GT: accepted")],
        _ => &[],
    }
}

/// Without `--fixture`, the run learns how much the target holds from an
/// unfiltered walk that ended, which is enough to fail a listing that
/// never ends; tokens are judged against the target's own listings. These
/// variants are caught by at least two cases without the fixture too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn some_faults_are_caught_without_the_fixture() {
    use variants::Mutant;
    let mut thin = Vec::new();
    for mutant in [Mutant::EndlessEmptyTail, Mutant::CursorMovesOnReuse] {
        let (url, task) = serve_variant(Some(Variant::Faulty(mutant))).await;
        let report = run_suite(url, false).await;
        task.abort();
        let caught = report
            .cases
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count();
        println!("{mutant:?} without the fixture: caught by {caught} case(s)");
        if caught < MIN_CATCHING_CASES {
            thin.push(format!("{mutant:?} ({caught})"));
        }
    }
    assert!(
        thin.is_empty(),
        "caught by too few cases: {}",
        thin.join(", ")
    );
}

/// What a vendor reads about one defect fits a screen and a pull-request
/// comment: against the variant that swaps ASC and DESC, the terminal
/// output without `-v` is at most 80 lines, and the Markdown report at most
/// 60,000 characters, whatever the number of failed cases.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_defect_reads_in_a_screen_and_a_comment() {
    use macie_conform::report::{markdown, terminal};
    let (url, task) = serve_variant(Some(Variant::Faulty(
        variants::Mutant::SortDirectionInverted,
    )))
    .await;
    let report = run_suite(url, true).await;
    task.abort();
    let style = terminal::Style::default();
    let text = terminal::render(&report, &style);
    if std::env::var_os("MACIE_CONFORM_SHOW_OUTPUT").is_some() {
        println!("{text}");
    }
    let lines = text.lines().count();
    assert!(lines <= 80, "{lines} lines:\n{text}");
    assert!(text.contains("applied backwards"), "{text}");
    assert!(text.contains("curl "), "{text}");
    let md = markdown::render(&report, &style);
    let chars = md.chars().count();
    assert!(chars <= 60_000, "{chars} characters");
    assert!(md.contains("applied backwards"));
}
