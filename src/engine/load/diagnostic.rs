//! The error a case file's author sees: what is wrong, where (file, line,
//! column), the line itself with a caret under the offending value, then
//! notes and help. Rendered by `annotate-snippets`, the renderer rustc and
//! cargo use, so it reads like a compiler error.

use super::SourceFile;
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use serde_saphyr::Spanned;
use std::fmt;
use std::ops::Range;

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
    pub(super) fn at(
        file: &SourceFile,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
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

    /// A problem found outside the YAML parser (a file that cannot be read
    /// or is not UTF-8), where there is no line of text to show.
    pub fn in_file(file: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            notes: Vec::new(),
            help: None,
            source_line: None,
        }
    }

    pub(super) fn spanned<T>(
        file: &SourceFile,
        span: &Spanned<T>,
        message: impl Into<String>,
    ) -> Self {
        Self::at(
            file,
            span.referenced.line() as usize,
            span.referenced.column() as usize,
            message,
        )
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(super) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The rustc-style text, ending with a newline; with ANSI colours when
    /// `styled` (the caller decides: a terminal, and `NO_COLOR` unset).
    pub fn render(&self, styled: bool) -> String {
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let title = Level::ERROR.primary_title(self.message.as_str());
        let group: Group<'_> = match (&self.source_line, self.line) {
            (Some(src), line) if line > 0 => title.element(
                Snippet::source(src.as_str())
                    .line_start(line)
                    .path(self.file.as_str())
                    .annotation(AnnotationKind::Primary.span(caret_span(src, self.column))),
            ),
            (None, line) if line > 0 => title.element(
                Origin::path(self.file.as_str())
                    .line(line)
                    // Shown as given: annotate-snippets does not add one.
                    .char_column(self.column),
            ),
            _ => title.element(Origin::path(self.file.as_str())),
        };
        let group = group
            .elements(self.notes.iter().map(|n| Level::NOTE.message(n.as_str())))
            .elements(self.help.iter().map(|h| Level::HELP.message(h.as_str())));
        let mut text = renderer.render(&[group]);
        text.push('\n');
        text
    }
}

/// The bytes of `line` to underline for a value at 1-based character
/// `column`: the parser gives a position, not a length, so the value runs
/// to the next blank or YAML flow indicator (`{status: 42}` closes right
/// after the value). At least one character; at the end of the line, the
/// empty span after it.
pub(super) fn caret_span(line: &str, column: usize) -> Range<usize> {
    let start = line
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let rest = &line[start..];
    // A `${name}` placeholder is one value, its closing brace included.
    let placeholder = rest
        .strip_prefix("${")
        .and_then(|after| after.find('}'))
        .map(|end| end + 3);
    let len = placeholder.unwrap_or_else(|| {
        rest.find(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | '}' | ']'))
            .unwrap_or(rest.len())
    });
    let len = if len == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        len
    };
    start..start + len
}

impl fmt::Display for Diagnostic {
    /// Plain text, as [`Diagnostic::render`] without colours.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            name: "cases/t.yaml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn the_caret_runs_to_the_end_of_the_value() {
        assert_eq!(caret_span("    level: sometimes", 12), 11..20);
        assert_eq!(caret_span("  - {status: 42}", 14), 13..15);
        assert_eq!(caret_span("  x: [a, b]", 7), 6..7);
        // One character at least, even on a delimiter.
        assert_eq!(caret_span("  a: b", 4), 3..4);
        // Past the end: an empty span after the line.
        assert_eq!(caret_span("cases: []", 10), 9..9);
        assert_eq!(caret_span("cases: []", 99), 9..9);
        // Columns count characters, spans are bytes.
        assert_eq!(caret_span("id: é-x y", 5), 4..8);
        // A placeholder runs to its closing brace, even inside a flow map.
        assert_eq!(caret_span("  body: {n: \"${page}\"}", 14), 13..20);
    }

    #[test]
    fn renders_like_rustc() {
        let d = Diagnostic::at(
            &file("cases:\n  - id: a\n    level: sometimes\n"),
            3,
            12,
            "unknown variant `sometimes`",
        )
        .note("a note")
        .help("use must, should or info");
        assert_eq!(
            d.to_string(),
            "error: unknown variant `sometimes`\n --> cases/t.yaml:3:12\n  |\n3 |     level: sometimes\n  |            ^^^^^^^^^\n  |\n  = note: a note\n  = help: use must, should or info\n"
        );
    }

    #[test]
    fn without_a_position_only_the_file_is_named() {
        let d = Diagnostic::at(&file("x"), 0, 0, "cannot read").help("fix it");
        assert_eq!(
            d.to_string(),
            "error: cannot read\n--> cases/t.yaml\n = help: fix it\n"
        );
    }

    #[test]
    fn without_the_line_the_position_is_still_one_based() {
        let d = Diagnostic::in_file("cases/t.yaml", 2, 12, "not UTF-8");
        assert!(d.to_string().contains("--> cases/t.yaml:2:12\n"), "{d}");
    }

    #[test]
    fn colours_only_when_asked() {
        let d = Diagnostic::at(&file("a: b\n"), 1, 4, "wrong");
        assert!(!d.render(false).contains('\u{1b}'));
        assert!(d.render(true).contains('\u{1b}'));
    }
}
