//! A YAML file that does not parse into a case file (or the catalogue)
//! becomes one [`Diagnostic`]. The parser's error is sorted by its kind,
//! not by the wording of its message, and its message is taken without the
//! position and excerpt the parser would add: the diagnostic shows both.

use super::SourceFile;
use super::diagnostic::Diagnostic;
use crate::engine::case::HELP_SEPARATOR;
use serde_saphyr::{DefaultMessageFormatter, Error, Localizer, Location, MessageFormatter};
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
        for (text, expected) in [
            ("id: a\nlevel: must\nn: x\n", "invalid u32"),
            (
                "id: a\n  level: must\n",
                "mapping values are not allowed in this context",
            ),
            ("id: a\nid: b\nlevel: must\n", "duplicate mapping key: id"),
        ] {
            let (message, help, line, _) = diagnose(text);
            assert!(message.starts_with(expected), "{text:?}: {message}");
            assert!(!message.contains("line "), "{message}");
            assert_eq!(help, None, "{text:?}");
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
