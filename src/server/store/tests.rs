//! The store against a straightforward filter-then-sort over the same
//! jobs, written here over `JobSummary`s without the store's columns,
//! codes or precomputed orders.

use super::*;
use crate::model::{JobComparator::*, ListJobsFilterKey as Key, SortCriteria};
use base64::Engine;
use serde_json::Value;
use std::cmp::Ordering;

fn term(key: Key, comparator: JobComparator, values: &[&str]) -> FilterTerm {
    FilterTerm {
        key,
        comparator,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn query(
    includes: Vec<FilterTerm>,
    excludes: Vec<FilterTerm>,
    attribute: Option<ListJobsSortAttributeName>,
    order: Option<OrderBy>,
    max_results: Option<u32>,
) -> ListQuery {
    ListQuery {
        includes,
        excludes,
        sort: SortCriteria { attribute, order },
        max_results,
        next_token: None,
    }
}

fn naive_text(job: &JobSummary, key: Key) -> Option<String> {
    match key {
        Key::JobType => job.job_type.map(|t| t.as_str().to_string()),
        Key::JobStatus => job.job_status.map(|s| s.as_str().to_string()),
        Key::Name => job.name.clone(),
        Key::CreatedAt => job.created_at.clone(),
    }
}

fn instant(s: &str) -> i128 {
    parse_date_time(s)
        .expect("date-time")
        .unix_timestamp_nanos()
}

fn naive_matches(job: &JobSummary, t: &FilterTerm) -> bool {
    let Some(text) = naive_text(job, t.key) else {
        return t.comparator == Ne;
    };
    let ordered = |v: &String| -> Ordering {
        if t.key == Key::CreatedAt {
            instant(&text).cmp(&instant(v))
        } else {
            text.as_str().cmp(v.as_str())
        }
    };
    let any = |f: &dyn Fn(&String) -> bool| t.values.iter().any(f);
    match t.comparator {
        Eq => any(&|v| ordered(v).is_eq()),
        Ne => !any(&|v| ordered(v).is_eq()),
        Gt => any(&|v| ordered(v).is_gt()),
        Gte => any(&|v| ordered(v).is_ge()),
        Lt => any(&|v| ordered(v).is_lt()),
        Lte => any(&|v| ordered(v).is_le()),
        Contains => any(&|v| text.contains(v.as_str())),
        StartsWith => any(&|v| text.starts_with(v.as_str())),
    }
}

/// Indices of the jobs a query lists, in order.
fn naive(jobs: &[JobSummary], q: &ListQuery) -> Vec<usize> {
    let mut listed: Vec<usize> = (0..jobs.len())
        .filter(|&i| {
            q.includes.iter().all(|t| naive_matches(&jobs[i], t))
                && !q.excludes.iter().any(|t| naive_matches(&jobs[i], t))
        })
        .collect();
    let attribute = q.sort.attribute.unwrap_or(DEFAULT_SORT_ATTRIBUTE);
    let key = |j: &JobSummary| -> (Option<i128>, Option<String>) {
        match attribute {
            ListJobsSortAttributeName::CreatedAt => (j.created_at.as_deref().map(instant), None),
            ListJobsSortAttributeName::Name => (None, j.name.clone()),
            ListJobsSortAttributeName::JobStatus => {
                (None, j.job_status.map(|s| s.as_str().to_string()))
            }
            ListJobsSortAttributeName::JobType => {
                (None, j.job_type.map(|t| t.as_str().to_string()))
            }
        }
    };
    let keys: Vec<_> = jobs.iter().map(key).collect();
    listed.sort_by(|&a, &b| {
        let primary = keys[a].cmp(&keys[b]);
        let primary = match q.sort.order.unwrap_or(DEFAULT_ORDER) {
            OrderBy::Asc => primary,
            OrderBy::Desc => primary.reverse(),
        };
        primary
            .then_with(|| jobs[a].job_id.cmp(&jobs[b].job_id))
            .then_with(|| a.cmp(&b))
    });
    listed
}

fn items(page: &Page) -> Vec<Value> {
    let body: Value = serde_json::from_str(&page.body).expect("page is JSON");
    assert_eq!(
        body.get("nextToken").and_then(Value::as_str),
        page.next_token.as_deref()
    );
    body["items"].as_array().expect("items").clone()
}

fn as_values(jobs: &[JobSummary], listed: &[usize]) -> Vec<Value> {
    listed
        .iter()
        .map(|&i| serde_json::to_value(&jobs[i]).expect("job"))
        .collect()
}

/// Every page of a query, following tokens.
fn walk(store: &JobStore, sealer: &TokenSealer, q: &ListQuery) -> Vec<Vec<Value>> {
    let mut q = q.clone();
    let mut pages = Vec::new();
    loop {
        let page = store.list(&q, sealer).expect("page");
        pages.push(items(&page));
        assert!(pages.len() <= store.len() + 1, "the walk does not end");
        match page.next_token {
            Some(t) => q.next_token = Some(t),
            None => return pages,
        }
    }
}

/// Filters over every key, including pairs only answered when every
/// pair is (the store answers whatever it is given).
fn filters(jobs: &[JobSummary]) -> Vec<(Vec<FilterTerm>, Vec<FilterTerm>)> {
    let some_name = jobs.iter().find_map(|j| j.name.clone()).expect("a name");
    let times: Vec<&str> = jobs
        .iter()
        .filter_map(|j| j.created_at.as_deref())
        .collect();
    let (early, middle) = (times[times.len() / 5], times[times.len() / 2]);
    vec![
        (vec![], vec![]),
        (vec![term(Key::Name, Contains, &["pay", "hr-"])], vec![]),
        (vec![term(Key::Name, StartsWith, &["Ä", "s"])], vec![]),
        (vec![term(Key::Name, Eq, &[&some_name])], vec![]),
        (vec![], vec![term(Key::Name, Eq, &[&some_name])]),
        (vec![term(Key::Name, Ne, &[&some_name, "x"])], vec![]),
        (vec![term(Key::Name, Gt, &["m"])], vec![]),
        (vec![term(Key::Name, Lte, &["d"])], vec![]),
        (
            vec![term(Key::JobStatus, Eq, &["RUNNING", "USER_PAUSED"])],
            vec![],
        ),
        (vec![term(Key::JobStatus, Contains, &["US"])], vec![]),
        (vec![term(Key::JobType, Ne, &["ONE_TIME"])], vec![]),
        (vec![term(Key::CreatedAt, Gt, &[middle])], vec![]),
        (vec![term(Key::CreatedAt, Lte, &[early])], vec![]),
        (vec![term(Key::CreatedAt, Eq, &[early, middle])], vec![]),
        (vec![term(Key::CreatedAt, Ne, &[middle])], vec![]),
        (
            vec![term(Key::CreatedAt, StartsWith, &["2023-01-0"])],
            vec![],
        ),
        (
            vec![
                term(Key::JobStatus, Ne, &["PAUSED"]),
                term(Key::CreatedAt, Gte, &[early]),
            ],
            vec![
                term(Key::Name, Contains, &["a"]),
                term(Key::JobType, Eq, &["SCHEDULED"]),
            ],
        ),
        (vec![term(Key::Name, Eq, &["no job has this name"])], vec![]),
    ]
}

fn sorts() -> Vec<(Option<ListJobsSortAttributeName>, Option<OrderBy>)> {
    let mut sorts = vec![(None, None)];
    for attribute in ListJobsSortAttributeName::ALL {
        for order in OrderBy::ALL {
            sorts.push((Some(*attribute), Some(*order)));
        }
    }
    sorts
}

/// Synthetic jobs with gaps: missing names, statuses, types, creation
/// times and ids, and creation times written with offsets, so that every
/// tie rule and every missing value is exercised.
fn ragged_jobs(n: usize) -> Vec<JobSummary> {
    let mut jobs = synth::jobs(n);
    for (i, job) in jobs.iter_mut().enumerate() {
        if i % 7 == 3 {
            job.name = None;
        }
        if i % 11 == 4 {
            job.job_status = None;
        }
        if i % 13 == 5 {
            job.job_type = None;
        }
        if i % 5 == 1 {
            job.created_at = None;
        }
        if i % 17 == 6 {
            job.job_id = None;
        }
        if i % 9 == 2 {
            job.job_id = Some(format!("z-{:05}", n - i));
        }
        if i % 19 == 8
            && let Some(t) = job.created_at.as_deref().and_then(parse_date_time)
        {
            let shifted = t.to_offset(time::UtcOffset::from_hms(2, 0, 0).expect("offset"));
            job.created_at = Some(
                shifted
                    .format(&time::format_description::well_known::Rfc3339)
                    .expect("formats"),
            );
        }
    }
    jobs
}

/// The items of a page as the body writes them (without the brackets).
fn items_text(page: &Page) -> &str {
    let rest = page.body.strip_prefix("{\"items\":[").expect("body opens");
    let end = match &page.next_token {
        Some(t) => format!("],\"nextToken\":\"{t}\"}}"),
        None => "]}".to_string(),
    };
    rest.strip_suffix(end.as_str()).expect("body closes")
}

/// Every sort and filter at several page sizes: the walk's pages put
/// together equal the naive listing, and no page but the last is short.
/// Compared as text, each job written by serde from its `JobSummary`.
fn check_walks(store: &JobStore, jobs: &[JobSummary], sealer: &TokenSealer) {
    let json: Vec<String> = jobs
        .iter()
        .map(|j| serde_json::to_string(j).expect("job"))
        .collect();
    for (includes, excludes) in filters(jobs) {
        for (attribute, order) in sorts() {
            let all = query(includes.clone(), excludes.clone(), attribute, order, None);
            let listed = naive(jobs, &all);
            let expected: Vec<&str> = listed.iter().map(|&i| json[i].as_str()).collect();
            let expected = expected.join(",");
            for size in [None, Some(1), Some(7), Some(u32::MAX >> 1)] {
                if size == Some(1) && listed.len() > 200 {
                    continue;
                }
                let mut q = ListQuery {
                    max_results: size,
                    ..all.clone()
                };
                let limit = size.unwrap_or(DEFAULT_PAGE_SIZE) as usize;
                let (mut text, mut count) = (Vec::new(), 0);
                loop {
                    let page = store.list(&q, sealer).expect("page");
                    // A token promises more jobs.
                    assert!(
                        page.item_count > 0 || q.next_token.is_none(),
                        "empty page after a token: {q:?}"
                    );
                    count += page.item_count;
                    if page.item_count > 0 {
                        text.push(items_text(&page).to_string());
                    }
                    match page.next_token {
                        Some(t) => {
                            assert_eq!(page.item_count, limit, "short page: {q:?}");
                            q.next_token = Some(t);
                        }
                        None => break,
                    }
                    assert!(count <= listed.len(), "the walk does not end: {q:?}");
                }
                assert_eq!(count, listed.len(), "{q:?}");
                assert!(
                    text.join(",") == expected,
                    "walk differs from the naive listing: {q:?}"
                );
            }
        }
    }
}

#[test]
fn walks_equal_a_naive_filter_then_sort() {
    let jobs = ragged_jobs(1500);
    let store = JobStore::new(jobs.clone()).expect("loads");
    check_walks(&store, &jobs, &TokenSealer::random());
    check_walks(&store, &jobs, &TokenSealer::plain());
}

#[test]
fn synthetic_walks_equal_a_naive_filter_then_sort() {
    let jobs = synth::jobs(2500);
    let store = JobStore::synthetic(jobs.len()).expect("synthetic");
    check_walks(&store, &jobs, &TokenSealer::random());
}

#[test]
fn synthetic_jobs_rendered_on_demand_equal_the_generated_list() {
    let n = 2000;
    let listed = JobStore::new(synth::jobs(n)).expect("loads");
    let on_demand = JobStore::synthetic(n).expect("synthetic");
    let sealer = TokenSealer::random();
    for (includes, excludes) in filters(&synth::jobs(n)) {
        for (attribute, order) in sorts() {
            let mut q = query(
                includes.clone(),
                excludes.clone(),
                attribute,
                order,
                Some(250),
            );
            loop {
                let a = listed.list(&q, &sealer).expect("page");
                let b = on_demand.list(&q, &sealer).expect("page");
                assert_eq!(a, b, "{q:?}");
                match a.next_token {
                    Some(t) => q.next_token = Some(t),
                    None => break,
                }
            }
        }
    }
    let mut created = synth::START_MS;
    for (i, job) in synth::jobs(n).iter().enumerate() {
        created += synth::keys(i).step_ms;
        assert_eq!(&synth::job(i, created), job, "job {i}");
    }
}

/// In scan-window mode a filtered page lists the matches among the next
/// `window` jobs of the unfiltered order, and its token points just past
/// them.
#[test]
fn scan_windows_list_the_matches_of_each_window() {
    let jobs = ragged_jobs(400);
    let window = 9;
    let store = JobStore::new(jobs.clone())
        .expect("loads")
        .with_scan_window(window);
    for sealer in [TokenSealer::random(), TokenSealer::plain()] {
        for (includes, excludes) in filters(&jobs) {
            for (attribute, order) in sorts() {
                for size in [3, 100] {
                    let q = query(
                        includes.clone(),
                        excludes.clone(),
                        attribute,
                        order,
                        Some(size),
                    );
                    let unfiltered = naive(&jobs, &query(vec![], vec![], attribute, order, None));
                    let matched: HashSet<usize> = naive(&jobs, &q).into_iter().collect();
                    let filtered = !includes.is_empty() || !excludes.is_empty();
                    let mut expected = Vec::new();
                    let mut at = 0;
                    loop {
                        let mut page = Vec::new();
                        let limit = if filtered { at + window } else { usize::MAX };
                        while at < unfiltered.len() && at < limit && page.len() < size as usize {
                            if matched.contains(&unfiltered[at]) {
                                page.push(unfiltered[at]);
                            }
                            at += 1;
                        }
                        if !filtered {
                            // Unfiltered listings are paged as usual.
                            at = at.min(unfiltered.len());
                        }
                        expected.push(as_values(&jobs, &page));
                        if at >= unfiltered.len() {
                            break;
                        }
                    }
                    assert_eq!(walk(&store, &sealer, &q), expected, "{q:?}");
                }
            }
        }
    }
}

/// A plain token says how many jobs were listed before; any query may
/// send one, whether or not this server handed it out.
#[test]
fn plain_tokens_count_listed_jobs_of_the_query_that_sends_them() {
    let jobs = ragged_jobs(300);
    let store = JobStore::new(jobs.clone()).expect("loads");
    let sealer = TokenSealer::plain();
    let q = query(
        vec![term(Key::Name, Contains, &["a"])],
        vec![],
        Some(ListJobsSortAttributeName::Name),
        Some(OrderBy::Desc),
        Some(5),
    );
    let expected = as_values(&jobs, &naive(&jobs, &q));
    for offset in [1usize, 17, expected.len() - 1] {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{{\"offset\":{offset}}}"));
        let q = ListQuery {
            next_token: Some(token),
            ..q.clone()
        };
        let page = store.list(&q, &sealer).expect("page");
        let end = (offset + 5).min(expected.len());
        assert_eq!(
            items(&page),
            expected[offset..end].to_vec(),
            "offset {offset}"
        );
        assert_eq!(page.next_token.is_some(), end < expected.len());
    }
    for offset in [expected.len(), expected.len() + 1, usize::MAX] {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{{\"offset\":{offset}}}"));
        let q = ListQuery {
            next_token: Some(token),
            ..q.clone()
        };
        let refused = store.list(&q, &sealer).expect_err("past the end");
        assert!(refused.message.contains("not a token this server issued"));
    }
}

#[test]
fn an_empty_store_answers_an_empty_last_page() {
    for store in [
        JobStore::new(Vec::new()).expect("loads"),
        JobStore::synthetic(0).expect("synthetic"),
    ] {
        let page = store
            .list(
                &query(vec![], vec![], None, None, None),
                &TokenSealer::random(),
            )
            .expect("page");
        assert_eq!(page.body, "{\"items\":[]}");
    }
}
