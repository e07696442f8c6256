//! The published schema of the case format (`schemas/case.schema.json`):
//! it is a valid draft 2020-12 schema that needs no network, it describes
//! every member, it accepts every case file of the suite, and it judges
//! case files as the loader (`engine::load`) does, apart from the rules
//! listed in [`Verdict`].

use macie_conform::engine::case::{Level, Semantic};
use macie_conform::engine::load::{SourceFile, load};
use macie_conform::model::ErrorKind;
use macie_conform::schema::SchemaSet;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    let path = root().join("schemas/case.schema.json");
    let text = std::fs::read_to_string(&path).expect("schemas/case.schema.json");
    serde_json::from_str(&text).expect("schemas/case.schema.json is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema())
        .unwrap_or_else(|e| panic!("schemas/case.schema.json does not compile: {e}"))
}

/// Reads YAML as the loader and YAML 1.2 editors do: only `true` and
/// `false` are booleans.
fn yaml(text: &str) -> Result<Value, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, serde_saphyr::options! { strict_booleans: true })
}

/// Every violation as `instance path: message`; empty when the text is a
/// valid case file.
fn schema_errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    let value: Value = match yaml(text) {
        Ok(value) => value,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    v.iter_errors(&value)
        .map(|e| {
            let at = e.instance_path().to_string();
            format!("{}: {e}", if at.is_empty() { "/" } else { &at })
        })
        .collect()
}

fn loader_errors(name: &str, text: &str) -> Vec<String> {
    let schemas = SchemaSet::embedded().expect("embedded schemas");
    let file = SourceFile {
        name: name.into(),
        text: text.into(),
    };
    match load(&[file], schemas) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.iter().map(|d| d.message.clone()).collect(),
    }
}

/// Case files under `dir`, found as the runner finds them: `.yaml` and
/// `.yml`, not the requirements catalogue, nothing under `fixtures/`.
fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "fixtures") {
                case_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path
                .file_name()
                .is_some_and(|n| n != macie_conform::runner::REQUIREMENTS_FILE)
        {
            out.push(path);
        }
    }
}

/// Calls `f` with every subschema of `value` and its JSON pointer.
fn visit(value: &Value, at: &str, f: &mut impl FnMut(&str, &Value)) {
    f(at, value);
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                visit(member, &format!("{at}/{key}"), f);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                visit(item, &format!("{at}/{i}"), f);
            }
        }
        _ => {}
    }
}

/// The `properties` of every object schema that declares members (with
/// their JSON pointers); constraint subschemas (under `allOf`, `not`, `if`
/// ...) restate members without `type` and are left out.
fn declarations(schema: &Value) -> Vec<(String, &serde_json::Map<String, Value>)> {
    let mut out = Vec::new();
    collect_declarations(schema, String::new(), &mut out);
    out
}

fn collect_declarations<'a>(
    value: &'a Value,
    at: String,
    out: &mut Vec<(String, &'a serde_json::Map<String, Value>)>,
) {
    match value {
        Value::Object(members) => {
            if value["type"] == "object"
                && let Some(properties) = members.get("properties").and_then(Value::as_object)
            {
                out.push((format!("{at}/properties"), properties));
            }
            for (key, member) in members {
                collect_declarations(member, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_declarations(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn the_schema_is_valid_draft_2020_12_and_self_contained() {
    let schema = schema();
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("not a valid draft 2020-12 schema: {e}");
    }
    assert_eq!(schema["$schema"], DRAFT_2020_12);
    // Compiling with formats on; the crate is built without an HTTP
    // retriever, so a remote reference would fail here too.
    validator();
    visit(&schema, "", &mut |at, node| {
        if let Some(id) = node.get("$id").and_then(Value::as_str) {
            assert!(!id.contains("://"), "{at}: absolute $id {id:?}");
        }
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            assert!(
                r.starts_with("#/$defs/"),
                "{at}: $ref {r:?} leaves the file"
            );
            let target = r.trim_start_matches("#/$defs/");
            assert!(
                schema["$defs"].get(target).is_some(),
                "{at}: $ref {r:?} names no definition"
            );
        }
    });
}

#[test]
fn every_member_and_definition_has_a_description() {
    let schema = schema();
    let mut missing = Vec::new();
    let described = |v: &Value| {
        v.get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.trim().len() > 5)
    };
    for (at, members) in declarations(&schema) {
        for (name, member) in members {
            if !described(member) {
                missing.push(format!("{at}/{name}"));
            }
        }
    }
    for (name, def) in schema["$defs"].as_object().expect("$defs") {
        if !described(def) {
            missing.push(format!("/$defs/{name}"));
        }
    }
    assert!(described(&schema), "the schema has no description");
    assert!(missing.is_empty(), "no description: {missing:#?}");
}

/// The enumerations of the schema are the names the code knows.
#[test]
fn the_schema_enums_match_the_code() {
    let schema = schema();
    let defs = &schema["$defs"];
    let expect = &defs["expect"]["properties"];

    let errors: BTreeSet<String> = ErrorKind::ALL.iter().map(|k| k.as_str().into()).collect();
    assert_eq!(strings(&expect["error"]["enum"]), errors, "error");
    // error implies its status: one rule per error, with the right code.
    for kind in ErrorKind::ALL {
        let rule = expect_rule(defs, kind.as_str());
        assert_eq!(
            rule["then"]["properties"]["status"]["anyOf"][0]["const"],
            kind.status(),
            "status rule of {kind}"
        );
    }

    let mut shapes: BTreeSet<String> = SchemaSet::embedded()
        .expect("embedded schemas")
        .names()
        .map(String::from)
        .collect();
    shapes.insert("none".into());
    assert_eq!(strings(&expect["schema"]["enum"]), shapes, "schema");

    let levels: BTreeSet<String> = Level::ALL.iter().map(|l| l.as_str().into()).collect();
    assert_eq!(
        strings(&defs["case"]["properties"]["level"]["enum"]),
        levels,
        "level"
    );

    let semantics = strings(&expect["semantics"]["items"]["enum"]);
    assert_eq!(semantics.len(), 5, "semantics");
    for name in &semantics {
        let parsed: Semantic = serde_json::from_value(Value::String(name.clone()))
            .unwrap_or_else(|e| panic!("semantic {name:?} is not a Semantic: {e}"));
        assert_eq!(parsed.as_str(), name);
    }

    // The JSON types: every one the schema lists loads, in both places.
    let types = strings(&defs["node_check"]["properties"]["type"]["enum"]);
    assert_eq!(
        types,
        strings(&defs["path_assertion"]["properties"]["type"]["enum"])
    );
    assert_eq!(types.len(), 7, "JSON types");
    for t in &types {
        let text = case(&format!(
            "request: {{}}\nexpect: {{jsonpath: [{{path: $.a, type: {t}, each: {{type: {t}}}}}]}}"
        ));
        let errors = loader_errors("types.yaml", &text);
        assert!(errors.is_empty(), "type {t}: {errors:?}");
    }
}

fn expect_rule<'a>(defs: &'a Value, error: &str) -> &'a Value {
    defs["expect"]["allOf"]
        .as_array()
        .expect("expect allOf")
        .iter()
        .find(|r| r["if"]["properties"]["error"]["const"] == error)
        .unwrap_or_else(|| panic!("no status rule for {error}"))
}

#[test]
fn every_case_file_of_the_suite_matches_the_schema() {
    let v = validator();
    let mut files = Vec::new();
    case_files(&root().join("cases"), &mut files);
    files.sort();
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable case file");
        let name = file.strip_prefix(root()).unwrap_or(file).display();
        for error in schema_errors(&v, &text) {
            failures.push(format!("{name}: {error}"));
        }
    }
    // No case files yet is fine; every file there is must match.
    assert!(
        failures.is_empty(),
        "case files the schema refuses:\n{}",
        failures.join("\n")
    );
}

/// `tests/data/case-schema/every-member.yaml` uses every member the schema
/// declares; the loader and the schema both accept it, so the schema
/// declares no member the loader would refuse.
#[test]
fn a_file_with_every_member_is_accepted_by_both() {
    let path = root().join("tests/data/case-schema/every-member.yaml");
    let text = std::fs::read_to_string(&path).expect("every-member.yaml");
    let errors = schema_errors(&validator(), &text);
    assert!(errors.is_empty(), "schema: {errors:#?}");
    let errors = loader_errors("every-member.yaml", &text);
    assert!(errors.is_empty(), "loader: {errors:#?}");

    let schema = schema();
    let declared: BTreeSet<String> = declarations(&schema)
        .into_iter()
        .flat_map(|(_, members)| members.keys().cloned())
        .collect();
    let value: Value = yaml(&text).expect("YAML");
    let mut used = BTreeSet::new();
    visit(&value, "", &mut |at, node| {
        // Member names of the format, not of JSON values written in it.
        let inside_data = ["/body", "/body_subset", "/equals", "/one_of", "/contains"]
            .iter()
            .any(|d| at.contains(d))
            || at.ends_with("/headers")
            || at.ends_with("/capture");
        if !inside_data && let Some(members) = node.as_object() {
            used.extend(members.keys().cloned());
        }
    });
    let unused: Vec<_> = declared.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "every-member.yaml does not use {unused:?}"
    );
}

/// How the schema and the loader judge a snippet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Both accept it.
    Valid,
    /// Both refuse it.
    Invalid,
    /// Only the loader refuses it: a rule a JSON Schema cannot state.
    /// These are: case ids unique across files; `${name}` used only after
    /// an earlier step captures `name`; JSONPath queries that parse (the
    /// schema only asks that they start with `$`); status codes written
    /// as integral floats (`200.0`, an integer for JSON Schema); two steps
    /// that write the same snapshot file; the step a relation names being
    /// an earlier walk of the case that alone carries that name; and
    /// `reversed_from` on a request without a complete sortCriteria.
    LoaderOnly,
    /// Only the schema refuses it: the schema is stricter on purpose, so
    /// editors point at mistakes the loader lets through. These are:
    /// requirement ids not shaped like `LCJ-SORT-003` (the loader checks them only
    /// against the catalogue); scalars of the wrong YAML
    /// type that the loader converts (`id: 123`, `fixture: "true"`); and
    /// an explicit `null` for an optional object (`walk: ~`).
    SchemaOnly,
}

use Verdict::{Invalid, LoaderOnly, SchemaOnly, Valid};

/// A one-case file: id `a`, level `must`, and `body` (YAML, unindented)
/// as the rest of the case.
fn case(body: &str) -> String {
    let mut text = String::from("cases:\n  - id: a\n    verifies: x\n    level: must\n");
    for line in body.lines() {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[test]
fn the_schema_and_the_loader_agree() {
    let rows: Vec<(&str, Verdict, String)> = vec![
        // The case itself.
        ("minimal single request", Valid, case("request: {}\nexpect: {status: 200}")),
        ("expect alone", Valid, case("expect: {status: 200}")),
        ("request without expect", Invalid, case("request: {}")),
        ("empty expect", Invalid, case("request: {}\nexpect: {}")),
        (
            "expect whose members check nothing",
            Invalid,
            case("request: {}\nexpect: {oracle: false, snapshot: false, headers: {}, jsonpath: [], semantics: []}"),
        ),
        ("expect with only a schema", Valid, case("request: {}\nexpect: {schema: JobSummary}")),
        ("expect with only a body", Valid, case("request: {}\nexpect: {body: ~}")),
        ("expect with only a header", Valid, case("request: {}\nexpect: {headers: {x-a: {present: true}}}")),
        (
            "no request at all",
            Invalid,
            "cases:\n  - id: a\n    verifies: x\n    level: must\n".into(),
        ),
        (
            "missing level",
            Invalid,
            "cases:\n  - id: a\n    verifies: x\n    request: {}\n".into(),
        ),
        (
            "level sometimes",
            Invalid,
            "cases:\n  - id: a\n    verifies: x\n    level: sometimes\n    request: {}\n".into(),
        ),
        (
            "levels should and info",
            Valid,
            "cases:\n  - id: a\n    verifies: x\n    level: should\n    expect: {status: 200}\n  - id: b\n    verifies: z\n    level: info\n    expect: {status: 200}\n".into(),
        ),
        (
            "bad id characters",
            Invalid,
            "cases:\n  - id: a b/c\n    verifies: x\n    level: must\n    request: {}\n".into(),
        ),
        (
            "empty id",
            Invalid,
            "cases:\n  - id: ''\n    verifies: x\n    level: must\n    request: {}\n".into(),
        ),
        (
            "blank verifies",
            Invalid,
            "cases:\n  - id: a\n    verifies: '  '\n    level: must\n    request: {}\n".into(),
        ),
        (
            "unknown member of a case",
            Invalid,
            case("request: {}\nrequirement: [LCJ-SORT-003]"),
        ),
        (
            "requirements, tags, fixture, faults",
            Valid,
            case("requirements: [LCJ-SORT-003, LCJ-REQ-001]\ntags: [sort]\nfixture: true\nfaults: false\nrequest: {}\nexpect: {status: 200}"),
        ),
        (
            "duplicate id in one file",
            LoaderOnly,
            "cases:\n  - id: a\n    verifies: x\n    level: must\n    expect: {status: 200}\n  - id: a\n    verifies: z\n    level: must\n    expect: {status: 200}\n".into(),
        ),
        // Request.
        (
            "request with every member",
            Valid,
            case("request: {method: GET, path: /jobs/list, headers: {x-a: b}, body: {maxResults: 1}}\nexpect: {status: 405, schema: none}"),
        ),
        ("body and raw both", Invalid, case("request: {body: {}, raw: \"{}\"}")),
        ("null body and raw", Invalid, case("request: {body: ~, raw: \"{\"}")),
        ("raw alone", Valid, case("request: {raw: \"{\\\"maxResults\\\": \"}\nexpect: {status: 400}")),
        ("unknown member of a request", Invalid, case("request: {bdoy: {}}")),
        ("method that is a token", Valid, case("request: {method: M-SEARCH}\nexpect: {status: 405}")),
        ("method with a space", Invalid, case("request: {method: GE T}\nexpect: {status: 405}")),
        ("method with a slash", Invalid, case("request: {method: \"GET/1\"}\nexpect: {status: 405}")),
        ("empty method", Invalid, case("request: {method: ''}\nexpect: {status: 405}")),
        ("path with a query", Valid, case("request: {path: /jobs/list?a=b}\nexpect: {status: 200}")),
        ("absolute URL as path", Invalid, case("request: {path: \"http://example.com/jobs/list\"}\nexpect: {status: 200}")),
        ("protocol-relative URL as path", Valid, case("request: {path: //jobs/list}\nexpect: {status: 404}")),
        ("path without a leading slash", Invalid, case("request: {path: jobs/list}\nexpect: {status: 200}")),
        // Expect.
        ("unknown member in expect", Invalid, case("request: {}\nexpect:\n  stauts: 200")),
        ("status as a string", Invalid, case("request: {}\nexpect: {status: \"200\"}")),
        ("status list", Valid, case("request: {}\nexpect: {status: [200, 400]}")),
        ("status 999", Invalid, case("request: {}\nexpect: {status: 999}")),
        ("status 99", Invalid, case("request: {}\nexpect: {status: 99}")),
        ("status 100 and 599", Valid, case("request: {}\nexpect: {status: [100, 599]}")),
        ("status 600 in a list", Invalid, case("request: {}\nexpect: {status: [200, 600]}")),
        ("status 0 in an alternative", Invalid, case("request: {}\nexpect: {any_of: [{status: 200}, {status: 0}]}")),
        ("empty status list", Invalid, case("request: {}\nexpect: {status: []}")),
        ("status as a float", LoaderOnly, case("request: {}\nexpect: {status: 200.0}")),
        ("error", Valid, case("request: {}\nexpect: {error: ThrottlingException}")),
        ("unknown error", Invalid, case("request: {}\nexpect: {error: TeapotException}")),
        (
            "error with its status among others",
            Valid,
            case("request: {}\nexpect: {status: [200, 400], error: ValidationException}"),
        ),
        (
            "error with another status",
            Invalid,
            case("request: {}\nexpect: {status: 200, error: ValidationException}"),
        ),
        ("schema by shape name", Valid, case("request: {}\nexpect: {schema: JobSummary}")),
        ("schema none", Valid, case("request: {}\nexpect: {schema: none}")),
        ("misspelt schema", Invalid, case("request: {}\nexpect: {schema: JobSumary}")),
        (
            "body, body_subset, snapshot, headers",
            Valid,
            case("request: {}\nexpect:\n  body: ~\n  body_subset: {items: []}\n  snapshot: true\n  headers: {content-type: {present: true, equals: application/json, contains: json}}"),
        ),
        (
            "unknown member of a header check",
            Invalid,
            case("request: {}\nexpect: {headers: {content-type: {contains: json, colour: red}}}"),
        ),
        ("semantics", Valid, case("request: {}\nexpect: {semantics: [filter, sort, page_size]}")),
        ("unknown semantic", Invalid, case("request: {}\nexpect: {semantics: [everything]}")),
        ("complete without a walk", Invalid, case("request: {}\nexpect: {semantics: [complete]}")),
        ("oracle with fixture", Valid, case("fixture: true\nrequest: {}\nexpect: {oracle: true}")),
        ("oracle without fixture", Invalid, case("request: {}\nexpect: {oracle: true}")),
        (
            "any_of alternatives",
            Valid,
            case("request: {}\nexpect:\n  any_of:\n    - {status: 200, semantics: [page_size]}\n    - {error: ValidationException}"),
        ),
        ("empty any_of", Invalid, case("request: {}\nexpect: {status: 200, any_of: []}")),
        ("empty any_of in an alternative", Invalid, case("request: {}\nexpect: {any_of: [{status: 200, any_of: []}]}")),
        (
            "unknown member in an alternative",
            Invalid,
            case("request: {}\nexpect: {any_of: [{status: 200}, {eror: ValidationException}]}"),
        ),
        (
            "oracle in an alternative without fixture",
            Invalid,
            case("request: {}\nexpect: {any_of: [{oracle: true}]}"),
        ),
        // JSONPath assertions.
        (
            "jsonpath with each, count, type",
            Valid,
            case("request: {}\nexpect:\n  jsonpath:\n    - {path: $.items, type: array, length: {max: 5}}\n    - {path: \"$.items[*]\", count: {min: 1, max: 5}, each: {type: object}}\n    - {path: \"$.items[*].jobStatus\", each: {one_of: [RUNNING, COMPLETE]}}\n    - {path: $.nextToken, equals: ~}\n    - {path: $.items, exists: true, count: 0, contains: {}}"),
        ),
        ("unknown JSON type", Invalid, case("request: {}\nexpect: {jsonpath: [{path: $.items, type: list}]}")),
        ("unknown JSON type in each", Invalid, case("request: {}\nexpect: {jsonpath: [{path: $.items, each: {type: list}}]}")),
        ("assertion that checks nothing", Invalid, case("request: {}\nexpect: {jsonpath: [{path: $.items}]}")),
        ("path without $", Invalid, case("request: {}\nexpect: {jsonpath: [{path: items, exists: true}]}")),
        ("path that does not parse", LoaderOnly, case("request: {}\nexpect: {jsonpath: [{path: \"$.items[\", exists: true}]}")),
        ("negative count", Invalid, case("request: {}\nexpect: {jsonpath: [{path: $.a, count: -1}]}")),
        ("misspelt range bound", Invalid, case("request: {}\nexpect: {jsonpath: [{path: $.a, count: {mni: 1}}]}")),
        // Steps.
        (
            "steps with capture and ${token}",
            Valid,
            case("steps:\n  - name: first\n    request: {body: {maxResults: 2}}\n    expect: {status: 200}\n    capture: {token: $.nextToken}\n  - request: {body: {nextToken: \"${token}\"}, headers: {x-t: \"${token}\"}}\n    expect: {status: 200}"),
        ),
        (
            "a step without expect",
            Invalid,
            case("steps:\n  - request: {}\n    expect: {status: 200}\n  - request: {}"),
        ),
        (
            "${token} never captured",
            LoaderOnly,
            case("steps:\n  - request: {body: {nextToken: \"${token}\"}}\n    expect: {status: 200}"),
        ),
        (
            "capture that is not JSONPath",
            Invalid,
            case("steps:\n  - request: {}\n    capture: {token: nextToken}"),
        ),
        (
            "walk with max_pages",
            Valid,
            case("steps:\n  - walk: {max_pages: 5}\n    expect: {semantics: [no_duplicates, complete, page_size]}"),
        ),
        ("walk with defaults", Valid, case("steps:\n  - walk: {}\n    expect: {semantics: [no_duplicates]}")),
        ("walk without expect", Invalid, case("steps:\n  - walk: {}")),
        ("walk with max_pages 0", Invalid, case("steps:\n  - walk: {max_pages: 0}\n    expect: {status: 200}")),
        ("unknown member of walk", Invalid, case("steps:\n  - walk: {pages: 3}\n    expect: {status: 200}")),
        (
            "two snapshot steps of one case",
            Valid,
            case("steps:\n  - walk: {}\n    expect: {snapshot: true}\n  - walk: {}\n    expect: {snapshot: true}"),
        ),
        (
            "step snapshot colliding with a case's",
            LoaderOnly,
            "cases:\n  - id: coll.a\n    verifies: x\n    level: must\n    steps:\n      - expect: {snapshot: true}\n      - expect: {status: 200}\n  - id: coll.a.1\n    verifies: y\n    level: must\n    expect: {snapshot: true}\n".into(),
        ),
        (
            "same names, only one snapshot",
            Valid,
            "cases:\n  - id: coll.a\n    verifies: x\n    level: must\n    steps:\n      - expect: {snapshot: true}\n      - expect: {status: 200}\n  - id: coll.a.1\n    verifies: y\n    level: must\n    expect: {status: 200}\n".into(),
        ),
        (
            "no_duplicates on a step without a walk",
            Invalid,
            case("steps:\n  - expect: {any_of: [{semantics: [no_duplicates]}]}"),
        ),
        ("request and steps both", Invalid, case("request: {}\nsteps:\n  - request: {}")),
        ("expect and steps both", Invalid, case("expect: {}\nsteps:\n  - request: {}")),
        ("request and empty steps", Valid, case("request: {}\nexpect: {status: 200}\nsteps: []")),
        ("request, no expect and empty steps", Invalid, case("request: {}\nsteps: []")),
        ("only empty steps", Invalid, case("steps: []")),
        ("unknown member of a step", Invalid, case("steps:\n  - requets: {}")),
        // Stricter on purpose (see Verdict::SchemaOnly).
        ("requirement id of the wrong shape", SchemaOnly, case("requirements: [sort-3]\nexpect: {status: 200}")),
        (
            "numeric id",
            SchemaOnly,
            "cases:\n  - id: 123\n    verifies: x\n    level: must\n    expect: {status: 200}\n".into(),
        ),
        ("fixture as a string", SchemaOnly, case("fixture: \"true\"\nexpect: {status: 200}")),
        ("null walk", SchemaOnly, case("steps:\n  - walk: ~\n    expect: {status: 200}")),
        // What a case needs of the data.
        ("requires min_jobs", Valid, case("requires: {min_jobs: 4}\nexpect: {status: 200}")),
        ("requires nothing", Valid, case("requires: {}\nexpect: {status: 200}")),
        ("requires min_jobs above what a run counts", Invalid, case("requires: {min_jobs: 101}\nexpect: {status: 200}")),
        ("requires min_jobs negative", Invalid, case("requires: {min_jobs: -1}\nexpect: {status: 200}")),
        ("requires a misspelt member", Invalid, case("requires: {min_job: 4}\nexpect: {status: 200}")),
        // A walk the target may refuse.
        ("walk may_refuse", Valid, case("steps:\n  - walk: {may_refuse: true}\n    expect: {status: 200}")),
        ("walk may_refuse as text", Invalid, case("steps:\n  - walk: {may_refuse: sometimes}\n    expect: {status: 200}")),
        // Relations between the walks of a case.
        (
            "relations between walks",
            Valid,
            case("steps:\n  - name: a\n    walk: {}\n    expect: {status: 200}\n  - name: b\n    walk: {}\n    expect: {relations: [{subset_of: a}, {disjoint_from: a}]}\n  - walk: {}\n    expect: {relations: [{complement_of: {all: a, part: b}}]}"),
        ),
        (
            "relations on a request step",
            Invalid,
            case("steps:\n  - name: a\n    walk: {}\n    expect: {status: 200}\n  - expect: {relations: [{subset_of: a}]}"),
        ),
        ("relations in a one-request case", Invalid, case("request: {}\nexpect: {relations: [{subset_of: a}]}")),
        (
            "unknown relation",
            Invalid,
            case("steps:\n  - name: a\n    walk: {}\n    expect: {status: 200}\n  - walk: {}\n    expect: {relations: [{subset: a}]}"),
        ),
        (
            "two relations in one item",
            Invalid,
            case("steps:\n  - name: a\n    walk: {}\n    expect: {status: 200}\n  - walk: {}\n    expect: {relations: [{subset_of: a, superset_of: a}]}"),
        ),
        (
            "complement_of without part",
            Invalid,
            case("steps:\n  - name: a\n    walk: {}\n    expect: {status: 200}\n  - walk: {}\n    expect: {relations: [{complement_of: {all: a}}]}"),
        ),
        (
            "relation naming no step",
            LoaderOnly,
            case("steps:\n  - name: a\n    walk: {}\n    expect: {status: 200}\n  - walk: {}\n    expect: {relations: [{subset_of: b}]}"),
        ),
        (
            "reversed_from without sortCriteria",
            LoaderOnly,
            case("steps:\n  - name: a\n    walk: {}\n    expect: {status: 200}\n  - walk: {}\n    expect: {relations: [{reversed_from: a}]}"),
        ),
        // The file.
        ("no cases member", Invalid, "case: []\n".into()),
        ("no cases", Invalid, "cases: []\n".into()),
    ];

    let v = validator();
    let mut disagreements = Vec::new();
    for (name, verdict, text) in &rows {
        let by_schema = schema_errors(&v, text);
        let by_loader = loader_errors(&format!("{name}.yaml"), text);
        let got = match (by_schema.is_empty(), by_loader.is_empty()) {
            (true, true) => Valid,
            (false, false) => Invalid,
            (true, false) => LoaderOnly,
            (false, true) => SchemaOnly,
        };
        if got != *verdict {
            disagreements.push(format!(
                "{name}: expected {verdict:?}, got {got:?}\n  schema: {by_schema:?}\n  loader: {by_loader:?}\n{text}"
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} rows:\n\n{}",
        disagreements.len(),
        rows.len(),
        disagreements.join("\n")
    );
}
