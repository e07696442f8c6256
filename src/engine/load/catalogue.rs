//! The requirements catalogue (cases/requirements.yaml) and traceability:
//! the catalogue's own rules, then that every case names requirements that
//! exist and every requirement is verified by some case.

use super::diagnostic::Diagnostic;
use super::{CatalogueSource, SourceFile, Suite};
use crate::engine::requirements::{self, Requirement};
use std::collections::HashMap;

/// The catalogue's own rules: well-formed, stated and unique ids, and
/// `judged_by` lists that mean something.
pub(super) fn check_catalogue(file: &SourceFile, requirements: &[Requirement]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in requirements {
        if !requirements::valid_id(r.id()) {
            out.push(
                Diagnostic::spanned(
                    file,
                    &r.id,
                    format!(
                        "requirement id {:?} is not of the form LCJ-AREA-123",
                        r.id()
                    ),
                )
                .help("use LCJ-, an upper-case area, and a three-digit number, e.g. LCJ-SORT-003"),
            );
        }
        if r.statement.trim().is_empty() {
            out.push(Diagnostic::spanned(
                file,
                &r.id,
                format!("requirement {} has no statement", r.id()),
            ));
        }
        let judged_by = r.judged_by.as_deref().unwrap_or_default();
        let lists = judged_by
            .iter()
            .map(|k| ("judged_by", k))
            .chain(r.fallback_for.iter().map(|k| ("fallback_for", k)));
        for (list, kind) in lists {
            if crate::engine::check::judges_every_requirement(kind.value) {
                out.push(
                    Diagnostic::spanned(
                        file,
                        kind,
                        format!(
                            "requirement {} lists `{}` in {list}, but a `{}` check counts against every requirement of its case",
                            r.id(),
                            requirements::kind_name(kind.value),
                            requirements::kind_name(kind.value)
                        ),
                    )
                    .help(format!("{list} names the checks that judge only some of a case's requirements, such as filter, sort, schema or oracle; remove this one")),
                );
            }
        }
        // A requirement that takes a kind's failures from other cases but
        // not from its own would be judged more loosely where it is named.
        for kind in &r.fallback_for {
            if !judged_by.iter().any(|k| k.value == kind.value) {
                out.push(
                    Diagnostic::spanned(
                        file,
                        kind,
                        format!(
                            "requirement {} lists `{}` in fallback_for but not in judged_by",
                            r.id(),
                            requirements::kind_name(kind.value)
                        ),
                    )
                    .help("add it to judged_by too, or remove it from fallback_for"),
                );
            }
        }
        if let Some(line) = seen.insert(r.id(), r.id.referenced.line() as usize) {
            out.push(
                Diagnostic::spanned(
                    file,
                    &r.id,
                    format!("duplicate requirement id `{}`", r.id()),
                )
                .note(format!("first used at {}:{line}", file.name)),
            );
        }
    }
    out
}

/// Traceability in both directions, over every catalogue: a case in a
/// folder with a catalogue names at least one requirement, every named
/// requirement exists in some catalogue, and every requirement is verified
/// by some case. `declared_in[i]` is the catalogue of requirement `i`.
pub(super) fn trace(
    catalogues: &[CatalogueSource],
    declared_in: &[usize],
    files: &[SourceFile],
    suite: &Suite,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let known: HashMap<&str, &Requirement> =
        suite.requirements.iter().map(|r| (r.id(), r)).collect();
    let all_names = catalogues
        .iter()
        .map(|c| c.file.name.as_str())
        .collect::<Vec<_>>()
        .join(" or ");
    for case in &suite.cases {
        let Some(file) = files.iter().find(|f| f.name == case.file) else {
            continue;
        };
        let governing = catalogues
            .iter()
            .find(|c| c.case_files.contains(&case.file));
        if let Some(catalogue) = governing
            && case.case.requirements.is_empty()
        {
            out.push(
                Diagnostic::spanned(
                    file,
                    &case.case.id,
                    format!("case `{}` names no requirement", case.id()),
                )
                .help(format!(
                    "add `requirements: [LCJ-...]` with the ids from {} it verifies",
                    catalogue.file.name
                )),
            );
        }
        for r in &case.case.requirements {
            if !known.contains_key(r.value.as_str()) {
                let help = match governing {
                    Some(c) => format!("add it to {} or fix the id", c.file.name),
                    None if catalogues.is_empty() => "no catalogue is loaded: declare it in a requirements.yaml next to the case files, or remove the id".to_string(),
                    None => format!("add it to {all_names} or fix the id"),
                };
                out.push(
                    Diagnostic::spanned(
                        file,
                        r,
                        format!(
                            "case `{}` names unknown requirement `{}`",
                            case.id(),
                            r.value
                        ),
                    )
                    .help(help),
                );
            }
        }
    }
    for (r, &index) in suite.requirements.iter().zip(declared_in) {
        if suite.cases_for(r.id()).next().is_none() {
            out.push(
                Diagnostic::spanned(
                    &catalogues[index].file,
                    &r.id,
                    format!("requirement `{}` is verified by no case", r.id()),
                )
                .help("write a case that names it in `requirements`, or remove the requirement"),
            );
        }
    }
    out
}
