//! Requests with a flaw: a body made wrong in one place (a member of the
//! wrong type, out of range, misspelled or dropped).

use super::*;

/// The request a flaw makes of a valid query, and what is wrong with it.
pub(super) fn flawed(base: &Query, flaw: &Flaw) -> (Body, String) {
    let body = base.body(None);
    match flaw {
        Flaw::Truncated => {
            let text = body.to_string();
            let cut: String = text
                .chars()
                .take(text.chars().count().saturating_sub(1))
                .collect();
            (Body::Raw(cut), "A body whose JSON is cut short".into())
        }
        Flaw::Trailing(more) => (
            Body::Raw(format!("{body}{more}")),
            format!("A JSON body followed by {:?}", short(more)),
        ),
        Flaw::NotObject(text) => (
            Body::Raw(text.clone()),
            format!("A JSON body that is not an object ({:?})", short(text)),
        ),
        Flaw::Member { path, value } => {
            let mut body = body;
            set_path(&mut body, path, value.clone());
            let at = path
                .iter()
                .map(|s| match s {
                    Seg::Member(m) => (*m).to_string(),
                    Seg::Index(i) => format!("[{i}]"),
                })
                .collect::<Vec<_>>()
                .join(".")
                .replace(".[", "[");
            let what = match value {
                None => format!("A request without the required member {at}"),
                Some(v) => format!("A request whose {at} is {}", short(&v.to_string())),
            };
            (Body::Json(body), what)
        }
    }
}

/// Sets (or, with `None`, removes) the member at `path`, creating what
/// leads to it: objects for members, a valid term for an index.
pub(crate) fn set_path(body: &mut Value, path: &[Seg], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = body;
    for seg in parents {
        at = match seg {
            Seg::Member(m) => {
                let Some(obj) = at.as_object_mut() else {
                    return;
                };
                obj.entry(*m).or_insert_with(|| {
                    if matches!(*m, "includes" | "excludes") {
                        json!([])
                    } else {
                        json!({})
                    }
                })
            }
            Seg::Index(i) => {
                let Some(arr) = at.as_array_mut() else {
                    return;
                };
                while arr.len() <= *i {
                    arr.push(json!({"key": "jobType", "comparator": "EQ", "values": ["ONE_TIME"]}));
                }
                &mut arr[*i]
            }
        };
    }
    match (last, value) {
        (Seg::Member(m), Some(v)) => {
            if let Some(obj) = at.as_object_mut() {
                obj.insert((*m).to_string(), v);
            }
        }
        (Seg::Member(m), None) => {
            if let Some(obj) = at.as_object_mut() {
                obj.remove(*m);
            }
        }
        (Seg::Index(i), Some(v)) => {
            if let Some(arr) = at.as_array_mut() {
                while arr.len() <= *i {
                    arr.push(json!({"key": "jobType", "comparator": "EQ", "values": ["ONE_TIME"]}));
                }
                arr[*i] = v;
            }
        }
        (Seg::Index(i), None) => {
            if let Some(arr) = at.as_array_mut()
                && *i < arr.len()
            {
                arr.remove(*i);
            }
        }
    }
}
