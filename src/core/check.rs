//! Checks: judging an answer against a case's expectations.
//!
//! Every check produces a [`CheckResult`], which is plain data: what was
//! checked, at which level, whether it held, a one-line reason and optional
//! details (a diff, a list of violations). Renderers and reports read these;
//! nothing here prints or does I/O.

use super::case::{Expect, HeaderCheck, Level, NodeCheck, PathAssertion, Semantic};
use super::diff;
use super::exchange::HttpResponse;
use super::oracle::{self, Query};
use super::requirements::judges_every_requirement;
use crate::model::{ErrorKind, JobComparator};
use crate::schema::SchemaSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

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
    /// The harness itself failed on the case (its task panicked): nothing
    /// was judged, so the case cannot count as passed.
    HarnessError,
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
            CheckKind::HarnessError => "harness error",
        }
    }
}

/// Whether a check held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Not applicable to this answer (the reason says why).
    Skip,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    pub level: Level,
    pub outcome: Outcome,
    /// One line: what held, or what went wrong.
    pub message: String,
    /// Several lines: a diff, a list of violations.
    pub detail: Option<String>,
    /// Index of the step (0-based) the check belongs to.
    pub step: usize,
    /// Index into the case's exchanges of the answer this check judged;
    /// `None` for a check of a whole walk's listing (or of nothing sent).
    pub exchange: Option<usize>,
    /// For a failed `any of`: the kinds of the failed checks of the closest
    /// alternative (see [`any_of`]), which say what the answer got wrong and
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
pub struct Context<'a> {
    pub level: Level,
    pub schemas: &'a SchemaSet,
    /// The request body as JSON, when it is JSON.
    pub request: Option<&'a Value>,
    /// The canonical data set, when the target is declared to hold it.
    pub fixture: Option<&'a [Value]>,
}

/// Judges one answer. Snapshots are compared by the runner, which owns the
/// files.
pub fn evaluate(expect: &Expect, ctx: &Context<'_>, response: &HttpResponse) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let level = ctx.level;
    let should = level.capped(Level::Should);

    let mut statuses = expect.status.as_ref().map(|s| s.codes());
    if let Some(error) = expect.error {
        statuses.get_or_insert_with(|| vec![error.status()]);
    }
    if let Some(codes) = &statuses {
        out.push(CheckResult::holds(
            CheckKind::Status,
            level,
            codes.contains(&response.status),
            format!("status {}", response.status),
            format!(
                "status {} where {} was expected{}",
                response.status,
                list_codes(codes),
                error_hint(response)
            ),
        ));
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
        match response.json() {
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

    if let (Some(body), Some(shape)) = (&body, &schema) {
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
        out.push(error_type_check(response, body.as_ref(), error, should));
        if let Some(body) = &body {
            let has_message = body
                .get("message")
                .and_then(Value::as_str)
                .is_some_and(|m| !m.is_empty())
                || body
                    .get("Message")
                    .and_then(Value::as_str)
                    .is_some_and(|m| !m.is_empty());
            out.push(CheckResult::holds(
                CheckKind::ErrorMessage,
                should,
                has_message,
                "error body explains the error in `message`".into(),
                "error body has no `message` saying what went wrong".into(),
            ));
        }
    }
    if let Some(body) = &body {
        if let Some(expected) = &expect.body {
            out.push(CheckResult::holds(
                CheckKind::Body,
                level,
                expected == body,
                "body equals the expected JSON".into(),
                "body differs from the expected JSON".into(),
            ));
            if let Some(last) = out.last_mut().filter(|c| c.failed()) {
                last.detail = Some(diff::json_diff(expected, body));
            }
        }
        if let Some(subset) = &expect.body_subset {
            let ok = is_subset(subset, body);
            let mut check = CheckResult::holds(
                CheckKind::Body,
                level,
                ok,
                "body contains the expected members".into(),
                "body lacks or changes members the case expects".into(),
            );
            if !ok {
                check.detail = Some(diff::json_diff(subset, &project(subset, body)));
            }
            out.push(check);
        }
        for assertion in &expect.jsonpath {
            out.push(jsonpath_check(assertion, body, level));
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
        out.extend(any_of(expect, ctx, response));
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
fn any_of(expect: &Expect, ctx: &Context<'_>, response: &HttpResponse) -> Vec<CheckResult> {
    let mut reasons = Vec::new();
    let mut closest: Option<Vec<CheckKind>> = None;
    let mut allowed_with_findings: Option<(usize, Vec<CheckResult>)> = None;
    for (i, alternative) in expect.any_of.iter().enumerate() {
        let results = evaluate(alternative, ctx, response);
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
    .with_detail(reasons.join("\n"));
    result.closest_failures = closest.unwrap_or_default();
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

fn list_codes(codes: &[u16]) -> String {
    match codes {
        [one] => one.to_string(),
        many => {
            let parts: Vec<String> = many.iter().map(u16::to_string).collect();
            format!("one of {}", parts.join(", "))
        }
    }
}

/// For an unexpected error answer, the error's name and message help more
/// than the bare status.
fn error_hint(response: &HttpResponse) -> String {
    if (300..400).contains(&response.status) {
        // Redirects are not followed (the verdict is about this endpoint),
        // so the reader needs to see where the target pointed.
        return match response.header("location") {
            Some(to) => format!(
                " (a redirect to {}, which the harness does not follow; if the API lives there, pass that as --target)",
                truncate(to, 300)
            ),
            None => " (a redirect with no Location header)".into(),
        };
    }
    if response.status < 400 {
        return String::new();
    }
    let body = response.json().ok();
    let name = error_signals(response, body.as_ref()).into_iter().next();
    let message = body
        .as_ref()
        .and_then(|b| b.get("message").or_else(|| b.get("Message")))
        .and_then(Value::as_str)
        .map(|m| truncate(m, 160));
    match (name, message) {
        (Some((_, n)), Some(m)) => format!(" ({n}: {m})"),
        (Some((_, n)), None) => format!(" ({n})"),
        (None, Some(m)) => format!(" ({m})"),
        (None, None) => String::new(),
    }
}

/// The schema an answer is checked against: the one named, else the one the
/// document gives its status.
fn schema_for(expect: &Expect, status: u16) -> Option<String> {
    match &expect.schema {
        Some(s) if s.value == "none" => None,
        Some(s) => Some(s.value.clone()),
        None => {
            if status == 200 && expect.error.is_none() {
                Some("ListClassificationJobsResponse".into())
            } else if let Some(kind) = expect.error.filter(|k| k.status() == status) {
                Some(kind.as_str().into())
            } else {
                ErrorKind::from_status(status).map(|k| k.as_str().to_string())
            }
        }
    }
}

fn content_type_check(response: &HttpResponse, level: Level) -> CheckResult {
    let ct = response.header("content-type");
    let ok = ct.is_some_and(|v| {
        let media = v
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        media == "application/json"
            || media.ends_with("+json")
            || media == "application/x-amz-json-1.1"
    });
    CheckResult::holds(
        CheckKind::ContentType,
        level,
        ok,
        "Content-Type is JSON".into(),
        match ct {
            Some(v) => format!("Content-Type is {v:?}, not application/json"),
            None => {
                "no Content-Type header; a JSON body should be labelled application/json".into()
            }
        },
    )
}

fn schema_checks(
    schemas: &SchemaSet,
    shape: &str,
    body: &Value,
    level: Level,
    should: Level,
) -> Vec<CheckResult> {
    let violations = match schemas.validate(shape, body) {
        Ok(v) => v,
        Err(e) => return vec![CheckResult::fail(CheckKind::Schema, level, e.to_string())],
    };
    let (extra, broken): (Vec<_>, Vec<_>) = violations.into_iter().partition(|v| v.undocumented);
    let mut out = Vec::new();
    if broken.is_empty() {
        out.push(CheckResult::pass(
            CheckKind::Schema,
            level,
            format!("body is a valid {shape}"),
        ));
    } else {
        // Each violation is stated once: the first in the one-line message
        // (it names the fault when there is only one, and it is what groups
        // the same defect across cases), the others in the detail. Listing
        // the first in both made readers count it twice.
        let describe = |v: &crate::schema::Violation, max: usize| {
            format!(
                "at {} ({}): {}",
                pointer(&v.instance_path),
                v.keyword,
                truncate(&v.message, max)
            )
        };
        let first = describe(&broken[0], 200);
        let others = &broken[1..];
        let check = if others.is_empty() {
            CheckResult::fail(
                CheckKind::Schema,
                level,
                format!("body is not a valid {shape}: {first}"),
            )
        } else {
            const LISTED: usize = 20;
            let mut detail: Vec<String> = others
                .iter()
                .take(LISTED)
                .map(|v| describe(v, 400))
                .collect();
            if others.len() > LISTED {
                detail.push(format!("… {} more", others.len() - LISTED));
            }
            CheckResult::fail(
                CheckKind::Schema,
                level,
                format!(
                    "body is not a valid {shape}: {} violations, first {first}; the other {} below",
                    broken.len(),
                    others.len()
                ),
            )
            .with_detail(detail.join("\n"))
        };
        out.push(check);
    }
    if !extra.is_empty() {
        let paths: Vec<String> = extra
            .iter()
            .map(|v| format!("{} ({})", pointer(&v.instance_path), v.message))
            .collect();
        out.push(
            CheckResult::fail(
                CheckKind::Undocumented,
                should,
                format!(
                    "{} object(s) carry members the document does not define",
                    extra.len()
                ),
            )
            .with_detail(paths.join("\n")),
        );
    }
    out
}

fn pointer(p: &str) -> String {
    if p.is_empty() { "/".into() } else { p.into() }
}

/// Error names as the REST-JSON protocol carries them, normalised the way
/// AWS SDKs do: anything from the first ':' on and any namespace up to '#'
/// are dropped. Returns (where, name).
pub fn error_signals(response: &HttpResponse, body: Option<&Value>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(h) = response.header("x-amzn-ErrorType") {
        out.push(("x-amzn-ErrorType header", normalise_error_name(h)));
    }
    if let Some(b) = body {
        for (member, label) in [
            ("__type", "body member __type"),
            ("code", "body member code"),
        ] {
            if let Some(v) = b.get(member).and_then(Value::as_str) {
                out.push((label, normalise_error_name(v)));
            }
        }
    }
    out.retain(|(_, n)| !n.is_empty());
    out
}

pub fn normalise_error_name(raw: &str) -> String {
    let before_colon = raw.split(':').next().unwrap_or("");
    let after_hash = before_colon.rsplit('#').next().unwrap_or("");
    after_hash.trim().to_string()
}

fn error_type_check(
    response: &HttpResponse,
    body: Option<&Value>,
    expected: ErrorKind,
    level: Level,
) -> CheckResult {
    let signals = error_signals(response, body);
    if signals.is_empty() {
        return CheckResult::fail(
            CheckKind::ErrorName,
            level,
            format!(
                "the answer does not name its error: no x-amzn-ErrorType header and no __type or code in the body (expected {expected})"
            ),
        );
    }
    let wrong: Vec<String> = signals
        .iter()
        .filter(|(_, n)| n != expected.as_str())
        .map(|(w, n)| format!("{w} says {n}"))
        .collect();
    if wrong.is_empty() {
        CheckResult::pass(
            CheckKind::ErrorType,
            level,
            format!("error named {expected} ({})", signals[0].0),
        )
    } else {
        CheckResult::fail(
            CheckKind::ErrorType,
            level,
            format!("expected error {expected}, but {}", wrong.join(", ")),
        )
    }
}

fn header_check(
    response: &HttpResponse,
    name: &str,
    check: &HeaderCheck,
    level: Level,
) -> CheckResult {
    let value = response.header(name);
    let mut problems = Vec::new();
    if let Some(present) = check.present
        && present != value.is_some()
    {
        problems.push(if present {
            format!("header {name} is missing")
        } else {
            format!(
                "header {name} should be absent but is {:?}",
                value.unwrap_or_default()
            )
        });
    }
    if let Some(expected) = &check.equals {
        match value {
            Some(v) if v == expected => {}
            Some(v) => problems.push(format!("header {name} is {v:?}, expected {expected:?}")),
            None => problems.push(format!("header {name} is missing (expected {expected:?})")),
        }
    }
    if let Some(part) = &check.contains {
        match value {
            Some(v) if v.to_ascii_lowercase().contains(&part.to_ascii_lowercase()) => {}
            Some(v) => problems.push(format!(
                "header {name} is {v:?}, which does not contain {part:?}"
            )),
            None => problems.push(format!(
                "header {name} is missing (expected it to contain {part:?})"
            )),
        }
    }
    // A case that checks Content-Type through `headers` checks the same
    // thing as the content type check (LCJ-CONV-003), and counts against
    // the same requirement, not against the other headers the case names.
    let kind = if name.eq_ignore_ascii_case("content-type") {
        CheckKind::ContentType
    } else {
        CheckKind::Header
    };
    if problems.is_empty() {
        CheckResult::pass(kind, level, format!("header {name} as expected"))
    } else {
        CheckResult::fail(kind, level, problems.join("; "))
    }
}

/// Judges JSONPath assertions on one document (an answer, or the whole
/// listing of a walk).
pub fn jsonpath_checks(
    assertions: &[PathAssertion],
    body: &Value,
    level: Level,
) -> Vec<CheckResult> {
    assertions
        .iter()
        .map(|a| jsonpath_check(a, body, level))
        .collect()
}

fn jsonpath_check(assertion: &PathAssertion, body: &Value, level: Level) -> CheckResult {
    let path = &assertion.path.value;
    let query = match serde_json_path::JsonPath::parse(path) {
        Ok(q) => q,
        Err(e) => {
            return CheckResult::fail(
                CheckKind::JsonPath,
                level,
                format!("{path}: invalid JSONPath: {e}"),
            );
        }
    };
    let nodes: Vec<&Value> = query.query(body).all();
    let mut problems = Vec::new();
    if let Some(exists) = assertion.exists
        && exists == nodes.is_empty()
    {
        problems.push(if exists {
            "selects nothing".to_string()
        } else {
            format!("selects {} node(s), expected none", nodes.len())
        });
    }
    if let Some(count) = &assertion.count
        && !count.contains(nodes.len() as u64)
    {
        problems.push(format!("selects {} node(s), expected {count}", nodes.len()));
    }
    if let Some(each) = &assertion.each {
        for (i, node) in nodes.iter().enumerate() {
            if let Some(p) = node_problem(each, node) {
                problems.push(format!(
                    "node {i} ({}): {p}",
                    truncate(&node.to_string(), 80)
                ));
                break;
            }
        }
    }
    let single = assertion.node();
    if !single.is_empty() {
        match nodes.as_slice() {
            [node] => {
                if let Some(p) = node_problem(&single, node) {
                    problems.push(p);
                }
            }
            [] => problems.push("selects nothing, expected one node".into()),
            many => problems.push(format!(
                "selects {} nodes, expected one (use `each` to check every node)",
                many.len()
            )),
        }
    }
    if problems.is_empty() {
        CheckResult::pass(CheckKind::JsonPath, level, format!("{path} as expected"))
    } else {
        CheckResult::fail(
            CheckKind::JsonPath,
            level,
            format!("{path}: {}", problems.join("; ")),
        )
    }
}

fn node_problem(check: &NodeCheck, node: &Value) -> Option<String> {
    if let Some(expected) = &check.equals
        && expected != node
    {
        return Some(format!(
            "is {}, expected {}",
            truncate(&node.to_string(), 80),
            expected
        ));
    }
    if let Some(options) = &check.one_of
        && !options.contains(node)
    {
        return Some(format!(
            "is {}, expected one of {}",
            truncate(&node.to_string(), 80),
            Value::Array(options.clone())
        ));
    }
    if let Some(part) = &check.contains {
        let ok = match (node, part) {
            (Value::String(s), Value::String(p)) => s.contains(p.as_str()),
            (Value::Array(a), p) => a.contains(p),
            _ => false,
        };
        if !ok {
            return Some(format!(
                "{} does not contain {part}",
                truncate(&node.to_string(), 80)
            ));
        }
    }
    if let Some(kind) = &check.kind
        && json_type(node, kind) != Some(true)
    {
        return Some(format!("is {}, expected type {kind}", type_name(node)));
    }
    if let Some(length) = &check.length {
        let len = match node {
            Value::String(s) => Some(s.chars().count()),
            Value::Array(a) => Some(a.len()),
            _ => None,
        };
        match len {
            Some(n) if length.contains(n as u64) => {}
            Some(n) => return Some(format!("has length {n}, expected {length}")),
            None => return Some(format!("is {}, which has no length", type_name(node))),
        }
    }
    None
}

fn json_type(v: &Value, kind: &str) -> Option<bool> {
    Some(match kind {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => return None,
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether `expected` is contained in `actual`: objects by member,
/// recursively; arrays element by element as a prefix; scalars by equality.
pub fn is_subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|x| is_subset(v, x))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() <= a.len() && e.iter().zip(a).all(|(x, y)| is_subset(x, y))
        }
        _ => expected == actual,
    }
}

/// The part of `actual` that `expected` talks about, so that a subset
/// mismatch diffs only the relevant members.
fn project(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => Value::Object(
            e.iter()
                .filter_map(|(k, v)| a.get(k).map(|x| (k.clone(), project(v, x))))
                .collect(),
        ),
        (Value::Array(e), Value::Array(a)) => Value::Array(
            a.iter()
                .enumerate()
                .take(e.len().max(1))
                .map(|(i, x)| e.get(i).map_or_else(|| x.clone(), |ev| project(ev, x)))
                .collect(),
        ),
        _ => actual.clone(),
    }
}

/// The jobs of a listing answer, if it has the documented shape.
pub fn items(body: &Value) -> Option<&Vec<Value>> {
    body.get("items").and_then(Value::as_array)
}

/// Why `response` is not a listing, for an answer where [`items`] found
/// none. An error status, a body that is not JSON and JSON of another shape
/// call for different fixes, so they are told apart rather than all called
/// "no `items` array".
pub fn not_a_listing(response: &HttpResponse) -> String {
    let status = response.status;
    if !(200..300).contains(&status) {
        return format!("status {status}{}, not a listing", error_hint(response));
    }
    match response.json() {
        Err(reason) => format!("status {status}, {reason}"),
        Ok(body) => format!("status {status}, {}", no_items(&body)),
    }
}

/// "no `items` array", saying what stands there instead, if anything.
fn no_items(body: &Value) -> String {
    match body.get("items") {
        None | Some(Value::Null) => "no `items` array".into(),
        Some(other) => format!("no `items` array (`items` is {})", type_name(other)),
    }
}

fn semantic_checks(
    semantics: &[Semantic],
    ctx: &Context<'_>,
    body: &Value,
    level: Level,
) -> Vec<CheckResult> {
    let Some(items) = items(body) else {
        if semantics.is_empty() {
            return Vec::new();
        }
        return vec![CheckResult::fail(
            CheckKind::Filter,
            level,
            format!("the answer has {} to check", no_items(body)),
        )];
    };
    semantics
        .iter()
        .map(|s| match s {
            Semantic::Filter => filter_check(ctx, items, level),
            Semantic::Sort => sort_check(ctx, items, level, "the page"),
            Semantic::PageSize => page_size_check(ctx.request, &[items.len()], level),
            Semantic::NoDuplicates | Semantic::Complete => CheckResult::skip(
                CheckKind::Complete,
                level,
                format!("`{}` applies to page walks only", s.as_str()),
            ),
        })
        .collect()
}

/// Why the filter semantics cannot be judged from the document alone, if so.
fn open_filter_meaning(query: &Query) -> Option<String> {
    use JobComparator::*;
    query.includes.iter().chain(&query.excludes).find_map(|t| {
        let on_time = t.key.as_str() == "createdAt";
        if t.comparator == Ne && t.values.len() > 1 {
            Some(format!(
                "NE with several values on {} has no documented meaning (open choice OC-8)",
                t.key
            ))
        } else if !on_time && matches!(t.comparator, Gt | Gte | Lt | Lte) {
            Some(format!(
                "{} on {} orders text, and the document leaves its collation open (OC-6)",
                t.comparator, t.key
            ))
        } else if on_time && matches!(t.comparator, Contains | StartsWith) {
            Some(format!(
                "{} on createdAt matches the date-time's text, whose spelling the document leaves open (OC-17)",
                t.comparator
            ))
        } else {
            None
        }
    })
}

pub fn filter_check(ctx: &Context<'_>, items: &[Value], level: Level) -> CheckResult {
    let Some(query) = ctx.request.and_then(|r| Query::from_request(r).ok()) else {
        return CheckResult::skip(
            CheckKind::Filter,
            level,
            "the request has no readable filterCriteria",
        );
    };
    if let Some(open) = open_filter_meaning(&query) {
        return CheckResult::skip(CheckKind::Filter, level, open);
    }
    let offenders: Vec<String> = items
        .iter()
        .enumerate()
        .filter(|(_, j)| !query.selects(j))
        .map(|(i, j)| format!("item {i}: {}", job_label(j)))
        .collect();
    if offenders.is_empty() {
        CheckResult::pass(
            CheckKind::Filter,
            level,
            format!("all {} job(s) satisfy the filter", items.len()),
        )
    } else {
        CheckResult::fail(
            CheckKind::Filter,
            level,
            format!(
                "{} of {} job(s) do not satisfy the request's filter; first: {}",
                offenders.len(),
                items.len(),
                offenders[0]
            ),
        )
        .with_detail(
            offenders
                .into_iter()
                .take(20)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }
}

pub fn sort_check(ctx: &Context<'_>, items: &[Value], level: Level, what: &str) -> CheckResult {
    let Some((attribute, order)) = ctx
        .request
        .and_then(|r| Query::from_request(r).ok())
        .and_then(|q| q.sort)
    else {
        return CheckResult::skip(
            CheckKind::Sort,
            level,
            "the request sets no complete sortCriteria; the order is the server's choice",
        );
    };
    for (i, pair) in items.windows(2).enumerate() {
        let ordering = oracle::compare(attribute, &pair[0], &pair[1]);
        let wrong = match order {
            crate::model::OrderBy::Asc => ordering.is_gt(),
            crate::model::OrderBy::Desc => ordering.is_lt(),
        };
        if wrong {
            return CheckResult::fail(
                CheckKind::Sort,
                level,
                format!(
                    "{what} is not sorted by {attribute} {order}: item {i} ({}) comes before item {} ({})",
                    job_label(&pair[0]),
                    i + 1,
                    job_label(&pair[1])
                ),
            );
        }
    }
    CheckResult::pass(
        CheckKind::Sort,
        level,
        format!("{what} is sorted by {attribute} {order}"),
    )
}

pub fn page_size_check(request: Option<&Value>, sizes: &[usize], level: Level) -> CheckResult {
    let Some(max) = request
        .and_then(|r| r.get("maxResults"))
        .and_then(Value::as_u64)
    else {
        return CheckResult::skip(
            CheckKind::PageSize,
            level,
            "the request sets no maxResults; the page size is the server's choice",
        );
    };
    match sizes.iter().position(|&n| n as u64 > max) {
        None => CheckResult::pass(
            CheckKind::PageSize,
            level,
            format!("no page holds more than maxResults {max}"),
        ),
        Some(i) => CheckResult::fail(
            CheckKind::PageSize,
            level,
            format!(
                "page {} holds {} jobs, more than maxResults {max}",
                i + 1,
                sizes[i]
            ),
        ),
    }
}

/// Checks one page (the first: the request carries no nextToken) against
/// the fixture.
fn oracle_page_check(ctx: &Context<'_>, body: &Value, level: Level) -> CheckResult {
    let (Some(_), Some(request)) = (ctx.fixture, ctx.request) else {
        return CheckResult::skip(
            CheckKind::Oracle,
            level,
            "the target is not declared to hold the canonical data set",
        );
    };
    if request.get("nextToken").is_some_and(|t| !t.is_null()) {
        return CheckResult::skip(
            CheckKind::Oracle,
            level,
            "a page after the first cannot be placed without the earlier pages",
        );
    }
    let Some(items) = items(body) else {
        return CheckResult::fail(
            CheckKind::Oracle,
            level,
            format!("the answer has {}", no_items(body)),
        );
    };
    let complete = body.get("nextToken").is_none_or(Value::is_null);
    oracle_check(ctx, items, complete, level)
}

/// Compares a listing (a first page, or every page of a walk) with the
/// fixture's answer. `complete` says the listing has no further pages.
pub fn oracle_check(
    ctx: &Context<'_>,
    items: &[Value],
    complete: bool,
    level: Level,
) -> CheckResult {
    let (Some(fixture), Some(request)) = (ctx.fixture, ctx.request) else {
        return CheckResult::skip(
            CheckKind::Oracle,
            level,
            "the target is not declared to hold the canonical data set",
        );
    };
    let query = match Query::from_request(request) {
        Ok(q) => q,
        Err(e) => return CheckResult::skip(CheckKind::Oracle, level, e.to_string()),
    };
    if let Some(open) = open_filter_meaning(&query) {
        return CheckResult::skip(CheckKind::Oracle, level, open);
    }
    let groups = query.expected(fixture);
    match oracle::compare_listing(&groups, items, complete) {
        Ok(()) => CheckResult::pass(
            CheckKind::Oracle,
            level,
            format!(
                "the {} listed job(s) are the ones the fixture calls for",
                items.len()
            ),
        ),
        Err(mismatch) => {
            let expected = Value::Array(
                in_server_tie_order(&groups, items)
                    .into_iter()
                    .map(summary_of)
                    .collect(),
            );
            let actual = Value::Array(items.iter().map(summary_of).collect());
            // When the listing is right but a job's content is not, the
            // summaries agree; the job itself shows what differs.
            let detail = if expected == actual {
                altered_job(&groups, items)
                    .map(|(want, got)| diff::json_diff(want, got))
                    .unwrap_or_default()
            } else {
                diff::json_diff(&expected, &actual)
            };
            // Jobs in the wrong order are a sort defect even when the oracle
            // finds them: said as one, it counts against the sort
            // requirements, not against the filter a case also names.
            if only_order_differs(&groups, items, complete) {
                CheckResult::fail(
                    CheckKind::Sort,
                    level,
                    format!(
                        "the listing holds the jobs the fixture calls for, but not in the requested order: {mismatch}"
                    ),
                )
                .with_detail(detail)
            } else {
                CheckResult::fail(CheckKind::Oracle, level, mismatch).with_detail(detail)
            }
        }
    }
}

/// Whether a listing that differs from the expected one holds the right
/// jobs, each once and as the fixture has it, and differs only in order.
/// An incomplete listing qualifies when every job it lists is one the
/// query selects: a page from the wrong end is an order defect, while a
/// job the query does not select is a filter defect.
fn only_order_differs(groups: &[Vec<Value>], items: &[Value], complete: bool) -> bool {
    let id = |j: &Value| j.get("jobId").and_then(Value::as_str).map(str::to_string);
    let expected: std::collections::HashMap<Option<String>, &Value> =
        groups.iter().flatten().map(|j| (id(j), j)).collect();
    let mut seen = HashSet::new();
    let all_expected = items.iter().all(|item| {
        let key = id(item);
        key.is_some()
            && seen.insert(key.clone())
            && expected
                .get(&key)
                .is_some_and(|want| oracle::canonical(want) == oracle::canonical(item))
    });
    all_expected && (!complete || items.len() == expected.len())
}

/// The expected listing with each tie group put in the order the server
/// listed its members (members it did not list keep their place after
/// those it did), so a diff shows only real differences, never an order
/// among ties that the document leaves open (OC-5).
fn in_server_tie_order<'a>(groups: &'a [Vec<Value>], items: &[Value]) -> Vec<&'a Value> {
    let position = |job: &Value| {
        let id = job.get("jobId");
        items
            .iter()
            .position(|listed| id.is_some() && listed.get("jobId") == id)
            .unwrap_or(usize::MAX)
    };
    groups
        .iter()
        .flat_map(|group| {
            let mut members: Vec<&Value> = group.iter().collect();
            // Stable, so unlisted members keep the fixture's order.
            members.sort_by_key(|job| position(job));
            members
        })
        .collect()
}

/// The first listed job whose content differs from the fixture's job of
/// the same id, as (fixture, listed).
fn altered_job<'a>(groups: &'a [Vec<Value>], items: &'a [Value]) -> Option<(&'a Value, &'a Value)> {
    let id = |j: &Value| j.get("jobId").cloned();
    items.iter().find_map(|got| {
        groups
            .iter()
            .flatten()
            .find(|want| id(want) == id(got))
            .filter(|want| *want != got)
            .map(|want| (want, got))
    })
}

/// A job reduced to what identifies and orders it, for readable diffs.
fn summary_of(job: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for k in ["jobId", "name", "createdAt", "jobStatus", "jobType"] {
        if let Some(v) = job.get(k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// A short label for a job in messages.
pub fn job_label(job: &Value) -> String {
    let get = |k: &str| {
        job.get(k)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    format!(
        "jobId {} name {:?} status {} type {} createdAt {}",
        get("jobId"),
        truncate(&get("name"), 40),
        get("jobStatus"),
        get("jobType"),
        get("createdAt")
    )
}

/// What identifies a job across pages: its `jobId`, or the whole job when
/// it has none.
pub fn job_key(job: &Value) -> String {
    job.get("jobId")
        .map_or_else(|| job.to_string(), Value::to_string)
}

pub fn no_duplicates_check(pages: &[Vec<Value>], level: Level) -> CheckResult {
    let mut seen: HashSet<String> = HashSet::new();
    for (p, page) in pages.iter().enumerate() {
        for job in page {
            if !seen.insert(job_key(job)) {
                return CheckResult::fail(
                    CheckKind::NoDuplicates,
                    level,
                    format!(
                        "page {} repeats a job listed before: {}",
                        p + 1,
                        job_label(job)
                    ),
                );
            }
        }
    }
    CheckResult::pass(
        CheckKind::NoDuplicates,
        level,
        format!(
            "{} job(s) over {} page(s), none twice",
            seen.len(),
            pages.len()
        ),
    )
}

fn multiset(ids: &[String]) -> std::collections::BTreeMap<&str, usize> {
    let mut m = std::collections::BTreeMap::new();
    for id in ids {
        *m.entry(id.as_str()).or_default() += 1;
    }
    m
}

/// The walk's jobs must be the same multiset as the reference walk's.
pub fn complete_check(walked: &[Value], reference: &[Value], level: Level) -> CheckResult {
    let key = |j: &Value| match j.get("jobId") {
        Some(Value::String(id)) => id.clone(),
        Some(other) => other.to_string(),
        None => j.to_string(),
    };
    let mut a: Vec<String> = walked.iter().map(key).collect();
    let mut b: Vec<String> = reference.iter().map(key).collect();
    a.sort();
    b.sort();
    if a == b {
        return CheckResult::pass(
            CheckKind::Complete,
            level,
            format!(
                "the pages hold the same {} job(s) as the reference listing",
                a.len()
            ),
        );
    }
    let (ca, cb) = (multiset(&a), multiset(&b));
    let list = |ids: Vec<&str>| {
        let shown: Vec<&str> = ids.iter().take(5).copied().collect();
        let more = ids.len().saturating_sub(5);
        if ids.is_empty() {
            "none".to_string()
        } else if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let missing: Vec<&str> = cb
        .iter()
        .filter(|(id, n)| ca.get(*id).copied().unwrap_or(0) < **n)
        .map(|(id, _)| *id)
        .collect();
    let extra: Vec<&str> = ca
        .iter()
        .filter(|(id, n)| cb.get(*id).copied().unwrap_or(0) < **n)
        .map(|(id, _)| *id)
        .collect();
    CheckResult::fail(
        CheckKind::Complete,
        level,
        format!(
            "the pages hold {} job(s), the reference listing {}; missing: {}; extra or repeated: {}",
            a.len(),
            b.len(),
            list(missing),
            list(extra)
        ),
    )
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn body_excerpt(response: &HttpResponse) -> String {
    let text = String::from_utf8_lossy(&response.body);
    format!(
        "status {}, Content-Type {:?}, {} byte(s):\n{}",
        response.status,
        response.header("content-type").unwrap_or("(none)"),
        response.body.len(),
        truncate(&text, 400)
    )
}

#[cfg(test)]
mod tie_order_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ties_are_shown_in_the_servers_order_and_only_ties() {
        let j = |id: &str| json!({"jobId": id});
        let groups = vec![vec![j("a"), j("b"), j("c")], vec![j("d"), j("e")]];
        // The server lists the first tie group backwards and leaves out e.
        let items = vec![j("c"), j("b"), j("a"), j("d")];
        let ids: Vec<&str> = in_server_tie_order(&groups, &items)
            .iter()
            .filter_map(|v| v["jobId"].as_str())
            .collect();
        assert_eq!(ids, ["c", "b", "a", "d", "e"]);
        // Order across groups is never changed: that is a real difference.
        let items = vec![j("d"), j("a")];
        let ids: Vec<&str> = in_server_tie_order(&groups, &items)
            .iter()
            .filter_map(|v| v["jobId"].as_str())
            .collect();
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    }
}
