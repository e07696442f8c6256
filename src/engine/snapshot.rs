//! Snapshot contents: normalising answers so that a stored snapshot holds
//! for any correct server, and insta's `.snap` file format.
//!
//! Nothing here touches the file system; the runner owns the files
//! (`runner::snapshot`).
//!
//! Why the format is written here and not by insta: insta 1.49 has a public
//! reader (`insta::Snapshot::from_file`) but no public writer. A `Snapshot`
//! is only built by the assertion macros (`Snapshot::from_components` is
//! crate-private, and `MetaData` has crate-private fields and no
//! constructor); `Snapshot::save` is `#[doc(hidden)]` (cargo-insta's hook)
//! and `save_new`, which writes `.snap.new`, is crate-private. The macros
//! are no runtime API: they record `source` from `file!()` of the calling
//! Rust file and `expression` from the asserted tokens, not a case file and
//! a case id; they choose between comparing, writing `.snap` and writing
//! `.snap.new` from `INSTA_*`, `CI` and `insta.yaml`; they find the
//! workspace by running `cargo metadata`; and they report a difference by
//! panicking. The reader alone is not worth the dependency: it would keep
//! insta's runtime (and its `tempfile`) in the binary for the twenty lines
//! of [`parse`], it reads only from a path, and it takes a file without a
//! metadata block as insta's legacy format (with a warning on stderr) where
//! the runner should report a damaged file. So insta is a dev-dependency,
//! and `tests/insta_compat.rs` holds this module to it: insta reads what
//! [`render`] writes (`.snap` and `.snap.new`) and rewrites it byte for
//! byte, as `cargo insta review` does on accepting, and [`parse`] reads
//! what insta's own macros write as insta does.

use super::oracle::{self, Query};
use serde_json::Value;

/// What a page token is replaced by. Tokens are opaque and differ between
/// servers (and between runs of one server), so only their presence is
/// part of the contract.
pub const REDACTED_TOKEN: &str = "[nextToken]";

/// Rewrites a response body so that it is the same for every correct
/// server:
///
/// - a `nextToken` string becomes [`REDACTED_TOKEN`]; a `null` token is
///   dropped, since it means the same as an absent one ("no next page", which
///   is part of the contract), and a token that is neither is left visible so
///   that the snapshot still shows the fault;
/// - each job is put in the oracle's [canonical](oracle::canonical) spelling:
///   date-times in UTC with milliseconds, `null` members dropped, since the
///   document leaves both spellings open;
/// - `items` is put into a canonical order wherever the document leaves the
///   order open. With a complete sort (attribute and direction) the order
///   between tie groups is fixed by the document and kept as listed, so a
///   server that sorts wrongly still changes the snapshot; only jobs that
///   compare equal under the oracle's comparison are reordered, by `jobId`.
///   Without a complete sort the whole order is the server's choice, so every
///   job is ordered by `jobId`.
///
/// Nothing else is touched: every other member is what the server said.
///
/// One openness is beyond repair here: when a tie group straddles a page
/// boundary, *which* tied jobs land on the page is also the server's choice.
/// Snapshot cases should avoid such pages (or walk every page).
pub fn normalise(body: &Value, request: Option<&Value>) -> Value {
    let mut out = body.clone();
    if let Some(members) = out.as_object_mut() {
        match members.get("nextToken") {
            Some(Value::String(_)) => {
                members.insert("nextToken".into(), Value::String(REDACTED_TOKEN.into()));
            }
            Some(Value::Null) => {
                members.remove("nextToken");
            }
            _ => {}
        }
        // A page without jobs may leave `items` out or write it as `null`
        // (OC-23): all three spellings of a listing snapshot as the empty
        // array. A body with other members than a listing's (an error's)
        // is left as it is.
        let listing = members.keys().all(|k| k == "items" || k == "nextToken");
        if listing && members.get("items").is_none_or(Value::is_null) {
            members.insert("items".into(), Value::Array(Vec::new()));
        }
    }
    // An unreadable request (or none) predicts no order, like a request
    // without a sort.
    let attribute = request
        .and_then(|r| Query::from_request(r).ok())
        .and_then(|q| q.sort)
        .map(|(attribute, _)| attribute);
    if let Some(Value::Array(items)) = out.get_mut("items") {
        for item in items.iter_mut() {
            *item = oracle::canonical(item);
        }
        match attribute {
            // Direction does not matter: a run of equal jobs is a tie group
            // whether the listing ascends or descends.
            Some(attribute) => {
                for group in items.chunk_by_mut(|a, b| oracle::compare(attribute, a, b).is_eq()) {
                    group.sort_by_cached_key(tie_key);
                }
            }
            None => items.sort_by_cached_key(tie_key),
        }
    }
    out
}

/// The canonical order of jobs the document does not order. The whole job
/// as text breaks ties between jobs without a (distinct) `jobId`, so the
/// result never depends on the server's order.
fn tie_key(job: &Value) -> (Option<String>, String) {
    let id = job.get("jobId").and_then(Value::as_str).map(str::to_owned);
    (id, job.to_string())
}

/// Whether a stored snapshot and a fresh one (both [`content`], as stored)
/// differ only in the order of `body.items`: the same jobs, each as often,
/// with every other member alike. [`normalise`] has already put every order
/// the document leaves open into a canonical one, so what is left is an
/// order the request fixed: the answer breaks the sort, not the filter or
/// the jobs' content, and the comparison says so (as the oracle does).
pub fn differs_only_in_order(stored: &str, fresh: &str) -> bool {
    let (Ok(mut stored), Ok(mut fresh)) = (
        serde_json::from_str::<Value>(stored),
        serde_json::from_str::<Value>(fresh),
    ) else {
        return false;
    };
    if stored == fresh {
        return false;
    }
    for value in [&mut stored, &mut fresh] {
        match value.pointer_mut("/body/items") {
            Some(Value::Array(items)) => items.sort_by_cached_key(|job| job.to_string()),
            _ => return false,
        }
    }
    stored == fresh
}

/// The snapshot content of a value: pretty JSON, as reviewers read it.
pub fn content(value: &Value) -> String {
    // Serialising a `Value` cannot fail (its keys are strings); the compact
    // form is only a fallback that keeps this infallible.
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// A `.snap` file as insta 1.x writes it, so `cargo insta review` and
/// `insta::Snapshot::from_file` read it: a YAML metadata document opened by
/// `---` (insta emits `source` before `expression`), a closing `---` line,
/// then the content with trailing whitespace trimmed and exactly one final
/// newline. Insta trims the same way before writing and before comparing.
pub fn render(name: &str, source: &str, content: &str) -> String {
    format!(
        "---\nsource: {}\nexpression: {}\n---\n{}\n",
        yaml_scalar(source),
        yaml_scalar(name),
        normalise_text(content)
    )
}

/// The content of a `.snap` file, as insta reads it: everything after the
/// line closing the metadata, lines joined by `\n` (CRLF endings accepted),
/// trailing whitespace trimmed. `None` when the text does not open with a
/// metadata block closed by a `---` line; insta would read such a file as
/// its legacy format or as empty, but we never write those, so it is more
/// useful to call the file damaged.
pub fn parse(text: &str) -> Option<String> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let mut offset = first.len();
    for line in lines {
        offset += line.len();
        if line.trim_end() == "---" {
            let content: Vec<&str> = text[offset..].lines().collect();
            return Some(normalise_text(&content.join("\n")));
        }
    }
    None
}

/// Insta's text normalisation: trailing whitespace goes, CRLF becomes LF.
fn normalise_text(content: &str) -> String {
    content.trim_end().replace("\r\n", "\n")
}

/// A string as insta's YAML emitter writes it: plain when YAML would read it
/// back unchanged, else double-quoted with insta's escapes. Matching the
/// emitter byte for byte keeps our files identical to ones insta rewrites.
fn yaml_scalar(s: &str) -> String {
    if !needs_quotes(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c <= '\x1f' || c == '\x7f' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Insta's (vendored yaml-rust) rule for quoting a string, kept exactly
/// even where it falls short (insta writes `0o17` plain and reads it back
/// as a number): a file must be the bytes insta rewrites on review, and
/// `tests/insta_compat.rs` would tell us when insta changes the rule.
fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@'])
        || s.contains(|c: char| {
            matches!(
                c,
                ':' | '{'
                    | '}'
                    | '['
                    | ']'
                    | ','
                    | '#'
                    | '`'
                    | '"'
                    | '\''
                    | '\\'
                    | '\0'..='\x06'
                    | '\t'
                    | '\n'
                    | '\r'
                    | '\x0e'..='\x1a'
                    | '\x1c'..='\x1f'
            )
        })
        || [
            "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE",
            "false", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
        ]
        .contains(&s)
        || s.starts_with('.')
        || s.starts_with("0x")
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_order_only_difference_is_told_apart() {
        let snap = |items: Value| content(&json!({"status": 200, "body": {"items": items}}));
        let (a, b) = (json!({"jobId": "a"}), json!({"jobId": "b"}));
        let stored = snap(json!([a, b]));
        assert!(differs_only_in_order(&stored, &snap(json!([b, a]))));
        assert!(!differs_only_in_order(&stored, &stored), "no difference");
        assert!(
            !differs_only_in_order(&stored, &snap(json!([b]))),
            "a job left out"
        );
        assert!(
            !differs_only_in_order(&stored, &snap(json!([b, a, a]))),
            "a job repeated"
        );
        let other_status = content(&json!({"status": 500, "body": {"items": [b, a]}}));
        assert!(!differs_only_in_order(&stored, &other_status));
        assert!(!differs_only_in_order(&stored, "not JSON"));
    }

    fn job(id: &str, status: &str) -> Value {
        json!({"jobId": id, "jobStatus": status, "name": format!("job {id}")})
    }

    fn ids(body: &Value) -> Vec<String> {
        body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|j| j["jobId"].as_str().unwrap_or("?").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn sorted_by(attribute: &str, order: &str) -> Value {
        json!({"sortCriteria": {"attributeName": attribute, "orderBy": order}})
    }

    #[test]
    fn ties_are_sorted_by_job_id_and_groups_keep_their_order() {
        let body = json!({"items": [
            job("c", "CANCELLED"), job("a", "CANCELLED"),
            job("z", "IDLE"), job("m", "IDLE"), job("b", "IDLE"),
            job("y", "RUNNING"), job("d", "RUNNING"),
        ]});
        let n = normalise(&body, Some(&sorted_by("jobStatus", "ASC")));
        assert_eq!(ids(&n), ["a", "c", "b", "m", "z", "d", "y"]);
        assert_eq!(n["items"][0], job("a", "CANCELLED"), "jobs move whole");
    }

    #[test]
    fn a_descending_listing_keeps_its_descending_groups() {
        let body = json!({"items": [
            job("q", "RUNNING"), job("p", "RUNNING"), job("b", "IDLE"), job("a", "IDLE"),
        ]});
        let n = normalise(&body, Some(&sorted_by("jobStatus", "DESC")));
        assert_eq!(ids(&n), ["p", "q", "a", "b"]);
    }

    #[test]
    fn a_wrongly_sorted_listing_stays_wrong() {
        // Groups are runs as listed, so a misplaced job is not hidden.
        let body = json!({"items": [job("b", "IDLE"), job("c", "RUNNING"), job("a", "IDLE")]});
        let n = normalise(&body, Some(&sorted_by("jobStatus", "ASC")));
        assert_eq!(ids(&n), ["b", "c", "a"]);
    }

    #[test]
    fn instants_that_are_equal_tie_whatever_their_spelling() {
        let at = |id: &str, t: &str| json!({"jobId": id, "createdAt": t});
        let body = json!({"items": [
            at("b", "2024-01-01T00:00:00Z"), at("a", "2024-01-01T00:00:00.000Z"),
            at("c", "2024-02-01T00:00:00Z"),
        ]});
        let n = normalise(&body, Some(&sorted_by("createdAt", "ASC")));
        assert_eq!(ids(&n), ["a", "b", "c"]);
    }

    #[test]
    fn without_a_complete_sort_every_job_is_in_id_order() {
        let body = json!({"items": [job("b", "IDLE"), job("c", "CANCELLED"), job("a", "RUNNING")]});
        for request in [
            None,
            Some(json!({})),
            Some(json!({"sortCriteria": {"attributeName": "jobStatus"}})),
            Some(json!({"sortCriteria": {"orderBy": "ASC"}})),
            Some(json!("not an object")),
        ] {
            let n = normalise(&body, request.as_ref());
            assert_eq!(ids(&n), ["a", "b", "c"], "request {request:?}");
        }
    }

    #[test]
    fn jobs_without_an_id_still_get_one_order() {
        let x = json!({"name": "x"});
        let y = json!({"name": "y"});
        let one = normalise(&json!({"items": [x, y]}), None);
        let other = normalise(&json!({"items": [y, x]}), None);
        assert_eq!(one, other);
    }

    #[test]
    fn a_token_string_is_redacted_and_a_null_one_dropped() {
        let n = normalise(&json!({"items": [], "nextToken": "opaque-123"}), None);
        assert_eq!(n, json!({"items": [], "nextToken": "[nextToken]"}));
        let n = normalise(&json!({"items": [], "nextToken": null}), None);
        assert_eq!(
            n,
            json!({"items": []}),
            "null and absent both mean no next page"
        );
        let n = normalise(&json!({"items": []}), None);
        assert_eq!(n, json!({"items": []}), "an absent token stays absent");
        for empty in [
            json!({}),
            json!({"items": null}),
            json!({"nextToken": null}),
        ] {
            assert_eq!(
                normalise(&empty, None),
                json!({"items": []}),
                "{empty}: a page without jobs, however spelled (OC-23)"
            );
        }
        let n = normalise(&json!({"nextToken": 7}), None);
        assert_eq!(
            n,
            json!({"items": [], "nextToken": 7}),
            "a wrong type stays visible (and the missing items read as none)"
        );
    }

    #[test]
    fn jobs_are_spelled_canonically() {
        let plain = json!({"items": [{"jobId": "a", "createdAt": "2024-01-09T08:43:00.045Z"}]});
        let other = json!({"items": [{"jobId": "a", "createdAt": "2024-01-09T08:43:00.045+00:00",
                                      "userPausedDetails": null}]});
        assert_eq!(normalise(&other, None), plain);
        assert_eq!(normalise(&plain, None), plain);
    }

    #[test]
    fn nothing_else_is_touched() {
        let body = json!({
            "items": [{"jobId": "a", "tags": {"z": "1", "a": "2"}, "bucketDefinitions": [{"buckets": ["z", "a"]}]}],
            "extra": [3, 1, 2],
            "message": "kept"
        });
        assert_eq!(normalise(&body, None), body);
        let error = json!({"message": "bad", "__type": "ValidationException"});
        assert_eq!(normalise(&error, None), error);
        let not_a_listing = json!({"items": "x", "nextToken": "t"});
        assert_eq!(
            normalise(&not_a_listing, None),
            json!({"items": "x", "nextToken": "[nextToken]"})
        );
    }

    #[test]
    fn render_writes_insta_metadata_then_the_content() {
        let text = render(
            "filter.jobStatus.eq",
            "cases/filter.yaml",
            "{\n  \"k\": 1\n}\n\n",
        );
        assert_eq!(
            text,
            "---\nsource: cases/filter.yaml\nexpression: filter.jobStatus.eq\n---\n{\n  \"k\": 1\n}\n"
        );
    }

    #[test]
    fn render_quotes_names_as_insta_does() {
        let text = render("a: b \"c\"", "-x", "1");
        assert!(
            text.starts_with("---\nsource: \"-x\"\nexpression: \"a: b \\\"c\\\"\"\n---\n"),
            "{text}"
        );
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("12"), "\"12\"");
        assert_eq!(yaml_scalar("a\u{1}é"), "\"a\\u0001é\"");
        assert_eq!(
            yaml_scalar("page.walk.fixture-oracle"),
            "page.walk.fixture-oracle"
        );
    }

    #[test]
    fn render_and_parse_round_trip() {
        let value = json!({"items": [{"jobId": "a", "name": "ünï\r\ncode ---"}], "n": null});
        let c = content(&value);
        let text = render("a.b", "cases/x.yaml", &c);
        assert_eq!(parse(&text).as_deref(), Some(c.as_str()));
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(
            parse(&crlf).as_deref(),
            Some(c.as_str()),
            "CRLF files read too"
        );
        assert_eq!(
            parse("---\nsource: x\n---\n---\nbody\n"),
            Some("---\nbody".into()),
            "only the first closing line ends the metadata"
        );
        assert_eq!(parse("---\nsource: x\n---\n").as_deref(), Some(""));
    }

    #[test]
    fn damaged_files_do_not_parse() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("no header"), None);
        assert_eq!(parse("---\nsource: x\n{}\n"), None, "metadata never closed");
    }
}
