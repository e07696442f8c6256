//! Turns a raw request body into a validated [`ListQuery`], or into a
//! `ValidationException` whose message names the offending member.
//!
//! Validation is written by hand over `serde_json::Value` rather than derived,
//! because the messages are part of the product: a client developer must learn
//! from one answer which member is wrong and what would be accepted.

use super::error::ApiError;
use crate::model::{
    FilterTerm, JobComparator, JobStatus, JobType, ListJobsFilterKey, ListJobsSortAttributeName,
    OrderBy, SortCriteria, parse_date_time,
};
use serde_json::{Map, Value};

/// A request that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub includes: Vec<FilterTerm>,
    pub excludes: Vec<FilterTerm>,
    pub sort: SortCriteria,
    /// `None` when the request did not set `maxResults`.
    pub max_results: Option<u32>,
    pub next_token: Option<String>,
}

/// Whether the reference server evaluates `comparator` on `key`.
///
/// Enumerated properties only support equality (ordering enum names has no
/// meaning a client could rely on), names support equality and the two text
/// matches, and creation times support equality and ordering (a substring of
/// a timestamp is not a meaningful question). Everything else is answered with
/// a `ValidationException`.
pub fn supports(key: ListJobsFilterKey, comparator: JobComparator) -> bool {
    use JobComparator::*;
    match key {
        ListJobsFilterKey::JobType | ListJobsFilterKey::JobStatus => matches!(comparator, Eq | Ne),
        ListJobsFilterKey::Name => matches!(comparator, Eq | Ne | Contains | StartsWith),
        ListJobsFilterKey::CreatedAt => matches!(comparator, Eq | Ne | Gt | Gte | Lt | Lte),
    }
}

/// Parses and validates a request body. An empty body counts as `{}`, which
/// is what SDKs send when no member is set.
pub fn parse(body: &[u8]) -> Result<ListQuery, ApiError> {
    parse_with(body, false)
}

/// [`parse`], but with `every_pair` every filter key accepts every
/// comparator instead of only those [`supports`] lists: the legal
/// alternative the document equally allows (docs/open-choices.md, OC-7).
pub fn parse_with(body: &[u8], every_pair: bool) -> Result<ListQuery, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::validation("request body is not valid UTF-8; send a JSON object"))?;
    if text.trim().is_empty() {
        return Ok(ListQuery {
            includes: Vec::new(),
            excludes: Vec::new(),
            sort: SortCriteria::default(),
            max_results: None,
            next_token: None,
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::validation(format!(
            "request body is not valid JSON (line {}, column {}): {}",
            e.line(),
            e.column(),
            super::error::json_reason(&e)
        ))
    })?;
    let obj = value.as_object().ok_or_else(|| {
        ApiError::validation(format!(
            "request body must be a JSON object, got {}",
            describe(&value)
        ))
    })?;
    parse_object(obj, every_pair)
}

fn parse_object(obj: &Map<String, Value>, every_pair: bool) -> Result<ListQuery, ApiError> {
    let (includes, excludes) = match present(obj, "filterCriteria") {
        None => (Vec::new(), Vec::new()),
        Some(v) => {
            let fc = expect_object(v, "filterCriteria")?;
            (
                parse_terms(fc, "includes", every_pair)?,
                parse_terms(fc, "excludes", every_pair)?,
            )
        }
    };
    let sort = match present(obj, "sortCriteria") {
        None => SortCriteria::default(),
        Some(v) => {
            let sc = expect_object(v, "sortCriteria")?;
            SortCriteria {
                attribute: present(sc, "attributeName")
                    .map(|v| {
                        parse_enum(
                            v,
                            "sortCriteria.attributeName",
                            ListJobsSortAttributeName::from_wire,
                            &ListJobsSortAttributeName::wire_names(),
                        )
                    })
                    .transpose()?,
                order: present(sc, "orderBy")
                    .map(|v| {
                        parse_enum(
                            v,
                            "sortCriteria.orderBy",
                            OrderBy::from_wire,
                            &OrderBy::wire_names(),
                        )
                    })
                    .transpose()?,
            }
        }
    };
    let max_results = present(obj, "maxResults")
        .map(parse_max_results)
        .transpose()?;
    let next_token = match present(obj, "nextToken") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "nextToken must be a string returned by a previous response, got {}",
                describe(other)
            )));
        }
    };
    Ok(ListQuery {
        includes,
        excludes,
        sort,
        max_results,
        next_token,
    })
}

fn parse_max_results(v: &Value) -> Result<u32, ApiError> {
    let bad = || {
        ApiError::validation(format!(
            "maxResults must be an integer from 1 to 2147483647, got {}",
            describe(v)
        ))
    };
    let n = match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i
            } else if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e18) {
                // JSON Schema counts 10.0 as an integer; so do we.
                f as i64
            } else {
                return Err(bad());
            }
        }
        _ => return Err(bad()),
    };
    if !(1..=i64::from(i32::MAX)).contains(&n) {
        return Err(bad());
    }
    u32::try_from(n).map_err(|_| bad())
}

fn parse_terms(
    fc: &Map<String, Value>,
    member: &str,
    every_pair: bool,
) -> Result<Vec<FilterTerm>, ApiError> {
    let Some(v) = present(fc, member) else {
        return Ok(Vec::new());
    };
    let path = format!("filterCriteria.{member}");
    let arr = v.as_array().ok_or_else(|| {
        ApiError::validation(format!(
            "{path} must be an array of filter terms, got {}",
            describe(v)
        ))
    })?;
    arr.iter()
        .enumerate()
        .map(|(i, t)| parse_term(t, &format!("{path}[{i}]"), every_pair))
        .collect()
}

fn parse_term(v: &Value, path: &str, every_pair: bool) -> Result<FilterTerm, ApiError> {
    let obj = expect_object(v, path)?;
    let key = match present(obj, "key") {
        None => {
            return Err(ApiError::validation(format!(
                "{path}.key is missing; set it to one of {}",
                ListJobsFilterKey::wire_names().join(", ")
            )));
        }
        Some(v) => parse_enum(
            v,
            &format!("{path}.key"),
            ListJobsFilterKey::from_wire,
            &ListJobsFilterKey::wire_names(),
        )?,
    };
    let comparator = match present(obj, "comparator") {
        None => {
            return Err(ApiError::validation(format!(
                "{path}.comparator is missing; set it to one of {}",
                JobComparator::wire_names().join(", ")
            )));
        }
        Some(v) => parse_enum(
            v,
            &format!("{path}.comparator"),
            JobComparator::from_wire,
            &JobComparator::wire_names(),
        )?,
    };
    if !every_pair && !supports(key, comparator) {
        let usable: Vec<&str> = JobComparator::ALL
            .iter()
            .filter(|c| supports(key, **c))
            .map(|c| c.as_str())
            .collect();
        return Err(ApiError::validation(format!(
            "{path}: comparator {comparator} cannot be used with key {key}; use one of {}",
            usable.join(", ")
        )));
    }
    let values = match present(obj, "values") {
        None => {
            return Err(ApiError::validation(format!(
                "{path}.values is missing; give at least one value"
            )));
        }
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(ApiError::validation(format!(
                "{path}.values is empty; give at least one value"
            )));
        }
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(ApiError::validation(format!(
                    "{path}.values[{i}] must be a string, got {}",
                    describe(other)
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "{path}.values must be an array of strings, got {}",
                describe(other)
            )));
        }
    };
    // A text match on an enum or a date-time takes any fragment of text.
    let fragment = matches!(
        comparator,
        JobComparator::Contains | JobComparator::StartsWith
    );
    if !(every_pair && fragment) {
        for (i, value) in values.iter().enumerate() {
            check_value(key, value, &format!("{path}.values[{i}]"))?;
        }
    }
    Ok(FilterTerm {
        key,
        comparator,
        values,
    })
}

/// Values of enumerated keys must name a value of that enum, and creation
/// times must be date-times; otherwise the term could never mean what the
/// client thinks it means.
fn check_value(key: ListJobsFilterKey, value: &str, path: &str) -> Result<(), ApiError> {
    let ok = match key {
        ListJobsFilterKey::JobType => JobType::from_wire(value).is_some(),
        ListJobsFilterKey::JobStatus => JobStatus::from_wire(value).is_some(),
        ListJobsFilterKey::CreatedAt => parse_date_time(value).is_some(),
        ListJobsFilterKey::Name => true,
    };
    if ok {
        return Ok(());
    }
    let expected = match key {
        ListJobsFilterKey::JobType => format!("one of {}", JobType::wire_names().join(", ")),
        ListJobsFilterKey::JobStatus => format!("one of {}", JobStatus::wire_names().join(", ")),
        _ => "an RFC 3339 date-time such as 2024-05-01T12:00:00Z".to_string(),
    };
    Err(ApiError::validation(format!(
        "{path}: {value:?} is not a valid value for key {key}; expected {expected}"
    )))
}

fn parse_enum<T>(
    v: &Value,
    path: &str,
    from_wire: fn(&str) -> Option<T>,
    names: &[&str],
) -> Result<T, ApiError> {
    match v {
        Value::String(s) => from_wire(s).ok_or_else(|| {
            ApiError::validation(format!(
                "{path}: {s:?} is not a valid value; expected one of {}",
                names.join(", ")
            ))
        }),
        other => Err(ApiError::validation(format!(
            "{path} must be a string (one of {}), got {}",
            names.join(", "),
            describe(other)
        ))),
    }
}

fn expect_object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ApiError> {
    v.as_object().ok_or_else(|| {
        ApiError::validation(format!("{path} must be an object, got {}", describe(v)))
    })
}

/// A member set to `null` is treated as absent, as AWS JSON protocols do.
fn present<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

/// Short description of a JSON value for error messages: its type and, for
/// scalars, the value itself (cut so a hostile body cannot flood the message).
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            let cut: String = s.chars().take(40).collect();
            if cut.len() < s.len() {
                format!("string {cut:?}…")
            } else {
                format!("string {s:?}")
            }
        }
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
