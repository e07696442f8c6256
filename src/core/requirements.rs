//! The requirements catalogue (`cases/requirements.yaml`): one entry per
//! testable statement of the document, so every case can say which
//! statements it verifies and every statement is shown to be verified.

use super::case::Level;
use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
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
}

impl Requirement {
    pub fn id(&self) -> &str {
        &self.id.value
    }
}

/// Requirement ids look like `LCJ-AREA-123`.
pub fn valid_id(id: &str) -> bool {
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
