//! A YAML file that does not parse into a case file (or the catalogue)
//! becomes one [`Diagnostic`]. The parser's error is sorted by its kind,
//! not by the wording of its message, and its message is taken without the
//! position and excerpt the parser would add: the diagnostic shows both.

use super::SourceFile;
use super::diagnostic::{Diagnostic, caret_span};
use crate::engine::case::HELP_SEPARATOR;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Budget, DefaultMessageFormatter, Error, Localizer, Location, MessageFormatter};
use std::borrow::Cow;

pub(super) fn parse_diagnostic(file: &SourceFile, e: &Error) -> Diagnostic {
    let (line, column) = e
        .location()
        .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
    let message = message(e);
    // Our own rules (crate::engine::case) fail with `what; help: how`, the
    // only way a serde error can carry two parts.
    if let Some((what, help)) = message.split_once(HELP_SEPARATOR) {
        return Diagnostic::at(file, line, column, what).help(help);
    }
    if let Some((what, help)) = in_case_terms(original(e), &value_at(file, line, column)) {
        return Diagnostic::at(file, line, column, what).help(help);
    }
    let d = Diagnostic::at(file, line, column, message.as_str());
    match original(e) {
        Error::SerdeUnknownField { .. } => d.help(
            "check the spelling; schemas/case.schema.json lists every member a case may have",
        ),
        Error::SerdeMissingField { .. } => {
            d.help("every case needs `id`, `verifies` and `level`, and `cases:` holds the list")
        }
        Error::SerdeUnknownVariant { .. } => {
            d.help("use one of the values the message lists, spelled exactly")
        }
        _ => d,
    }
}

/// The written value at a position, as the caret underlines it.
fn value_at(file: &SourceFile, line: usize, column: usize) -> String {
    line.checked_sub(1)
        .and_then(|i| file.text.lines().nth(i))
        .map(|l| l[caret_span(l, column)].to_string())
        .unwrap_or_default()
}

/// The parser's errors that would show its own internals (an options
/// struct, a budget's Rust debug output, an API to call, a Rust type name),
/// said in the case file's terms, with what to write instead.
fn in_case_terms(e: &Error, value: &str) -> Option<(String, String)> {
    const SPLIT: &str = "split the cases into several files; a large request body can be sent byte for byte with `raw:`";
    let (what, help) = match e {
        Error::Budget { breach, .. } => {
            let what = match breach {
                BudgetBreach::Depth { .. } => format!(
                    "the YAML nests more than {} levels deep",
                    Budget::default().max_depth
                ),
                BudgetBreach::Nodes { .. } => format!(
                    "the file holds more than {} YAML values (counting what aliases repeat)",
                    Budget::default().max_nodes
                ),
                BudgetBreach::Aliases { .. } => "the file uses too many aliases (`*name`)".into(),
                BudgetBreach::Anchors { .. } => "the file defines too many anchors (`&name`)".into(),
                BudgetBreach::ScalarBytes { .. } => "the file holds too much text".into(),
                BudgetBreach::Documents { .. } => "the file holds too many YAML documents".into(),
                _ => "the file is larger or more complex than a case file may be".into(),
            };
            let help = if matches!(breach, BudgetBreach::Depth { .. }) {
                "write the value flatter; a deeply nested request body can be sent byte for byte with `raw:`"
            } else {
                SPLIT
            };
            (what, help.to_string())
        }
        Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => (
            "aliases (`*name`) here repeat more values than a case file may hold".into(),
            "write the values out, or use fewer aliases of aliases".into(),
        ),
        Error::MultipleDocuments { .. } => (
            "a second YAML document starts here (after a `---` line)".into(),
            "a case file is one YAML document: put every case in its one `cases:` list and delete the `---`, or move the cases after it to a file of their own".into(),
        ),
        Error::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("`{k}` is written twice in the same mapping"),
                None => "a key is written twice in the same mapping".into(),
            },
            "keep one of them: YAML allows a key once in a mapping, and which value was meant cannot be guessed".into(),
        ),
        Error::InvalidBooleanStrict { .. } => (
            format!("`{value}` is not `true` or `false`"),
            "write `true` or `false`: case files are YAML 1.2, where `yes`, `no`, `on`, `off`, `1` and `0` are not booleans".into(),
        ),
        Error::InvalidScalar { ty, .. } => {
            let kind = kind_of(ty);
            (format!("`{value}` is not {kind}"), format!("write {kind} here, unquoted"))
        }
        Error::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | Error::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => {
            let kind = kind_of(expected);
            (
                format!("expected {kind}, found {}", found(unexpected)),
                format!("write {kind} here"),
            )
        }
        _ => return None,
    };
    Some((what, help))
}

/// What a Rust type (as serde names it in `expected`) is in a case file.
fn kind_of(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "a whole number of 0 or more (such as `3`)".into()
        }
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number (such as `3`)".into(),
        "f32" | "f64" => "a number (such as `1.5`)".into(),
        "bool" | "a boolean" => "`true` or `false`".into(),
        "a sequence" => "a list (`[a, b]` or `- ` lines)".into(),
        "a map" => "a mapping (`key: value` lines, or `{key: value}`)".into(),
        e if e.starts_with("struct ") => "a mapping (`key: value` lines, or `{key: value}`)".into(),
        e if e.starts_with("enum ") => "one of the values this member allows".into(),
        e => e.to_string(),
    }
}

/// What was found, as serde's `Unexpected` says it, in YAML terms.
fn found(unexpected: &str) -> String {
    match unexpected {
        "map" => "a mapping".into(),
        "sequence" => "a list".into(),
        "unit value" | "unit" => "nothing (null)".into(),
        u => u
            .strip_prefix("string ")
            .map_or_else(|| u.to_string(), |s| format!("the text {s}")),
    }
}

/// An alias to an anchor the text does not define.
pub(super) fn is_unknown_anchor(e: &Error) -> bool {
    matches!(original(e), Error::UnknownAnchor { .. })
}

/// The error itself, under the wrappers that add a source excerpt or the
/// place an alias was used.
fn original(mut e: &Error) -> &Error {
    while let Error::WithSnippet { error, .. } | Error::AliasError { error, .. } = e {
        e = error;
    }
    e
}

/// What is wrong, in the parser's words, without position or excerpt.
/// The parser's renderer still neutralises control characters that came
/// from the file.
fn message(e: &Error) -> String {
    let text = e.render_with_options(serde_saphyr::render_options! {
        formatter: &WithoutPosition,
        snippets: serde_saphyr::SnippetMode::Off,
    });
    let text = text.trim();
    if text.is_empty() {
        "invalid YAML".to_string()
    } else {
        text.to_string()
    }
}

/// The parser's default wording, minus the " at line L, column C" it would
/// attach.
struct WithoutPosition;

impl MessageFormatter for WithoutPosition {
    fn localizer(&self) -> &dyn Localizer {
        self
    }

    fn format_message<'a>(&self, err: &'a Error) -> Cow<'a, str> {
        DefaultMessageFormatter.format_message(err)
    }
}

impl Localizer for WithoutPosition {
    fn attach_location<'a>(&self, base: Cow<'a, str>, _: Location) -> Cow<'a, str> {
        base
    }

    fn alias_used_at(&self, _: Location) -> String {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // read only by the parser
    struct Doc {
        id: String,
        level: Lvl,
        #[serde(default)]
        n: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Lvl {
        Must,
    }

    /// Message, help, line and column of the diagnostic for `text`.
    fn diagnose(text: &str) -> (String, Option<String>, usize, usize) {
        let file = SourceFile {
            name: "t.yaml".into(),
            text: text.into(),
        };
        let e = serde_saphyr::from_str::<Doc>(text).expect_err("does not parse");
        let d = parse_diagnostic(&file, &e);
        (d.message, d.help, d.line, d.column)
    }

    #[test]
    fn an_unknown_field_asks_to_check_the_spelling() {
        let (message, help, line, column) = diagnose("id: a\nlevel: must\nlvl: 1\n");
        assert_eq!(message, "unknown field `lvl`, expected one of id, level, n");
        assert!(help.is_some_and(|h| h.starts_with("check the spelling")));
        assert_eq!((line, column), (3, 1));
    }

    #[test]
    fn a_missing_field_names_the_required_ones() {
        let (message, help, ..) = diagnose("level: must\n");
        assert_eq!(message, "missing field `id`");
        assert!(help.is_some_and(|h| h.starts_with("every case needs")));
    }

    #[test]
    fn an_unknown_variant_asks_for_a_listed_value() {
        let (message, help, line, column) = diagnose("id: a\nlevel: sometimes\n");
        assert!(
            message.starts_with("unknown variant `sometimes`"),
            "{message}"
        );
        assert!(help.is_some_and(|h| h.starts_with("use one of the values")));
        assert_eq!((line, column), (2, 8));
    }

    #[test]
    fn other_errors_keep_the_parsers_words_without_the_position() {
        let text = "id: a\n  level: must\n";
        let (message, help, line, _) = diagnose(text);
        assert!(
            message.starts_with("mapping values are not allowed in this context"),
            "{message}"
        );
        assert!(!message.contains("line "), "{message}");
        assert_eq!(help, None);
        assert!(line > 0);
    }

    #[test]
    fn errors_that_would_name_the_parsers_internals_are_said_in_case_terms() {
        for (text, expected, help) in [
            (
                "id: a\nlevel: must\nn: x\n",
                "`x` is not a whole number of 0 or more",
                "write a whole number",
            ),
            (
                "id: a\nid: b\nlevel: must\n",
                "`id` is written twice in the same mapping",
                "keep one of them",
            ),
            (
                "id: a\nlevel: must\n---\nid: b\n",
                "a second YAML document starts here",
                "a case file is one YAML document",
            ),
        ] {
            let (message, h, line, _) = diagnose(text);
            assert!(message.starts_with(expected), "{text:?}: {message}");
            assert!(h.is_some_and(|h| h.starts_with(help)), "{text:?}");
            assert!(line > 0, "{text:?}");
        }
    }

    #[test]
    fn our_own_rules_split_into_message_and_help() {
        #[derive(Debug)]
        struct Refuses;
        impl<'de> Deserialize<'de> for Refuses {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let _ = u32::deserialize(d)?;
                Err(serde::de::Error::custom(format!(
                    "too big{HELP_SEPARATOR}write less"
                )))
            }
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // read only by the parser
        struct Outer {
            x: Refuses,
        }
        let file = SourceFile {
            name: "t.yaml".into(),
            text: "x: 7\n".into(),
        };
        let e = serde_saphyr::from_str::<Outer>(&file.text).expect_err("refused");
        let d = parse_diagnostic(&file, &e);
        assert_eq!(d.message, "too big");
        assert_eq!(d.help.as_deref(), Some("write less"));
        assert_eq!(d.line, 1);
    }
}
