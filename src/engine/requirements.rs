//! The requirements catalogue (`cases/requirements.yaml`): one entry per
//! testable statement of the document, so every case can say which
//! statements it verifies and every statement is shown to be verified.

use super::case::Level;
use super::check::CheckKind;
use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Catalogue {
    pub requirements: Vec<Requirement>,
}

/// One testable statement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Stable id such as `LCJ-SORT-003`.
    pub id: Spanned<String>,
    pub level: Level,
    /// The part of the document it comes from.
    pub section: String,
    /// The statement, in our own words.
    pub statement: String,
    /// The kinds of check whose failures count against this requirement
    /// (see [`crate::report::attribution`]); absent means every kind, and
    /// an empty list none beyond those that judge whether the case got its
    /// answer at all ([`judges_every_requirement`]), as for a statement
    /// about which requests are accepted.
    #[serde(default)]
    pub judged_by: Option<Vec<Spanned<CheckKind>>>,
    /// The kinds of check whose failures count against this requirement
    /// in cases that name no requirement judged by them (rule 3 of
    /// [`crate::report::attribution`]): the statement such a check checks
    /// wherever it stands, as LCJ-SORT-006 for a sort check in a filter
    /// case.
    #[serde(default)]
    pub fallback_for: Vec<Spanned<CheckKind>>,
}

impl Requirement {
    pub fn id(&self) -> &str {
        &self.id.value
    }
}

/// Requirement ids look like `LCJ-AREA-123`.
pub(crate) fn valid_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let (Some(prefix), Some(area), Some(number), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    prefix == "LCJ"
        && !area.is_empty()
        && area.chars().all(|c| c.is_ascii_uppercase())
        && number.len() == 3
        && number.chars().all(|c| c.is_ascii_digit())
}

/// A check kind as the catalogue and the JSON report spell it (`json_path`,
/// not the `JSONPath` shown to readers).
pub(crate) fn kind_name(kind: CheckKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => kind.as_str().to_string(),
    }
}
