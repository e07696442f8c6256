//! The published schema of the case format (`schemas/case.schema.json`)
//! accepts every case file of the suite and agrees with the loader.

use macie_conform::core::load::{SourceFile, load};
use macie_conform::schema::SchemaSet;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/case.schema.json"
    ))
    .expect("case.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("a valid 2020-12 schema")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml")
            && path.file_name().is_some_and(|n| n != "requirements.yaml")
        {
            out.push(path);
        }
    }
}

fn schema_accepts(v: &jsonschema::Validator, text: &str) -> Result<(), String> {
    let value: Value = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let errors: Vec<String> = v
        .iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

#[test]
fn every_case_file_of_the_suite_matches_the_schema() {
    let v = validator();
    let mut files = Vec::new();
    yaml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"),
        &mut files,
    );
    assert!(files.len() >= 5, "the suite has case files");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        if let Err(e) = schema_accepts(&v, &text) {
            panic!("{}:\n{e}", file.display());
        }
    }
}

#[test]
fn the_schema_and_the_loader_agree() {
    let v = validator();
    let head = "cases:\n  - id: a\n    verifies: x\n    level: must\n";
    // (case body, accepted?) — every row is judged by both.
    let rows: &[(&str, bool)] = &[
        ("    request: {}\n", true),
        (
            "    request: {body: {maxResults: 1}}\n    expect: {status: [200, 400], error: ValidationException}\n",
            true,
        ),
        ("    expect:\n      stauts: 200\n", false),
        ("    expect: {status: \"200\"}\n", false),
        ("    request: {}\n    expect: {schema: JobSumary}\n", false),
        ("    request: {}\n    expect: {schema: none}\n", true),
        (
            "    request: {}\n    expect: {error: TeapotException}\n",
            false,
        ),
        (
            "    request: {}\n    expect: {semantics: [filter, sort, page_size]}\n",
            true,
        ),
        (
            "    request: {}\n    expect: {semantics: [everything]}\n",
            false,
        ),
        (
            "    request: {}\n    expect: {jsonpath: [{path: $.items, each: {type: object}, count: {min: 1}}]}\n",
            true,
        ),
        (
            "    request: {}\n    expect: {jsonpath: [{path: $.items, type: list}]}\n",
            false,
        ),
        (
            "    request: {}\n    expect: {jsonpath: [{path: $.items}]}\n",
            false,
        ),
        (
            "    request: {}\n    expect: {any_of: [{status: 200}, {error: ValidationException}]}\n",
            true,
        ),
        (
            "    request: {}\n    expect: {headers: {content-type: {contains: json, colour: red}}}\n",
            false,
        ),
        (
            "    steps:\n      - request: {body: {maxResults: 2}}\n        capture: {t: $.nextToken}\n      - request: {body: {nextToken: \"${t}\"}}\n        walk: {max_pages: 5}\n",
            true,
        ),
        ("    steps:\n      - walk: {max_pages: 0}\n", false),
        ("    request: {body: {}, raw: \"{}\"}\n", false),
        ("    request: {}\n    steps:\n      - request: {}\n", false),
        (
            "    request: {method: GET, path: /jobs/list, headers: {x-a: b}}\n    expect: {status: 405, schema: none}\n",
            true,
        ),
    ];
    let schemas = SchemaSet::embedded().expect("schemas");
    for (body, accepted) in rows {
        let text = format!("{head}{body}");
        let by_schema = schema_accepts(&v, &text).is_ok();
        let by_loader = load(
            &[SourceFile {
                name: "t.yaml".into(),
                text: text.clone(),
            }],
            schemas,
        )
        .is_ok();
        assert_eq!(by_loader, *accepted, "loader on:\n{text}");
        assert_eq!(by_schema, *accepted, "schema on:\n{text}");
    }
    // Bad ids: the pattern is in the schema and in the loader.
    let bad_id = "cases:\n  - id: a b\n    verifies: x\n    level: must\n    request: {}\n";
    assert!(schema_accepts(&v, bad_id).is_err());
    assert!(
        load(
            &[SourceFile {
                name: "t.yaml".into(),
                text: bad_id.into()
            }],
            schemas
        )
        .is_err()
    );
}
