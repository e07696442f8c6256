//! What a run claims and who it is about: the product under test, the
//! certification (whether the run supports a conformance claim, and on
//! what suite), and the run-information file of a bundle. The model only;
//! `output` writes it, the renderers show it.

use super::{Conformance, RunReport};
use serde::Serialize;

/// Version of the run-information file's shape.
pub const RUN_INFO_VERSION: u32 = 1;

/// The implementation under test, as its vendor names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Product {
    pub name: Option<String>,
    pub version: Option<String>,
}

/// The run-information file of a bundle: what a customer needs to re-run
/// the same suite and compare.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub format: &'static str,
    pub format_version: u32,
    pub harness_version: String,
    pub suite_digest: String,
    /// The target URL, without `user:password@`.
    pub target: String,
    pub product: Product,
    /// When the run started (RFC 3339, UTC).
    pub date: String,
    pub conformance: Conformance,
    pub verdict: String,
    pub certification: Certification,
    /// Every info-level check the target's answer did not meet: where it
    /// chose differently from the reference server, in words of what it
    /// answered (see `report::choices::observation`).
    pub open_choices: Vec<OpenChoice>,
    /// Every open choice the run observed and what the target made of it
    /// (see `report::choices`), whether or not it differs from the cases'
    /// expectations.
    pub choices: Vec<super::choices::Choice>,
}

/// One info-level observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenChoice {
    pub case: String,
    pub requirements: Vec<String>,
    pub message: String,
}

/// Whether a run can support a conformance claim (`run --certify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Certification {
    /// `run --certify` was asked for.
    pub requested: bool,
    /// Why the run cannot support a claim; empty when it can.
    pub problems: Vec<String>,
    /// The optional capabilities (not in the document) and whether the
    /// claim covers them: `signature checks: not claimed`.
    pub capabilities: Vec<Capability>,
    /// What the claim rests on: the built-in suite's digest and every
    /// folder of cases added to it (see `SuiteOrigin::describe`).
    #[serde(default)]
    pub suite: String,
}

/// An optional capability and whether the run covered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Capability {
    pub name: String,
    pub claimed: bool,
}

impl Certification {
    /// A run certifies when the full suite ran, every case ran to a
    /// verdict, and nothing at must or should level failed. Info cases
    /// count too: their observations are part of the claim.
    pub fn of(report: &RunReport, requested: bool) -> Certification {
        let assessment = report.assess();
        let mut problems = Vec::new();
        if report.selection.origin.no_builtin {
            problems.push(
                "the built-in suite was left out (--no-builtin); a claim rests on the whole built-in suite, to which --cases folders may only add".to_string(),
            );
        }
        if assessment.partial {
            problems.push(format!(
                "the selection narrowed the suite ({}); certify the full suite",
                report.selection.options()
            ));
        }
        for level in &assessment.levels {
            if !level.complete() {
                problems.push(level.describe());
            }
        }
        if report.failed() {
            problems.push(format!("{} case(s) failed", report.failed_cases().count()));
        }
        // Declared by running its cases: a target that checks signatures
        // runs them (--target-checks-signatures) instead of skipping them.
        let skipped_signatures = report.cases.iter().any(|c| {
            matches!(&c.verdict, super::Verdict::Skip(r) if r.cause == super::SkipCause::NeedsSignatures)
        });
        Certification {
            requested,
            problems,
            capabilities: vec![Capability {
                name: "signature checks".into(),
                claimed: !skipped_signatures,
            }],
            suite: report.selection.origin.describe(),
        }
    }

    /// The claim in one line: what it rests on and the optional
    /// capabilities it covers.
    pub fn claim_line(&self) -> String {
        if self.suite.is_empty() {
            format!("({})", self.capabilities_line())
        } else {
            format!("on {} ({})", self.suite, self.capabilities_line())
        }
    }

    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// The optional capabilities in words: `signature checks: not claimed`.
    pub fn capabilities_line(&self) -> String {
        self.capabilities
            .iter()
            .map(|c| {
                format!(
                    "{}: {}",
                    c.name,
                    if c.claimed { "claimed" } else { "not claimed" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl RunInfo {
    pub fn new(report: &RunReport, product: Product, certification: Certification) -> RunInfo {
        let assessment = report.assess();
        RunInfo {
            format: "macie-conform-run-info",
            format_version: RUN_INFO_VERSION,
            harness_version: report.harness_version.clone(),
            suite_digest: report.suite_digest.clone(),
            target: super::without_credentials(&report.target),
            product,
            date: report.started_at.clone(),
            conformance: assessment.conformance,
            verdict: assessment.headline,
            certification,
            choices: super::choices::made(report),
            open_choices: report
                .cases
                .iter()
                .flat_map(|c| {
                    c.observations().map(move |k| OpenChoice {
                        case: c.id.clone(),
                        requirements: c.requirements.clone(),
                        message: super::choices::observation(k),
                    })
                })
                .collect(),
        }
    }

    pub fn render(&self) -> String {
        // Plain data always serialises; an error text beats a panic.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
