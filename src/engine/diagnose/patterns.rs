//! Whether a listing fits filter values read as regular expressions
//! rather than taken literally.

use super::*;

/// Characters a regular expression gives a meaning.
pub(super) const PATTERN_CHARS: &[char] = &[
    '.', '(', ')', '[', ']', '*', '+', '?', '\\', '^', '$', '|', '{', '}',
];

pub(super) fn has_pattern_values(query: &Query) -> bool {
    query.includes.iter().chain(&query.excludes).any(|t| {
        t.key == crate::model::ListJobsFilterKey::Name
            && t.values.iter().any(|v| v.contains(PATTERN_CHARS))
    })
}

/// Whether `query` selects `job` when its name values are read as
/// regular expressions (anchored as EQ and STARTS_WITH anchor text); a
/// value that is no valid expression matches nothing.
pub(super) fn selects_as_patterns(query: &Query, job: &Value) -> bool {
    let holds = |t: &Term| {
        if t.key != crate::model::ListJobsFilterKey::Name {
            return t.holds(job);
        }
        let Some(name) = job.get("name").and_then(Value::as_str) else {
            return t.comparator == JobComparator::Ne;
        };
        let matches = |v: &String| {
            let pattern = match t.comparator {
                JobComparator::Eq | JobComparator::Ne => format!("^(?:{v})$"),
                JobComparator::StartsWith => format!("^(?:{v})"),
                _ => format!("(?:{v})"),
            };
            regex::Regex::new(&pattern).is_ok_and(|re| re.is_match(name))
        };
        let any = t.values.iter().any(matches);
        if t.comparator == JobComparator::Ne {
            !any
        } else {
            any
        }
    };
    query.includes.iter().all(holds) && !query.excludes.iter().any(holds)
}
