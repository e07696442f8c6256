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
pub use validate::{placeholders, variables_used};

use super::case::{Case, CaseFile};
use super::requirements::{Catalogue, Requirement};
use super::words::Vocabulary;
use crate::schema::SchemaSet;
use catalogue::{check_catalogue, trace};
use parse_error::{is_unknown_anchor, parse_diagnostic};
use serde_saphyr::Spanned;
use std::collections::BTreeSet;
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
    /// Where the cases came from (set by whoever gathered the files).
    pub origin: SuiteOrigin,
}

/// Where a suite's cases came from: the built-in suite or not, and the
/// folders added to it. A conformance claim names both.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SuiteOrigin {
    /// `--no-builtin`: the built-in suite was left out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_builtin: bool,
    /// SHA-256 (hex) of the built-in suite's files, when it was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin_digest: Option<String>,
    /// The folders given with `--cases`, each with the cases it added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<AddedFolder>,
}

impl SuiteOrigin {
    /// What the suite was made of, in words: `the built-in suite (digest
    /// ...) plus 1 local folder of 8 cases: vendor/cases`.
    pub fn describe(&self) -> String {
        let mut said = match (&self.builtin_digest, self.no_builtin) {
            (_, true) => "local cases only (the built-in suite left out)".to_string(),
            (Some(digest), false) => format!("the built-in suite (digest {digest})"),
            (None, false) => "the built-in suite".to_string(),
        };
        if !self.folders.is_empty() {
            let cases: usize = self.folders.iter().map(|f| f.cases).sum();
            let paths: Vec<&str> = self.folders.iter().map(|f| f.path.as_str()).collect();
            said.push_str(&format!(
                " {} {} local folder{} of {} case{}: {}",
                if self.no_builtin { "from" } else { "plus" },
                self.folders.len(),
                if self.folders.len() == 1 { "" } else { "s" },
                cases,
                if cases == 1 { "" } else { "s" },
                paths.join(", ")
            ));
        }
        said
    }
}

/// A folder of cases added to the suite.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AddedFolder {
    pub path: String,
    pub cases: usize,
}

/// [`Suite::digest`]'s hash over some files: how the built-in suite's own
/// digest is computed.
pub fn digest_of(files: &[SourceFile]) -> String {
    digest(files.iter())
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
///
/// Cases alone, with no catalogue at all: the requirement ids they name
/// are not checked (a library user judging a few cases of their own). A
/// suite that a run uses is loaded with its catalogues, even none, and
/// then every id must be declared (see [`load_with_variables`]).
pub fn load(files: &[SourceFile], schemas: &SchemaSet) -> Result<Suite, Vec<Diagnostic>> {
    load_all(files, &[], schemas, &Known::none(), false)
}

/// As [`load`], with the requirements catalogue: then every case must name
/// the requirements it verifies, every named requirement must exist, and
/// every requirement must be verified by at least one case.
pub fn load_with_requirements(
    files: &[SourceFile],
    catalogue: Option<&SourceFile>,
    schemas: &SchemaSet,
) -> Result<Suite, Vec<Diagnostic>> {
    let catalogues: Vec<CatalogueSource> = catalogue
        .map(|file| CatalogueSource {
            file: file.clone(),
            case_files: files.iter().map(|f| f.name.clone()).collect(),
        })
        .into_iter()
        .collect();
    load_with_catalogues(files, &catalogues, schemas)
}

/// A requirements catalogue and the case files of its folder: each case in
/// those files must name the requirements it verifies (cases of a folder
/// without a catalogue may name none, or any requirement of any catalogue).
#[derive(Debug, Clone)]
pub struct CatalogueSource {
    pub file: SourceFile,
    /// Names ([`SourceFile::name`]) of the case files it governs.
    pub case_files: Vec<String>,
}

/// As [`load_with_requirements`], with several catalogues (the built-in
/// one and those of the user's folders): requirement ids must be unique
/// across them, and each is checked and traced as one catalogue is.
pub fn load_with_catalogues(
    files: &[SourceFile],
    catalogues: &[CatalogueSource],
    schemas: &SchemaSet,
) -> Result<Suite, Vec<Diagnostic>> {
    load_with_variables(
        files,
        catalogues,
        schemas,
        &BTreeSet::new(),
        Vocabulary::default(),
    )
}

/// As [`load_with_catalogues`], with the names of the run's variables: a
/// `${name}` that is neither one of them nor captured by an earlier step of
/// its case is an error. Hints name settings as `words` does.
pub fn load_with_variables(
    files: &[SourceFile],
    catalogues: &[CatalogueSource],
    schemas: &SchemaSet,
    variables: &BTreeSet<String>,
    words: Vocabulary,
) -> Result<Suite, Vec<Diagnostic>> {
    let known = Known {
        names: variables.clone(),
        words,
    };
    load_all(files, catalogues, schemas, &known, true)
}

/// The run's variables, and how hints tell the user to define one.
pub(crate) struct Known {
    names: BTreeSet<String>,
    pub(crate) words: Vocabulary,
}

impl Known {
    fn none() -> Known {
        Known {
            names: BTreeSet::new(),
            words: Vocabulary::default(),
        }
    }
}

/// The names, wherever a set of them is asked for.
impl std::ops::Deref for Known {
    type Target = BTreeSet<String>;
    fn deref(&self) -> &BTreeSet<String> {
        &self.names
    }
}

/// Loads the files; `traced` checks requirement ids against the
/// catalogues (see [`load`] for when they are not).
fn load_all(
    files: &[SourceFile],
    catalogues: &[CatalogueSource],
    schemas: &SchemaSet,
    variables: &Known,
    traced: bool,
) -> Result<Suite, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut requirements = Vec::new();
    // Which catalogue declares each requirement, for the diagnostics.
    let mut declared_in = Vec::new();
    for (index, source) in catalogues.iter().enumerate() {
        let file = &source.file;
        match serde_saphyr::from_str_with_options::<Catalogue>(&file.text, yaml_options()) {
            Ok(c) => {
                problems.extend(check_catalogue(file, &c.requirements));
                problems.extend(clashes(
                    file,
                    &c.requirements,
                    &requirements,
                    &declared_in,
                    catalogues,
                ));
                declared_in.extend(std::iter::repeat_n(index, c.requirements.len()));
                requirements.extend(c.requirements);
            }
            Err(e) => problems.push(parse_diagnostic(file, &e)),
        }
    }
    let mut suite = match load_cases(files, schemas, variables) {
        Ok(s) => s,
        Err(mut p) => {
            problems.append(&mut p);
            Suite::default()
        }
    };
    suite.requirements = requirements;
    suite.digest = digest(files.iter().chain(catalogues.iter().map(|c| &c.file)));
    // Traced with or without catalogues: a case that names a requirement
    // no loaded catalogue declares is an error even when the built-in
    // suite (and its catalogue) is left out.
    if traced && problems.is_empty() {
        problems.extend(trace(catalogues, &declared_in, files, &suite));
    }
    if problems.is_empty() {
        Ok(suite)
    } else {
        Err(problems)
    }
}

/// Requirements of `file` whose ids an earlier catalogue already declares:
/// the matrix and the report could not tell them apart.
fn clashes(
    file: &SourceFile,
    new: &[Requirement],
    earlier: &[Requirement],
    declared_in: &[usize],
    catalogues: &[CatalogueSource],
) -> Vec<Diagnostic> {
    new.iter()
        .filter_map(|r| {
            let at = earlier.iter().position(|e| e.id() == r.id())?;
            let other = &catalogues[declared_in[at]].file.name;
            Some(
                Diagnostic::spanned(
                    file,
                    &r.id,
                    format!("requirement id `{}` is already declared in {other}", r.id()),
                )
                .note(format!(
                    "first declared at {other}:{}",
                    earlier[at].id.referenced.line()
                ))
                .help("requirement ids must be unique across all catalogues; give yours an area of its own, e.g. LCJ-LOCAL-001"),
            )
        })
        .collect()
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

fn load_cases(
    files: &[SourceFile],
    schemas: &SchemaSet,
    variables: &Known,
) -> Result<Suite, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut suite = Suite::default();
    for (mut found, cases) in load_files(files, schemas, variables) {
        problems.append(&mut found);
        suite.cases.extend(cases);
    }
    problems.extend(duplicate_ids(&suite, files, variables.words));
    problems.extend(snapshot_collisions(&suite, files));
    if problems.is_empty() {
        Ok(suite)
    } else {
        Err(problems)
    }
}

/// Parses and checks each file, files spread over the machine's cores
/// (each is read on its own, and YAML parsing is most of a large suite's
/// loading time); results come back in file order.
fn load_files(
    files: &[SourceFile],
    schemas: &SchemaSet,
    variables: &Known,
) -> Vec<(Vec<Diagnostic>, Vec<LoadedCase>)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    if threads <= 1 {
        return files
            .iter()
            .map(|f| load_file(f, schemas, variables))
            .collect();
    }
    let per_thread = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| load_file(f, schemas, variables))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(loaded) => loaded,
                // A panic while parsing is a bug in a library, not in the
                // case file; it is not hidden behind a partial suite.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// One file's problems and cases.
fn load_file(
    file: &SourceFile,
    schemas: &SchemaSet,
    variables: &Known,
) -> (Vec<Diagnostic>, Vec<LoadedCase>) {
    match serde_saphyr::from_str_with_options::<CaseFile>(&file.text, yaml_options()) {
        Ok(parsed) => {
            let mut problems = Vec::new();
            let mut cases = Vec::with_capacity(parsed.cases.len());
            for case in parsed.cases {
                problems.extend(check_case(file, &case, schemas, variables));
                cases.push(LoadedCase {
                    file: file.name.clone(),
                    line: case.id.referenced.line() as usize,
                    case,
                });
            }
            (problems, cases)
        }
        Err(e) => case_by_case(file, &e, schemas, variables),
    }
}

/// The most problems shown for one file; the rest are counted.
pub const MAX_PROBLEMS_PER_FILE: usize = 20;

/// The parser stops at a file's first error. So that one `check` shows
/// every case to fix, a file that fails is read again one case at a time:
/// each case is parsed from a copy of the file in which every other case's
/// lines are blank, so lines and columns (and the `Spanned` positions in
/// the parsed case) stay those of the real file. Each case then shows its
/// first problem, and the cases that parse are checked as usual.
///
/// This needs the usual layout, one `- ` item per case in a block list; a
/// flow list (`cases: [{...}]`), a case that starts on the line of another,
/// or YAML that does not parse at all (a syntax error) gets its first error
/// only, with a note that the rest is checked once it is fixed.
fn case_by_case(
    file: &SourceFile,
    first: &serde_saphyr::Error,
    schemas: &SchemaSet,
    variables: &Known,
) -> (Vec<Diagnostic>, Vec<LoadedCase>) {
    let first = parse_diagnostic(file, first);
    let Some(starts) = case_lines(file) else {
        let note = "the rest of this file is checked once this is fixed";
        return (vec![first.note(note)], Vec::new());
    };
    // `cases: []` or no list: nothing else in the file to check.
    let Some(&first_start) = starts.first() else {
        return (vec![first], Vec::new());
    };
    let lines: Vec<&str> = file.text.lines().collect();
    let header = first_start - 1;
    let mut problems = vec![first.clone()];
    let mut cases = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(lines.len() + 1, |&n| n);
        let text: String = lines
            .iter()
            .enumerate()
            .map(|(n, l)| {
                let n = n + 1;
                if n <= header || (start..end).contains(&n) {
                    format!("{l}\n")
                } else {
                    "\n".to_string()
                }
            })
            .collect();
        match serde_saphyr::from_str_with_options::<CaseFile>(&text, yaml_options()) {
            Ok(parsed) => {
                for case in parsed.cases {
                    problems.extend(check_case(file, &case, schemas, variables));
                    cases.push(LoadedCase {
                        file: file.name.clone(),
                        line: case.id.referenced.line() as usize,
                        case,
                    });
                }
            }
            // A case that ends before the first error parsed in the whole
            // file, so an error alone is an artefact of reading it alone
            // (as is an alias to another case's anchor).
            Err(_) if end <= first.line => {}
            Err(e) if is_unknown_anchor(&e) => {}
            Err(e) => {
                let d = parse_diagnostic(file, &e);
                if !problems.contains(&d) {
                    problems.push(d);
                }
            }
        }
    }
    problems.sort_by_key(|d| (d.line, d.column));
    if problems.len() > MAX_PROBLEMS_PER_FILE {
        let more = problems.len() - MAX_PROBLEMS_PER_FILE;
        problems.truncate(MAX_PROBLEMS_PER_FILE);
        problems.push(
            Diagnostic::at(
                file,
                0,
                0,
                format!("and {more} more problem(s) in this file"),
            )
            .help("fix the ones above and run `check` again to see the rest"),
        );
    }
    (problems, cases)
}

/// The line each case starts on, when every case is a `- ` item of a
/// block list on a line of its own and the file is small enough to read
/// once per case (a copy of the file per case: quadratic in its size).
fn case_lines(file: &SourceFile) -> Option<Vec<usize>> {
    /// Any case at all, written anyhow: only where each one starts.
    #[derive(serde::Deserialize)]
    struct Skeleton {
        cases: Vec<Spanned<serde::de::IgnoredAny>>,
    }
    const MAX_WORK: usize = 64 << 20;
    let mut options = yaml_options();
    // A key written twice inside a case is that case's problem, found when
    // it is read alone; here it must not hide where the cases are.
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    let skeleton: Skeleton = serde_saphyr::from_str_with_options(&file.text, options).ok()?;
    if skeleton.cases.is_empty() {
        return Some(Vec::new());
    }
    let lines: Vec<&str> = file.text.lines().collect();
    let mut starts = Vec::new();
    for item in &skeleton.cases {
        let line = item.referenced.line() as usize;
        let column = item.referenced.column() as usize;
        let text = lines.get(line.checked_sub(1)?)?;
        let before: String = text.chars().take(column.saturating_sub(1)).collect();
        // `  - id: a`: only the item's dash before it.
        let is_item = before.trim() == "-";
        if !is_item || starts.last().is_some_and(|&l| l >= line) {
            return None;
        }
        starts.push(line);
    }
    let first = *starts.first()?;
    (first > 1 && starts.len().saturating_mul(file.text.len()) <= MAX_WORK).then_some(starts)
}

#[cfg(test)]
mod tests;
