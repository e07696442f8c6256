//! What `list`, `list --requirements` and `check` print about a suite. The
//! core loads the suite; how it looks on the command line is decided here.

use crate::engine::case::Level;
use crate::engine::load::Suite;

/// `list`: a line per case (id, level, tags, what it verifies, what it
/// needs from the target), tab-separated for `cut` and `grep`.
pub(crate) fn listing(suite: &Suite) -> String {
    let mut out = String::new();
    for loaded in &suite.cases {
        let c = &loaded.case;
        let needs: Vec<&str> = [(c.fixture, "fixture"), (c.faults, "faults")]
            .into_iter()
            .filter_map(|(on, what)| on.then_some(what))
            .collect();
        out.push_str(&format!(
            "{}\t{}\t{}\t{}{}\n",
            loaded.id(),
            c.level,
            c.tags.join(","),
            c.verifies,
            if needs.is_empty() {
                String::new()
            } else {
                format!(" (needs {})", needs.join(", "))
            }
        ));
    }
    out
}

/// `list --requirements`: the traceability matrix, a line per
/// requirement with its level, section and the cases that verify it.
pub(crate) fn traceability(suite: &Suite) -> String {
    let mut out = String::new();
    for r in &suite.requirements {
        let cases: Vec<&str> = suite.cases_for(r.id()).map(|c| c.id()).collect();
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            r.id(),
            r.level,
            r.section,
            cases.len(),
            cases.join(", ")
        ));
    }
    out
}

/// `check`: case counts per level and requirement coverage.
pub(crate) fn summary(suite: &Suite) -> String {
    let levels: Vec<String> = Level::ALL
        .iter()
        .map(|l| {
            let n = suite.cases.iter().filter(|c| c.case.level == *l).count();
            format!("{n} {l}")
        })
        .collect();
    let mut out = format!(
        "{} case(s) OK ({}); schemas compile\n",
        suite.cases.len(),
        levels.join(", ")
    );
    if !suite.requirements.is_empty() {
        // Loading refuses an uncovered requirement, so a loaded suite
        // covers them all; the figure is still worth showing.
        let covered = suite
            .requirements
            .iter()
            .filter(|r| suite.cases_for(r.id()).next().is_some())
            .count();
        out.push_str(&format!(
            "{covered} of {} requirement(s) covered ({}%)\n",
            suite.requirements.len(),
            covered * 100 / suite.requirements.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::load::{SourceFile, load_with_requirements};
    use crate::schema::SchemaSet;

    #[test]
    fn listing_names_what_a_case_needs_and_traceability_its_cases() {
        let schemas = SchemaSet::embedded().expect("schemas");
        let suite = load_with_requirements(
            &[SourceFile {
                name: "cases/t.yaml".into(),
                text: "cases:\n  - id: a\n    verifies: x\n    level: must\n    tags: [p, q]\n    fixture: true\n    faults: true\n    requirements: [LCJ-T-001]\n    expect: {status: 200}\n  - id: b\n    verifies: y\n    level: info\n    requirements: [LCJ-T-001]\n    expect: {status: 200}\n".into(),
            }],
            Some(&SourceFile {
                name: "cases/requirements.yaml".into(),
                text: "requirements:\n  - {id: LCJ-T-001, level: must, section: S, statement: z}\n".into(),
            }),
            schemas,
        )
        .expect("loads");
        assert_eq!(
            listing(&suite),
            "a\tmust\tp,q\tx (needs fixture, faults)\nb\tinfo\t\ty\n"
        );
        assert_eq!(traceability(&suite), "LCJ-T-001\tmust\tS\t2\ta, b\n");
        assert_eq!(
            summary(&suite),
            "2 case(s) OK (1 must, 0 should, 1 info); schemas compile\n1 of 1 requirement(s) covered (100%)\n"
        );
    }
}
