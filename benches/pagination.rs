//! Cost of walking every page of a large listing, relative to fetching the
//! same listing in one request, measured in the same run.
//!
//! `cargo bench --bench pagination` (add `-- --jobs N --page P` to change the
//! set-up). The claim under test: a full walk costs about one pass over the
//! jobs, not one sort per page, so the ratio stays near 1 whatever the page
//! size.

use macie_conform::model::{FilterTerm, JobComparator, ListJobsFilterKey, SortCriteria};
use macie_conform::server::request::ListQuery;
use macie_conform::server::store::JobStore;
use macie_conform::server::token::TokenSealer;
use macie_conform::server::{self, ServerConfig, synth};
use std::time::{Duration, Instant};

const ROUNDS: usize = 5;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let jobs = arg("--jobs", 100_000);
    let page = arg("--page", 100);

    let store = JobStore::new(synth::jobs(jobs)).expect("synthetic jobs load");
    let sealer = TokenSealer::random();
    println!("jobs: {jobs}, page size: {page}, rounds: {ROUNDS} (median reported)");

    // Each round uses a query no earlier round used, so no cached order helps.
    let mut round = 0usize;
    let mut fresh_query = |max_results: u32| {
        round += 1;
        ListQuery {
            includes: Vec::new(),
            excludes: vec![FilterTerm {
                key: ListJobsFilterKey::Name,
                comparator: JobComparator::Eq,
                values: vec![format!("no job is called this {round}")],
            }],
            sort: SortCriteria {
                attribute: Some(macie_conform::model::ListJobsSortAttributeName::Name),
                order: Some(macie_conform::model::OrderBy::Desc),
            },
            max_results: Some(max_results),
            next_token: None,
        }
    };

    let single = median(|| {
        let q = fresh_query(jobs as u32);
        let page = store.list(&q, &sealer).expect("listing");
        assert_eq!(page.item_count, jobs);
    });
    let walk = median(|| {
        let mut q = fresh_query(page as u32);
        let mut seen = 0;
        loop {
            let p = store.list(&q, &sealer).expect("page");
            seen += p.item_count;
            match p.next_token {
                Some(t) => q.next_token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, jobs);
    });
    println!();
    println!("in-process (store only)");
    println!("  one request for all jobs : {:>10.1} ms", ms(single));
    println!(
        "  walk of {:>6} pages      : {:>10.1} ms",
        jobs.div_ceil(page),
        ms(walk)
    );
    println!(
        "  ratio walk / single      : {:>10.2}",
        ms(walk) / ms(single)
    );

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = ServerConfig::from_jobs(synth::jobs(jobs), "bench").expect("jobs");
        let running = server::spawn(config, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("server");
        let url = format!("{}/jobs/list", running.url());
        let client = reqwest::Client::new();
        let mut n = 0usize;
        let mut body = |max: usize, token: Option<&str>| {
            n += 1;
            let mut b = serde_json::json!({
                "maxResults": max,
                "sortCriteria": {"attributeName": "name", "orderBy": "DESC"},
                "filterCriteria": {"excludes": [{"key": "name", "comparator": "EQ", "values": [format!("none {n}")]}]}
            });
            if let Some(t) = token {
                b["nextToken"] = serde_json::json!(t);
            }
            b
        };
        let mut single_times = Vec::new();
        let mut walk_times = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let v: serde_json::Value = client.post(&url).json(&body(jobs, None)).send().await.expect("send").json().await.expect("json");
            assert_eq!(v["items"].as_array().map(Vec::len), Some(jobs));
            single_times.push(start.elapsed());

            let start = Instant::now();
            let mut first = body(page, None);
            let mut seen = 0;
            loop {
                let v: serde_json::Value = client.post(&url).json(&first).send().await.expect("send").json().await.expect("json");
                seen += v["items"].as_array().map_or(0, Vec::len);
                match v["nextToken"].as_str() {
                    Some(t) => first["nextToken"] = serde_json::json!(t),
                    None => break,
                }
            }
            assert_eq!(seen, jobs);
            walk_times.push(start.elapsed());
        }
        let (s, w) = (mid(single_times), mid(walk_times));
        println!();
        println!("over loopback HTTP (server and client in this process)");
        println!("  one request for all jobs : {:>10.1} ms", ms(s));
        println!("  walk of {:>6} pages      : {:>10.1} ms", jobs.div_ceil(page), ms(w));
        println!("  ratio walk / single      : {:>10.2}", ms(w) / ms(s));
        let _ = running.shutdown().await;
    });
}

fn median(mut f: impl FnMut()) -> Duration {
    let times = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    mid(times)
}

fn mid(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
