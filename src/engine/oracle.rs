//! The oracle: computes what a correct server must answer for a list request
//! over a known job set.
//!
//! It is written independently of the reference server, deliberately naive
//! (filter, then a full sort, no caching, no tokens), and works on plain JSON
//! values so that it judges what a target sent, not what our types can hold.
//!
//! Where the document leaves the order open (ties), the oracle does not pick
//! one: an expected listing is a sequence of *tie groups*, and any order
//! inside a group is correct.

use crate::model::{
    JobComparator, ListJobsFilterKey, ListJobsSortAttributeName, OrderBy, format_date_time,
    parse_date_time,
};
use serde_json::Value;
use std::cmp::Ordering;

/// One filter condition: the model's, the one type the oracle, the
/// generator and the reference server share.
pub type Term = crate::model::FilterTerm;

/// The parts of a request that decide which jobs are listed and in what order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub includes: Vec<Term>,
    pub excludes: Vec<Term>,
    /// `None` when the request sets no sort attribute: the order is then the
    /// server's choice and only membership can be predicted.
    pub sort: Option<(ListJobsSortAttributeName, OrderBy)>,
}

/// Why the oracle cannot predict an answer for a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OracleError {
    #[error("{0} is not in a form the document defines, so no answer can be predicted")]
    Malformed(String),
}

impl Query {
    /// Reads the filter and sort members of a request body.
    ///
    /// A sort that lacks its attribute or its direction predicts no order,
    /// because the document gives no default for either.
    pub fn from_request(body: &Value) -> Result<Query, OracleError> {
        let Some(obj) = body.as_object() else {
            return Err(OracleError::Malformed("the request body".into()));
        };
        let mut query = Query::default();
        if let Some(fc) = obj.get("filterCriteria").filter(|v| !v.is_null()) {
            let fc = fc
                .as_object()
                .ok_or_else(|| OracleError::Malformed("filterCriteria".into()))?;
            query.includes = terms(fc.get("includes"), "filterCriteria.includes")?;
            query.excludes = terms(fc.get("excludes"), "filterCriteria.excludes")?;
        }
        if let Some(sc) = obj.get("sortCriteria").filter(|v| !v.is_null()) {
            let sc = sc
                .as_object()
                .ok_or_else(|| OracleError::Malformed("sortCriteria".into()))?;
            let attribute =
                match sc.get("attributeName").and_then(Value::as_str) {
                    Some(s) => Some(ListJobsSortAttributeName::from_wire(s).ok_or_else(|| {
                        OracleError::Malformed("sortCriteria.attributeName".into())
                    })?),
                    None => None,
                };
            let order = match sc.get("orderBy").and_then(Value::as_str) {
                Some(s) => Some(
                    OrderBy::from_wire(s)
                        .ok_or_else(|| OracleError::Malformed("sortCriteria.orderBy".into()))?,
                ),
                None => None,
            };
            query.sort = match (attribute, order) {
                (Some(a), Some(o)) => Some((a, o)),
                _ => None,
            };
        }
        Ok(query)
    }

    /// Whether `job` belongs in the listing: every include term holds and no
    /// exclude term does.
    pub fn selects(&self, job: &Value) -> bool {
        self.includes.iter().all(|t| t.holds(job)) && !self.excludes.iter().any(|t| t.holds(job))
    }

    /// The expected listing over `jobs`, as tie groups in order. Without a
    /// sort attribute everything lands in one group (membership only).
    pub fn expected<'a>(&self, jobs: &'a [Value]) -> Vec<Vec<&'a Value>> {
        // Borrowed, not cloned: the oracle judges thousands of listings
        // against one fixture, and copying the jobs was most of its work.
        let mut selected: Vec<&Value> = jobs.iter().filter(|j| self.selects(j)).collect();
        let Some((attribute, order)) = self.sort else {
            return if selected.is_empty() {
                Vec::new()
            } else {
                vec![selected]
            };
        };
        selected.sort_by(|a, b| {
            let o = compare(attribute, a, b);
            if order == OrderBy::Desc {
                o.reverse()
            } else {
                o
            }
        });
        let mut groups: Vec<Vec<&Value>> = Vec::new();
        for job in selected {
            match groups.last_mut() {
                Some(g) if compare(attribute, g[0], job) == Ordering::Equal => g.push(job),
                _ => groups.push(vec![job]),
            }
        }
        groups
    }
}

fn terms(v: Option<&Value>, path: &str) -> Result<Vec<Term>, OracleError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let arr = v
        .as_array()
        .ok_or_else(|| OracleError::Malformed(path.into()))?;
    arr.iter()
        .enumerate()
        .map(|(i, t)| {
            let bad = || OracleError::Malformed(format!("{path}[{i}]"));
            let key = t
                .get("key")
                .and_then(Value::as_str)
                .and_then(ListJobsFilterKey::from_wire)
                .ok_or_else(bad)?;
            let comparator = t
                .get("comparator")
                .and_then(Value::as_str)
                .and_then(JobComparator::from_wire)
                .ok_or_else(bad)?;
            let values = t
                .get("values")
                .and_then(Value::as_array)
                .ok_or_else(bad)?
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Term {
                key,
                comparator,
                values,
            })
        })
        .collect()
}

/// A job property prepared for comparison: instants for `createdAt`, text
/// for everything else.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Field<'a> {
    Instant(i128),
    Text(&'a str),
}

fn field<'a>(job: &'a Value, name: &str) -> Option<Field<'a>> {
    let s = job.get(name)?.as_str()?;
    if name == "createdAt" {
        instant(s).map(Field::Instant)
    } else {
        Some(Field::Text(s))
    }
}

fn instant(s: &str) -> Option<i128> {
    parse_date_time(s).map(|t| t.unix_timestamp_nanos())
}

impl Term {
    /// Several values are alternatives: the term holds when the comparator
    /// holds for at least one value, except NE, which holds when the job's
    /// value equals none of them. A job without the property only passes NE.
    pub fn holds(&self, job: &Value) -> bool {
        let Some(actual) = field(job, self.key.as_str()) else {
            return self.comparator == JobComparator::Ne;
        };
        let operand = |v: &'_ str| -> Option<Field<'static>> {
            // Values are compared in the same domain as the property.
            match &actual {
                Field::Instant(_) => instant(v).map(Field::Instant),
                Field::Text(_) => None,
            }
        };
        let test = |v: &String| -> bool {
            let ordering = match (&actual, operand(v)) {
                (Field::Instant(a), Some(Field::Instant(b))) => a.cmp(&b),
                (Field::Text(a), _) => (*a).cmp(v.as_str()),
                // A value that is not a date-time never matches a time.
                _ => return false,
            };
            match self.comparator {
                JobComparator::Eq | JobComparator::Ne => ordering == Ordering::Equal,
                JobComparator::Gt => ordering == Ordering::Greater,
                JobComparator::Gte => ordering != Ordering::Less,
                JobComparator::Lt => ordering == Ordering::Less,
                JobComparator::Lte => ordering != Ordering::Greater,
                JobComparator::Contains => {
                    matches!(&actual, Field::Text(a) if a.contains(v.as_str()))
                }
                JobComparator::StartsWith => {
                    matches!(&actual, Field::Text(a) if a.starts_with(v.as_str()))
                }
            }
        };
        let any = self.values.iter().any(test);
        if self.comparator == JobComparator::Ne {
            !any
        } else {
            any
        }
    }
}

/// Compares two jobs on a sort attribute: instants for `createdAt`, code
/// points for text (the collation the document leaves open is not assumed
/// beyond that), jobs lacking the property first.
pub fn compare(attribute: ListJobsSortAttributeName, a: &Value, b: &Value) -> Ordering {
    field(a, attribute.as_str()).cmp(&field(b, attribute.as_str()))
}

/// Compares a listing with the expected tie groups.
///
/// `complete` says the listing is the whole answer (no further pages); if
/// not, it must be a prefix: whole groups, then part of the next one. Jobs
/// are identified by `jobId`, then compared member for member with the
/// fixture, so a job that is listed at the right place but altered is
/// caught too. The message names the first difference.
pub fn compare_listing(
    groups: &[Vec<&Value>],
    items: &[Value],
    complete: bool,
) -> Result<(), String> {
    fn id(j: &Value) -> &str {
        j.get("jobId").and_then(Value::as_str).unwrap_or("")
    }
    let total: usize = groups.iter().map(Vec::len).sum();
    if items.len() > total {
        return Err(format!(
            "{} job(s) listed, but only {total} match the request in the fixture",
            items.len()
        ));
    }
    if complete && items.len() < total {
        return Err(format!(
            "{} job(s) listed and no nextToken, but {total} match the request in the fixture",
            items.len()
        ));
    }
    let mut at = 0;
    for group in groups {
        if at >= items.len() {
            break;
        }
        let end = (at + group.len()).min(items.len());
        let expected: std::collections::HashMap<&str, &Value> =
            group.iter().map(|&j| (id(j), j)).collect();
        for (offset, item) in items[at..end].iter().enumerate() {
            let position = at + offset;
            let Some(want) = expected.get(id(item)) else {
                let mut allowed: Vec<&str> = expected.keys().copied().collect();
                allowed.sort_unstable();
                let shown = allowed
                    .iter()
                    .take(5)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(format!(
                    "position {position}: job {} does not belong here; expected {} ({shown}{})",
                    id(item),
                    if allowed.len() == 1 {
                        "job"
                    } else {
                        "one of the tied jobs"
                    },
                    if allowed.len() > 5 { ", …" } else { "" }
                ));
            };
            // Most answers spell a job as the fixture does; only when they
            // differ is it worth reducing both to one spelling.
            if *want == item {
                continue;
            }
            let (want, got) = (canonical(want), canonical(item));
            if want != got {
                return Err(format!(
                    "position {position}: job {} differs from the fixture: {}",
                    id(item),
                    first_difference(&want, &got, "")
                ));
            }
        }
        let listed: std::collections::HashSet<&str> = items[at..end].iter().map(id).collect();
        if listed.len() != end - at {
            return Err(format!("positions {at}..{end}: a job is listed twice"));
        }
        at = end;
    }
    Ok(())
}

/// The members whose values are date-times in an answer.
const DATE_TIME_MEMBERS: [&str; 3] = ["createdAt", "jobPausedAt", "jobExpiresAt"];

/// A job as any correct server may spell it, reduced to one spelling.
///
/// Two freedoms the document leaves (docs/open-choices.md, OC-17 and
/// OC-15) would otherwise make a correct answer differ from the fixture:
/// a date-time may be written with any UTC spelling and precision, and a
/// member without a value may be `null` or left out. Date-times that parse
/// become UTC with milliseconds (nanoseconds if the instant needs them);
/// `null` members are dropped. Everything else is kept as sent, so a value
/// that is wrong still differs.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let v = match v.as_str() {
                        Some(s) if DATE_TIME_MEMBERS.contains(&k.as_str()) => {
                            canonical_instant(s).map_or_else(|| v.clone(), Value::String)
                        }
                        _ => canonical(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn canonical_instant(s: &str) -> Option<String> {
    parse_date_time(s).and_then(format_date_time)
}

/// Where two JSON values first differ, as a readable phrase.
fn first_difference(want: &Value, got: &Value, path: &str) -> String {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                match g.get(k) {
                    None => return format!("member {path}/{k} is missing"),
                    Some(x) if x != v => return first_difference(v, x, &format!("{path}/{k}")),
                    _ => {}
                }
            }
            if let Some(k) = g.keys().find(|k| !w.contains_key(*k)) {
                return format!("member {path}/{k} is not in the fixture");
            }
            format!("{path} differs")
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| first_difference(a, b, &format!("{path}/{i}")))
            .unwrap_or_else(|| format!("{path} differs")),
        _ => format!(
            "{} is {got}, the fixture has {want}",
            if path.is_empty() { "/" } else { path }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(created: &str) -> Value {
        json!({"jobId": "a", "name": "n", "createdAt": created,
               "userPausedDetails": {"jobPausedAt": "2024-02-01T10:00:00.500Z"}})
    }

    #[test]
    fn any_utc_spelling_of_the_fixture_instant_is_the_same_job() {
        let fixture = job("2024-01-09T08:43:00.045Z");
        for spelling in [
            "2024-01-09T08:43:00.045Z",
            "2024-01-09T08:43:00.045+00:00",
            "2024-01-09T08:43:00.045000z",
        ] {
            let mut got = job(spelling);
            got["userPausedDetails"]["jobPausedAt"] = json!("2024-02-01T10:00:00.5+00:00");
            assert_eq!(
                compare_listing(&[vec![&fixture]], &[got], true),
                Ok(()),
                "{spelling}"
            );
        }
    }

    #[test]
    fn a_different_instant_or_value_still_differs() {
        let fixture = job("2024-01-09T08:43:00.045Z");
        let err = compare_listing(&[vec![&fixture]], &[job("2024-01-09T08:43:00.046Z")], true)
            .unwrap_err();
        assert!(
            err.contains("/createdAt is \"2024-01-09T08:43:00.046Z\""),
            "{err}"
        );
        let mut renamed = fixture.clone();
        renamed["name"] = json!("N");
        let err = compare_listing(&[vec![&fixture]], &[renamed], true).unwrap_err();
        assert!(err.contains("/name is \"N\""), "{err}");
    }

    #[test]
    fn a_null_member_counts_as_absent_but_a_missing_one_is_reported() {
        let fixture = job("2024-01-09T08:43:00.045Z");
        let mut with_null = fixture.clone();
        with_null["userPausedDetails"]["jobImminentExpirationHealthEventArn"] = Value::Null;
        assert_eq!(
            compare_listing(&[vec![&fixture]], &[with_null], true),
            Ok(())
        );
        let mut without = fixture.clone();
        without.as_object_mut().map(|o| o.remove("name"));
        let err = compare_listing(&[vec![&fixture]], &[without], true).unwrap_err();
        assert!(err.contains("member /name is missing"), "{err}");
    }

    #[test]
    fn canonical_keeps_what_is_not_a_date_time() {
        let v = json!({"name": "2024-01-09T08:43:00.045+00:00", "createdAt": "yesterday"});
        assert_eq!(canonical(&v), v);
        assert_eq!(
            canonical(&json!({"createdAt": "2024-01-09T08:43:00.000000001Z"})),
            json!({"createdAt": "2024-01-09T08:43:00.000000001Z"})
        );
    }

    #[test]
    fn a_date_time_past_the_year_9999_in_utc_is_kept_as_sent() {
        // Valid RFC 3339, but the year 10000 in UTC: converting it used to
        // panic on the target's data; now it is compared as sent.
        let v = json!({"createdAt": "9999-12-31T23:30:00-01:00"});
        assert_eq!(canonical(&v), v);
    }
}
