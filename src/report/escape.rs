//! Target text made safe to show: control characters written as escapes.
//!
//! A target decides what its bodies, header values and error texts hold,
//! and they reach the terminal and every report through check messages,
//! details and reproductions. Written raw, an ESC can retitle a window or
//! recolour the run, a CR can overwrite the verdict line with a fake "ALL
//! PASSED", a NUL or a bidi override can hide or reorder what a reviewer
//! reads. Every renderer passes such text through [`line`] or [`block`]
//! at the moment it shows it, so the report model keeps what the target
//! sent and only what is displayed changes.

use std::borrow::Cow;

/// Whether `c` must never be shown as itself: C0 and C1 controls, DEL, the
/// Unicode line and paragraph separators (which some viewers treat as line
/// breaks), and the bidi embeddings, overrides and isolates (which reorder
/// the text around them, the "Trojan Source" trick).
pub(crate) fn is_dangerous(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// Text shown on one line: every dangerous character escaped, newlines and
/// tabs included, so target text cannot start a line of its own.
pub(crate) fn line(text: &str) -> Cow<'_, str> {
    escape(text, is_dangerous)
}

/// Text shown as a block of lines (a diff, a body, a detail): newlines and
/// tabs stay, since they are the block's layout; every other dangerous
/// character, CR included, is escaped.
pub(crate) fn block(text: &str) -> Cow<'_, str> {
    escape(text, |c| c != '\n' && c != '\t' && is_dangerous(c))
}

fn escape(text: &str, dangerous: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if dangerous(c) {
            out.push_str(&escaped(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The escape a reader recognises: `\n`, `\r`, `\t`, otherwise `\u001b`
/// (JSON's spelling, which the JSON report also uses).
fn escaped(c: char) -> String {
    match c {
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        c => format!("\\u{:04x}", c as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(line("plain é ✓"), Cow::Borrowed("plain é ✓")));
        assert_eq!(
            line("a\u{1b}]0;pwned\u{7}b\r\nALL PASSED\0"),
            "a\\u001b]0;pwned\\u0007b\\r\\nALL PASSED\\u0000"
        );
        assert_eq!(line("\u{85}\u{9b}31m"), "\\u0085\\u009b31m");
        assert_eq!(
            line("x\u{2028}y\u{202e}z\u{2066}"),
            "x\\u2028y\\u202ez\\u2066"
        );
    }

    #[test]
    fn a_block_keeps_its_lines_and_tabs_but_not_carriage_returns() {
        assert_eq!(block("a\n\tb\r\u{1b}[2J"), "a\n\tb\\r\\u001b[2J");
        assert_eq!(line("a\n\tb"), "a\\n\\tb");
    }
}
