//! The faulty and the correct-but-different variants of the reference
//! server, shared by tests/mutants.rs (the mutation self-test) and
//! examples/variant.rs (serves one variant, e.g. for Schemathesis; see
//! scripts/schemathesis-variants.sh).
//!
//! Each variant is the reference server with one realistic defect
//! ([`Mutant`]) or one other choice where the document leaves it open
//! ([`Choice`]), made by a middleware that rewrites the request before the
//! server sees it or the answer before the client does. [`router`] builds
//! the variant's app; serving it is the includer's business, so this module
//! needs neither tests/common nor a runtime of its own.
// Included by several crates (a test, an example), each using a part.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use macie_conform::server::{self, ServerConfig};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutant {
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
    /// Name values of EQ, CONTAINS and STARTS_WITH read as regular
    /// expressions (a value that does not compile is taken literally).
    NameValuesAsPatterns,
    /// A name value with a regular-expression character answered 500, as
    /// a server that hands values to a regex engine unescaped does.
    PatternCharsAnswered500,
    /// A filter term without key, comparator or values (or with an empty
    /// values list) dropped instead of refused.
    IncompleteTermsIgnored,
    /// A request with a member set to `null` answered 500: the info case
    /// that observes OC-15 must catch it too, not record it as a choice.
    NullMembersAnswered500,
    /// A request with a member set to `null` answered 200 with no job: an
    /// accepted request's answer must be right, in info cases and in every
    /// `any_of` too.
    NullMembersListNothing,
    /// A token is a server-side cursor that moves on at each use: a token
    /// sent again continues after the page it led to the first time.
    CursorMovesOnReuse,
    /// Name values trimmed of surrounding white space before matching.
    TrimmedValues,
    /// Only the first 8 values of a term are read (a fixed-size array).
    ValueListCutShort,
    /// A filtered listing never ends: after its last page come empty pages,
    /// each with a fresh nextToken.
    EndlessEmptyTail,
    /// Pages after the first come in reverse of the asked order: the sort
    /// is applied to the first page only.
    LaterPagesUnsorted,
}

/// A server that is correct but makes other choices where the document
/// leaves them open (docs/open-choices.md). No must or should case may fail
/// against one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
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
    /// OC-1, OC-19: every page holds at most 3 jobs (with a nextToken while
    /// more follow), whatever maxResults asks: the document only bounds a
    /// page from above.
    ShortPages,
    /// OC-2: the document gives maxResults no range, so a server may refuse
    /// anything above 25 with a ValidationException.
    RejectsAbove25,
    /// OC-21: the document says nothing of what a token holds; plain base64
    /// offsets, accepted with any query, are legal.
    PlainTokens,
    /// OC-19: a filtered query scans 4 jobs per request and lists only the
    /// matches among them: pages short or empty while a token says more may
    /// follow. The document promises no page fill.
    SparsePages,
    /// OC-22: the document says nothing of how much data a server holds.
    HoldsNoJob,
    /// OC-22, with one job.
    HoldsOneJob,
    /// OC-22, with three jobs.
    HoldsThreeJobs,
    /// AWS decorates error types: `x-amzn-ErrorType: Name:http://...` and
    /// `__type: "com.amazonaws.macie2#Name"`. The document names the error,
    /// not its spelling.
    DecoratedErrorTypes,
    /// OC-13: undocumented request members refused with 400.
    UnknownMembersRefused,
    /// OC-7: GT/LT on name, CONTAINS on jobStatus and every other pair
    /// answered (by code point) instead of refused.
    EveryComparator,
    /// OC-17: date-times with six fractional digits.
    MicrosecondDates,
    /// HTTP: `Connection: close` on every answer.
    ConnectionClose,
    /// Every answer after 150 ms: a server across a network, or a slow
    /// one. The document sets no time to answer, and a steady pace is not
    /// a server that is overloaded.
    SlowAnswers,
    /// HTTP: bodies sent chunked, in several pieces.
    ChunkedBodies,
    /// HTTP: `Content-Type: application/json; charset=utf-8`.
    CharsetInContentType,
    /// OC-15: a request member set to `null` refused with 400 instead of
    /// treated as absent.
    NullsRefused,
    /// OC-20, OC-23: `null` for every optional member the answer has no
    /// value for, at every depth the contract defines (jobs, bucket
    /// criteria, pause details, error bodies), `nextToken: null` on the
    /// last page and `items: null` on a page without jobs. The AWS
    /// REST-JSON protocol reads `null` as absent.
    NullsEverywhere,
    /// OC-23: every optional member that is empty left out (as Go's
    /// `omitempty` does): no `items` on a page without jobs, no empty
    /// arrays or objects.
    EmptyMembersOmitted,
}

pub const CHOICES: &[Choice] = &[
    Choice::DatesWithOffset,
    Choice::NullsForAbsentMembers,
    Choice::HalfFilledPages,
    Choice::CappedAt50,
    Choice::RejectsAbove100,
    Choice::TiesReversed,
    Choice::OtherDefaultOrder,
    Choice::ShortPages,
    Choice::RejectsAbove25,
    Choice::PlainTokens,
    Choice::SparsePages,
    Choice::HoldsNoJob,
    Choice::HoldsOneJob,
    Choice::HoldsThreeJobs,
    Choice::DecoratedErrorTypes,
    Choice::UnknownMembersRefused,
    Choice::EveryComparator,
    Choice::MicrosecondDates,
    Choice::ConnectionClose,
    Choice::SlowAnswers,
    Choice::ChunkedBodies,
    Choice::CharsetInContentType,
    Choice::NullsRefused,
    Choice::NullsEverywhere,
    Choice::EmptyMembersOmitted,
];

impl Choice {
    /// How many jobs the variant holds, when it does not hold the fixture.
    pub fn holds(self) -> Option<usize> {
        match self {
            Choice::HoldsNoJob => Some(0),
            Choice::HoldsOneJob => Some(1),
            Choice::HoldsThreeJobs => Some(3),
            _ => None,
        }
    }

    /// Whether some info case records this choice. The others are
    /// spellings the checks read through (null members, error-type
    /// decoration, HTTP framing) or need no case of their own.
    pub fn observed_by_an_info_case(self) -> bool {
        !matches!(
            self,
            Choice::NullsForAbsentMembers
                | Choice::DecoratedErrorTypes
                | Choice::ConnectionClose
                | Choice::SlowAnswers
                | Choice::ChunkedBodies
                | Choice::CharsetInContentType
        )
    }

    /// The largest maxResults the variant accepts.
    pub fn refuses_above(self) -> Option<i64> {
        match self {
            Choice::RejectsAbove100 => Some(100),
            Choice::RejectsAbove25 => Some(25),
            _ => None,
        }
    }
}

/// What the middleware does to the reference server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Faulty(Mutant),
    Different(Choice),
}

pub const ALL: &[Mutant] = &[
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
    Mutant::NameValuesAsPatterns,
    Mutant::PatternCharsAnswered500,
    Mutant::IncompleteTermsIgnored,
    Mutant::NullMembersAnswered500,
    Mutant::NullMembersListNothing,
    Mutant::CursorMovesOnReuse,
    Mutant::TrimmedValues,
    Mutant::ValueListCutShort,
    Mutant::EndlessEmptyTail,
    Mutant::LaterPagesUnsorted,
];

/// The prefix of the tokens [`Mutant::EndlessEmptyTail`] makes up.
const TAIL_TOKEN: &str = "macie-conform-endless-tail-";

/// How many values of a term [`Mutant::ValueListCutShort`] reads.
const VALUES_READ: usize = 8;

/// Characters a regular-expression engine gives a meaning.
const PATTERN_CHARS: &[char] = &[
    '.', '(', ')', '[', ']', '*', '+', '?', '\\', '^', '$', '|', '{', '}',
];

/// The name terms (side, comparator, values) of a request whose values hold
/// pattern characters.
fn pattern_terms(body: &Value) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for side in ["includes", "excludes"] {
        for t in body
            .pointer(&format!("/filterCriteria/{side}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let comparator = t.get("comparator").and_then(Value::as_str).unwrap_or("");
            let values: Vec<String> = t
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if t.get("key").and_then(Value::as_str) == Some("name")
                && matches!(comparator, "EQ" | "CONTAINS" | "STARTS_WITH")
                && values.iter().any(|v| v.contains(PATTERN_CHARS))
            {
                out.push((side.to_string(), comparator.to_string(), values));
            }
        }
    }
    out
}

/// Whether `name` matches a term read as regular expressions.
fn matches_as_pattern(comparator: &str, values: &[String], name: &str) -> bool {
    values.iter().any(|v| {
        let anchored = match comparator {
            "EQ" => format!("^(?:{v})$"),
            "STARTS_WITH" => format!("^(?:{v})"),
            _ => v.clone(),
        };
        match regex::Regex::new(&anchored) {
            Ok(re) => re.is_match(name),
            Err(_) => match comparator {
                "EQ" => name == v,
                "STARTS_WITH" => name.starts_with(v.as_str()),
                _ => name.contains(v.as_str()),
            },
        }
    })
}

/// The middleware's state: which variant it makes, and what the paging
/// defects remember between requests.
pub struct MutantState {
    variant: Option<Variant>,
    /// For paging defects: the last job of the page each token was issued with.
    last_of_page: Mutex<HashMap<String, Value>>,
    /// For [`Mutant::CursorMovesOnReuse`]: the token each token's first use
    /// was answered with (`None`: it led to the last page).
    moved_on: Mutex<HashMap<String, Option<String>>>,
}

impl MutantState {
    /// The state for `variant` (`None`: the reference server unchanged).
    pub fn new(variant: Option<Variant>) -> Self {
        MutantState {
            variant,
            last_of_page: Mutex::new(HashMap::new()),
            moved_on: Mutex::new(HashMap::new()),
        }
    }
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
        Mutant::NameValuesAsPatterns => {
            let patterned = pattern_terms(body);
            for side in ["includes", "excludes"] {
                if let Some(terms) = body
                    .pointer_mut(&format!("/filterCriteria/{side}"))
                    .and_then(Value::as_array_mut)
                {
                    terms.retain(|t| {
                        !patterned.iter().any(|(s, c, v)| {
                            s == side
                                && t.get("comparator").and_then(Value::as_str) == Some(c)
                                && t.get("values").and_then(Value::as_array).is_some_and(|vs| {
                                    vs.iter()
                                        .filter_map(Value::as_str)
                                        .eq(v.iter().map(String::as_str))
                                })
                        })
                    });
                }
            }
        }
        Mutant::IncompleteTermsIgnored => {
            for side in ["includes", "excludes"] {
                if let Some(terms) = obj
                    .get_mut("filterCriteria")
                    .and_then(|f| f.get_mut(side))
                    .and_then(Value::as_array_mut)
                {
                    terms.retain(|t| {
                        ["key", "comparator"]
                            .iter()
                            .all(|m| t.get(m).is_some_and(|v| !v.is_null()))
                            && t.get("values")
                                .and_then(Value::as_array)
                                .is_some_and(|v| !v.is_empty())
                    });
                }
            }
        }
        Mutant::TrimmedValues => each_term(body, |t| {
            if t.get("key").and_then(Value::as_str) != Some("name") {
                return;
            }
            if let Some(values) = t.get_mut("values").and_then(Value::as_array_mut) {
                for v in values.iter_mut() {
                    if let Some(s) = v.as_str() {
                        *v = json!(s.trim());
                    }
                }
            }
        }),
        Mutant::ValueListCutShort => each_term(body, |t| {
            if let Some(values) = t.get_mut("values").and_then(Value::as_array_mut) {
                values.truncate(VALUES_READ);
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

/// Whether a request has at least one filter term.
fn has_filter_terms(body: &Value) -> bool {
    ["includes", "excludes"].iter().any(|side| {
        body.pointer(&format!("/filterCriteria/{side}"))
            .and_then(Value::as_array)
            .is_some_and(|terms| !terms.is_empty())
    })
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

/// Rewrites a successful listing. `request` is the request as the client
/// sent it.
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
        Mutant::LaterPagesUnsorted
            if request.get("nextToken").is_some_and(|t| !t.is_null())
                && request.get("sortCriteria").is_some_and(|s| !s.is_null()) =>
        {
            if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
                items.reverse();
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
        Mutant::NameValuesAsPatterns => {
            let patterned = pattern_terms(request);
            if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
                items.retain(|job| {
                    let name = job.get("name").and_then(Value::as_str).unwrap_or("");
                    patterned.iter().all(|(side, comparator, values)| {
                        matches_as_pattern(comparator, values, name) == (side == "includes")
                    })
                });
            }
        }
        Mutant::NullMembersListNothing if null_member(request).is_some() => {
            body["items"] = json!([]);
            if let Some(o) = body.as_object_mut() {
                o.remove("nextToken");
            }
        }
        Mutant::EndlessEmptyTail
            if body.get("nextToken").is_none_or(Value::is_null) && has_filter_terms(request) =>
        {
            body["nextToken"] = json!(format!("{TAIL_TOKEN}1"));
        }
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
        Choice::ShortPages => {
            let asked = obj.get("maxResults").map(Value::as_i64);
            // Out-of-range values stay as they are: they must still be refused.
            if matches!(asked, None | Some(Some(4..=2147483647))) {
                obj.insert("maxResults".into(), json!(3));
            }
        }
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

/// Rewrites every date-time member of an answer with `f` (where it gives
/// a new spelling).
fn respell_dates(v: &mut Value, f: &dyn Fn(&str) -> Option<String>) {
    match v {
        Value::Object(members) => {
            for (k, v) in members.iter_mut() {
                match v {
                    Value::String(s)
                        if ["createdAt", "jobPausedAt", "jobExpiresAt"].contains(&k.as_str()) =>
                    {
                        if let Some(new) = f(s) {
                            *s = new;
                        }
                    }
                    other => respell_dates(other, f),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| respell_dates(i, f)),
        _ => {}
    }
}

/// The contract's shapes, by name, parsed once from the embedded schemas:
/// the variants that spell optional members otherwise derive from them
/// which members are optional, at every depth.
fn shapes() -> &'static HashMap<&'static str, Value> {
    static SHAPES: std::sync::OnceLock<HashMap<&'static str, Value>> = std::sync::OnceLock::new();
    SHAPES.get_or_init(|| {
        macie_conform::schema::SCHEMA_FILES
            .iter()
            .filter_map(|(name, text)| Some((*name, serde_json::from_str(text).ok()?)))
            .collect()
    })
}

/// The shape a property definition refers to, whether directly, behind the
/// `null` alternative (`if`/`else`), or as the type of an array's elements.
fn referred_shape(definition: &Value) -> Option<&str> {
    let definition = definition.get("else").unwrap_or(definition);
    let definition = definition.get("items").unwrap_or(definition);
    definition
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_suffix(".json"))
}

/// Calls `f` on `value` (an instance of `shape`) and then on every object
/// nested in it that the contract gives a shape, with that shape's schema.
fn each_shaped(
    value: &mut Value,
    shape: &str,
    f: &dyn Fn(&mut serde_json::Map<String, Value>, &Value),
) {
    let Some(schema) = shapes().get(shape) else {
        return;
    };
    let Value::Object(members) = value else {
        return;
    };
    f(members, schema);
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, definition) in properties {
        let (Some(member), Some(inner)) = (members.get_mut(name), referred_shape(definition))
        else {
            continue;
        };
        match member {
            Value::Array(elements) => elements.iter_mut().for_each(|e| each_shaped(e, inner, f)),
            other => each_shaped(other, inner, f),
        }
    }
}

/// The members a shape's schema requires.
fn required_members(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Writes `null` for every optional member of `body` (of `shape`) that has
/// no value, at every depth.
fn nulls_for_absent(body: &mut Value, shape: &str) {
    each_shaped(body, shape, &|members, schema| {
        let required = required_members(schema);
        for name in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.keys())
        {
            if !required.contains(&name.as_str()) {
                members.entry(name.clone()).or_insert(Value::Null);
            }
        }
    });
}

/// Leaves out every optional member of `body` (of `shape`) that is empty:
/// `null`, an empty array or an empty object, innermost first.
fn omit_empty(body: &mut Value, shape: &str) {
    // Twice: leaving out an object's last member empties the object.
    for _ in 0..2 {
        each_shaped(body, shape, &|members, schema| {
            let required = required_members(schema);
            members.retain(|name, v| {
                let empty = match v {
                    Value::Null => true,
                    Value::Array(a) => a.is_empty(),
                    Value::Object(o) => o.is_empty(),
                    _ => false,
                };
                !empty || required.contains(&name.as_str())
            });
        });
    }
}

fn choose_listing(c: Choice, request: &Value, body: &mut Value) {
    match c {
        Choice::DatesWithOffset => respell_dates(body, &|s| {
            s.strip_suffix('Z').map(|utc| format!("{utc}+00:00"))
        }),
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
        Choice::NullsEverywhere => {
            nulls_for_absent(body, "ListClassificationJobsResponse");
            if body
                .get("items")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
            {
                body["items"] = Value::Null;
            }
        }
        Choice::EmptyMembersOmitted => omit_empty(body, "ListClassificationJobsResponse"),
        Choice::MicrosecondDates => respell_dates(body, &|s| {
            s.strip_suffix('Z')
                .filter(|ms| ms.len() == 23)
                .map(|ms| format!("{ms}000Z"))
        }),
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

/// A ValidationException as an independent server would word it.
fn refusal(message: &str) -> Response {
    let mut refusal = Response::new(Body::from(json!({ "message": message }).to_string()));
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
    refusal
}

/// The first request member the document does not define, at any depth.
fn undocumented_member(body: &Value) -> Option<String> {
    fn walk(v: &Value, path: &str, known: &[&str]) -> Option<String> {
        let obj = v.as_object()?;
        let stray = obj.keys().find(|k| !known.contains(&k.as_str()));
        if let Some(k) = stray {
            return Some(format!("{path}{k}"));
        }
        let nested = |member: &str, known: &[&str]| {
            obj.get(member)
                .and_then(|v| walk(v, &format!("{path}{member}."), known))
        };
        let terms = |side: &str| {
            obj.get(side)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find_map(|t| {
                    walk(
                        t,
                        &format!("{path}{side}[]."),
                        &["key", "comparator", "values"],
                    )
                })
        };
        nested("filterCriteria", &["includes", "excludes"])
            .or_else(|| nested("sortCriteria", &["attributeName", "orderBy"]))
            .or_else(|| terms("includes"))
            .or_else(|| terms("excludes"))
    }
    walk(
        body,
        "",
        &["filterCriteria", "nextToken", "maxResults", "sortCriteria"],
    )
}

/// The first request member set to `null`, at any depth.
fn null_member(body: &Value) -> Option<String> {
    fn walk(v: &Value, path: &str) -> Option<String> {
        match v {
            Value::Object(members) => members.iter().find_map(|(k, v)| {
                if v.is_null() {
                    Some(format!("{path}{k}"))
                } else {
                    walk(v, &format!("{path}{k}."))
                }
            }),
            Value::Array(items) => items.iter().find_map(|i| walk(i, path)),
            _ => None,
        }
    }
    walk(body, "")
}

/// Rewrites the request before the reference server sees it and the
/// answer before the client does, as `state`'s variant says.
pub async fn middleware(
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
    if choice == Some(Choice::SlowAnswers) {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut json_body: Option<Value> = serde_json::from_slice(&bytes).ok();
    // What a request may hold is the operation's to judge; a request with
    // another method is left to the router, which answers 405 as the
    // reference server does.
    let asks = choice.filter(|_| parts.method == axum::http::Method::POST);
    let too_large = asks.and_then(Choice::refuses_above).filter(|&limit| {
        json_body
            .as_ref()
            .and_then(|b| b.get("maxResults"))
            .and_then(Value::as_i64)
            .is_some_and(|n| n > limit)
    });
    if let Some(limit) = too_large {
        return refusal(&format!("maxResults must be between 1 and {limit}"));
    }
    if asks == Some(Choice::NullsRefused)
        && let Some(member) = json_body.as_ref().and_then(null_member)
    {
        return refusal(&format!("{member} is null; leave it out instead"));
    }
    if asks == Some(Choice::UnknownMembersRefused)
        && let Some(member) = json_body.as_ref().and_then(undocumented_member)
    {
        return refusal(&format!("{member} is not a member of this request"));
    }
    if m == Some(Mutant::NullMembersAnswered500)
        && parts.method == axum::http::Method::POST
        && json_body.as_ref().and_then(null_member).is_some()
    {
        let mut crash = Response::new(Body::from(json!({"message": "null pointer"}).to_string()));
        *crash.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        crash.headers_mut().insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static("InternalServerException"),
        );
        return crash;
    }
    if m == Some(Mutant::EndlessEmptyTail)
        && let Some(n) = json_body
            .as_ref()
            .and_then(|b| b.get("nextToken"))
            .and_then(Value::as_str)
            .and_then(|t| t.strip_prefix(TAIL_TOKEN))
            .and_then(|n| n.parse::<u64>().ok())
    {
        let mut page = Response::new(Body::from(
            json!({"items": [], "nextToken": format!("{TAIL_TOKEN}{}", n + 1)}).to_string(),
        ));
        page.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return page;
    }
    // A token used before stands for the cursor after its first answer.
    let reused = (m == Some(Mutant::CursorMovesOnReuse))
        .then(|| {
            let token = json_body.as_ref()?.get("nextToken")?.as_str()?.to_string();
            let moved = state.moved_on.lock().ok()?.get(&token).cloned()?;
            Some((token, moved))
        })
        .flatten();
    if let Some((_, None)) = &reused {
        let mut page = Response::new(Body::from(json!({"items": []}).to_string()));
        page.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return page;
    }
    if let (Some((_, Some(next))), Some(body)) = (&reused, json_body.as_mut()) {
        body["nextToken"] = json!(next);
    }
    if m == Some(Mutant::PatternCharsAnswered500)
        && json_body.as_ref().is_some_and(|b| {
            ["includes", "excludes"].iter().any(|side| {
                b.pointer(&format!("/filterCriteria/{side}"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|t| t.get("key").and_then(Value::as_str) == Some("name"))
                    .flat_map(|t| {
                        t.get("values")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                    })
                    .any(|v| v.as_str().is_some_and(|v| v.contains(PATTERN_CHARS)))
            })
        })
    {
        let mut crash = Response::new(Body::from(
            json!({"message": "regex parse error"}).to_string(),
        ));
        *crash.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        crash.headers_mut().insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static("InternalServerException"),
        );
        return crash;
    }
    // The request as the client sent it, before any defect rewrote it.
    let sent = json_body.clone();
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
    if status == StatusCode::OK
        && m == Some(Mutant::CursorMovesOnReuse)
        && reused.is_none()
        && let Some(token) = sent
            .as_ref()
            .and_then(|b| b.get("nextToken"))
            .and_then(Value::as_str)
        && let Ok(mut moved) = state.moved_on.lock()
    {
        let next = out
            .as_ref()
            .and_then(|b| b.get("nextToken"))
            .and_then(Value::as_str)
            .map(str::to_string);
        moved.entry(token.to_string()).or_insert(next);
    }
    if status == StatusCode::OK {
        let request = sent.as_ref().unwrap_or(&Value::Null);
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
    if choice == Some(Choice::DecoratedErrorTypes)
        && let Some(name) = parts
            .headers
            .get("x-amzn-ErrorType")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{name}:http://internal.amazon.com/coral/com.amazonaws.macie2/"
        )) {
            parts.headers.insert("x-amzn-ErrorType", v);
        }
        if let Some(Value::Object(o)) = out.as_mut() {
            o.insert(
                "__type".into(),
                json!(format!("com.amazonaws.macie2#{name}")),
            );
        }
    }
    // An error body is spelled the same way as a listing: its shape is the
    // error the header names.
    if status != StatusCode::OK
        && let (Some(c @ (Choice::NullsEverywhere | Choice::EmptyMembersOmitted)), Some(body)) =
            (choice, out.as_mut())
        && let Some(shape) = parts
            .headers
            .get("x-amzn-ErrorType")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string())
    {
        if c == Choice::NullsEverywhere {
            nulls_for_absent(body, &shape);
        } else {
            omit_empty(body, &shape);
        }
    }
    match choice {
        Some(Choice::ConnectionClose) => {
            parts.headers.insert(
                axum::http::header::CONNECTION,
                HeaderValue::from_static("close"),
            );
        }
        Some(Choice::CharsetInContentType) => {
            parts.headers.insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
        _ => {}
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let bytes = match out {
        Some(v) => v.to_string().into_bytes(),
        None => bytes.to_vec(),
    };
    if choice == Some(Choice::ChunkedBodies) {
        // A stream of unknown length goes out chunked; several pieces make
        // the client put the body together.
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
            bytes.chunks(64).map(|c| Ok(c.to_vec())).collect();
        return Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(pieces)));
    }
    Response::from_parts(parts, Body::from(bytes))
}

impl Mutant {
    /// A stable name: the variant's name in the source, as `{:?}` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::SortDirectionInverted => "SortDirectionInverted",
            Mutant::SortIgnored => "SortIgnored",
            Mutant::ExcludesIgnored => "ExcludesIgnored",
            Mutant::FilterIgnored => "FilterIgnored",
            Mutant::SeveralValuesJoinedWithAnd => "SeveralValuesJoinedWithAnd",
            Mutant::NeTreatedAsEq => "NeTreatedAsEq",
            Mutant::ContainsTreatedAsStartsWith => "ContainsTreatedAsStartsWith",
            Mutant::GtIncludesEqual => "GtIncludesEqual",
            Mutant::LtIncludesEqual => "LtIncludesEqual",
            Mutant::PagesOverlap => "PagesOverlap",
            Mutant::PageSkipsItem => "PageSkipsItem",
            Mutant::TokenOnLastPage => "TokenOnLastPage",
            Mutant::NextTokenIgnored => "NextTokenIgnored",
            Mutant::MaxResultsIgnored => "MaxResultsIgnored",
            Mutant::MaxResultsOffByOne => "MaxResultsOffByOne",
            Mutant::BadInputAnswered500 => "BadInputAnswered500",
            Mutant::BadInputSilentlyIgnored => "BadInputSilentlyIgnored",
            Mutant::ErrorTypeMissing => "ErrorTypeMissing",
            Mutant::ErrorBodyWithoutMessage => "ErrorBodyWithoutMessage",
            Mutant::ValidationWrongStatus => "ValidationWrongStatus",
            Mutant::DatesWithoutTimeZone => "DatesWithoutTimeZone",
            Mutant::DatesAsNumbers => "DatesAsNumbers",
            Mutant::EnumLowerCase => "EnumLowerCase",
            Mutant::EnumOutsideDocument => "EnumOutsideDocument",
            Mutant::UserPausedDetailsMissing => "UserPausedDetailsMissing",
            Mutant::UserPausedDetailsOnOtherJobs => "UserPausedDetailsOnOtherJobs",
            Mutant::BucketDefinitionAccountIdMissing => "BucketDefinitionAccountIdMissing",
            Mutant::BucketDefinitionsAndCriteria => "BucketDefinitionsAndCriteria",
            Mutant::ItemsNull => "ItemsNull",
            Mutant::ItemsAbsent => "ItemsAbsent",
            Mutant::WrongContentType => "WrongContentType",
            Mutant::ThrottlingWrongStatus => "ThrottlingWrongStatus",
            Mutant::NameWildcards => "NameWildcards",
            Mutant::CreatedAtComparedAsText => "CreatedAtComparedAsText",
            Mutant::NameValuesAsPatterns => "NameValuesAsPatterns",
            Mutant::PatternCharsAnswered500 => "PatternCharsAnswered500",
            Mutant::IncompleteTermsIgnored => "IncompleteTermsIgnored",
            Mutant::NullMembersAnswered500 => "NullMembersAnswered500",
            Mutant::NullMembersListNothing => "NullMembersListNothing",
            Mutant::CursorMovesOnReuse => "CursorMovesOnReuse",
            Mutant::TrimmedValues => "TrimmedValues",
            Mutant::ValueListCutShort => "ValueListCutShort",
            Mutant::EndlessEmptyTail => "EndlessEmptyTail",
            Mutant::LaterPagesUnsorted => "LaterPagesUnsorted",
        }
    }

    /// One line of what the defect does.
    pub fn description(self) -> &'static str {
        match self {
            Mutant::SortDirectionInverted => "sortCriteria.orderBy ASC and DESC swapped",
            Mutant::SortIgnored => "sortCriteria dropped: default order whatever was asked",
            Mutant::ExcludesIgnored => "filterCriteria.excludes dropped",
            Mutant::FilterIgnored => "filterCriteria dropped: every job listed",
            Mutant::SeveralValuesJoinedWithAnd => {
                "an EQ term with several values matches none (AND instead of OR)"
            }
            Mutant::NeTreatedAsEq => "NE answered as EQ",
            Mutant::ContainsTreatedAsStartsWith => "CONTAINS answered as STARTS_WITH",
            Mutant::GtIncludesEqual => "GT answered as GTE",
            Mutant::LtIncludesEqual => "LT answered as LTE",
            Mutant::PagesOverlap => "a page after the first repeats the previous page's last job",
            Mutant::PageSkipsItem => "a page after the first leaves out its first job",
            Mutant::TokenOnLastPage => "a nextToken on the last page",
            Mutant::NextTokenIgnored => "nextToken dropped: every page is the first",
            Mutant::MaxResultsIgnored => "maxResults dropped: default page size",
            Mutant::MaxResultsOffByOne => "pages hold maxResults + 1 jobs",
            Mutant::BadInputAnswered500 => "invalid requests answered 500 InternalServerException",
            Mutant::BadInputSilentlyIgnored => "invalid requests answered 200 with no items",
            Mutant::ErrorTypeMissing => "errors without the x-amzn-ErrorType header",
            Mutant::ErrorBodyWithoutMessage => "error bodies without message",
            Mutant::ValidationWrongStatus => "ValidationException answered 422 instead of 400",
            Mutant::DatesWithoutTimeZone => "createdAt without its Z",
            Mutant::DatesAsNumbers => "createdAt as Unix seconds",
            Mutant::EnumLowerCase => "jobType in lower case",
            Mutant::EnumOutsideDocument => "jobStatus IN_PROGRESS instead of RUNNING",
            Mutant::UserPausedDetailsMissing => "userPausedDetails left out of paused jobs",
            Mutant::UserPausedDetailsOnOtherJobs => "userPausedDetails on running jobs",
            Mutant::BucketDefinitionAccountIdMissing => "bucketDefinitions without accountId",
            Mutant::BucketDefinitionsAndCriteria => "bucketCriteria next to bucketDefinitions",
            Mutant::ItemsNull => "items is null",
            Mutant::ItemsAbsent => "items left out",
            Mutant::WrongContentType => "listings sent as text/plain",
            Mutant::ThrottlingWrongStatus => "ThrottlingException answered 503 instead of 429",
            Mutant::NameWildcards => {
                "name values of only _ and % match every name (SQL LIKE unescaped)"
            }
            Mutant::CreatedAtComparedAsText => {
                "createdAt compared as text (…:11Z read as …:11.999Z)"
            }
            Mutant::NameValuesAsPatterns => {
                "name values of EQ, CONTAINS, STARTS_WITH read as regular expressions"
            }
            Mutant::PatternCharsAnswered500 => "a name value with a regex character answered 500",
            Mutant::IncompleteTermsIgnored => {
                "filter terms without key, comparator or values dropped, not refused"
            }
            Mutant::NullMembersAnswered500 => "a request member set to null answered 500",
            Mutant::NullMembersListNothing => {
                "a request member set to null answered 200 with no job"
            }
            Mutant::CursorMovesOnReuse => {
                "a token sent again continues after the page it led to the first time"
            }
            Mutant::TrimmedValues => "name values trimmed of surrounding spaces before matching",
            Mutant::ValueListCutShort => "only the first 8 values of a filter term are read",
            Mutant::EndlessEmptyTail => {
                "a filtered listing ends in endless empty pages, each with a fresh nextToken"
            }
            Mutant::LaterPagesUnsorted => "pages after the first in reverse of the asked order",
        }
    }
}

impl Choice {
    /// A stable name: the variant's name in the source, as `{:?}` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Choice::DatesWithOffset => "DatesWithOffset",
            Choice::NullsForAbsentMembers => "NullsForAbsentMembers",
            Choice::HalfFilledPages => "HalfFilledPages",
            Choice::CappedAt50 => "CappedAt50",
            Choice::RejectsAbove100 => "RejectsAbove100",
            Choice::TiesReversed => "TiesReversed",
            Choice::OtherDefaultOrder => "OtherDefaultOrder",
            Choice::ShortPages => "ShortPages",
            Choice::RejectsAbove25 => "RejectsAbove25",
            Choice::PlainTokens => "PlainTokens",
            Choice::SparsePages => "SparsePages",
            Choice::HoldsNoJob => "HoldsNoJob",
            Choice::HoldsOneJob => "HoldsOneJob",
            Choice::HoldsThreeJobs => "HoldsThreeJobs",
            Choice::DecoratedErrorTypes => "DecoratedErrorTypes",
            Choice::UnknownMembersRefused => "UnknownMembersRefused",
            Choice::EveryComparator => "EveryComparator",
            Choice::MicrosecondDates => "MicrosecondDates",
            Choice::ConnectionClose => "ConnectionClose",
            Choice::SlowAnswers => "SlowAnswers",
            Choice::ChunkedBodies => "ChunkedBodies",
            Choice::CharsetInContentType => "CharsetInContentType",
            Choice::NullsRefused => "NullsRefused",
            Choice::NullsEverywhere => "NullsEverywhere",
            Choice::EmptyMembersOmitted => "EmptyMembersOmitted",
        }
    }

    /// One line of what the variant chooses.
    pub fn description(self) -> &'static str {
        match self {
            Choice::DatesWithOffset => "OC-17: date-times end in +00:00 instead of Z",
            Choice::NullsForAbsentMembers => {
                "OC-20: null where the reference server leaves a member out"
            }
            Choice::HalfFilledPages => "OC-19: pages hold about half of maxResults",
            Choice::CappedAt50 => "OC-2: maxResults above 50 capped at 50",
            Choice::RejectsAbove100 => "OC-2: maxResults above 100 refused (400)",
            Choice::TiesReversed => "OC-5: ties in the opposite order",
            Choice::OtherDefaultOrder => "OC-3, OC-4: default sort by name, default direction DESC",
            Choice::ShortPages => "OC-1, OC-19: at most 3 jobs a page, whatever maxResults asks",
            Choice::RejectsAbove25 => "OC-2: maxResults above 25 refused (400)",
            Choice::PlainTokens => {
                "OC-21: tokens are plain base64 offsets, accepted with any query"
            }
            Choice::SparsePages => {
                "OC-19: filtered queries scan 4 jobs a request; pages short or empty"
            }
            Choice::HoldsNoJob => "OC-22: holds no job",
            Choice::HoldsOneJob => "OC-22: holds one job of the fixture",
            Choice::HoldsThreeJobs => "OC-22: holds three jobs of the fixture",
            Choice::DecoratedErrorTypes => {
                "error types decorated as AWS does (Name:http://..., __type)"
            }
            Choice::UnknownMembersRefused => "OC-13: undocumented request members refused (400)",
            Choice::EveryComparator => "OC-7: every key and comparator pair answered, none refused",
            Choice::MicrosecondDates => "OC-17: date-times with six fractional digits",
            Choice::ConnectionClose => "HTTP: Connection: close on every answer",
            Choice::SlowAnswers => "HTTP: every answer after 150 ms",
            Choice::ChunkedBodies => "HTTP: bodies sent chunked, in several pieces",
            Choice::CharsetInContentType => "HTTP: Content-Type: application/json; charset=utf-8",
            Choice::NullsRefused => "OC-15: request members set to null refused (400)",
            Choice::NullsEverywhere => {
                "OC-20, OC-23: null for every optional member without a value, items: null on empty pages"
            }
            Choice::EmptyMembersOmitted => {
                "OC-23: empty optional members left out, items too on pages without jobs"
            }
        }
    }
}

impl Variant {
    /// Every variant: the faulty ones ([`ALL`]) then the correct ones
    /// ([`CHOICES`]).
    pub fn all() -> impl Iterator<Item = Variant> {
        ALL.iter()
            .map(|&m| Variant::Faulty(m))
            .chain(CHOICES.iter().map(|&c| Variant::Different(c)))
    }

    /// The variant's stable name ([`Mutant::name`], [`Choice::name`]).
    pub fn name(self) -> &'static str {
        match self {
            Variant::Faulty(m) => m.name(),
            Variant::Different(c) => c.name(),
        }
    }

    /// The variant named `name` (exactly as [`Variant::name`] spells it).
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::all().find(|v| v.name() == name)
    }

    /// One line of what the variant does.
    pub fn description(self) -> &'static str {
        match self {
            Variant::Faulty(m) => m.description(),
            Variant::Different(c) => c.description(),
        }
    }

    /// "faulty" or "correct".
    pub fn kind(self) -> &'static str {
        match self {
            Variant::Faulty(_) => "faulty",
            Variant::Different(_) => "correct",
        }
    }

    /// How many jobs of the canonical fixture the variant holds, when it
    /// does not hold all of them.
    pub fn holds(self) -> Option<usize> {
        match self {
            Variant::Faulty(_) => None,
            Variant::Different(c) => c.holds(),
        }
    }
}

/// Whether the server `variant` makes (`None`: the reference server) holds
/// the canonical fixture, so a run against it may claim the fixture's data.
pub fn holds_fixture(variant: Option<Variant>) -> bool {
    variant.and_then(Variant::holds).is_none()
}

/// The reference server's configuration for `variant`: the fixture (or
/// the part of it the variant holds), fault injection on, and the choices
/// the server itself makes.
pub fn config(variant: Option<Variant>) -> ServerConfig {
    let config = match variant.and_then(Variant::holds) {
        Some(n) => {
            let jobs = server::parse_jobs(server::EMBEDDED_FIXTURE, "fixture").expect("fixture");
            ServerConfig::from_jobs(jobs.into_iter().take(n).collect(), "part of the fixture")
                .expect("jobs")
        }
        None => ServerConfig::embedded().expect("fixture"),
    };
    let mut config = config.with_faults(true).with_choices(server::Choices {
        plain_tokens: variant == Some(Variant::Different(Choice::PlainTokens)),
        every_pair: variant == Some(Variant::Different(Choice::EveryComparator)),
    });
    if variant == Some(Variant::Different(Choice::SparsePages)) {
        config.store = config.store.with_scan_window(4);
    }
    config
}

/// The app of the server `variant` makes (`None`: the reference server,
/// still behind the middleware, which then passes everything through).
pub fn router(variant: Option<Variant>) -> Router {
    let state = Arc::new(MutantState::new(variant));
    server::router(config(variant)).layer(axum::middleware::from_fn_with_state(state, middleware))
}
