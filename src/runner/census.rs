//! How much data the target holds, learned once per run.
//!
//! The document says nothing of a server's data, so a correct server may
//! hold no job at all. Cases that need some (a second page, say) declare
//! `requires: {min_jobs: N}`, and are skipped with that reason on a target
//! that holds fewer. The count comes from the canonical fixture when the
//! target is declared to hold it, and otherwise from walking the unfiltered
//! listing at the target's own page size, which every correct server answers.

use crate::engine::check;
use crate::engine::exchange::HttpRequest;
use serde_json::Value;

/// Counting stops here: no case may need more, and a target with millions
/// of jobs must not be walked to the end just to learn that it has enough.
pub(crate) const LIMIT: usize = crate::engine::case::MAX_MIN_JOBS;

/// A walk that never ends is cut off here (a broken target; its cases
/// report what is wrong with it).
const MAX_PAGES: usize = 1_000;

/// What the census found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Census {
    /// The listing holds exactly this many jobs.
    Exactly(usize),
    /// The unfiltered walk ended after `pages` pages holding `jobs` jobs.
    Walked { jobs: usize, pages: usize },
    /// At least [`LIMIT`] jobs; counting stopped there.
    AtLeast(usize),
    /// The listing could not be walked; cases run and show why.
    Unknown(String),
}

impl Census {
    /// The number of jobs, when it is known exactly.
    pub fn exact(&self) -> Option<usize> {
        match self {
            Census::Exactly(n) | Census::Walked { jobs: n, .. } => Some(*n),
            _ => None,
        }
    }

    /// The fewest jobs the listing holds, when the run knows.
    pub fn at_least(&self) -> Option<usize> {
        match self {
            Census::Exactly(n) | Census::Walked { jobs: n, .. } | Census::AtLeast(n) => Some(*n),
            Census::Unknown(_) => None,
        }
    }

    /// How many pages without a job a walk of any query may take before
    /// it is a listing that never ends, when the run knows enough to say.
    /// A scan moves on by at least one job per page, or by one part of the
    /// data set (a partition, a shard): the unfiltered listing's own
    /// number of pages bounds the parts. So one page per job, one per page
    /// of the unfiltered listing, and a last one.
    pub fn empty_page_bound(&self) -> Option<usize> {
        match self {
            Census::Exactly(jobs) => Some(jobs + 1),
            Census::Walked { jobs, pages } => Some(jobs + pages + 1),
            _ => None,
        }
    }

    /// Why a case that needs `min_jobs` cannot run here, if it cannot.
    pub fn shortfall(&self, min_jobs: usize) -> Option<String> {
        match self {
            Census::Exactly(n) | Census::Walked { jobs: n, .. } if *n < min_jobs => Some(format!(
                "needs at least {min_jobs} job(s) on the target, which lists {n}"
            )),
            _ => None,
        }
    }
}

/// Walks the unfiltered listing (no `maxResults`, so at the target's own
/// page size) and counts jobs up to [`LIMIT`].
pub(crate) async fn count(shared: &super::Shared) -> Census {
    let mut body = serde_json::json!({});
    let mut counted = 0usize;
    for pages in 1..=MAX_PAGES {
        let request = HttpRequest {
            method: "POST".into(),
            url: super::join_url(&shared.target, "/jobs/list"),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        let mut exchange = shared.client.send(request, true).await;
        // Its errors become skip reasons in every report.
        crate::report::redact_with(&mut exchange, &shared.redact, &shared.secret_values);
        let response = match exchange.outcome {
            Ok(r) => r,
            Err(e) => return Census::Unknown(e.to_string()),
        };
        let page = response.json().unwrap_or(Value::Null);
        // Only a successful answer is a listing: an error body without
        // `items` is not an empty page.
        let listing = (200..300).contains(&response.status).then_some(&page);
        let Some(items) = listing.and_then(check::items) else {
            return Census::Unknown(check::not_a_listing(&response));
        };
        counted += items.len();
        if counted >= LIMIT {
            return Census::AtLeast(counted);
        }
        match page.get("nextToken") {
            Some(Value::String(token)) => body["nextToken"] = Value::String(token.clone()),
            _ => {
                return Census::Walked {
                    jobs: counted,
                    pages,
                };
            }
        }
    }
    Census::Unknown(format!("the listing did not end within {MAX_PAGES} pages"))
}

/// Whether the target answers the unfiltered listing with `maxResults`
/// `size` with a listing (not a refusal, which the document allows for any
/// size, nor anything else: the cases then show what is wrong).
pub(crate) async fn honours(shared: &super::Shared, size: usize) -> bool {
    let request = HttpRequest {
        method: "POST".into(),
        url: super::join_url(&shared.target, "/jobs/list"),
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::json!({ "maxResults": size })
            .to_string()
            .into_bytes(),
    };
    let exchange = shared.client.send(request, true).await;
    let Ok(response) = exchange.outcome else {
        return false;
    };
    (200..300).contains(&response.status)
        && response
            .json()
            .is_ok_and(|page| check::items(&page).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_known_shortfall_skips() {
        assert_eq!(
            Census::Exactly(1).shortfall(2).as_deref(),
            Some("needs at least 2 job(s) on the target, which lists 1")
        );
        assert_eq!(Census::Exactly(2).shortfall(2), None);
        assert_eq!(
            Census::Walked { jobs: 1, pages: 1 }.shortfall(2).as_deref(),
            Some("needs at least 2 job(s) on the target, which lists 1")
        );
    }

    #[test]
    fn empty_pages_are_bounded_by_jobs_and_parts_when_known() {
        assert_eq!(Census::Exactly(79).empty_page_bound(), Some(80));
        // Three pages of no job then the end: a partitioned store may page
        // by part, so its walks may take as many empty pages.
        assert_eq!(
            Census::Walked { jobs: 0, pages: 3 }.empty_page_bound(),
            Some(4)
        );
        assert_eq!(Census::AtLeast(LIMIT).empty_page_bound(), None);
        assert_eq!(Census::Unknown("x".into()).empty_page_bound(), None);
        assert_eq!(Census::AtLeast(LIMIT).shortfall(LIMIT), None);
        assert_eq!(Census::Unknown("x".into()).shortfall(5), None);
    }
}
