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

/// What explore has learned about the target before it generates.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
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
pub fn listed_pair(key: Key, cmp: Cmp) -> bool {
    match key {
        Key::JobType | Key::JobStatus => matches!(cmp, Cmp::Eq | Cmp::Ne),
        Key::Name => matches!(cmp, Cmp::Eq | Cmp::Ne | Cmp::Contains | Cmp::StartsWith),
        Key::CreatedAt => !matches!(cmp, Cmp::Contains | Cmp::StartsWith),
    }
}

/// One filter term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: Key,
    pub cmp: Cmp,
    pub values: Vec<String>,
}

impl Term {
    fn json(&self) -> Value {
        json!({"key": self.key.as_str(), "comparator": self.cmp.as_str(), "values": self.values})
    }

    /// Whether a server may refuse the term: a pair the document does not
    /// list (OC-7), or a value no job can hold (OC-9).
    fn may_be_refused(&self) -> bool {
        !listed_pair(self.key, self.cmp)
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
        format!("{} {} {}", self.key, self.cmp, values.join(" or "))
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
pub struct Query {
    pub includes: Vec<Term>,
    pub excludes: Vec<Term>,
    pub sort: Option<(Attr, OrderBy)>,
}

impl Query {
    pub fn body(&self, page: Option<u32>) -> Value {
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
pub enum Flaw {
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
pub enum Seg {
    Member(&'static str),
    Index(usize),
}

/// How a token is mangled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mangle {
    Append,
    Prepend,
    Doubled,
}

/// One kind of question, with everything needed to ask it again, or a
/// smaller version of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipe {
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
pub const MAX_PAGES: usize = 200;

/// The same, when the target holds more than explore read: most listings
/// are then long, and a walk cut off verifies nothing, so it should cost
/// little.
pub const MAX_PAGES_LARGE: usize = 50;

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
    pub fn kind(&self) -> &'static str {
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
    pub fn probe(&self, id: &str, k: &Knowledge) -> Probe {
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
                    term.cmp,
                    if listed_pair(term.key, term.cmp) {
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
    pub fn smaller(&self) -> Vec<Recipe> {
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

/// Queries one step smaller: a term fewer, a value fewer or shorter, no sort.
fn smaller_queries(q: &Query) -> Vec<Query> {
    let mut out = Vec::new();
    for i in 0..q.includes.len() {
        let mut s = q.clone();
        s.includes.remove(i);
        out.push(s);
    }
    for i in 0..q.excludes.len() {
        let mut s = q.clone();
        s.excludes.remove(i);
        out.push(s);
    }
    if q.sort.is_some() {
        out.push(Query {
            sort: None,
            ..q.clone()
        });
    }
    for i in 0..q.includes.len() {
        for t in smaller_terms(&q.includes[i]) {
            let mut s = q.clone();
            s.includes[i] = t;
            out.push(s);
        }
    }
    for i in 0..q.excludes.len() {
        for t in smaller_terms(&q.excludes[i]) {
            let mut s = q.clone();
            s.excludes[i] = t;
            out.push(s);
        }
    }
    out
}

/// Terms one step smaller: a value fewer (one is kept), or a value shorter.
fn smaller_terms(t: &Term) -> Vec<Term> {
    let mut out = Vec::new();
    if t.values.len() > 1 {
        for i in 0..t.values.len() {
            let mut s = t.clone();
            s.values.remove(i);
            out.push(s);
        }
    }
    for i in 0..t.values.len() {
        for v in shorter(&t.values[i]) {
            let mut s = t.clone();
            s.values[i] = v;
            out.push(s);
        }
    }
    out
}

/// A string one step shorter: its first half. Values of enum keys and
/// date-times are shortened too; a shorter value that no longer fails is
/// simply not taken.
fn shorter(v: &str) -> Vec<String> {
    let n = v.chars().count();
    if n <= 1 {
        return Vec::new();
    }
    vec![v.chars().take(n.div_ceil(2)).collect()]
}

/// The request a flaw makes of a valid query, and what is wrong with it.
fn flawed(base: &Query, flaw: &Flaw) -> (Body, String) {
    let body = base.body(None);
    match flaw {
        Flaw::Truncated => {
            let text = body.to_string();
            let cut: String = text
                .chars()
                .take(text.chars().count().saturating_sub(1))
                .collect();
            (Body::Raw(cut), "A body whose JSON is cut short".into())
        }
        Flaw::Trailing(more) => (
            Body::Raw(format!("{body}{more}")),
            format!("A JSON body followed by {:?}", short(more)),
        ),
        Flaw::NotObject(text) => (
            Body::Raw(text.clone()),
            format!("A JSON body that is not an object ({:?})", short(text)),
        ),
        Flaw::Member { path, value } => {
            let mut body = body;
            set_path(&mut body, path, value.clone());
            let at = path
                .iter()
                .map(|s| match s {
                    Seg::Member(m) => (*m).to_string(),
                    Seg::Index(i) => format!("[{i}]"),
                })
                .collect::<Vec<_>>()
                .join(".")
                .replace(".[", "[");
            let what = match value {
                None => format!("A request without the required member {at}"),
                Some(v) => format!("A request whose {at} is {}", short(&v.to_string())),
            };
            (Body::Json(body), what)
        }
    }
}

/// Sets (or, with `None`, removes) the member at `path`, creating what
/// leads to it: objects for members, a valid term for an index.
pub(crate) fn set_path(body: &mut Value, path: &[Seg], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = body;
    for seg in parents {
        at = match seg {
            Seg::Member(m) => {
                let Some(obj) = at.as_object_mut() else {
                    return;
                };
                obj.entry(*m).or_insert_with(|| {
                    if matches!(*m, "includes" | "excludes") {
                        json!([])
                    } else {
                        json!({})
                    }
                })
            }
            Seg::Index(i) => {
                let Some(arr) = at.as_array_mut() else {
                    return;
                };
                while arr.len() <= *i {
                    arr.push(json!({"key": "jobType", "comparator": "EQ", "values": ["ONE_TIME"]}));
                }
                &mut arr[*i]
            }
        };
    }
    match (last, value) {
        (Seg::Member(m), Some(v)) => {
            if let Some(obj) = at.as_object_mut() {
                obj.insert((*m).to_string(), v);
            }
        }
        (Seg::Member(m), None) => {
            if let Some(obj) = at.as_object_mut() {
                obj.remove(*m);
            }
        }
        (Seg::Index(i), Some(v)) => {
            if let Some(arr) = at.as_array_mut() {
                while arr.len() <= *i {
                    arr.push(json!({"key": "jobType", "comparator": "EQ", "values": ["ONE_TIME"]}));
                }
                arr[*i] = v;
            }
        }
        (Seg::Index(i), None) => {
            if let Some(arr) = at.as_array_mut()
                && *i < arr.len()
            {
                arr.remove(*i);
            }
        }
    }
}

/// Text that trips servers: pattern and wildcard characters, quotes,
/// spaces, non-ASCII and control characters. Never `${`, which a case
/// file reads as a variable.
const AWKWARD: &[&str] = &[
    "%", "_", "%_%", "a%", "_a", ".", ".*", "^", "$", "[a-z]", "(", ")", "*", "?", "+", "\\", "|",
    "{", "}", "[", "]", " ", "  ", "'", "\"", "<", ">", "&", "/", "\u{0}", "\t", "\n", "ü", "É",
    "日本", "🙂", "e\u{301}", "\u{fffd}", "\u{200b}", "İ", "ß", "--", ";", "*/", "%25", "\\n",
];

/// A random generator seeded from the run's seed and a stream number, so
/// each round draws the same numbers whatever happened before.
pub fn rng(seed: u64, stream: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The learning round's recipes: the census and every key and comparator
/// pair, with a value from the data.
pub fn learning(rng: &mut fastrand::Rng, k: &Knowledge) -> Vec<Recipe> {
    let mut out = vec![Recipe::Census];
    for &key in Key::ALL {
        for &cmp in Cmp::ALL {
            // A value the data holds exactly: where a comparator's edge
            // is, a wrong one shows.
            let value = match key {
                Key::CreatedAt if !matches!(cmp, Cmp::Contains | Cmp::StartsWith) => {
                    exact_date_time(rng, k)
                }
                _ => value_for(rng, k, key, cmp),
            };
            out.push(Recipe::Pair {
                term: Term {
                    key,
                    cmp,
                    values: vec![value],
                },
            });
        }
    }
    // Name values that engines read as patterns or wildcards, once each:
    // the classic ways a server mistakes a literal for a pattern.
    for (cmp, value) in [
        (Cmp::Contains, "%"),
        (Cmp::StartsWith, "_"),
        (Cmp::Contains, ".*"),
        (Cmp::StartsWith, "[a-z]"),
        (Cmp::Eq, "*"),
        (Cmp::Contains, "\\"),
    ] {
        out.push(Recipe::Listing {
            query: Query {
                includes: vec![Term {
                    key: Key::Name,
                    cmp,
                    values: vec![value.to_string()],
                }],
                ..Query::default()
            },
            page: None,
        });
    }
    // Every documented error once, where the target can be made to answer it.
    if k.faults {
        out.extend(ErrorKind::ALL.iter().map(|&error| Recipe::Fault { error }));
    }
    out
}

/// A `createdAt` of the data, as the target spelled it (in UTC).
fn exact_date_time(rng: &mut fastrand::Rng, k: &Knowledge) -> String {
    let times: Vec<time::OffsetDateTime> = k
        .jobs
        .iter()
        .filter_map(|j| j.get("createdAt").and_then(Value::as_str))
        .filter_map(crate::model::parse_date_time)
        .collect();
    let at = pick(rng, &times).unwrap_or(time::macros::datetime!(2024-01-01 00:00 UTC));
    crate::model::format_date_time(at.to_offset(time::UtcOffset::UTC))
        .unwrap_or_else(|| "2024-01-01T00:00:00Z".into())
}

/// `n` recipes drawn at random.
pub fn draw(rng: &mut fastrand::Rng, k: &Knowledge, n: usize) -> Vec<Recipe> {
    (0..n).map(|_| one(rng, k)).collect()
}

/// One recipe. The shares: listings 28 %, narrowing 14 %, widening 10 %,
/// complements 10 %, reversals 8 %, malformed requests 17 %, impossible
/// values 4 %, media types 3 %, tokens 3 %, provoked errors 3 % (listings
/// when the target has no fault injection).
fn one(rng: &mut fastrand::Rng, k: &Knowledge) -> Recipe {
    let roll = rng.u32(0..100);
    match roll {
        0..=27 => {
            let query = random_query(rng, k);
            let page = page_size(rng, query.estimate(k));
            Recipe::Listing { query, page }
        }
        28..=41 => {
            let base = random_query(rng, k);
            Recipe::Narrow {
                extra: random_term(rng, k),
                exclude: rng.bool(),
                base,
            }
        }
        42..=51 => {
            let mut base = random_query(rng, k);
            base.includes.truncate(1);
            let (key, cmp) = pick(
                rng,
                &accepted(k)
                    .into_iter()
                    .filter(|(_, c)| *c != Cmp::Ne)
                    .collect::<Vec<_>>(),
            )
            .unwrap_or((Key::JobType, Cmp::Eq));
            let term = Term {
                key,
                cmp,
                values: vec![value_for(rng, k, key, cmp)],
            };
            Recipe::Widen {
                value: value_for(rng, k, key, cmp),
                term,
                base,
            }
        }
        52..=61 => {
            let mut term = random_term(rng, k);
            term.values.truncate(2);
            Recipe::Complement { term }
        }
        62..=69 => {
            let mut query = random_query(rng, k);
            query.sort = None;
            let attribute = *pick(rng, &[Attr::CreatedAt, Attr::JobStatus, Attr::JobType])
                .as_ref()
                .unwrap_or(&Attr::CreatedAt);
            Recipe::Reverse { query, attribute }
        }
        70..=86 => {
            let mut base = random_query(rng, k);
            base.includes.truncate(1);
            base.excludes.truncate(1);
            Recipe::Invalid {
                base,
                flaw: random_flaw(rng),
            }
        }
        87..=90 => {
            let key = *pick(rng, &[Key::JobType, Key::JobStatus, Key::CreatedAt])
                .as_ref()
                .unwrap_or(&Key::JobType);
            let value = match key {
                Key::CreatedAt => pick(
                    rng,
                    &[
                        "yesterday",
                        "2024-01-01",
                        "0",
                        "2024-13-45T99:00:00Z",
                        "now",
                    ],
                )
                .unwrap_or("yesterday")
                .to_string(),
                _ => awkward(rng),
            };
            Recipe::Impossible {
                term: Term {
                    key,
                    cmp: Cmp::Eq,
                    values: vec![value],
                },
            }
        }
        91..=93 => Recipe::ContentType {
            query: random_query(rng, k),
            media: pick(
                rng,
                &[
                    "text/plain",
                    "application/x-www-form-urlencoded",
                    "application/xml",
                    "application/x-amz-json-1.1",
                ],
            )
            .unwrap_or("text/plain")
            .to_string(),
        },
        94..=96 => {
            let mut query = random_query(rng, k);
            query.includes.clear();
            query.excludes.clear();
            Recipe::Token {
                query,
                mangle: pick(rng, &[Mangle::Append, Mangle::Prepend, Mangle::Doubled])
                    .unwrap_or(Mangle::Append),
            }
        }
        _ if k.faults => Recipe::Fault {
            error: pick(rng, ErrorKind::ALL).unwrap_or(ErrorKind::ThrottlingException),
        },
        _ => Recipe::Listing {
            query: random_query(rng, k),
            page: None,
        },
    }
}

fn pick<T: Clone>(rng: &mut fastrand::Rng, items: &[T]) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        Some(items[rng.usize(0..items.len())].clone())
    }
}

/// The pairs the target did not refuse.
fn accepted(k: &Knowledge) -> Vec<(Key, Cmp)> {
    Key::ALL
        .iter()
        .flat_map(|&key| Cmp::ALL.iter().map(move |&cmp| (key, cmp)))
        .filter(|p| !k.refused.contains(p))
        .collect()
}

fn random_term(rng: &mut fastrand::Rng, k: &Knowledge) -> Term {
    let (key, cmp) = pick(rng, &accepted(k)).unwrap_or((Key::JobType, Cmp::Eq));
    // Mostly one value; now and then several, and rarely hundreds.
    let n = match rng.u32(0..40) {
        0..=25 => 1,
        26..=36 => rng.usize(2..=3),
        37..=38 => rng.usize(10..=60),
        _ => rng.usize(100..=300),
    };
    let values = (0..n).map(|_| value_for(rng, k, key, cmp)).collect();
    Term { key, cmp, values }
}

fn random_query(rng: &mut fastrand::Rng, k: &Knowledge) -> Query {
    let includes = match rng.u32(0..10) {
        0..=2 => 0,
        3..=6 => 1,
        7..=8 => 2,
        _ => 3,
    };
    let excludes = match rng.u32(0..10) {
        0..=5 => 0,
        6..=8 => 1,
        _ => 2,
    };
    let sort = if rng.u32(0..10) < 7 {
        Some((
            pick(rng, Attr::ALL).unwrap_or(Attr::CreatedAt),
            pick(rng, OrderBy::ALL).unwrap_or(OrderBy::Asc),
        ))
    } else {
        None
    };
    Query {
        includes: (0..includes).map(|_| random_term(rng, k)).collect(),
        excludes: (0..excludes).map(|_| random_term(rng, k)).collect(),
        sort,
    }
}

/// A page size from 1 up, small enough that the walk stays short when the
/// number of matching jobs is known; `None` half the time (the target's
/// own size).
fn page_size(rng: &mut fastrand::Rng, matching: Option<usize>) -> Option<u32> {
    if rng.bool() {
        return None;
    }
    let sizes = [1u32, 2, 3, 4, 5, 7, 10, 25, 50, 100, 1000];
    let fits: Vec<u32> = sizes
        .into_iter()
        .filter(|&p| match matching {
            Some(m) => m.div_ceil(p as usize) <= 30,
            None => p >= 25,
        })
        .collect();
    pick(rng, &fits)
}

/// Values that a LIKE or glob reads as "anything".
const WILDCARDS: &[&str] = &["%", "_", "%%", "__", "%_", "*", "?"];

fn awkward(rng: &mut fastrand::Rng) -> String {
    match rng.u32(0..10) {
        2 | 3 => pick(rng, WILDCARDS).unwrap_or("%").to_string(),
        0 => {
            // Long text: hundreds of characters.
            let unit = pick(rng, &["a", "ab%", "日本", "x_"]).unwrap_or("a");
            unit.repeat(rng.usize(100..400))
        }
        1 => format!(
            "{}{}",
            pick(rng, AWKWARD).unwrap_or("%"),
            pick(rng, AWKWARD).unwrap_or("_")
        ),
        _ => pick(rng, AWKWARD).unwrap_or("%").to_string(),
    }
}

/// A filter value for the key and comparator: mostly taken from the
/// target's data (whole, cut, or just beside it), sometimes awkward text.
fn value_for(rng: &mut fastrand::Rng, k: &Knowledge, key: Key, cmp: Cmp) -> String {
    let from_job = |rng: &mut fastrand::Rng, member: &str| -> Option<String> {
        let with: Vec<&str> = k
            .jobs
            .iter()
            .filter_map(|j| j.get(member).and_then(Value::as_str))
            .filter(|s| !s.contains("${"))
            .collect();
        pick(rng, &with).map(str::to_string)
    };
    match key {
        Key::JobType | Key::JobStatus => {
            let names = if key == Key::JobType {
                JobType::wire_names()
            } else {
                JobStatus::wire_names()
            };
            let name = pick(rng, &names).unwrap_or("RUNNING").to_string();
            match cmp {
                Cmp::Contains => fragment(rng, &name, false),
                Cmp::StartsWith => fragment(rng, &name, true),
                _ => name,
            }
        }
        Key::Name => {
            // Matching text is where pattern and wildcard faults hide.
            let odds = if matches!(cmp, Cmp::Contains | Cmp::StartsWith) {
                3
            } else {
                5
            };
            if rng.u32(0..odds) == 0 {
                return awkward(rng);
            }
            let name = from_job(rng, "name").unwrap_or_else(|| "job".to_string());
            match cmp {
                Cmp::Contains => fragment(rng, &name, false),
                Cmp::StartsWith => fragment(rng, &name, true),
                _ => name,
            }
        }
        Key::CreatedAt => {
            let at = from_job(rng, "createdAt")
                .and_then(|s| crate::model::parse_date_time(&s))
                .unwrap_or(time::macros::datetime!(2024-01-01 00:00 UTC));
            if matches!(cmp, Cmp::Contains | Cmp::StartsWith) {
                let text = crate::model::format_date_time(at).unwrap_or_default();
                return fragment(rng, &text, cmp == Cmp::StartsWith);
            }
            // Mostly the value itself: a comparator's edge is where
            // faults hide. Otherwise just beside it.
            let shifted = match rng.u32(0..10) {
                0 => at + time::Duration::milliseconds(1),
                1 => at - time::Duration::milliseconds(1),
                2 => at + time::Duration::seconds(1),
                3 => at.replace_millisecond(0).unwrap_or(at),
                _ => at,
            };
            let utc = shifted.to_offset(time::UtcOffset::UTC);
            if rng.u32(0..4) == 0 {
                // Whole seconds, no fraction: compared as text, this sorts
                // after every fraction of the same second.
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                    utc.year(),
                    u8::from(utc.month()),
                    utc.day(),
                    utc.hour(),
                    utc.minute(),
                    utc.second()
                )
            } else {
                crate::model::format_date_time(utc).unwrap_or_else(|| "2024-01-01T00:00:00Z".into())
            }
        }
    }
}

/// A piece of `text`: its beginning (`prefix`), or a piece from inside.
fn fragment(rng: &mut fastrand::Rng, text: &str, prefix: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 1 {
        return text.to_string();
    }
    let start = if prefix {
        0
    } else {
        rng.usize(0..chars.len() - 1)
    };
    let end = rng.usize(start + 1..=chars.len());
    chars[start..end].iter().collect()
}

fn random_flaw(rng: &mut fastrand::Rng) -> Flaw {
    use Seg::{Index as I, Member as M};
    let side = *pick(rng, &["includes", "excludes"])
        .as_ref()
        .unwrap_or(&"includes");
    let term = |m: &'static str| vec![M("filterCriteria"), M(side), I(0), M(m)];
    let choices: Vec<(Vec<Seg>, Vec<Option<Value>>)> = vec![
        (
            vec![M("maxResults")],
            vec![
                Some(json!("10")),
                Some(json!(true)),
                Some(json!(1.5)),
                Some(json!([1])),
                Some(json!({"n": 1})),
                Some(json!(0)),
                Some(json!(-1)),
                Some(json!(2147483648u64)),
                Some(json!(-2147483649i64)),
            ],
        ),
        (
            vec![M("nextToken")],
            vec![
                Some(json!(1)),
                Some(json!({})),
                Some(json!([])),
                Some(json!(true)),
            ],
        ),
        (
            vec![M("filterCriteria")],
            vec![Some(json!([])), Some(json!("x")), Some(json!(1))],
        ),
        (
            vec![M("filterCriteria"), M(side)],
            vec![Some(json!({})), Some(json!("x")), Some(json!(1))],
        ),
        (
            vec![M("filterCriteria"), M(side), I(0)],
            vec![Some(json!("x")), Some(json!(1)), Some(json!([]))],
        ),
        (
            term("values"),
            vec![
                None,
                Some(json!("x")),
                Some(json!([1])),
                Some(json!([])),
                Some(json!({})),
            ],
        ),
        (
            term("key"),
            vec![
                None,
                Some(json!(1)),
                Some(json!("jobId")),
                Some(json!("status")),
                Some(json!("JOBTYPE")),
                Some(json!("createdat")),
                Some(json!("")),
            ],
        ),
        (
            term("comparator"),
            vec![
                None,
                Some(json!(1)),
                Some(json!("LIKE")),
                Some(json!("eq")),
                Some(json!("Equals")),
                Some(json!("IN")),
                Some(json!("")),
            ],
        ),
        (
            vec![M("sortCriteria")],
            vec![Some(json!("x")), Some(json!(1)), Some(json!([]))],
        ),
        (
            vec![M("sortCriteria"), M("attributeName")],
            vec![
                Some(json!(1)),
                Some(json!("jobId")),
                Some(json!("CREATEDAT")),
                Some(json!("lastRunErrorStatus")),
                Some(json!("")),
            ],
        ),
        (
            vec![M("sortCriteria"), M("orderBy")],
            vec![
                Some(json!(1)),
                Some(json!("asc")),
                Some(json!("ascending")),
                Some(json!("UP")),
                Some(json!("")),
            ],
        ),
    ];
    match rng.u32(0..10) {
        0 => Flaw::Truncated,
        1 => Flaw::Trailing(
            pick(rng, &[" {}", "}", ",", " x", "]", "\u{0}"])
                .unwrap_or("}")
                .to_string(),
        ),
        2 => Flaw::NotObject(
            pick(rng, &["[]", "\"list\"", "42", "true", "[{}]"])
                .unwrap_or("[]")
                .to_string(),
        ),
        _ => {
            let (path, values) = choices[rng.usize(0..choices.len())].clone();
            let value = values[rng.usize(0..values.len())].clone();
            Flaw::Member { path, value }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knowledge() -> Knowledge {
        let jobs = crate::server::parse_jobs(crate::server::EMBEDDED_FIXTURE, "fixture")
            .map(|jobs| {
                jobs.iter()
                    .filter_map(|j| serde_json::to_value(j).ok())
                    .collect()
            })
            .unwrap_or_default();
        Knowledge {
            jobs,
            complete: true,
            fixture: true,
            faults: true,
            ..Knowledge::default()
        }
    }

    /// Every generated case says what it verifies in a sentence a reader
    /// can take as it stands: a capital first, a full stop last, no word
    /// missing between spaces, no empty parentheses.
    #[test]
    fn every_recipe_describes_itself_in_a_sentence() {
        let k = knowledge();
        let mut kinds = std::collections::BTreeSet::new();
        let mut recipes = learning(&mut rng(1, 0), &k);
        for seed in 0..20 {
            recipes.extend(draw(&mut rng(seed, 1), &k, 200));
        }
        for recipe in &recipes {
            kinds.insert(recipe.kind());
            let text = recipe.probe("explore.t", &k).verifies;
            // The harness's words, without the quoted values from the data.
            let mut words = String::new();
            let (mut quoted, mut escaped) = (false, false);
            for c in text.chars() {
                match (quoted, escaped, c) {
                    (true, true, _) => escaped = false,
                    (true, false, '\\') => escaped = true,
                    (_, _, '"') => {
                        quoted = !quoted;
                        words.push('"');
                    }
                    (true, false, _) => {}
                    (false, _, c) => words.push(c),
                }
            }
            let first = text.chars().next().unwrap_or(' ');
            assert!(first.is_uppercase(), "{text}");
            assert!(text.ends_with('.'), "{text}");
            assert!(!words.contains("  ") && !words.contains("()"), "{text}");
            assert!(!words.contains(" ,") && !words.contains(" ."), "{text}");
            assert!(text.chars().count() < 600, "a sentence one reads: {text}");
        }
        // Every kind of recipe was read: the learning ones and those drawn.
        for kind in ["pair", "census"].iter().chain(&DRAWN) {
            assert!(kinds.contains(kind), "no {kind} recipe read: {kinds:?}");
        }
    }

    /// The kinds of recipe the rounds draw (learning adds pairs and the
    /// census).
    const DRAWN: [&str; 10] = [
        "listing",
        "narrow",
        "widen",
        "complement",
        "reverse",
        "invalid",
        "impossible",
        "content-type",
        "token",
        "fault",
    ];

    #[test]
    fn the_same_seed_draws_the_same_recipes() {
        let k = knowledge();
        let a = draw(&mut rng(7, 1), &k, 200);
        let b = draw(&mut rng(7, 1), &k, 200);
        assert_eq!(a, b);
        let c = draw(&mut rng(8, 1), &k, 200);
        assert_ne!(a, c);
    }

    #[test]
    fn every_kind_is_drawn() {
        let k = knowledge();
        let kinds: BTreeSet<&str> = draw(&mut rng(1, 1), &k, 2000)
            .iter()
            .map(Recipe::kind)
            .collect();
        for kind in DRAWN {
            assert!(kinds.contains(kind), "{kind} never drawn: {kinds:?}");
        }
    }

    #[test]
    fn no_value_reads_as_a_variable() {
        let k = knowledge();
        for recipe in draw(&mut rng(3, 1), &k, 2000) {
            let yaml = recipe.probe("explore.x", &k).to_yaml();
            let stripped = yaml.replace("${token}", "");
            assert!(!stripped.contains("${"), "{yaml}");
        }
    }

    #[test]
    fn smaller_recipes_are_smaller() {
        let q = Query {
            includes: vec![Term {
                key: Key::Name,
                cmp: Cmp::Contains,
                values: vec!["abcd".into(), "x".into()],
            }],
            excludes: Vec::new(),
            sort: Some((Attr::CreatedAt, OrderBy::Asc)),
        };
        let r = Recipe::Listing {
            query: q,
            page: Some(10),
        };
        let smaller = r.smaller();
        assert!(
            smaller
                .iter()
                .any(|s| matches!(s, Recipe::Listing { query, .. } if query.includes.is_empty()))
        );
        assert!(
            smaller
                .iter()
                .any(|s| matches!(s, Recipe::Listing { query, .. } if query.sort.is_none()))
        );
        assert!(
            smaller
                .iter()
                .any(|s| matches!(s, Recipe::Listing { page: Some(1), .. }))
        );
        assert!(smaller.iter().any(|s| matches!(s, Recipe::Listing { query, .. } if query.includes.first().is_some_and(|t| t.values == ["ab", "x"]))));
        assert!(smaller.iter().all(|s| s != &r));
    }

    #[test]
    fn a_flaw_creates_what_leads_to_it() {
        let mut body = json!({});
        set_path(
            &mut body,
            &[
                Seg::Member("filterCriteria"),
                Seg::Member("includes"),
                Seg::Index(0),
                Seg::Member("key"),
            ],
            Some(json!("jobId")),
        );
        assert_eq!(
            body,
            json!({"filterCriteria": {"includes": [{"key": "jobId", "comparator": "EQ", "values": ["ONE_TIME"]}]}})
        );
    }
}
