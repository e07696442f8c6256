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

/// A job with its text members in lower case, as [`folded`] compares them.
fn lowered(job: &Value) -> Value {
    let mut j = job.clone();
    if let Some(members) = j.as_object_mut() {
        for key in ["name", "jobType", "jobStatus"] {
            if let Some(Value::String(s)) = members.get_mut(key) {
                *s = s.to_lowercase();
            }
        }
    }
    j
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
        _ => return None,
    };
    if names.contains(&value) {
        return None;
    }
    names.into_iter().find(|n| n.eq_ignore_ascii_case(value))
}

/// The job as the document spells it, and the spelling fault that had to
/// be undone, if any: enum values in another case or outside the enum,
/// date-times without a zone or as numbers, and (with the job's fixture
/// twin) instants shifted by a time zone or cut to another precision, and
/// members missing, added or changed. With a twin, the job is replaced by
/// it, so that only which jobs are listed, and in what order, is judged
/// afterwards.
fn respell(job: &Value, twin: Option<&Value>) -> (Value, Option<Diagnosis>) {
    let mut out = job.clone();
    let mut fault = None;
    let Some(members) = out.as_object_mut() else {
        return (out, None);
    };
    if both_bucket_members(members) {
        fault = Some(Diagnosis::BothBucketMembers);
    }
    for key in ["jobType", "jobStatus"] {
        let Some(Value::String(s)) = members.get(key) else {
            continue;
        };
        if let Some(documented) = documented_spelling(key, s) {
            members.insert(key.to_string(), Value::String(documented.to_string()));
            fault.get_or_insert(Diagnosis::EnumSpelling {
                member: key.to_string(),
            });
        } else if !is_documented(key, s) {
            fault.get_or_insert(Diagnosis::UndocumentedValue {
                member: key.to_string(),
            });
        }
    }
    for key in DATE_MEMBERS {
        let want = twin.and_then(|t| t.get(key)).and_then(Value::as_str);
        let want_at = want.and_then(parse_date_time);
        match members.get(key) {
            Some(Value::Number(_)) => {
                fault.get_or_insert(Diagnosis::DateSpelling {
                    member: key.to_string(),
                });
            }
            Some(Value::String(s)) if parse_date_time(s).is_none() => {
                fault.get_or_insert(Diagnosis::DateSpelling {
                    member: key.to_string(),
                });
                let zoned = format!("{s}Z");
                if parse_date_time(&zoned).is_some() {
                    members.insert(key.to_string(), Value::String(zoned));
                }
            }
            Some(Value::String(s)) => {
                if let (Some(at), Some(w)) = (parse_date_time(s), want_at)
                    && at != w
                {
                    let gap = (at.unix_timestamp_nanos() - w.unix_timestamp_nanos()).abs();
                    let precision = gap < 1_000_000_000;
                    if precision || gap % 900_000_000_000 == 0 {
                        fault.get_or_insert(Diagnosis::DateShifted {
                            member: key.to_string(),
                            precision,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    let Some(twin) = twin else {
        return (out, fault);
    };
    if fault.is_none() {
        fault = twin_difference(twin, job, "");
    }
    (twin.clone(), fault)
}

fn is_documented(member: &str, value: &str) -> bool {
    match member {
        "jobType" => JobType::from_wire(value).is_some(),
        "jobStatus" => JobStatus::from_wire(value).is_some(),
        _ => true,
    }
}

fn both_bucket_members(job: &serde_json::Map<String, Value>) -> bool {
    ["bucketDefinitions", "bucketCriteria"]
        .iter()
        .all(|k| job.get(*k).is_some_and(|v| !v.is_null()))
}

/// How a job differs from its fixture twin, as a cause: the first member
/// (by the twin's order) that is missing, added, of another type or of
/// another value. `null` counts as absent, and date-times that name the
/// same instant are the same (as the oracle reads them).
fn twin_difference(twin: &Value, job: &Value, path: &str) -> Option<Diagnosis> {
    let (want, got) = (
        super::oracle::canonical(twin),
        super::oracle::canonical(job),
    );
    first_difference(&want, &got, path)
}

fn first_difference(want: &Value, got: &Value, path: &str) -> Option<Diagnosis> {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}/{k}")
        }
    };
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                match g.get(k) {
                    None => return Some(Diagnosis::MemberMissing { member: at(k) }),
                    Some(x) if x != v => return first_difference(v, x, &at(k)),
                    _ => {}
                }
            }
            g.keys()
                .find(|k| !w.contains_key(*k))
                .map(|k| Diagnosis::MemberUnexpected { member: at(k) })
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .find(|(a, b)| a != b)
            .and_then(|(a, b)| first_difference(a, b, &at("*"))),
        (w, g) if w == g => None,
        (w, g) if json_type(w) != json_type(g) => Some(Diagnosis::MemberType {
            member: path.to_string(),
            expected: json_type(w).to_string(),
            found: json_type(g).to_string(),
        }),
        _ => Some(Diagnosis::MemberDiffers {
            member: path.to_string(),
        }),
    }
}

/// A member's name as diagnoses give it: its JSON Pointer within the job
/// (or, outside any job, within the body), array positions as `*`, with no
/// leading slash: `bucketDefinitions/*/accountId`.
pub fn member_name(pointer: &str) -> String {
    let segments: Vec<&str> = pointer.split('/').filter(|s| !s.is_empty()).collect();
    let within_job = match segments.as_slice() {
        ["items", n, rest @ ..] if n.chars().all(|c| c.is_ascii_digit()) => rest,
        all => all,
    };
    within_job
        .iter()
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The diagnosis of one schema violation, when it names a known mistake.
/// `pointer` is where it is in the body, `missing` the member a `required`
/// keyword wanted, `value` what was sent at `pointer`, and `expected_type`
/// the type a `type` keyword wanted.
pub fn violation(
    keyword: &str,
    pointer: &str,
    missing: Option<&str>,
    value: Option<&Value>,
    expected_type: Option<&str>,
) -> Option<Diagnosis> {
    let member = member_name(pointer);
    let last = member.rsplit('/').next().unwrap_or("").to_string();
    let is_date = ["createdAt", "jobPausedAt", "jobExpiresAt"].contains(&last.as_str());
    if let Some(name) = missing {
        let member = if member.is_empty() {
            name.to_string()
        } else {
            format!("{member}/{name}")
        };
        let siblings: Vec<&String> = value
            .and_then(Value::as_object)
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        let similar = siblings.into_iter().find(|s| {
            s.eq_ignore_ascii_case(name)
                || strsim::normalized_damerau_levenshtein(&s.to_lowercase(), &name.to_lowercase())
                    >= 0.75
        });
        return Some(match similar {
            Some(s) => Diagnosis::MemberRenamed {
                member,
                sent_as: s.clone(),
            },
            None => Diagnosis::MemberMissing { member },
        });
    }
    match keyword {
        "enum" => value.and_then(Value::as_str).map(|s| {
            if documented_spelling(&last, s).is_some() {
                Diagnosis::EnumSpelling { member }
            } else {
                Diagnosis::UndocumentedValue { member }
            }
        }),
        "format" | "pattern" | "type" if is_date => Some(Diagnosis::DateSpelling { member }),
        "type" => Some(Diagnosis::MemberType {
            member,
            expected: expected_type.unwrap_or("another type").to_string(),
            found: value.map_or("nothing", json_type).to_string(),
        }),
        // The rules across members of a job (see the JobSummary schema).
        "not"
            if value
                .and_then(Value::as_object)
                .is_some_and(both_bucket_members) =>
        {
            Some(Diagnosis::BothBucketMembers)
        }
        "const" if last == "jobStatus" => Some(Diagnosis::MemberUnexpected {
            member: "userPausedDetails".into(),
        }),
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

/// Characters a regular expression gives a meaning.
const PATTERN_CHARS: &[char] = &[
    '.', '(', ')', '[', ']', '*', '+', '?', '\\', '^', '$', '|', '{', '}',
];

fn has_pattern_values(query: &Query) -> bool {
    query.includes.iter().chain(&query.excludes).any(|t| {
        t.key == crate::model::ListJobsFilterKey::Name
            && t.values.iter().any(|v| v.contains(PATTERN_CHARS))
    })
}

/// Whether `query` selects `job` when its name values are read as
/// regular expressions (anchored as EQ and STARTS_WITH anchor text); a
/// value that is no valid expression matches nothing.
fn selects_as_patterns(query: &Query, job: &Value) -> bool {
    let holds = |t: &Term| {
        if t.key != crate::model::ListJobsFilterKey::Name {
            return t.holds(job);
        }
        let Some(name) = job.get("name").and_then(Value::as_str) else {
            return t.comparator == JobComparator::Ne;
        };
        let matches = |v: &String| {
            let pattern = match t.comparator {
                JobComparator::Eq | JobComparator::Ne => format!("^(?:{v})$"),
                JobComparator::StartsWith => format!("^(?:{v})"),
                _ => format!("(?:{v})"),
            };
            regex::Regex::new(&pattern).is_ok_and(|re| re.is_match(name))
        };
        let any = t.values.iter().any(matches);
        if t.comparator == JobComparator::Ne {
            !any
        } else {
            any
        }
    };
    query.includes.iter().all(holds) && !query.excludes.iter().any(holds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Five jobs in storage order, no two alike on any sort attribute.
    fn data() -> Vec<Value> {
        [
            ("a", "alpha", "RUNNING", "ONE_TIME", "2024-01-03T00:00:00Z"),
            ("b", "bravo", "PAUSED", "SCHEDULED", "2024-01-01T00:00:00Z"),
            ("c", "Charlie", "IDLE", "ONE_TIME", "2024-01-05T00:00:00Z"),
            ("d", "delta", "COMPLETE", "SCHEDULED", "2024-01-02T00:00:00Z"),
            ("e", "echo", "CANCELLED", "ONE_TIME", "2024-01-04T00:00:00Z"),
        ]
        .iter()
        .map(|(id, name, status, kind, at)| {
            json!({"jobId": id, "name": name, "jobStatus": status, "jobType": kind, "createdAt": at})
        })
        .collect()
    }

    fn jobs(ids: &str) -> Vec<Value> {
        let all = data();
        ids.chars()
            .filter_map(|c| all.iter().find(|j| id(j) == c.to_string()).cloned())
            .collect()
    }

    #[test]
    fn a_walk_of_the_same_rest_that_lists_fewer_jobs_skipped_some() {
        let skips = [Diagnosis::PagesSkipJobs];
        assert_eq!(missing_from(&jobs("ab"), &jobs("abcd"), true), skips);
        assert_eq!(
            missing_from(&jobs("aab"), &jobs("abcd"), true),
            [Diagnosis::PagesSkipJobs, Diagnosis::PagesOverlap]
        );
        // A superset may hold more; the same listing may not.
        assert_eq!(missing_from(&jobs("ae"), &jobs("abcd"), false), skips);
        assert!(missing_from(&jobs("ae"), &jobs("abcd"), true).is_empty());
        // Lacking nothing, it skipped nothing.
        assert!(missing_from(&jobs("abcd"), &jobs("abc"), false).is_empty());
    }

    fn diagnose(request: Value, pages: &[&str], fixture: bool) -> Vec<Diagnosis> {
        let all = data();
        listing(&Evidence {
            request: &request,
            pages: pages.iter().map(|p| jobs(p)).collect(),
            complete: true,
            fixture: fixture.then_some(all.as_slice()),
            placed: true,
        })
    }

    fn by_created(order: &str) -> Value {
        json!({"sortCriteria": {"attributeName": "createdAt", "orderBy": order}})
    }

    #[test]
    fn a_right_listing_has_no_cause() {
        assert!(diagnose(by_created("ASC"), &["bdaec"], true).is_empty());
        assert!(diagnose(by_created("ASC"), &["bdaec"], false).is_empty());
    }

    #[test]
    fn a_reversed_order_is_named_with_or_without_the_fixture() {
        for fixture in [true, false] {
            let found = diagnose(by_created("ASC"), &["ceadb"], fixture);
            assert_eq!(found.first(), Some(&Diagnosis::OrderReversed), "{fixture}");
        }
    }

    #[test]
    fn storage_order_and_another_attribute_are_told_apart() {
        assert!(diagnose(by_created("ASC"), &["abcde"], true).contains(&Diagnosis::OrderIgnored));
        // By name, code point order: "Charlie" < "alpha" < ...
        let found = diagnose(by_created("ASC"), &["cabde"], true);
        assert!(
            found.contains(&Diagnosis::SortedByOther {
                attribute: "name".into(),
                direction: "ASC".into()
            }),
            "{found:?}"
        );
    }

    #[test]
    fn later_pages_that_lose_the_order_are_named() {
        // jobType has ties, so "sorted by jobType" fits too; the first,
        // most specific cause is the one the findings prefer on a tie.
        let found = diagnose(by_created("ASC"), &["bd", "cea"], true);
        assert_eq!(found.first(), Some(&Diagnosis::LaterPagesLoseOrder));
        let found = diagnose(by_created("ASC"), &["bd", "cea"], false);
        assert_eq!(found.first(), Some(&Diagnosis::LaterPagesLoseOrder));
    }

    #[test]
    fn filter_mistakes_are_named_by_the_query_that_explains_them() {
        let term = |side: &str, comparator: &str, values: Value| json!({"filterCriteria": {side: [{"key": "createdAt", "comparator": comparator, "values": values}]}});
        // GT 2024-01-03 answered as GTE: a (created exactly then) is listed.
        let gt = term("includes", "GT", json!(["2024-01-03T00:00:00Z"]));
        let found = diagnose(gt, &["ace"], true);
        assert_eq!(
            found.first(),
            Some(&Diagnosis::ComparatorAs {
                asked: "GT".into(),
                applied: "GTE".into()
            })
        );
        // Excludes not applied: every job listed.
        let excludes = term("excludes", "EQ", json!(["2024-01-03T00:00:00Z"]));
        let found = diagnose(excludes, &["abcde"], true);
        assert!(found.contains(&Diagnosis::ExcludesIgnored), "{found:?}");
        let names = json!({"filterCriteria": {"includes": [
            {"key": "name", "comparator": "EQ", "values": ["alpha", "bravo"]}]}});
        assert!(diagnose(names.clone(), &[""], true).contains(&Diagnosis::ValuesJoinedWithAnd));
        assert!(diagnose(names, &[""], true).contains(&Diagnosis::ListsNothing));
        let upper = json!({"filterCriteria": {"includes": [
            {"key": "name", "comparator": "EQ", "values": ["charlie"]}]}});
        assert!(diagnose(upper, &["c"], true).contains(&Diagnosis::CaseInsensitiveMatch));
    }

    #[test]
    fn pages_that_overlap_or_skip_are_named() {
        assert!(
            diagnose(by_created("ASC"), &["bd", "dae", "c"], true)
                .contains(&Diagnosis::PagesOverlap)
        );
        assert!(
            diagnose(by_created("ASC"), &["bd", "ec"], true).contains(&Diagnosis::PagesSkipJobs)
        );
        assert_eq!(
            repeated_page(&jobs("bd"), &jobs("bd")),
            vec![Diagnosis::TokenIgnored, Diagnosis::PagesOverlap]
        );
    }

    #[test]
    fn a_listing_right_once_respelled_is_diagnosed_by_its_spelling() {
        let all = data();
        let mut lower = jobs("bdaec");
        lower[0]["jobType"] = json!("scheduled");
        let request = by_created("ASC");
        let found = listing(&Evidence {
            request: &request,
            pages: vec![lower],
            complete: true,
            fixture: Some(&all),
            placed: true,
        });
        assert_eq!(
            found,
            vec![Diagnosis::EnumSpelling {
                member: "jobType".into()
            }]
        );
        let mut shifted = jobs("bdaec");
        shifted[2]["createdAt"] = json!("2024-01-03T02:00:00Z");
        let found = listing(&Evidence {
            request: &request,
            pages: vec![shifted],
            complete: true,
            fixture: Some(&all),
            placed: true,
        });
        assert_eq!(
            found,
            vec![Diagnosis::DateShifted {
                member: "createdAt".into(),
                precision: false
            }]
        );
    }

    #[test]
    fn schema_violations_name_their_mistake() {
        assert_eq!(
            violation(
                "enum",
                "/items/3/jobStatus",
                None,
                Some(&json!("running")),
                None
            ),
            Some(Diagnosis::EnumSpelling {
                member: "jobStatus".into()
            })
        );
        assert_eq!(
            violation(
                "enum",
                "/items/3/jobStatus",
                None,
                Some(&json!("BUSY")),
                None
            ),
            Some(Diagnosis::UndocumentedValue {
                member: "jobStatus".into()
            })
        );
        let job = json!({"jobid": "x"});
        assert_eq!(
            violation("required", "/items/0", Some("jobId"), Some(&job), None),
            Some(Diagnosis::MemberRenamed {
                member: "jobId".into(),
                sent_as: "jobid".into()
            })
        );
        assert_eq!(
            violation(
                "required",
                "/items/0/bucketDefinitions/1",
                Some("accountId"),
                Some(&json!({})),
                None
            ),
            Some(Diagnosis::MemberMissing {
                member: "bucketDefinitions/*/accountId".into()
            })
        );
        assert_eq!(
            violation(
                "type",
                "/items/0/createdAt",
                None,
                Some(&json!(17)),
                Some("string")
            ),
            Some(Diagnosis::DateSpelling {
                member: "createdAt".into()
            })
        );
        assert_eq!(
            violation(
                "type",
                "/items/0/name",
                None,
                Some(&json!(17)),
                Some("string")
            ),
            Some(Diagnosis::MemberType {
                member: "name".into(),
                expected: "string".into(),
                found: "integer".into()
            })
        );
    }

    #[test]
    fn the_query_shape_names_keys_not_values() {
        let request = json!({"filterCriteria": {"includes": [
            {"key": "name", "comparator": "EQ", "values": ["x"]},
            {"key": "createdAt", "comparator": "GT", "values": ["2024-01-01T00:00:00Z"]}]}});
        assert_eq!(query_shape(&request).as_deref(), Some("createdAt, name"));
        assert_eq!(
            query_shape(&by_created("DESC")).as_deref(),
            Some("sorted by createdAt")
        );
        assert_eq!(query_shape(&json!({})), None);
    }
}
