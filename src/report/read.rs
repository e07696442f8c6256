//! Reads a JSON report (`run --json`) back into a [`RunReport`], so the
//! reports of the shards of a run can be merged (`merge-reports`).
//!
//! The JSON report is what travels between CI jobs, so this reads its own
//! published shape (`schemas/report.schema.json`) rather than deriving
//! `Deserialize` on the report model: the model holds what renderers need
//! (bytes, transport errors), the document holds text. A report is user
//! input; anything unexpected is an error that names the file.

use super::coverage::Coverage;
use super::{CaseReport, RequirementInfo, RunReport, SelectionReport, Verdict};
use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult, Outcome, PageSpan, Subject, Unjudged};
use crate::engine::diagnose::Diagnosis;
use crate::engine::exchange::{Exchange, HttpRequest, HttpResponse, TransportError};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The `format` member every macie-conform JSON report starts with.
pub const FORMAT: &str = "macie-conform-report";

/// Why a file could not be read as a JSON report.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read report {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error(
        "{path} is not a macie-conform JSON report ({reason}); give the files written by `run --json` (or report.json of a --report-dir)"
    )]
    NotAReport { path: PathBuf, reason: String },
    #[error(
        "{path} has report format version {found}; this macie-conform reads version {expected}: merge reports made by the macie-conform that reads them"
    )]
    Version {
        path: PathBuf,
        found: u64,
        expected: u32,
    },
    #[error(
        "{path}: case {case} is reported as {stated}, but its checks make it {from_checks}; the report was edited or damaged, so it is not trusted: run that shard again"
    )]
    Inconsistent {
        path: PathBuf,
        case: String,
        stated: &'static str,
        from_checks: &'static str,
    },
    #[error(
        "{path} is {size} bytes, more than the {max} bytes a report may have here; if it is a real report, raise the limit with --max-report-bytes"
    )]
    TooLarge { path: PathBuf, size: u64, max: u64 },
}

/// The largest report [`read`] takes by default: 128 MiB. A whole run's
/// report is a few MiB; a shard whose failed cases kept bodies of the
/// largest size (`--max-body`) may be more, hence the flag.
pub const DEFAULT_MAX_REPORT_BYTES: u64 = 128 << 20;

#[derive(Deserialize)]
struct Document {
    run: Run,
    coverage: Option<Coverage>,
    #[serde(default)]
    requirements: Vec<Requirement>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Run {
    harness_version: String,
    suite_digest: String,
    target: String,
    started_at: String,
    duration_ms: u64,
    fixture: bool,
    #[serde(default)]
    embedded: bool,
    selection: SelectionReport,
    // Reports made before it was written count none.
    #[serde(default)]
    connection_retries: usize,
    #[serde(default)]
    product: Option<super::certification::Product>,
    #[serde(default)]
    certification: Option<super::certification::Certification>,
}

#[derive(Deserialize)]
struct Requirement {
    id: String,
    level: Level,
    section: String,
    statement: String,
    // Reports made before these were written attribute by rule 4 alone.
    #[serde(default)]
    judged_by: Option<Vec<CheckKind>>,
    #[serde(default)]
    fallback_for: Vec<CheckKind>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    file: String,
    line: usize,
    level: Level,
    verifies: String,
    tags: Vec<String>,
    requirements: Vec<String>,
    verdict: String,
    skip_reason: Option<String>,
    #[serde(default)]
    skip_cause: Option<super::SkipCause>,
    duration_ms: u64,
    /// Absent from reports written before it was recorded.
    #[serde(default)]
    requests: usize,
    checks: Vec<Check>,
    exchanges: Vec<ExchangeView>,
}

#[derive(Deserialize)]
struct Check {
    kind: CheckKind,
    level: Level,
    outcome: Outcome,
    message: String,
    detail: Option<String>,
    step: usize,
    exchange: Option<usize>,
    #[serde(default)]
    closest_failures: Vec<CheckKind>,
    #[serde(default)]
    subject: Subject,
    #[serde(default)]
    expected: Option<serde_json::Value>,
    #[serde(default)]
    found: Option<serde_json::Value>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    unjudged: Option<Unjudged>,
    #[serde(default)]
    diagnoses: Vec<Diagnosis>,
    #[serde(default)]
    pages: Option<PageSpan>,
}

#[derive(Deserialize)]
struct ExchangeView {
    request: Request,
    response: Option<Response>,
    error: Option<String>,
    attempts: u32,
    step: usize,
    page: Option<usize>,
}

#[derive(Deserialize)]
struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Deserialize)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    truncated: bool,
    elapsed_ms: u64,
    #[serde(default)]
    received: Option<usize>,
}

/// Reads the JSON report at `path`.
pub fn read(path: &Path) -> Result<RunReport, ReadError> {
    read_at_most(path, DEFAULT_MAX_REPORT_BYTES)
}

/// [`read`], refusing a file of more than `max` bytes before reading it:
/// a report is parsed whole, in about twice its size.
pub fn read_at_most(path: &Path, max: u64) -> Result<RunReport, ReadError> {
    use std::io::Read as _;
    let io = |e: std::io::Error| ReadError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > max {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size,
            max,
        });
    }
    // The size may grow while it is read (a file still being written, a
    // pipe): never more than the limit is taken.
    let mut text = String::new();
    file.take(max.saturating_add(1))
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > max {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: text.len() as u64,
            max,
        });
    }
    parse(&text).map_err(|e| e.at(path))
}

/// A [`ReadError`] before it knows its file.
#[derive(Debug)]
pub enum ParseError {
    NotAReport(String),
    Version(u64),
    Inconsistent {
        case: String,
        stated: &'static str,
        from_checks: &'static str,
    },
}

impl ParseError {
    fn at(self, path: &Path) -> ReadError {
        let path = path.to_path_buf();
        match self {
            ParseError::NotAReport(reason) => ReadError::NotAReport { path, reason },
            ParseError::Version(found) => ReadError::Version {
                path,
                found,
                expected: super::json::FORMAT_VERSION,
            },
            ParseError::Inconsistent {
                case,
                stated,
                from_checks,
            } => ReadError::Inconsistent {
                path,
                case,
                stated,
                from_checks,
            },
        }
    }
}

/// Parses the text of a JSON report.
pub fn parse(text: &str) -> Result<RunReport, ParseError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ParseError::NotAReport(format!("not JSON: {e}")))?;
    // The format is checked before the shape, so another JSON file is
    // called what it is rather than a report with a missing member.
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(ParseError::NotAReport(format!(
                "its format is {other:?}, not {FORMAT:?}"
            )));
        }
        None => {
            return Err(ParseError::NotAReport(format!(
                "it has no \"format\": {FORMAT:?} member"
            )));
        }
    }
    match value.get("format_version").and_then(|v| v.as_u64()) {
        // Version 1 differs only in its findings, which are computed
        // again from the checks; its checks read as version 2's without
        // the typed fields.
        Some(v) if v == u64::from(super::json::FORMAT_VERSION) || v == 1 => {}
        Some(v) => return Err(ParseError::Version(v)),
        None => {
            return Err(ParseError::NotAReport(
                "it has no numeric format_version".into(),
            ));
        }
    }
    let document: Document = serde_json::from_value(value)
        .map_err(|e| ParseError::NotAReport(format!("unexpected shape: {e}")))?;
    let mut cases = Vec::with_capacity(document.cases.len());
    for case in document.cases {
        cases.push(case_report(case)?);
    }
    Ok(RunReport {
        harness_version: document.run.harness_version,
        suite_digest: document.run.suite_digest,
        started_at: document.run.started_at,
        target: document.run.target,
        fixture: document.run.fixture,
        embedded: document.run.embedded,
        selection: document.run.selection,
        cases,
        requirements: document
            .requirements
            .into_iter()
            .map(|r| RequirementInfo {
                id: r.id,
                level: r.level,
                section: r.section,
                statement: r.statement,
                judged_by: r.judged_by,
                fallback_for: r.fallback_for,
            })
            .collect(),
        duration_ms: document.run.duration_ms,
        // The run noted coverage on every page of every walk, more than
        // the recorded exchanges hold: keep what it wrote.
        coverage: document.coverage,
        requests_sent: 0,
        connection_retries: document.run.connection_retries,
        exploration: None,
        product: document.run.product.unwrap_or_default(),
        certification: document.run.certification,
    })
}

fn case_report(case: Case) -> Result<CaseReport, ParseError> {
    let verdict = match (case.verdict.as_str(), case.skip_reason) {
        // Reports written before info cases were observed say "pass".
        ("pass", _) if case.level == Level::Info => Verdict::Observed,
        ("pass", _) => Verdict::Pass,
        ("observed", _) => Verdict::Observed,
        ("fail", _) => Verdict::Fail,
        ("unanswered", _) => Verdict::Unanswered,
        ("skip", Some(reason)) => Verdict::Skip(super::SkipReason::new(
            case.skip_cause.unwrap_or(super::SkipCause::Other),
            reason,
        )),
        ("skip", None) => {
            return Err(ParseError::NotAReport(format!(
                "case {} is skipped without a skip_reason",
                case.id
            )));
        }
        (other, _) => {
            return Err(ParseError::NotAReport(format!(
                "case {} has the unknown verdict {other:?}",
                case.id
            )));
        }
    };
    let checks: Vec<CheckResult> = case
        .checks
        .into_iter()
        .map(|c| CheckResult {
            kind: c.kind,
            level: c.level,
            outcome: c.outcome,
            message: c.message,
            detail: c.detail,
            step: c.step,
            exchange: c.exchange,
            closest_failures: c.closest_failures,
            subject: c.subject,
            expected: c.expected,
            found: c.found,
            at: c.at,
            unjudged: c.unjudged,
            diagnoses: c.diagnoses,
            pages: c.pages,
        })
        .collect();
    consistent(&case.id, case.level, &verdict, &checks)?;
    Ok(CaseReport {
        id: case.id,
        file: case.file,
        line: case.line,
        level: case.level,
        verifies: case.verifies,
        tags: case.tags,
        requirements: case.requirements,
        exchanges: case.exchanges.into_iter().map(exchange).collect(),
        checks,
        verdict,
        duration_ms: case.duration_ms,
        requests: case.requests,
    })
}

/// Whether a case's stated verdict is the one its checks make (decided by
/// [`super::verdict::of_case`], as in the run): a shard is not trusted for
/// a verdict it says but its checks do not back. A skip before anything
/// was sent has no checks to decide by, so a stated skip only has to have
/// no failed must or should check.
fn consistent(
    id: &str,
    level: Level,
    stated: &Verdict,
    checks: &[CheckResult],
) -> Result<(), ParseError> {
    let from_checks = super::verdict::of_case(level, checks);
    let agrees = match stated {
        Verdict::Skip(_) => from_checks != Verdict::Fail,
        other => *other == from_checks,
    };
    if agrees {
        return Ok(());
    }
    let name = |v: &Verdict| match v {
        Verdict::Pass => "passed",
        Verdict::Observed => "observed",
        Verdict::Fail => "failed",
        Verdict::Skip(_) => "skipped",
        Verdict::Unanswered => "unanswered",
    };
    Err(ParseError::Inconsistent {
        case: id.to_string(),
        stated: name(stated),
        from_checks: name(&from_checks),
    })
}

fn exchange(e: ExchangeView) -> Exchange {
    Exchange {
        request: HttpRequest {
            method: e.request.method,
            url: e.request.url,
            headers: e.request.headers,
            body: e.request.body.into_bytes(),
        },
        outcome: match (e.response, e.error) {
            (Some(r), _) => Ok(HttpResponse {
                status: r.status,
                headers: r.headers,
                body: r.body.into_bytes(),
                truncated: r.truncated,
                elapsed_ms: r.elapsed_ms,
                received: r.received,
                hold: Default::default(),
            }),
            (None, error) => Err(transport_error(error.as_deref().unwrap_or(""))),
        },
        attempts: e.attempts,
        step: e.step,
        page: e.page,
    }
}

/// The transport error whose text (`Display`) the report recorded, so the
/// merged report shows the same words.
fn transport_error(text: &str) -> TransportError {
    if let Some(rest) = text.strip_prefix("cannot connect: ") {
        return TransportError::Connect(rest.to_string());
    }
    if let Some(rest) = text.strip_prefix("TLS verification failed: ") {
        return TransportError::Tls(rest.to_string());
    }
    if let Some(rest) = text.strip_prefix("connection broke: ") {
        return TransportError::Broken(rest.to_string());
    }
    // The second wording is the one reports of earlier versions hold.
    if let Some(budget) = text
        .strip_prefix("not sent: the exploration's request budget of ")
        .or_else(|| text.strip_prefix("not sent: the request budget of "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
    {
        return TransportError::NotSent { budget };
    }
    if let Some(rest) = text.strip_prefix("request could not be sent: ") {
        return TransportError::Request(rest.to_string());
    }
    if let Some(rest) = text.strip_prefix("no complete answer within ") {
        let (ms, tail) = rest.split_once(" ms").unwrap_or((rest, ""));
        if let Ok(ms) = ms.parse::<u64>() {
            if tail.is_empty() {
                return TransportError::Timeout(ms);
            }
            // ": status S and its headers came, but the body stalled after N byte(s)"
            let numbers: Vec<u64> = tail
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            if let [status, received] = numbers[..]
                && let Ok(status) = u16::try_from(status)
            {
                return TransportError::BodyTimeout {
                    ms,
                    status,
                    received: received as usize,
                };
            }
        }
    }
    // Not one of ours: keep the words; "connection broke" is the closest
    // of the no-answer kinds.
    TransportError::Broken(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_read_back_as_written() {
        for error in [
            TransportError::NotSent { budget: 300 },
            TransportError::Connect("refused".into()),
            TransportError::Tls("bad cert".into()),
            TransportError::Timeout(1500),
            TransportError::BodyTimeout {
                ms: 10,
                status: 200,
                received: 7,
            },
            TransportError::Broken("reset".into()),
            TransportError::Request("bad url".into()),
        ] {
            assert_eq!(transport_error(&error.to_string()), error);
        }
    }

    #[test]
    fn other_json_is_not_a_report() {
        let e = parse("{\"format\": \"other\"}").expect_err("other format");
        assert!(
            matches!(e, ParseError::NotAReport(ref r) if r.contains("\"other\"")),
            "{e:?}"
        );
        let e = parse("[1, 2]").expect_err("no format");
        assert!(matches!(e, ParseError::NotAReport(_)), "{e:?}");
        let e = parse("not json").expect_err("not json");
        assert!(
            matches!(e, ParseError::NotAReport(ref r) if r.starts_with("not JSON")),
            "{e:?}"
        );
        let e = parse("{\"format\": \"macie-conform-report\", \"format_version\": 9}")
            .expect_err("version");
        assert!(matches!(e, ParseError::Version(9)), "{e:?}");
    }

    #[test]
    fn level_totals_and_selection_read_back() {
        use crate::report::LevelTotals;
        let selection = SelectionReport {
            suite: LevelTotals {
                must: 3,
                should: 2,
                info: 1,
            },
            filters: vec!["filter.*".into()],
            tags: Vec::new(),
            levels: vec![Level::Must],
            partition: Some(crate::engine::select::Partition { shard: 2, of: 3 }),
            origin: crate::engine::load::SuiteOrigin {
                no_builtin: true,
                builtin_digest: None,
                folders: vec![crate::engine::load::AddedFolder {
                    path: "mine".into(),
                    cases: 8,
                }],
            },
        };
        let text = serde_json::to_string(&selection).expect("serialises");
        let back: SelectionReport = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, selection);
    }

    #[test]
    fn connection_retries_read_back_and_default_to_none() {
        let report = RunReport {
            harness_version: "0".into(),
            suite_digest: "d".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            target: "http://127.0.0.1:1".into(),
            fixture: false,
            embedded: false,
            selection: SelectionReport::default(),
            cases: Vec::new(),
            requirements: Vec::new(),
            duration_ms: 0,
            coverage: None,
            requests_sent: 9,
            connection_retries: 2,
            exploration: None,
            product: Default::default(),
            certification: None,
        };
        let text = super::super::json::render(&report);
        assert_eq!(parse(&text).expect("reads").connection_retries, 2);
        // A report made before the count was written.
        let mut older: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        older["run"]
            .as_object_mut()
            .expect("run")
            .remove("connection_retries")
            .expect("written");
        let older = serde_json::to_string(&older).expect("serialises");
        assert_eq!(parse(&older).expect("reads").connection_retries, 0);
    }
}
