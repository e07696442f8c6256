//! Snapshot contents: normalising answers so they hold for any correct
//! server, and the insta `.snap` file format.

use super::oracle::{self, Query};
use serde_json::Value;

/// Redacts the page token and puts items whose order the document leaves
/// open (ties, or everything without a sort) into jobId order.
pub fn normalise(body: &Value, request: Option<&Value>) -> Value {
    let mut out = body.clone();
    if let Some(token) = out.get_mut("nextToken")
        && token.is_string()
    {
        *token = Value::String("[nextToken]".into());
    }
    let sort = request
        .and_then(|r| Query::from_request(r).ok())
        .and_then(|q| q.sort);
    if let Some(Value::Array(items)) = out.get_mut("items") {
        let id = |j: &Value| {
            j.get("jobId")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        match sort {
            None => items.sort_by_key(id),
            Some((attribute, _)) => {
                let mut start = 0;
                while start < items.len() {
                    let mut end = start + 1;
                    while end < items.len()
                        && oracle::compare(attribute, &items[start], &items[end]).is_eq()
                    {
                        end += 1;
                    }
                    items[start..end].sort_by_key(id);
                    start = end;
                }
            }
        }
    }
    out
}

pub fn content(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// An insta snapshot file.
pub fn render(name: &str, source: &str, content: &str) -> String {
    format!(
        "---\nsource: {source}\nexpression: {name}\n---\n{}\n",
        content.trim_end()
    )
}

/// The content part of a snapshot file.
pub fn parse(text: &str) -> Option<String> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some(rest[end + 5..].trim_end().to_string())
}
