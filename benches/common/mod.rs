//! The baseline every bench divides by: a plain reqwest loop, judging
//! nothing, against the same server in the same run.

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
