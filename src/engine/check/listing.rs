//! Listing semantics: whether the jobs of a page or of a whole walk
//! satisfy the request's filter, sort and page size, and whether a walk
//! lists every job once.

use super::body::type_name;
use super::http::error_hint;
use super::{CheckKind, CheckResult, Context, truncate};
use crate::engine::case::{Level, Semantic};
use crate::engine::exchange::HttpResponse;
use crate::engine::oracle::{self, Query};
use crate::model::JobComparator;
use serde_json::Value;
use std::collections::HashSet;

/// The jobs of a listing answer, if it has the documented shape. Every
/// member of the answer is optional, and the AWS REST-JSON protocol reads
/// a member written as `null` as an absent one, so a JSON object without
/// `items`, or with `items: null`, is a page without jobs (open choice
/// OC-23). A server that spells every page so loses its jobs, which the
/// listing's own checks (oracle, relations, completeness) catch.
pub fn items(body: &Value) -> Option<&[Value]> {
    match body.as_object()?.get("items") {
        None | Some(Value::Null) => Some(&[]),
        Some(Value::Array(jobs)) => Some(jobs),
        Some(_) => None,
    }
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

/// "no `items` array", saying what stands there instead: a body that is
/// not a JSON object, or an `items` member of another type.
pub(super) fn no_items(body: &Value) -> String {
    match body.as_object().and_then(|o| o.get("items")) {
        Some(other) => format!("no `items` array (`items` is {})", type_name(other)),
        None => format!("no `items` array (the body is {})", type_name(body)),
    }
}

pub(super) fn semantic_checks(
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
pub(super) fn open_filter_meaning(query: &Query) -> Option<String> {
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
    let first_offender = items.iter().position(|j| !query.selects(j));
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
        .at(format!("/items/{}", first_offender.unwrap_or(0)))
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
            )
            .about(super::Subject {
                attribute: Some(attribute.as_str().to_string()),
                operator: Some(order.as_str().to_string()),
                ..super::Subject::default()
            })
            .at(format!("/items/{i}"));
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
