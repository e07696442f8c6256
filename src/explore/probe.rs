//! A generated case before it is text, and its text.
//!
//! Explore never runs a case it could not write down: every probe is
//! written as a case file and read back by the same loader `run` uses. So
//! what `--save-failures` writes is exactly what was run, and
//! `run --cases DIR` replays it.

use crate::engine::case::Level;
use serde_json::Value;
use std::fmt::Write as _;

/// One generated case.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Probe {
    pub id: String,
    pub verifies: String,
    pub level: Level,
    pub tags: Vec<String>,
    /// The case compares listings with the canonical data set.
    pub fixture: bool,
    /// The case asks the target for an error through fault injection.
    pub faults: bool,
    /// The least data the case needs to mean anything.
    pub min_jobs: Option<usize>,
    pub steps: Vec<ProbeStep>,
}

/// One request or walk of a probe.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProbeStep {
    pub name: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub walk: Option<WalkOptions>,
    /// Variable name and JSONPath, for later steps.
    pub capture: Vec<(String, String)>,
    /// The step's `expect`, as the case format spells it.
    pub expect: Value,
}

/// A request body: JSON, or bytes that are not (malformed input).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Json(Value),
    Raw(String),
}

/// Options of a walk step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalkOptions {
    /// A well-formed 400 ValidationException to the first request is an
    /// observation: the request uses something the target may refuse.
    pub may_refuse: bool,
    pub max_pages: usize,
}

impl Probe {
    /// The probe as one item of a case file's `cases:` list.
    pub(crate) fn to_yaml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "  - id: {}", self.id);
        let _ = writeln!(out, "    verifies: {}", quoted(&self.verifies));
        let _ = writeln!(out, "    level: {}", self.level.as_str());
        let tags: Vec<Value> = self.tags.iter().map(|t| Value::from(t.as_str())).collect();
        let _ = writeln!(out, "    tags: {}", flow(&Value::Array(tags)));
        if self.fixture {
            out.push_str("    fixture: true\n");
        }
        if self.faults {
            out.push_str("    faults: true\n");
        }
        if let Some(n) = self.min_jobs {
            let _ = writeln!(out, "    requires: {{min_jobs: {n}}}");
        }
        out.push_str("    steps:\n");
        for step in &self.steps {
            let mut first = true;
            let mut line = |out: &mut String, text: String| {
                let lead = if first { "      - " } else { "        " };
                first = false;
                let _ = writeln!(out, "{lead}{text}");
            };
            if let Some(name) = &step.name {
                line(&mut out, format!("name: {}", quoted(name)));
            }
            line(&mut out, "request:".to_string());
            if !step.headers.is_empty() {
                let headers: serde_json::Map<String, Value> = step
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                    .collect();
                let _ = writeln!(out, "          headers: {}", flow(&Value::Object(headers)));
            }
            match &step.body {
                Body::Json(v) => {
                    let _ = writeln!(out, "          body: {}", flow(v));
                }
                Body::Raw(s) => {
                    let _ = writeln!(out, "          raw: {}", quoted(s));
                }
            }
            if let Some(w) = step.walk {
                let mut parts = Vec::new();
                if w.may_refuse {
                    parts.push("may_refuse: true".to_string());
                }
                if w.max_pages != DEFAULT_MAX_PAGES {
                    parts.push(format!("max_pages: {}", w.max_pages));
                }
                let _ = writeln!(out, "        walk: {{{}}}", parts.join(", "));
            }
            if !step.capture.is_empty() {
                let captures: serde_json::Map<String, Value> = step
                    .capture
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                    .collect();
                let _ = writeln!(out, "        capture: {}", flow(&Value::Object(captures)));
            }
            let _ = writeln!(out, "        expect: {}", flow(&step.expect));
        }
        out
    }
}

/// The case format's default `max_pages`, left unwritten.
const DEFAULT_MAX_PAGES: usize = 1_000;

/// A whole case file holding `probes`, under a comment.
pub(crate) fn case_file(comment: &str, probes: &[&Probe]) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        let _ = writeln!(out, "# {line}");
    }
    out.push_str("cases:\n");
    for (i, probe) in probes.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&probe.to_yaml());
    }
    out
}

/// A JSON value in YAML flow style: JSON itself, except that strings are
/// written so YAML reads them back unchanged (see [`quoted`]).
pub(crate) fn flow(value: &Value) -> String {
    let mut out = String::new();
    write_flow(value, &mut out);
    out
}

fn write_flow(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(&quoted(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quoted(k));
                out.push_str(": ");
                write_flow(v, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A YAML double-quoted scalar that reads back as `s`. JSON's escapes are
/// all YAML escapes too; YAML also needs every character it does not
/// count as printable escaped (DEL, the C1 controls, a byte-order mark,
/// U+FFFE and U+FFFF), and line and paragraph separators are escaped so a
/// reader's editor does not break the line.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20
                || (0x7f..=0x9f).contains(&(c as u32))
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every awkward string survives the trip through YAML.
    #[test]
    fn strings_read_back_unchanged() {
        let samples = [
            "plain",
            "quote \" and \\ backslash",
            "tab\tnew\nline\r",
            "\u{0}\u{1}\u{7f}\u{85}\u{9f}",
            "\u{2028}\u{2029}\u{feff}\u{fffe}\u{ffff}",
            "日本語 🙂 e\u{301}",
            "# not a comment: {[,]} & * ! | > ' % @ `",
            "",
        ];
        for s in samples {
            let yaml = format!("v: {}\n", quoted(s));
            let back: std::collections::BTreeMap<String, String> =
                serde_saphyr::from_str(&yaml).expect("reads back");
            assert_eq!(back["v"], s, "{yaml}");
        }
    }

    #[test]
    fn json_values_read_back_unchanged() {
        let value = json!({"a": [1, -2, 2147483648u64, 1.5, true, null, "x\u{85}y"], "b": {"c": {}}, "d": []});
        let yaml = format!("v: {}\n", flow(&value));
        let back: std::collections::BTreeMap<String, Value> =
            serde_saphyr::from_str(&yaml).expect("reads back");
        assert_eq!(back["v"], value, "{yaml}");
    }
}
