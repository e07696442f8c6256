//! Spec coverage: which parts of the document's request and response
//! surface a run exercised, computed from the requests it sent and the
//! answers it received.
//!
//! The runner notes each answer as it judges it (see [`Tally`]), every page
//! of a walk included, so coverage is known when the last case ends and no
//! recorded body is parsed again; [`compute`] rebuilds it from a report's
//! recorded exchanges for reports made some other way.

use super::RunReport;
use crate::model::{
    ErrorKind, JobComparator, JobStatus, JobType, LastRunErrorStatusCode, ListJobsFilterKey,
    ListJobsSortAttributeName, OrderBy, SimpleCriterionKeyForJob,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// One thing the run could have exercised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub name: String,
    pub covered: bool,
}

/// A family of items, such as "filter key × comparator".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub items: Vec<Item>,
}

impl Group {
    pub fn covered(&self) -> usize {
        self.items.iter().filter(|i| i.covered).count()
    }

    /// Names of the items the run did not exercise.
    pub fn missing(&self) -> impl Iterator<Item = &str> {
        self.items
            .iter()
            .filter(|i| !i.covered)
            .map(|i| i.name.as_str())
    }
}

/// Coverage of the whole surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub groups: Vec<Group>,
    pub covered: usize,
    pub total: usize,
    /// Covered share, 0 to 100.
    pub percent: f64,
}

impl Coverage {
    /// Items not exercised, as `group: item`.
    pub fn uncovered(&self) -> Vec<String> {
        self.groups
            .iter()
            .flat_map(|g| {
                g.items
                    .iter()
                    .filter(|i| !i.covered)
                    .map(move |i| format!("{}: {}", g.name, i.name))
            })
            .collect()
    }
}

/// What the run's exchanges showed.
#[derive(Default)]
struct Seen {
    request_members: BTreeSet<String>,
    filter_pairs: BTreeSet<(String, String)>,
    sorts: BTreeSet<(String, String)>,
    response_values: BTreeSet<(String, String)>,
    statuses: BTreeSet<u16>,
    response_members: BTreeSet<String>,
    /// See [`answers_complete`].
    answers_complete: bool,
}

/// `--min-coverage`: an error naming the shortfall and what was not
/// exercised when the run covered less than `min` percent.
pub fn gate(report: &RunReport, min: f64) -> Result<(), String> {
    let coverage = report.coverage();
    if coverage.percent < min {
        Err(format!(
            "spec coverage {:.1}% is below --min-coverage {min}%; uncovered: {}",
            coverage.percent,
            coverage.uncovered().join(", ")
        ))
    } else {
        Ok(())
    }
}

/// Coverage of a report's recorded exchanges. A run's own report carries
/// its coverage already ([`RunReport::coverage`]), noted as it went.
pub fn compute(report: &RunReport) -> Coverage {
    let mut seen = Seen::default();
    for exchange in report.cases.iter().flat_map(|c| &c.exchanges) {
        if let Ok(body) = serde_json::from_slice::<Value>(&exchange.request.body) {
            note_request(&body, &mut seen);
        }
        if let Ok(response) = &exchange.outcome {
            seen.statuses.insert(response.status);
            if response.status == 200
                && let Ok(body) = response.json()
            {
                note_response(&body, &mut seen);
            }
        }
    }
    build(&seen)
}

/// What a run has exercised so far, noted by the cases as they judge
/// their answers (concurrently, hence the lock).
#[derive(Default)]
pub struct Tally(Mutex<Seen>);

impl Tally {
    /// Notes one exchange: the request body (as JSON, if it was), the
    /// status if an answer came, and the answer's body if it was a listing
    /// page that parsed.
    pub fn note(&self, request: Option<&Value>, status: Option<u16>, listing: Option<&Value>) {
        // Nothing here can be left half-done by a panic that matters.
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(body) = request {
            note_request(body, &mut seen);
        }
        if let Some(status) = status {
            seen.statuses.insert(status);
        }
        // Walking every job of every answer is most of what coverage
        // costs, and a run's first answers usually show everything it looks
        // for; once they have, later answers cannot add to it.
        if let Some(body) = listing
            && !seen.answers_complete
        {
            let before = (seen.response_members.len(), seen.response_values.len());
            note_response(body, &mut seen);
            if before != (seen.response_members.len(), seen.response_values.len()) {
                seen.answers_complete = answers_complete(&seen);
            }
        }
    }

    /// The coverage of everything noted.
    pub fn coverage(&self) -> Coverage {
        build(&self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn note_request(body: &Value, seen: &mut Seen) {
    let Some(obj) = body.as_object() else {
        return;
    };
    for (k, v) in obj {
        seen.request_members.insert(k.clone());
        if let Some(inner) = v.as_object() {
            for k2 in inner.keys() {
                seen.request_members.insert(format!("{k}.{k2}"));
            }
        }
    }
    for side in ["includes", "excludes"] {
        for term in body
            .pointer(&format!("/filterCriteria/{side}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for member in ["key", "comparator", "values"] {
                if term.get(member).is_some() {
                    seen.request_members
                        .insert(format!("filterCriteria.{side}[].{member}"));
                }
            }
            if let (Some(k), Some(c)) = (
                term.get("key").and_then(Value::as_str),
                term.get("comparator").and_then(Value::as_str),
            ) {
                seen.filter_pairs.insert((k.to_string(), c.to_string()));
            }
        }
    }
    if let (Some(a), Some(o)) = (
        body.pointer("/sortCriteria/attributeName")
            .and_then(Value::as_str),
        body.pointer("/sortCriteria/orderBy")
            .and_then(Value::as_str),
    ) {
        seen.sorts.insert((a.to_string(), o.to_string()));
    }
}

fn note_response(body: &Value, seen: &mut Seen) {
    if let Some(obj) = body.as_object() {
        for k in obj.keys() {
            seen.response_members.insert(k.clone());
        }
    }
    for job in body
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        note_members(job, &mut String::from("JobSummary"), seen);
        for (member, en) in [("jobStatus", "JobStatus"), ("jobType", "JobType")] {
            if let Some(v) = job.get(member).and_then(Value::as_str) {
                seen.response_values.insert((en.to_string(), v.to_string()));
            }
        }
        if let Some(v) = job
            .pointer("/lastRunErrorStatus/code")
            .and_then(Value::as_str)
        {
            seen.response_values
                .insert(("LastRunErrorStatusCode".into(), v.to_string()));
        }
        for block in ["includes", "excludes"] {
            for criterion in job
                .pointer(&format!("/bucketCriteria/{block}/and"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for kind in ["simpleCriterion", "tagCriterion"] {
                    if let Some(c) = criterion.get(kind) {
                        if let Some(v) = c.get("comparator").and_then(Value::as_str) {
                            seen.response_values
                                .insert(("JobComparator (bucket criteria)".into(), v.to_string()));
                        }
                        if let Some(v) = c.get("key").and_then(Value::as_str) {
                            seen.response_values
                                .insert(("SimpleCriterionKeyForJob".into(), v.to_string()));
                        }
                    }
                }
            }
        }
    }
}

/// Records which members a job carries, nested ones by path. One path
/// buffer serves the whole walk, and a path is copied only the first time
/// it is seen: a run notes every member of every job of every page.
fn note_members(v: &Value, path: &mut String, seen: &mut Seen) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let at = path.len();
                path.push('.');
                path.push_str(k);
                if !seen.response_members.contains(path.as_str()) {
                    seen.response_members.insert(path.clone());
                }
                note_members(x, path, seen);
                path.truncate(at);
            }
        }
        Value::Array(a) => {
            let at = path.len();
            path.push_str("[]");
            for x in a {
                note_members(x, path, seen);
            }
            path.truncate(at);
        }
        _ => {}
    }
}

/// The enum values coverage looks for in answers, by enum.
fn answer_enums() -> [(&'static str, Vec<&'static str>); 5] {
    [
        ("JobStatus", JobStatus::wire_names()),
        ("JobType", JobType::wire_names()),
        (
            "LastRunErrorStatusCode",
            LastRunErrorStatusCode::wire_names(),
        ),
        // The document allows only EQ and NE in bucket conditions.
        ("JobComparator (bucket criteria)", vec!["EQ", "NE"]),
        (
            "SimpleCriterionKeyForJob",
            SimpleCriterionKeyForJob::wire_names(),
        ),
    ]
}

/// Whether answers have shown every member and enum value coverage looks
/// for: from then on, answers need not be walked for coverage at all.
fn answers_complete(seen: &Seen) -> bool {
    RESPONSE_MEMBERS
        .iter()
        .all(|m| seen.response_members.contains(*m))
        && answer_enums().iter().all(|(en, values)| {
            values.iter().all(|v| {
                seen.response_values
                    .contains(&(en.to_string(), v.to_string()))
            })
        })
}

/// Every optional member of a listing answer, by path.
const RESPONSE_MEMBERS: &[&str] = &[
    "items",
    "nextToken",
    "JobSummary.jobId",
    "JobSummary.name",
    "JobSummary.jobType",
    "JobSummary.jobStatus",
    "JobSummary.createdAt",
    "JobSummary.lastRunErrorStatus",
    "JobSummary.lastRunErrorStatus.code",
    "JobSummary.userPausedDetails",
    "JobSummary.userPausedDetails.jobPausedAt",
    "JobSummary.userPausedDetails.jobExpiresAt",
    "JobSummary.userPausedDetails.jobImminentExpirationHealthEventArn",
    "JobSummary.bucketDefinitions",
    "JobSummary.bucketCriteria",
    "JobSummary.bucketCriteria.includes",
    "JobSummary.bucketCriteria.excludes",
    "JobSummary.bucketCriteria.includes.and[].simpleCriterion",
    "JobSummary.bucketCriteria.includes.and[].tagCriterion",
    "JobSummary.bucketCriteria.includes.and[].tagCriterion.tagValues[].key",
    "JobSummary.bucketCriteria.includes.and[].tagCriterion.tagValues[].value",
];

const REQUEST_MEMBERS: &[&str] = &[
    "filterCriteria",
    "filterCriteria.includes",
    "filterCriteria.excludes",
    "filterCriteria.includes[].key",
    "filterCriteria.includes[].comparator",
    "filterCriteria.includes[].values",
    "filterCriteria.excludes[].key",
    "filterCriteria.excludes[].comparator",
    "filterCriteria.excludes[].values",
    "maxResults",
    "nextToken",
    "sortCriteria",
    "sortCriteria.attributeName",
    "sortCriteria.orderBy",
];

fn build(seen: &Seen) -> Coverage {
    let mut groups = Vec::new();
    groups.push(Group {
        name: "request member".into(),
        items: REQUEST_MEMBERS
            .iter()
            .map(|m| Item {
                name: (*m).to_string(),
                covered: seen.request_members.contains(*m),
            })
            .collect(),
    });
    let mut pairs = Vec::new();
    for key in ListJobsFilterKey::ALL {
        for c in JobComparator::ALL {
            pairs.push(Item {
                name: format!("{key} {c}"),
                covered: seen
                    .filter_pairs
                    .contains(&(key.as_str().to_string(), c.as_str().to_string())),
            });
        }
    }
    groups.push(Group {
        name: "filter key × comparator".into(),
        items: pairs,
    });
    let mut sorts = Vec::new();
    for a in ListJobsSortAttributeName::ALL {
        for o in OrderBy::ALL {
            sorts.push(Item {
                name: format!("{a} {o}"),
                covered: seen
                    .sorts
                    .contains(&(a.as_str().to_string(), o.as_str().to_string())),
            });
        }
    }
    groups.push(Group {
        name: "sort attribute × order".into(),
        items: sorts,
    });
    let enums = answer_enums();
    groups.push(Group {
        name: "enum value in answers".into(),
        items: enums
            .iter()
            .flat_map(|(en, values)| {
                values.iter().map(move |v| Item {
                    name: format!("{en} {v}"),
                    covered: seen
                        .response_values
                        .contains(&(en.to_string(), v.to_string())),
                })
            })
            .collect(),
    });
    let mut statuses = vec![Item {
        name: "200".into(),
        covered: seen.statuses.contains(&200),
    }];
    statuses.extend(ErrorKind::ALL.iter().map(|k| Item {
        name: format!("{} {k}", k.status()),
        covered: seen.statuses.contains(&k.status()),
    }));
    groups.push(Group {
        name: "status code".into(),
        items: statuses,
    });
    groups.push(Group {
        name: "response member".into(),
        items: RESPONSE_MEMBERS
            .iter()
            .map(|m| Item {
                name: (*m).to_string(),
                covered: seen.response_members.contains(*m),
            })
            .collect(),
    });
    Coverage::of_groups(groups)
}

impl Coverage {
    /// Coverage of these groups, with the totals counted from them.
    pub fn of_groups(groups: Vec<Group>) -> Coverage {
        let total: usize = groups.iter().map(|g| g.items.len()).sum();
        let covered: usize = groups.iter().map(Group::covered).sum();
        Coverage {
            groups,
            covered,
            total,
            percent: if total == 0 {
                0.0
            } else {
                covered as f64 * 100.0 / total as f64
            },
        }
    }

    /// What either run exercised: an item is covered when one of them
    /// covered it. Shards of one suite list the same items; an item only
    /// one of them lists is kept, so nothing exercised is lost.
    pub fn union(&self, other: &Coverage) -> Coverage {
        let mut groups = self.groups.clone();
        for group in &other.groups {
            match groups.iter_mut().find(|g| g.name == group.name) {
                Some(mine) => {
                    for item in &group.items {
                        match mine.items.iter_mut().find(|i| i.name == item.name) {
                            Some(i) => i.covered |= item.covered,
                            None => mine.items.push(item.clone()),
                        }
                    }
                }
                None => groups.push(group.clone()),
            }
        }
        Coverage::of_groups(groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(coverage: &Coverage, group: &str, name: &str) -> bool {
        coverage
            .groups
            .iter()
            .find(|g| g.name == group)
            .and_then(|g| g.items.iter().find(|i| i.name == name))
            .unwrap_or_else(|| panic!("{group}: {name}"))
            .covered
    }

    /// Answers are noted as they come, each adding what it shows, and a
    /// listing noted after another still counts until everything looked
    /// for has been seen.
    #[test]
    fn a_tally_adds_up_what_each_answer_shows() {
        let tally = Tally::default();
        let request = json!({"sortCriteria": {"attributeName": "name", "orderBy": "DESC"}});
        tally.note(
            Some(&request),
            Some(200),
            Some(&json!({"items": [{"jobId": "a", "jobStatus": "RUNNING"}]})),
        );
        let first = tally.coverage();
        assert!(item(&first, "enum value in answers", "JobStatus RUNNING"));
        assert!(!item(&first, "enum value in answers", "JobStatus PAUSED"));
        assert!(item(&first, "sort attribute × order", "name DESC"));
        tally.note(None, Some(400), None);
        tally.note(
            None,
            Some(200),
            Some(&json!({"items": [{"jobId": "b", "jobStatus": "PAUSED"}], "nextToken": "t"})),
        );
        let second = tally.coverage();
        assert!(item(&second, "enum value in answers", "JobStatus PAUSED"));
        assert!(item(&second, "response member", "nextToken"));
        assert!(item(&second, "status code", "400 ValidationException"));
        assert!(second.covered > first.covered);
    }
}
