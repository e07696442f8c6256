//! Readable differences between an expected and an actual JSON value.
//!
//! The result is a plain unified diff of the pretty-printed values, cut to
//! the changed hunks with a few lines of context. Colour is a matter of the
//! terminal, so renderers add it; reports can show the same text.

use serde_json::Value;
use similar::TextDiff;

/// Lines of unchanged context shown around each change.
const CONTEXT: usize = 3;
/// A diff longer than this is cut, with a note saying how much was left out.
const MAX_LINES: usize = 80;

pub fn json_diff(expected: &Value, actual: &Value) -> String {
    let e = pretty(expected);
    let a = pretty(actual);
    text_diff(&e, &a)
}

/// Unified diff of two texts, labelled expected/actual.
pub fn text_diff(expected: &str, actual: &str) -> String {
    let diff = TextDiff::from_lines(expected, actual);
    let full = diff
        .unified_diff()
        .context_radius(CONTEXT)
        .header("expected", "actual")
        .to_string();
    let lines: Vec<&str> = full.lines().collect();
    if lines.len() <= MAX_LINES {
        return full;
    }
    let mut out = lines[..MAX_LINES].join("\n");
    out.push_str(&format!(
        "\n… {} more diff line(s) not shown\n",
        lines.len() - MAX_LINES
    ));
    out
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
    fn long_diffs_are_cut_with_a_note() {
        let a = Value::Array((0..200).map(|i| json!(i)).collect());
        let b = Value::Array((0..200).map(|i| json!(i + 1000)).collect());
        let d = json_diff(&a, &b);
        assert!(d.contains("more diff line(s) not shown"), "{d}");
        assert!(d.lines().count() <= MAX_LINES + 1);
    }
}
