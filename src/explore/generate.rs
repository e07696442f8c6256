//! What explore asks: recipes drawn from the request schema's vocabulary
//! and the target's own data, each rendered as a case ([`Probe`]) whose
//! expectations are the suite's own (schemas, listing semantics, the
//! oracle) plus relations between listings that hold for any data.
//!
//! Pure: given the same [`Knowledge`] and seed, the same recipes come out.
//!
//! What the document leaves open is never judged here either
//! (docs/open-choices.md): a request that uses something a server may
//! refuse walks with `may_refuse`; name order (OC-6) is not judged; the
//! meaning of comparators the document leaves open is skipped by the
//! checks themselves; relations are drawn only from the document's rules
//! (terms of `includes` all hold, the values of a term are alternatives,
//! `excludes` leaves out what the same term would include).

use super::probe::{Body, Probe, ProbeStep, WalkOptions};
use crate::engine::case::Level;
use crate::model::{
    ErrorKind, JobComparator as Cmp, JobStatus, JobType, ListJobsFilterKey as Key,
    ListJobsSortAttributeName as Attr, OrderBy,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

mod draw;
mod flaw;
mod smaller;
pub(crate) use draw::{draw, learning, rng};
use flaw::*;
use smaller::*;

/// What explore has learned about the target before it generates.
#[derive(Debug, Clone, Default)]
pub(crate) struct Knowledge {
    /// Jobs the target listed (the first pages of its unfiltered listing).
    pub jobs: Vec<Value>,
    /// Whether `jobs` is the whole listing, so counts can be estimated.
    pub complete: bool,
    /// Key and comparator pairs the target refused (OC-7).
    pub refused: BTreeSet<(Key, Cmp)>,
    /// The target holds the canonical data set: listings are compared with it.
    pub fixture: bool,
    /// The target honours fault injection.
    pub faults: bool,
}

/// The pairs every server accepts: the comparators the document gives each
/// key (OC-7 lists them; any other pair may be refused).
pub(crate) fn listed_pair(key: Key, cmp: Cmp) -> bool {
    match key {
        Key::JobType | Key::JobStatus => matches!(cmp, Cmp::Eq | Cmp::Ne),
        Key::Name => matches!(cmp, Cmp::Eq | Cmp::Ne | Cmp::Contains | Cmp::StartsWith),
        Key::CreatedAt => !matches!(cmp, Cmp::Contains | Cmp::StartsWith),
    }
}

/// One filter condition of a generated request: the model's.
pub(crate) type Term = crate::model::FilterTerm;

impl Term {
    fn json(&self) -> Value {
        json!({"key": self.key.as_str(), "comparator": self.comparator.as_str(), "values": self.values})
    }

    /// Whether a server may refuse the term: a pair the document does not
    /// list (OC-7), or a value no job can hold (OC-9).
    fn may_be_refused(&self) -> bool {
        !listed_pair(self.key, self.comparator)
            || self.values.iter().any(|v| match self.key {
                Key::JobType => JobType::from_wire(v).is_none(),
                Key::JobStatus => JobStatus::from_wire(v).is_none(),
                Key::CreatedAt => !utc_date_time(v),
                Key::Name => false,
            })
    }

    /// The term in words; a long list of values is named by its first few
    /// and a count, so a description stays a sentence one reads.
    fn describe(&self) -> String {
        const NAMED: usize = 4;
        let mut values: Vec<String> = self
            .values
            .iter()
            .take(NAMED)
            .map(|v| format!("{:?}", short(v)))
            .collect();
        if self.values.len() > NAMED {
            values.push(format!("{} other values", self.values.len() - NAMED));
        }
        format!("{} {} {}", self.key, self.comparator, values.join(" or "))
    }
}

/// A value a case may carry as it is, in a `verifies` text.
fn short(v: &str) -> String {
    if v.chars().count() > 24 {
        let head: String = v.chars().take(20).collect();
        format!("{head}… ({} chars)", v.chars().count())
    } else {
        v.to_string()
    }
}

/// An RFC 3339 date-time in UTC spelled with `Z`: the only filter
/// spelling every server reads (OC-10).
fn utc_date_time(v: &str) -> bool {
    v.ends_with('Z') && crate::model::parse_date_time(v).is_some()
}

/// The members of a request that decide its listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pub includes: Vec<Term>,
    pub excludes: Vec<Term>,
    pub sort: Option<(Attr, OrderBy)>,
}

impl Query {
    pub(crate) fn body(&self, page: Option<u32>) -> Value {
        let mut body = serde_json::Map::new();
        if !self.includes.is_empty() || !self.excludes.is_empty() {
            let mut fc = serde_json::Map::new();
            if !self.includes.is_empty() {
                fc.insert(
                    "includes".into(),
                    self.includes.iter().map(Term::json).collect(),
                );
            }
            if !self.excludes.is_empty() {
                fc.insert(
                    "excludes".into(),
                    self.excludes.iter().map(Term::json).collect(),
                );
            }
            body.insert("filterCriteria".into(), Value::Object(fc));
        }
        if let Some((attribute, order)) = self.sort {
            body.insert(
                "sortCriteria".into(),
                json!({"attributeName": attribute.as_str(), "orderBy": order.as_str()}),
            );
        }
        if let Some(page) = page {
            body.insert("maxResults".into(), json!(page));
        }
        Value::Object(body)
    }

    fn may_be_refused(&self) -> bool {
        self.includes
            .iter()
            .chain(&self.excludes)
            .any(Term::may_be_refused)
    }

    /// The semantics every answer to the query must have. Name order is
    /// left out: its collation is open (OC-6).
    fn semantics(&self, page: Option<u32>) -> Vec<&'static str> {
        let mut s = vec!["filter"];
        if self.sort.is_some_and(|(a, _)| a != Attr::Name) {
            s.push("sort");
        }
        if page.is_some() {
            s.extend(["page_size", "complete"]);
        }
        s.push("no_duplicates");
        s
    }

    /// Whether the fixture's answer may be compared: not when names are
    /// ordered, since the oracle orders them by code point (OC-6).
    fn oracle_applies(&self, k: &Knowledge) -> bool {
        k.fixture && self.sort.is_none_or(|(a, _)| a != Attr::Name)
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.includes.is_empty() {
            let t: Vec<String> = self.includes.iter().map(Term::describe).collect();
            parts.push(format!("including {}", t.join(" and ")));
        }
        if !self.excludes.is_empty() {
            let t: Vec<String> = self.excludes.iter().map(Term::describe).collect();
            parts.push(format!("excluding {}", t.join(" or ")));
        }
        if let Some((a, o)) = self.sort {
            parts.push(format!("sorted by {a} {o}"));
        }
        if parts.is_empty() {
            "every job".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// How many of the known jobs the query lists, when that is known.
    fn estimate(&self, k: &Knowledge) -> Option<usize> {
        if !k.complete {
            return None;
        }
        let q = crate::engine::oracle::Query::from_request(&self.body(None)).ok()?;
        Some(k.jobs.iter().filter(|j| q.selects(j)).count())
    }
}

/// A malformed part of an otherwise valid request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Flaw {
    /// The body's JSON text with its last character cut off.
    Truncated,
    /// The body's JSON text followed by more text.
    Trailing(String),
    /// A JSON body that is not an object.
    NotObject(String),
    /// A member set to a value of the wrong type or outside its enum, or
    /// (`None`) a required member left out.
    Member {
        path: Vec<Seg>,
        value: Option<Value>,
    },
}

/// A step of a path into a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Member(&'static str),
    Index(usize),
}

/// How a token is mangled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mangle {
    Append,
    Prepend,
    Doubled,
}

/// One kind of question, with everything needed to ask it again, or a
/// smaller version of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Recipe {
    /// Learns whether the target accepts a key and comparator pair.
    Pair { term: Term },
    /// The whole listing at the target's own page size.
    Census,
    /// One query, walked to its end.
    Listing { query: Query, page: Option<u32> },
    /// Adding a term (to includes, or to excludes) never adds a job.
    Narrow {
        base: Query,
        extra: Term,
        exclude: bool,
    },
    /// Another value in an include term never removes a job.
    Widen {
        base: Query,
        term: Term,
        value: String,
    },
    /// Excluding a term lists exactly the jobs including it leaves out.
    Complement { term: Term },
    /// Descending order is ascending order reversed, up to ties.
    Reverse { query: Query, attribute: Attr },
    /// A malformed request is refused with a ValidationException.
    Invalid { base: Query, flaw: Flaw },
    /// A value no job can hold: refused, or an answer that honours it.
    Impossible { term: Term },
    /// A body sent under another media type: refused, or answered right.
    ContentType { query: Query, media: String },
    /// A token the target did not issue.
    Token { query: Query, mangle: Mangle },
    /// A documented error, provoked through fault injection.
    Fault { error: ErrorKind },
}

/// Most pages an explored walk follows; a longer one is not verified,
/// never failed, and costs no more of the budget.
pub(crate) const MAX_PAGES: usize = 200;

/// The same, when the target holds more than explore read: most listings
/// are then long, and a walk cut off verifies nothing, so it should cost
/// little.
pub(crate) const MAX_PAGES_LARGE: usize = 50;

fn walk(may_refuse: bool, k: &Knowledge) -> Option<WalkOptions> {
    Some(WalkOptions {
        may_refuse,
        max_pages: if k.complete {
            MAX_PAGES
        } else {
            MAX_PAGES_LARGE
        },
    })
}

impl Recipe {
    /// A short name for ids, tags and the report.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Recipe::Pair { .. } => "pair",
            Recipe::Census => "census",
            Recipe::Listing { .. } => "listing",
            Recipe::Narrow { .. } => "narrow",
            Recipe::Widen { .. } => "widen",
            Recipe::Complement { .. } => "complement",
            Recipe::Reverse { .. } => "reverse",
            Recipe::Invalid { .. } => "invalid",
            Recipe::Impossible { .. } => "impossible",
            Recipe::ContentType { .. } => "content-type",
            Recipe::Token { .. } => "token",
            Recipe::Fault { .. } => "fault",
        }
    }

    /// The recipe as a case named `id`.
    pub(crate) fn probe(&self, id: &str, k: &Knowledge) -> Probe {
        let mut probe = Probe {
            id: id.to_string(),
            verifies: String::new(),
            level: Level::Must,
            tags: vec!["explore".to_string(), self.kind().to_string()],
            fixture: false,
            faults: false,
            min_jobs: None,
            steps: Vec::new(),
        };
        let listing_step = |name: Option<&str>, query: &Query, page: Option<u32>| {
            let mut expect = json!({"status": 200, "semantics": query.semantics(page)});
            if query.oracle_applies(k) {
                expect["oracle"] = json!(true);
            }
            ProbeStep {
                name: name.map(str::to_string),
                headers: Vec::new(),
                body: Body::Json(query.body(page)),
                walk: walk(query.may_be_refused() || page.is_some_and(|p| p > 1), k),
                capture: Vec::new(),
                expect,
            }
        };
        match self {
            Recipe::Pair { term } => {
                let query = Query {
                    includes: vec![term.clone()],
                    ..Query::default()
                };
                probe.verifies = format!(
                    "A filter on {} {} is {}, and its listing honours it.",
                    term.key,
                    term.comparator,
                    if listed_pair(term.key, term.comparator) {
                        "accepted (the document gives the key this comparator)"
                    } else {
                        "refused with a ValidationException or accepted (OC-7)"
                    }
                );
                probe.steps.push(listing_step(None, &query, None));
            }
            Recipe::Census => {
                probe.verifies =
                    "Every job is listed once over the pages of the unfiltered listing.".into();
                probe
                    .steps
                    .push(listing_step(None, &Query::default(), None));
            }
            Recipe::Listing { query, page } => {
                probe.verifies = format!(
                    "The listing of {}{} honours the request over all its pages.",
                    query.describe(),
                    page.map(|p| format!(", {p} a page")).unwrap_or_default()
                );
                probe.steps.push(listing_step(None, query, *page));
            }
            Recipe::Narrow {
                base,
                extra,
                exclude,
            } => {
                let mut narrowed = base.clone();
                if *exclude {
                    narrowed.excludes.push(extra.clone());
                } else {
                    narrowed.includes.push(extra.clone());
                }
                probe.verifies = format!(
                    "Adding the {} term {} to the query ({}) adds no job to its listing.",
                    if *exclude { "exclude" } else { "include" },
                    extra.describe(),
                    base.describe()
                );
                probe.steps.push(listing_step(Some("base"), base, None));
                let mut step = listing_step(Some("narrowed"), &narrowed, None);
                step.expect["relations"] = json!([{"subset_of": "base"}]);
                probe.steps.push(step);
            }
            Recipe::Widen { base, term, value } => {
                let mut one = base.clone();
                one.includes.push(term.clone());
                let mut two = base.clone();
                let mut wider = term.clone();
                wider.values.push(value.clone());
                two.includes.push(wider);
                probe.verifies = format!(
                    "Adding the value {:?} to the term {} (values are alternatives) removes no job.",
                    short(value),
                    term.describe()
                );
                probe.steps.push(listing_step(Some("base"), &one, None));
                let mut step = listing_step(Some("widened"), &two, None);
                step.expect["relations"] = json!([{"superset_of": "base"}]);
                probe.steps.push(step);
            }
            Recipe::Complement { term } => {
                let part = Query {
                    includes: vec![term.clone()],
                    ..Query::default()
                };
                let rest = Query {
                    excludes: vec![term.clone()],
                    ..Query::default()
                };
                probe.verifies = format!(
                    "Excluding {} lists exactly the jobs that including it leaves out.",
                    term.describe()
                );
                probe
                    .steps
                    .push(listing_step(Some("all"), &Query::default(), None));
                probe.steps.push(listing_step(Some("part"), &part, None));
                let mut step = listing_step(Some("rest"), &rest, None);
                step.expect["relations"] =
                    json!([{"complement_of": {"all": "all", "part": "part"}}]);
                probe.steps.push(step);
            }
            Recipe::Reverse { query, attribute } => {
                let mut asc = query.clone();
                asc.sort = Some((*attribute, OrderBy::Asc));
                let mut desc = query.clone();
                desc.sort = Some((*attribute, OrderBy::Desc));
                probe.verifies = format!(
                    "The listing of {} by {attribute} DESC is its ASC listing reversed, up to ties.",
                    query.describe()
                );
                probe.steps.push(listing_step(Some("asc"), &asc, None));
                let mut step = listing_step(Some("desc"), &desc, None);
                step.expect["relations"] = json!([{"reversed_from": "asc"}]);
                probe.steps.push(step);
            }
            Recipe::Invalid { base, flaw } => {
                let (body, what) = flawed(base, flaw);
                probe.verifies = format!("{what} is refused with a ValidationException.");
                probe.tags.push("validation".into());
                probe.steps.push(ProbeStep {
                    name: None,
                    headers: Vec::new(),
                    body,
                    walk: None,
                    capture: Vec::new(),
                    expect: json!({"error": "ValidationException"}),
                });
            }
            Recipe::Impossible { term } => {
                let query = Query {
                    includes: vec![term.clone()],
                    ..Query::default()
                };
                probe.verifies = format!(
                    "A filter {} that no job can satisfy is refused with a ValidationException, or answered with a listing that honours it (OC-9).",
                    term.describe()
                );
                probe.tags.push("validation".into());
                probe.steps.push(ProbeStep {
                    name: None,
                    headers: Vec::new(),
                    body: Body::Json(query.body(None)),
                    walk: None,
                    capture: Vec::new(),
                    expect: json!({"any_of": [{"error": "ValidationException"}, {"status": 200, "semantics": ["filter"]}]}),
                });
            }
            Recipe::ContentType { query, media } => {
                probe.verifies = format!(
                    "A JSON body sent as {media:?} is refused with a client error, or answered with a listing of {} that honours it; never a server error.",
                    query.describe()
                );
                let mut semantics = vec!["filter"];
                if query.sort.is_some_and(|(a, _)| a != Attr::Name) {
                    semantics.push("sort");
                }
                probe.steps.push(ProbeStep {
                    name: None,
                    headers: vec![("content-type".into(), media.clone())],
                    body: Body::Json(query.body(None)),
                    walk: None,
                    capture: Vec::new(),
                    expect: json!({"any_of": [{"status": 200, "semantics": semantics}, {"status": [400, 403, 404, 415]}]}),
                });
            }
            Recipe::Token { query, mangle } => {
                let token = match mangle {
                    Mangle::Append => "${token}x",
                    Mangle::Prepend => "x${token}",
                    Mangle::Doubled => "${token}${token}",
                };
                // One job a page: every correct server accepts 1 (OC-2), and
                // with two jobs or more the first page has a token.
                let first = query.body(Some(1));
                let mut second = query.body(None);
                second["nextToken"] = json!(token);
                probe.verifies = format!(
                    "A nextToken the target did not issue ({}) is refused with a ValidationException, or answered with a correct page of the same query (OC-21).",
                    match mangle {
                        Mangle::Append => "an issued token with a character appended",
                        Mangle::Prepend => "an issued token with a character put in front",
                        Mangle::Doubled => "an issued token written twice",
                    }
                );
                probe.tags.push("pagination".into());
                probe.min_jobs = Some(2);
                probe.steps.push(ProbeStep {
                    name: Some("issue".into()),
                    headers: Vec::new(),
                    body: Body::Json(first),
                    walk: None,
                    capture: vec![("token".into(), "$.nextToken".into())],
                    expect: json!({"status": 200}),
                });
                let mut semantics = vec!["filter"];
                if query.sort.is_some_and(|(a, _)| a != Attr::Name) {
                    semantics.push("sort");
                }
                probe.steps.push(ProbeStep {
                    name: Some("mangled".into()),
                    headers: Vec::new(),
                    body: Body::Json(second),
                    walk: None,
                    capture: Vec::new(),
                    expect: json!({"any_of": [{"error": "ValidationException"}, {"status": 200, "semantics": semantics}]}),
                });
            }
            Recipe::Fault { error } => {
                probe.verifies = format!(
                    "{error} is answered with status {}, names itself and has the documented body.",
                    error.status()
                );
                probe.faults = true;
                probe.tags.push("errors".into());
                probe.steps.push(ProbeStep {
                    name: None,
                    headers: vec![("x-macie-conform-fault".into(), error.as_str().into())],
                    body: Body::Json(json!({})),
                    walk: None,
                    capture: Vec::new(),
                    expect: json!({"error": error.as_str()}),
                });
            }
        }
        probe.fixture = probe.steps.iter().any(|s| s.expect.get("oracle").is_some());
        probe
    }

    /// Smaller versions of the recipe, smallest change first: fewer
    /// terms, fewer values, shorter strings, smaller pages. Each keeps
    /// what makes the question meaningful (the term a relation is about).
    pub(crate) fn smaller(&self) -> Vec<Recipe> {
        match self {
            Recipe::Listing { query, page } => {
                let mut out: Vec<Recipe> = smaller_queries(query)
                    .into_iter()
                    .map(|q| Recipe::Listing {
                        query: q,
                        page: *page,
                    })
                    .collect();
                if let Some(p) = page {
                    for smaller in [1, p / 2] {
                        if smaller >= 1 && smaller < *p {
                            out.push(Recipe::Listing {
                                query: query.clone(),
                                page: Some(smaller),
                            });
                        }
                    }
                }
                out
            }
            Recipe::Narrow {
                base,
                extra,
                exclude,
            } => {
                let mut out: Vec<Recipe> = smaller_queries(base)
                    .into_iter()
                    .map(|b| Recipe::Narrow {
                        base: b,
                        extra: extra.clone(),
                        exclude: *exclude,
                    })
                    .collect();
                out.extend(smaller_terms(extra).into_iter().map(|t| Recipe::Narrow {
                    base: base.clone(),
                    extra: t,
                    exclude: *exclude,
                }));
                out
            }
            Recipe::Widen { base, term, value } => {
                let mut out: Vec<Recipe> = smaller_queries(base)
                    .into_iter()
                    .map(|b| Recipe::Widen {
                        base: b,
                        term: term.clone(),
                        value: value.clone(),
                    })
                    .collect();
                out.extend(smaller_terms(term).into_iter().map(|t| Recipe::Widen {
                    base: base.clone(),
                    term: t,
                    value: value.clone(),
                }));
                out.extend(shorter(value).into_iter().map(|v| Recipe::Widen {
                    base: base.clone(),
                    term: term.clone(),
                    value: v,
                }));
                out
            }
            Recipe::Complement { term } => smaller_terms(term)
                .into_iter()
                .map(|t| Recipe::Complement { term: t })
                .collect(),
            Recipe::Reverse { query, attribute } => smaller_queries(query)
                .into_iter()
                .filter(|q| q.sort.is_none())
                .map(|q| Recipe::Reverse {
                    query: q,
                    attribute: *attribute,
                })
                .collect(),
            Recipe::Invalid { base, flaw } => smaller_queries(base)
                .into_iter()
                .map(|b| Recipe::Invalid {
                    base: b,
                    flaw: flaw.clone(),
                })
                .collect(),
            Recipe::Impossible { term } => smaller_terms(term)
                .into_iter()
                .map(|t| Recipe::Impossible { term: t })
                .collect(),
            Recipe::ContentType { query, media } => smaller_queries(query)
                .into_iter()
                .map(|q| Recipe::ContentType {
                    query: q,
                    media: media.clone(),
                })
                .collect(),
            Recipe::Token { query, mangle } => smaller_queries(query)
                .into_iter()
                .map(|q| Recipe::Token {
                    query: q,
                    mangle: *mangle,
                })
                .collect(),
            Recipe::Pair { term } => smaller_terms(term)
                .into_iter()
                .map(|t| Recipe::Pair { term: t })
                .collect(),
            Recipe::Census | Recipe::Fault { .. } => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
