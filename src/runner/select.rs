//! Which cases of a suite a run selects (`--filter`, `--tag`, `--level`).

use crate::engine::case::Level;
use crate::engine::load::{LoadedCase, Suite};

/// Which cases to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Id patterns (`*` matches any run of characters); empty selects all.
    pub filters: Vec<String>,
    /// Tags, any of which selects a case; empty selects all.
    pub tags: Vec<String>,
    /// Levels; empty selects all.
    pub levels: Vec<Level>,
}

impl Selection {
    pub fn selects(&self, case: &LoadedCase) -> bool {
        let c = &case.case;
        (self.filters.is_empty() || self.filters.iter().any(|f| glob(f, case.id())))
            && (self.tags.is_empty() || self.tags.iter().any(|t| c.tags.contains(t)))
            && (self.levels.is_empty() || self.levels.contains(&c.level))
    }

    /// The selection as a report records it, with the size of the suite it
    /// was taken from, so the verdict can tell a partial run.
    pub fn report(&self, suite: &Suite) -> crate::report::SelectionReport {
        let mut totals = crate::report::LevelTotals::default();
        for case in &suite.cases {
            totals.add(case.case.level);
        }
        crate::report::SelectionReport {
            suite: totals,
            filters: self.filters.clone(),
            tags: self.tags.clone(),
            levels: self.levels.clone(),
        }
    }
}

/// `*` matches any run of characters; without a `*`, a pattern matches ids
/// that contain it.
///
/// Hand-written on purpose, after comparing `globset` and `wildmatch`:
/// both give `?` (and globset `[...]`, `{a,b}`) a meaning, so a pattern
/// that selects nothing today (ids have no such characters) would start to
/// select cases; neither has the substring rule; globset would add
/// regex-automata, aho-corasick and bstr to the build. This is 20 lines,
/// tested below.
pub fn glob(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_patterns() {
        assert!(glob("filter", "filter.jobStatus.eq"));
        assert!(glob("filter.*", "filter.jobStatus.eq"));
        assert!(glob("*.eq", "filter.jobStatus.eq"));
        assert!(glob("f*Status*q", "filter.jobStatus.eq"));
        assert!(!glob("sort.*", "filter.jobStatus.eq"));
        assert!(!glob("*.ne", "filter.jobStatus.eq"));
        // A lone `*` selects everything; parts may not overlap.
        assert!(glob("*", "filter.jobStatus.eq"));
        assert!(glob("**", ""));
        assert!(!glob("a*a", "a"));
        assert!(glob("a*a", "aa"));
        // Anchored at both ends once a `*` is present.
        assert!(!glob("jobStatus*", "filter.jobStatus.eq"));
        // No other wildcard: `?` and `[` are literal.
        assert!(!glob("filter.?", "filter.a"));
        assert!(glob("[", "a[b"));
    }
}
