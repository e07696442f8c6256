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

mod members;
use members::*;
pub use members::{documented_spelling, json_type, member_name, violation};
mod patterns;
use patterns::*;

/// A likely cause, named by what the server appears to do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Diagnosis {
    /// The listing is sorted in the direction opposite to `orderBy`.
    OrderReversed,
    /// The sort is not applied: the jobs come in storage order.
    OrderIgnored,
    /// The listing is sorted by `attribute` in `direction`, whatever the
    /// request asks.
    SortedByOther {
        attribute: String,
        direction: String,
    },
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
    /// A term's several values must all match (AND), not any (OR).
    ValuesJoinedWithAnd,
    /// A term's comparator is applied as another one.
    ComparatorAs { asked: String, applied: String },
    /// Text values match whatever their case.
    CaseInsensitiveMatch,
    /// `nextToken` is ignored: a later page is the first page again.
    TokenIgnored,
    /// A page repeats jobs of the page before.
    PagesOverlap,
    /// Jobs the query selects are left out between pages.
    PagesSkipJobs,
    /// The answer lists no job where the request selects some.
    ListsNothing,
    /// Pages hold more jobs than `maxResults` allows.
    PagesOverMaxResults,
    /// A documented enum value is spelled otherwise (case).
    EnumSpelling { member: String },
    /// A member the document requires is missing.
    MemberMissing { member: String },
    /// A member the data does not have for this job is sent.
    MemberUnexpected { member: String },
    /// A member's value differs from the data's.
    MemberDiffers { member: String },
    /// A value outside the document's enum.
    UndocumentedValue { member: String },
    /// A job carries both `bucketDefinitions` and `bucketCriteria`.
    BothBucketMembers,
    /// Error answers name no error: no `x-amzn-ErrorType` header and no
    /// `__type` or `code` in the body.
    ErrorNotNamed,
    /// Name values are read as regular expressions, not as text.
    ValuesAsPatterns,
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
                | Diagnosis::MemberUnexpected { .. }
                | Diagnosis::MemberDiffers { .. }
                | Diagnosis::UndocumentedValue { .. }
                | Diagnosis::BothBucketMembers
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
    /// Whether the first page is the listing's first (its request carries
    /// no `nextToken`): only then can the oracle place the listing.
    pub placed: bool,
}

/// Every likely cause that fits what is wrong with a listing, most specific
/// first; empty when none does. A listing that is right once its jobs are
/// spelled as the document says is diagnosed by that spelling. Several may
/// fit one listing (a tie group hides an order, an empty answer fits many
/// filters); the findings keep the one that explains the most cases.
pub fn listing(e: &Evidence<'_>) -> Vec<Diagnosis> {
    let Ok(query) = Query::from_request(e.request) else {
        return Vec::new();
    };
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
    let content = match e.fixture.filter(|_| e.placed) {
        Some(fixture) => with_fixture(&query, &pages, &flat, e.complete, fixture),
        None => without_fixture(&query, &pages, &flat),
    };
    let mut found = match content {
        Verdict::Fits => spelling.into_iter().collect(),
        Verdict::Causes(found) => found,
    };
    // What the pages show whatever their content: jobs repeated from the
    // page before, and more jobs on a page than asked for.
    if pages.windows(2).any(|w| {
        let before: HashSet<&str> = w[0].iter().map(id).collect();
        w[1].iter().any(|j| before.contains(id(j)))
    }) && !found.contains(&Diagnosis::PagesOverlap)
    {
        found.push(Diagnosis::PagesOverlap);
    }
    if let Some(max) = e.request.get("maxResults").and_then(Value::as_u64)
        && max > 0
        && e.pages.iter().any(|p| p.len() as u64 > max)
    {
        found.push(Diagnosis::PagesOverMaxResults);
    }
    found
}

/// The causes that fit a page made only of jobs earlier pages listed:
/// the first page again (the token is ignored), or an overlap.
pub fn repeated_page(first: &[Value], page: &[Value]) -> Vec<Diagnosis> {
    let same = first.len() == page.len() && first.iter().zip(page).all(|(a, b)| id(a) == id(b));
    if same {
        vec![Diagnosis::TokenIgnored, Diagnosis::PagesOverlap]
    } else {
        vec![Diagnosis::PagesOverlap]
    }
}

/// The causes that fit a listing meant to complement `part` within `all`
/// (the rest of a listing after a page): jobs of `part` again, or jobs of
/// `all` in neither.
pub fn complement(this: &[Value], part: &[Value], all: &[Value]) -> Vec<Diagnosis> {
    let part_ids: HashSet<&str> = part.iter().map(id).collect();
    if this.iter().any(|j| part_ids.contains(id(j))) {
        return repeated_page(part, &this[..part.len().min(this.len())]);
    }
    let all_ids: HashSet<&str> = all.iter().map(id).collect();
    let extras = this.iter().any(|j| !all_ids.contains(id(j)));
    if !extras && this.len() + part.len() < all.len() {
        return vec![Diagnosis::PagesSkipJobs];
    }
    Vec::new()
}

/// The causes that fit a listing meant to hold every job of `theirs`
/// that lacks some: its pages skipped jobs, and, if it lists a job twice,
/// overlapped too. With `strictly`, only if it also lists nothing outside
/// `theirs` (meant to be the same listing, it would otherwise be another).
pub fn missing_from(this: &[Value], theirs: &[Value], strictly: bool) -> Vec<Diagnosis> {
    let their_ids: HashSet<&str> = theirs.iter().map(id).collect();
    let our_ids: HashSet<&str> = this.iter().map(id).collect();
    let lacks = their_ids.iter().any(|j| !our_ids.contains(j));
    let outside = our_ids.iter().any(|j| !their_ids.contains(j));
    if !lacks || (strictly && outside) {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let repeats = this.iter().any(|j| !seen.insert(id(j)));
    let mut found = vec![Diagnosis::PagesSkipJobs];
    if repeats {
        found.push(Diagnosis::PagesOverlap);
    }
    found
}

enum Verdict {
    Fits,
    /// The causes that fit; empty when none does.
    Causes(Vec<Diagnosis>),
}

fn id(job: &Value) -> &str {
    job.get("jobId").and_then(Value::as_str).unwrap_or("")
}

fn twin_of<'a>(fixture: &'a [Value], job: &Value) -> Option<&'a Value> {
    fixture
        .iter()
        .find(|f| id(f) == id(job) && !id(job).is_empty())
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
    // Also when only one side has terms: then "that side is ignored" and
    // "the filter is ignored" say the same, and the cases together tell.
    out.push((Diagnosis::FilterIgnored, without(true, true)));
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
                    let target = if side {
                        &mut q.excludes
                    } else {
                        &mut q.includes
                    };
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
    let jobs = fixture.iter().map(lowered).collect();
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
    let mut found = Vec::new();
    let selected: HashSet<&str> = query
        .expected(fixture)
        .into_iter()
        .flatten()
        .map(id)
        .collect();
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
                found.push(Diagnosis::PagesOverlap);
            }
        }
        if unique.len() == ids.len()
            && members_right
            && ids.len() < selected.len()
            && in_order(query, flat)
        {
            found.push(Diagnosis::PagesSkipJobs);
        }
        if fits(query, fixture, &pages[0], false) {
            let later = &flat[pages[0].len()..];
            let filtered = later.iter().all(|j| selected.contains(id(j)));
            let ordered = in_order(query, flat);
            match (filtered, ordered) {
                (true, false) => found.push(Diagnosis::LaterPagesLoseOrder),
                (false, true) => found.push(Diagnosis::LaterPagesLoseFilter),
                (false, false) => found.push(Diagnosis::TokenIgnoresQuery),
                (true, true) => {}
            }
        }
    }

    if let Some((attribute, order)) = query.sort
        && fits(&sorted(query, None), fixture, flat, complete)
    {
        if fits(
            &sorted(query, Some((attribute, flip(order)))),
            fixture,
            flat,
            complete,
        ) {
            found.push(Diagnosis::OrderReversed);
        }
        if in_storage_order(fixture, flat) {
            found.push(Diagnosis::OrderIgnored);
        }
        for other in ListJobsSortAttributeName::ALL {
            for direction in OrderBy::ALL {
                if (*other, *direction) != (attribute, order)
                    && fits(
                        &sorted(query, Some((*other, *direction))),
                        fixture,
                        flat,
                        complete,
                    )
                {
                    found.push(Diagnosis::SortedByOther {
                        attribute: other.as_str().to_string(),
                        direction: direction.as_str().to_string(),
                    });
                }
            }
        }
        return Verdict::Causes(found);
    }

    for (diagnosis, q) in filter_hypotheses(query) {
        if fits(&q, fixture, flat, complete) && !found.contains(&diagnosis) {
            found.push(diagnosis);
        }
    }
    let (q, jobs) = folded(query, fixture);
    if fits(&q, &jobs, flat, complete) {
        found.push(Diagnosis::CaseInsensitiveMatch);
    }
    if has_pattern_values(query) {
        let selected: HashSet<&str> = fixture
            .iter()
            .filter(|j| selects_as_patterns(query, j))
            .map(id)
            .collect();
        let listed: HashSet<&str> = ids.iter().copied().collect();
        let whole = !complete || listed.len() == selected.len();
        if unique.len() == ids.len()
            && whole
            && listed.is_subset(&selected)
            && in_order(query, flat)
        {
            found.push(Diagnosis::ValuesAsPatterns);
        }
    }
    if flat.is_empty() && !selected.is_empty() {
        found.push(Diagnosis::ListsNothing);
    }
    Verdict::Causes(found)
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
    let at: HashMap<&str, usize> = fixture
        .iter()
        .enumerate()
        .map(|(i, j)| (id(j), i))
        .collect();
    let positions: Option<Vec<usize>> = jobs.iter().map(|j| at.get(id(j)).copied()).collect();
    positions.is_some_and(|p| p.len() > 1 && p.windows(2).all(|w| w[0] < w[1]))
}

fn without_fixture(query: &Query, pages: &[Vec<Value>], flat: &[Value]) -> Verdict {
    let misfits: Vec<&Value> = flat.iter().filter(|j| !query.selects(j)).collect();
    let sorted_right = in_order(query, flat);
    if misfits.is_empty() && sorted_right {
        return Verdict::Fits;
    }
    let mut found = Vec::new();
    if pages.len() > 1 && pages[0].iter().all(|j| query.selects(j)) && in_order(query, &pages[0]) {
        match (misfits.is_empty(), sorted_right) {
            (true, false) => found.push(Diagnosis::LaterPagesLoseOrder),
            (false, true) => found.push(Diagnosis::LaterPagesLoseFilter),
            (false, false) => found.push(Diagnosis::TokenIgnoresQuery),
            (true, true) => {}
        }
    }
    if misfits.is_empty() {
        let Some((attribute, order)) = query.sort else {
            return Verdict::Causes(found);
        };
        let distinct = |a: ListJobsSortAttributeName| {
            flat.windows(2)
                .any(|w| compare(a, &w[0], &w[1]) != std::cmp::Ordering::Equal)
        };
        if distinct(attribute) && ordered(flat, attribute, flip(order)) {
            found.push(Diagnosis::OrderReversed);
        }
        for other in ListJobsSortAttributeName::ALL {
            for direction in OrderBy::ALL {
                if (*other, *direction) != (attribute, order)
                    && distinct(*other)
                    && ordered(flat, *other, *direction)
                {
                    found.push(Diagnosis::SortedByOther {
                        attribute: other.as_str().to_string(),
                        direction: direction.as_str().to_string(),
                    });
                }
            }
        }
        return Verdict::Causes(found);
    }
    for (diagnosis, q) in filter_hypotheses(query) {
        if misfits.iter().all(|j| q.selects(j)) && !found.contains(&diagnosis) {
            found.push(diagnosis);
        }
    }
    let (q, _) = folded(query, &[]);
    if misfits.iter().all(|j| q.selects(&lowered(j))) {
        found.push(Diagnosis::CaseInsensitiveMatch);
    }
    if has_pattern_values(query) && flat.iter().all(|j| selects_as_patterns(query, j)) {
        found.push(Diagnosis::ValuesAsPatterns);
    }
    Verdict::Causes(found)
}

/// What a request filters on (or, without a filter, sorts on), as one
/// phrase for grouping failures no cause explains: the keys, without
/// comparators or values, which vary between cases showing one defect.
pub fn query_shape(request: &Value) -> Option<String> {
    let query = Query::from_request(request).ok()?;
    let mut parts: Vec<String> = query
        .includes
        .iter()
        .chain(&query.excludes)
        .map(|t| t.key.as_str().to_string())
        .collect();
    parts.sort();
    parts.dedup();
    if parts.is_empty()
        && let Some((attribute, _)) = query.sort
    {
        parts.push(format!("sorted by {}", attribute.as_str()));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests;
