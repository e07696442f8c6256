//! The listings of a case's named walks and pages, kept for the
//! relations of its later steps.

use super::{Retained, Shared};
use crate::engine::case::Step;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The complete listings of a case's named walks, for the relations of
/// later steps (`expect.relations`). Only listings some relation names
/// are kept, and they stay charged to the run's retained-bytes budget
/// until the case ends.
pub(super) struct Listings<'a> {
    /// The step names the case's relations refer to.
    wanted: BTreeSet<String>,
    kept: BTreeMap<String, Vec<Value>>,
    charge: Retained<'a>,
}

impl<'a> Listings<'a> {
    pub(super) fn new(shared: &'a Shared, steps: &[Step]) -> Self {
        let wanted = steps
            .iter()
            .flat_map(|s| &s.expect.relations)
            .flat_map(|r| r.names())
            .map(|n| n.value.clone())
            .collect();
        Listings {
            wanted,
            kept: BTreeMap::new(),
            charge: shared.charge(),
        }
    }

    /// The complete listing of the walk step named `name`, if it has run
    /// to its last page.
    pub(super) fn get(&self, name: &str) -> Option<&[Value]> {
        self.kept.get(name).map(Vec::as_slice)
    }

    /// Keeps the jobs of a request step's one page under its name, if a
    /// relation names it (a walk that continues from the page's token
    /// compares with them). A page is small next to a walk, and its charge
    /// joins the case's like a walk's.
    pub(super) fn keep_page(&mut self, name: &str, jobs: &[Value]) {
        if !self.wanted.contains(name) {
            return;
        }
        let size = jobs.iter().map(held_bytes).sum();
        // Over the budget, the page is not kept: the relation then says it
        // was not judged, as for a walk cut short.
        if self.charge.grow(size) {
            self.kept.insert(name.to_string(), jobs.to_vec());
        }
    }

    /// Keeps a walk's listing under its step's name if a relation names
    /// it, taking over the charge that holds its jobs.
    pub(super) fn keep(&mut self, name: &str, listing: Value, held: Retained<'_>) {
        if !self.wanted.contains(name) {
            return;
        }
        if let Value::Object(mut members) = listing
            && let Some(Value::Array(jobs)) = members.remove("items")
        {
            self.kept.insert(name.to_string(), jobs);
            self.charge.absorb(held);
        }
    }
}

/// About how many bytes a JSON value holds in memory: its own slot plus
/// its text, members and elements, each allocation with the allocator's
/// overhead. It grows with what is held however a target shapes its pages
/// (many tiny jobs cost more than their JSON text), and errs high rather
/// than low: the budget is meant to bound what the process really holds.
pub(super) fn held_bytes(value: &Value) -> usize {
    /// A map (serde_json's `BTreeMap`) keeps up to 11 entries per node.
    const NODE_ENTRIES: usize = 11;
    /// What the allocator gives for `n` bytes: 8 bytes of its own, in
    /// steps of 16, at least 32 (glibc on 64-bit targets).
    fn block(n: usize) -> usize {
        (n + 8).max(32).next_multiple_of(16)
    }
    size_of::<Value>()
        + match value {
            Value::String(s) if s.capacity() == 0 => 0,
            Value::String(s) => block(s.capacity()),
            Value::Array(a) => {
                block(a.capacity() * size_of::<Value>()) + a.iter().map(held_bytes).sum::<usize>()
            }
            Value::Object(o) => {
                // Measured with heaptrack: a job of five members costs
                // about 1300 bytes of map, two nodes' worth.
                let nodes = 2 * o.len().div_ceil(NODE_ENTRIES).max(1);
                let node = block(NODE_ENTRIES * (size_of::<String>() + size_of::<Value>()) + 12);
                nodes * node
                    + o.iter()
                        .map(|(k, v)| block(k.capacity()) + held_bytes(v) - size_of::<Value>())
                        .sum::<usize>()
            }
            _ => 0,
        }
}
