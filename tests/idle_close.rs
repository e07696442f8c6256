//! A correct HTTP/1.1 server may close an idle kept-alive connection at any
//! time, and a request the client sends just then finds it closed before
//! any answer comes. The harness sends such a request once more, on a new
//! connection, as AWS SDKs do, and counts it (`runner::http`).
//!
//! The suite must pass the reference server served so that it closes idle
//! connections; small raw servers show the retry itself, with counts that
//! do not depend on timing.

mod common;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use macie_conform::engine::exchange::{Exchange, HttpRequest, TransportError};
use macie_conform::runner::http::{Client, ClientOptions};
use macie_conform::server::{self, ServerConfig};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// How long a connection may stay idle before the server closes it.
const IDLE: Duration = Duration::from_millis(50);

/// A server's connection that closes once it has been idle (answered, with
/// no new request begun) for [`IDLE`]. A request whose first bytes come
/// when it has been idle that long is dropped unanswered: the server's
/// timer ran out as the request came, the race a client meets when it
/// reuses a connection the server is closing. A new connection is not idle
/// until it has answered, so a request on one is always answered.
struct IdleClosing {
    stream: TcpStream,
    /// When the last answer was written, while no request is in progress.
    idle_since: Option<Instant>,
    timer: Pin<Box<Sleep>>,
}

impl IdleClosing {
    fn new(stream: TcpStream) -> Self {
        IdleClosing {
            stream,
            idle_since: None,
            timer: Box::pin(tokio::time::sleep(IDLE)),
        }
    }

    fn wrote(&mut self) {
        self.idle_since = Some(Instant::now());
    }
}

impl AsyncRead for IdleClosing {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                if this
                    .idle_since
                    .take()
                    .is_some_and(|since| since.elapsed() >= IDLE)
                {
                    // The request is forgotten and the end of the stream
                    // reported instead: hyper then closes the connection
                    // without a word, as a server whose timer fired would.
                    // The request was read whole, so the close is a plain
                    // FIN, not a reset.
                    buf.set_filled(before);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                if let Some(since) = this.idle_since {
                    let at = since + IDLE;
                    if this.timer.deadline() != at {
                        this.timer.as_mut().reset(at);
                    }
                    // Idle long enough: the end of the stream makes hyper
                    // close the connection.
                    if this.timer.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Ok(()));
                    }
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl AsyncWrite for IdleClosing {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(_)) = written {
            this.wrote();
        }
        written
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(_)) = written {
            this.wrote();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Serves `app` on a free loopback port, each connection closing when idle
/// (see [`IdleClosing`]); the handle stops accepting when aborted.
async fn serve_closing_idle(app: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                // A connection that ends in an error ends; nothing to report.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(IdleClosing::new(stream)), service)
                    .await;
            });
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_passes_a_server_that_closes_idle_connections() {
    // Faults on: the shipped suite has cases that ask for them.
    let config = ServerConfig::embedded().expect("fixture").with_faults(true);
    let (url, task) = serve_closing_idle(server::router(config)).await;
    let mut retries = Vec::new();
    for run in 1..=5 {
        let report = common::run_shipped_suite(url.clone(), true, Some(8)).await;
        let failed = common::failures(&report);
        assert!(
            failed.is_empty(),
            "run {run}: a server that closes idle connections fails cases:\n{}",
            failed.join("\n")
        );
        retries.push(report.connection_retries);
    }
    task.abort();
    println!("requests sent again on a new connection, per run: {retries:?}");
}

/// The empty listing the raw servers answer with.
const LISTING: &str = r#"{"items": []}"#;

/// Reads one request (head and `content-length` body) into `pending`,
/// which keeps what came after it; `false` when the client closed first.
async fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            let whole = end + 4 + length;
            if pending.len() >= whole {
                pending.drain(..whole);
                return true;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A raw HTTP/1.1 server on a loopback port that answers the first
/// `answered` requests of each connection with an empty listing, kept
/// alive, and closes the connection without answering the next one, after
/// reading it whole (so the close is a FIN, not a reset). Counts the
/// connections it closed so.
async fn closing_after(answered: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let dropped = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&dropped);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let count = Arc::clone(&count);
            tokio::spawn(async move {
                let mut pending = Vec::new();
                for _ in 0..answered {
                    if !read_request(&mut stream, &mut pending).await {
                        return;
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: keep-alive\r\n\r\n{LISTING}",
                        LISTING.len()
                    );
                    if stream.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
                if read_request(&mut stream, &mut pending).await {
                    // Counted before the close, so a client that saw the
                    // close sees the count.
                    count.fetch_add(1, Ordering::SeqCst);
                    drop(stream);
                }
            });
        }
    });
    (url, dropped)
}

fn listing_request(url: &str) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        url: format!("{url}/jobs/list"),
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{}".to_vec(),
    }
}

fn client() -> Client {
    Client::new({
        let mut o = ClientOptions::default();
        o.timeout = Duration::from_secs(10);
        o
    })
    .expect("client")
}

fn status(exchange: &Exchange) -> Result<u16, &TransportError> {
    exchange.outcome.as_ref().map(|r| r.status)
}

#[tokio::test]
async fn a_request_on_a_connection_closed_before_answering_is_sent_again_once() {
    let (url, dropped) = closing_after(1).await;
    let client = client();
    // Whether a request finds the previous one's connection back in the
    // pool is the pool's business (it puts a connection back from a task
    // of its own), so requests are sent one after another until one is
    // sent on a connection that already answered, which the server closes
    // unanswered; in practice the second. Every one must get its answer.
    let mut requests = 0;
    while dropped.load(Ordering::SeqCst) == 0 {
        assert!(
            requests < 20,
            "{requests} requests and none reused a kept-alive connection"
        );
        let exchange = client.send(listing_request(&url), false).await;
        requests += 1;
        assert_eq!(status(&exchange), Ok(200), "request {requests}");
        assert_eq!(exchange.attempts, 1, "not a throttling retry");
    }
    // The server closed one connection unanswered; the request it held
    // was sent once more, on a new connection, which answered it.
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(client.connection_retries(), 1);
    assert_eq!(client.sent(), requests + 1, "the retry is a request sent");
    assert!(client.gave_up().is_none());
}

#[tokio::test]
async fn a_server_that_closes_every_connection_unanswered_fails_after_one_retry() {
    let (url, dropped) = closing_after(0).await;
    let client = client();
    let exchange = client.send(listing_request(&url), false).await;
    assert!(
        matches!(exchange.outcome, Err(TransportError::Broken(_))),
        "{:?}",
        exchange.outcome
    );
    assert_eq!(client.connection_retries(), 1);
    assert_eq!(client.sent(), 2);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        2,
        "two connections, no more"
    );
}

#[tokio::test]
async fn a_body_cut_short_after_the_headers_is_not_sent_again() {
    // The target answered: its answer is what failed, and it is judged.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut pending = Vec::new();
            if read_request(&mut stream, &mut pending).await {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"items\"",
                    )
                    .await;
            }
        }
    });
    let client = client();
    let exchange = client.send(listing_request(&url), false).await;
    assert!(
        matches!(exchange.outcome, Err(TransportError::Broken(_))),
        "{:?}",
        exchange.outcome
    );
    assert_eq!(client.connection_retries(), 0);
    assert_eq!(client.sent(), 1);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_target_nothing_listens_on_is_not_sent_again() {
    // A port just bound and released: nothing listens there.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let client = client();
    let exchange = client.send(listing_request(&url), false).await;
    assert!(
        matches!(exchange.outcome, Err(TransportError::Connect(_))),
        "{:?}",
        exchange.outcome
    );
    assert_eq!(client.connection_retries(), 0);
    assert_eq!(client.sent(), 1);
}

#[tokio::test]
async fn a_target_that_never_answers_is_not_sent_again() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = Client::new({
        let mut o = ClientOptions::default();
        o.timeout = Duration::from_millis(300);
        o
    })
    .expect("client");
    let exchange = client.send(listing_request(&url), false).await;
    assert_eq!(exchange.outcome, Err(TransportError::Timeout(300)));
    assert_eq!(client.connection_retries(), 0);
    assert_eq!(client.sent(), 1);
}
