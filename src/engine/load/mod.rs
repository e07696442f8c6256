//! Loading case files: parsing, then every check that can be made before a
//! request is sent. Problems come back as [`Diagnostic`]s that point at the
//! file, line and column, rustc style, so a case author can fix them without
//! guessing.
//!
//! - [`diagnostic`]: the error type and its rendering;
//! - `parse_error`: a YAML parse error as a diagnostic;
//! - `validate`: the rules each case, and the suite, must follow;
//! - `catalogue`: the requirements catalogue and traceability.
//!
//! What a suite looks like on the command line (`list`, `check`) is the
//! CLI's business: see `crate::report::suite_listing`.

mod catalogue;
pub mod diagnostic;
mod parse_error;
mod validate;

pub use diagnostic::Diagnostic;
pub use validate::placeholders;

use super::case::{Case, CaseFile};
use super::requirements::{Catalogue, Requirement};
use crate::schema::SchemaSet;
use catalogue::{check_catalogue, trace};
use parse_error::parse_diagnostic;
use validate::{check_case, duplicate_ids, snapshot_collisions};

/// A case file's name (as shown to users) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// A case together with where it was written.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    pub case: Case,
    /// The file's name as given in [`SourceFile::name`].
    pub file: String,
    pub line: usize,
}

impl LoadedCase {
    pub fn id(&self) -> &str {
        &self.case.id.value
    }
}

/// Every case of a suite, in file order, and the requirements catalogue.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    pub cases: Vec<LoadedCase>,
    pub requirements: Vec<Requirement>,
    /// SHA-256 (hex) of every file's name and text, catalogue included.
    pub digest: String,
}

impl Suite {
    /// The cases that name a requirement.
    pub fn cases_for<'a>(
        &'a self,
        requirement: &'a str,
    ) -> impl Iterator<Item = &'a LoadedCase> + 'a {
        self.cases
            .iter()
            .filter(move |c| c.case.requirements.iter().any(|r| r.value == requirement))
    }
}

/// Parses and checks every file. All problems of all files are returned at
/// once, so one run of `check` shows everything to fix.
pub fn load(files: &[SourceFile], schemas: &SchemaSet) -> Result<Suite, Vec<Diagnostic>> {
    load_with_requirements(files, None, schemas)
}

/// As [`load`], with the requirements catalogue: then every case must name
/// the requirements it verifies, every named requirement must exist, and
/// every requirement must be verified by at least one case.
pub fn load_with_requirements(
    files: &[SourceFile],
    catalogue: Option<&SourceFile>,
    schemas: &SchemaSet,
) -> Result<Suite, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut requirements = Vec::new();
    if let Some(file) = catalogue {
        match serde_saphyr::from_str_with_options::<Catalogue>(&file.text, yaml_options()) {
            Ok(c) => {
                problems.extend(check_catalogue(file, &c.requirements));
                requirements = c.requirements;
            }
            Err(e) => problems.push(parse_diagnostic(file, &e)),
        }
    }
    let mut suite = match load_cases(files, schemas) {
        Ok(s) => s,
        Err(mut p) => {
            problems.append(&mut p);
            Suite::default()
        }
    };
    suite.requirements = requirements;
    suite.digest = digest(files.iter().chain(catalogue));
    if let Some(file) = catalogue
        && problems.is_empty()
    {
        problems.extend(trace(file, files, &suite));
    }
    if problems.is_empty() {
        Ok(suite)
    } else {
        Err(problems)
    }
}

fn digest<'a>(files: impl Iterator<Item = &'a SourceFile>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in files {
        // Length prefixes keep file boundaries unambiguous.
        h.update((f.name.len() as u64).to_be_bytes());
        h.update(f.name.as_bytes());
        h.update((f.text.len() as u64).to_be_bytes());
        h.update(f.text.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// How case files are read: YAML 1.2, so only `true` and `false` are
/// booleans. A request body is untyped JSON, and under YAML 1.1 a filter
/// value written `no`, `y` or `on` would be sent as a boolean: a case would
/// silently test something other than what it says. Duplicate keys stay an
/// error (the library's default).
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true }
}

fn load_cases(files: &[SourceFile], schemas: &SchemaSet) -> Result<Suite, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut suite = Suite::default();
    for file in files {
        match serde_saphyr::from_str_with_options::<CaseFile>(&file.text, yaml_options()) {
            Ok(parsed) => {
                for case in parsed.cases {
                    problems.extend(check_case(file, &case, schemas));
                    suite.cases.push(LoadedCase {
                        file: file.name.clone(),
                        line: case.id.referenced.line() as usize,
                        case,
                    });
                }
            }
            Err(e) => problems.push(parse_diagnostic(file, &e)),
        }
    }
    problems.extend(duplicate_ids(&suite, files));
    problems.extend(snapshot_collisions(&suite, files));
    if problems.is_empty() {
        Ok(suite)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests;
