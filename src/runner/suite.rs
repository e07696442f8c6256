//! Reading a suite folder and a fixture file from disk.

use super::RunError;
use crate::engine::load::{self, Diagnostic, SourceFile, Suite};
use crate::schema::SchemaSet;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Reads every `*.yaml` file under `dir` (sorted, so runs are repeatable).
/// Names are shown relative to `dir`'s parent (`cases/filter.yaml`).
///
/// Symbolic links are followed, but each real folder is read once and each
/// real file loaded once, under the first name met in sorted order: a link
/// to `.` or to a parent would otherwise make the walk endless, and a file
/// reached twice would be two copies of every case in it.
///
/// A file that cannot be read, or is not UTF-8 text, is a diagnostic at
/// that file (with the line and column of the first bad byte), so every
/// other file is still checked in the same run.
pub fn read_case_files(dir: &Path) -> Result<Vec<SourceFile>, RunError> {
    match read_cases(dir)? {
        (files, problems) if problems.is_empty() => Ok(files),
        (_, problems) => Err(RunError::Cases(problems)),
    }
}

/// The files that could be read, and a diagnostic for each that could not.
fn read_cases(dir: &Path) -> Result<(Vec<SourceFile>, Vec<Diagnostic>), RunError> {
    let mut walk = Walk::default();
    // Only the suite folder itself failing means the `--cases` path is wrong.
    let root = std::fs::read_dir(dir).map_err(|source| RunError::ReadCases {
        path: dir.to_path_buf(),
        source,
    })?;
    if let Ok(real) = std::fs::canonicalize(dir) {
        walk.dirs.insert(real);
    }
    walk.collect(dir, root);
    walk.paths.sort();
    let base = dir.parent().unwrap_or(Path::new(""));
    let mut files = Vec::new();
    let mut problems = walk.problems;
    for path in walk.paths {
        let name = shown_name(&path, base);
        match read_text(&path, &name) {
            Ok(text) => files.push(SourceFile { name, text }),
            Err(d) => problems.push(*d),
        }
    }
    if files.is_empty() && problems.is_empty() {
        return Err(RunError::NoCases(dir.to_path_buf()));
    }
    Ok((files, problems))
}

/// The name a user sees: relative to the suite folder's parent, with `/`.
fn shown_name(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The state of a walk through a suite folder.
#[derive(Default)]
struct Walk {
    /// Real (canonical) folders already read.
    dirs: HashSet<PathBuf>,
    /// Real (canonical) files already taken.
    files: HashSet<PathBuf>,
    paths: Vec<PathBuf>,
    problems: Vec<Diagnostic>,
}

impl Walk {
    fn collect(&mut self, dir: &Path, entries: std::fs::ReadDir) {
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) => children.push(e.path()),
                Err(e) => self.problems.push(unreadable_folder(dir, &e)),
            }
        }
        // Sorted, so which of two names of one file is kept does not depend
        // on the order the file system lists them.
        children.sort();
        for path in children {
            if path.is_dir() {
                // Fixtures and other data live beside the cases; they are not cases.
                if path.file_name().is_some_and(|n| n == "fixtures") {
                    continue;
                }
                // A folder whose real path cannot be found (a link loop, a
                // vanished target) cannot be told apart from one already
                // read, so it is skipped rather than risk an endless walk.
                let Ok(real) = std::fs::canonicalize(&path) else {
                    continue;
                };
                if !self.dirs.insert(real) {
                    continue;
                }
                match std::fs::read_dir(&path) {
                    Ok(entries) => self.collect(&path, entries),
                    Err(e) => self.problems.push(unreadable_folder(&path, &e)),
                }
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                && path.file_name().is_some_and(|n| n != REQUIREMENTS_FILE)
            {
                // A dangling link keeps its own name and fails when read.
                let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if self.files.insert(real) {
                    self.paths.push(path);
                }
            }
        }
    }
}

fn unreadable_folder(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::in_file(
        &path.to_string_lossy(),
        0,
        0,
        format!("cannot read this folder of the suite: {e}"),
    )
    .help("check its permissions, or move it out of the suite folder")
}

/// A case file's text, or a diagnostic saying why it cannot be used:
/// unreadable, not UTF-8 (UTF-16 named as such), or binary.
fn read_text(path: &Path, name: &str) -> Result<String, Box<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Box::new(
            Diagnostic::in_file(name, 0, 0, format!("cannot read this case file: {e}"))
                .help("check its permissions, or move it out of the suite folder"),
        )
    })?;
    decode(name, bytes)
}

/// Case files are UTF-8. Anything else is refused at the first byte that
/// shows it, rather than guessed at: a Latin-1 `é` read as UTF-8 would be
/// a different string in a request body.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    const UTF16_HELP: &str = "save the file as UTF-8 (in most editors: \"Save with encoding\" or \"File encoding\", then UTF-8)";
    if let Some(order) = utf16(&bytes) {
        return Err(Box::new(
            Diagnostic::in_file(
                name,
                0,
                0,
                format!("the file is UTF-16 ({order}), not UTF-8"),
            )
            .help(UTF16_HELP),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let (line, column) = position(bytes, at);
            return Err(Box::new(Diagnostic::in_file(
                name,
                line,
                column,
                // `valid_up_to` is before the end: a byte there is invalid.
                format!(
                    "the file is not UTF-8: byte 0x{:02X} at offset {at} is not valid UTF-8",
                    bytes.get(at).copied().unwrap_or_default()
                ),
            )
            .help(
                "save the file as UTF-8; text in Latin-1 or another legacy encoding must be converted (for example `iconv -f latin1 -t utf-8`)",
            )));
        }
    };
    if let Some(at) = text.find('\0') {
        let (line, column) = position(text.as_bytes(), at);
        return Err(Box::new(Diagnostic::in_file(
            name,
            line,
            column,
            format!("the file holds a NUL byte at offset {at}: it is binary, not YAML text"),
        )
        .help("a case file is YAML text in UTF-8; remove the file from the suite folder, or save it as UTF-8 text")));
    }
    Ok(text)
}

/// The byte order, when `bytes` look like UTF-16: a byte-order mark, or
/// (without one) a NUL in every other byte of the first ones, as ASCII
/// text saved as UTF-16 has. Such text is valid UTF-8 byte for byte, so the
/// UTF-8 check alone would not catch it.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some("little-endian, with a byte-order mark"),
        [0xFE, 0xFF, ..] => return Some("big-endian, with a byte-order mark"),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(64) & !1];
    // Two characters at least: one `a\0` pair could be any binary.
    if head.len() < 4 {
        return None;
    }
    let pairs = || head.chunks_exact(2);
    if pairs().all(|p| p[0] != 0 && p[1] == 0) {
        Some("little-endian, without a byte-order mark")
    } else if pairs().all(|p| p[0] == 0 && p[1] != 0) {
        Some("big-endian, without a byte-order mark")
    } else {
        None
    }
}

/// 1-based line and column (in characters) of byte `at`.
fn position(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Name of the requirements catalogue inside a suite folder.
pub const REQUIREMENTS_FILE: &str = "requirements.yaml";

/// Loads and checks a suite folder, with its requirements catalogue when
/// the folder has one.
pub fn load_suite(dir: &Path) -> Result<Suite, RunError> {
    // The files that can be read are still checked beside those that
    // cannot, so one `check` shows every problem.
    let (files, mut problems) = read_cases(dir)?;
    let schemas = SchemaSet::embedded().map_err(|e| RunError::Schemas(e.to_string()))?;
    let catalogue_path = dir.join(REQUIREMENTS_FILE);
    let catalogue = if catalogue_path.is_file() {
        let name = shown_name(&catalogue_path, dir.parent().unwrap_or(Path::new("")));
        match read_text(&catalogue_path, &name) {
            Ok(text) => Some(SourceFile { name, text }),
            Err(d) => {
                problems.push(*d);
                None
            }
        }
    } else {
        None
    };
    match load::load_with_requirements(&files, catalogue.as_ref(), schemas) {
        Ok(suite) if problems.is_empty() => Ok(suite),
        Ok(_) => Err(RunError::Cases(problems)),
        Err(more) => {
            problems.extend(more);
            Err(RunError::Cases(problems))
        }
    }
}

/// Where a run's cases come from: the built-in suite (embedded in the
/// binary) and the user's folders, in that order.
/// Start from `SuiteSources::default()` and set the fields you need
/// (fields may be added).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SuiteSources {
    pub builtin: bool,
    pub dirs: Vec<PathBuf>,
    /// Names of the run's variables: a case may use them as `${name}`
    /// (any other name must be captured by an earlier step).
    pub variables: std::collections::BTreeSet<String>,
    /// How the loader's hints name settings (see [`super::Vocabulary`]).
    pub words: super::Vocabulary,
}

impl Default for SuiteSources {
    /// The built-in suite alone.
    fn default() -> Self {
        SuiteSources {
            builtin: true,
            dirs: Vec::new(),
            variables: Default::default(),
            words: Default::default(),
        }
    }
}

/// The digest of the built-in suite alone (its case files and catalogue):
/// what a claim says it ran, whatever folders were added.
pub fn builtin_digest() -> String {
    let mut files = builtin_case_files();
    let (name, text) = crate::builtin::REQUIREMENTS;
    files.push(SourceFile {
        name: name.to_string(),
        text: text.to_string(),
    });
    load::digest_of(&files)
}

/// The built-in case files, named as in the repository (`cases/filter.yaml`).
pub fn builtin_case_files() -> Vec<SourceFile> {
    crate::builtin::CASE_FILES
        .iter()
        .map(|(name, text)| SourceFile {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect()
}

/// Loads the built-in suite and each folder as one suite: case ids unique
/// across all of them, each folder's `requirements.yaml` (when it has one)
/// beside the built-in catalogue, requirement ids unique across those.
pub fn load_suites(sources: &SuiteSources) -> Result<Suite, RunError> {
    if !sources.builtin && sources.dirs.is_empty() {
        return Err(RunError::NoSuite);
    }
    let mut files = Vec::new();
    let mut catalogues = Vec::new();
    let mut problems = Vec::new();
    if sources.builtin {
        files = builtin_case_files();
        let (name, text) = crate::builtin::REQUIREMENTS;
        catalogues.push(load::CatalogueSource {
            file: SourceFile {
                name: name.to_string(),
                text: text.to_string(),
            },
            case_files: files.iter().map(|f| f.name.clone()).collect(),
        });
    }
    let mut seen_dirs = HashSet::new();
    // Each folder with the names its files were given.
    let mut added: Vec<(String, Vec<String>)> = Vec::new();
    for dir in &sources.dirs {
        // One folder named twice (`--cases a --cases ./a`) is read once.
        if let Ok(real) = std::fs::canonicalize(dir)
            && !seen_dirs.insert(real)
        {
            continue;
        }
        let (mut found, mut unreadable) = read_cases(dir)?;
        problems.append(&mut unreadable);
        if sources.builtin
            && found.iter().any(|f| {
                crate::builtin::CASE_FILES
                    .iter()
                    .any(|(_, text)| *text == f.text)
            })
        {
            return Err(RunError::BuiltinTwice(dir.clone()));
        }
        // Names are how diagnostics and reports tell files apart; a folder
        // whose names are taken (two folders both called `cases`) is shown
        // by its full path instead.
        for file in &mut found {
            if files.iter().any(|f: &SourceFile| f.name == file.name) {
                let base = dir.parent().unwrap_or(Path::new(""));
                let full = std::fs::canonicalize(base.join(&file.name))
                    .unwrap_or_else(|_| base.join(&file.name));
                file.name = full.to_string_lossy().replace('\\', "/");
            }
        }
        let catalogue_path = dir.join(REQUIREMENTS_FILE);
        if catalogue_path.is_file() {
            let mut name = shown_name(&catalogue_path, dir.parent().unwrap_or(Path::new("")));
            if catalogues
                .iter()
                .any(|c: &load::CatalogueSource| c.file.name == name)
            {
                name = std::fs::canonicalize(&catalogue_path)
                    .unwrap_or(catalogue_path.clone())
                    .to_string_lossy()
                    .replace('\\', "/");
            }
            match read_text(&catalogue_path, &name) {
                Ok(text) => catalogues.push(load::CatalogueSource {
                    file: SourceFile { name, text },
                    case_files: found.iter().map(|f| f.name.clone()).collect(),
                }),
                Err(d) => problems.push(*d),
            }
        }
        added.push((
            dir.to_string_lossy().into_owned(),
            found.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
        ));
        files.append(&mut found);
    }
    let schemas = SchemaSet::embedded().map_err(|e| RunError::Schemas(e.to_string()))?;
    match load::load_with_variables(
        &files,
        &catalogues,
        schemas,
        &sources.variables,
        sources.words,
    ) {
        Ok(mut suite) if problems.is_empty() => {
            suite.origin = load::SuiteOrigin {
                no_builtin: !sources.builtin,
                builtin_digest: sources.builtin.then(builtin_digest),
                folders: added
                    .into_iter()
                    .map(|(path, names)| load::AddedFolder {
                        path,
                        cases: suite
                            .cases
                            .iter()
                            .filter(|c| names.contains(&c.file))
                            .count(),
                    })
                    .collect(),
            };
            Ok(suite)
        }
        Ok(_) => Err(RunError::Cases(problems)),
        Err(more) => {
            problems.extend(more);
            Err(RunError::Cases(problems))
        }
    }
}

/// Reads a fixture file (a JSON array of jobs).
pub fn read_fixture(path: &Path) -> Result<Vec<Value>, RunError> {
    let text = std::fs::read_to_string(path).map_err(|e| RunError::Fixture {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse_fixture(&text).map_err(|reason| RunError::Fixture {
        path: path.to_path_buf(),
        reason,
    })
}

pub fn parse_fixture(text: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(jobs)) => Ok(jobs),
        Ok(_) => Err("it is not a JSON array of jobs".into()),
        Err(e) => Err(format!("it is not valid JSON: {e}")),
    }
}
