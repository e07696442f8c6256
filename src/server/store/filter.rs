//! A query's filter compiled against the store's columns: each term
//! reads the codes and ranks the store keeps, not the jobs' JSON.

use super::*;

/// A query's filter, prepared for evaluation over the store's columns.
pub(super) struct Filter<'q> {
    includes: Vec<Compiled<'q>>,
    excludes: Vec<Compiled<'q>>,
}

impl<'q> Filter<'q> {
    pub(super) fn new(query: &'q ListQuery) -> Self {
        Filter {
            includes: query.includes.iter().map(Compiled::new).collect(),
            excludes: query.excludes.iter().map(Compiled::new).collect(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.includes.is_empty() && self.excludes.is_empty()
    }

    pub(super) fn accepts(&self, store: &JobStore, i: usize) -> bool {
        self.includes.iter().all(|t| t.matches(store, i))
            && !self.excludes.iter().any(|t| t.matches(store, i))
    }
}

/// A filter term with its values prepared for fast evaluation.
enum Compiled<'q> {
    /// The term's answer for each column code of an enumerated key (status
    /// or type), worked out once since there are only a few codes.
    Codes { status: bool, answers: Vec<bool> },
    /// Names repeat across jobs (a million synthetic jobs share about
    /// 145 000 names), so each name's answer is worked out once per query,
    /// when a job with it is first checked: 0 not yet, 1 no, 2 yes.
    Name {
        term: &'q FilterTerm,
        answers: RefCell<Vec<u8>>,
    },
    Created {
        term: &'q FilterTerm,
        instants: Vec<i128>,
    },
}

impl<'q> Compiled<'q> {
    fn new(term: &'q FilterTerm) -> Self {
        let answers = |text_of: fn(u8) -> Option<&'static str>, count: usize| {
            (0..=count)
                .map(|code| text_matches(term, text_of(code as u8)))
                .collect()
        };
        match term.key {
            ListJobsFilterKey::JobStatus => Compiled::Codes {
                status: true,
                answers: answers(status_of, JobStatus::ALL.len()),
            },
            ListJobsFilterKey::JobType => Compiled::Codes {
                status: false,
                answers: answers(type_of, JobType::ALL.len()),
            },
            ListJobsFilterKey::Name => Compiled::Name {
                term,
                answers: RefCell::new(Vec::new()),
            },
            ListJobsFilterKey::CreatedAt => Compiled::Created {
                term,
                // Values were validated as date-times when the request was parsed.
                instants: term
                    .values
                    .iter()
                    .filter_map(|v| parse_date_time(v))
                    .map(|t| t.unix_timestamp_nanos())
                    .collect(),
            },
        }
    }

    /// Several values are alternatives: a positive comparator holds when it
    /// holds for any value, and NE holds when the job equals none of them.
    fn matches(&self, store: &JobStore, i: usize) -> bool {
        use JobComparator::*;
        match self {
            Compiled::Codes { status, answers } => {
                let code = if *status {
                    store.status[i]
                } else {
                    store.job_type[i]
                };
                answers.get(usize::from(code)).copied().unwrap_or(false)
            }
            Compiled::Name { term, answers } => {
                let code = store.name[i] as usize;
                let mut answers = answers.borrow_mut();
                if answers.is_empty() {
                    answers.resize(store.names.ends.len() + 1, 0);
                }
                match answers.get(code).copied() {
                    Some(0) | None => {
                        let hit = text_matches(term, store.names.get(code as u32));
                        if let Some(a) = answers.get_mut(code) {
                            *a = 1 + u8::from(hit);
                        }
                        hit
                    }
                    Some(a) => a == 2,
                }
            }
            Compiled::Created { term, instants } => {
                let c = term.comparator;
                let created = store.created[i];
                if created == NO_TIME {
                    return c == Ne;
                }
                let hit = |pred: &dyn Fn(i128) -> bool| instants.iter().any(|&v| pred(v));
                match c {
                    Eq => hit(&|v| created == v),
                    Ne => !hit(&|v| created == v),
                    Gt => hit(&|v| created > v),
                    Gte => hit(&|v| created >= v),
                    Lt => hit(&|v| created < v),
                    Lte => hit(&|v| created <= v),
                    // Only reachable when every pair is answered: the
                    // fragment is looked for in the date-time as written.
                    Contains | StartsWith => {
                        let written = store.created_text(i);
                        term.values.iter().any(|v| {
                            if c == Contains {
                                written.contains(v.as_str())
                            } else {
                                written.starts_with(v.as_str())
                            }
                        })
                    }
                }
            }
        }
    }
}

/// A term on a text-valued key (name, or an enum's wire name) against one
/// job's value.
fn text_matches(term: &FilterTerm, text: Option<&str>) -> bool {
    use JobComparator::*;
    let c = term.comparator;
    let Some(text) = text else {
        return c == Ne;
    };
    let values = &term.values;
    match c {
        Eq => values.iter().any(|v| v == text),
        Ne => !values.iter().any(|v| v == text),
        Contains => values.iter().any(|v| text.contains(v.as_str())),
        StartsWith => values.iter().any(|v| text.starts_with(v.as_str())),
        // Only reachable when every pair is answered: text is ordered
        // by code point, the reference server's collation.
        Gt => values.iter().any(|v| text > v.as_str()),
        Gte => values.iter().any(|v| text >= v.as_str()),
        Lt => values.iter().any(|v| text < v.as_str()),
        Lte => values.iter().any(|v| text <= v.as_str()),
    }
}
