//! Checks: judging an answer against a case's expectations.
//!
//! Every check produces a [`CheckResult`], which is plain data: what was
//! checked, at which level, whether it held, a one-line reason and optional
//! details (a diff, a list of violations). Renderers and reports read these;
//! nothing here prints or does I/O.
//!
//! This module holds the result model and [`evaluate`], which runs the
//! checks an expectation calls for; the checks themselves live by what they
//! look at:
//!
//! - `http`: status, content type, headers, the error's name and message.
//! - `body`: JSON schema, JSONPath assertions, whole-body and subset
//!   comparison.
//! - `listing`: listing semantics (filter, sort, page size, duplicates,
//!   completeness).
//! - `oracle`: a listing against the fixture's expected answer.
//! - `relation`: a walk's listing against an earlier walk's of the case.
//!
//! Their public functions are re-exported here, so callers name them
//! `check::filter_check` whatever file they live in.

mod body;
pub mod guard;
mod http;
mod listing;
mod oracle;
mod relation;

pub use body::{as_read, is_subset, jsonpath_checks};
pub use http::{error_signals, normalise_error_name};
pub use listing::{
    complete_check, filter_check, items, job_key, job_label, no_duplicates_check, not_a_listing,
    page_size_check, sort_check,
};
pub use oracle::oracle_check;
pub use relation::relation_check;

use super::case::{Expect, Level};
use super::diagnose::Diagnosis;
use super::exchange::HttpResponse;
use crate::schema::SchemaSet;
use body::{
    body_equals_check, body_excerpt, body_subset_check, jsonpath_check, schema_checks, schema_for,
};
use http::{
    content_type_check, error_message_check, error_type_check, header_check, list_codes,
    status_check,
};
use listing::semantic_checks;
use oracle::oracle_page_check;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kinds of check, for grouping and for reports. The requirements
/// catalogue names them (`judged_by`) by their JSON spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Transport,
    Status,
    ContentType,
    Json,
    Schema,
    Undocumented,
    /// Whether an error answer names an error at all (header, `__type` or
    /// `code`): a REST-JSON convention (LCJ-CONV-001). Kept apart from
    /// [`CheckKind::ErrorType`], which judges *which* error is named, since
    /// the two break different requirements.
    ErrorName,
    ErrorType,
    ErrorMessage,
    Body,
    Header,
    JsonPath,
    Filter,
    Sort,
    PageSize,
    NoDuplicates,
    Complete,
    LastPage,
    Oracle,
    Snapshot,
    AnyOf,
    Capture,
    /// A metamorphic relation between the listings of two walks of one
    /// case (`expect.relations`).
    Relation,
    /// The harness itself failed on the case (its task panicked): nothing
    /// was judged, so the case cannot count as passed.
    HarnessError,
}

/// Whether a failed check of this kind counts against every requirement of
/// its case. These kinds judge whether the case got its answer at all (an
/// answer, with the status asked for, that is JSON, matching an allowed
/// outcome, from which a value could be captured, by a harness that did
/// not break): without that answer none of the case's requirements was
/// shown to hold, so `judged_by` does not name them.
pub fn judges_every_requirement(kind: CheckKind) -> bool {
    matches!(
        kind,
        CheckKind::Transport
            | CheckKind::Status
            | CheckKind::Json
            | CheckKind::AnyOf
            | CheckKind::Capture
            | CheckKind::HarnessError
    )
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Transport => "transport",
            CheckKind::Status => "status",
            CheckKind::ContentType => "content type",
            CheckKind::Json => "JSON body",
            CheckKind::Schema => "schema",
            CheckKind::Undocumented => "undocumented members",
            CheckKind::ErrorName => "error name",
            CheckKind::ErrorType => "error type",
            CheckKind::ErrorMessage => "error message",
            CheckKind::Body => "body",
            CheckKind::Header => "header",
            CheckKind::JsonPath => "JSONPath",
            CheckKind::Filter => "filter",
            CheckKind::Sort => "sort",
            CheckKind::PageSize => "page size",
            CheckKind::NoDuplicates => "no duplicates",
            CheckKind::Complete => "complete",
            CheckKind::LastPage => "last page",
            CheckKind::Oracle => "oracle",
            CheckKind::Snapshot => "snapshot",
            CheckKind::AnyOf => "any of",
            CheckKind::Capture => "capture",
            CheckKind::Relation => "relation",
            CheckKind::HarnessError => "harness error",
        }
    }
}

/// Whether a check held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Not applicable to this answer (the reason says why).
    Skip,
}

/// What a check looked at besides its kind, typed so that findings group
/// failures by it (never by their wording). Every field is optional: a
/// check names what applies to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subject {
    /// A member of the answer, as a JSON Pointer whose array positions are
    /// `*` (`/items/*/jobType`): the same member of any job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The rule within the check: a schema keyword, an assertion's path, a
    /// relation's name, a header's name, a capture's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The filter key or sort attribute the check judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// The filter comparator or sort direction the check judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// For a check of a listing: what its request filters and sorts on
    /// (keys, comparators, sort attribute; no values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl Subject {
    pub fn is_empty(&self) -> bool {
        self == &Subject::default()
    }
}

/// Why a check could not judge what it was for: a limit of the harness or
/// of the run, never a finding about the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unjudged {
    /// A walk reached its `max_pages` while `nextToken` kept coming.
    PageLimit,
    /// A walk's listing outgrew the retained-bytes budget.
    RetainedBudget,
    /// The run reached its `--deadline` before the case ended.
    Deadline,
    /// The target stopped answering, so the run stopped sending.
    TargetStopped,
    /// The run's cap on requests (`explore --budget`) was spent before
    /// the request was sent.
    Budget,
}

impl Unjudged {
    /// Whether the cause is a walk cut short by the harness's own limits:
    /// such a case verified nothing and is not run rather than passed.
    pub fn cuts_walk_short(self) -> bool {
        matches!(self, Unjudged::PageLimit | Unjudged::RetainedBudget)
    }
}

/// Which pages of a walk a merged page-level check failed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSpan {
    /// The first failing page (from 1).
    pub first: usize,
    /// How many pages failed.
    pub failing: usize,
    /// How many pages the walk fetched.
    pub of: usize,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    pub level: Level,
    pub outcome: Outcome,
    /// What was checked, besides the kind.
    #[serde(skip_serializing_if = "Subject::is_empty")]
    pub subject: Subject,
    /// What the check wanted, where one value says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// What the answer had instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<Value>,
    /// Where in the judged answer's body the check found what differs, as
    /// a JSON Pointer (`/items/3/jobStatus`), so that reports can show the
    /// part of the body around it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Why the check could not judge, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unjudged: Option<Unjudged>,
    /// The likely causes of a failure that fit its evidence, most specific
    /// first (see [`crate::engine::diagnose`]); the findings keep, across
    /// cases, the one that explains the most.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<Diagnosis>,
    /// For a check merged over a walk's pages: which pages failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<PageSpan>,
    /// One line: what held, or what went wrong, worded for a reader.
    pub message: String,
    /// Several lines: a diff, a list of violations.
    pub detail: Option<String>,
    /// Index of the step (0-based) the check belongs to.
    pub step: usize,
    /// Index into the case's exchanges of the answer this check judged;
    /// `None` for a check of a whole walk's listing (or of nothing sent).
    pub exchange: Option<usize>,
    /// For a failed `any of`: the kinds of the failed checks of the closest
    /// alternative (how `any_of` picks it), which say what the answer got wrong and
    /// so which requirements the failure counts against
    /// (`report::attribution`). Empty when no alternative came close.
    /// Reports show the alternatives' reasons in `detail` instead.
    #[serde(skip)]
    pub closest_failures: Vec<CheckKind>,
}

impl CheckResult {
    pub fn pass(kind: CheckKind, level: Level, message: impl Into<String>) -> Self {
        Self::new(kind, level, Outcome::Pass, message)
    }
    pub fn fail(kind: CheckKind, level: Level, message: impl Into<String>) -> Self {
        Self::new(kind, level, Outcome::Fail, message)
    }
    pub fn skip(kind: CheckKind, level: Level, message: impl Into<String>) -> Self {
        Self::new(kind, level, Outcome::Skip, message)
    }
    fn new(kind: CheckKind, level: Level, outcome: Outcome, message: impl Into<String>) -> Self {
        CheckResult {
            kind,
            level,
            outcome,
            subject: Subject::default(),
            expected: None,
            found: None,
            at: None,
            unjudged: None,
            diagnoses: Vec::new(),
            pages: None,
            message: message.into(),
            detail: None,
            step: 0,
            exchange: None,
            closest_failures: Vec::new(),
        }
    }
    /// The check judged the case's exchange number `exchange`.
    pub fn judging(mut self, exchange: usize) -> Self {
        self.exchange = Some(exchange);
        self
    }
    /// What the check looked at.
    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = subject;
        self
    }
    /// What was wanted and what came back.
    pub fn expecting(mut self, expected: Option<Value>, found: Option<Value>) -> Self {
        self.expected = expected;
        self.found = found;
        self
    }
    /// Where in the body the check found what differs.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.at = Some(pointer.into());
        self
    }
    /// Why the check could not judge.
    pub fn unjudged(mut self, why: Unjudged) -> Self {
        self.unjudged = Some(why);
        self
    }
    /// The likely cause of the failure.
    pub fn diagnosed(mut self, diagnosis: Option<Diagnosis>) -> Self {
        self.diagnoses = diagnosis.into_iter().collect();
        self
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    fn holds(kind: CheckKind, level: Level, ok: bool, pass: String, fail: String) -> Self {
        if ok {
            Self::pass(kind, level, pass)
        } else {
            Self::fail(kind, level, fail)
        }
    }
    pub fn failed(&self) -> bool {
        self.outcome == Outcome::Fail
    }
}

/// What the checks of one step may consult besides the answer.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub level: Level,
    pub schemas: &'a SchemaSet,
    /// The request body as JSON, when it is JSON.
    pub request: Option<&'a Value>,
    /// The canonical data set, when the target is declared to hold it.
    pub fixture: Option<&'a [Value]>,
}

/// An answer with its body parsed at most once, however many checks,
/// alternatives and captures read it: parsing is the largest cost of
/// judging a listing.
pub struct Answer<'a> {
    pub response: &'a HttpResponse,
    body: std::cell::OnceCell<Result<Value, String>>,
}

impl<'a> Answer<'a> {
    pub fn new(response: &'a HttpResponse) -> Self {
        Answer {
            response,
            body: std::cell::OnceCell::new(),
        }
    }

    /// The body as JSON, or why it is not (see [`HttpResponse::json`]).
    pub fn json(&self) -> Result<&Value, &str> {
        match self.body.get_or_init(|| self.response.json()) {
            Ok(v) => Ok(v),
            Err(e) => Err(e.as_str()),
        }
    }

    /// The body as JSON if it is JSON and was parsed, or will be now.
    pub fn value(&self) -> Option<&Value> {
        self.json().ok()
    }

    /// The parsed body, moved out: what a walk keeps of a page is then the
    /// parsed jobs themselves, not a copy of them.
    pub fn into_value(self) -> Option<Value> {
        let _ = self.json();
        self.body.into_inner().and_then(Result::ok)
    }
}

/// Judges one answer. Snapshots are compared by the runner, which owns the
/// files.
pub fn evaluate(expect: &Expect, ctx: &Context<'_>, response: &HttpResponse) -> Vec<CheckResult> {
    evaluate_answer(expect, ctx, &Answer::new(response))
}

/// [`evaluate`] on an answer whose parsed body the caller reads too.
pub fn evaluate_answer(
    expect: &Expect,
    ctx: &Context<'_>,
    answer: &Answer<'_>,
) -> Vec<CheckResult> {
    let response = answer.response;
    let mut out = Vec::new();
    let level = ctx.level;
    let should = level.capped(Level::Should);

    let mut statuses = expect.status.as_ref().map(|s| s.codes());
    if let Some(error) = expect.error {
        statuses.get_or_insert_with(|| vec![error.status()]);
    }
    if let Some(codes) = &statuses {
        out.push(status_check(codes, response, level));
    }

    let schema = schema_for(expect, response.status);
    let needs_json = schema.is_some()
        || expect.body.is_some()
        || expect.body_subset.is_some()
        || !expect.jsonpath.is_empty()
        || !expect.semantics.is_empty()
        || expect.oracle
        || expect.error.is_some();
    let body = if needs_json {
        if schema.is_some() {
            out.push(content_type_check(response, should));
        }
        match answer.json() {
            Ok(v) => Some(v),
            Err(reason) => {
                out.push(
                    CheckResult::fail(CheckKind::Json, level, reason)
                        .with_detail(body_excerpt(response)),
                );
                None
            }
        }
    } else {
        None
    };

    if let (Some(body), Some(shape)) = (body, &schema) {
        out.extend(schema_checks(ctx.schemas, shape, body, level, should));
    }
    if let Some(error) = expect.error
        && response.status < 400
    {
        // Not an error answer at all: the status check says so, and it
        // counts against every requirement of the case. Judging how this
        // answer names and explains its error would only add failures
        // against the naming conventions, which it did not break.
        out.push(CheckResult::skip(
            CheckKind::ErrorType,
            should,
            format!(
                "status {} is not an error answer, so no {error} to name",
                response.status
            ),
        ));
    } else if let Some(error) = expect.error {
        out.push(error_type_check(response, body, error, should));
        if let Some(body) = body {
            out.push(error_message_check(body, should));
        }
    }
    if let Some(body) = body {
        if let Some(expected) = &expect.body {
            out.push(body_equals_check(expected, body, level));
        }
        if let Some(subset) = &expect.body_subset {
            out.push(body_subset_check(subset, body, level));
        }
        if !expect.jsonpath.is_empty() {
            let read = as_read(body, response.status == 200);
            for assertion in &expect.jsonpath {
                out.push(jsonpath_check(assertion, &read, level));
            }
        }
        if response.status == 200 {
            out.extend(semantic_checks(&expect.semantics, ctx, body, level));
            if expect.oracle {
                out.push(oracle_page_check(ctx, body, level));
            }
        } else if !expect.semantics.is_empty() || expect.oracle {
            let what = if expect.oracle { "oracle" } else { "semantic" };
            out.push(CheckResult::skip(
                CheckKind::Filter,
                level,
                format!(
                    "{what} checks skipped: status {} is not a listing",
                    response.status
                ),
            ));
        }
    }
    for (name, check) in &expect.headers {
        out.push(header_check(response, name, check, level));
    }
    if !expect.any_of.is_empty() {
        out.extend(any_of(expect, ctx, answer));
    }
    out
}

/// Passes when one alternative holds. When none does, the failure records
/// the kinds of the failed checks of the closest alternative: among those
/// whose answer-level checks (status, JSON body; see
/// [`judges_every_requirement`]) held, the one with the fewest failed
/// checks, the first on a tie. The status tells which outcome the server
/// chose (a listing or a refusal), so that alternative's other failures say
/// what is wrong with it: a refusal that does not name its error breaks the
/// naming convention, not the requirements about listings. When no
/// alternative got its status, the answer is none of the allowed outcomes
/// and the failure counts against every requirement of the case.
/// An answer is an allowed alternative when none of the alternative's checks
/// fails at the case's own level. Conventions checked inside it (the error
/// name, a `message`) weigh less, so an answer that misses only those is the
/// allowed outcome with should-level findings, never a must failure: the
/// document does not state them.
fn any_of(expect: &Expect, ctx: &Context<'_>, answer: &Answer<'_>) -> Vec<CheckResult> {
    let mut reasons = Vec::new();
    let mut closest: Option<Vec<CheckKind>> = None;
    // What the closest alternative's first failure was about, so that the
    // failed `any of` groups with the same failure elsewhere.
    let mut closest_first: Option<(Subject, Vec<Diagnosis>)> = None;
    let mut allowed_with_findings: Option<(usize, Vec<CheckResult>)> = None;
    for (i, alternative) in expect.any_of.iter().enumerate() {
        let mut results = evaluate_answer(alternative, ctx, answer);
        // An accepted request's answer must be right: a 200 alternative
        // also judges the listing's content (see `guard`).
        if guard::allows_listing(alternative) && answer.response.status == 200 {
            let judged = guard::judged_request(ctx.request);
            let judging = Context {
                request: judged.as_ref(),
                ..*ctx
            };
            results.extend(evaluate_answer(
                &guard::correct_listing(alternative),
                &judging,
                answer,
            ));
        }
        let failures: Vec<&CheckResult> = results.iter().filter(|c| c.failed()).collect();
        if !failures.is_empty()
            && allowed_with_findings.is_none()
            && failures.iter().all(|c| c.level < ctx.level)
        {
            allowed_with_findings = Some((i, failures.iter().map(|c| (*c).clone()).collect()));
        }
        let answered = !failures.iter().any(|c| judges_every_requirement(c.kind));
        if answered
            && closest
                .as_ref()
                .is_none_or(|kinds| failures.len() < kinds.len())
        {
            closest = Some(failures.iter().map(|c| c.kind).collect());
            closest_first = failures
                .first()
                .map(|c| (c.subject.clone(), c.diagnoses.clone()));
        }
        if failures.is_empty() {
            return vec![CheckResult::pass(
                CheckKind::AnyOf,
                ctx.level,
                format!(
                    "answer is allowed alternative {} ({})",
                    i + 1,
                    describe_alternative(alternative)
                ),
            )];
        }
        reasons.push(format!(
            "{}. {}: {}",
            i + 1,
            describe_alternative(alternative),
            failures
                .iter()
                .map(|c| c.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some((i, findings)) = allowed_with_findings {
        let mut out = vec![CheckResult::pass(
            CheckKind::AnyOf,
            ctx.level,
            format!(
                "answer is allowed alternative {} ({}), with the findings below",
                i + 1,
                describe_alternative(&expect.any_of[i])
            ),
        )];
        out.extend(findings);
        return out;
    }
    let mut result = CheckResult::fail(
        CheckKind::AnyOf,
        ctx.level,
        format!(
            "answer matches none of the {} allowed outcomes",
            expect.any_of.len()
        ),
    )
    .with_detail(reasons.join("\n"))
    .expecting(
        Some(Value::Array(
            expect
                .any_of
                .iter()
                .map(|a| Value::String(describe_alternative(a)))
                .collect(),
        )),
        Some(Value::from(answer.response.status)),
    );
    result.closest_failures = closest.unwrap_or_default();
    if let Some((subject, diagnoses)) = closest_first {
        result.subject = subject;
        result.diagnoses = diagnoses;
    }
    vec![result]
}

fn describe_alternative(e: &Expect) -> String {
    if let Some(error) = e.error {
        return format!("{} {error}", error.status());
    }
    match &e.status {
        Some(s) => format!("status {}", list_codes(&s.codes())),
        None => "no status constraint".into(),
    }
}

/// Cuts `s` to `max` characters, marking the cut, so target data of any
/// size fits a one-line message.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}
