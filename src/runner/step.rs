//! One case: its steps in order, each a request or a walk, with variable
//! substitution and captures between them.

use super::listings::Listings;
use super::{Shared, join_url};
use crate::engine::case::{Expect, Level, Request, Step};
use crate::engine::check::{self, CheckKind, CheckResult, Context};
use crate::engine::exchange::HttpRequest;
use crate::engine::snapshot as snap;
use crate::report::CaseReport;
use serde_json::Value;
use std::collections::BTreeMap;

/// What one step runs with, besides the case's variables and report.
#[derive(Clone, Copy)]
pub(super) struct StepRun<'a> {
    pub step: &'a Step,
    pub level: Level,
    pub shared: &'a Shared,
    /// The snapshot file the step compares with, if it keeps one.
    pub snapshot_name: &'a str,
    /// Whether `--sigv4` signs the step's requests (see `Case::signatures`).
    pub signed: bool,
}

/// The kinds of check whose failure a step's listing diagnosis explains:
/// those that judge which jobs are listed, in what order, or what a listing
/// holds. Status, schema and header checks say other things.
const LISTING_KINDS: [CheckKind; 12] = [
    CheckKind::PageSize,
    CheckKind::Capture,
    CheckKind::Filter,
    CheckKind::Sort,
    CheckKind::NoDuplicates,
    CheckKind::Complete,
    CheckKind::Oracle,
    CheckKind::Snapshot,
    CheckKind::AnyOf,
    CheckKind::Relation,
    CheckKind::JsonPath,
    CheckKind::Body,
];

/// Why an exchange's request was judged by nobody: the run's request
/// budget was spent before it was sent (see `TransportError::NotSent`).
pub(super) fn unsent(exchange: &crate::engine::exchange::Exchange) -> Option<check::Unjudged> {
    matches!(
        exchange.outcome,
        Err(crate::engine::exchange::TransportError::NotSent { .. })
    )
    .then_some(check::Unjudged::Budget)
}

/// A failed listing check that no cause explains yet.
pub(super) fn unexplained(c: &CheckResult) -> bool {
    c.failed() && c.diagnoses.is_empty() && LISTING_KINDS.contains(&c.kind)
}

/// Gives the failed listing checks among `checks` the causes that fit the
/// listing `pages` make up for `request`.
pub(super) fn diagnose_listing(
    checks: &mut [CheckResult],
    request: &Value,
    pages: Vec<Vec<Value>>,
    complete: bool,
    fixture: Option<&[Value]>,
) {
    if pages.is_empty() || !checks.iter().any(unexplained) {
        return;
    }
    // A page asked for with a token cannot be placed in the listing.
    let placed = request.get("nextToken").is_none_or(Value::is_null);
    let evidence = crate::engine::diagnose::Evidence {
        request,
        pages,
        complete,
        fixture,
        placed,
    };
    let diagnoses = crate::engine::diagnose::listing(&evidence);
    // Without a cause, the failures are still about one query: what the
    // request filters and sorts on says which defect they show.
    let query = crate::engine::diagnose::query_shape(request);
    for check in checks.iter_mut().filter(|c| unexplained(c)) {
        check.diagnoses = diagnoses.clone();
        if diagnoses.is_empty() && check.subject.query.is_none() {
            check.subject.query = query.clone();
        }
    }
}

pub(super) fn build_request(
    request: &Request,
    vars: &BTreeMap<String, Value>,
    target: &str,
) -> HttpRequest {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), substitute_str(v, vars)))
        .collect();
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let body = match (&request.raw, &request.body) {
        (Some(raw), _) => substitute_str(raw, vars).into_bytes(),
        (None, Some(body)) => substitute_value(body, vars).to_string().into_bytes(),
        (None, None) => b"{}".to_vec(),
    };
    HttpRequest {
        method: request.method.clone(),
        url: join_url(target, &substitute_str(&request.path, vars)),
        headers,
        body,
    }
}

/// Replaces `${name}` in a string. A string that is exactly one placeholder
/// takes the captured value itself, keeping its JSON type.
fn substitute_value(v: &Value, vars: &BTreeMap<String, Value>) -> Value {
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                && let Some(value) = vars.get(name)
            {
                return value.clone();
            }
            Value::String(substitute_str(s, vars))
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute_value(x, vars)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute_value(x, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(s: &str, vars: &BTreeMap<String, Value>) -> String {
    let mut out = s.to_string();
    for (name, value) in vars {
        let text = match value {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        out = out.replace(&format!("${{{name}}}"), &text);
    }
    out
}

fn wants_throttle(expect: &Expect) -> bool {
    let codes = |e: &Expect| {
        e.status.as_ref().is_some_and(|s| s.codes().contains(&429))
            || e.error == Some(crate::model::ErrorKind::ThrottlingException)
    };
    codes(expect) || expect.any_of.iter().any(codes)
}

/// One request step. Returns whether later steps can run.
pub(super) async fn run_step(
    run: StepRun<'_>,
    vars: &mut BTreeMap<String, Value>,
    listings: &mut Listings<'_>,
    report: &mut CaseReport,
) -> bool {
    let StepRun {
        step,
        level,
        shared,
        snapshot_name,
        signed,
    } = run;
    let request = build_request(&step.request, vars, &shared.target);
    // A server that answers an empty body treats it as `{}` (OC-14), so
    // its answer is judged as the answer to `{}`.
    let request_json = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .or_else(|| {
            request
                .body
                .trim_ascii()
                .is_empty()
                .then(|| Value::Object(serde_json::Map::new()))
        });
    let mut exchange = shared
        .client
        .send_as(request, !wants_throttle(&step.expect), signed)
        .await;
    // Judged as recorded, secrets hidden: check messages, details and
    // snapshots quote the answer, and a target may echo a secret in it.
    crate::report::redact_with(&mut exchange, &shared.redact, &shared.secret_values);
    let response = match super::judged_answer(&mut exchange) {
        Some(r) => r,
        None => {
            let message = match &exchange.outcome {
                Err(e) => e.to_string(),
                Ok(_) => String::new(),
            };
            let unjudged = unsent(&exchange);
            let at = shared.record(report, exchange);
            let mut check = CheckResult::fail(CheckKind::Transport, level, message).judging(at);
            check.unjudged = unjudged;
            report.checks.push(check);
            return false;
        }
    };
    let at = shared.record(report, exchange);
    let before = report.checks.len();
    let ctx = Context {
        level,
        schemas: shared.schemas,
        request: request_json.as_ref(),
        fixture: shared.fixture.as_deref().map(Vec::as_slice),
    };
    let answer = check::Answer::new(&response);
    report
        .checks
        .extend(check::evaluate_answer(&step.expect, &ctx, &answer));
    // An info case observes a choice between answers the document allows;
    // whichever the target chose must be one of them (see `check::guard`).
    if level == Level::Info {
        let must = Context {
            level: Level::Must,
            ..ctx
        };
        report.checks.extend(check::evaluate_answer(
            &check::guard::allowed_answers(&step.request),
            &must,
            &answer,
        ));
    }
    if step.expect.snapshot {
        report.checks.push(snapshot_check(
            shared,
            snapshot_name,
            &report.file,
            &answer,
            request_json.as_ref(),
            level,
        ));
    }
    shared.coverage.note(
        request_json.as_ref(),
        Some(response.status),
        (response.status == 200).then(|| answer.value()).flatten(),
    );
    if let Some(name) = &step.name
        && response.status == 200
        && let Some(jobs) = answer.value().and_then(check::items)
    {
        listings.keep_page(name, jobs);
    }
    // Parsed for captures only if the checks have not parsed it already.
    let go_on = step.capture.is_empty() || capture(step, answer.value(), vars, level, report);
    // Everything this step judged, it judged in this one answer.
    for check in &mut report.checks[before..] {
        check.exchange = Some(at);
    }
    go_on
}

/// Applies a step's captures to `body`: the answer of a request step, or
/// the whole listing (`{"items": [...]}`) of a walk.
pub(super) fn capture(
    step: &Step,
    body: Option<&Value>,
    vars: &mut BTreeMap<String, Value>,
    level: Level,
    report: &mut CaseReport,
) -> bool {
    if step.capture.is_empty() {
        return true;
    }
    for (name, path) in &step.capture {
        let found = body.and_then(|b| {
            serde_json_path::JsonPath::parse(&path.value)
                .ok()
                // A member written as `null` counts as absent (OC-20), so
                // it is never a value to carry into the next request.
                .and_then(|q| q.query(b).all().into_iter().find(|v| !v.is_null()).cloned())
        });
        match found {
            Some(value) => {
                vars.insert(name.clone(), value);
            }
            None => {
                report.checks.push(CheckResult::fail(
                    CheckKind::Capture,
                    level,
                    format!("cannot capture `{name}`: {} selects nothing in the answer, so later steps cannot run", path.value),
                ));
                return false;
            }
        }
    }
    true
}

fn snapshot_check(
    shared: &Shared,
    name: &str,
    source: &str,
    answer: &check::Answer<'_>,
    request: Option<&Value>,
    level: Level,
) -> CheckResult {
    let response = answer.response;
    let Some(store) = &shared.snapshots else {
        return CheckResult::skip(
            CheckKind::Snapshot,
            level,
            "snapshots are not compared in this run",
        );
    };
    let body = match answer.json() {
        Ok(b) => b,
        Err(reason) => {
            return CheckResult::fail(
                CheckKind::Snapshot,
                level,
                format!("cannot snapshot: {reason}"),
            );
        }
    };
    let normalised = serde_json::json!({
        "status": response.status,
        "body": snap::normalise(body, request),
    });
    store.compare(name, source, &normalised, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_json_types() {
        let mut vars = BTreeMap::new();
        vars.insert("n".to_string(), serde_json::json!(5));
        vars.insert("t".to_string(), serde_json::json!("tok"));
        let body =
            serde_json::json!({"maxResults": "${n}", "nextToken": "${t}", "s": "a-${t}-${n}"});
        assert_eq!(
            substitute_value(&body, &vars),
            serde_json::json!({"maxResults": 5, "nextToken": "tok", "s": "a-tok-5"})
        );
    }
}
