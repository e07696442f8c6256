//! Causes read from one job rather than a listing: a member spelled
//! otherwise than the document names its values, dropped, added or
//! changed next to the fixture's twin, and schema violations put in a
//! member's terms.

use super::*;

/// A job with its text members in lower case, as [`folded`] compares them.
pub(super) fn lowered(job: &Value) -> Value {
    let mut j = job.clone();
    if let Some(members) = j.as_object_mut() {
        for key in ["name", "jobType", "jobStatus"] {
            if let Some(Value::String(s)) = members.get_mut(key) {
                *s = s.to_lowercase();
            }
        }
    }
    j
}

/// The members whose values are date-times in a job summary.
pub(super) const DATE_MEMBERS: [&str; 1] = ["createdAt"];

/// The documented spelling of an enum member's value written in another
/// case, if it is one.
pub fn documented_spelling(member: &str, value: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = match member {
        "jobType" => JobType::wire_names(),
        "jobStatus" => JobStatus::wire_names(),
        "code" => LastRunErrorStatusCode::wire_names(),
        _ => return None,
    };
    if names.contains(&value) {
        return None;
    }
    names.into_iter().find(|n| n.eq_ignore_ascii_case(value))
}

/// The job as the document spells it, and the spelling fault that had to
/// be undone, if any: enum values in another case or outside the enum,
/// date-times without a zone or as numbers, and (with the job's fixture
/// twin) instants shifted by a time zone or cut to another precision, and
/// members missing, added or changed. With a twin, the job is replaced by
/// it, so that only which jobs are listed, and in what order, is judged
/// afterwards.
pub(super) fn respell(job: &Value, twin: Option<&Value>) -> (Value, Option<Diagnosis>) {
    let mut out = job.clone();
    let mut fault = None;
    let Some(members) = out.as_object_mut() else {
        return (out, None);
    };
    if both_bucket_members(members) {
        fault = Some(Diagnosis::BothBucketMembers);
    }
    for key in ["jobType", "jobStatus"] {
        let Some(Value::String(s)) = members.get(key) else {
            continue;
        };
        if let Some(documented) = documented_spelling(key, s) {
            members.insert(key.to_string(), Value::String(documented.to_string()));
            fault.get_or_insert(Diagnosis::EnumSpelling {
                member: key.to_string(),
            });
        } else if !is_documented(key, s) {
            fault.get_or_insert(Diagnosis::UndocumentedValue {
                member: key.to_string(),
            });
        }
    }
    for key in DATE_MEMBERS {
        let want = twin.and_then(|t| t.get(key)).and_then(Value::as_str);
        let want_at = want.and_then(parse_date_time);
        match members.get(key) {
            Some(Value::Number(_)) => {
                fault.get_or_insert(Diagnosis::DateSpelling {
                    member: key.to_string(),
                });
            }
            Some(Value::String(s)) if parse_date_time(s).is_none() => {
                fault.get_or_insert(Diagnosis::DateSpelling {
                    member: key.to_string(),
                });
                let zoned = format!("{s}Z");
                if parse_date_time(&zoned).is_some() {
                    members.insert(key.to_string(), Value::String(zoned));
                }
            }
            Some(Value::String(s)) => {
                if let (Some(at), Some(w)) = (parse_date_time(s), want_at)
                    && at != w
                {
                    let gap = (at.unix_timestamp_nanos() - w.unix_timestamp_nanos()).abs();
                    let precision = gap < 1_000_000_000;
                    if precision || gap % 900_000_000_000 == 0 {
                        fault.get_or_insert(Diagnosis::DateShifted {
                            member: key.to_string(),
                            precision,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    let Some(twin) = twin else {
        return (out, fault);
    };
    if fault.is_none() {
        fault = twin_difference(twin, job, "");
    }
    (twin.clone(), fault)
}

pub(super) fn is_documented(member: &str, value: &str) -> bool {
    match member {
        "jobType" => JobType::from_wire(value).is_some(),
        "jobStatus" => JobStatus::from_wire(value).is_some(),
        _ => true,
    }
}

pub(super) fn both_bucket_members(job: &serde_json::Map<String, Value>) -> bool {
    ["bucketDefinitions", "bucketCriteria"]
        .iter()
        .all(|k| job.get(*k).is_some_and(|v| !v.is_null()))
}

/// How a job differs from its fixture twin, as a cause: the first member
/// (by the twin's order) that is missing, added, of another type or of
/// another value. `null` counts as absent, and date-times that name the
/// same instant are the same (as the oracle reads them).
pub(super) fn twin_difference(twin: &Value, job: &Value, path: &str) -> Option<Diagnosis> {
    let (want, got) = (
        crate::engine::oracle::canonical(twin),
        crate::engine::oracle::canonical(job),
    );
    first_difference(&want, &got, path)
}

pub(super) fn first_difference(want: &Value, got: &Value, path: &str) -> Option<Diagnosis> {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}/{k}")
        }
    };
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                match g.get(k) {
                    None => return Some(Diagnosis::MemberMissing { member: at(k) }),
                    Some(x) if x != v => return first_difference(v, x, &at(k)),
                    _ => {}
                }
            }
            g.keys()
                .find(|k| !w.contains_key(*k))
                .map(|k| Diagnosis::MemberUnexpected { member: at(k) })
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .find(|(a, b)| a != b)
            .and_then(|(a, b)| first_difference(a, b, &at("*"))),
        (w, g) if w == g => None,
        (w, g) if json_type(w) != json_type(g) => Some(Diagnosis::MemberType {
            member: path.to_string(),
            expected: json_type(w).to_string(),
            found: json_type(g).to_string(),
        }),
        _ => Some(Diagnosis::MemberDiffers {
            member: path.to_string(),
        }),
    }
}

/// A member's name as diagnoses give it: its JSON Pointer within the job
/// (or, outside any job, within the body), array positions as `*`, with no
/// leading slash: `bucketDefinitions/*/accountId`.
pub fn member_name(pointer: &str) -> String {
    let segments: Vec<&str> = pointer.split('/').filter(|s| !s.is_empty()).collect();
    let within_job = match segments.as_slice() {
        ["items", n, rest @ ..] if n.chars().all(|c| c.is_ascii_digit()) => rest,
        all => all,
    };
    within_job
        .iter()
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The diagnosis of one schema violation, when it names a known mistake.
/// `pointer` is where it is in the body, `missing` the member a `required`
/// keyword wanted, `value` what was sent at `pointer`, and `expected_type`
/// the type a `type` keyword wanted.
pub fn violation(
    keyword: &str,
    pointer: &str,
    missing: Option<&str>,
    value: Option<&Value>,
    expected_type: Option<&str>,
) -> Option<Diagnosis> {
    let member = member_name(pointer);
    let last = member.rsplit('/').next().unwrap_or("").to_string();
    let is_date = ["createdAt", "jobPausedAt", "jobExpiresAt"].contains(&last.as_str());
    if let Some(name) = missing {
        let member = if member.is_empty() {
            name.to_string()
        } else {
            format!("{member}/{name}")
        };
        let siblings: Vec<&String> = value
            .and_then(Value::as_object)
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        let similar = siblings.into_iter().find(|s| {
            s.eq_ignore_ascii_case(name)
                || strsim::normalized_damerau_levenshtein(&s.to_lowercase(), &name.to_lowercase())
                    >= 0.75
        });
        return Some(match similar {
            Some(s) => Diagnosis::MemberRenamed {
                member,
                sent_as: s.clone(),
            },
            None => Diagnosis::MemberMissing { member },
        });
    }
    match keyword {
        "enum" => value.and_then(Value::as_str).map(|s| {
            if documented_spelling(&last, s).is_some() {
                Diagnosis::EnumSpelling { member }
            } else {
                Diagnosis::UndocumentedValue { member }
            }
        }),
        "format" | "pattern" | "type" if is_date => Some(Diagnosis::DateSpelling { member }),
        "type" => Some(Diagnosis::MemberType {
            member,
            expected: expected_type.unwrap_or("another type").to_string(),
            found: value.map_or("nothing", json_type).to_string(),
        }),
        // The rules across members of a job (see the JobSummary schema).
        "not"
            if value
                .and_then(Value::as_object)
                .is_some_and(both_bucket_members) =>
        {
            Some(Diagnosis::BothBucketMembers)
        }
        "const" if last == "jobStatus" => Some(Diagnosis::MemberUnexpected {
            member: "userPausedDetails".into(),
        }),
        _ => None,
    }
}

/// The JSON type of a value, as JSON Schema names it.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
