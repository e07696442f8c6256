//! How fast `explore` judges generated requests, next to a plain HTTP
//! client sending as many requests to the same server in the same run.
//!
//! `cargo bench --bench explore` (add `-- --budget N --jobs J --seed S` to
//! change the set-up; the defaults are 5000 requests, -j 4, seed 1).
//!
//! The embedded reference server is served in this process on 127.0.0.1.
//! The bench explores it through the library (what `macie-conform explore`
//! runs, without the terminal), then replays the requests the report
//! recorded, cycled to the same count, with a reqwest loop holding the
//! same number in flight and judging nothing. Printed: requests judged per
//! second, generated cases per second, and explore's rate as a share of the
//! raw rate. Figures are printed, never asserted: they depend on the
//! machine; the share is the figure to compare across machines.

mod common;

use common::raw_rate;
use macie_conform::explore::{self, ExploreOptions};
use macie_conform::runner::http::ClientOptions;
use macie_conform::server::{self, ServerConfig};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let arg = |name: &str| common::arg(name).and_then(|v| v.parse::<u64>().ok());
    let budget = arg("--budget").unwrap_or(5_000) as usize;
    let jobs = arg("--jobs").unwrap_or(4) as usize;
    let seed = arg("--seed").unwrap_or(1);
    let runtime = common::runtime();
    runtime.block_on(async move {
        let config = ServerConfig::embedded()
            .expect("the embedded fixture loads")
            .with_faults(true);
        let running = server::spawn(config, ([127, 0, 0, 1], 0).into())
            .await
            .expect("the reference server starts on loopback");
        let url = running.url();
        let setup = { let mut o = explore::Setup::new(url.clone()); o.client = ClientOptions::default(); o.concurrency = jobs; o.fixture = Some(Arc::new(macie_conform::runner::target::embedded_fixture())); o.faults = true; o.redact = Vec::new(); o.keep_passed_bodies = true; o };
        let options = ExploreOptions::new(seed, budget);
        let started = Instant::now();
        let report = explore::explore(&setup, &options, Arc::new(|_| {}))
            .await
            .expect("explore runs");
        let seconds = started.elapsed().as_secs_f64();
        let exploration = report.exploration.clone().expect("an exploration");
        let failed = report.failed();
        let sent = exploration.requests + exploration.shrink_requests;
        let rate = sent as f64 / seconds;
        println!(
            "explore, seed {seed}, -j {jobs}, reference server in-process on {url}: {} cases, {sent} requests in {seconds:.2} s{}",
            exploration.cases,
            if failed {
                " (some cases FAILED: the figures are not comparable)"
            } else {
                ""
            }
        );
        println!(
            "  {rate:.0} requests judged/s, {:.0} generated cases/s",
            exploration.cases as f64 / seconds
        );
        let requests: Vec<(String, String, Vec<u8>)> = report
            .cases
            .iter()
            .flat_map(|c| &c.exchanges)
            .map(|e| {
                let content_type = e
                    .request
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    .map_or("application/json".to_string(), |(_, v)| v.clone());
                (e.request.url.clone(), content_type, e.request.body.clone())
            })
            .collect();
        let raw = raw_rate(&requests, sent, jobs).await;
        println!(
            "  raw reqwest loop, same server, {sent} of the recorded requests, {jobs} in flight: {raw:.0} requests/s"
        );
        println!("  explore / raw: {:.2}", rate / raw);
    });
}
