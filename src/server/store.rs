//! The in-memory job set and the evaluation of list queries over it.
//!
//! A query is filtered and sorted once; the resulting order is kept in a small
//! cache keyed by the query's fingerprint, so walking all pages of a large
//! listing costs one sort plus one slice per page instead of one sort per page.
//! The job set never changes while the server runs, which is what makes a
//! cached order (and therefore an offset inside a token) stay valid.

use super::error::ApiError;
use super::request::ListQuery;
use super::token::{TokenError, TokenSealer};
use crate::model::{
    FilterTerm, JobComparator, JobSummary, ListJobsFilterKey, ListJobsSortAttributeName, OrderBy,
    parse_date_time,
};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

/// Page size used when a request does not set `maxResults`. The document
/// leaves it open; see docs/open-choices.md.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Ordering used when a request does not say. The document leaves it open.
pub const DEFAULT_SORT_ATTRIBUTE: ListJobsSortAttributeName = ListJobsSortAttributeName::CreatedAt;
pub const DEFAULT_ORDER: OrderBy = OrderBy::Asc;

/// How many distinct query orders are kept; older ones are recomputed on use.
const CACHE_CAPACITY: usize = 64;

/// Why a job set could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("job #{index} has createdAt {value:?}, which is not an RFC 3339 date-time")]
    BadCreatedAt { index: usize, value: String },
    #[error("job #{index} repeats jobId {job_id:?}; every job needs its own id")]
    DuplicateJobId { index: usize, job_id: String },
    #[error("job #{index} could not be serialised: {reason}")]
    Serialise { index: usize, reason: String },
}

struct StoredJob {
    summary: JobSummary,
    /// The job's JSON, rendered once at load time.
    json: Box<str>,
    /// Creation time in nanoseconds since the epoch, for exact comparisons.
    created: Option<i128>,
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

#[derive(Default)]
struct OrderCache {
    orders: HashMap<Fingerprint, Arc<Vec<u32>>>,
    age: VecDeque<Fingerprint>,
}

/// The job set a reference server answers from.
pub struct JobStore {
    jobs: Vec<StoredJob>,
    cache: Mutex<OrderCache>,
    /// See [`JobStore::with_scan_window`].
    scan_window: Option<usize>,
}

impl JobStore {
    pub fn new(jobs: Vec<JobSummary>) -> Result<Self, StoreError> {
        let mut seen = HashSet::new();
        let mut stored = Vec::with_capacity(jobs.len());
        for (index, summary) in jobs.into_iter().enumerate() {
            if let Some(id) = &summary.job_id
                && !seen.insert(id.clone())
            {
                return Err(StoreError::DuplicateJobId {
                    index,
                    job_id: id.clone(),
                });
            }
            let created = match &summary.created_at {
                None => None,
                Some(s) => Some(
                    parse_date_time(s)
                        .ok_or_else(|| StoreError::BadCreatedAt {
                            index,
                            value: s.clone(),
                        })?
                        .unix_timestamp_nanos(),
                ),
            };
            let json = serde_json::to_string(&summary)
                .map_err(|e| StoreError::Serialise {
                    index,
                    reason: e.to_string(),
                })?
                .into_boxed_str();
            stored.push(StoredJob {
                summary,
                json,
                created,
            });
        }
        Ok(JobStore {
            jobs: stored,
            cache: Mutex::new(OrderCache::default()),
            scan_window: None,
        })
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
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Answers one list request.
    pub fn list(&self, query: &ListQuery, sealer: &TokenSealer) -> Result<Page, ApiError> {
        let fingerprint = fingerprint(query);
        let filtered = !query.includes.is_empty() || !query.excludes.is_empty();
        // In scan-window mode, offsets count jobs of the unfiltered order
        // and the filter is applied to each window.
        let (order, sparse) = match self.scan_window {
            Some(_) if filtered => {
                let unfiltered = ListQuery {
                    includes: Vec::new(),
                    excludes: Vec::new(),
                    ..query.clone()
                };
                let all = self.order_for(&unfiltered, &self::fingerprint(&unfiltered));
                let matched: HashSet<u32> = self
                    .order_for(query, &fingerprint)
                    .iter()
                    .copied()
                    .collect();
                (all, Some(matched))
            }
            _ => (self.order_for(query, &fingerprint), None),
        };
        let offset = match &query.next_token {
            None => 0,
            Some(token) => match sealer.verify(token, &fingerprint) {
                Ok(offset) if offset < order.len() as u64 => offset as usize,
                Ok(_) | Err(TokenError::NotIssued) => {
                    return Err(ApiError::validation(
                        "nextToken is not a token this server issued (it may be garbled, \
                         or from an earlier server run); repeat the request without nextToken",
                    ));
                }
                Err(TokenError::OtherQuery) => {
                    return Err(ApiError::validation(
                        "nextToken belongs to a listing with a different filterCriteria or \
                         sortCriteria; send the same criteria as the request that returned it, \
                         or start again without nextToken",
                    ));
                }
            },
        };
        let size = query.max_results.unwrap_or(DEFAULT_PAGE_SIZE) as usize;
        let (listed, end): (&[u32], usize) = match &sparse {
            Some(matched) => {
                let limit = offset.saturating_add(self.scan_window.unwrap_or(1));
                let mut at = offset;
                let mut taken = 0;
                while at < order.len() && at < limit && taken < size {
                    taken += usize::from(matched.contains(&order[at]));
                    at += 1;
                }
                (&order[offset..at], at)
            }
            None => {
                let end = offset.saturating_add(size).min(order.len());
                (&order[offset..end], end)
            }
        };
        let next_token = (end < order.len()).then(|| sealer.issue(&fingerprint, end as u64));
        let shown: Vec<u32> = match &sparse {
            Some(matched) => listed
                .iter()
                .copied()
                .filter(|i| matched.contains(i))
                .collect(),
            None => listed.to_vec(),
        };

        let mut body = String::with_capacity(64 + shown.len() * 512);
        body.push_str("{\"items\":[");
        for (n, &i) in shown.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(&self.jobs[i as usize].json);
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

    fn order_for(&self, query: &ListQuery, fingerprint: &Fingerprint) -> Arc<Vec<u32>> {
        if let Some(order) = self.lock_cache().orders.get(fingerprint) {
            return Arc::clone(order);
        }
        // Computed outside the lock: a slow sort must not stall other queries.
        let order = Arc::new(self.compute_order(query));
        let mut cache = self.lock_cache();
        if !cache.orders.contains_key(fingerprint) {
            if cache.age.len() >= CACHE_CAPACITY
                && let Some(oldest) = cache.age.pop_front()
            {
                cache.orders.remove(&oldest);
            }
            cache.age.push_back(*fingerprint);
            cache.orders.insert(*fingerprint, Arc::clone(&order));
        }
        order
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, OrderCache> {
        // The cache holds no invariant a panic elsewhere could break.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn compute_order(&self, query: &ListQuery) -> Vec<u32> {
        let includes: Vec<Compiled> = query.includes.iter().map(Compiled::new).collect();
        let excludes: Vec<Compiled> = query.excludes.iter().map(Compiled::new).collect();
        let mut order: Vec<u32> = (0..self.jobs.len() as u32)
            .filter(|&i| {
                let job = &self.jobs[i as usize];
                includes.iter().all(|t| t.matches(job)) && !excludes.iter().any(|t| t.matches(job))
            })
            .collect();
        let attribute = query.sort.attribute.unwrap_or(DEFAULT_SORT_ATTRIBUTE);
        let direction = query.sort.order.unwrap_or(DEFAULT_ORDER);
        order.sort_unstable_by(|&a, &b| {
            let (ja, jb) = (&self.jobs[a as usize], &self.jobs[b as usize]);
            let primary = compare_on(attribute, ja, jb);
            let primary = match direction {
                OrderBy::Asc => primary,
                OrderBy::Desc => primary.reverse(),
            };
            // Ties are broken by job id, then by position in the data set, so
            // that the order (and thus every page) is the same on each request.
            primary
                .then_with(|| ja.summary.job_id.cmp(&jb.summary.job_id))
                .then_with(|| a.cmp(&b))
        });
        order
    }
}

fn compare_on(attribute: ListJobsSortAttributeName, a: &StoredJob, b: &StoredJob) -> Ordering {
    let (a, b) = (a, b);
    match attribute {
        ListJobsSortAttributeName::CreatedAt => a.created.cmp(&b.created),
        ListJobsSortAttributeName::Name => a.summary.name.cmp(&b.summary.name),
        ListJobsSortAttributeName::JobStatus => a
            .summary
            .job_status
            .map(|s| s.as_str())
            .cmp(&b.summary.job_status.map(|s| s.as_str())),
        ListJobsSortAttributeName::JobType => a
            .summary
            .job_type
            .map(|s| s.as_str())
            .cmp(&b.summary.job_type.map(|s| s.as_str())),
    }
}

/// A filter term with its values prepared for fast evaluation.
struct Compiled<'q> {
    term: &'q FilterTerm,
    instants: Vec<i128>,
}

impl<'q> Compiled<'q> {
    fn new(term: &'q FilterTerm) -> Self {
        let instants = if term.key == ListJobsFilterKey::CreatedAt {
            // Values were validated as date-times when the request was parsed.
            term.values
                .iter()
                .filter_map(|v| parse_date_time(v))
                .map(|t| t.unix_timestamp_nanos())
                .collect()
        } else {
            Vec::new()
        };
        Compiled { term, instants }
    }

    /// Several values are alternatives: a positive comparator holds when it
    /// holds for any value, and NE holds when the job equals none of them.
    fn matches(&self, job: &StoredJob) -> bool {
        use JobComparator::*;
        let c = self.term.comparator;
        let text: Option<&str> = match self.term.key {
            ListJobsFilterKey::JobType => job.summary.job_type.map(|t| t.as_str()),
            ListJobsFilterKey::JobStatus => job.summary.job_status.map(|s| s.as_str()),
            ListJobsFilterKey::Name => job.summary.name.as_deref(),
            ListJobsFilterKey::CreatedAt => {
                let Some(created) = job.created else {
                    return c == Ne;
                };
                let hit = |pred: &dyn Fn(i128) -> bool| self.instants.iter().any(|&v| pred(v));
                return match c {
                    Eq => hit(&|v| created == v),
                    Ne => !hit(&|v| created == v),
                    Gt => hit(&|v| created > v),
                    Gte => hit(&|v| created >= v),
                    Lt => hit(&|v| created < v),
                    Lte => hit(&|v| created <= v),
                    // Only reachable when every pair is answered: the
                    // fragment is looked for in the date-time as written.
                    Contains | StartsWith => {
                        let written = job.summary.created_at.as_deref().unwrap_or("");
                        self.term.values.iter().any(|v| {
                            if c == Contains {
                                written.contains(v.as_str())
                            } else {
                                written.starts_with(v.as_str())
                            }
                        })
                    }
                };
            }
        };
        let Some(text) = text else {
            return c == Ne;
        };
        let values = &self.term.values;
        match c {
            Eq => values.iter().any(|v| v == text),
            Ne => !values.iter().any(|v| v == text),
            Contains => values.iter().any(|v| text.contains(v.as_str())),
            StartsWith => values.iter().any(|v| text.starts_with(v.as_str())),
            // Only reachable when every pair is answered: text is ordered
            // by code point, the reference server's collation.
            Gt => values.iter().any(|v| text > v.as_str()),
            Gte => values.iter().any(|v| text >= v.as_str()),
            Lt => values.iter().any(|v| text < v.as_str()),
            Lte => values.iter().any(|v| text <= v.as_str()),
        }
    }
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
