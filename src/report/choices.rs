//! The choices a target made where the document leaves them open.
//!
//! Each info case observes an open choice: its requirements name the
//! choice (`section: OC-n` in the catalogue) and say what is chosen (the
//! requirement's statement). What the target did is read from the case's
//! answers as typed data, an [`Observed`], by the reader of that choice
//! ([`observe`]); [`Observed::words`] says it in plain words for every
//! renderer. Every choice is listed whether or not it is the reference
//! server's: a vendor sees what their own server chose.
//!
//! One choice is read from the whole run rather than one case: the page
//! sizes a target honours (OC-2) show in every request that sends
//! `maxResults`, so its range is the largest value honoured and the
//! smallest refused among all of them.

use super::{CaseReport, RunReport};
use crate::engine::case::Level;
use crate::engine::check::{Outcome, error_signals, items};
use crate::engine::exchange::{Exchange, HttpResponse};
use crate::model::{ListJobsSortAttributeName, OrderBy};
use serde::Serialize;
use serde_json::Value;
use std::cmp::Ordering;

mod order;
mod words;
use order::*;

/// One open choice and what the target made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The open choice's id in `docs/open-choices.md` (`OC-1`).
    pub choice: String,
    /// The requirement that names it (`LCJ-OPEN-001`).
    pub requirement: String,
    /// What is chosen, in words (the requirement's statement).
    pub question: String,
    /// The info case that observed it.
    pub case: String,
    /// What the target did, as data.
    pub observed: Observed,
    /// Whether the target chose as the reference server does: the case's
    /// own expectation (the reference server's choice) held.
    pub as_reference: bool,
    /// What the target did, in words ([`Observed::words`]).
    pub answer: String,
}

/// A sort attribute and direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SortKey {
    pub attribute: String,
    pub direction: OrderBy,
}

/// How names were ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Collation {
    /// By Unicode code point: upper case before lower case.
    CodePoint,
    /// Ignoring case.
    CaseInsensitive,
    /// Code point and case-insensitive order agree on these names.
    Either,
    /// Neither.
    Other,
}

/// How a listing without jobs spelled its `items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Spelling {
    EmptyArray,
    Null,
    LeftOut,
}

/// What the target did, as data: renderers word it with [`Observed::words`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observed {
    /// No answer came (see the case's transport failure).
    NoAnswer,
    /// A client error, naming the error it gave when it named one.
    Refused {
        status: u16,
        error: Option<String>,
        /// What was asked, in the terms of the choice.
        asked: Asked,
    },
    /// The request was accepted: `jobs` listed over `pages` page(s),
    /// `more` when the last page still carried a `nextToken`.
    Accepted {
        asked: Asked,
        jobs: usize,
        pages: usize,
        more: bool,
    },
    /// An answer that is neither a listing nor a client error.
    Answered { status: u16, asked: Asked },
    /// OC-1: a page without `maxResults`.
    DefaultPageSize { jobs: usize, more: bool },
    /// OC-2, across the run: the largest `maxResults` honoured in full,
    /// the smallest refused (with the error), and the most jobs a page held
    /// when more were asked and more followed.
    PageSizes {
        honoured: Option<u64>,
        refused: Option<u64>,
        error: Option<String>,
        capped: Option<usize>,
    },
    /// OC-3, OC-4: the order the listing came in; `None` when no documented
    /// attribute (nor `jobId`) orders it.
    Order { by: Option<SortKey> },
    /// OC-5: the order among jobs that tie on `attribute`.
    Ties {
        attribute: String,
        by: Option<SortKey>,
    },
    /// OC-6: how names were ordered.
    Collation { collation: Collation },
    /// OC-8: several values in one NE term; `none_of` when no listed job
    /// holds any of the values.
    NeSeveral { key: String, none_of: bool },
    /// OC-17: how the first date-time was written.
    Dates {
        example: String,
        offset: String,
        fraction_digits: usize,
    },
    /// OC-18: `USER_PAUSED` jobs that carry `userPausedDetails`.
    PauseDetails { with: usize, of: usize },
    /// OC-19: a page's fill.
    PageFill {
        asked: Option<u64>,
        jobs: usize,
        more: bool,
    },
    /// OC-22: jobs listed by a whole walk; `complete` when it reached the end.
    DataSize { jobs: usize, complete: bool },
    /// OC-23: how a listing without jobs was written.
    EmptyListing {
        items: Spelling,
        next_token: Option<Spelling>,
    },
}

/// What an info case asked, in the terms of its choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "asked", rename_all = "snake_case")]
pub enum Asked {
    /// A plain listing request.
    Listing,
    /// A filter pair (OC-7).
    Pair { key: String, comparator: String },
    /// A filter value no job can hold (OC-9).
    Value { key: String, value: String },
    /// A `createdAt` bound with another offset than `Z` (OC-10).
    OtherOffset { value: String },
    /// A token sent with other criteria than it was issued for (OC-11).
    TokenOtherQuery,
    /// An undocumented request member (OC-13).
    UndocumentedMember,
    /// An empty body (OC-14).
    EmptyBody,
    /// Members set to `null` (OC-15).
    NullMembers,
    /// Another method than POST on the operation's path (OC-16).
    WrongMethod { method: String },
    /// A token the target never issued (OC-21).
    ForeignToken,
}

/// Every open choice the run observed, by choice number, then in the
/// catalogue's order and by case.
pub fn made(report: &RunReport) -> Vec<Choice> {
    let mut out = Vec::new();
    for requirement in &report.requirements {
        if !requirement.section.starts_with("OC-") {
            continue;
        }
        for case in report
            .cases
            .iter()
            .filter(|c| c.level == Level::Info && c.ran())
            .filter(|c| c.requirements.iter().any(|r| r == &requirement.id))
        {
            let observed = observe(report, &requirement.section, case);
            out.push(Choice {
                choice: requirement.section.clone(),
                requirement: requirement.id.clone(),
                question: requirement.statement.trim_end_matches('.').to_string(),
                case: case.id.clone(),
                answer: observed.words(),
                observed,
                as_reference: as_reference(case),
            });
        }
    }
    out.sort_by_key(|c| number(&c.choice));
    out
}

/// The number of `OC-n`, so OC-10 sorts after OC-9.
fn number(choice: &str) -> u32 {
    choice.trim_start_matches("OC-").parse().unwrap_or(u32::MAX)
}

impl Observed {
    /// Whether the observation settles the choice; one that does not (names
    /// that sort alike either way) is worth less than one that does.
    pub fn settles(&self) -> bool {
        !matches!(
            self,
            Observed::Collation {
                collation: Collation::Either
            }
        )
    }
}

impl Choice {
    /// How the reference server chose, in a table cell: "the same", or
    /// "chooses otherwise".
    pub fn reference(&self) -> &'static str {
        if self.as_reference {
            "the same"
        } else {
            "chooses otherwise"
        }
    }
}

/// Whether the case is an info case that observes an open choice of the
/// catalogue: [`made`] says what it saw, so it is not listed again among
/// other observations.
pub fn observes_a_choice(report: &RunReport, case: &CaseReport) -> bool {
    case.level == Level::Info
        && report
            .requirements
            .iter()
            .any(|r| r.section.starts_with("OC-") && case.requirements.iter().any(|id| id == &r.id))
}

/// An info-level check outside the catalogue's choices, said as what the
/// target did rather than as a failure: `status: the target answered 200
/// (the case expects 204)`, from the check's typed values when it has
/// them.
pub fn observation(check: &crate::engine::check::CheckResult) -> String {
    match (&check.expected, &check.found) {
        (Some(expected), Some(found)) => format!(
            "{}: the target answered {} (the case expects {})",
            check.kind.as_str(),
            compact(found),
            compact(expected)
        ),
        _ => format!("{}: {}", check.kind.as_str(), check.message),
    }
}

/// A value in a few characters: strings bare, lists as `a or b`.
fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(compact).collect::<Vec<_>>().join(" or "),
        other => other.to_string(),
    }
}

/// Whether every info-level check of the case held: the case expects the
/// reference server's choice.
fn as_reference(case: &CaseReport) -> bool {
    !case
        .checks
        .iter()
        .any(|c| c.level == Level::Info && c.outcome == Outcome::Fail)
}

/// What the case's last step got: the exchanges of that step, in order.
fn last_step(case: &CaseReport) -> Vec<&Exchange> {
    let step = case.exchanges.iter().map(|e| e.step).max().unwrap_or(0);
    case.exchanges.iter().filter(|e| e.step == step).collect()
}

/// A walk's pages read as one listing.
struct Listing {
    jobs: Vec<Value>,
    pages: usize,
    more: bool,
    /// The first page's body.
    first: Option<Value>,
}

/// How the step's answers read: a listing, a refusal, another answer, or
/// no answer at all.
enum Read {
    Listing(Listing),
    Refused { status: u16, error: Option<String> },
    Other { status: u16 },
    NoAnswer,
}

fn read(exchanges: &[&Exchange]) -> Read {
    let mut listing = Listing {
        jobs: Vec::new(),
        pages: 0,
        more: false,
        first: None,
    };
    for exchange in exchanges {
        let Ok(response) = &exchange.outcome else {
            return if listing.pages == 0 {
                Read::NoAnswer
            } else {
                Read::Listing(listing)
            };
        };
        let body = response.json().ok();
        if response.status >= 400 {
            // A refusal after the first page ends the walk: what was
            // listed so far stands, since that is what the target chose.
            if listing.pages > 0 {
                return Read::Listing(listing);
            }
            return Read::Refused {
                status: response.status,
                error: error_name(response, body.as_ref()),
            };
        }
        let Some(page) = body.as_ref().and_then(items) else {
            return Read::Other {
                status: response.status,
            };
        };
        listing.jobs.extend(page.iter().cloned());
        listing.pages += 1;
        listing.more = body
            .as_ref()
            .and_then(|b| b.get("nextToken"))
            .is_some_and(|t| !t.is_null());
        if listing.first.is_none() {
            listing.first = body;
        }
    }
    if listing.pages == 0 {
        Read::NoAnswer
    } else {
        Read::Listing(listing)
    }
}

fn error_name(response: &HttpResponse, body: Option<&Value>) -> Option<String> {
    error_signals(response, body)
        .into_iter()
        .next()
        .map(|(_, name)| name)
}

/// The request body of the step's first exchange.
fn request_body(exchanges: &[&Exchange]) -> Value {
    exchanges
        .first()
        .and_then(|e| serde_json::from_slice(&e.request.body).ok())
        .unwrap_or(Value::Null)
}

/// The first filter term of a request.
fn first_term(body: &Value) -> Option<&Value> {
    ["includes", "excludes"].iter().find_map(|side| {
        body.pointer(&format!("/filterCriteria/{side}/0"))
            .filter(|t| t.is_object())
    })
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Reads what the target chose for one open choice from one case.
pub fn observe(report: &RunReport, choice: &str, case: &CaseReport) -> Observed {
    let step = last_step(case);
    let body = request_body(&step);
    let read = read(&step);
    if choice == "OC-2" {
        return page_sizes(report);
    }
    let asked = match choice {
        "OC-7" => first_term(&body).map_or(Asked::Listing, |t| Asked::Pair {
            key: text(t.get("key")),
            comparator: text(t.get("comparator")),
        }),
        "OC-9" => first_term(&body).map_or(Asked::Listing, |t| Asked::Value {
            key: text(t.get("key")),
            value: text(t.pointer("/values/0")),
        }),
        "OC-10" => first_term(&body).map_or(Asked::Listing, |t| Asked::OtherOffset {
            value: text(t.pointer("/values/0")),
        }),
        "OC-11" => Asked::TokenOtherQuery,
        "OC-13" => Asked::UndocumentedMember,
        "OC-14" => Asked::EmptyBody,
        "OC-15" => Asked::NullMembers,
        "OC-16" => Asked::WrongMethod {
            method: step
                .first()
                .map(|e| e.request.method.clone())
                .unwrap_or_default(),
        },
        "OC-21" => Asked::ForeignToken,
        _ => Asked::Listing,
    };
    let listing = match read {
        Read::NoAnswer => return Observed::NoAnswer,
        Read::Refused { status, error } => {
            return Observed::Refused {
                status,
                error,
                asked,
            };
        }
        Read::Other { status } => return Observed::Answered { status, asked },
        Read::Listing(listing) => listing,
    };
    let sort = body.get("sortCriteria");
    match choice {
        "OC-1" => Observed::DefaultPageSize {
            jobs: listing.jobs.len(),
            more: listing.more,
        },
        "OC-3" => Observed::Order {
            by: order_of(&listing.jobs, None),
        },
        "OC-4" => Observed::Order {
            by: order_of(
                &listing.jobs,
                sort.and_then(|s| s.get("attributeName"))
                    .and_then(Value::as_str),
            ),
        },
        "OC-5" => {
            let attribute = sort
                .and_then(|s| s.get("attributeName"))
                .and_then(Value::as_str)
                .unwrap_or("createdAt")
                .to_string();
            Observed::Ties {
                by: ties_of(&listing.jobs, &attribute),
                attribute,
            }
        }
        "OC-6" => Observed::Collation {
            collation: collation_of(
                &listing.jobs,
                sort.and_then(|s| s.get("orderBy")).and_then(Value::as_str) == Some("DESC"),
            ),
        },
        "OC-8" => {
            let term = first_term(&body);
            let key = text(term.and_then(|t| t.get("key")));
            let values: Vec<&Value> = term
                .and_then(|t| t.get("values"))
                .and_then(Value::as_array)
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            Observed::NeSeveral {
                none_of: !listing
                    .jobs
                    .iter()
                    .any(|j| j.get(&key).is_some_and(|v| values.contains(&v))),
                key,
            }
        }
        "OC-17" => dates(&listing.jobs).unwrap_or(Observed::Accepted {
            asked,
            jobs: listing.jobs.len(),
            pages: listing.pages,
            more: listing.more,
        }),
        "OC-18" => {
            let paused: Vec<&Value> = listing
                .jobs
                .iter()
                .filter(|j| j.get("jobStatus").and_then(Value::as_str) == Some("USER_PAUSED"))
                .collect();
            Observed::PauseDetails {
                with: paused
                    .iter()
                    .filter(|j| j.get("userPausedDetails").is_some_and(|d| !d.is_null()))
                    .count(),
                of: paused.len(),
            }
        }
        "OC-19" => Observed::PageFill {
            asked: body.get("maxResults").and_then(Value::as_u64),
            jobs: listing
                .first
                .as_ref()
                .and_then(items)
                .map_or(0, <[Value]>::len),
            more: listing.pages > 1 || listing.more,
        },
        "OC-22" => Observed::DataSize {
            jobs: listing.jobs.len(),
            complete: !listing.more,
        },
        "OC-23" => {
            let first = listing.first.as_ref();
            let spelling = |member: &str| match first.and_then(|b| b.get(member)) {
                None => Spelling::LeftOut,
                Some(Value::Null) => Spelling::Null,
                Some(_) => Spelling::EmptyArray,
            };
            Observed::EmptyListing {
                items: spelling("items"),
                next_token: match spelling("nextToken") {
                    Spelling::EmptyArray => None,
                    other => Some(other),
                },
            }
        }
        _ => Observed::Accepted {
            asked,
            jobs: listing.jobs.len(),
            pages: listing.pages,
            more: listing.more,
        },
    }
}

/// OC-2 from every request of the run that sent `maxResults` above 1 and
/// no token (a later page's size says nothing new).
fn page_sizes(report: &RunReport) -> Observed {
    let mut honoured: Option<u64> = None;
    let mut refused: Option<(u64, Option<String>)> = None;
    let mut capped: Option<usize> = None;
    for exchange in report.cases.iter().flat_map(|c| &c.exchanges) {
        let Ok(body) = serde_json::from_slice::<Value>(&exchange.request.body) else {
            continue;
        };
        let Some(asked) = body.get("maxResults").and_then(Value::as_u64) else {
            continue;
        };
        // Values above the int32 range are outside the request schema:
        // refusing them is required, not chosen.
        if asked <= 1
            || asked > i32::MAX as u64
            || body.get("nextToken").is_some_and(|t| !t.is_null())
        {
            continue;
        }
        let Ok(response) = &exchange.outcome else {
            continue;
        };
        let answer = response.json().ok();
        if response.status == 400 {
            if refused.as_ref().is_none_or(|(r, _)| asked < *r) {
                refused = Some((asked, error_name(response, answer.as_ref())));
            }
            continue;
        }
        let Some(page) = answer.as_ref().and_then(items) else {
            continue;
        };
        let more = answer
            .as_ref()
            .and_then(|b| b.get("nextToken"))
            .is_some_and(|t| !t.is_null());
        // A short page with more to come, on a query that filters
        // nothing, is a cap; on a filtered one it may only be a sparse
        // scan (OC-19).
        if more && (page.len() as u64) < asked && body.get("filterCriteria").is_none() {
            capped = Some(capped.map_or(page.len(), |c| c.max(page.len())));
        } else {
            honoured = Some(honoured.map_or(asked, |h| h.max(asked)));
        }
    }
    Observed::PageSizes {
        honoured,
        refused: refused.as_ref().map(|(r, _)| *r),
        error: refused.and_then(|(_, e)| e),
        capped,
    }
}

fn refusal(status: u16, error: &Option<String>) -> String {
    match error {
        Some(name) => format!("{status} {name}"),
        None => format!("status {status}"),
    }
}

fn jobs(n: usize) -> String {
    if n == 1 {
        "1 job".into()
    } else {
        format!("{n} jobs")
    }
}

#[cfg(test)]
mod tests;
