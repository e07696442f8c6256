//! The rules a case must follow before a request is sent: each case on its
//! own ([`check_case`]), then the suite as a whole (ids and snapshot names
//! used twice).

use super::diagnostic::Diagnostic;
use super::{LoadedCase, SourceFile, Suite};
use crate::engine::case::{Case, Expect, Relation, Semantic, Step};
use crate::schema::SchemaSet;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Ids name tests and snapshot files, so they must be usable as both.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

pub(super) fn check_case(
    file: &SourceFile,
    case: &Case,
    schemas: &SchemaSet,
    variables: &super::Known,
) -> Vec<Diagnostic> {
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
                    .help("a walk judges pages with status, schema, headers, jsonpath, semantics, oracle, snapshot and relations; put body checks on a request step"),
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
            if !captured.contains(&var)
                && !variables.contains(&var)
                && !crate::engine::case::BUILTIN_VARIABLES.contains(&var.as_str())
            {
                out.push(undefined_variable(
                    file, case, &label, &var, &captured, variables,
                ));
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
        if step.walk.is_some() {
            check_relations(file, case, n, &label, &mut out);
        }
    }
    out
}

/// The steps a walk's relations name must be earlier steps of the case,
/// each named once: the runner compares with the listing a step of that
/// name left behind (a walk's whole listing, or the jobs of a request
/// step's one page), so a later, missing or ambiguous step would leave
/// nothing (or the wrong thing) to compare with.
fn check_relations(
    file: &SourceFile,
    case: &Case,
    n: usize,
    label: &str,
    out: &mut Vec<Diagnostic>,
) {
    let steps = case.steps();
    let step = &steps[n];
    for relation in &step.expect.relations {
        for name in relation.names() {
            let wanted = name.value.as_str();
            let carrying: Vec<usize> = steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.name.as_deref() == Some(wanted))
                .map(|(i, _)| i)
                .collect();
            let what = format!("{label}: `{}: {wanted}`", relation.as_str());
            let diagnostic = match carrying.as_slice() {
                [] => {
                    let earlier: Vec<&str> =
                        steps[..n].iter().filter_map(|s| s.name.as_deref()).collect();
                    let help = match closest(&earlier, wanted) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "give an earlier walk step of this case that `name`, or name one of its earlier walk steps here".to_string(),
                    };
                    Some(
                        Diagnostic::spanned(
                            file,
                            name,
                            format!("{what} names no step of this case"),
                        )
                        .help(help),
                    )
                }
                [_, _, ..] => Some(
                    Diagnostic::spanned(
                        file,
                        name,
                        format!(
                            "{what} is ambiguous: {} steps of this case are named {wanted:?}",
                            carrying.len()
                        ),
                    )
                    .help("give each step a name of its own; a relation compares with exactly one earlier step"),
                ),
                [at] if *at >= n => Some(
                    Diagnostic::spanned(
                        file,
                        name,
                        if *at == n {
                            format!("{what} names this very step")
                        } else {
                            format!("{what} names a later step")
                        },
                    )
                    .help("a relation compares with a listing walked before this step: move the step it names above this one"),
                ),
                [_] => None,
            };
            out.extend(diagnostic);
        }
        if let Relation::ReversedFrom(name) = relation
            && let Some(missing) = missing_sort_criteria(step)
        {
            out.push(
                Diagnostic::spanned(
                    file,
                    name,
                    format!("{label}: `reversed_from` needs the request to set sortCriteria, but it {missing}"),
                )
                .help("set both members, for example `sortCriteria: {attributeName: createdAt, orderBy: DESC}`: the relation compares the listings by that attribute"),
            );
        }
    }
}

/// What the step's request lacks of a complete `sortCriteria`, when its
/// body can be read before the run: not when it is built from `${...}`
/// values, which are known only then.
fn missing_sort_criteria(step: &Step) -> Option<&'static str> {
    let body = step.request.json_body()?;
    let mut templated = false;
    walk_strings(&body, &mut |s| templated |= s.contains("${"));
    if templated || step.request.raw.as_ref().is_some_and(|r| r.contains("${")) {
        return None;
    }
    let Some(sort) = body.get("sortCriteria") else {
        return Some("sets none");
    };
    match (sort.get("attributeName"), sort.get("orderBy")) {
        (Some(_), Some(_)) => None,
        (None, Some(_)) => Some("sets no attributeName"),
        (Some(_), None) => Some("sets no orderBy"),
        (None, None) => Some("sets neither attributeName nor orderBy"),
    }
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
        let close = closest(&known, &schema.value)
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
    if step.walk.is_none()
        && let Some(relation) = expect.relations.first()
        && let Some(name) = relation.names().first()
    {
        out.push(
            Diagnostic::spanned(
                file,
                name,
                format!("{label}: `relations` only apply to a page walk"),
            )
            .help("relations compare this step's whole listing: add `walk: {}` to this step"),
        );
    }
    for alternative in &expect.any_of {
        check_expect(file, case, label, step, alternative, schemas, out);
    }
}

/// A `${var}` that is neither a variable of the run nor captured by an
/// earlier step: the names that are defined, and the nearest of them.
fn undefined_variable(
    file: &SourceFile,
    case: &Case,
    label: &str,
    var: &str,
    captured: &BTreeSet<String>,
    variables: &super::Known,
) -> Diagnostic {
    let message = format!(
        "{label}: `${{{var}}}` is not a defined variable, and no earlier step captures `{var}`"
    );
    let id_line = case.id.referenced.line() as usize;
    let d = match placeholder_in_case(&file.text, id_line, var) {
        Some((line, column)) => Diagnostic::at(file, line, column, message),
        None => Diagnostic::spanned(file, &case.id, message),
    };
    let d = if variables.is_empty() {
        d.note("no variables are defined for this run")
    } else {
        let names: Vec<&str> = variables.iter().map(String::as_str).collect();
        d.note(format!("defined variables: {}", names.join(", ")))
    };
    let known: Vec<&str> = variables
        .iter()
        .chain(captured.iter())
        .map(String::as_str)
        .collect();
    match closest(&known, var) {
        Some(near) => d.help(format!("did you mean `${{{near}}}`?")),
        None => d.help(format!(
            "define it ({}), or add `capture: {{{var}: JSONPATH}}` to an earlier step",
            variables.words.define_variable(var)
        )),
    }
}

/// Where `${var}` first stands in the case whose `id` is on 1-based line
/// `id_line`, as (line, column), both 1-based. The case is the list item
/// around that line: from its `- ` line to the next line indented less
/// than its keys. `None` when the text does not show it there (a value
/// spelled across lines, say); the caller then points at the case's id.
fn placeholder_in_case(text: &str, id_line: usize, var: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let id_at = id_line.checked_sub(1)?;
    let indent = |l: &str| l.len() - l.trim_start().len();
    let blank = |l: &str| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with('#')
    };
    let keys = {
        let line = lines.get(id_at)?;
        // `- id: x` puts the key after the dash.
        let trimmed = line.trim_start();
        indent(line) + if trimmed.starts_with("- ") { 2 } else { 0 }
    };
    let inside = |l: &str| blank(l) || indent(l) >= keys;
    let item = |l: &str| indent(l) + 2 == keys && l.trim_start().starts_with("- ");
    let mut start = id_at;
    while !item(lines[start]) && start > 0 && (inside(lines[start - 1]) || item(lines[start - 1])) {
        start -= 1;
    }
    let end = (start + 1..lines.len())
        .find(|&i| !inside(lines[i]))
        .unwrap_or(lines.len());
    let needle = format!("${{{var}}}");
    (start..end).find_map(|i| {
        let at = lines[i].find(&needle)?;
        Some((i + 1, lines[i][..at].chars().count() + 1))
    })
}

/// The known name nearest to `typo`, ignoring ASCII case, if it is near
/// enough (at most 3 edits) to be what was meant. The first of equally
/// near names wins, so the hint depends on nothing but the list.
fn closest<'a>(known: &[&'a str], typo: &str) -> Option<&'a str> {
    let typo = typo.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (strsim::levenshtein(&k.to_ascii_lowercase(), &typo), *k))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= 3)
        .map(|(_, k)| k)
}

const JSON_TYPES: &[&str] = &[
    "null", "boolean", "number", "integer", "string", "array", "object",
];

/// Variables a step's request refers to as `${name}`.
/// The variables a step's request refers to.
pub fn variables_used(step: &Step) -> BTreeSet<String> {
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

pub(super) fn duplicate_ids(
    suite: &Suite,
    files: &[SourceFile],
    words: crate::engine::words::Vocabulary,
) -> Vec<Diagnostic> {
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
                    .help(format!(
                        "ids must be unique across the suite (the built-in cases and every {}); rename one of them",
                        words.name(crate::engine::words::Setting::CasesFolder)
                    )),
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
pub(super) fn snapshot_collisions(suite: &Suite, files: &[SourceFile]) -> Vec<Diagnostic> {
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

    #[test]
    fn did_you_mean_takes_the_nearest_name_within_three_edits() {
        let known = ["JobSummary", "JobStatus", "JobType"];
        assert_eq!(closest(&known, "JobSumary"), Some("JobSummary"));
        assert_eq!(closest(&known, "jobsummary"), Some("JobSummary"));
        assert_eq!(closest(&known, "JobStatuses"), Some("JobStatus"));
        assert_eq!(closest(&known, "Criteria"), None);
        assert_eq!(closest(&[], "JobSummary"), None);
    }

    #[test]
    fn an_undefined_placeholder_is_found_in_its_own_case() {
        let text = "cases:\n  - id: a\n    request: {path: \"/x/${v}\"}\n  - level: must\n    request:\n      headers: {h: \"${v}\"}\n    id: b\n  - id: c\n";
        // Case a: on its own request line.
        assert_eq!(placeholder_in_case(text, 2, "v"), Some((3, 25)));
        // Case b: its id comes last, the use is above it, not in case a.
        assert_eq!(placeholder_in_case(text, 7, "v"), Some((6, 21)));
        // Case c does not use it: the caller falls back to the id.
        assert_eq!(placeholder_in_case(text, 8, "v"), None);
        assert_eq!(placeholder_in_case(text, 0, "v"), None);
        assert_eq!(placeholder_in_case(text, 99, "v"), None);
    }

    #[test]
    fn placeholders_are_the_names_inside_dollar_braces() {
        assert_eq!(placeholders("/jobs/${a}?t=${b}"), ["a", "b"]);
        assert_eq!(placeholders("${unclosed"), Vec::<String>::new());
        assert_eq!(placeholders("no variables"), Vec::<String>::new());
    }
}
