//! Readable differences between an expected and an actual JSON value.
//!
//! The result is a plain unified diff of the pretty-printed values, cut to
//! the changed hunks with a few lines of context. It keeps its first
//! [`KEPT_LINES`] lines, far more than any report shows, and says how many
//! more there were in a last line ([`cut_note`]): a diff of two listings
//! of the body cap's size runs to hundreds of thousands of lines, and a
//! failed check keeps its diff to the run's end. How much to show, and in
//! which colours, is for the renderers to decide (`report::detail` cuts
//! long diffs).

use serde_json::Value;
use similar::TextDiff;

/// Lines of unchanged context shown around each change.
const CONTEXT: usize = 3;
/// How every diff written here begins (when the texts differ at all).
const HEADER: &str = "--- expected\n+++ actual\n";

/// Lines of a diff kept (header included); see the module documentation.
pub const KEPT_LINES: usize = 1000;

pub fn json_diff(expected: &Value, actual: &Value) -> String {
    let e = pretty(expected);
    let a = pretty(actual);
    text_diff(&e, &a)
}

/// Unified diff of two texts, labelled expected/actual, cut after
/// [`KEPT_LINES`] lines with a [`cut_note`].
pub fn text_diff(expected: &str, actual: &str) -> String {
    use std::fmt::Write as _;
    let diff = TextDiff::from_lines(expected, actual);
    let mut out = Capped {
        text: String::new(),
        lines: 0,
    };
    // Written through the cap as it is formatted, so the whole diff is
    // never held as text.
    let _ = write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(CONTEXT)
            .header("expected", "actual")
    );
    if out.lines > KEPT_LINES {
        out.text.push_str(&cut_note(out.lines - KEPT_LINES));
    }
    out.text
}

/// The last line of a diff cut short: `… 325 more diff line(s) not shown`.
pub fn cut_note(more: usize) -> String {
    format!("… {more} more diff line(s) not shown\n")
}

/// How many lines a [`cut_note`] says were left out, if `line` is one.
pub fn cut_count(line: &str) -> Option<usize> {
    line.strip_prefix("… ")?
        .strip_suffix(" more diff line(s) not shown")?
        .parse()
        .ok()
}

/// Text that keeps its first [`KEPT_LINES`] lines and counts the rest.
struct Capped {
    text: String,
    lines: usize,
}

impl std::fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for piece in s.split_inclusive('\n') {
            if self.lines < KEPT_LINES {
                self.text.push_str(piece);
            }
            if piece.ends_with('\n') {
                self.lines += 1;
            }
        }
        Ok(())
    }
}

/// Whether a check's detail is a diff written here. Details reach the
/// renderers as text, and a diff is the one kind that may run to thousands
/// of lines, so they tell it from the other details (a list of violations,
/// a body excerpt) by the header this module gives every diff.
pub fn is_diff(detail: &str) -> bool {
    detail.starts_with(HEADER)
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_diff_of_two_large_listings_keeps_its_first_lines_and_counts_the_rest() {
        let a = Value::Array((0..5000).map(|i| json!(i)).collect());
        let b = Value::Array((0..5000).map(|i| json!(i + 100_000)).collect());
        let diff = json_diff(&a, &b);
        let lines: Vec<&str> = diff.lines().collect();
        assert_eq!(lines.len(), KEPT_LINES + 1);
        assert!(diff.starts_with(HEADER));
        // Header (2), hunk header (1), 5000 removed, 5000 added, 2 brackets
        // kept as context around them.
        let total = 2 + 1 + 5000 + 5000 + 2;
        assert_eq!(cut_count(lines[KEPT_LINES]), Some(total - KEPT_LINES));
    }

    #[test]
    fn shows_only_the_changed_member_with_context() {
        let mut big = serde_json::Map::new();
        for i in 0..40 {
            big.insert(format!("k{i:02}"), json!(i));
        }
        let expected = Value::Object(big.clone());
        big.insert("k20".into(), json!("changed"));
        let d = json_diff(&expected, &Value::Object(big));
        assert!(
            d.contains("--- expected") && d.contains("+++ actual"),
            "{d}"
        );
        assert!(
            d.contains("-  \"k20\": 20,") && d.contains("+  \"k20\": \"changed\","),
            "{d}"
        );
        assert!(!d.contains("k05"), "far-away members are not shown: {d}");
    }

    #[test]
    fn diffs_under_the_kept_lines_are_kept_whole() {
        let a = Value::Array((0..200).map(|i| json!(i)).collect());
        let b = Value::Array((0..200).map(|i| json!(i + 1000)).collect());
        let d = json_diff(&a, &b);
        assert!(d.contains("+  1199"), "the last change is kept: {d}");
        assert!(!d.contains("not shown"), "{d}");
    }

    #[test]
    fn diffs_and_only_diffs_are_recognised() {
        let d = json_diff(&json!({"a": 1}), &json!({"a": 2}));
        assert!(is_diff(&d), "{d}");
        assert!(is_diff(&text_diff("a\n", "b\n")));
        assert!(!is_diff("at /items/0 (type): 1 is not of type \"object\""));
        assert!(!is_diff(
            "status 200, Content-Type \"text/plain\", 3 byte(s):\n--- x"
        ));
        // Equal values have no diff at all, so nothing to recognise.
        assert_eq!(json_diff(&json!(1), &json!(1)), "");
    }
}
