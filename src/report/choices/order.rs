//! Reading an order from a listing: by which attribute and direction it
//! is sorted, how ties fall, which collation its names follow, how its
//! dates are spelled.

use super::*;

/// Orders a job can be listed in: the documented sort attributes, then
/// `jobId`.
pub(super) fn attributes() -> impl Iterator<Item = &'static str> {
    ListJobsSortAttributeName::ALL
        .iter()
        .map(|a| a.as_str())
        .chain(["jobId"])
}

pub(super) fn compare(attribute: &str, a: &Value, b: &Value) -> Ordering {
    match ListJobsSortAttributeName::from_wire(attribute) {
        Some(known) => crate::engine::oracle::compare(known, a, b),
        None => text(a.get(attribute)).cmp(&text(b.get(attribute))),
    }
}

/// Whether the jobs are in that order, ties allowed.
pub(super) fn ordered(jobs: &[&Value], attribute: &str, direction: OrderBy) -> bool {
    jobs.windows(2).all(|w| {
        let o = compare(attribute, w[0], w[1]);
        match direction {
            OrderBy::Asc => o != Ordering::Greater,
            OrderBy::Desc => o != Ordering::Less,
        }
    })
}

/// Whether any two neighbours differ on the attribute: an attribute equal
/// throughout orders nothing.
pub(super) fn differs(jobs: &[&Value], attribute: &str) -> bool {
    jobs.windows(2)
        .any(|w| compare(attribute, w[0], w[1]) != Ordering::Equal)
}

pub(super) fn in_order(jobs: &[&Value], attribute: &str, direction: OrderBy) -> bool {
    ordered(jobs, attribute, direction) && differs(jobs, attribute)
}

/// The first attribute and direction that orders the jobs (only
/// `attribute` when given).
pub(super) fn order_of(jobs: &[Value], attribute: Option<&str>) -> Option<SortKey> {
    let jobs: Vec<&Value> = jobs.iter().collect();
    let candidates: Vec<&str> = match attribute {
        Some(a) => vec![a],
        None => attributes().collect(),
    };
    candidates.into_iter().find_map(|attribute| {
        [OrderBy::Asc, OrderBy::Desc]
            .into_iter()
            .find(|d| in_order(&jobs, attribute, *d))
            .map(|direction| SortKey {
                attribute: attribute.to_string(),
                direction,
            })
    })
}

/// The order that holds inside every group of jobs tied on `attribute`.
pub(super) fn ties_of(jobs: &[Value], attribute: &str) -> Option<SortKey> {
    let mut groups: Vec<Vec<&Value>> = Vec::new();
    for job in jobs {
        match groups.last_mut() {
            Some(group) if compare(attribute, group[0], job) == Ordering::Equal => group.push(job),
            _ => groups.push(vec![job]),
        }
    }
    let groups: Vec<Vec<&Value>> = groups.into_iter().filter(|g| g.len() > 1).collect();
    if groups.is_empty() {
        return None;
    }
    attributes().filter(|a| *a != attribute).find_map(|other| {
        [OrderBy::Asc, OrderBy::Desc]
            .into_iter()
            .find(|d| groups.iter().all(|g| ordered(g, other, *d)))
            .filter(|_| groups.iter().any(|g| differs(g, other)))
            .map(|direction| SortKey {
                attribute: other.to_string(),
                direction,
            })
    })
}

pub(super) fn collation_of(jobs: &[Value], descending: bool) -> Collation {
    let names: Vec<String> = jobs.iter().map(|j| text(j.get("name"))).collect();
    let holds = |key: &dyn Fn(&str) -> String| {
        names.windows(2).all(|w| {
            let o = key(&w[0]).cmp(&key(&w[1]));
            if descending {
                o != Ordering::Less
            } else {
                o != Ordering::Greater
            }
        })
    };
    match (
        holds(&|s: &str| s.to_string()),
        holds(&|s: &str| s.to_lowercase()),
    ) {
        (true, true) => Collation::Either,
        (true, false) => Collation::CodePoint,
        (false, true) => Collation::CaseInsensitive,
        (false, false) => Collation::Other,
    }
}

pub(super) fn dates(jobs: &[Value]) -> Option<Observed> {
    let example = jobs.iter().find_map(|j| j.get("createdAt")?.as_str())?;
    // `2024-01-02T03:04:05.678Z`: the offset follows the seconds, and the
    // fraction sits between a '.' and the offset.
    let time = example.split_once('T').map_or(example, |(_, t)| t);
    let offset_at = time
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, 'Z' | 'z' | '+' | '-'))
        .map_or(time.len(), |(i, _)| i);
    let (clock, offset) = time.split_at(offset_at);
    let fraction_digits = clock.split_once('.').map_or(0, |(_, f)| f.len());
    Some(Observed::Dates {
        example: example.to_string(),
        offset: offset.to_string(),
        fraction_digits,
    })
}
