//! TLS: a target's certificate is verified unless `--insecure` is given.
//!
//! The target is a loopback HTTPS server with a self-signed certificate
//! (`tests/data/tls`), which no trust store accepts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Serves HTTPS on a free loopback port; every request gets an empty listing.
async fn https_server() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls");
    let cert = CertificateDer::from_pem_file(dir.join("cert.pem")).expect("test certificate");
    let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).expect("test key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                // Enough of HTTP/1.1 for one request: headers, then the body
                // its Content-Length announces.
                loop {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&seen).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if seen.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let body = br#"{"items":[]}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

fn suite() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("macie-conform-tls-{}", std::process::id()));
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).expect("scratch dir");
    std::fs::write(
        cases.join("requirements.yaml"),
        "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: t\n    statement: An answer comes.\n",
    )
    .expect("write");
    std::fs::write(
        cases.join("t.yaml"),
        "cases:\n  - id: t.lists\n    verifies: The target answers.\n    requirements: [LCJ-T-001]\n    level: must\n    request: {body: {}}\n    expect: {status: 200, schema: ListClassificationJobsResponse}\n",
    )
    .expect("write");
    cases
}

fn run(cases: &Path, target: &str, extra: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_macie-conform"))
        .env_remove("MACIE_CONFORM_TARGET")
        .env("NO_COLOR", "1")
        .args(["run", "--no-builtin", "--cases"])
        .arg(cases)
        .args(["--target", target])
        .args(extra)
        .output()
        .expect("binary runs");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_refused_unless_insecure() {
    let target = https_server().await;
    let cases = suite();
    let (code, text) = tokio::task::spawn_blocking({
        let (cases, target) = (cases.clone(), target.clone());
        move || run(&cases, &target, &[])
    })
    .await
    .expect("join");
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains(
            "not trusted: the certificate is not signed by an authority this machine trusts"
        ),
        "{text}"
    );
    assert!(
        text.contains("--insecure"),
        "the message names the way out: {text}"
    );

    let (code, text) = tokio::task::spawn_blocking({
        let (cases, target) = (cases.clone(), target.clone());
        move || run(&cases, &target, &["--insecure"])
    })
    .await
    .expect("join");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("1 passed, 0 failed"), "{text}");
    let _ = std::fs::remove_dir_all(cases.parent().expect("scratch"));
}
