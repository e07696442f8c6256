//! The oracle comparison: a listing (a first page, or a whole walk) against
//! the answer the fixture calls for, computed by [`crate::engine::oracle`].

use super::listing::{items, no_items, open_filter_meaning};
use super::{CheckKind, CheckResult, Context};
use crate::engine::case::Level;
use crate::engine::diff;
use crate::engine::oracle::{self, Query};
use serde_json::Value;
use std::collections::HashSet;

/// Checks one page (the first: the request carries no nextToken) against
/// the fixture.
pub(super) fn oracle_page_check(ctx: &Context<'_>, body: &Value, level: Level) -> CheckResult {
    let (Some(_), Some(request)) = (ctx.fixture, ctx.request) else {
        return CheckResult::skip(
            CheckKind::Oracle,
            level,
            "the target is not declared to hold the canonical data set",
        );
    };
    let Some(items) = items(body) else {
        return CheckResult::fail(
            CheckKind::Oracle,
            level,
            format!("the answer has {}", no_items(body)),
        );
    };
    if request.get("nextToken").is_some_and(|t| !t.is_null()) {
        return later_page_check(ctx, items, level);
    }
    let complete = body.get("nextToken").is_none_or(Value::is_null);
    oracle_check(ctx, items, complete, level)
}

/// The fixture and the request's query, when the oracle can judge the
/// answer; otherwise the skip that says why not (no fixture, a request it
/// cannot read, or a meaning the document leaves open).
/// The skip is boxed: a check result is large next to the query.
fn judged_query<'a>(
    ctx: &Context<'a>,
    level: Level,
) -> Result<(&'a [Value], Query), Box<CheckResult>> {
    let (Some(fixture), Some(request)) = (ctx.fixture, ctx.request) else {
        return Err(Box::new(CheckResult::skip(
            CheckKind::Oracle,
            level,
            "the target is not declared to hold the canonical data set",
        )));
    };
    let query = Query::from_request(request)
        .map_err(|e| Box::new(CheckResult::skip(CheckKind::Oracle, level, e.to_string())))?;
    if let Some(open) = open_filter_meaning(&query) {
        return Err(Box::new(CheckResult::skip(CheckKind::Oracle, level, open)));
    }
    Ok((fixture, query))
}

/// A page after the first cannot be placed without the earlier pages, but
/// whatever its place, it lists only jobs the query selects, each once and
/// as the data set has them.
fn later_page_check(ctx: &Context<'_>, items: &[Value], level: Level) -> CheckResult {
    let (fixture, query) = match judged_query(ctx, level) {
        Ok(judged) => judged,
        Err(skip) => return *skip,
    };
    let id = |j: &Value| j.get("jobId").and_then(Value::as_str).map(str::to_string);
    let selected: std::collections::HashMap<Option<String>, &Value> = query
        .expected(fixture)
        .into_iter()
        .flatten()
        .map(|j| (id(j), j))
        .collect();
    let mut seen = HashSet::new();
    for (position, item) in items.iter().enumerate() {
        let key = id(item);
        let problem = match selected.get(&key) {
            None => Some("is not a job the request selects in the fixture".to_string()),
            Some(_) if !seen.insert(key.clone()) => Some("is listed twice".to_string()),
            Some(want) if oracle::canonical(want) != oracle::canonical(item) => {
                Some("differs from the fixture".to_string())
            }
            Some(_) => None,
        };
        if let Some(problem) = problem {
            return CheckResult::fail(
                CheckKind::Oracle,
                level,
                format!(
                    "position {position}: job {} {problem} (a page after the first)",
                    key.as_deref().unwrap_or("without jobId")
                ),
            );
        }
    }
    CheckResult::pass(
        CheckKind::Oracle,
        level,
        format!(
            "the {} job(s) of this later page are jobs the fixture selects for the request",
            items.len()
        ),
    )
}

/// Compares a listing (a first page, or every page of a walk) with the
/// fixture's answer. `complete` says the listing has no further pages.
pub fn oracle_check(
    ctx: &Context<'_>,
    items: &[Value],
    complete: bool,
    level: Level,
) -> CheckResult {
    let (fixture, query) = match judged_query(ctx, level) {
        Ok(judged) => judged,
        Err(skip) => return *skip,
    };
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
fn only_order_differs(groups: &[Vec<&Value>], items: &[Value], complete: bool) -> bool {
    let id = |j: &Value| j.get("jobId").and_then(Value::as_str).map(str::to_string);
    let expected: std::collections::HashMap<Option<String>, &Value> =
        groups.iter().flatten().map(|&j| (id(j), j)).collect();
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
fn in_server_tie_order<'a>(groups: &[Vec<&'a Value>], items: &[Value]) -> Vec<&'a Value> {
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
            let mut members: Vec<&Value> = group.clone();
            // Stable, so unlisted members keep the fixture's order.
            members.sort_by_key(|job| position(job));
            members
        })
        .collect()
}

/// The first listed job whose content differs from the fixture's job of
/// the same id, as (fixture, listed).
fn altered_job<'a>(
    groups: &[Vec<&'a Value>],
    items: &'a [Value],
) -> Option<(&'a Value, &'a Value)> {
    let id = |j: &Value| j.get("jobId").cloned();
    items.iter().find_map(|got| {
        groups
            .iter()
            .flatten()
            .copied()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ties_are_shown_in_the_servers_order_and_only_ties() {
        let j = |id: &str| json!({"jobId": id});
        let jobs = [j("a"), j("b"), j("c"), j("d"), j("e")];
        let groups = vec![vec![&jobs[0], &jobs[1], &jobs[2]], vec![&jobs[3], &jobs[4]]];
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
