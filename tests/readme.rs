//! The README is part of the product: its set-up commands and its case
//! example must stay true.

use macie_conform::engine::load::{SourceFile, load};
use macie_conform::schema::SchemaSet;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
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
    let text = readme();
    let section = text
        .split("## The case format")
        .nth(1)
        .expect("case format section");
    let (_, yaml) = blocks(section)
        .into_iter()
        .find(|(info, _)| info == "yaml")
        .expect("a YAML example");
    let schemas = SchemaSet::embedded().expect("schemas");
    let suite = load(
        &[SourceFile {
            name: "README.md".into(),
            text: yaml,
        }],
        schemas,
    )
    .unwrap_or_else(|d| panic!("{}", d.iter().map(ToString::to_string).collect::<String>()));
    assert_eq!(suite.cases.len(), 2);
}

#[test]
fn the_own_cargo_test_example_is_the_user_crate_test() {
    let text = readme();
    let section = text
        .split("## In your own cargo test")
        .nth(1)
        .expect("an \"In your own cargo test\" section");
    let (_, rust) = blocks(section)
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
        "the README's example and tests/user-crate/tests/conformance.rs differ; change both"
    );
}
