//! Readable differences between an expected and an actual JSON value.
//!
//! The result is a plain unified diff of the pretty-printed values, cut to
//! the changed hunks with a few lines of context. It is data: every changed
//! line is kept, however many. How much to show, and in which colours, is
//! for the renderers to decide (`report::detail` cuts long diffs).

use serde_json::Value;
use similar::TextDiff;

/// Lines of unchanged context shown around each change.
const CONTEXT: usize = 3;
/// How every diff written here begins (when the texts differ at all).
const HEADER: &str = "--- expected\n+++ actual\n";

pub fn json_diff(expected: &Value, actual: &Value) -> String {
    let e = pretty(expected);
    let a = pretty(actual);
    text_diff(&e, &a)
}

/// Unified diff of two texts, labelled expected/actual.
pub fn text_diff(expected: &str, actual: &str) -> String {
    TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(CONTEXT)
        .header("expected", "actual")
        .to_string()
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
    fn long_diffs_are_kept_whole() {
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
