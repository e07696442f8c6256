//! Smaller versions of a query, its terms and values, for shrinking a
//! failure to the least that still fails.

use super::*;

/// Queries one step smaller: a term fewer, a value fewer or shorter, no sort.
pub(super) fn smaller_queries(q: &Query) -> Vec<Query> {
    let mut out = Vec::new();
    for i in 0..q.includes.len() {
        let mut s = q.clone();
        s.includes.remove(i);
        out.push(s);
    }
    for i in 0..q.excludes.len() {
        let mut s = q.clone();
        s.excludes.remove(i);
        out.push(s);
    }
    if q.sort.is_some() {
        out.push(Query {
            sort: None,
            ..q.clone()
        });
    }
    for i in 0..q.includes.len() {
        for t in smaller_terms(&q.includes[i]) {
            let mut s = q.clone();
            s.includes[i] = t;
            out.push(s);
        }
    }
    for i in 0..q.excludes.len() {
        for t in smaller_terms(&q.excludes[i]) {
            let mut s = q.clone();
            s.excludes[i] = t;
            out.push(s);
        }
    }
    out
}

/// Terms one step smaller: a value fewer (one is kept), or a value shorter.
pub(super) fn smaller_terms(t: &Term) -> Vec<Term> {
    let mut out = Vec::new();
    if t.values.len() > 1 {
        for i in 0..t.values.len() {
            let mut s = t.clone();
            s.values.remove(i);
            out.push(s);
        }
    }
    for i in 0..t.values.len() {
        for v in shorter(&t.values[i]) {
            let mut s = t.clone();
            s.values[i] = v;
            out.push(s);
        }
    }
    out
}

/// A string one step shorter: its first half. Values of enum keys and
/// date-times are shortened too; a shorter value that no longer fails is
/// simply not taken.
pub(super) fn shorter(v: &str) -> Vec<String> {
    let n = v.chars().count();
    if n <= 1 {
        return Vec::new();
    }
    vec![v.chars().take(n.div_ceil(2)).collect()]
}
