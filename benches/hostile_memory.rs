//! Peak memory of a whole run against hostile targets, next to a run
//! against the well-behaved embedded server.
//!
//! `cargo bench --bench hostile_memory` (add `-- --jobs N` to change -j).
//! Each mode serves a misbehaving target on 127.0.0.1 and runs the release
//! binary against it at default settings, reading the child's peak
//! resident set (VmHWM in /proc/<pid>/status, Linux only) while it runs.
//! Figures are printed, never asserted: they depend on the machine.
//!
//! Modes:
//! - `pages`: every answer is a 512 KB page of new jobs with a nextToken,
//!   so a walk never ends;
//! - `big-pages`: the same with pages of 7 MB, just under the 8 MiB body
//!   cap, so every body read is as large as a body may be (run it with
//!   `-- --jobs 16` for the most bodies in flight);
//! - `cut`: every answer declares 9 MiB in `Content-Length`, over the
//!   8 MiB cap;
//! - `chunked`: every answer is a chunked body that never ends, so it is
//!   read to the cap and cut there.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Every run ends within this, whatever the target does (`--deadline`).
const DEADLINE_SECONDS: u64 = 60;
/// What one connection may send at most, so that no loop is endless even
/// if the client never hangs up.
const MAX_BYTES_PER_CONNECTION: usize = 1 << 30;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Pages,
    BigPages,
    Cut,
    Chunked,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let jobs = args
        .iter()
        .position(|a| a == "--jobs")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "4".into());
    let binary = env!("CARGO_BIN_EXE_macie-conform");
    let runtime = common::runtime();
    println!("peak RSS of `macie-conform run -j {jobs}` (default settings otherwise)");
    let (baseline, seconds) = measure(binary, None, &jobs);
    println!(
        "{:<10} {:>8.1} MiB  {:>5.1} s",
        "baseline",
        mib(baseline),
        seconds
    );
    for mode in [Mode::Pages, Mode::BigPages, Mode::Cut, Mode::Chunked] {
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let served = std::sync::Arc::new(AtomicU64::new(0));
        let counter = std::sync::Arc::clone(&served);
        let server = runtime.spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    break;
                };
                let counter = std::sync::Arc::clone(&counter);
                tokio::spawn(serve(socket, mode, counter));
            }
        });
        let (peak, seconds) = measure(binary, Some(&url), &jobs);
        server.abort();
        println!(
            "{:<10} {:>8.1} MiB  {:>5.1} s  ({} MiB served)",
            mode.name(),
            mib(peak),
            seconds,
            served.load(Ordering::Relaxed) >> 20
        );
        let _ = std::io::stdout().flush();
    }
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Pages => "pages",
            Mode::BigPages => "big-pages",
            Mode::Cut => "cut",
            Mode::Chunked => "chunked",
        }
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Runs the binary to its end and returns its peak RSS in KiB and the
/// seconds it took.
fn measure(binary: &str, target: Option<&str>, jobs: &str) -> (u64, f64) {
    let mut command = Command::new(binary);
    command.args(["run", "-j", jobs, "--deadline"]);
    command.arg(DEADLINE_SECONDS.to_string());
    if let Some(url) = target {
        command.args(["--target", url]);
    }
    let started = Instant::now();
    let mut child = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the release binary starts");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    // VmHWM only grows, so the last reading before exit is the peak but
    // for the final few milliseconds.
    let limit = Duration::from_secs(DEADLINE_SECONDS + 30);
    loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_hwm(&s))
        {
            peak = peak.max(hwm);
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (peak, started.elapsed().as_secs_f64())
}

fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Answers every request on one connection as `mode` says.
async fn serve(mut socket: TcpStream, mode: Mode, served: std::sync::Arc<AtomicU64>) {
    let mut sent = 0usize;
    let mut page = 0u64;
    while sent < MAX_BYTES_PER_CONNECTION {
        if !read_request(&mut socket).await {
            return;
        }
        let wrote = match mode {
            Mode::Pages | Mode::BigPages => {
                page += 1;
                let jobs = if matches!(mode, Mode::BigPages) {
                    16_000
                } else {
                    1200
                };
                let body = endless_page(socket.local_addr().map_or(0, |a| a.port()), page, jobs);
                respond(&mut socket, &body).await
            }
            Mode::Cut => respond(&mut socket, &vec![b' '; 9 << 20]).await,
            Mode::Chunked => endless_chunks(&mut socket, MAX_BYTES_PER_CONNECTION - sent).await,
        };
        match wrote {
            Some(n) => {
                sent += n;
                served.fetch_add(n as u64, Ordering::Relaxed);
            }
            None => return,
        }
        if matches!(mode, Mode::Chunked) {
            return;
        }
    }
}

/// A page of `jobs` jobs of about 440 bytes each that no earlier page
/// listed, with a nextToken: 1200 make about 512 KB, 16 000 about 7 MB.
fn endless_page(connection: u16, page: u64, jobs: usize) -> Vec<u8> {
    let padding = "x".repeat(400);
    let items: Vec<String> = (0..jobs)
        .map(|i| {
            format!(
                r#"{{"jobId":"c{connection}p{page}j{i}","name":"{padding}","jobStatus":"RUNNING","jobType":"ONE_TIME","createdAt":"2024-01-01T00:00:00Z"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"items":[{}],"nextToken":"c{connection}p{page}"}}"#,
        items.join(",")
    )
    .into_bytes()
}

async fn respond(socket: &mut TcpStream, body: &[u8]) -> Option<usize> {
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.ok()?;
    socket.write_all(body).await.ok()?;
    Some(head.len() + body.len())
}

/// A chunked body that goes on until the client hangs up (or `limit`).
async fn endless_chunks(socket: &mut TcpStream, limit: usize) -> Option<usize> {
    let head =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    socket.write_all(head.as_bytes()).await.ok()?;
    let mut chunk = b"10000\r\n".to_vec();
    chunk.extend(std::iter::repeat_n(b' ', 0x10000));
    chunk.extend_from_slice(b"\r\n");
    let mut sent = head.len();
    while sent < limit {
        if socket.write_all(&chunk).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    Some(sent)
}

/// Reads one request head and its Content-Length body; false when the
/// client went away.
async fn read_request(socket: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if data.len() > 1 << 20 {
            return false;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
        .min(1 << 20);
    while data.len() < head_end + length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    true
}
