//! The in-memory job set and the evaluation of list queries over it.
//!
//! Every job is held as the few keys a query filters and sorts on (creation
//! time, name, status, type), one column per key. For each sort attribute and
//! direction the complete order of all jobs is worked out once, at load time.
//! A page is then a scan along that order from where the previous page
//! stopped, keeping the jobs the filter accepts until the page is full, and
//! going on to the next accepted job only to know whether another page
//! follows. So the first page of any query costs about `page size / share of
//! jobs accepted` filter checks, and walking every page costs one pass.
//! The job set never changes while the server runs, which is what keeps a
//! position inside a token valid.
//!
//! A job's JSON is either rendered once at load time (a job list such as a
//! fixture) or made again from the job's index when a page lists it
//! (synthetic jobs, see [`super::synth`]), so a million synthetic jobs take
//! tens of megabytes rather than a gigabyte.

use super::error::ApiError;
use super::request::ListQuery;
use super::synth;
use super::token::{TokenError, TokenSealer};
use crate::model::{
    FilterTerm, JobComparator, JobStatus, JobSummary, JobType, ListJobsFilterKey,
    ListJobsSortAttributeName, OrderBy, format_date_time, parse_date_time,
};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

mod filter;
use filter::Filter;

/// Page size used when a request does not set `maxResults`. The document
/// leaves it open; see docs/open-choices.md.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Ordering used when a request does not say. The document leaves it open.
pub const DEFAULT_SORT_ATTRIBUTE: ListJobsSortAttributeName = ListJobsSortAttributeName::CreatedAt;
pub const DEFAULT_ORDER: OrderBy = OrderBy::Asc;

/// How many plain-token positions are remembered (see [`Hints`]).
const HINT_CAPACITY: usize = 4096;

/// Creation time of a job that has none. No parsed date-time is this far
/// back, and it sorts first, as a missing value did when jobs were compared
/// as `Option`s.
const NO_TIME: i128 = i128::MIN;
/// Column code of a missing name, status or type; it sorts first.
const ABSENT: u32 = 0;

/// Why a job set could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("job #{index} has createdAt {value:?}, which is not an RFC 3339 date-time")]
    BadCreatedAt { index: usize, value: String },
    #[error("job #{index} repeats jobId {job_id:?}; every job needs its own id")]
    DuplicateJobId { index: usize, job_id: String },
    #[error("job #{index} could not be serialised: {reason}")]
    Serialise { index: usize, reason: String },
    #[error("{count} jobs is more than the {max} a server can hold")]
    TooMany { count: usize, max: usize },
}

/// One page of a listing, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The response body (`ListClassificationJobsResponse`).
    pub body: String,
    pub item_count: usize,
    pub next_token: Option<String>,
}

type Fingerprint = [u8; 16];

/// Distinct names in code-point order, so that comparing two names' codes
/// compares the names. Code `c > 0` is `text[ends[c - 2]..ends[c - 1]]`
/// (with `ends[-1]` read as 0); code 0 is a missing name.
#[derive(Default)]
struct Names {
    text: String,
    ends: Vec<usize>,
}

impl Names {
    /// Builds the table from distinct names (in any order), each with a key
    /// below `keys`, and returns the code of each key.
    fn from_distinct(mut distinct: Vec<(Cow<'_, str>, u32)>, keys: usize) -> (Names, Vec<u32>) {
        distinct.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut names = Names {
            text: String::with_capacity(distinct.iter().map(|(s, _)| s.len()).sum()),
            ends: Vec::with_capacity(distinct.len()),
        };
        let mut code_of = vec![ABSENT; keys];
        for (code, (text, key)) in distinct.iter().enumerate() {
            names.text.push_str(text);
            names.ends.push(names.text.len());
            code_of[*key as usize] = code as u32 + 1;
        }
        (names, code_of)
    }

    fn get(&self, code: u32) -> Option<&str> {
        let i = (code as usize).checked_sub(1)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..self.ends[i]])
    }
}

/// Where a job's JSON comes from.
enum Rendered {
    /// Rendered at load time: `json[ends[i - 1]..ends[i]]` is job `i`.
    /// `created_text` keeps each `createdAt` as written, for text matches on
    /// it (answered only when every pair is).
    Stored {
        json: String,
        ends: Vec<usize>,
        created_text: Vec<Option<Box<str>>>,
    },
    /// [`synth::job`], from the index and the creation time.
    Synthetic,
}

/// The orders of all jobs for one sort attribute, each a list of job indices.
struct Orders {
    asc: Vec<u32>,
    desc: Vec<u32>,
}

/// Plain tokens carry the number of jobs listed before the next page, which
/// says nothing of where in the order that page starts; these remember it
/// for tokens recently handed out, so a walk need not count from the start
/// on every page.
#[derive(Default)]
struct Hints {
    at: HashMap<(Fingerprint, u64), usize>,
    age: VecDeque<(Fingerprint, u64)>,
}

/// The job set a reference server answers from.
pub struct JobStore {
    /// Nanoseconds since the epoch, or [`NO_TIME`].
    created: Vec<i128>,
    /// Codes into `names`.
    name: Vec<u32>,
    /// 0, or 1 + the value's index in `JobStatus::ALL`.
    status: Vec<u8>,
    /// 0, or 1 + the value's index in `JobType::ALL`.
    job_type: Vec<u8>,
    names: Names,
    rendered: Rendered,
    /// Indexed by [`attribute_index`].
    orders: [Orders; 4],
    hints: Mutex<Hints>,
    /// See [`JobStore::with_scan_window`].
    scan_window: Option<usize>,
}

/// Positions in orders are `u32`s.
const MAX_JOBS: usize = u32::MAX as usize;

fn status_code(s: Option<JobStatus>) -> u8 {
    s.and_then(|s| JobStatus::ALL.iter().position(|x| *x == s))
        .map_or(0, |p| p as u8 + 1)
}

fn type_code(t: Option<JobType>) -> u8 {
    t.and_then(|t| JobType::ALL.iter().position(|x| *x == t))
        .map_or(0, |p| p as u8 + 1)
}

fn status_of(code: u8) -> Option<&'static str> {
    let i = usize::from(code).checked_sub(1)?;
    JobStatus::ALL.get(i).map(|s| s.as_str())
}

fn type_of(code: u8) -> Option<&'static str> {
    let i = usize::from(code).checked_sub(1)?;
    JobType::ALL.get(i).map(|t| t.as_str())
}

/// For each column code of an enum (0 = absent), its rank when values are
/// ordered by their wire names, as the sort always compared them.
fn wire_ranks(names: &[&str]) -> Vec<u32> {
    let mut ranks = vec![0u32; names.len() + 1];
    for (i, name) in names.iter().enumerate() {
        ranks[i + 1] = 1 + names.iter().filter(|other| *other < name).count() as u32;
    }
    ranks
}

fn attribute_index(attribute: ListJobsSortAttributeName) -> usize {
    match attribute {
        ListJobsSortAttributeName::CreatedAt => 0,
        ListJobsSortAttributeName::Name => 1,
        ListJobsSortAttributeName::JobStatus => 2,
        ListJobsSortAttributeName::JobType => 3,
    }
}

impl JobStore {
    pub fn new(jobs: Vec<JobSummary>) -> Result<Self, StoreError> {
        if jobs.len() > MAX_JOBS {
            return Err(StoreError::TooMany {
                count: jobs.len(),
                max: MAX_JOBS,
            });
        }
        let n = jobs.len();
        let mut seen = HashSet::with_capacity(n);
        let mut created = Vec::with_capacity(n);
        let mut created_text = Vec::with_capacity(n);
        let mut json = String::new();
        let mut ends = Vec::with_capacity(n);
        for (index, summary) in jobs.iter().enumerate() {
            if let Some(id) = &summary.job_id
                && !seen.insert(id.as_str())
            {
                return Err(StoreError::DuplicateJobId {
                    index,
                    job_id: id.clone(),
                });
            }
            created.push(match &summary.created_at {
                None => NO_TIME,
                Some(s) => parse_date_time(s)
                    .ok_or_else(|| StoreError::BadCreatedAt {
                        index,
                        value: s.clone(),
                    })?
                    .unix_timestamp_nanos(),
            });
            created_text.push(summary.created_at.as_deref().map(Box::from));
            let rendered = serde_json::to_string(summary).map_err(|e| StoreError::Serialise {
                index,
                reason: e.to_string(),
            })?;
            json.push_str(&rendered);
            ends.push(json.len());
        }
        drop(seen);

        let mut codes: HashMap<&str, u32> = HashMap::new();
        let mut distinct = Vec::new();
        let temporary: Vec<u32> = jobs
            .iter()
            .map(|job| match job.name.as_deref() {
                None => u32::MAX,
                Some(name) => *codes.entry(name).or_insert_with(|| {
                    distinct.push((Cow::Borrowed(name), distinct.len() as u32));
                    distinct.len() as u32 - 1
                }),
            })
            .collect();
        let keys = distinct.len();
        let (names, code_of) = Names::from_distinct(distinct, keys);
        let name = temporary
            .iter()
            .map(|&t| code_of.get(t as usize).copied().unwrap_or(ABSENT))
            .collect();

        // Ties are broken by job id, then by position in the data set; this
        // is that order, as a rank per job.
        let mut by_id: Vec<u32> = (0..n as u32).collect();
        by_id.sort_by(|&a, &b| jobs[a as usize].job_id.cmp(&jobs[b as usize].job_id));
        let mut id_rank = vec![0u32; n];
        for (rank, &i) in by_id.iter().enumerate() {
            id_rank[i as usize] = rank as u32;
        }

        Ok(Self::assemble(
            created,
            name,
            jobs.iter().map(|j| status_code(j.job_status)).collect(),
            jobs.iter().map(|j| type_code(j.job_type)).collect(),
            names,
            Rendered::Stored {
                json,
                ends,
                created_text,
            },
            &id_rank,
        ))
    }

    /// `n` synthetic jobs: the same jobs as [`synth::jobs`]`(n)`, answered the
    /// same way as `JobStore::new(synth::jobs(n))`, but each job's JSON is
    /// made when a page lists it rather than kept.
    pub fn synthetic(n: usize) -> Result<Self, StoreError> {
        if n > MAX_JOBS {
            return Err(StoreError::TooMany {
                count: n,
                max: MAX_JOBS,
            });
        }
        let mut created = Vec::with_capacity(n);
        let mut status = Vec::with_capacity(n);
        let mut job_type = Vec::with_capacity(n);
        let mut temporary = Vec::with_capacity(n);
        // Only the names some job has go in the table.
        let mut used = vec![false; synth::NAME_COUNT as usize];
        let mut at = synth::START_MS;
        for i in 0..n {
            let keys = synth::keys(i);
            at += keys.step_ms;
            created.push(i128::from(at) * 1_000_000);
            status.push(status_code(Some(keys.job_status)));
            job_type.push(type_code(Some(keys.job_type)));
            temporary.push(keys.name);
            used[keys.name as usize] = true;
        }
        let distinct = used
            .iter()
            .enumerate()
            .filter(|(_, u)| **u)
            .map(|(id, _)| (Cow::Owned(synth::name(id as u32)), id as u32))
            .collect();
        let (names, code_of) = Names::from_distinct(distinct, synth::NAME_COUNT as usize);
        let name = temporary.iter().map(|&id| code_of[id as usize]).collect();
        // Synthetic ids start with the index at a fixed width, so they sort
        // as the indices do.
        let id_rank: Vec<u32> = (0..n as u32).collect();
        Ok(Self::assemble(
            created,
            name,
            status,
            job_type,
            names,
            Rendered::Synthetic,
            &id_rank,
        ))
    }

    fn assemble(
        created: Vec<i128>,
        name: Vec<u32>,
        status: Vec<u8>,
        job_type: Vec<u8>,
        names: Names,
        rendered: Rendered,
        id_rank: &[u32],
    ) -> Self {
        let status_rank = wire_ranks(
            &JobStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
        );
        let type_rank = wire_ranks(&JobType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>());
        // The four sorts are independent; the server has at least two cores
        // to start on, so two of them run beside the other two.
        let (created_orders, name_orders, status_orders, type_orders) =
            std::thread::scope(|scope| {
                let a = scope.spawn(|| {
                    (
                        orders(id_rank, |i| created[i]),
                        orders(id_rank, |i| status_rank[usize::from(status[i])]),
                    )
                });
                let name_orders = orders(id_rank, |i| name[i]);
                let type_orders = orders(id_rank, |i| type_rank[usize::from(job_type[i])]);
                let (created_orders, status_orders) = match a.join() {
                    Ok(pair) => pair,
                    Err(panic) => std::panic::resume_unwind(panic),
                };
                (created_orders, name_orders, status_orders, type_orders)
            });
        JobStore {
            created,
            name,
            status,
            job_type,
            names,
            rendered,
            orders: [created_orders, name_orders, status_orders, type_orders],
            hints: Mutex::new(Hints::default()),
            scan_window: None,
        }
    }

    /// Answers filtered queries the way a server that scans its data in
    /// fixed windows does: each request looks at the next `window` jobs in
    /// sort order and lists only the matches among them, so a page may be
    /// short or empty while a `nextToken` says more may follow. The
    /// document allows this (it promises no page fill), and it is the most
    /// extreme such server the suite must still pass.
    pub fn with_scan_window(mut self, window: usize) -> Self {
        self.scan_window = Some(window.max(1));
        self
    }

    pub fn len(&self) -> usize {
        self.created.len()
    }

    pub fn is_empty(&self) -> bool {
        self.created.is_empty()
    }

    /// Answers one list request.
    ///
    /// What a token's offset counts: with sealed tokens, the position in the
    /// order (of all jobs) where the next page starts, which only this server
    /// reads. With plain tokens, which a client can read and which are
    /// accepted with any query, the number of jobs of this query listed
    /// before the next page. In scan-window mode, the position in the order,
    /// either way.
    pub fn list(&self, query: &ListQuery, sealer: &TokenSealer) -> Result<Page, ApiError> {
        let fingerprint = fingerprint(query);
        let filter = Filter::new(query);
        let attribute = query.sort.attribute.unwrap_or(DEFAULT_SORT_ATTRIBUTE);
        let orders = &self.orders[attribute_index(attribute)];
        let order: &[u32] = match query.sort.order.unwrap_or(DEFAULT_ORDER) {
            OrderBy::Asc => &orders.asc,
            OrderBy::Desc => &orders.desc,
        };
        let accepts = |i: u32| filter.accepts(self, i as usize);
        let window = self.scan_window.filter(|_| !filter.is_empty());
        let counts_listed = sealer.is_plain() && window.is_none();

        let offset = match &query.next_token {
            None => 0,
            Some(token) => sealer.verify(token, &fingerprint).map_err(|e| match e {
                TokenError::NotIssued => not_issued(),
                TokenError::OtherQuery => other_query(),
            })?,
        };
        let start = if query.next_token.is_none() {
            Some(0)
        } else if counts_listed {
            self.position_of_listed(&fingerprint, offset, order, &filter, &accepts)
        } else {
            usize::try_from(offset).ok().filter(|&p| p < order.len())
        };
        let Some(start) = start else {
            return Err(not_issued());
        };

        let size = query.max_results.unwrap_or(DEFAULT_PAGE_SIZE) as usize;
        let mut shown = Vec::with_capacity(size.min(order.len() - start));
        let mut at = start;
        let next = match window {
            Some(window) => {
                let limit = start.saturating_add(window);
                while at < order.len() && at < limit && shown.len() < size {
                    if accepts(order[at]) {
                        shown.push(order[at]);
                    }
                    at += 1;
                }
                (at < order.len()).then_some(at)
            }
            None => {
                while at < order.len() && shown.len() < size {
                    if accepts(order[at]) {
                        shown.push(order[at]);
                    }
                    at += 1;
                }
                (at..order.len()).find(|&p| accepts(order[p]))
            }
        };
        let next_token = next.map(|position| {
            if counts_listed {
                let listed = offset.saturating_add(shown.len() as u64);
                self.remember(fingerprint, listed, position);
                sealer.issue(&fingerprint, listed)
            } else {
                sealer.issue(&fingerprint, position as u64)
            }
        });

        let mut body = String::with_capacity(64 + shown.len() * 512);
        body.push_str("{\"items\":[");
        for (n, &i) in shown.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            self.render(i as usize, &mut body)?;
        }
        body.push(']');
        if let Some(token) = &next_token {
            // Tokens are base64url, so they need no JSON escaping.
            body.push_str(",\"nextToken\":\"");
            body.push_str(token);
            body.push('"');
        }
        body.push('}');
        Ok(Page {
            body,
            item_count: shown.len(),
            next_token,
        })
    }

    /// Where the job after the first `listed` jobs of a query stands in its
    /// order, if the query has that many more; a remembered answer when this
    /// server handed out that token, else by counting from the start.
    fn position_of_listed(
        &self,
        fingerprint: &Fingerprint,
        listed: u64,
        order: &[u32],
        filter: &Filter<'_>,
        accepts: &impl Fn(u32) -> bool,
    ) -> Option<usize> {
        let listed = usize::try_from(listed).ok()?;
        if filter.is_empty() {
            return (listed < order.len()).then_some(listed);
        }
        if let Some(&at) = self.lock_hints().at.get(&(*fingerprint, listed as u64)) {
            return Some(at);
        }
        order
            .iter()
            .enumerate()
            .filter(|(_, i)| accepts(**i))
            .nth(listed)
            .map(|(at, _)| at)
    }

    fn remember(&self, fingerprint: Fingerprint, listed: u64, at: usize) {
        let mut hints = self.lock_hints();
        if hints.at.insert((fingerprint, listed), at).is_none() {
            if hints.age.len() >= HINT_CAPACITY
                && let Some(oldest) = hints.age.pop_front()
            {
                hints.at.remove(&oldest);
            }
            hints.age.push_back((fingerprint, listed));
        }
    }

    fn lock_hints(&self) -> std::sync::MutexGuard<'_, Hints> {
        // The hints hold no invariant a panic elsewhere could break.
        self.hints.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn render(&self, i: usize, out: &mut String) -> Result<(), ApiError> {
        match &self.rendered {
            Rendered::Stored { json, ends, .. } => {
                let start = if i == 0 { 0 } else { ends[i - 1] };
                out.push_str(&json[start..ends[i]]);
            }
            Rendered::Synthetic => {
                let created_ms = (self.created[i] / 1_000_000) as i64;
                let job = serde_json::to_string(&synth::job(i, created_ms))
                    .map_err(|e| internal(&format!("job #{i} could not be rendered: {e}")))?;
                out.push_str(&job);
            }
        }
        Ok(())
    }

    fn created_text(&self, i: usize) -> Cow<'_, str> {
        match &self.rendered {
            Rendered::Stored { created_text, .. } => {
                Cow::Borrowed(created_text[i].as_deref().unwrap_or(""))
            }
            // Synthetic jobs write their creation time this way.
            Rendered::Synthetic => time::OffsetDateTime::from_unix_timestamp_nanos(self.created[i])
                .ok()
                .and_then(format_date_time)
                .map_or(Cow::Borrowed(""), Cow::Owned),
        }
    }
}

fn not_issued() -> ApiError {
    ApiError::validation(
        "nextToken is not a token this server issued (it may be garbled, \
         or from an earlier server run); repeat the request without nextToken",
    )
}

fn other_query() -> ApiError {
    ApiError::validation(
        "nextToken belongs to a listing with a different filterCriteria or \
         sortCriteria; send the same criteria as the request that returned it, \
         or start again without nextToken",
    )
}

fn internal(message: &str) -> ApiError {
    ApiError::new(crate::model::ErrorKind::InternalServerException, message)
}

/// Both orders of all jobs by `key`, ties broken by `id_rank` (job id, then
/// position in the data set). Descending reverses only the key: jobs with
/// equal keys keep their ascending tie order.
fn orders<K: Ord + Copy>(id_rank: &[u32], key: impl Fn(usize) -> K) -> Orders {
    let mut keyed: Vec<(K, u32, u32)> = (0..id_rank.len())
        .map(|i| (key(i), id_rank[i], i as u32))
        .collect();
    // (key, id rank) is unique, so an unstable sort gives one order.
    keyed.sort_unstable();
    let asc: Vec<u32> = keyed.iter().map(|k| k.2).collect();
    let mut desc = Vec::with_capacity(asc.len());
    let mut end = keyed.len();
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && keyed[start - 1].0 == keyed[end - 1].0 {
            start -= 1;
        }
        desc.extend_from_slice(&asc[start..end]);
        end = start;
    }
    Orders { asc, desc }
}

/// Identifies the listing a request asks for, independent of the page.
fn fingerprint(query: &ListQuery) -> Fingerprint {
    let mut h = Sha256::new();
    let attribute = query.sort.attribute.unwrap_or(DEFAULT_SORT_ATTRIBUTE);
    let direction = query.sort.order.unwrap_or(DEFAULT_ORDER);
    h.update(attribute.as_str().as_bytes());
    h.update([0]);
    h.update(direction.as_str().as_bytes());
    for (tag, terms) in [(b'I', &query.includes), (b'X', &query.excludes)] {
        for term in terms {
            h.update([0, tag]);
            h.update(term.key.as_str().as_bytes());
            h.update([0]);
            h.update(term.comparator.as_str().as_bytes());
            for v in &term.values {
                // Length-prefixed so that values cannot run into each other.
                h.update((v.len() as u64).to_be_bytes());
                h.update(v.as_bytes());
            }
        }
    }
    let digest = h.finalize();
    let mut fp = [0u8; 16];
    fp.copy_from_slice(&digest[..16]);
    fp
}

#[cfg(test)]
mod tests;
