//! How much of a check's detail a report shows.
//!
//! The core keeps every line of a diff (see `engine::diff`); a report that
//! showed them all could run to megabytes for one listing, and a browser
//! or terminal then shows nothing useful. Every format shows the same cut,
//! so a reader comparing two reports of a run sees the same lines.

use crate::engine::diff;
use std::borrow::Cow;

/// Lines of a diff shown, header included; a longer diff ends with a note
/// saying how many lines were left out.
pub const MAX_DIFF_LINES: usize = 80;

/// The part of `detail` a report shows: a diff longer than
/// [`MAX_DIFF_LINES`] is cut, with a note; any other detail is shown whole
/// (its producer already bounds it, as the schema check does at 20
/// violations).
pub fn shown(detail: &str) -> Cow<'_, str> {
    if !diff::is_diff(detail) {
        return Cow::Borrowed(detail);
    }
    let lines: Vec<&str> = detail.lines().collect();
    if lines.len() <= MAX_DIFF_LINES {
        return Cow::Borrowed(detail);
    }
    Cow::Owned(format!(
        "{}\n… {} more diff line(s) not shown\n",
        lines[..MAX_DIFF_LINES].join("\n"),
        lines.len() - MAX_DIFF_LINES
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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
    fn short_diffs_and_other_details_are_shown_whole() {
        let short = diff::json_diff(&json!({"a": 1}), &json!({"a": 2}));
        assert!(matches!(shown(&short), Cow::Borrowed(s) if s == short));
        let violations: String = (0..100).map(|i| format!("at /items/{i}: bad\n")).collect();
        assert!(matches!(shown(&violations), Cow::Borrowed(s) if s == violations));
    }
}
