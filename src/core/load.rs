//! Loading case files: parsing, then every check that can be made before a
//! request is sent. Problems come back as [`Diagnostic`]s that point at the
//! file, line and column, rustc style, so a case author can fix them without
//! guessing.

use super::case::{Case, CaseFile, Expect, Level, Semantic, Step};
use super::requirements::{self, Catalogue, Requirement};
use crate::schema::SchemaSet;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

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

    /// `list`: a line per case (id, level, tags, what it verifies, what it
    /// needs from the target), tab-separated for `cut` and `grep`.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        for loaded in &self.cases {
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
    pub fn traceability(&self) -> String {
        let mut out = String::new();
        for r in &self.requirements {
            let cases: Vec<&str> = self.cases_for(r.id()).map(|c| c.id()).collect();
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
    pub fn summary(&self) -> String {
        let levels: Vec<String> = Level::ALL
            .iter()
            .map(|l| {
                let n = self.cases.iter().filter(|c| c.case.level == *l).count();
                format!("{n} {l}")
            })
            .collect();
        let mut out = format!(
            "{} case(s) OK ({}); schemas compile\n",
            self.cases.len(),
            levels.join(", ")
        );
        if !self.requirements.is_empty() {
            // Loading refuses an uncovered requirement, so a loaded suite
            // covers them all; the figure is still worth showing.
            let covered = self
                .requirements
                .iter()
                .filter(|r| self.cases_for(r.id()).next().is_some())
                .count();
            out.push_str(&format!(
                "{covered} of {} requirement(s) covered ({}%)\n",
                self.requirements.len(),
                covered * 100 / self.requirements.len()
            ));
        }
        out
    }
}

/// A problem in a case file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// The text of the line, for the excerpt.
    pub source_line: Option<String>,
}

impl Diagnostic {
    fn at(file: &SourceFile, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.name.clone(),
            line,
            column,
            message: message.into(),
            notes: Vec::new(),
            help: None,
            source_line: (line > 0)
                .then(|| file.text.lines().nth(line - 1).map(str::to_string))
                .flatten(),
        }
    }

    fn spanned<T>(file: &SourceFile, span: &Spanned<T>, message: impl Into<String>) -> Self {
        Self::at(
            file,
            span.referenced.line() as usize,
            span.referenced.column() as usize,
            message,
        )
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// Renders like rustc: message, arrow with position, the line with a
    /// caret, then notes and help.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if self.line == 0 {
            writeln!(f, "  --> {}", self.file)?;
        } else {
            let gutter = self.line.to_string().len();
            let pad = " ".repeat(gutter);
            writeln!(f, "{pad}--> {}:{}:{}", self.file, self.line, self.column)?;
            if let Some(src) = &self.source_line {
                writeln!(f, "{pad} |")?;
                writeln!(f, "{} | {}", self.line, src)?;
                let caret_at = self.column.saturating_sub(1);
                let prefix: String = src
                    .chars()
                    .take(caret_at)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let width = src
                    .chars()
                    .skip(caret_at)
                    // Flow collections close right after a value: `{status: 42}`.
                    .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ',' | '}' | ']'))
                    .count()
                    .max(1);
                writeln!(f, "{pad} | {prefix}{}", "^".repeat(width))?;
            }
            for note in &self.notes {
                writeln!(f, "{pad} = note: {note}")?;
            }
            if let Some(help) = &self.help {
                writeln!(f, "{pad} = help: {help}")?;
            }
            return Ok(());
        }
        for note in &self.notes {
            writeln!(f, "  = note: {note}")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
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

fn check_catalogue(file: &SourceFile, requirements: &[Requirement]) -> Vec<Diagnostic> {
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
            if requirements::judges_every_requirement(kind.value) {
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

/// Traceability in both directions.
fn trace(catalogue: &SourceFile, files: &[SourceFile], suite: &Suite) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let known: HashMap<&str, &Requirement> =
        suite.requirements.iter().map(|r| (r.id(), r)).collect();
    for case in &suite.cases {
        let Some(file) = files.iter().find(|f| f.name == case.file) else {
            continue;
        };
        if case.case.requirements.is_empty() {
            out.push(
                Diagnostic::spanned(
                    file,
                    &case.case.id,
                    format!("case `{}` names no requirement", case.id()),
                )
                .help(format!(
                    "add `requirements: [LCJ-...]` with the ids from {} it verifies",
                    catalogue.name
                )),
            );
        }
        for r in &case.case.requirements {
            if !known.contains_key(r.value.as_str()) {
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
                    .help(format!("add it to {} or fix the id", catalogue.name)),
                );
            }
        }
    }
    for r in &suite.requirements {
        if suite.cases_for(r.id()).next().is_none() {
            out.push(
                Diagnostic::spanned(
                    catalogue,
                    &r.id,
                    format!("requirement `{}` is verified by no case", r.id()),
                )
                .help("write a case that names it in `requirements`, or remove the requirement"),
            );
        }
    }
    out
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

fn parse_diagnostic(file: &SourceFile, e: &serde_saphyr::Error) -> Diagnostic {
    let (line, column) = e
        .location()
        .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
    // The library's own rendering repeats the position and an excerpt;
    // keep only its first line, which says what is wrong.
    let text = e.to_string();
    let message = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid case file")
        .trim()
        .trim_start_matches("error: ")
        .to_string();
    let message = strip_position_suffix(&message);
    if let Some((what, help)) = message.split_once(super::case::HELP_SEPARATOR) {
        return Diagnostic::at(file, line, column, what).help(help);
    }
    let mut d = Diagnostic::at(file, line, column, message.clone());
    if message.contains("unknown field") {
        d = d.help(
            "check the spelling; schemas/case.schema.json lists every member a case may have",
        );
    } else if message.contains("missing field") {
        d = d.help("every case needs `id`, `verifies` and `level`, and `cases:` holds the list");
    } else if message.contains("unknown variant") {
        d = d.help("use one of the values the message lists, spelled exactly");
    }
    d
}

/// The parser states the position in the message too ("line 7 column 7:
/// ..." or "... at line 7 column 7"); the diagnostic shows it already.
fn strip_position_suffix(message: &str) -> String {
    let mut m = message;
    if m.starts_with("line ")
        && let Some(i) = m.find(": ")
        && m[..i].contains(" column ")
    {
        m = &m[i + 2..];
    }
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m.to_string(),
    }
}

/// Edit distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Ids name tests and snapshot files, so they must be usable as both.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn check_case(file: &SourceFile, case: &Case, schemas: &SchemaSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let id = &case.id.value;
    if !valid_id(id) {
        out.push(
            Diagnostic::spanned(
                file,
                &case.id,
                format!("case id {id:?} has characters ids may not use"),
            )
            .help("use letters, digits, '.', '-' and '_' only (ids name tests and snapshot files)"),
        );
    }
    if case.verifies.trim().is_empty() {
        out.push(
            Diagnostic::spanned(
                file,
                &case.id,
                format!("case `{id}` does not say what it verifies"),
            )
            .help("write in `verifies` which property of the document the case checks"),
        );
    }
    let single = case.request.is_some() || case.expect.is_some();
    if single && !case.steps.is_empty() {
        out.push(
            Diagnostic::spanned(
                file,
                &case.id,
                format!("case `{id}` has both `request`/`expect` and `steps`"),
            )
            .help("use `request` + `expect` for one request, or `steps` for several, not both"),
        );
    }
    if !single && case.steps.is_empty() {
        out.push(
            Diagnostic::spanned(file, &case.id, format!("case `{id}` sends no request"))
                .help("add `request` and `expect`, or a list of `steps`"),
        );
    }
    let mut captured: BTreeSet<String> = BTreeSet::new();
    for (n, step) in case.steps().iter().enumerate() {
        let label = step_label(case, n, step);
        if step.request.raw.is_some() && step.request.body.is_some() {
            out.push(
                Diagnostic::spanned(
                    file,
                    &case.id,
                    format!("{label}: the request has both `body` and `raw`"),
                )
                .help("`body` is JSON written as YAML; `raw` is sent byte for byte; pick one"),
            );
        }
        if step.walk.is_some() {
            let e = &step.expect;
            let unsupported: Vec<&str> = [
                ("body", e.body.is_some()),
                ("body_subset", e.body_subset.is_some()),
                ("any_of", !e.any_of.is_empty()),
            ]
            .iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| *name)
            .collect();
            if !unsupported.is_empty() {
                out.push(
                    Diagnostic::spanned(
                        file,
                        &case.id,
                        format!(
                            "{label}: `{}` cannot be checked on a page walk",
                            unsupported.join("`, `")
                        ),
                    )
                    .help("a walk judges pages with status, schema, headers, jsonpath, semantics, oracle and snapshot; put body checks on a request step"),
                );
            }
        }
        if step.walk.as_ref().is_some_and(|w| w.max_pages == 0) {
            out.push(
                Diagnostic::spanned(
                    file,
                    &case.id,
                    format!("{label}: `walk: {{max_pages: 0}}` can never finish a walk"),
                )
                .help("give max_pages of at least 1, or leave it out (default 1000)"),
            );
        }
        for var in variables_used(step) {
            if !captured.contains(&var) {
                out.push(
                    Diagnostic::spanned(
                        file,
                        &case.id,
                        format!(
                            "{label}: `${{{var}}}` is used but no earlier step captures `{var}`"
                        ),
                    )
                    .help("add `capture: {NAME: JSONPATH}` to an earlier step"),
                );
            }
        }
        for (name, path) in &step.capture {
            if let Err(e) = serde_json_path::JsonPath::parse(&path.value) {
                out.push(
                    Diagnostic::spanned(file, path, format!("capture `{name}`: invalid JSONPath {:?}: {e}", path.value))
                        .help("JSONPath follows RFC 9535, for example `$.nextToken` or `$.items[0].jobId`"),
                );
            }
            captured.insert(name.clone());
        }
        if !step.expect.expects_something() {
            out.push(
                Diagnostic::spanned(
                    file,
                    &case.id,
                    format!("{label} expects nothing, so it would pass whatever the target answers"),
                )
                .help(if step.walk.is_some() {
                    "say what the pages must satisfy under `expect`, for example `expect: {semantics: [no_duplicates, complete]}` or `expect: {status: 200, semantics: [filter]}`"
                } else {
                    "say what the answer must satisfy under `expect`, for example `expect: {status: 200}`, `expect: {error: ValidationException}` or `expect: {status: 200, semantics: [filter]}`"
                }),
            );
        }
        check_expect(file, case, &label, step, &step.expect, schemas, &mut out);
    }
    out
}

fn step_label(case: &Case, n: usize, step: &Step) -> String {
    match &step.name {
        Some(name) => format!("case `{}`, step {:?}", case.id.value, name),
        None if case.steps.is_empty() => format!("case `{}`", case.id.value),
        None => format!("case `{}`, step {}", case.id.value, n + 1),
    }
}

fn check_expect(
    file: &SourceFile,
    case: &Case,
    label: &str,
    step: &Step,
    expect: &Expect,
    schemas: &SchemaSet,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(schema) = &expect.schema
        && schema.value != "none"
        && !schemas.contains(&schema.value)
    {
        let known: Vec<&str> = schemas.names().collect();
        let close = known
            .iter()
            .min_by_key(|k| distance(&k.to_ascii_lowercase(), &schema.value.to_ascii_lowercase()))
            .filter(|k| distance(&k.to_ascii_lowercase(), &schema.value.to_ascii_lowercase()) <= 3)
            .map(|k| format!("did you mean `{k}`? "))
            .unwrap_or_default();
        out.push(
            Diagnostic::spanned(
                file,
                schema,
                format!("{label}: no schema named `{}`", schema.value),
            )
            .help(format!(
                "{close}schema names are the files of schemas/ without `.json`, or `none`"
            ))
            .note(format!("known: {}", known.join(", "))),
        );
    }
    if let (Some(error), Some(status)) = (expect.error, &expect.status)
        && !status.codes().contains(&error.status())
    {
        out.push(
            Diagnostic::spanned(
                file,
                &case.id,
                format!(
                    "{label}: `error: {error}` means status {}, but `status` allows only {:?}",
                    error.status(),
                    status.codes()
                ),
            )
            .help("drop `status`; `error` already implies it"),
        );
    }
    for assertion in &expect.jsonpath {
        if let Err(e) = serde_json_path::JsonPath::parse(&assertion.path.value) {
            out.push(
                Diagnostic::spanned(
                    file,
                    &assertion.path,
                    format!("{label}: invalid JSONPath {:?}: {e}", assertion.path.value),
                )
                .help("JSONPath follows RFC 9535, for example `$.items[*].jobStatus`"),
            );
        }
        let kinds = assertion
            .kind
            .iter()
            .chain(assertion.each.as_ref().and_then(|e| e.kind.as_ref()));
        for kind in kinds {
            if !JSON_TYPES.contains(&kind.as_str()) {
                out.push(
                    Diagnostic::spanned(
                        file,
                        &assertion.path,
                        format!("{label}: unknown JSON type `{kind}`"),
                    )
                    .help(format!("use one of {}", JSON_TYPES.join(", "))),
                );
            }
        }
        if assertion.exists.is_none()
            && assertion.count.is_none()
            && assertion.each.is_none()
            && assertion.node().is_empty()
        {
            out.push(
                Diagnostic::spanned(
                    file,
                    &assertion.path,
                    format!("{label}: JSONPath assertion checks nothing"),
                )
                .help("add one of exists, count, each, equals, one_of, contains, type, length"),
            );
        }
    }
    if expect.oracle && !case.fixture {
        out.push(
            Diagnostic::spanned(file, &case.id, format!("{label}: `oracle: true` needs the canonical data set"))
                .help("add `fixture: true` to the case: the oracle computes answers from cases/fixtures/jobs.json"),
        );
    }
    for semantic in &expect.semantics {
        if matches!(semantic, Semantic::NoDuplicates | Semantic::Complete) && step.walk.is_none() {
            out.push(
                Diagnostic::spanned(
                    file,
                    &case.id,
                    format!(
                        "{label}: `{}` only applies to a page walk",
                        semantic.as_str()
                    ),
                )
                .help("add `walk: {}` to the step, or drop this semantic"),
            );
        }
    }
    for alternative in &expect.any_of {
        check_expect(file, case, label, step, alternative, schemas, out);
    }
}

const JSON_TYPES: &[&str] = &[
    "null", "boolean", "number", "integer", "string", "array", "object",
];

/// Variables a step's request refers to as `${name}`.
fn variables_used(step: &Step) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let r = &step.request;
    let mut scan = |s: &str| found.extend(placeholders(s));
    scan(&r.path);
    r.headers.values().for_each(|v| scan(v));
    if let Some(raw) = &r.raw {
        scan(raw);
    }
    if let Some(body) = &r.body {
        walk_strings(body, &mut scan);
    }
    found
}

fn walk_strings(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| walk_strings(x, f)),
        Value::Object(o) => o.values().for_each(|x| walk_strings(x, f)),
        _ => {}
    }
}

/// Names inside `${...}` in a string.
pub fn placeholders(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn duplicate_ids(suite: &Suite, files: &[SourceFile]) -> Vec<Diagnostic> {
    let mut first: HashMap<&str, &LoadedCase> = HashMap::new();
    let mut out = Vec::new();
    for case in &suite.cases {
        match first.get(case.id()) {
            None => {
                first.insert(case.id(), case);
            }
            Some(original) => {
                let Some(file) = files.iter().find(|f| f.name == case.file) else {
                    continue;
                };
                out.push(
                    Diagnostic::spanned(
                        file,
                        &case.case.id,
                        format!("duplicate case id `{}`", case.id()),
                    )
                    .note(format!("first used at {}:{}", original.file, original.line))
                    .help("ids must be unique across the suite; rename one of them"),
                );
            }
        }
    }
    out
}

/// Two snapshot-writing steps with one snapshot name would overwrite each
/// other's file, and each would be compared with the other's answer. The
/// names are compared ignoring ASCII case, since snapshots/ may live on a
/// case-insensitive file system (macOS, Windows). Duplicate ids collide
/// too, but [`duplicate_ids`] already reports them.
fn snapshot_collisions(suite: &Suite, files: &[SourceFile]) -> Vec<Diagnostic> {
    let mut first: HashMap<String, (&LoadedCase, String)> = HashMap::new();
    let mut out = Vec::new();
    for loaded in &suite.cases {
        let case = &loaded.case;
        for (index, step) in case.steps().iter().enumerate() {
            if !step.expect.snapshot {
                continue;
            }
            let name = case.snapshot_name(index);
            let label = step_label(case, index, step);
            match first.get(&name.to_ascii_lowercase()) {
                None => {
                    first.insert(name.to_ascii_lowercase(), (loaded, label));
                }
                Some((original, _)) if original.id() == loaded.id() => {}
                Some((original, original_label)) => {
                    let Some(file) = files.iter().find(|f| f.name == loaded.file) else {
                        continue;
                    };
                    let help = if original.id().eq_ignore_ascii_case(loaded.id()) {
                        "rename one of the cases: ids that differ only in case name the same snapshot file on case-insensitive file systems (macOS, Windows)"
                    } else {
                        "rename one of the cases so no case id equals another case's id followed by `.<step number>`"
                    };
                    out.push(
                        Diagnostic::spanned(
                            file,
                            &case.id,
                            format!(
                                "{label} writes snapshot `{name}`, as {original_label} does"
                            ),
                        )
                        .note(format!(
                            "{original_label} is at {}:{}; both would write snapshots/{name}.snap (a case with several steps names its snapshots <id>.<step number>)",
                            original.file, original.line
                        ))
                        .help(help),
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::check::CheckKind;

    fn load_text(text: &str) -> Result<Suite, Vec<Diagnostic>> {
        let schemas = SchemaSet::embedded().expect("schemas");
        load(
            &[SourceFile {
                name: "cases/t.yaml".into(),
                text: text.into(),
            }],
            schemas,
        )
    }

    fn render(text: &str) -> String {
        match load_text(text) {
            Ok(_) => panic!("expected diagnostics"),
            Err(d) => d
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn a_valid_file_loads() {
        let suite = load_text(
            "cases:\n  - id: a.b\n    verifies: x\n    level: must\n    request:\n      body: {maxResults: 5}\n    expect:\n      status: [200, 400]\n      error: ValidationException\n      jsonpath:\n        - {path: $.items, length: {max: 5}}\n",
        );
        let suite = suite.expect("loads");
        assert_eq!(suite.cases.len(), 1);
        assert_eq!(suite.cases[0].line, 2);
    }

    #[test]
    fn yaml_1_1_words_are_text_and_only_true_false_are_booleans() {
        let suite = load_text(
            "cases:\n  - id: a\n    verifies: x\n    level: must\n    request:\n      body: {values: [no, y, on, off, yes, n, true, false]}\n    expect: {status: 200}\n",
        )
        .expect("loads");
        let body = suite.cases[0].case.steps()[0].request.body.clone();
        assert_eq!(
            body,
            Some(serde_json::json!({"values": ["no", "y", "on", "off", "yes", "n", true, false]}))
        );
    }

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
            suite.listing(),
            "a\tmust\tp,q\tx (needs fixture, faults)\nb\tinfo\t\ty\n"
        );
        assert_eq!(suite.traceability(), "LCJ-T-001\tmust\tS\t2\ta, b\n");
        assert_eq!(
            suite.summary(),
            "2 case(s) OK (1 must, 0 should, 1 info); schemas compile\n1 of 1 requirement(s) covered (100%)\n"
        );
    }

    fn load_catalogue(catalogue: &str) -> Result<Suite, Vec<Diagnostic>> {
        load_with_requirements(
            &[SourceFile {
                name: "cases/t.yaml".into(),
                text: "cases:\n  - id: a\n    verifies: x\n    level: must\n    requirements: [LCJ-T-001]\n    expect: {status: 200}\n".into(),
            }],
            Some(&SourceFile {
                name: "cases/requirements.yaml".into(),
                text: catalogue.into(),
            }),
            SchemaSet::embedded().expect("schemas"),
        )
    }

    #[test]
    fn judged_by_names_check_kinds_as_the_json_report_spells_them() {
        let suite = load_catalogue(
            "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [sort, json_path, no_duplicates]\n",
        )
        .expect("loads");
        let kinds: Vec<CheckKind> = suite.requirements[0]
            .judged_by
            .iter()
            .flatten()
            .map(|k| k.value)
            .collect();
        assert_eq!(
            kinds,
            [
                CheckKind::Sort,
                CheckKind::JsonPath,
                CheckKind::NoDuplicates
            ]
        );

        let unknown = load_catalogue(
            "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [sort, sorting]\n",
        )
        .expect_err("an unknown kind is refused");
        let text = unknown[0].to_string();
        assert!(text.contains("unknown variant `sorting`"), "{text}");
        assert!(text.contains("cases/requirements.yaml:6:"), "{text}");

        let everyone = load_catalogue(
            "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [filter, status]\n",
        )
        .expect_err("a kind that counts against every requirement is refused");
        let text = everyone[0].to_string();
        assert!(text.contains("lists `status` in judged_by"), "{text}");
        assert!(text.contains("cases/requirements.yaml:6:25"), "{text}");

        let loose = load_catalogue(
            "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [filter]\n    fallback_for: [sort]\n",
        )
        .expect_err("a fallback kind its own cases would not charge is refused");
        let text = loose[0].to_string();
        assert!(
            text.contains("lists `sort` in fallback_for but not in judged_by"),
            "{text}"
        );
        assert!(text.contains("cases/requirements.yaml:7:"), "{text}");
    }

    #[test]
    fn an_explicit_null_is_an_expectation() {
        let suite = load_text(
            "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {body: null}\n    expect:\n      jsonpath:\n        - {path: $.nextToken, equals: null}\n",
        )
        .expect("loads");
        let case = &suite.cases[0].case;
        assert_eq!(
            case.request.as_ref().and_then(|r| r.body.clone()),
            Some(serde_json::Value::Null)
        );
        let assertion = &case.expect.as_ref().expect("expect").jsonpath[0];
        assert_eq!(assertion.equals, Some(serde_json::Value::Null));
    }

    #[test]
    fn diagnostics_point_at_the_line() {
        insta::assert_snapshot!(
            "unknown_field",
            render(
                "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect:\n      stauts: 200\n"
            )
        );
        insta::assert_snapshot!(
            "unknown_schema",
            render(
                "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect:\n      schema: JobSumary\n"
            )
        );
        insta::assert_snapshot!(
            "bad_jsonpath",
            render(
                "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect:\n      jsonpath:\n        - {path: \"$.items[\", exists: true}\n"
            )
        );
        insta::assert_snapshot!(
            "duplicate_id",
            render(
                "cases:\n  - id: a\n    verifies: x\n    level: must\n    expect: {status: 200}\n  - id: a\n    verifies: y\n    level: info\n    expect: {status: 200}\n"
            )
        );
        insta::assert_snapshot!(
            "wrong_type",
            render("cases:\n  - id: a\n    verifies: x\n    level: sometimes\n    request: {}\n")
        );
    }

    /// Each rule that refuses a case which checks nothing, or could never
    /// be sent as written, points at the line to fix and says what to
    /// write instead.
    #[test]
    fn cases_that_check_nothing_or_cannot_be_sent_are_refused() {
        let case =
            |rest: &str| format!("cases:\n  - id: a\n    verifies: x\n    level: must\n{rest}");
        insta::assert_snapshot!("no_cases", render("cases: []\n"));
        insta::assert_snapshot!(
            "no_expectation",
            render(&case("    request: {body: {maxResults: 5}}\n"))
        );
        insta::assert_snapshot!(
            "step_without_expectation",
            render(&case(
                "    steps:\n      - name: first\n        expect: {status: 200}\n      - name: every page\n        walk: {}\n        expect: {semantics: [], oracle: false}\n"
            ))
        );
        insta::assert_snapshot!(
            "empty_any_of",
            render(&case("    expect:\n      status: 200\n      any_of: []\n"))
        );
        insta::assert_snapshot!(
            "status_out_of_range",
            render(&case("    expect:\n      status: [200, 1000]\n"))
        );
        insta::assert_snapshot!(
            "status_out_of_range_in_any_of",
            render(&case(
                "    expect:\n      any_of:\n        - {status: 200}\n        - {status: 42}\n"
            ))
        );
        insta::assert_snapshot!(
            "method_not_a_token",
            render(&case(
                "    request:\n      method: \"GET /jobs\"\n    expect: {status: 405}\n"
            ))
        );
        insta::assert_snapshot!(
            "absolute_url_path",
            render(&case(
                "    request:\n      path: https://macie2.us-east-1.amazonaws.com/jobs/list\n    expect: {status: 200}\n"
            ))
        );
        insta::assert_snapshot!(
            "relative_path",
            render(&case(
                "    request:\n      path: jobs/list\n    expect: {status: 200}\n"
            ))
        );
    }

    #[test]
    fn methods_are_http_tokens() {
        for ok in ["POST", "GET", "M-SEARCH", "x!#$%&'*+.^_`|~9"] {
            assert!(crate::core::case::is_http_token(ok), "{ok}");
        }
        for bad in [
            "", "GE T", "GET\t", "POST/", "GET:", "(GET)", "G\u{e9}T", "\"GET\"",
        ] {
            assert!(!crate::core::case::is_http_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_step_snapshot_may_not_collide_with_another_case() {
        let text = "cases:\n  - id: coll.a\n    verifies: x\n    level: must\n    steps:\n      - expect: {snapshot: true}\n      - expect: {snapshot: true}\n  - id: coll.a.2\n    verifies: y\n    level: must\n    expect: {snapshot: true}\n";
        insta::assert_snapshot!("snapshot_collision", render(text));
        // File systems that ignore case make `Coll.A.2` the same file.
        let shouting = text.replace("id: coll.a.2", "id: Coll.A.2");
        assert!(render(&shouting).contains("writes snapshot `Coll.A.2`"));
        // Only snapshot-writing steps write files: the same names are fine
        // when one of them does not.
        let quiet = text.replace(
            "- expect: {snapshot: true}\n  - id: coll.a.2",
            "- expect: {status: 200}\n  - id: coll.a.2",
        );
        assert!(load_text(&quiet).is_ok());
        // A one-step case under `steps:` names its snapshot by its id alone.
        let one_step = "cases:\n  - id: b\n    verifies: x\n    level: must\n    steps:\n      - expect: {snapshot: true}\n  - id: b.1\n    verifies: y\n    level: must\n    expect: {snapshot: true}\n";
        assert!(load_text(one_step).is_ok());
    }
}
