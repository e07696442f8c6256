//! Hostile or broken targets: each misbehaviour becomes a failed check
//! with a clear reason, the harness never panics or hangs, and the other
//! cases of a run still run.

mod common;

use common::{Answer, Setup, assert_fails, failed, fake, job, one_case, run_yaml};
use macie_conform::engine::case::Level;
use macie_conform::engine::check::CheckKind;
use macie_conform::engine::exchange::TransportError;
use macie_conform::engine::load::{SourceFile, Suite, load};
use macie_conform::report::Verdict;
use macie_conform::runner::http::{ClientOptions, RetryPolicy};
use macie_conform::runner::{self, RunError, RunEvent, RunOptions, Selection};
use macie_conform::schema::SchemaSet;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CASE: &str = "    request: {}\n    expect: {status: 200}\n";

/// Reads one request: the head up to the blank line, then as many body
/// bytes as its Content-Length says, so that closing the socket afterwards
/// never resets the connection over unread bytes. Returns the head, or
/// `None` if the client went away first.
async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    Some(head)
}

/// The path of a request head ("POST /jobs/list HTTP/1.1" → "/jobs/list").
fn path_of(head: &str) -> &str {
    head.split_whitespace().nth(1).unwrap_or("")
}

/// A raw TCP server: for each connection, reads the request, then hands
/// the socket and the request head to `respond`.
async fn raw<F, Fut>(respond: F) -> String
where
    F: Fn(TcpStream, String) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let respond = respond.clone();
            tokio::spawn(async move {
                if let Some(head) = read_request(&mut socket).await {
                    respond(socket, head).await;
                }
            });
        }
    });
    url
}

/// A complete HTTP/1.1 answer that closes the connection.
fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

const EMPTY_LISTING: &[u8] = b"{\"items\":[]}";

/// The ways a hostile target misbehaves, chosen by the request path;
/// anything else gets a correct empty listing.
async fn misbehave(mut socket: TcpStream, head: String) {
    let _ = match path_of(&head) {
        // Accepts and never answers.
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        }
        // Closes the connection without a byte.
        "/close" => Ok(()),
        // Promises 500 bytes, sends a few, hangs up.
        "/reset" => {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"items\":[")
                .await
        }
        "/garbage" => socket.write_all(b"garbage\r\n\r\n").await,
        // Status line, then headers without end.
        "/headers" => {
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\n").await;
            let line = format!("x-filler: {}\r\n", "a".repeat(200));
            while socket.write_all(line.as_bytes()).await.is_ok() {}
            Ok(())
        }
        // 5 MB of valid JSON.
        "/huge" => {
            let body = format!("{{\"items\": [], \"pad\": \"{}\"}}", "x".repeat(5 << 20));
            socket
                .write_all(&http("200 OK", "application/json", body.as_bytes()))
                .await
        }
        // A chunked body that never ends.
        "/endless" => {
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("{:x}\r\n{}\r\n", 8192, " ".repeat(8192));
            while socket.write_all(chunk.as_bytes()).await.is_ok() {}
            Ok(())
        }
        // One byte every 50 ms.
        "/drip" => {
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n")
                .await;
            while socket.write_all(b" ").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(())
        }
        "/badjson" => {
            socket
                .write_all(&http("200 OK", "application/json", b"{\"items\": ["))
                .await
        }
        "/utf8" => {
            socket
                .write_all(&http("200 OK", "application/json", &[b'{', 0xff, 0xfe, b'}']))
                .await
        }
        "/empty" => socket.write_all(&http("200 OK", "application/json", b"")).await,
        // Nested deeper than any parser should recurse.
        "/deep" => {
            let body = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
            socket
                .write_all(&http("200 OK", "application/json", body.as_bytes()))
                .await
        }
        "/redirect" => {
            socket
                .write_all(b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await
        }
        "/html500" => {
            socket
                .write_all(&http(
                    "500 Internal Server Error",
                    "text/html",
                    b"<html><body>Bad gateway</body></html>",
                ))
                .await
        }
        _ => {
            socket
                .write_all(&http("200 OK", "application/json", EMPTY_LISTING))
                .await
        }
    };
}

fn client(timeout: Duration, max_body_bytes: usize) -> ClientOptions {
    {
        let mut o = ClientOptions::default();
        o.timeout = timeout;
        o.max_body_bytes = max_body_bytes;
        o.retry = {
            let mut o = RetryPolicy::default();
            o.max_retries = 0;
            o
        };
        o
    }
}

fn setup(timeout: Duration, max_body_bytes: usize) -> Setup {
    Setup {
        client: client(timeout, max_body_bytes),
        ..Setup::default()
    }
}

fn short_timeout() -> Setup {
    setup(Duration::from_millis(300), 8 << 20)
}

/// A case asking `path` for a 200 listing.
fn case_for(path: &str) -> String {
    one_case(&format!(
        "    request: {{path: {path}}}\n    expect: {{status: 200}}\n"
    ))
}

/// Guards against a hang: every hostile test must end well within this.
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the harness hung")
}

fn suite(text: &str) -> Suite {
    load(
        &[SourceFile {
            name: "cases/t.yaml".into(),
            text: text.into(),
        }],
        SchemaSet::embedded().expect("schemas"),
    )
    .unwrap_or_else(|d| panic!("{}", d.iter().map(ToString::to_string).collect::<String>()))
}

fn options(target: &str, client: ClientOptions, concurrency: usize) -> RunOptions {
    {
        let mut o = RunOptions::new(target.to_string());
        o.client = client;
        o.concurrency = concurrency;
        // The hints these tests read are the command line's.
        o.words = macie_conform::runner::Vocabulary::Cli;
        o
    }
}

/// A port nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

#[tokio::test]
async fn connection_refused() {
    let url = closed_port_url();
    let r = bounded(run_yaml(&one_case(CASE), &url, Setup::default())).await;
    assert_fails(&r, CheckKind::Transport, Level::Must, "cannot connect");
    assert!(r.exchanges[0].outcome.is_err(), "the exchange is recorded");
}

#[tokio::test]
async fn an_unreachable_target_stops_the_run_before_it_starts() {
    let url = closed_port_url();
    let result = bounded(runner::run(
        &suite(&one_case(CASE)),
        &Selection::default(),
        options(&url, ClientOptions::default(), 1),
        |_| {},
    ))
    .await;
    match result {
        Err(RunError::Unreachable { url: u, reason }) => {
            assert_eq!(u, url);
            assert!(reason.contains("onnection refused"), "{reason}");
        }
        other => panic!(
            "expected Unreachable, got {:?}",
            other.map(|r| r.cases.len())
        ),
    }
}

#[tokio::test]
async fn a_target_that_never_answers_times_out() {
    let url = raw(misbehave).await;
    let r = bounded(run_yaml(&case_for("/hang"), &url, short_timeout())).await;
    assert_fails(
        &r,
        CheckKind::Transport,
        Level::Must,
        "no complete answer within 300 ms",
    );
}

#[tokio::test]
async fn a_run_against_a_silent_target_is_unreachable() {
    // The probe (POST /jobs/list) is not answered either.
    let url = raw(|socket, _| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    })
    .await;
    let result = bounded(runner::run(
        &suite(&one_case(CASE)),
        &Selection::default(),
        options(&url, client(Duration::from_millis(300), 8 << 20), 1),
        |_| {},
    ))
    .await;
    match result {
        Err(RunError::Unreachable { reason, .. }) => {
            assert!(
                reason.contains("no complete answer within 300 ms"),
                "{reason}"
            );
        }
        other => panic!(
            "expected Unreachable, got {:?}",
            other.map(|r| r.cases.len())
        ),
    }
}

#[tokio::test]
async fn a_body_that_trickles_in_times_out() {
    let url = raw(misbehave).await;
    let r = bounded(run_yaml(&case_for("/drip"), &url, short_timeout())).await;
    assert_fails(
        &r,
        CheckKind::Transport,
        Level::Must,
        "no complete answer within 300 ms",
    );
}

#[tokio::test]
async fn broken_connections() {
    let url = raw(misbehave).await;
    for path in ["/reset", "/close", "/garbage", "/headers"] {
        let r = bounded(run_yaml(&case_for(path), &url, Setup::default())).await;
        assert_fails(&r, CheckKind::Transport, Level::Must, "connection broke");
        assert_eq!(r.exchanges.len(), 1, "{path}: the exchange is recorded");
    }
}

#[tokio::test]
async fn a_huge_body_is_cut_at_the_cap() {
    let url = fake(|_, _| Answer {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: format!("{{\"items\": [], \"pad\": \"{}\"}}", "x".repeat(5 << 20)).into_bytes(),
    })
    .await;
    let r = bounded(run_yaml(
        &one_case(CASE),
        &url,
        setup(Duration::from_secs(5), 64 << 10),
    ))
    .await;
    assert_fails(
        &r,
        CheckKind::Json,
        Level::Must,
        "larger than the size cap (Content-Length: 5242904); only its first 65536 bytes were read",
    );
    let response = r.exchanges[0].outcome.as_ref().expect("a response");
    assert!(response.truncated && response.body.len() == 64 << 10);
}

/// A body that declares no length is read to the cap, and only what a
/// report shows of it is kept.
#[tokio::test]
async fn an_undeclared_body_over_the_cap_keeps_only_what_a_report_shows() {
    let url = raw(misbehave).await;
    let r = bounded(run_yaml(
        &case_for("/endless"),
        &url,
        setup(Duration::from_secs(5), 1 << 20),
    ))
    .await;
    assert_fails(
        &r,
        CheckKind::Json,
        Level::Must,
        "larger than the size cap and was cut after 1048576 bytes",
    );
    let response = r.exchanges[0].outcome.as_ref().expect("a response");
    assert!(response.truncated);
    assert_eq!(response.body.len(), runner::RECORDED_BODY);
    assert_eq!(response.received, Some(1 << 20));
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap() {
    let url = raw(misbehave).await;
    let started = std::time::Instant::now();
    let r = bounded(run_yaml(
        &case_for("/endless"),
        &url,
        setup(Duration::from_secs(60), 256 << 10),
    ))
    .await;
    assert_fails(
        &r,
        CheckKind::Json,
        Level::Must,
        "larger than the size cap and was cut after 262144 bytes",
    );
    // Wide margins on both sides: a loaded CI machine must not turn this
    // into a timing test.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped at the cap, not at the 60 s timeout"
    );
}

#[tokio::test]
async fn bodies_that_are_not_json() {
    let url = raw(misbehave).await;
    for (path, fragment) in [
        ("/badjson", "the body is not valid JSON: EOF while parsing"),
        (
            "/utf8",
            "the body is not valid UTF-8 (invalid byte at offset 1)",
        ),
        ("/empty", "the body is empty"),
        (
            "/deep",
            "the body is not valid JSON: recursion limit exceeded",
        ),
    ] {
        let r = bounded(run_yaml(&case_for(path), &url, Setup::default())).await;
        assert_fails(&r, CheckKind::Json, Level::Must, fragment);
        let detail = failed(&r, CheckKind::Json)
            .detail
            .clone()
            .unwrap_or_default();
        assert!(
            detail.starts_with("status 200, Content-Type \"application/json\""),
            "{path}: the detail shows what came: {detail}"
        );
        // The status was right; only the body is at fault.
        assert!(
            r.checks
                .iter()
                .any(|c| c.kind == CheckKind::Status && !c.failed()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_html_error_page_fails_the_status_check() {
    let url = raw(misbehave).await;
    let r = bounded(run_yaml(&case_for("/html500"), &url, Setup::default())).await;
    let check = failed(&r, CheckKind::Status);
    assert_eq!(
        check.message, "status 500 where 200 was expected",
        "no error name or message to quote"
    );
    assert_eq!(r.verdict, Verdict::Fail);
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let url = raw(misbehave).await;
    let r = bounded(run_yaml(&case_for("/redirect"), &url, Setup::default())).await;
    assert_fails(
        &r,
        CheckKind::Status,
        Level::Must,
        "status 302 where 200 was expected (a redirect to http://127.0.0.1:9/elsewhere, which the harness does not follow",
    );
    assert_eq!(
        r.exchanges.len(),
        1,
        "one request: the redirect was not followed"
    );
    let response = r.exchanges[0].outcome.as_ref().expect("a response");
    assert_eq!(
        response.header("location"),
        Some("http://127.0.0.1:9/elsewhere")
    );
}

#[tokio::test]
async fn a_compressed_body_is_called_compressed() {
    // gzip of `{"items":[]}`: valid, but not what the harness asked for.
    const GZIPPED: &[u8] = &[
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0xca, 0x2c, 0x49,
        0xcd, 0x2d, 0x56, 0xb2, 0x8a, 0x8e, 0xad, 0x05, 0x00, 0x1d, 0x1f, 0x43, 0xea, 0x0c, 0x00,
        0x00, 0x00,
    ];
    let url = raw(|mut socket, head| async move {
        let asked = head.to_ascii_lowercase().contains("\r\naccept-encoding: identity\r\n");
        let mut answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\nx-asked-identity: {asked}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            GZIPPED.len()
        )
        .into_bytes();
        answer.extend_from_slice(GZIPPED);
        let _ = socket.write_all(&answer).await;
    })
    .await;
    let r = bounded(run_yaml(&one_case(CASE), &url, Setup::default())).await;
    assert_fails(
        &r,
        CheckKind::Json,
        Level::Must,
        "the body is gzip-compressed (Content-Encoding: gzip) although the request asked for none (Accept-Encoding: identity)",
    );
    assert!(
        !failed(&r, CheckKind::Json).message.contains("UTF-8"),
        "compressed bytes are not described as bad text"
    );
    let response = r.exchanges[0].outcome.as_ref().expect("a response");
    assert_eq!(
        response.header("x-asked-identity"),
        Some("true"),
        "the request asks for an uncompressed answer"
    );
    assert_eq!(response.body, GZIPPED, "the body is recorded as sent");
}

#[tokio::test]
async fn a_case_may_ask_for_another_coding() {
    let url = raw(|mut socket, head| async move {
        let head = head.to_ascii_lowercase();
        let codings = head.matches("accept-encoding:").count();
        let body = if codings == 1 && head.contains("accept-encoding: gzip\r\n") {
            EMPTY_LISTING.to_vec()
        } else {
            format!("{{\"wrong\": {codings}}}").into_bytes()
        };
        let _ = socket
            .write_all(&http("200 OK", "application/json", &body))
            .await;
    })
    .await;
    let r = bounded(run_yaml(
        &one_case(
            "    request: {headers: {Accept-Encoding: gzip}}\n    expect: {status: 200, jsonpath: [{path: \"$.items\", length: 0}]}\n",
        ),
        &url,
        Setup::default(),
    ))
    .await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
}

#[tokio::test]
async fn a_body_that_stalls_after_the_headers_is_a_timeout_not_unreachable() {
    // Every request, the probe's included, gets its status line and
    // headers at once, then a body that stops half way.
    let url = raw(|mut socket, _| async move {
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"items\":")
            .await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let report = bounded(runner::run(
        &suite(&one_case(CASE)),
        &Selection::default(),
        options(&url, client(Duration::from_millis(300), 8 << 20), 1),
        |_| {},
    ))
    .await
    .unwrap_or_else(|e| panic!("the target answered, so it is reachable: {e}"));
    let case = &report.cases[0];
    assert_fails(
        case,
        CheckKind::Transport,
        Level::Must,
        "no complete answer within 300 ms: status 200 and its headers came, but the body stalled after 9 byte(s)",
    );
    assert_eq!(
        case.exchanges[0].outcome,
        Err(TransportError::BodyTimeout {
            ms: 300,
            status: 200,
            received: 9
        })
    );
}

#[tokio::test]
async fn nonsense_items_fail_the_schema_without_panics() {
    let nonsense = json!([1, "x", null, [], {}, {"jobId": {"nested": true}, "createdAt": 7}]);
    let items = nonsense.clone();
    let url =
        fake(move |_, _| Answer::json(200, json!({ "items": items, "nextToken": null }))).await;
    let r = bounded(run_yaml(
        &one_case(
            "    request: {body: {maxResults: 1, sortCriteria: {attributeName: name, orderBy: DESC}, filterCriteria: {includes: [{key: jobType, comparator: EQ, values: [ONE_TIME]}]}}}\n    expect: {semantics: [sort, filter, page_size], snapshot: true}\n",
        ),
        &url,
        Setup::default(),
    ))
    .await;
    assert_fails(
        &r,
        CheckKind::Schema,
        Level::Must,
        "body is not a valid ListClassificationJobsResponse: 10 violations, first at /items/0 (type)",
    );
    assert_fails(
        &r,
        CheckKind::PageSize,
        Level::Must,
        "page 1 holds 6 jobs, more than maxResults 1",
    );
    assert_fails(&r, CheckKind::Filter, Level::Must, "6 of 6 job(s)");

    // The same nonsense over a walk.
    let items = nonsense;
    let url = fake(move |_, _| Answer::json(200, json!({ "items": items }))).await;
    let r = bounded(run_yaml(
        &one_case(
            "    steps:\n      - request: {body: {sortCriteria: {attributeName: createdAt, orderBy: ASC}}}\n        walk: {}\n        expect: {semantics: [sort, no_duplicates, complete]}\n",
        ),
        &url,
        Setup::default(),
    ))
    .await;
    assert_fails(
        &r,
        CheckKind::Schema,
        Level::Must,
        "page 1 (of 1; 1 failing)",
    );
}

#[tokio::test]
async fn a_walk_that_breaks_halfway() {
    // Page 1 is fine and points to page 2; page 2's connection is cut.
    let url = raw(|mut socket, head| async move {
        let _ = if head.to_ascii_lowercase().contains("content-length: 2\r\n") {
            socket
                .write_all(&http(
                    "200 OK",
                    "application/json",
                    br#"{"items":[],"nextToken":"p2"}"#,
                ))
                .await
        } else {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{")
                .await
        };
    })
    .await;
    let r = bounded(run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {}\n        expect: {status: 200}\n",
        ),
        &url,
        Setup::default(),
    ))
    .await;
    assert_fails(
        &r,
        CheckKind::Transport,
        Level::Must,
        "page 2: connection broke",
    );
    assert_eq!(r.exchanges.len(), 2);
}

#[tokio::test]
async fn walks_over_broken_listings() {
    for (page2, kind, fragment) in [
        (
            Answer::error(500, "InternalServerException", "boom"),
            CheckKind::Json,
            "page 2: status 500 (InternalServerException: boom), not a listing; the walk cannot go on",
        ),
        (
            Answer {
                status: 200,
                headers: vec![("content-type", "text/html".into())],
                body: b"<html>maintenance</html>".to_vec(),
            },
            CheckKind::Json,
            "page 2: status 200, the body is not valid JSON: expected value at line 1 column 1; the walk cannot go on",
        ),
        (
            Answer {
                status: 200,
                headers: vec![
                    ("content-type", "application/json".into()),
                    ("content-encoding", "br".into()),
                ],
                body: vec![0x1b, 0x0b, 0x00, 0xf8, 0xa5],
            },
            CheckKind::Json,
            "page 2: status 200, the body is br-compressed (Content-Encoding: br)",
        ),
        (
            Answer {
                status: 301,
                headers: vec![("location", "https://elsewhere.test/jobs/list".into())],
                body: Vec::new(),
            },
            CheckKind::Json,
            "page 2: status 301 (a redirect to https://elsewhere.test/jobs/list, which the harness does not follow",
        ),
        (
            Answer::json(200, json!({"items": [], "nextToken": 5})),
            CheckKind::LastPage,
            "page 2: nextToken is 5, neither a string nor null",
        ),
        (
            Answer::json(200, json!({"items": {"jobId": "a"}})),
            CheckKind::Json,
            "page 2: status 200, no `items` array (`items` is an object); the walk cannot go on",
        ),
    ] {
        let page2 = Arc::new(page2);
        let url = fake(move |req, _| {
            if req.get("nextToken").is_some() {
                Answer {
                    status: page2.status,
                    headers: page2.headers.clone(),
                    body: page2.body.clone(),
                }
            } else {
                Answer::json(
                    200,
                    json!({"items": [job("a", "RUNNING", "2024-01-01T00:00:00Z")], "nextToken": "p2"}),
                )
            }
        })
        .await;
        let r = bounded(run_yaml(
            &one_case(
                "    steps:\n      - request: {}\n        walk: {}\n        expect: {semantics: [no_duplicates]}\n",
            ),
            &url,
            Setup::default(),
        ))
        .await;
        assert_fails(&r, kind, Level::Must, fragment);
        assert!(
            !r.checks.iter().any(|c| c.kind == CheckKind::NoDuplicates),
            "an unfinished walk is not judged as a whole"
        );
    }
}

#[tokio::test]
async fn a_retry_after_of_an_hour_is_capped() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let url = fake(move |_, _| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Answer::error(429, "ThrottlingException", "later").header("retry-after", "3600")
        } else {
            Answer::json(200, json!({"items": []}))
        }
    })
    .await;
    let mut s = Setup::default();
    s.client.retry = {
        let mut o = RetryPolicy::default();
        o.max_retries = 2;
        o.base_delay = Duration::from_millis(5);
        o.max_delay = Duration::from_millis(50);
        o
    };
    let started = std::time::Instant::now();
    let r = bounded(run_yaml(&one_case(CASE), &url, s)).await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    assert_eq!(r.exchanges[0].attempts, 2);
    // An hour was asked for; anything near the 50 ms cap passes, with room
    // for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn throttling_forever_gives_up_after_the_retries() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let url = fake(move |_, _| {
        seen.fetch_add(1, Ordering::SeqCst);
        Answer::error(429, "ThrottlingException", "later")
    })
    .await;
    let mut s = Setup::default();
    s.client.retry = {
        let mut o = RetryPolicy::default();
        o.max_retries = 2;
        o.base_delay = Duration::from_millis(5);
        o.max_delay = Duration::from_millis(20);
        o
    };
    let r = bounded(run_yaml(&one_case(CASE), &url, s)).await;
    assert_fails(
        &r,
        CheckKind::Status,
        Level::Must,
        "status 429 where 200 was expected (ThrottlingException: later)",
    );
    assert_eq!(r.exchanges[0].attempts, 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// Every misbehaviour in one run: each case fails with its own reason, the
/// well-behaved cases pass, and every report is there, in suite order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_run_survives_every_misbehaviour() {
    let url = raw(misbehave).await;
    let expected: &[(&str, Option<(CheckKind, &str)>)] = &[
        ("ok-first", None),
        (
            "hang",
            Some((CheckKind::Transport, "no complete answer within 1000 ms")),
        ),
        (
            "drip",
            Some((CheckKind::Transport, "no complete answer within 1000 ms")),
        ),
        ("close", Some((CheckKind::Transport, "connection broke"))),
        ("reset", Some((CheckKind::Transport, "connection broke"))),
        ("garbage", Some((CheckKind::Transport, "connection broke"))),
        ("headers", Some((CheckKind::Transport, "connection broke"))),
        ("huge", Some((CheckKind::Json, "larger than the size cap"))),
        (
            "endless",
            Some((CheckKind::Json, "larger than the size cap")),
        ),
        ("badjson", Some((CheckKind::Json, "not valid JSON"))),
        ("utf8", Some((CheckKind::Json, "not valid UTF-8"))),
        ("empty", Some((CheckKind::Json, "the body is empty"))),
        ("deep", Some((CheckKind::Json, "recursion limit exceeded"))),
        (
            "redirect",
            Some((CheckKind::Status, "status 302 where 200 was expected")),
        ),
        (
            "html500",
            Some((CheckKind::Status, "status 500 where 200 was expected")),
        ),
        ("ok-last", None),
    ];
    let mut text = String::from("cases:\n");
    for (id, _) in expected {
        let path = if id.starts_with("ok-") {
            "/jobs/list".to_string()
        } else {
            format!("/{id}")
        };
        text.push_str(&format!(
            "  - id: {id}\n    verifies: x\n    level: must\n    request: {{path: {path}}}\n    expect: {{status: 200}}\n"
        ));
    }
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let report = bounded(runner::run(
        &suite(&text),
        &Selection::default(),
        options(&url, client(Duration::from_secs(1), 64 << 10), 4),
        move |event: &RunEvent<'_>| {
            if let RunEvent::CaseFinished { .. } = event {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        },
    ))
    .await
    .expect("the run starts: the probe gets an answer");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        expected.len(),
        "progress per case"
    );
    let ids: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, want, "every report, in suite order");
    for ((id, expectation), case) in expected.iter().zip(&report.cases) {
        match expectation {
            None => assert_eq!(case.verdict, Verdict::Pass, "{id}: {:#?}", case.checks),
            Some((kind, fragment)) => {
                let check = case
                    .checks
                    .iter()
                    .find(|c| c.kind == *kind && c.failed())
                    .unwrap_or_else(|| panic!("{id}: no failed {kind:?} in {:#?}", case.checks));
                assert!(
                    check.message.contains(fragment),
                    "{id}: {:?} lacks {fragment:?}",
                    check.message
                );
                assert_eq!(case.verdict, Verdict::Fail, "{id}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_case_does_not_stop_the_others() {
    // Drops the connection for /broken, answers an empty listing otherwise.
    let url = raw(|mut socket, head| async move {
        if path_of(&head) != "/broken" {
            let _ = socket
                .write_all(&http("200 OK", "application/json", EMPTY_LISTING))
                .await;
        }
    })
    .await;
    let text = "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {path: /broken}\n    expect: {status: 200}\n  - id: b\n    verifies: y\n    level: must\n    request: {}\n    expect: {status: 200}\n  - id: c\n    verifies: z\n    level: must\n    request: {}\n    expect: {jsonpath: [{path: \"$.nope\", exists: true}]}\n";
    let report = bounded(runner::run(
        &suite(text),
        &Selection::default(),
        options(&url, ClientOptions::default(), 3),
        |_| {},
    ))
    .await
    .expect("runs");
    let verdicts: Vec<(&str, &Verdict)> = report
        .cases
        .iter()
        .map(|c| (c.id.as_str(), &c.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("a", &Verdict::Fail),
            ("b", &Verdict::Pass),
            ("c", &Verdict::Fail)
        ]
    );
    assert!(
        failed(&report.cases[0], CheckKind::Transport)
            .message
            .contains("connection broke")
    );
}

/// A bug in the harness must not lose a case: a case whose task panics is
/// reported, in its place, as a failed must-level "harness error" with the
/// panic message, the other cases keep their results, and the run fails
/// (`report.failed()` is what makes `run` exit 1). The progress callback
/// runs inside each case's task, so a callback that panics for chosen ids
/// makes the panic deterministic; it panics with a `&str` for one case and
/// a `String` for another, the two payloads `panic!` makes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_whose_task_panics_fails_as_a_harness_error() {
    let url = fake(|_, _| Answer::json(200, json!({"items": []}))).await;
    let mut text = String::from("cases:\n");
    for id in ["a", "b", "c", "d"] {
        text.push_str(&format!(
            "  - id: {id}\n    verifies: x\n    level: info\n    request: {{}}\n    expect: {{status: 200}}\n"
        ));
    }
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let report = bounded(runner::run(
        &suite(&text),
        &Selection::default(),
        options(&url, ClientOptions::default(), 2),
        move |event: &RunEvent<'_>| {
            let RunEvent::CaseFinished { report: case, .. } = event else {
                return;
            };
            if let Ok(mut ids) = log.lock() {
                ids.push(case.id.clone());
            }
            match case.id.as_str() {
                "b" => panic!("progress display broke"),
                "c" => panic!("progress display broke on case {}", case.id),
                _ => {}
            }
        },
    ))
    .await
    .expect("the run completes");

    let ids: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"], "no case is lost, order is kept");
    for (case, message) in [
        (&report.cases[1], "progress display broke"),
        (&report.cases[2], "progress display broke on case c"),
    ] {
        assert_eq!(
            case.verdict,
            Verdict::Fail,
            "{}: {:#?}",
            case.id,
            case.checks
        );
        let check = failed(case, CheckKind::HarnessError);
        // Must level although the case is info: an unjudged case can
        // never let a run pass.
        assert_eq!(check.level, Level::Must);
        assert!(
            check
                .message
                .contains(&format!("panicked while running this case: {message}")),
            "{}: {:?}",
            case.id,
            check.message
        );
        assert_eq!(
            (case.file.as_str(), case.level),
            ("cases/t.yaml", Level::Info)
        );
    }
    // Info cases that answered observed the target's choice.
    assert_eq!(report.cases[0].verdict, Verdict::Observed);
    assert_eq!(report.cases[3].verdict, Verdict::Observed);
    assert!(report.failed(), "a harness error fails the run (exit 1)");
    // The progress display heard of every case, the panicked ones too.
    let seen = seen.lock().map(|ids| ids.clone()).unwrap_or_default();
    for id in ["a", "b", "c", "d"] {
        assert!(
            seen.iter().any(|s| s == id),
            "progress never saw {id}: {seen:?}"
        );
    }
}

/// The runner's events tell a reporter everything as it happens: each case
/// starts and finishes once, a case's events come in order, and every
/// check names an exchange that was announced before it, the same one the
/// final report points at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_announce_each_exchange_before_the_checks_that_judged_it() {
    let url = fake(|req, _| {
        let page = req
            .get("nextToken")
            .and_then(serde_json::Value::as_str)
            .and_then(|t| t.strip_prefix('p'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(1);
        let mut body = json!({"items": []});
        if page < 3 {
            body["nextToken"] = json!(format!("p{}", page + 1));
        }
        Answer::json(200, body)
    })
    .await;
    let text = "cases:\n  - id: one\n    verifies: x\n    level: must\n    request: {}\n    expect: {status: 200}\n  - id: walk\n    verifies: x\n    level: must\n    steps:\n      - request: {}\n        expect: {status: 200}\n      - request: {}\n        walk: {}\n        expect: {status: 200, semantics: [no_duplicates]}\n";
    let log: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&log);
    let report = bounded(runner::run(
        &suite(text),
        &Selection::default(),
        options(&url, ClientOptions::default(), 2),
        move |event: &RunEvent<'_>| {
            let line = match event {
                RunEvent::CaseStarted { index, id } => format!("{id} start {index}"),
                RunEvent::ExchangeRecorded {
                    case,
                    exchange,
                    recorded,
                } => {
                    format!("{case} exchange {exchange} step {}", recorded.step)
                }
                RunEvent::CheckFinished { case, check } => {
                    format!("{case} check {:?} on {:?}", check.kind, check.exchange)
                }
                RunEvent::CaseFinished { index, report } => {
                    format!("{} finish {index} {:?}", report.id, report.verdict)
                }
                RunEvent::Stopped { reason, .. } => format!("stopped {reason}"),
            };
            if let Ok(mut lines) = sink.lock() {
                lines.push(line);
            }
        },
    ))
    .await
    .expect("the run completes");
    let lines = log.lock().expect("log").clone();
    for (index, id) in ["one", "walk"].iter().enumerate() {
        let own: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{id} ")))
            .collect();
        assert_eq!(
            own.first().map(|l| l.as_str()),
            Some(format!("{id} start {index}").as_str()),
            "{own:?}"
        );
        assert_eq!(
            own.last().map(|l| l.as_str()),
            Some(format!("{id} finish {index} Pass").as_str()),
            "{own:?}"
        );
        let mut announced = Vec::new();
        for line in &own {
            if let Some(rest) = line.strip_prefix(&format!("{id} exchange ")) {
                announced.push(rest.split(' ').next().unwrap_or("").to_string());
            }
            if let Some(at) = line.split(" on Some(").nth(1) {
                let at = at.trim_end_matches(')');
                assert!(
                    announced.iter().any(|a| a == at),
                    "{line} before its exchange: {own:?}"
                );
            }
        }
        let case = report.cases.iter().find(|c| c.id == *id).expect("reported");
        assert_eq!(
            announced.len(),
            case.exchanges.len(),
            "every kept exchange announced once"
        );
        let checks = own.iter().filter(|l| l.contains(" check ")).count();
        assert_eq!(checks, case.checks.len(), "every check announced once");
    }
    // The walk's steps: the request step's exchange is step 0, the walk's
    // pages (1 and 3 kept) step 1.
    assert!(
        lines.contains(&"walk exchange 0 step 0".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"walk exchange 2 step 1".to_string()),
        "{lines:?}"
    );
}

/// `n` must cases, each asking for a 200 listing at the default path.
fn many_cases(n: usize) -> String {
    let mut text = String::from("cases:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - id: c{i:02}\n    verifies: x\n    level: must\n    request: {{}}\n    expect: {{status: 200}}\n"
        ));
    }
    text
}

/// A target that answers the probe and then hangs: after
/// `max_transport_failures` requests in a row get no answer, the run stops
/// sending. Without the limit every case would wait out its timeout (181 s
/// at default settings in one measurement). Only the cases already in
/// flight may still send, so few requests follow the limit, and every case
/// that did not run fails with the same reason, announced once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_stops_answering_stops_the_run() {
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    let url = raw(move |mut socket, _| {
        let seen = Arc::clone(&seen);
        async move {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                let _ = socket
                    .write_all(&http("200 OK", "application/json", EMPTY_LISTING))
                    .await;
            } else {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        }
    })
    .await;
    let limit = 3;
    let concurrency = 2;
    let cases = 40;
    let client = {
        let mut o = client(Duration::from_millis(200), 8 << 20);
        o.max_transport_failures = limit;
        o
    };
    let stops = Arc::new(std::sync::Mutex::new(Vec::new()));
    let heard = Arc::clone(&stops);
    let report = bounded(runner::run(
        &suite(&many_cases(cases)),
        &Selection::default(),
        options(&url, client, concurrency),
        move |event: &RunEvent<'_>| {
            if let RunEvent::Stopped { reason, .. } = event
                && let Ok(mut lines) = heard.lock()
            {
                lines.push(reason.to_string());
            }
        },
    ))
    .await
    .expect("the run completes");
    // The probe, the failures up to the limit, and at most one more per
    // case in flight when the limit was reached.
    let sent = requests.load(Ordering::SeqCst);
    assert!(
        sent <= 1 + limit + concurrency,
        "{sent} requests reached the target"
    );
    let stops = stops.lock().expect("stops").clone();
    assert_eq!(stops.len(), 1, "announced once: {stops:?}");
    let reason = &stops[0];
    assert!(
        reason.contains("stopped answering") && reason.contains("(3 requests in a row"),
        "{reason}"
    );
    assert!(reason.contains("--max-transport-failures"), "{reason}");
    assert_eq!(report.cases.len(), cases, "every case is reported");
    assert!(report.cases.iter().all(|c| c.verdict == Verdict::Fail));
    let stopped: Vec<_> = report
        .cases
        .iter()
        .filter(|c| {
            c.checks.iter().any(|k| {
                k.unjudged == Some(macie_conform::engine::check::Unjudged::TargetStopped)
                    && k.message.ends_with(reason.as_str())
            })
        })
        .collect();
    assert!(
        stopped.len() >= cases - limit - concurrency,
        "{}",
        stopped.len()
    );
    for case in &stopped {
        assert!(case.exchanges.is_empty(), "{} sent nothing", case.id);
        let check = failed(case, CheckKind::Transport);
        assert_eq!(check.level, Level::Must);
    }
    // One defect, one finding: the stopped cases share it.
    let findings = report.findings();
    assert_eq!(
        findings
            .iter()
            .filter(|f| {
                f.signature
                    == macie_conform::report::findings::Signature::NotJudged {
                        why: macie_conform::engine::check::Unjudged::TargetStopped,
                    }
            })
            .count(),
        1,
        "{findings:#?}"
    );
}

/// Failures that are not in a row do not stop a run: an answer resets
/// the count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_between_answers_do_not_stop_the_run() {
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    let url = raw(move |mut socket, _| {
        let seen = Arc::clone(&seen);
        async move {
            // The probe and every third request get an answer; the rest
            // lose their connection. A lost connection is retried once on
            // a new one, which is lost too: that case fails, the next one
            // is answered.
            if seen.fetch_add(1, Ordering::SeqCst).is_multiple_of(3) {
                let _ = socket
                    .write_all(&http("200 OK", "application/json", EMPTY_LISTING))
                    .await;
            }
        }
    })
    .await;
    let client = {
        let mut o = client(Duration::from_secs(2), 8 << 20);
        o.max_transport_failures = 2;
        o
    };
    let report = bounded(runner::run(
        &suite(&many_cases(10)),
        &Selection::default(),
        options(&url, client, 1),
        |_| {},
    ))
    .await
    .expect("the run completes");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        16,
        "every case sent, each lost one once more"
    );
    assert_eq!(report.connection_retries, 5);
    let passed = report.cases.iter().filter(|c| c.verdict == Verdict::Pass);
    assert_eq!(passed.count(), 5);
    assert!(
        report
            .cases
            .iter()
            .flat_map(|c| &c.checks)
            .all(|k| !k.message.contains("stopped")),
    );
}

/// The run's deadline ends it even when the target answers, only slowly:
/// the case in flight and those not started fail with the deadline as
/// their one reason; cases that ended before it keep their verdicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_ends_a_slow_run() {
    let url = raw(|mut socket, _| async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let _ = socket
            .write_all(&http("200 OK", "application/json", EMPTY_LISTING))
            .await;
    })
    .await;
    let cases = 40;
    let client = {
        let mut o = client(Duration::from_secs(5), 8 << 20);
        o.deadline = Some(Duration::from_millis(1000));
        o
    };
    // 40 cases of 150 ms one at a time would take 6 s.
    let report = bounded(runner::run(
        &suite(&many_cases(cases)),
        &Selection::default(),
        options(&url, client, 1),
        |_| {},
    ))
    .await
    .expect("the run completes");
    assert_eq!(report.cases.len(), cases);
    let passed = report
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Pass)
        .count();
    assert!(passed >= 1 && passed < cases, "{passed} passed");
    let reasons: std::collections::BTreeSet<&str> = report
        .cases
        .iter()
        .filter(|c| c.verdict != Verdict::Pass)
        .map(|c| failed(c, CheckKind::Transport).message.as_str())
        .collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    let reason = reasons.iter().next().copied().unwrap_or_default();
    assert!(reason.contains("deadline of 1 s (--deadline)"), "{reason}");
}

/// A walk against a target whose pages never end stops at the run's
/// retained-bytes budget, long before `max_pages`, and keeps only its
/// evidence: page 1 and the page it stopped on.
#[tokio::test]
async fn an_endless_walk_stops_at_the_retained_bytes_budget() {
    let served = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&served);
    let url = fake(move |_, _| {
        let page = count.fetch_add(1, Ordering::Relaxed);
        // About 64 KB of jobs no earlier page listed, with a nextToken.
        let items: Vec<_> = (0..100)
            .map(|i| {
                let mut j = job(&format!("p{page}j{i}"), "RUNNING", "2024-01-01T00:00:00Z");
                j["name"] = json!("x".repeat(500));
                j
            })
            .collect();
        Answer::json(
            200,
            json!({"items": items, "nextToken": format!("t{page}")}),
        )
    })
    .await;
    let mut setup = Setup::default();
    setup.client.max_retained_bytes = 1 << 20;
    let r = bounded(run_yaml(
        &one_case(
            "    steps:\n      - request: {}\n        walk: {max_pages: 1000}\n        expect: {status: 200}\n",
        ),
        &url,
        setup,
    ))
    .await;
    // A harness limit, not a finding: the case is not verified (so the run
    // cannot be called conformant), but nothing fails a server that may
    // simply hold a lot of data.
    let Verdict::Skip(reason) = &r.verdict else {
        panic!("expected a case that was not verified: {:#?}", r.checks);
    };
    assert!(
        reason.contains("the listing has grown past the retained-bytes budget of 1 MiB after"),
        "{reason}"
    );
    assert!(reason.contains("raise --max-retained"), "{reason}");
    // 1 MiB holds a handful of these pages, nowhere near 1000.
    let pages = served.load(Ordering::Relaxed);
    assert!((2..50).contains(&pages), "{pages} pages fetched");
    assert!(
        r.exchanges.len() <= 2,
        "{} exchanges kept",
        r.exchanges.len()
    );
}

/// The budget is the run's, shared by its cases, and given back when a
/// walk's case ends: cases that each fit run one after another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_that_fit_the_budget_give_it_back() {
    let url = fake(|request, _| {
        let page: usize = request["nextToken"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let items: Vec<_> = (0..100)
            .map(|i| {
                let mut j = job(&format!("p{page}j{i}"), "RUNNING", "2024-01-01T00:00:00Z");
                j["name"] = json!("x".repeat(500));
                j
            })
            .collect();
        // Five pages of about 64 KB of JSON: some 2 MB held per walk, as
        // parsed jobs take several times their text.
        let next = (page < 4).then(|| (page + 1).to_string());
        Answer::json(200, json!({"items": items, "nextToken": next}))
    })
    .await;
    let walk = "    steps:\n      - request: {}\n        walk: {}\n        expect: {status: 200}\n";
    let text = format!(
        "cases:\n{}",
        (0..6)
            .map(|i| format!("  - id: w{i}\n    verifies: test\n    level: must\n{walk}"))
            .collect::<String>()
    );
    let client = {
        let mut o = client(Duration::from_secs(5), 8 << 20);
        o.max_retained_bytes = 4 << 20;
        o
    };
    let report = bounded(runner::run(
        &suite(&text),
        &Selection::default(),
        options(&url, client, 1),
        |_| {},
    ))
    .await
    .expect("the run starts");
    assert_eq!(report.cases.len(), 6);
    for case in &report.cases {
        assert_eq!(case.verdict, Verdict::Pass, "{:#?}", case.checks);
    }
}

/// Bodies are judged whole, but the report keeps only their first 64 KiB
/// and says how long they were: every case's report lives to the run's end.
#[tokio::test]
async fn a_large_body_is_judged_whole_and_recorded_cut() {
    let url = fake(|_, _| {
        let mut big = job("big", "RUNNING", "2024-01-01T00:00:00Z");
        big["name"] = json!("x".repeat(300_000));
        Answer::json(200, json!({ "items": [big] }))
    })
    .await;
    let r = bounded(run_yaml(
        &one_case(
            "    request: {}\n    expect:\n      status: 200\n      jsonpath:\n        - {path: '$.items[0].name', type: string}\n",
        ),
        &url,
        Setup::default(),
    ))
    .await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    let response = r.exchanges[0].outcome.as_ref().expect("an answer");
    assert_eq!(response.body.len(), runner::RECORDED_BODY);
    assert!(response.received.is_some_and(|n| n > 300_000));
    assert!(!response.truncated, "not cut at the size cap");
}

/// A run that writes no report listing every exchange keeps only the
/// evidence of failed cases: over thousands of passed cases, their bodies
/// would be most of its memory. Reports that list passed exchanges (JSON,
/// HTML, Markdown) ask for them with `keep_passed_bodies`.
#[tokio::test]
async fn passed_cases_keep_their_bodies_only_when_a_report_wants_them() {
    let url = fake(|_, _| Answer {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: br#"{"items": [{"jobId": "a"}]}"#.to_vec(),
    })
    .await;
    let text = "cases:\n  - id: passes\n    verifies: x\n    level: must\n    request: {body: {}}\n    expect: {status: 200}\n  - id: fails\n    verifies: x\n    level: must\n    request: {body: {}}\n    expect: {status: 201}\n";
    for keep in [false, true] {
        let mut options = options(&url, client(Duration::from_secs(5), 64 << 10), 2);
        options.keep_passed_bodies = keep;
        let report = bounded(runner::run(
            &suite(text),
            &Selection::default(),
            options,
            |_| {},
        ))
        .await
        .expect("the run starts");
        let body = |id: &str| {
            let case = report.cases.iter().find(|c| c.id == id).expect("the case");
            let response = case.exchanges[0].outcome.as_ref().expect("an answer");
            (response.body.len(), response.received)
        };
        let whole = br#"{"items": [{"jobId": "a"}]}"#.len();
        assert_eq!(body("fails"), (whole, None), "a failure's evidence is kept");
        if keep {
            assert_eq!(body("passes"), (whole, None));
        } else {
            assert_eq!(body("passes"), (0, Some(whole)), "only its length is kept");
        }
    }
}
