//! How a report is rendered: in colour or not, and which further headers
//! it hides. Every renderer takes it; only the terminal paints.

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Style {
    pub color: bool,
    /// Further header names (case-insensitive) to redact.
    pub redact: Vec<String>,
}

impl Style {
    /// `text` in the ANSI colour `code`, when colour is on.
    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn is_redacted(&self, header: &str) -> bool {
        super::is_secret(header, &self.redact)
    }
}
