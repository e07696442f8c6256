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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(id: &str, status: &str) -> Value {
        json!({"jobId": id, "jobStatus": status})
    }

    #[test]
    fn ties_are_put_in_job_id_order_and_the_token_is_redacted() {
        let body = json!({
            "items": [job("c", "IDLE"), job("a", "IDLE"), job("b", "RUNNING"), job("a2", "RUNNING")],
            "nextToken": "opaque-123"
        });
        let request = json!({"sortCriteria": {"attributeName": "jobStatus", "orderBy": "ASC"}});
        let n = normalise(&body, Some(&request));
        let ids: Vec<&str> = n["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["jobId"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["a", "c", "a2", "b"],
            "groups keep their order, ties are sorted"
        );
        assert_eq!(n["nextToken"], "[nextToken]");
    }

    #[test]
    fn without_a_sort_every_job_is_in_id_order() {
        let body = json!({"items": [job("b", "IDLE"), job("a", "RUNNING")], "nextToken": null});
        let n = normalise(&body, Some(&json!({})));
        assert_eq!(n["items"][0]["jobId"], "a");
        assert_eq!(n["nextToken"], Value::Null, "null stays null");
    }

    #[test]
    fn render_and_parse_round_trip() {
        let text = render("a.b", "cases/x.yaml", "{\n  \"k\": 1\n}");
        assert_eq!(parse(&text).as_deref(), Some("{\n  \"k\": 1\n}"));
        assert_eq!(parse("no header"), None);
    }
}
