//! JUnit XML (`run --junit PATH`), for CI systems that show test results
//! inline: one testsuite per case file, one testcase per case.
//!
//! A failed case carries its first failed check as the message and every
//! failed check, with diffs and a reproduction command, as the text. Info
//! cases never fail here either: their findings go to system-out.
//!
//! Every text put into the XML goes through [`super::escape`] first, as on
//! the terminal: an attribute through `line`, a text through `block`. XML
//! cannot hold most control characters at all, and a CI viewer shows a
//! stripped escape sequence or a bidi override as if it were the target's
//! honest text ("Validation[31mException: ALL 253 PASSED").

use super::escape::{block, line};
use super::terminal::{self, Style};
use super::{CaseReport, RunReport, Verdict};
use crate::engine::case::Level;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why the XML could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the JUnit report: {0}")]
pub struct JunitError(String);

pub fn render(report: &RunReport, style: &Style) -> Result<String, JunitError> {
    let plain = Style {
        color: false,
        ..style.clone()
    };
    let mut by_file: BTreeMap<&str, Vec<&CaseReport>> = BTreeMap::new();
    for case in &report.cases {
        by_file.entry(case.file.as_str()).or_default().push(case);
    }
    let mut junit = Report::new("macie-conform");
    junit.set_time(Duration::from_millis(report.duration_ms));
    let coverage = report.coverage();
    let coverage = format!("{:.1}%", coverage.percent);
    let assessment = report.assess();
    let completeness = assessment.level_lines().join("; ");
    let not_verified = assessment.not_verified.join(",");
    let identity = super::identity(report);
    let choices = super::choices::made(report);
    for (file, cases) in by_file {
        let mut suite = TestSuite::new(line(file).into_owned());
        for (name, value) in &identity {
            // `Target` is written below as it always was.
            if *name != "Target" {
                let key = name.to_ascii_lowercase().replace(' ', "-");
                suite.add_property((key.as_str(), line(value).as_ref()));
            }
        }
        suite.add_property(("target", line(&report.target).as_ref()));
        suite.add_property(("spec-coverage", coverage.as_str()));
        suite.add_property(("conformance", line(&assessment.headline).as_ref()));
        suite.add_property(("conformance-value", assessment.conformance.as_str()));
        suite.add_property(("cases-run", line(&completeness).as_ref()));
        if !not_verified.is_empty() {
            suite.add_property(("not-verified", line(&not_verified).as_ref()));
        }
        for case in cases {
            suite.add_test_case(test_case(report, case, &choices, &plain));
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().map_err(|e| JunitError(e.to_string()))
}

fn test_case(
    report: &RunReport,
    case: &CaseReport,
    choices: &[super::choices::Choice],
    style: &Style,
) -> TestCase {
    let status = match &case.verdict {
        // An observation is no failure; its choice is in system-out.
        Verdict::Pass | Verdict::Observed => TestCaseStatus::success(),
        Verdict::Skip(reason) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(line(reason.as_str()));
            s
        }
        // Nothing was observed, which CI viewers show best as a skip.
        Verdict::Unanswered => {
            let mut s = TestCaseStatus::skipped();
            let why = case
                .transport_failures()
                .next()
                .map(|c| c.message.as_str())
                .unwrap_or_default();
            s.set_message(line(&format!("unanswered: {why}")).into_owned());
            s
        }
        Verdict::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let first = case.failed_checks().find(|c| c.level > Level::Info);
            if let Some(check) = first {
                s.set_message(
                    line(&format!(
                        "[{}] {}: {}",
                        check.level,
                        check.kind.as_str(),
                        check.message
                    ))
                    .into_owned(),
                );
                s.set_type(check.kind.as_str());
            }
            s.set_description(block(&terminal::details_in(Some(report), case, style)).into_owned());
            s
        }
    };
    let mut tc = TestCase::new(line(&case.id).into_owned(), status);
    tc.set_classname(
        line(&format!(
            "{}.{}",
            case.level,
            case.file.trim_end_matches(".yaml").replace('/', ".")
        ))
        .into_owned(),
    );
    tc.set_time(Duration::from_millis(case.duration_ms));
    tc.add_property(("verifies", line(&case.verifies).as_ref()));
    if !case.requirements.is_empty() {
        tc.add_property(("requirements", line(&case.requirements.join(",")).as_ref()));
    }
    // An info case says the choice it observed; another case its
    // info-level checks (refusals the document allows).
    let observations: Vec<String> = if case.level == Level::Info {
        choices
            .iter()
            .filter(|c| c.case == case.id)
            .map(|c| {
                format!(
                    "{} {}{}",
                    c.choice,
                    c.answer,
                    if c.as_reference {
                        ""
                    } else {
                        " (not the reference server's choice)"
                    }
                )
            })
            .collect()
    } else {
        case.observations()
            .map(super::choices::observation)
            .collect()
    };
    if !observations.is_empty() {
        tc.set_system_out(block(&observations.join("\n")).into_owned());
    }
    tc
}
