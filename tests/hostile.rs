//! Hostile or broken targets: each misbehaviour becomes a failed check
//! with a clear reason, the harness never panics or hangs, and the other
//! cases of a run still run.

mod common;

use common::{Answer, Setup, assert_fails, fake, one_case, run_yaml};
use macie_conform::core::case::Level;
use macie_conform::core::check::CheckKind;
use macie_conform::core::load::{SourceFile, load};
use macie_conform::report::Verdict;
use macie_conform::runner::http::ClientOptions;
use macie_conform::runner::{self, RunError, RunOptions, Selection};
use macie_conform::schema::SchemaSet;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CASE: &str = "    request: {}\n    expect: {status: 200}\n";

/// A raw TCP server: for each connection, reads the request head, then
/// hands the socket and the head to `respond`.
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
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                respond(socket, String::from_utf8_lossy(&head).into_owned()).await;
            });
        }
    });
    url
}

fn short_timeout() -> Setup {
    let mut s = Setup::default();
    s.client.timeout = Duration::from_millis(300);
    s
}

/// Guards against a hang: every hostile test must end well within this.
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("the harness hung")
}

#[tokio::test]
async fn connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let r = bounded(run_yaml(&one_case(CASE), &url, Setup::default())).await;
    assert_fails(&r, CheckKind::Transport, Level::Must, "cannot connect");
}

#[tokio::test]
async fn a_target_that_never_answers_times_out() {
    let url = raw(|socket, _| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    })
    .await;
    let r = bounded(run_yaml(&one_case(CASE), &url, short_timeout())).await;
    assert_fails(
        &r,
        CheckKind::Transport,
        Level::Must,
        "no complete answer within 300 ms",
    );
}

#[tokio::test]
async fn a_connection_closed_mid_answer() {
    let url = raw(|mut socket, _| async move {
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"items\":[")
            .await;
        drop(socket);
    })
    .await;
    let r = bounded(run_yaml(&one_case(CASE), &url, Setup::default())).await;
    assert_fails(&r, CheckKind::Transport, Level::Must, "connection broke");
}

#[tokio::test]
async fn garbage_instead_of_http() {
    let url = raw(|mut socket, _| async move {
        let _ = socket.write_all(b"garbage garbage\r\n\r\n").await;
    })
    .await;
    let r = bounded(run_yaml(&one_case(CASE), &url, Setup::default())).await;
    assert_fails(&r, CheckKind::Transport, Level::Must, "connection broke");
}

#[tokio::test]
async fn a_huge_body_is_cut_at_the_cap() {
    let url = fake(|_, _| Answer {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: format!("{{\"items\": [], \"pad\": \"{}\"}}", "x".repeat(5 << 20)).into_bytes(),
    })
    .await;
    let mut setup = Setup::default();
    setup.client.max_body_bytes = 64 << 10;
    let r = bounded(run_yaml(&one_case(CASE), &url, setup)).await;
    assert_fails(
        &r,
        CheckKind::Json,
        Level::Must,
        "larger than the size cap and was cut after 65536 bytes",
    );
    let response = r.exchanges[0].outcome.as_ref().expect("a response");
    assert!(response.truncated && response.body.len() == 64 << 10);
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap() {
    let url = raw(|mut socket, _| async move {
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
            .await;
        let chunk = format!("{:x}\r\n{}\r\n", 8192, "[".repeat(8192));
        while socket.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await;
    let mut setup = Setup::default();
    setup.client.max_body_bytes = 256 << 10;
    let r = bounded(run_yaml(&one_case(CASE), &url, setup)).await;
    assert_fails(&r, CheckKind::Json, Level::Must, "larger than the size cap");
}

#[tokio::test]
async fn bodies_that_are_not_json() {
    for (body, fragment) in [
        (b"{\"items\": [".to_vec(), "not valid JSON"),
        (vec![b'{', 0xff, 0xfe, b'}'], "not valid UTF-8"),
        (Vec::new(), "the body is empty"),
        (b"<html>oops</html>".to_vec(), "not valid JSON"),
    ] {
        let url = fake(move |_, _| Answer {
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: body.clone(),
        })
        .await;
        let r = bounded(run_yaml(&one_case(CASE), &url, Setup::default())).await;
        assert_fails(&r, CheckKind::Json, Level::Must, fragment);
    }
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let url = fake(|_, _| {
        Answer::json(302, serde_json::json!({})).header("location", "http://127.0.0.1:1/elsewhere")
    })
    .await;
    let r = bounded(run_yaml(&one_case(CASE), &url, Setup::default())).await;
    assert_fails(
        &r,
        CheckKind::Status,
        Level::Must,
        "status 302 where 200 was expected",
    );
}

#[tokio::test]
async fn one_broken_answer_does_not_stop_the_run() {
    // Drops the connection for /broken, answers an empty listing otherwise.
    let url = raw(|mut socket, head| async move {
        if head.contains("/broken") {
            return;
        }
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n{\"items\":[]}")
            .await;
    })
    .await;
    let text = "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {path: /broken}\n    expect: {status: 200}\n  - id: b\n    verifies: y\n    level: must\n    request: {}\n    expect: {status: 200}\n  - id: c\n    verifies: z\n    level: must\n    request: {}\n    expect: {jsonpath: [{path: \"$.nope\", exists: true}]}\n";
    let suite = load(
        &[SourceFile {
            name: "cases/t.yaml".into(),
            text: text.into(),
        }],
        SchemaSet::embedded().expect("schemas"),
    )
    .expect("load");
    let options = RunOptions {
        target: url,
        client: ClientOptions::default(),
        concurrency: 3,
        fixture: None,
        faults: false,
        snapshots: None,
        redact: Vec::new(),
    };
    let report = bounded(runner::run(&suite, &Selection::default(), options, |_| {}))
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
}

#[tokio::test]
async fn an_unreachable_target_stops_the_run_before_it_starts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let suite = load(
        &[SourceFile {
            name: "cases/t.yaml".into(),
            text: one_case(CASE),
        }],
        SchemaSet::embedded().expect("schemas"),
    )
    .expect("load");
    let options = RunOptions {
        target: url.clone(),
        client: ClientOptions::default(),
        concurrency: 1,
        fixture: None,
        faults: false,
        snapshots: None,
        redact: Vec::new(),
    };
    match bounded(runner::run(&suite, &Selection::default(), options, |_| {})).await {
        Err(RunError::Unreachable { url: u, reason }) => {
            assert_eq!(u, url);
            assert!(reason.contains("Connection refused"), "{reason}");
        }
        other => panic!(
            "expected Unreachable, got {:?}",
            other.map(|r| r.cases.len())
        ),
    }
}
