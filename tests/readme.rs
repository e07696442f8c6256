//! The README and the guide are part of the product: the README opens with
//! its two set-up commands and stays short, and the guide's case example
//! and cargo test example stay true (`tests/docs.rs` runs their commands).

use macie_conform::engine::load::{SourceFile, load};
use macie_conform::schema::SchemaSet;

fn readme() -> String {
    page("README.md")
}

fn page(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A newcomer reads it to the end: under about 150 lines, the rest is in
/// docs/.
#[test]
fn readme_is_short() {
    let lines = readme().lines().count();
    assert!(
        lines <= 150,
        "README.md has {lines} lines; move detail to docs/"
    );
}

/// The code blocks of a Markdown text, with their info strings.
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

#[test]
fn readme_opens_with_the_two_set_up_commands() {
    let text = readme();
    let (info, body) = blocks(&text)
        .into_iter()
        .next()
        .expect("a first code block");
    assert_eq!(info, "sh");
    let commands: Vec<&str> = body
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands, ["cargo run --release -- run", "cargo test"]);
    let before: String = text.split("```").next().unwrap_or("").to_string();
    assert!(
        before.lines().filter(|l| !l.trim().is_empty()).count() == 1,
        "only the title comes before the commands"
    );
}

#[test]
fn the_case_format_example_loads() {
    let text = page("docs/cases.md");
    let (_, yaml) = blocks(&text)
        .into_iter()
        .find(|(info, _)| info == "yaml")
        .expect("a YAML example");
    let schemas = SchemaSet::embedded().expect("schemas");
    let suite = load(
        &[SourceFile {
            name: "docs/cases.md".into(),
            text: yaml,
        }],
        schemas,
    )
    .unwrap_or_else(|d| panic!("{}", d.iter().map(ToString::to_string).collect::<String>()));
    assert_eq!(suite.cases.len(), 2);
}

#[test]
fn the_own_cargo_test_example_is_the_user_crate_test() {
    let text = page("docs/cargo-test.md");
    let (_, rust) = blocks(&text)
        .into_iter()
        .find(|(info, _)| info == "rust")
        .expect("a Rust example");
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/user-crate/tests/conformance.rs"
    ))
    .expect("tests/user-crate/tests/conformance.rs");
    assert_eq!(
        rust, file,
        "docs/cargo-test.md's example and tests/user-crate/tests/conformance.rs differ; change both"
    );
}
