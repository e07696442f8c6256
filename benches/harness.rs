//! The harness next to the wire: how close a run of many one-request cases
//! comes to a plain HTTP client sending the same requests, measured in the
//! same run against the same server.
//!
//! `cargo bench --bench harness` (add `-- --cases N --jobs 1,4,16` to change
//! the set-up; the defaults are 10 000 cases and -j 1, 4 and 16).
//!
//! The bench writes a data-independent suite of N cases to a temporary
//! folder (each: one POST /jobs/list, status 200, the response schema and
//! two JSONPath checks; the bodies vary the filter, sort and page size),
//! serves the embedded reference server in this process on 127.0.0.1, and
//! for each -j measures:
//!
//! - raw: a reqwest loop with the same number of requests in flight, sending
//!   the same bodies and reading every answer whole, judging nothing;
//! - harness: the release binary `run --no-builtin --cases DIR --target URL -j J` as a
//!   child process, from start to exit, with its CPU time (user + system,
//!   from the children fields of /proc/self/stat) and its peak resident set
//!   (VmHWM, polled). Linux only.
//!
//! When `hurl` is on the PATH, the same cases are also written as Hurl
//! files (one per case: the request, `HTTP 200` and two JSONPath asserts;
//! Hurl checks no schema) and `hurl --test --jobs J` runs them, so the
//! harness's wall time can be given as a share of Hurl's. Hurl is never
//! required; without it that column says so.
//!
//! Figures are printed, never asserted: they depend on the machine. The
//! ratio harness rate / raw rate is the figure to compare across machines.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::raw_rate;
use macie_conform::server::{self, ServerConfig};

fn main() {
    let arg = common::arg;
    let cases: usize = arg("--cases")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let jobs: Vec<usize> = arg("--jobs")
        .unwrap_or_else(|| "1,4,16".into())
        .split(',')
        .filter_map(|j| j.trim().parse().ok())
        .collect();
    let binary = env!("CARGO_BIN_EXE_macie-conform");

    let dir = std::env::temp_dir().join(format!("macie-conform-bench-{}", std::process::id()));
    let bodies = write_suite(&dir, cases);
    let runtime = common::runtime();
    let config = ServerConfig::embedded().expect("the embedded fixture loads");
    let running = runtime
        .block_on(server::spawn(config, ([127, 0, 0, 1], 0).into()))
        .expect("the reference server starts on loopback");
    let url = running.url();

    // `check` alone: loading and validating the generated suite.
    let (check_seconds, _, _) = measure(
        Command::new(binary)
            .args(["check", "--no-builtin", "--cases"])
            .arg(&dir),
        false,
    );
    println!("{cases} one-request cases, reference server in-process on {url}");
    println!(
        "loading and checking the suite (`check`): {:.0} ms",
        check_seconds * 1000.0
    );
    println!();
    let hurl = hurl_version();
    let hurl_dir = hurl.as_ref().map(|_| {
        let hurl_dir = dir.join("hurl");
        write_hurl(&hurl_dir, &bodies);
        hurl_dir
    });
    match &hurl {
        Some(v) => println!("Hurl: {v} (same cases as Hurl files; Hurl checks no schema)"),
        None => println!("Hurl: not on the PATH, so no comparison"),
    }
    println!(
        "{:>4} {:>12} {:>14} {:>7} {:>13} {:>10} {:>14} {:>10}",
        "-j",
        "raw req/s",
        "harness case/s",
        "ratio",
        "CPU ms/case",
        "peak RSS",
        "wall / Hurl's",
        "Hurl RSS"
    );
    for &j in &jobs {
        let raw = runtime.block_on(raw_rate_of(&url, &bodies, j));
        let mut command = Command::new(binary);
        command
            .args([
                "run",
                "--no-builtin",
                "--target",
                &url,
                "-j",
                &j.to_string(),
            ])
            .arg("--cases")
            .arg(&dir);
        let (seconds, cpu, peak) = measure(&mut command, true);
        let rate = cases as f64 / seconds;
        let versus_hurl = hurl_dir.as_ref().map(|files| {
            let mut hurl = Command::new("hurl");
            hurl.args(["--test", "--jobs", &j.to_string(), "--variable"])
                .arg(format!("url={url}"))
                .arg("--glob")
                .arg(format!("{}/*.hurl", files.display()));
            let (hurl_seconds, _, hurl_peak) = measure(&mut hurl, true);
            (seconds / hurl_seconds, hurl_peak)
        });
        println!(
            "{:>4} {:>12.0} {:>14.0} {:>7.2} {:>13.3} {:>6.1} MiB {:>14} {:>10}",
            j,
            raw,
            rate,
            rate / raw,
            cpu.map_or(f64::NAN, |c| c * 1000.0 / cases as f64),
            peak as f64 / 1024.0,
            versus_hurl.map_or("-".into(), |(r, _)| format!("{r:.2}")),
            versus_hurl.map_or("-".into(), |(_, p)| format!("{:.1} MiB", p as f64 / 1024.0)),
        );
        let _ = std::io::stdout().flush();
    }
    let _ = runtime.block_on(running.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes the generated suite and returns the request bodies in case order.
fn write_suite(dir: &Path, cases: usize) -> Vec<String> {
    std::fs::create_dir_all(dir).expect("a temporary folder");
    // Its own one-line catalogue: the built-in one would want a case for
    // each of its requirements.
    std::fs::write(
        dir.join("requirements.yaml"),
        "requirements:\n  - id: LCJ-BENCH-001\n    level: must\n    section: ListClassificationJobsResponse\n    statement: A page has the documented shape.\n",
    )
    .expect("the catalogue writes");
    const PER_FILE: usize = 1000;
    let sorts = ["createdAt", "name", "jobStatus", "jobType"];
    let filters = [
        "",
        r#", "filterCriteria": {"includes": [{"key": "jobType", "comparator": "EQ", "values": ["ONE_TIME"]}]}"#,
        r#", "filterCriteria": {"excludes": [{"key": "jobStatus", "comparator": "EQ", "values": ["CANCELLED"]}]}"#,
        r#", "filterCriteria": {"includes": [{"key": "name", "comparator": "CONTAINS", "values": ["a"]}]}"#,
        r#", "filterCriteria": {"includes": [{"key": "createdAt", "comparator": "GTE", "values": ["2024-01-01T00:00:00Z"]}]}"#,
    ];
    let mut bodies = Vec::with_capacity(cases);
    let mut file = String::new();
    for i in 0..cases {
        let body = format!(
            r#"{{"maxResults": {}, "sortCriteria": {{"attributeName": "{}", "orderBy": "{}"}}{}}}"#,
            1 + i % 25,
            sorts[i % sorts.len()],
            if i % 2 == 0 { "ASC" } else { "DESC" },
            filters[i % filters.len()],
        );
        if i % PER_FILE == 0 {
            file = String::from("cases:\n");
        }
        file.push_str(&format!(
            "  - id: bench.case-{i:06}\n    verifies: \"Generated case {i}.\"\n    requirements: [\"LCJ-BENCH-001\"]\n    level: must\n    request:\n      body: {body}\n    expect: {{\"status\": 200, \"schema\": \"ListClassificationJobsResponse\", \"jsonpath\": [{{\"path\": \"$.items\", \"type\": \"array\", \"length\": {{\"max\": {}}}}}, {{\"path\": \"$.items[*].jobId\", \"each\": {{\"type\": \"string\"}}}}]}}\n",
            1 + i % 25
        ));
        if i % PER_FILE == PER_FILE - 1 || i == cases - 1 {
            std::fs::write(dir.join(format!("bench-{:03}.yaml", i / PER_FILE)), &file)
                .expect("a case file writes");
        }
        bodies.push(body);
    }
    bodies
}

/// `hurl --version`'s first line, if Hurl is installed.
fn hurl_version() -> Option<String> {
    let out = Command::new("hurl").arg("--version").output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    })
}

/// The generated cases as Hurl files, one per case, with the same request
/// and two JSONPath expectations close to the harness's (Hurl has no
/// schema check, and its count filter needs a list, which a wildcard
/// selecting one job is not; every generated query lists at least one job
/// of the embedded data, so the first job's id stands in for "each").
fn write_hurl(dir: &Path, bodies: &[String]) {
    std::fs::create_dir_all(dir).expect("a folder for Hurl files");
    for (i, body) in bodies.iter().enumerate() {
        let max = 1 + i % 25;
        let file = format!(
            "POST {{{{url}}}}/jobs/list\nContent-Type: application/json\n{body}\nHTTP 200\n[Asserts]\njsonpath \"$.items\" count <= {max}\njsonpath \"$.items[0].jobId\" isString\n"
        );
        std::fs::write(dir.join(format!("case-{i:06}.hurl")), file).expect("a Hurl file writes");
    }
}

/// Requests per second of a plain client sending each body once: `jobs`
/// requests in flight, each answer read whole and dropped.
async fn raw_rate_of(url: &str, bodies: &[String], jobs: usize) -> f64 {
    let endpoint = format!("{url}/jobs/list");
    let requests: Vec<(String, String, Vec<u8>)> = bodies
        .iter()
        .map(|b| {
            (
                endpoint.clone(),
                "application/json".to_string(),
                b.clone().into_bytes(),
            )
        })
        .collect();
    raw_rate(&requests, requests.len(), jobs).await
}

/// Runs a child to its end: wall seconds, CPU seconds (user + system) and
/// peak RSS in KiB. Panics if a `run` does not pass, since a rate of
/// failing cases would not be comparable.
fn measure(command: &mut Command, is_run: bool) -> (f64, Option<f64>, u64) {
    let cpu_before = children_cpu();
    // Standard error goes to a file, not a pipe: a child that writes more
    // than a pipe holds (Hurl lists every file) would block on a pipe no
    // one reads until it exits.
    let log_path = std::env::temp_dir().join(format!(
        "macie-conform-bench-{}-stderr.log",
        std::process::id()
    ));
    let log = std::fs::File::create(&log_path).expect("a log file for standard error");
    let started = Instant::now();
    let mut child = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the command starts");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_hwm(&s))
        {
            peak = peak.max(hwm);
        }
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    let cpu = children_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let err = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    if !status.success() {
        let err: String = err
            .chars()
            .rev()
            .take(4000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        panic!(
            "{:?} exited with {status} ({}): {err}",
            command.get_program(),
            if is_run { "a run" } else { "a check" }
        );
    }
    (seconds, cpu, peak)
}

/// CPU seconds of this process's waited-for children (cutime + cstime in
/// /proc/self/stat, in clock ticks of 1/100 s, Linux's USER_HZ).
fn children_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: field 3 is the first after ") ".
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let cutime: f64 = fields.get(13)?.parse().ok()?;
    let cstime: f64 = fields.get(14)?.parse().ok()?;
    Some((cutime + cstime) / 100.0)
}

fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
