//! What every format shows alike: how much of a check's detail, and the
//! cases named in the requirement matrix.
//!
//! The core keeps every line of a diff (see `engine::diff`); a report that
//! showed them all could run to megabytes for one listing, and a browser
//! or terminal then shows nothing useful. Every format shows the same cut,
//! so a reader comparing two reports of a run sees the same lines.

use crate::engine::diff;
use std::borrow::Cow;

/// Lines of a diff shown, header included; a longer diff ends with a note
/// saying how many lines were left out.
pub(crate) const MAX_DIFF_LINES: usize = 80;

/// The part of `detail` a report shows: a diff longer than
/// [`MAX_DIFF_LINES`] is cut, with a note; any other detail is shown whole
/// (its producer already bounds it, as the schema check does at 20
/// violations).
pub(crate) fn shown(detail: &str) -> Cow<'_, str> {
    if !diff::is_diff(detail) {
        return Cow::Borrowed(detail);
    }
    let mut lines: Vec<&str> = detail.lines().collect();
    // A diff the core already cut ends with how many lines it left out.
    let left_out = match lines.last().and_then(|l| diff::cut_count(l)) {
        Some(n) => {
            lines.pop();
            n
        }
        None => 0,
    };
    if lines.len() <= MAX_DIFF_LINES && left_out == 0 {
        return Cow::Borrowed(detail);
    }
    let shown = lines.len().min(MAX_DIFF_LINES);
    Cow::Owned(format!(
        "{}\n{}",
        lines[..shown].join("\n"),
        diff::cut_note(lines.len() - shown + left_out)
    ))
}

/// Lines of a body excerpt.
const EXCERPT_LINES: usize = 14;
/// Characters of a body excerpt.
const EXCERPT_CHARS: usize = 1_200;

/// The part of a recorded body around what a check found: the value at
/// `pointer` (a JSON Pointer), pretty-printed, or else the body's
/// beginning; cut to a few lines either way. The body was redacted when it
/// was recorded; renderers escape what this returns.
pub(crate) fn excerpt(body: &[u8], pointer: Option<&str>) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let jobs = parsed.as_ref().and_then(crate::engine::check::items);
    // A place inside a listing: the jobs around it, one line each, the one
    // pointed at marked; for a member of a job, that job and the member.
    let in_listing = pointer.and_then(|p| {
        let rest = p.strip_prefix("/items/")?;
        let (index, member) = match rest.split_once('/') {
            Some((i, m)) => (i.parse::<usize>().ok()?, Some(m)),
            None => (rest.parse::<usize>().ok()?, None),
        };
        let jobs = jobs?;
        let job = jobs.get(index)?;
        let label = |i: usize, j: &serde_json::Value| {
            let mark = if i == index { "→" } else { " " };
            format!("{mark} {i}: {}", crate::engine::check::job_label(j))
        };
        Some(match member {
            None => {
                let from = index.saturating_sub(1);
                let to = (index + 3).min(jobs.len());
                let lines: Vec<String> = (from..to).map(|i| label(i, &jobs[i])).collect();
                (
                    format!("jobs {from} to {} of the page's {}:", to - 1, jobs.len()),
                    lines.join("\n"),
                )
            }
            Some(_) => {
                let value = parsed
                    .as_ref()
                    .and_then(|v| v.pointer(p))
                    .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                    .unwrap_or_default();
                (format!("{}\nat {}:", label(index, job), p), value)
            }
        })
    });
    let (head, text) = if let Some(found) = in_listing {
        found
    } else {
        match (&parsed, pointer) {
            (Some(v), Some(p)) if v.pointer(p).is_some() => (
                format!("at {p}:"),
                serde_json::to_string_pretty(&v.pointer(p)).unwrap_or_default(),
            ),
            // A listing without a place to point at: its jobs, one line each,
            // which is where an order or a filter shows.
            (Some(v), _) if crate::engine::check::items(v).is_some_and(|i| !i.is_empty()) => {
                let jobs = crate::engine::check::items(v).unwrap_or_default();
                let text: Vec<String> = jobs
                    .iter()
                    .enumerate()
                    .map(|(i, j)| format!("{i}: {}", crate::engine::check::job_label(j)))
                    .collect();
                (
                    format!("the page's {} job(s):", jobs.len()),
                    text.join("\n"),
                )
            }
            (Some(v), _) => (
                "body:".to_string(),
                serde_json::to_string_pretty(v).unwrap_or_default(),
            ),
            (None, _) => (
                "body:".to_string(),
                String::from_utf8_lossy(body).into_owned(),
            ),
        }
    };
    let mut lines: Vec<String> = Vec::new();
    let mut chars = 0;
    let all = text.lines().count();
    for l in text.lines() {
        if lines.len() >= EXCERPT_LINES || chars + l.len() > EXCERPT_CHARS {
            break;
        }
        chars += l.len();
        lines.push(l.to_string());
    }
    let mut out = if lines.is_empty() {
        // One line longer than an excerpt: its beginning.
        let cut: String = text.chars().take(EXCERPT_CHARS).collect();
        format!(
            "{head}\n{cut}\n… {} more character(s)",
            text.chars().count().saturating_sub(EXCERPT_CHARS)
        )
    } else {
        format!("{head}\n{}", lines.join("\n"))
    };
    if !lines.is_empty() && lines.len() < all {
        out.push_str(&format!("\n… {} more line(s)", all - lines.len()));
    }
    Some(out)
}

/// The cases column of the matrix: how many cases verify the requirement,
/// and the ones that fail it by name (at most ten), so the matrix stays
/// short however large the suite.
pub(crate) fn matrix_cases(
    report: &super::RunReport,
    requirement: &str,
    link: impl Fn(&str) -> String,
) -> String {
    let all: Vec<&super::CaseReport> = report.cases_for(requirement).collect();
    // A failed case fails the requirement only through a check that counts
    // against it (see super::attribution), so only those cases are named.
    let mut failing: Vec<&super::CaseReport> =
        report.failures_of(requirement).map(|(c, _)| c).collect();
    failing.dedup_by(|a, b| a.id == b.id);
    if failing.is_empty() {
        return format!("{} case(s)", all.len());
    }
    let mut named: Vec<String> = failing.iter().take(10).map(|c| link(&c.id)).collect();
    if failing.len() > 10 {
        named.push(format!("and {} more", failing.len() - 10));
    }
    format!(
        "{} of {} failing: {}",
        failing.len(),
        all.len(),
        named.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn page() -> Vec<u8> {
        let jobs: Vec<Value> = (0..6)
            .map(|i| json!({"jobId": format!("j{i}"), "name": format!("n{i}"), "jobStatus": "RUNNING"}))
            .collect();
        json!({"items": jobs}).to_string().into_bytes()
    }

    #[test]
    fn an_excerpt_shows_the_jobs_around_a_position() {
        let text = excerpt(&page(), Some("/items/3")).expect("excerpt");
        assert!(text.starts_with("jobs 2 to 5 of the page's 6:"), "{text}");
        assert!(text.contains("→ 3: jobId j3"), "{text}");
        assert!(!text.contains("j1"), "{text}");
    }

    #[test]
    fn an_excerpt_shows_a_member_with_its_job() {
        let text = excerpt(&page(), Some("/items/4/jobStatus")).expect("excerpt");
        assert!(text.contains("→ 4: jobId j4"), "{text}");
        assert!(
            text.contains("at /items/4/jobStatus:\n\"RUNNING\""),
            "{text}"
        );
    }

    #[test]
    fn an_excerpt_is_bounded_whatever_the_body() {
        let long = vec![b'x'; 50_000];
        let text = excerpt(&long, None).expect("excerpt");
        assert!(text.len() < EXCERPT_CHARS + 100, "{}", text.len());
        assert!(text.ends_with("more character(s)"), "{text}");
        let many: Vec<Value> = (0..500).map(|i| json!({"jobId": i})).collect();
        let text = excerpt(json!({"items": many}).to_string().as_bytes(), None).expect("excerpt");
        assert!(text.lines().count() <= EXCERPT_LINES + 2, "{text}");
        assert!(text.ends_with("more line(s)"), "{text}");
        assert_eq!(excerpt(b"", None), None);
    }

    #[test]
    fn long_diffs_are_cut_with_a_note() {
        let a = Value::Array((0..200).map(|i| json!(i)).collect());
        let b = Value::Array((0..200).map(|i| json!(i + 1000)).collect());
        let full = diff::json_diff(&a, &b);
        let cut = shown(&full);
        assert!(
            cut.ends_with("… 325 more diff line(s) not shown\n"),
            "{cut}"
        );
        assert_eq!(cut.lines().count(), MAX_DIFF_LINES + 1);
        assert!(
            cut.lines()
                .zip(full.lines())
                .take(MAX_DIFF_LINES)
                .all(|(a, b)| a == b),
            "the shown lines are the diff's first ones"
        );
    }

    #[test]
    fn a_diff_the_core_cut_is_cut_with_the_whole_count() {
        let a = Value::Array((0..2000).map(|i| json!(i)).collect());
        let b = Value::Array((0..2000).map(|i| json!(i + 100_000)).collect());
        let full = diff::json_diff(&a, &b);
        let cut = shown(&full);
        // 2 + 1 + 2000 + 2000 + 2 lines in all, 80 shown.
        assert!(
            cut.ends_with(&diff::cut_note(4005 - MAX_DIFF_LINES)),
            "{cut}"
        );
        assert_eq!(cut.lines().count(), MAX_DIFF_LINES + 1);
    }

    #[test]
    fn short_diffs_and_other_details_are_shown_whole() {
        let short = diff::json_diff(&json!({"a": 1}), &json!({"a": 2}));
        assert!(matches!(shown(&short), Cow::Borrowed(s) if s == short));
        let violations: String = (0..100).map(|i| format!("at /items/{i}: bad\n")).collect();
        assert!(matches!(shown(&violations), Cow::Borrowed(s) if s == violations));
    }
}
