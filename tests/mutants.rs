//! Mutation self-test: the suite must catch faulty servers.
//!
//! Each variant is the reference server with one realistic defect, made by
//! a middleware that rewrites the request before the server sees it or the
//! answer before the client does. The whole suite runs against every
//! variant; at least one must or should case has to fail, and against the
//! unchanged server every case has to pass. The score is printed (run with
//! `--nocapture`) and recorded in the README.

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use macie_conform::report::{RunReport, Verdict};
use macie_conform::runner::http::{ClientOptions, RetryPolicy};
use macie_conform::runner::snapshot::{SnapshotMode, SnapshotStore};
use macie_conform::runner::{self, RunOptions, Selection};
use macie_conform::server::{self, ServerConfig};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutant {
    SortDirectionInverted,
    SortIgnored,
    ExcludesIgnored,
    FilterIgnored,
    SeveralValuesJoinedWithAnd,
    NeTreatedAsEq,
    ContainsTreatedAsStartsWith,
    GtIncludesEqual,
    LtIncludesEqual,
    PagesOverlap,
    PageSkipsItem,
    TokenOnLastPage,
    NextTokenIgnored,
    MaxResultsIgnored,
    MaxResultsOffByOne,
    BadInputAnswered500,
    BadInputSilentlyIgnored,
    ErrorTypeMissing,
    ErrorBodyWithoutMessage,
    ValidationWrongStatus,
    DatesWithoutTimeZone,
    DatesAsNumbers,
    EnumLowerCase,
    EnumOutsideDocument,
    UserPausedDetailsMissing,
    UserPausedDetailsOnOtherJobs,
    BucketDefinitionAccountIdMissing,
    BucketDefinitionsAndCriteria,
    ItemsNull,
    ItemsAbsent,
    WrongContentType,
    ThrottlingWrongStatus,
    NameWildcards,
    CreatedAtComparedAsText,
}

/// A server that is correct but makes other choices where the document
/// leaves them open (docs/open-choices.md). No must or should case may fail
/// against one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    /// OC-17: `+00:00` instead of `Z`.
    DatesWithOffset,
    /// OC-20, LCJ-PAGE-003: `null` where the reference server leaves a member out.
    NullsForAbsentMembers,
    /// OC-19: pages hold about half of `maxResults`.
    HalfFilledPages,
    /// OC-2: `maxResults` above 50 is capped at 50.
    CappedAt50,
    /// OC-2: `maxResults` above 100 is refused with a ValidationException.
    RejectsAbove100,
    /// OC-5: ties in the opposite order.
    TiesReversed,
    /// OC-3, OC-4: without a sort, by name descending; without a direction, DESC.
    OtherDefaultOrder,
}

const CHOICES: &[Choice] = &[
    Choice::DatesWithOffset,
    Choice::NullsForAbsentMembers,
    Choice::HalfFilledPages,
    Choice::CappedAt50,
    Choice::RejectsAbove100,
    Choice::TiesReversed,
    Choice::OtherDefaultOrder,
];

/// What the middleware does to the reference server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Faulty(Mutant),
    Different(Choice),
}

const ALL: &[Mutant] = &[
    Mutant::SortDirectionInverted,
    Mutant::SortIgnored,
    Mutant::ExcludesIgnored,
    Mutant::FilterIgnored,
    Mutant::SeveralValuesJoinedWithAnd,
    Mutant::NeTreatedAsEq,
    Mutant::ContainsTreatedAsStartsWith,
    Mutant::GtIncludesEqual,
    Mutant::LtIncludesEqual,
    Mutant::PagesOverlap,
    Mutant::PageSkipsItem,
    Mutant::TokenOnLastPage,
    Mutant::NextTokenIgnored,
    Mutant::MaxResultsIgnored,
    Mutant::MaxResultsOffByOne,
    Mutant::BadInputAnswered500,
    Mutant::BadInputSilentlyIgnored,
    Mutant::ErrorTypeMissing,
    Mutant::ErrorBodyWithoutMessage,
    Mutant::ValidationWrongStatus,
    Mutant::DatesWithoutTimeZone,
    Mutant::DatesAsNumbers,
    Mutant::EnumLowerCase,
    Mutant::EnumOutsideDocument,
    Mutant::UserPausedDetailsMissing,
    Mutant::UserPausedDetailsOnOtherJobs,
    Mutant::BucketDefinitionAccountIdMissing,
    Mutant::BucketDefinitionsAndCriteria,
    Mutant::ItemsNull,
    Mutant::ItemsAbsent,
    Mutant::WrongContentType,
    Mutant::ThrottlingWrongStatus,
    Mutant::NameWildcards,
    Mutant::CreatedAtComparedAsText,
];

struct MutantState {
    variant: Option<Variant>,
    /// For paging defects: the last job of the page each token was issued with.
    last_of_page: Mutex<HashMap<String, Value>>,
}

/// Applies `f` to every filter term of a request.
fn each_term(body: &mut Value, f: impl Fn(&mut Value)) {
    for side in ["includes", "excludes"] {
        if let Some(terms) = body
            .pointer_mut(&format!("/filterCriteria/{side}"))
            .and_then(Value::as_array_mut)
        {
            terms.iter_mut().for_each(&f);
        }
    }
}

fn rename_comparator(body: &mut Value, from: &str, to: &str) {
    each_term(body, |t| {
        if t.get("comparator").and_then(Value::as_str) == Some(from) {
            t["comparator"] = json!(to);
        }
    });
}

fn mutate_request(m: Mutant, body: &mut Value) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    match m {
        Mutant::SortDirectionInverted => {
            if let Some(order) = obj
                .get_mut("sortCriteria")
                .and_then(|s| s.get_mut("orderBy"))
            {
                *order = match order.as_str() {
                    Some("ASC") => json!("DESC"),
                    Some("DESC") => json!("ASC"),
                    _ => order.clone(),
                };
            }
        }
        Mutant::SortIgnored => {
            obj.remove("sortCriteria");
        }
        Mutant::ExcludesIgnored => {
            if let Some(fc) = obj.get_mut("filterCriteria").and_then(Value::as_object_mut) {
                fc.remove("excludes");
            }
        }
        Mutant::FilterIgnored => {
            obj.remove("filterCriteria");
        }
        Mutant::NeTreatedAsEq => rename_comparator(body, "NE", "EQ"),
        Mutant::ContainsTreatedAsStartsWith => rename_comparator(body, "CONTAINS", "STARTS_WITH"),
        Mutant::GtIncludesEqual => rename_comparator(body, "GT", "GTE"),
        Mutant::LtIncludesEqual => rename_comparator(body, "LT", "LTE"),
        Mutant::NextTokenIgnored => {
            obj.remove("nextToken");
        }
        Mutant::MaxResultsIgnored => {
            obj.remove("maxResults");
        }
        // A name filter handed to SQL LIKE unescaped: a value made only of
        // `_` and `%` then matches every non-empty name, as if the term
        // were not there.
        Mutant::NameWildcards => {
            for side in ["includes", "excludes"] {
                if let Some(terms) = obj
                    .get_mut("filterCriteria")
                    .and_then(|f| f.get_mut(side))
                    .and_then(Value::as_array_mut)
                {
                    terms.retain(|t| {
                        let wildcard_only = t.get("key").and_then(Value::as_str) == Some("name")
                            && matches!(
                                t.get("comparator").and_then(Value::as_str),
                                Some("CONTAINS" | "STARTS_WITH")
                            )
                            && t.get("values").and_then(Value::as_array).is_some_and(|v| {
                                v.iter().all(|v| {
                                    v.as_str()
                                        .is_some_and(|s| s.chars().all(|c| c == '_' || c == '%'))
                                })
                            });
                        side == "excludes" || !wildcard_only
                    });
                }
            }
        }
        // Date-times compared as text: `...:11Z` sorts after every
        // `...:11.xxxZ`, which for millisecond data is the instant `...:11.999Z`.
        Mutant::CreatedAtComparedAsText => each_term(body, |t| {
            if t.get("key").and_then(Value::as_str) != Some("createdAt") {
                return;
            }
            if let Some(values) = t.get_mut("values").and_then(Value::as_array_mut) {
                for v in values.iter_mut() {
                    if let Some(s) = v.as_str()
                        && !s.contains('.')
                        && let Some(whole) = s.strip_suffix('Z')
                    {
                        *v = json!(format!("{whole}.999Z"));
                    }
                }
            }
        }),
        Mutant::MaxResultsOffByOne => {
            if let Some(n) = obj.get("maxResults").and_then(Value::as_i64)
                && n > 0
                && n < i64::from(i32::MAX)
            {
                obj.insert("maxResults".into(), json!(n + 1));
            }
        }
        _ => {}
    }
}

/// Whether a request has an EQ term with several values (for the AND defect).
fn has_multi_value_eq(body: &Value) -> bool {
    ["includes", "excludes"].iter().any(|side| {
        body.pointer(&format!("/filterCriteria/{side}"))
            .and_then(Value::as_array)
            .is_some_and(|terms| {
                terms.iter().any(|t| {
                    t.get("comparator").and_then(Value::as_str) == Some("EQ")
                        && t.get("values")
                            .and_then(Value::as_array)
                            .is_some_and(|v| v.len() > 1)
                })
            })
    })
}

fn each_job(body: &mut Value, f: impl Fn(&mut serde_json::Map<String, Value>)) {
    if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
        for job in items.iter_mut().filter_map(Value::as_object_mut) {
            f(job);
        }
    }
}

/// Rewrites a successful listing. `request` is the (possibly mutated) request.
fn mutate_listing(m: Mutant, state: &MutantState, request: &Value, body: &mut Value) {
    match m {
        Mutant::SeveralValuesJoinedWithAnd if has_multi_value_eq(request) => {
            // Equality with two different values at once never holds.
            let included = request
                .pointer("/filterCriteria/includes")
                .and_then(Value::as_array)
                .is_some_and(|t| {
                    t.iter().any(|t| {
                        t.get("values")
                            .and_then(Value::as_array)
                            .is_some_and(|v| v.len() > 1)
                    })
                });
            if included {
                body["items"] = json!([]);
                if let Some(o) = body.as_object_mut() {
                    o.remove("nextToken");
                }
            }
        }
        Mutant::PagesOverlap | Mutant::PageSkipsItem => {
            let token_in = request
                .get("nextToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            let items = body.get_mut("items").and_then(Value::as_array_mut);
            if let (Some(token), Some(items)) = (token_in, items) {
                let previous = state
                    .last_of_page
                    .lock()
                    .ok()
                    .and_then(|m| m.get(&token).cloned());
                if m == Mutant::PagesOverlap {
                    if let Some(prev) = previous {
                        items.insert(0, prev);
                        items.pop();
                    }
                } else if !items.is_empty() {
                    items.remove(0);
                }
            }
            let token_out = body
                .get("nextToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            let last = body
                .get("items")
                .and_then(Value::as_array)
                .and_then(|i| i.last().cloned());
            if let (Some(token), Some(last), Ok(mut map)) =
                (token_out, last, state.last_of_page.lock())
            {
                map.insert(token, last);
            }
        }
        Mutant::TokenOnLastPage if body.get("nextToken").is_none() => {
            body["nextToken"] = json!("bogus-token-after-the-last-page");
        }
        Mutant::DatesWithoutTimeZone => each_job(body, |j| {
            if let Some(Value::String(s)) = j.get_mut("createdAt") {
                *s = s.trim_end_matches('Z').to_string();
            }
        }),
        Mutant::DatesAsNumbers => each_job(body, |j| {
            if let Some(s) = j.get("createdAt").and_then(Value::as_str) {
                let t =
                    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339);
                j.insert(
                    "createdAt".into(),
                    json!(t.map(|t| t.unix_timestamp()).unwrap_or(0)),
                );
            }
        }),
        Mutant::EnumLowerCase => each_job(body, |j| {
            if let Some(Value::String(s)) = j.get_mut("jobType") {
                *s = s.to_lowercase();
            }
        }),
        Mutant::EnumOutsideDocument => each_job(body, |j| {
            if j.get("jobStatus").and_then(Value::as_str) == Some("RUNNING") {
                j.insert("jobStatus".into(), json!("IN_PROGRESS"));
            }
        }),
        Mutant::UserPausedDetailsMissing => each_job(body, |j| {
            j.remove("userPausedDetails");
        }),
        Mutant::UserPausedDetailsOnOtherJobs => each_job(body, |j| {
            if j.get("jobStatus").and_then(Value::as_str) == Some("RUNNING") {
                j.insert(
                    "userPausedDetails".into(),
                    json!({"jobPausedAt": "2024-02-01T00:00:00.000Z"}),
                );
            }
        }),
        Mutant::BucketDefinitionAccountIdMissing => each_job(body, |j| {
            if let Some(defs) = j.get_mut("bucketDefinitions").and_then(Value::as_array_mut) {
                for d in defs.iter_mut().filter_map(Value::as_object_mut) {
                    d.remove("accountId");
                }
            }
        }),
        Mutant::BucketDefinitionsAndCriteria => each_job(body, |j| {
            if j.contains_key("bucketDefinitions") {
                j.insert("bucketCriteria".into(), json!({}));
            }
        }),
        Mutant::ItemsNull => body["items"] = Value::Null,
        Mutant::ItemsAbsent => {
            if let Some(o) = body.as_object_mut() {
                o.remove("items");
            }
        }
        _ => {}
    }
}

fn choose_request(c: Choice, body: &mut Value) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    match c {
        Choice::HalfFilledPages | Choice::CappedAt50 => {
            // Out-of-range values stay as they are: they must still be refused.
            if let Some(n) = obj.get("maxResults").and_then(Value::as_i64)
                && n > 1
                && n <= i64::from(i32::MAX)
            {
                let fewer = if c == Choice::HalfFilledPages {
                    n / 2 + n % 2
                } else {
                    n.min(50)
                };
                obj.insert("maxResults".into(), json!(fewer));
            }
        }
        Choice::OtherDefaultOrder => {
            let sort = obj
                .entry("sortCriteria")
                .or_insert_with(|| json!({"attributeName": "name", "orderBy": "DESC"}));
            if let Some(sort) = sort.as_object_mut() {
                sort.entry("attributeName").or_insert(json!("name"));
                sort.entry("orderBy").or_insert(json!("DESC"));
            }
        }
        _ => {}
    }
}

fn choose_listing(c: Choice, request: &Value, body: &mut Value) {
    match c {
        Choice::DatesWithOffset => {
            fn respell(v: &mut Value) {
                match v {
                    Value::Object(members) => {
                        for (k, v) in members.iter_mut() {
                            match v {
                                Value::String(s)
                                    if ["createdAt", "jobPausedAt", "jobExpiresAt"]
                                        .contains(&k.as_str()) =>
                                {
                                    if let Some(utc) = s.strip_suffix('Z') {
                                        *s = format!("{utc}+00:00");
                                    }
                                }
                                other => respell(other),
                            }
                        }
                    }
                    Value::Array(items) => items.iter_mut().for_each(respell),
                    _ => {}
                }
            }
            respell(body);
        }
        Choice::NullsForAbsentMembers => {
            if let Some(o) = body.as_object_mut() {
                o.entry("nextToken").or_insert(Value::Null);
            }
            each_job(body, |j| {
                if let Some(details) = j
                    .get_mut("userPausedDetails")
                    .and_then(Value::as_object_mut)
                {
                    details
                        .entry("jobImminentExpirationHealthEventArn")
                        .or_insert(Value::Null);
                }
            });
        }
        Choice::TiesReversed => {
            let Some(attribute) = request
                .pointer("/sortCriteria/attributeName")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return;
            };
            if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
                for group in items.chunk_by_mut(|a, b| a.get(&attribute) == b.get(&attribute)) {
                    group.reverse();
                }
            }
        }
        _ => {}
    }
}

async fn middleware(
    State(state): State<Arc<MutantState>>,
    request: Request,
    next: Next,
) -> Response {
    let m = match state.variant {
        None => return next.run(request).await,
        Some(Variant::Faulty(m)) => Some(m),
        Some(Variant::Different(_)) => None,
    };
    let choice = match state.variant {
        Some(Variant::Different(c)) => Some(c),
        _ => None,
    };
    let (mut parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut json_body: Option<Value> = serde_json::from_slice(&bytes).ok();
    if choice == Some(Choice::RejectsAbove100)
        && json_body
            .as_ref()
            .and_then(|b| b.get("maxResults"))
            .and_then(Value::as_i64)
            .is_some_and(|n| n > 100)
    {
        let mut refusal = Response::new(Body::from(
            json!({"message": "maxResults must be between 1 and 100"}).to_string(),
        ));
        *refusal.status_mut() = StatusCode::BAD_REQUEST;
        let headers = refusal.headers_mut();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static("ValidationException"),
        );
        return refusal;
    }
    let forwarded = match json_body.as_mut() {
        Some(v) => {
            if let Some(m) = m {
                mutate_request(m, v);
            }
            if let Some(c) = choice {
                choose_request(c, v);
            }
            v.to_string().into_bytes()
        }
        None => bytes.to_vec(),
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let response = next
        .run(Request::from_parts(parts, Body::from(forwarded)))
        .await;

    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut out: Option<Value> = serde_json::from_slice(&bytes).ok();
    let status = parts.status;
    if status == StatusCode::OK {
        let request = json_body.as_ref().unwrap_or(&Value::Null);
        if let Some(b) = out.as_mut() {
            if let Some(m) = m {
                mutate_listing(m, &state, request, b);
            }
            if let Some(c) = choice {
                choose_listing(c, request, b);
            }
        }
        if m == Some(Mutant::WrongContentType) {
            parts.headers.insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain"),
            );
        }
    } else if let Some(m) = m {
        match m {
            Mutant::BadInputAnswered500 if status == StatusCode::BAD_REQUEST => {
                parts.status = StatusCode::INTERNAL_SERVER_ERROR;
                parts.headers.insert(
                    "x-amzn-ErrorType",
                    HeaderValue::from_static("InternalServerException"),
                );
            }
            Mutant::BadInputSilentlyIgnored if status == StatusCode::BAD_REQUEST => {
                parts.status = StatusCode::OK;
                parts.headers.remove("x-amzn-ErrorType");
                out = Some(json!({"items": []}));
            }
            Mutant::ValidationWrongStatus if status == StatusCode::BAD_REQUEST => {
                parts.status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Mutant::ThrottlingWrongStatus if status == StatusCode::TOO_MANY_REQUESTS => {
                parts.status = StatusCode::SERVICE_UNAVAILABLE;
            }
            Mutant::ErrorTypeMissing => {
                parts.headers.remove("x-amzn-ErrorType");
            }
            Mutant::ErrorBodyWithoutMessage => out = Some(json!({})),
            _ => {}
        }
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let bytes = match out {
        Some(v) => v.to_string().into_bytes(),
        None => bytes.to_vec(),
    };
    Response::from_parts(parts, Body::from(bytes))
}

async fn serve_variant(variant: Option<Variant>) -> (String, tokio::task::JoinHandle<()>) {
    let config = ServerConfig::embedded().expect("fixture").with_faults(true);
    let state = Arc::new(MutantState {
        variant,
        last_of_page: Mutex::new(HashMap::new()),
    });
    let app: Router =
        server::router(config).layer(axum::middleware::from_fn_with_state(state, middleware));
    common::serve(app).await
}

async fn run_suite(url: String) -> RunReport {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = runner::load_suite(&root.join("cases")).expect("suite loads");
    let options = RunOptions {
        target: url,
        client: ClientOptions {
            timeout: Duration::from_secs(10),
            retry: RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            },
            ..ClientOptions::default()
        },
        concurrency: 8,
        fixture: Some(Arc::new(runner::embedded_fixture())),
        faults: true,
        snapshots: Some(SnapshotStore::new(
            root.join("snapshots"),
            SnapshotMode::Check,
        )),
        redact: Vec::new(),
    };
    runner::run(&suite, &Selection::default(), options, |_| {})
        .await
        .expect("run starts")
}

/// Each failed case as "id: what failed".
fn failures(report: &RunReport) -> Vec<String> {
    report
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| {
            let why: Vec<&str> = c.failed_checks().map(|k| k.message.as_str()).collect();
            format!("{}: {}", c.id, why.join("; "))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_catches_every_faulty_variant_and_passes_the_correct_server() {
    let (url, task) = serve_variant(None).await;
    let clean = run_suite(url).await;
    task.abort();
    let false_failures = failures(&clean);
    assert!(
        false_failures.is_empty(),
        "the correct server fails cases:\n{}",
        false_failures.join("\n")
    );

    let mut missed = Vec::new();
    for &mutant in ALL {
        let (url, task) = serve_variant(Some(Variant::Faulty(mutant))).await;
        let report = run_suite(url).await;
        task.abort();
        // A deliberately faulty server's report, for looking at the HTML
        // report in a browser (see the README).
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
        }
    }
    println!(
        "mutation score: {}/{} caught",
        ALL.len() - missed.len(),
        ALL.len()
    );
    assert!(
        missed.is_empty(),
        "variants no case catches: {}",
        missed.join(", ")
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
        let report = run_suite(url).await;
        task.abort();
        let failed: Vec<String> = failures(&report)
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
        if observed == 0 && !matches!(choice, Choice::NullsForAbsentMembers) {
            wrong.push(format!("{choice:?}: no info case noticed the other choice"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
