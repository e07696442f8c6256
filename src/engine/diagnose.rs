//! Diagnosis: the likely cause behind a step's failed checks.
//!
//! A failed check says what differs; a vendor needs to know why. Each
//! [`Diagnosis`] is a hypothesis about a common way servers go wrong, and
//! it is stated only when the evidence fits it: the request's query, the
//! pages of the listing and, when the target holds it, the fixture. With the
//! fixture a hypothesis fits when the listing is exactly what the request
//! would give if the server made that mistake (the oracle computes it over a
//! changed query); without it, when every listed job agrees with the
//! hypothesis and disagrees with the request.
//!
//! Pure: it reads values and returns values. The runner calls it once per
//! failed step; the findings group failures by the diagnosis.

use super::oracle::{Query, Term, compare};
use crate::model::{
    JobComparator, JobStatus, JobType, LastRunErrorStatusCode, ListJobsSortAttributeName, OrderBy,
    parse_date_time,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A likely cause, named by what the server appears to do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Diagnosis {
    /// The listing is sorted in the direction opposite to `orderBy`.
    OrderReversed,
    /// The sort is not applied: the jobs come in storage order.
    OrderIgnored,
    /// The listing is sorted by `attribute` instead of the one asked.
    SortedByOther { attribute: String },
    /// The first page is right; later pages are not in the asked order.
    LaterPagesLoseOrder,
    /// The first page is right; later pages list jobs the filter excludes.
    LaterPagesLoseFilter,
    /// The first page is right; later pages neither filter nor sort: the
    /// token does not carry the query it was issued for.
    TokenIgnoresQuery,
    /// No filter term is applied.
    FilterIgnored,
    /// The `includes` terms are not applied (the `excludes` are).
    IncludesIgnored,
    /// The `excludes` terms are not applied.
    ExcludesIgnored,
    /// One term on `key` is not applied.
    TermIgnored { key: String },
    /// A term's comparator is applied as another one.
    ComparatorAs { asked: String, applied: String },
    /// A term's several values must all match (AND), not any (OR).
    ValuesJoinedWithAnd,
    /// Text values match whatever their case.
    CaseInsensitiveMatch,
    /// A page repeats jobs of the page before.
    PagesOverlap,
    /// Jobs the query selects are left out between pages.
    PagesSkipJobs,
    /// A documented enum value is spelled otherwise (case).
    EnumSpelling { member: String },
    /// A member the document requires is missing.
    MemberMissing { member: String },
    /// A required member is sent under another name.
    MemberRenamed { member: String, sent_as: String },
    /// A member has another JSON type than the document's.
    MemberType {
        member: String,
        expected: String,
        found: String,
    },
    /// A date-time is not in a form the document allows (no time zone, a
    /// number, ...).
    DateSpelling { member: String },
    /// A date-time names another instant: shifted by whole hours (a time
    /// zone) or cut to another precision.
    DateShifted { member: String, precision: bool },
}

impl Diagnosis {
    /// Whether the cause lies in how jobs are written rather than in which
    /// jobs are listed: such a cause also explains the listing checks that
    /// fail only because of it.
    pub fn is_spelling(&self) -> bool {
        matches!(
            self,
            Diagnosis::EnumSpelling { .. }
                | Diagnosis::MemberMissing { .. }
                | Diagnosis::MemberRenamed { .. }
                | Diagnosis::MemberType { .. }
                | Diagnosis::DateSpelling { .. }
                | Diagnosis::DateShifted { .. }
        )
    }
}

/// What one step showed: the request and the pages of its listing.
pub struct Evidence<'a> {
    /// The request body of the step's first page.
    pub request: &'a Value,
    /// The jobs of each page, in order.
    pub pages: Vec<Vec<Value>>,
    /// The last page carries no `nextToken`: the listing is whole.
    pub complete: bool,
    /// The canonical data set, when the target holds it.
    pub fixture: Option<&'a [Value]>,
}

/// The likely cause of what is wrong with a listing, if one fits. A listing
/// that is right once its jobs are spelled as the document says is
/// diagnosed by that spelling.
pub fn listing(e: &Evidence<'_>) -> Option<Diagnosis> {
    let query = Query::from_request(e.request).ok()?;
    let mut spelling = None;
    let pages: Vec<Vec<Value>> = e
        .pages
        .iter()
        .map(|page| {
            page.iter()
                .map(|job| {
                    let twin = e.fixture.and_then(|f| twin_of(f, job));
                    let (job, fault) = respell(job, twin);
                    if spelling.is_none() {
                        spelling = fault;
                    }
                    job
                })
                .collect()
        })
        .collect();
    let flat: Vec<Value> = pages.iter().flatten().cloned().collect();
    let content = match e.fixture {
        Some(fixture) => with_fixture(&query, &pages, &flat, e.complete, fixture),
        None => without_fixture(&query, &pages, &flat),
    };
    match content {
        Verdict::Fits => spelling,
        Verdict::Cause(d) => Some(d),
        Verdict::Unknown => None,
    }
}

enum Verdict {
    Fits,
    Cause(Diagnosis),
    Unknown,
}

fn id(job: &Value) -> &str {
    job.get("jobId").and_then(Value::as_str).unwrap_or("")
}

fn twin_of<'a>(fixture: &'a [Value], job: &Value) -> Option<&'a Value> {
    fixture.iter().find(|f| id(f) == id(job) && !id(job).is_empty())
}

/// Whether `items` are exactly what `query` selects from `fixture`, in an
/// order it allows (ties in any order), judged by job ids only. An
/// incomplete listing must be a prefix of it.
fn fits(query: &Query, fixture: &[Value], items: &[Value], complete: bool) -> bool {
    let groups = query.expected(fixture);
    let total: usize = groups.iter().map(Vec::len).sum();
    if items.len() > total || (complete && items.len() < total) {
        return false;
    }
    let mut at = 0;
    for group in &groups {
        if at >= items.len() {
            break;
        }
        let end = (at + group.len()).min(items.len());
        let want: HashSet<&str> = group.iter().map(|j| id(j)).collect();
        let got: Vec<&str> = items[at..end].iter().map(id).collect();
        let unique: HashSet<&str> = got.iter().copied().collect();
        if unique.len() != got.len() || !got.iter().all(|i| want.contains(i)) {
            return false;
        }
        at = end;
    }
    true
}

/// The query with its sort replaced.
fn sorted(query: &Query, sort: Option<(ListJobsSortAttributeName, OrderBy)>) -> Query {
    Query {
        sort,
        ..query.clone()
    }
}

fn flip(order: OrderBy) -> OrderBy {
    match order {
        OrderBy::Asc => OrderBy::Desc,
        OrderBy::Desc => OrderBy::Asc,
    }
}

/// The filter hypotheses, most specific last, each a query a server making
/// that mistake would answer.
fn filter_hypotheses(query: &Query) -> Vec<(Diagnosis, Query)> {
    let mut out = Vec::new();
    let all_terms = query.includes.len() + query.excludes.len();
    if all_terms == 0 {
        return out;
    }
    let without = |includes: bool, excludes: bool| Query {
        includes: if includes {
            Vec::new()
        } else {
            query.includes.clone()
        },
        excludes: if excludes {
            Vec::new()
        } else {
            query.excludes.clone()
        },
        sort: query.sort,
    };
    if !query.excludes.is_empty() {
        out.push((Diagnosis::ExcludesIgnored, without(false, true)));
    }
    if !query.includes.is_empty() {
        out.push((Diagnosis::IncludesIgnored, without(true, false)));
    }
    if !query.includes.is_empty() && !query.excludes.is_empty() {
        out.push((Diagnosis::FilterIgnored, without(true, true)));
    }
    let each = |f: &dyn Fn(&Term) -> Option<Vec<Term>>| -> Vec<Query> {
        let mut queries = Vec::new();
        for side in [false, true] {
            let terms = if side {
                &query.excludes
            } else {
                &query.includes
            };
            for (i, term) in terms.iter().enumerate() {
                if let Some(replacement) = f(term) {
                    let mut q = query.clone();
                    let target = if side { &mut q.excludes } else { &mut q.includes };
                    target.splice(i..=i, replacement);
                    queries.push(q);
                }
            }
        }
        queries
    };
    for term_side in [false, true] {
        let terms = if term_side {
            &query.excludes
        } else {
            &query.includes
        };
        if terms.len() < 2 {
            continue;
        }
        for (i, term) in terms.iter().enumerate() {
            let mut q = query.clone();
            let target = if term_side {
                &mut q.excludes
            } else {
                &mut q.includes
            };
            target.remove(i);
            out.push((
                Diagnosis::TermIgnored {
                    key: term.key.as_str().to_string(),
                },
                q,
            ));
        }
    }
    for applied in JobComparator::ALL {
        for q in each(&|t: &Term| {
            (t.comparator != *applied).then(|| {
                vec![Term {
                    comparator: *applied,
                    ..t.clone()
                }]
            })
        }) {
            // Which term changed is found again by comparing the queries.
            let asked = changed_comparator(query, &q).unwrap_or(*applied);
            out.push((
                Diagnosis::ComparatorAs {
                    asked: asked.as_str().to_string(),
                    applied: applied.as_str().to_string(),
                },
                q,
            ));
        }
    }
    for q in each(&|t: &Term| {
        (t.values.len() > 1 && t.comparator != JobComparator::Ne).then(|| {
            t.values
                .iter()
                .map(|v| Term {
                    values: vec![v.clone()],
                    ..t.clone()
                })
                .collect()
        })
    }) {
        out.push((Diagnosis::ValuesJoinedWithAnd, q));
    }
    out
}

fn changed_comparator(original: &Query, changed: &Query) -> Option<JobComparator> {
    original
        .includes
        .iter()
        .chain(&original.excludes)
        .zip(changed.includes.iter().chain(&changed.excludes))
        .find(|(a, b)| a.comparator != b.comparator)
        .map(|(a, _)| a.comparator)
}

/// Text compared without case: the fixture's text members and the terms'
/// values in lower case.
fn folded(query: &Query, fixture: &[Value]) -> (Query, Vec<Value>) {
    let lower_terms = |terms: &[Term]| -> Vec<Term> {
        terms
            .iter()
            .map(|t| Term {
                values: t.values.iter().map(|v| v.to_lowercase()).collect(),
                ..t.clone()
            })
            .collect()
    };
    let q = Query {
        includes: lower_terms(&query.includes),
        excludes: lower_terms(&query.excludes),
        sort: query.sort,
    };
    let jobs = fixture
        .iter()
        .map(|j| {
            let mut j = j.clone();
            if let Some(members) = j.as_object_mut() {
                for key in ["name", "jobType", "jobStatus"] {
                    if let Some(Value::String(s)) = members.get_mut(key) {
                        *s = s.to_lowercase();
                    }
                }
            }
            j
        })
        .collect();
    (q, jobs)
}

fn with_fixture(
    query: &Query,
    pages: &[Vec<Value>],
    flat: &[Value],
    complete: bool,
    fixture: &[Value],
) -> Verdict {
    if fits(query, fixture, flat, complete) {
        return Verdict::Fits;
    }
    let selected: HashSet<&str> = query.expected(fixture).into_iter().flatten().map(id).collect();
    let ids: Vec<&str> = flat.iter().map(id).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    let members_right = ids.iter().all(|i| selected.contains(i));

    if pages.len() > 1 {
        // Pages that repeat or leave out jobs, the order otherwise right.
        if unique.len() < ids.len() {
            let mut seen = HashSet::new();
            let deduped: Vec<Value> = flat
                .iter()
                .filter(|j| seen.insert(id(j).to_string()))
                .cloned()
                .collect();
            if fits(query, fixture, &deduped, complete) {
                return Verdict::Cause(Diagnosis::PagesOverlap);
            }
        }
        if unique.len() == ids.len()
            && members_right
            && ids.len() < selected.len()
            && in_order(query, flat)
        {
            return Verdict::Cause(Diagnosis::PagesSkipJobs);
        }
        if fits(query, fixture, &pages[0], false) {
            let later = &flat[pages[0].len()..];
            let filtered = later.iter().all(|j| selected.contains(id(j)));
            let ordered = in_order(query, flat);
            match (filtered, ordered) {
                (true, false) => return Verdict::Cause(Diagnosis::LaterPagesLoseOrder),
                (false, true) => return Verdict::Cause(Diagnosis::LaterPagesLoseFilter),
                (false, false) => return Verdict::Cause(Diagnosis::TokenIgnoresQuery),
                (true, true) => {}
            }
        }
    }

    if let Some((attribute, order)) = query.sort
        && fits(&sorted(query, None), fixture, flat, complete)
    {
        if fits(&sorted(query, Some((attribute, flip(order)))), fixture, flat, complete) {
            return Verdict::Cause(Diagnosis::OrderReversed);
        }
        if in_storage_order(fixture, flat) {
            return Verdict::Cause(Diagnosis::OrderIgnored);
        }
        for other in ListJobsSortAttributeName::ALL {
            for direction in OrderBy::ALL {
                if *other != attribute
                    && fits(&sorted(query, Some((*other, *direction))), fixture, flat, complete)
                {
                    return Verdict::Cause(Diagnosis::SortedByOther {
                        attribute: other.as_str().to_string(),
                    });
                }
            }
        }
        return Verdict::Unknown;
    }

    for (diagnosis, q) in filter_hypotheses(query) {
        if fits(&q, fixture, flat, complete) {
            return Verdict::Cause(diagnosis);
        }
    }
    let (q, jobs) = folded(query, fixture);
    let lowered: Vec<Value> = flat
        .iter()
        .map(|j| jobs.iter().find(|f| id(f) == id(j)).cloned().unwrap_or(j.clone()))
        .collect();
    if fits(&q, &jobs, &lowered, complete) {
        return Verdict::Cause(Diagnosis::CaseInsensitiveMatch);
    }
    Verdict::Unknown
}

/// Whether the jobs are in the order the query asks (ties in any order).
fn in_order(query: &Query, jobs: &[Value]) -> bool {
    let Some((attribute, order)) = query.sort else {
        return true;
    };
    ordered(jobs, attribute, order)
}

fn ordered(jobs: &[Value], attribute: ListJobsSortAttributeName, order: OrderBy) -> bool {
    jobs.windows(2).all(|w| {
        let o = compare(attribute, &w[0], &w[1]);
        match order {
            OrderBy::Asc => o != std::cmp::Ordering::Greater,
            OrderBy::Desc => o != std::cmp::Ordering::Less,
        }
    })
}

/// Whether the jobs come in the order the data set holds them, and that
/// order is not also the asked one.
fn in_storage_order(fixture: &[Value], jobs: &[Value]) -> bool {
    let at: HashMap<&str, usize> = fixture.iter().enumerate().map(|(i, j)| (id(j), i)).collect();
    let positions: Option<Vec<usize>> = jobs.iter().map(|j| at.get(id(j)).copied()).collect();
    positions.is_some_and(|p| p.len() > 1 && p.windows(2).all(|w| w[0] < w[1]))
}

fn without_fixture(query: &Query, pages: &[Vec<Value>], flat: &[Value]) -> Verdict {
    let misfits: Vec<&Value> = flat.iter().filter(|j| !query.selects(j)).collect();
    let sorted_right = in_order(query, flat);
    if misfits.is_empty() && sorted_right {
        return Verdict::Fits;
    }
    if pages.len() > 1 && pages[0].iter().all(|j| query.selects(j)) && in_order(query, &pages[0])
    {
        let later_misfit = !misfits.is_empty();
        match (later_misfit, sorted_right) {
            (false, false) => return Verdict::Cause(Diagnosis::LaterPagesLoseOrder),
            (true, true) => return Verdict::Cause(Diagnosis::LaterPagesLoseFilter),
            _ if pages.len() > 1 && later_misfit && !sorted_right => {
                return Verdict::Cause(Diagnosis::TokenIgnoresQuery);
            }
            _ => {}
        }
    }
    if misfits.is_empty() {
        let Some((attribute, order)) = query.sort else {
            return Verdict::Unknown;
        };
        let distinct = |a: ListJobsSortAttributeName| {
            flat.windows(2)
                .any(|w| compare(a, &w[0], &w[1]) != std::cmp::Ordering::Equal)
        };
        if distinct(attribute) && ordered(flat, attribute, flip(order)) {
            return Verdict::Cause(Diagnosis::OrderReversed);
        }
        for other in ListJobsSortAttributeName::ALL {
            for direction in OrderBy::ALL {
                if *other != attribute && distinct(*other) && ordered(flat, *other, *direction) {
                    return Verdict::Cause(Diagnosis::SortedByOther {
                        attribute: other.as_str().to_string(),
                    });
                }
            }
        }
        return Verdict::Unknown;
    }
    for (diagnosis, q) in filter_hypotheses(query) {
        if misfits.iter().all(|j| q.selects(j)) {
            return Verdict::Cause(diagnosis);
        }
    }
    let lower = |j: &Value| {
        let mut j = j.clone();
        if let Some(Value::String(s)) = j.get_mut("name") {
            *s = s.to_lowercase();
        }
        j
    };
    let (q, _) = folded(query, &[]);
    if misfits.iter().all(|j| q.selects(&lower(j))) {
        return Verdict::Cause(Diagnosis::CaseInsensitiveMatch);
    }
    Verdict::Unknown
}

/// The members whose values are date-times in a job summary.
const DATE_MEMBERS: [&str; 1] = ["createdAt"];

/// The documented spelling of an enum member's value written in another
/// case, if it is one.
pub fn documented_spelling(member: &str, value: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = match member {
        "jobType" => JobType::wire_names(),
        "jobStatus" => JobStatus::wire_names(),
        "code" => LastRunErrorStatusCode::wire_names(),
        "attributeName" | "key" => Vec::new(),
        _ => return None,
    };
    if names.contains(&value) {
        return None;
    }
    names.into_iter().find(|n| n.eq_ignore_ascii_case(value))
}

/// The job as the document spells it, and the spelling fault that had to
/// be undone, if any: enum values in another case, date-times without a
/// zone or as numbers, and (with the job's fixture twin) instants shifted
/// by a time zone or cut to another precision.
fn respell(job: &Value, twin: Option<&Value>) -> (Value, Option<Diagnosis>) {
    let mut out = job.clone();
    let mut fault = None;
    let Some(members) = out.as_object_mut() else {
        return (out, None);
    };
    for key in ["jobType", "jobStatus"] {
        if let Some(Value::String(s)) = members.get(key)
            && let Some(documented) = documented_spelling(key, s)
        {
            members.insert(key.to_string(), Value::String(documented.to_string()));
            fault.get_or_insert(Diagnosis::EnumSpelling {
                member: key.to_string(),
            });
        }
    }
    for key in DATE_MEMBERS {
        let want = twin.and_then(|t| t.get(key)).and_then(Value::as_str);
        let want_at = want.and_then(parse_date_time);
        let fixed = match members.get(key) {
            Some(Value::Number(n)) => {
                let at = n.as_f64().map(|s| (s * 1e9) as i128);
                fault.get_or_insert(Diagnosis::DateSpelling {
                    member: key.to_string(),
                });
                match (at, want_at) {
                    (Some(at), Some(w)) if (at - w.unix_timestamp_nanos()).abs() < 1_000_000_000 => {
                        want.map(str::to_string)
                    }
                    _ => None,
                }
            }
            Some(Value::String(s)) if parse_date_time(s).is_none() => {
                let zoned = format!("{s}Z");
                fault.get_or_insert(Diagnosis::DateSpelling {
                    member: key.to_string(),
                });
                parse_date_time(&zoned).map(|_| zoned)
            }
            Some(Value::String(s)) => match (parse_date_time(s), want_at) {
                (Some(at), Some(w)) if at != w => {
                    let gap = (at.unix_timestamp_nanos() - w.unix_timestamp_nanos()).abs();
                    let precision = gap < 1_000_000_000;
                    if precision || gap % 900_000_000_000 == 0 {
                        fault.get_or_insert(Diagnosis::DateShifted {
                            member: key.to_string(),
                            precision,
                        });
                        want.map(str::to_string)
                    } else {
                        None
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(fixed) = fixed {
            members.insert(key.to_string(), Value::String(fixed));
        }
    }
    (out, fault)
}

/// The diagnosis of one schema violation, when it names a known mistake.
/// `member` is the violation's member name (the last name in its path, or
/// the missing property), `value` what was sent there (if anything), and
/// `siblings` the names of the other members of the object it sits in.
pub fn violation(
    keyword: &str,
    member: &str,
    value: Option<&Value>,
    expected_type: Option<&str>,
    siblings: &[&str],
) -> Option<Diagnosis> {
    let member_s = member.to_string();
    let is_date = DATE_MEMBERS.contains(&member) || member == "jobPausedAt" || member == "jobExpiresAt";
    match keyword {
        "enum" => value
            .and_then(Value::as_str)
            .and_then(|s| documented_spelling(member, s))
            .map(|_| Diagnosis::EnumSpelling { member: member_s }),
        "format" | "pattern" if is_date => Some(Diagnosis::DateSpelling { member: member_s }),
        "type" if is_date => Some(Diagnosis::DateSpelling { member: member_s }),
        "type" => Some(Diagnosis::MemberType {
            member: member_s,
            expected: expected_type.unwrap_or("another type").to_string(),
            found: value.map_or("nothing", json_type).to_string(),
        }),
        "required" => {
            let similar = siblings.iter().find(|s| {
                s.eq_ignore_ascii_case(member)
                    || strsim::normalized_damerau_levenshtein(&s.to_lowercase(), &member.to_lowercase()) >= 0.75
            });
            Some(match similar {
                Some(s) => Diagnosis::MemberRenamed {
                    member: member_s,
                    sent_as: s.to_string(),
                },
                None => Diagnosis::MemberMissing { member: member_s },
            })
        }
        _ => None,
    }
}

/// The JSON type of a value, as JSON Schema names it.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
