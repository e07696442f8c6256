//! The suite across a network: time to verdict when every round trip
//! costs what it does between a CI runner and a staging server.
//!
//! `cargo bench --bench wan` (add `-- --delays 0,25,50` for the one-way
//! delays in ms, `--jobs default,16` for the `-j` settings, where `default`
//! passes none, and `--args "..."` for more options of `run`).
//!
//! The bench serves the embedded reference server in this process with
//! fault injection on, puts a proxy in front of it that holds every chunk
//! of bytes for the one-way delay in each direction (and a new connection's
//! first bytes for one round trip more, as TCP's handshake costs), and runs
//! the release binary's whole suite through the proxy (`run --fixture
//! builtin --faults`), as a vendor runs it against a staging server. For
//! each delay and `-j` it prints:
//!
//! - wall: from start to exit of the child process;
//! - requests: as the server counted them;
//! - chain: the longest chain of dependent requests, which no concurrency
//!   can shorten: the reachability probe plus the requests of the case that
//!   sent the most (a case sends one request at a time; the JSON report's
//!   `requests`);
//! - wall / chain: the wall time over chain × round trip, the figure to
//!   compare: 1 would be a run bound by nothing but its longest chain.
//!
//! Figures are printed, never asserted: they depend on the machine.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use macie_conform::server::{self, ServerConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

fn main() {
    let arg = common::arg;
    let delays: Vec<u64> = arg("--delays")
        .unwrap_or_else(|| "0,25,50".into())
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    let jobs: Vec<String> = arg("--jobs")
        .unwrap_or_else(|| "default".into())
        .split(',')
        .map(|j| j.trim().to_string())
        .collect();
    let extra: Vec<String> = arg("--args")
        .map(|a| a.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let binary = env!("CARGO_BIN_EXE_macie-conform");
    let runtime = common::runtime();
    let counted = Arc::new(AtomicUsize::new(0));
    let server = runtime.block_on(serve_counting(Arc::clone(&counted)));
    let dir = std::env::temp_dir().join(format!("macie-conform-wan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let report = dir.join("report.json");

    println!(
        "the whole suite through a delaying proxy, reference server in-process ({server}) with --faults"
    );
    println!(
        "{:>8} {:>8} {:>8} {:>9} {:>6} {:>11} {:>12} {:>5}",
        "one-way", "-j", "wall", "requests", "chain", "chain x RTT", "wall / chain", "exit"
    );
    for &delay in &delays {
        let proxy = runtime.block_on(delaying_proxy(server, Duration::from_millis(delay)));
        for j in &jobs {
            counted.store(0, Ordering::Relaxed);
            let mut command = Command::new(binary);
            command
                .args(["run", "--fixture", "builtin", "--faults", "--target"])
                .arg(format!("http://{proxy}"))
                .arg("--json")
                .arg(&report)
                .args(&extra)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if j != "default" {
                command.args(["-j", j]);
            }
            let started = Instant::now();
            let status = command.status().expect("the binary runs");
            let wall = started.elapsed().as_secs_f64();
            let requests = counted.load(Ordering::Relaxed);
            let chain = longest_chain(&report);
            let ideal = chain as f64 * 2.0 * delay as f64 / 1000.0;
            println!(
                "{:>5} ms {:>8} {:>6.2} s {:>9} {:>6} {:>9.2} s {:>12} {:>5}",
                delay,
                j,
                wall,
                requests,
                chain,
                ideal,
                if delay == 0 {
                    "-".to_string()
                } else {
                    format!("{:.2}", wall / ideal)
                },
                status.code().map_or("signal".into(), |c| c.to_string()),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The reference server on loopback, counting every request it receives.
async fn serve_counting(counted: Arc<AtomicUsize>) -> SocketAddr {
    let mut config = ServerConfig::embedded().expect("the embedded fixture loads");
    config.faults = true;
    let app = server::router(config).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            counted.fetch_add(1, Ordering::Relaxed);
            next.run(request)
        },
    ));
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A TCP proxy to `upstream` that holds every chunk for `delay` in each
/// direction, keeping their order, and a connection's first bytes for one
/// round trip more (the handshake).
async fn delaying_proxy(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let _ = client.set_nodelay(true);
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = server.set_nodelay(true);
                let opened = tokio::time::Instant::now() + 2 * delay;
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::join!(
                    pump(client_read, server_write, delay, opened),
                    pump(server_read, client_write, delay, opened),
                );
            });
        }
    });
    addr
}

/// Copies `from` to `to`, each chunk `delay` after it was read and never
/// before `opened`.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    opened: tokio::time::Instant,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let reader = async move {
        let mut buffer = vec![0u8; 64 << 10];
        loop {
            match from.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let due = (tokio::time::Instant::now() + delay).max(opened);
                    if tx.send((due, buffer[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        // Dropping `tx` ends the writer once every chunk is written.
    };
    let writer = async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(delay).await;
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

/// The probe plus the requests of the case that sent the most.
fn longest_chain(report: &Path) -> usize {
    let text = std::fs::read_to_string(report).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let most = json["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["requests"].as_u64())
        .max()
        .unwrap_or(0);
    1 + most as usize
}
