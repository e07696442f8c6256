//! Cost of walking every page of a large listing, relative to fetching the
//! same listing in one request, measured in the same run.
//!
//! `cargo bench --bench pagination` (add `-- --jobs N --page P` to change the
//! set-up). The claim under test: a full walk costs about one pass over the
//! jobs, not one sort per page, so the ratio stays near 1 whatever the page
//! size.
//!
//! A second part measures the reference server at a million jobs (`--big N`
//! to change the count, `--big 0` to skip it): `serve --jobs N` started as a
//! separate process (start-up time, resident memory), the first page of a
//! query no earlier request asked (name CONTAINS, sort name DESC,
//! maxResults 100), the same request again, the next page, and a walk of
//! every page, over loopback HTTP and in-process.

use macie_conform::model::{FilterTerm, JobComparator, ListJobsFilterKey, SortCriteria};
use macie_conform::server::request::ListQuery;
use macie_conform::server::store::JobStore;
use macie_conform::server::token::TokenSealer;
use macie_conform::server::{self, ServerConfig, synth};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
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
    let big = arg("--big", 1_000_000);

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
    if big > 0 {
        println!();
        million_over_http(&runtime, big);
        million_in_process(big);
    }
}

/// The request of the table: a name filter (CONTAINS) sorted by name,
/// descending. `fresh` adds an alternative value no name contains, so each
/// round is a query the server has not seen while its matches stay the same.
fn contains_query(fragment: &str, fresh: usize, max_results: u32) -> ListQuery {
    use macie_conform::model::{ListJobsSortAttributeName, OrderBy};
    ListQuery {
        includes: vec![FilterTerm {
            key: ListJobsFilterKey::Name,
            comparator: JobComparator::Contains,
            values: vec![fragment.to_string(), format!("fresh#{fresh}")],
        }],
        excludes: Vec::new(),
        sort: SortCriteria {
            attribute: Some(ListJobsSortAttributeName::Name),
            order: Some(OrderBy::Desc),
        },
        max_results: Some(max_results),
        next_token: None,
    }
}

fn contains_body(fragment: &str, fresh: usize, max_results: u32) -> serde_json::Value {
    serde_json::json!({
        "maxResults": max_results,
        "sortCriteria": {"attributeName": "name", "orderBy": "DESC"},
        "filterCriteria": {"includes": [{"key": "name", "comparator": "CONTAINS",
            "values": [fragment, format!("fresh#{fresh}")]}]}
    })
}

/// Fragments for the first-page figures: one every name holds (the most
/// matches to order), a common one (about one name in nine) and a rare one
/// (a handful of jobs, so a server that scans must look at every job to
/// fill a page).
const FRAGMENTS: [&str; 3] = ["-", "pay", "hr-pii-42"];

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
fn memory_of(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn million_over_http(runtime: &tokio::runtime::Runtime, big: usize) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_macie-conform"))
        .args(["serve", "--port", "0", "--jobs", &big.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let pid = child.id();
    let _guard = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let startup = start.elapsed();
    let url = format!(
        "{}/jobs/list",
        line.trim()
            .strip_prefix("listening on ")
            .expect("serve prints its address")
    );
    let (rss_started, _) = memory_of(pid);

    runtime.block_on(async {
        let client = reqwest::Client::new();
        let post = |body: serde_json::Value| {
            let client = client.clone();
            let url = url.clone();
            async move {
                let started = Instant::now();
                let v: serde_json::Value = client
                    .post(&url)
                    .json(&body)
                    .send()
                    .await
                    .expect("send")
                    .json()
                    .await
                    .expect("json");
                (started.elapsed(), v)
            }
        };
        // Warm the connection so the first figure is not a TCP handshake.
        let _ = post(serde_json::json!({"maxResults": 1})).await;

        let mut first = vec![Vec::new(); FRAGMENTS.len()];
        let mut again = Vec::new();
        let mut next = Vec::new();
        for round in 0..ROUNDS {
            for (f, fragment) in FRAGMENTS.iter().enumerate() {
                let (t, _) = post(contains_body(fragment, round, 100)).await;
                first[f].push(t);
            }
            let body = contains_body(FRAGMENTS[1], ROUNDS + round, 100);
            let (_, v) = post(body.clone()).await;
            assert_eq!(v["items"].as_array().map(Vec::len), Some(100));
            let (t, _) = post(body.clone()).await;
            again.push(t);
            let mut body = body;
            body["nextToken"] = v["nextToken"].clone();
            let (t, v) = post(body).await;
            assert_eq!(v["items"].as_array().map(Vec::len), Some(100));
            next.push(t);
        }

        // A walk of every job (the filter excludes nothing), pages of 100.
        let started = Instant::now();
        let mut body = serde_json::json!({
            "maxResults": 100,
            "sortCriteria": {"attributeName": "name", "orderBy": "DESC"},
            "filterCriteria": {"excludes": [{"key": "name", "comparator": "EQ", "values": ["no job is called this"]}]}
        });
        let (mut seen, mut pages) = (0, 0);
        loop {
            let (_, v) = post(body.clone()).await;
            seen += v["items"].as_array().map_or(0, Vec::len);
            pages += 1;
            match v["nextToken"].as_str() {
                Some(t) => body["nextToken"] = serde_json::json!(t),
                None => break,
            }
        }
        assert_eq!(seen, big);
        let walk = started.elapsed();
        let (rss_after, hwm) = memory_of(pid);

        println!("serve --jobs {big}, a separate process, over loopback HTTP");
        println!("  start-up (spawn to address printed)    : {:>10.1} ms", ms(startup));
        println!("  RSS after start-up                     : {:>10.1} MiB", rss_started);
        println!("  RSS / peak (VmHWM) after the requests  : {:>10.1} / {:.1} MiB", rss_after, hwm);
        for (fragment, times) in FRAGMENTS.iter().zip(first) {
            println!("  first page, new query, CONTAINS {:<11}: {:>10.2} ms", format!("{fragment:?}"), ms(mid(times)));
        }
        println!("  same request again                     : {:>10.2} ms", ms(mid(again)));
        println!("  next page (its nextToken)              : {:>10.2} ms", ms(mid(next)));
        println!(
            "  walk of every job, {pages} pages of 100   : {:>10.1} ms ({:.3} ms a page)",
            ms(walk),
            ms(walk) / pages as f64
        );
    });
}

fn million_in_process(big: usize) {
    let sealer = TokenSealer::random();
    let started = Instant::now();
    let config = ServerConfig::synthetic(big).expect("synthetic jobs");
    let build = started.elapsed();
    let store = config.store;
    let mut round = 1000;
    let mut fresh = || {
        round += 1;
        round
    };
    let first: Vec<Duration> = FRAGMENTS
        .iter()
        .map(|fragment| {
            median(|| {
                store
                    .list(&contains_query(fragment, fresh(), 100), &sealer)
                    .expect("page");
            })
        })
        .collect();
    let q = contains_query(FRAGMENTS[1], fresh(), 100);
    let p = store.list(&q, &sealer).expect("page");
    let again = median(|| {
        store.list(&q, &sealer).expect("page");
    });
    let next_q = ListQuery {
        next_token: p.next_token.clone(),
        ..q.clone()
    };
    let next = median(|| {
        store.list(&next_q, &sealer).expect("page");
    });
    let mut pages = 0;
    let walk = median(|| {
        let mut q = contains_query("-", fresh(), 100);
        let mut seen = 0;
        pages = 0;
        loop {
            let p = store.list(&q, &sealer).expect("page");
            seen += p.item_count;
            pages += 1;
            match p.next_token {
                Some(t) => q.next_token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, big);
    });
    println!();
    println!("{big} jobs in-process (store only)");
    println!(
        "  ServerConfig::synthetic({big})        : {:>10.1} ms",
        ms(build)
    );
    for (fragment, time) in FRAGMENTS.iter().zip(first) {
        println!(
            "  first page, new query, CONTAINS {:<11}: {:>10.2} ms",
            format!("{fragment:?}"),
            ms(time)
        );
    }
    println!(
        "  same request again                     : {:>10.2} ms",
        ms(again)
    );
    println!(
        "  next page (its nextToken)              : {:>10.2} ms",
        ms(next)
    );
    println!(
        "  walk of every job, {pages} pages of 100   : {:>10.1} ms ({:.3} ms a page)",
        ms(walk),
        ms(walk) / pages as f64
    );
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
