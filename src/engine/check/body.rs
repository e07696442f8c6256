//! Body checks: the JSON schema for the answer's status, JSONPath
//! assertions, and comparison with an expected body or subset of one.

use super::{CheckKind, CheckResult, truncate};
use crate::engine::case::{Expect, Level, NodeCheck, PathAssertion};
use crate::engine::diff;
use crate::engine::exchange::HttpResponse;
use crate::model::ErrorKind;
use crate::schema::SchemaSet;
use serde_json::Value;
use std::borrow::Cow;

/// The schema an answer is checked against: the one named, else the one the
/// document gives its status.
pub(super) fn schema_for(expect: &Expect, status: u16) -> Option<String> {
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

pub(super) fn schema_checks(
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
        let about = violation_subject(&broken[0]);
        let diagnosis = violation_diagnosis(&broken[0], body);
        let found = body.pointer(&broken[0].instance_path).cloned();
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
        out.push(
            check
                .about(about)
                .expecting(None, found)
                .at(broken[0].instance_path.clone())
                .diagnosed(diagnosis),
        );
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

/// A JSON Pointer with its array positions as `*`: the same member of any
/// job.
pub(super) fn masked_pointer(p: &str) -> String {
    if p.is_empty() {
        return "/".into();
    }
    p.split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a schema violation is about: the member (positions masked) and
/// the keyword it broke; for a missing member, the member itself.
fn violation_subject(v: &crate::schema::Violation) -> super::Subject {
    let member = match &v.missing {
        Some(name) => format!(
            "{}/{name}",
            masked_pointer(&v.instance_path).trim_end_matches('/')
        ),
        None => masked_pointer(&v.instance_path),
    };
    super::Subject {
        member: Some(member),
        rule: Some(v.keyword.clone()),
        ..Default::default()
    }
}

/// The likely cause of a schema violation (see
/// [`crate::engine::diagnose::violation`]).
fn violation_diagnosis(
    v: &crate::schema::Violation,
    body: &Value,
) -> Option<crate::engine::diagnose::Diagnosis> {
    crate::engine::diagnose::violation(
        &v.keyword,
        &v.instance_path,
        v.missing.as_deref(),
        body.pointer(&v.instance_path),
        v.expected_type.as_deref(),
    )
}

fn pointer(p: &str) -> String {
    if p.is_empty() { "/".into() } else { p.into() }
}

/// The body equals `expected`; a failure carries the diff.
pub(super) fn body_equals_check(expected: &Value, body: &Value, level: Level) -> CheckResult {
    let check = CheckResult::holds(
        CheckKind::Body,
        level,
        expected == body,
        "body equals the expected JSON".into(),
        "body differs from the expected JSON".into(),
    );
    if check.failed() {
        check.with_detail(diff::json_diff(expected, body))
    } else {
        check
    }
}

/// The body holds the members of `subset` (see [`is_subset`]); a failure
/// carries the diff of the members the subset names.
pub(super) fn body_subset_check(subset: &Value, body: &Value, level: Level) -> CheckResult {
    let ok = is_subset(subset, body);
    let check = CheckResult::holds(
        CheckKind::Body,
        level,
        ok,
        "body contains the expected members".into(),
        "body lacks or changes members the case expects".into(),
    );
    if ok {
        check
    } else {
        check.with_detail(diff::json_diff(subset, &project(subset, body)))
    }
}

/// Judges JSONPath assertions on one document (an answer, or the whole
/// listing of a walk).
/// The assertions of a walk, on its whole listing (`{"items": [...]}`),
/// read as [`as_read`] says.
pub fn jsonpath_checks(
    assertions: &[PathAssertion],
    body: &Value,
    level: Level,
) -> Vec<CheckResult> {
    if assertions.is_empty() {
        return Vec::new();
    }
    let read = as_read(body, true);
    assertions
        .iter()
        .map(|a| jsonpath_check(a, &read, level))
        .collect()
}

/// The answer as its assertions read it. Every member of every answer
/// shape the document defines is optional but a bucket definition's two,
/// and the AWS REST-JSON protocol reads a member written as `null` as an
/// absent one, so `null` members are left out (OC-20): an assertion that a
/// member is absent holds for `null`, and one that needs it fails alike.
/// A listing (`listing`: a 200 answer, or a walk's jobs) without `items`
/// or with `items: null` is a listing of no job (OC-23).
pub fn as_read(body: &Value, listing: bool) -> Cow<'_, Value> {
    fn has_null_member(v: &Value) -> bool {
        match v {
            Value::Object(o) => o.values().any(|v| v.is_null() || has_null_member(v)),
            Value::Array(a) => a.iter().any(has_null_member),
            _ => false,
        }
    }
    fn without_nulls(v: &Value) -> Value {
        match v {
            Value::Object(o) => Value::Object(
                o.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), without_nulls(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
            other => other.clone(),
        }
    }
    let lacks_items = listing
        && body
            .as_object()
            .is_some_and(|o| o.get("items").is_none_or(Value::is_null));
    if !lacks_items && !has_null_member(body) {
        return Cow::Borrowed(body);
    }
    let mut read = without_nulls(body);
    if lacks_items && let Some(o) = read.as_object_mut() {
        o.insert("items".into(), Value::Array(Vec::new()));
    }
    Cow::Owned(read)
}

pub(super) fn jsonpath_check(assertion: &PathAssertion, body: &Value, level: Level) -> CheckResult {
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

pub(super) fn type_name(v: &Value) -> &'static str {
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

pub(super) fn body_excerpt(response: &HttpResponse) -> String {
    let text = String::from_utf8_lossy(&response.body);
    format!(
        "status {}, Content-Type {:?}, {} byte(s):\n{}",
        response.status,
        response.header("content-type").unwrap_or("(none)"),
        response.body.len(),
        truncate(&text, 400)
    )
}
