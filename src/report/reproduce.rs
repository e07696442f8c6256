//! How to send a judged request again: the `curl` command every format
//! shows beside a failure, rebased onto the embedded server's address when
//! that is what answered it.

use super::style::Style;
use super::*;
use crate::engine::exchange::{Exchange, HttpRequest};
use std::fmt::Write as _;

/// How to send a request again: its `curl`, and for the embedded server,
/// which ends with the run, how to start one to send it to.
pub(crate) fn reproduce(
    report: &RunReport,
    exchange: &Exchange,
    style: &Style,
    indent: &str,
) -> String {
    let mut out = format!("{indent}reproduce:\n");
    for command in reproduce_commands(report, exchange, style) {
        let _ = writeln!(out, "{indent}  {command}");
    }
    out
}

/// The shell lines that send a request again (comments start with `#`):
/// the `curl` as the run sent it, or, when the target was the embedded
/// server (which stopped with the run), the command that starts one and
/// the `curl` addressed to it.
pub(crate) fn reproduce_commands(
    report: &RunReport,
    exchange: &Exchange,
    style: &Style,
) -> Vec<String> {
    commands(exchange, style, report.embedded)
}

pub(super) fn commands(exchange: &Exchange, style: &Style, embedded: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if embedded {
        lines.push("# the embedded reference server stopped with the run; start one first".into());
        lines.push("macie-conform serve --port 8080 --faults &".into());
        let mut request = exchange.request.clone();
        request.url = rebased(&request.url, "http://127.0.0.1:8080");
        lines.push(curl(&request, style));
    } else {
        lines.push(curl(&exchange.request, style));
    }
    if let Some(note) = token_note(exchange) {
        lines.push(format!("# {note}"));
    }
    lines
}

/// `url` with its scheme, host and port replaced by `origin`.
pub(crate) fn rebased(url: &str, origin: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_at = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    format!("{origin}{}", &url[path_at..])
}

/// Said beside a reproduction of a walk's later page: its nextToken came
/// from the page before, and a server may accept a token only then.
pub(crate) fn token_note(exchange: &Exchange) -> Option<String> {
    let page = exchange.page.filter(|&p| p > 1)?;
    Some(format!(
        "page {page} of a walk: this request carries the nextToken that page {} returned; if the server no longer accepts it, walk again from page 1",
        page - 1
    ))
}

/// A `curl` command that sends the same request, with secrets redacted.
pub(crate) fn curl(request: &HttpRequest, style: &Style) -> String {
    let mut parts = vec![
        "curl".to_string(),
        "-sS".to_string(),
        "-i".to_string(),
        "-X".to_string(),
        request.method.clone(),
        shell_quote(&request.url),
    ];
    for (k, v) in &request.headers {
        let value = if style.is_redacted(k) {
            super::REDACTED
        } else {
            v.as_str()
        };
        parts.push("-H".into());
        parts.push(shell_quote(&format!("{k}: {value}")));
    }
    if !request.body.is_empty() {
        parts.push("--data-binary".into());
        parts.push(shell_quote(&String::from_utf8_lossy(&request.body)));
    }
    parts.join(" ")
}

/// Single-quotes for POSIX shells. Text with control characters (a
/// nextToken or body a target filled with them) is written as ANSI-C
/// quoting (`$'...\x1b...'`, bash, zsh and ksh): the command still sends
/// the same bytes, and no raw control character reaches the terminal or a
/// report.
fn shell_quote(s: &str) -> String {
    if !s.chars().any(super::escape::is_dangerous) {
        return format!("'{}'", s.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if super::escape::is_dangerous(c) && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if super::escape::is_dangerous(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::rebased;

    #[test]
    fn a_url_is_rebased_onto_another_origin_keeping_its_path() {
        assert_eq!(
            rebased("http://127.0.0.1:41234/jobs/list", "http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/jobs/list"
        );
        assert_eq!(
            rebased("https://host/base/jobs/list?x=1", "http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/base/jobs/list?x=1"
        );
        assert_eq!(rebased("http://host", "http://o"), "http://o");
    }
}
