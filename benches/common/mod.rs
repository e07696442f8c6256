//! What the benches share: the baseline every bench divides by (a plain
//! reqwest loop, judging nothing, against the same server in the same
//! run), their `--name value` arguments and their runtime. Each bench uses
//! part of it, hence `dead_code` allowed.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Requests per second of a loop that sends `count` of `requests`
/// (cycled), `jobs` at a time, reading every answer whole.
pub async fn raw_rate(requests: &[(String, String, Vec<u8>)], count: usize, jobs: usize) -> f64 {
    // The same rustls provider the harness installs (reqwest is built
    // without one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client");
    let requests = Arc::new(requests.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..jobs.max(1))
        .map(|_| {
            let (client, requests, next) =
                (client.clone(), Arc::clone(&requests), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || requests.is_empty() {
                        break;
                    }
                    let (url, content_type, body) = &requests[i % requests.len()];
                    let answer = client
                        .post(url)
                        .header("content-type", content_type)
                        .body(body.clone())
                        .send()
                        .await;
                    if let Ok(answer) = answer {
                        let _ = answer.bytes().await;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// The value after `--name` on the bench's command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// A two-thread runtime: the CI machine's cores.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
