//! Which cases of a suite a run selects (`--filter`, `--tag`, `--level`).

use crate::engine::case::Level;
use crate::engine::load::LoadedCase;

/// Which cases to run.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Selection {
    /// Id patterns (`*` matches any run of characters); empty selects all.
    pub filters: Vec<String>,
    /// Tags, any of which selects a case; empty selects all.
    pub tags: Vec<String>,
    /// Levels; empty selects all.
    pub levels: Vec<Level>,
    /// `--partition K/N`: only the cases of shard K, taken after the
    /// other options.
    pub partition: Option<Partition>,
}

impl Selection {
    pub fn selects(&self, case: &LoadedCase) -> bool {
        let c = &case.case;
        (self.filters.is_empty() || self.filters.iter().any(|f| glob(f, case.id())))
            && (self.tags.is_empty() || self.tags.iter().any(|t| c.tags.contains(t)))
            && (self.levels.is_empty() || self.levels.contains(&c.level))
            && self.partition.is_none_or(|p| p.holds(case.id()))
    }
}

/// One shard of `--partition K/N`: `shard` is K (1-based), `of` is N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Partition {
    pub shard: usize,
    pub of: usize,
}

/// Why a `--partition` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not K/N with 1 <= K <= N (for example 1/4 for the first of four shards)")]
pub struct PartitionError {
    given: String,
}

impl std::str::FromStr for Partition {
    type Err = PartitionError;

    fn from_str(s: &str) -> Result<Partition, PartitionError> {
        let refused = || PartitionError {
            given: s.to_string(),
        };
        let (k, n) = s.split_once('/').ok_or_else(refused)?;
        let shard: usize = k.trim().parse().map_err(|_| refused())?;
        let of: usize = n.trim().parse().map_err(|_| refused())?;
        if shard == 0 || shard > of {
            return Err(refused());
        }
        Ok(Partition { shard, of })
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.shard, self.of)
    }
}

impl Partition {
    /// Whether the case with this id belongs to this shard.
    pub fn holds(&self, id: &str) -> bool {
        shard_of(id, self.of) == self.shard
    }
}

/// The shard (1-based, of `of`) a case id belongs to. It depends on the id
/// alone, so adding or removing a case moves no other case, and it must
/// never change between versions: shards run by one version are merged by
/// another, and a vendor's CI pins its shard count. Hence FNV-1a, written
/// out here, rather than std's hasher, whose output may change.
pub fn shard_of(id: &str, of: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % of.max(1) as u64) as usize + 1
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
    fn partition_assignment_is_pinned() {
        // These values are a promise: shards made by one version are
        // merged by another. If this test fails, the hash changed.
        assert_eq!(shard_of("filter.jobStatus.eq", 2), 1);
        assert_eq!(shard_of("sort.name.asc", 2), 2);
        assert_eq!(shard_of("pagination.walk", 3), 3);
        assert_eq!(shard_of("", 4), 2);
        for id in ["a", "b", "filter.jobStatus.eq"] {
            assert_eq!(shard_of(id, 1), 1, "one shard holds every case");
            let holders: Vec<usize> = (1..=5)
                .filter(|&k| Partition { shard: k, of: 5 }.holds(id))
                .collect();
            assert_eq!(holders.len(), 1, "{id} is in exactly one of five shards");
        }
    }

    #[test]
    fn partition_values() {
        assert_eq!("2/3".parse(), Ok(Partition { shard: 2, of: 3 }));
        assert_eq!("1/1".parse(), Ok(Partition { shard: 1, of: 1 }));
        for bad in ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"] {
            let e = bad.parse::<Partition>().expect_err(bad).to_string();
            assert!(e.contains("is not K/N"), "{e}");
        }
    }

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
