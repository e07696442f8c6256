//! Variables: values given on the command line (`--var name=value`), in a
//! file (`--vars-file FILE`) or in the environment (`MACIE_CONFORM_VAR_<NAME>`),
//! used as `${name}` in case files beside captures.
//!
//! - Precedence: `--var` over `--vars-file` over the environment, so a
//!   value typed for one run beats one kept in a file, which beats one a CI
//!   job exports for every run.
//! - An environment name maps to the variable by dropping the prefix and
//!   lower-casing: `MACIE_CONFORM_VAR_API_TOKEN` is `${api_token}`
//!   (environment names are upper case by custom, case-file names lower).
//! - A vars file has one `name=value` per line; blank lines and lines
//!   starting with `#` are ignored; the name and the value are trimmed, and
//!   the value is everything after the first `=` (it may hold `=` and `#`).
//! - A variable whose name says it holds a credential ([`is_secret_name`])
//!   has its value hidden in every output, as secret headers are.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The prefix of environment variables that define variables.
pub(crate) const ENV_PREFIX: &str = "MACIE_CONFORM_VAR_";

/// A variable whose name contains one of these (case-insensitive) holds a
/// secret: its value is hidden in every report.
pub(crate) const SECRET_VAR_PARTS: &[&str] = &[
    "secret",
    "token",
    "password",
    "passwd",
    "key",
    "credential",
    "cookie",
    "session",
    "authorization",
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum VarsError {
    // The value is not shown: it may be a secret typed without its name.
    #[error(
        "a --var value is not `name=value` (it is not shown: it may be secret); write it as --var page=2"
    )]
    NotAssignment { raw: String },
    #[error(
        "{origin}: variable name {name:?} may use only letters, digits, `_` and `-`; rename it (it is used as ${{name}} in case files)"
    )]
    BadName { origin: String, name: String },
    #[error("cannot read the vars file {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    // The line is not shown: a vars file holds secrets, and a line
    // without its `=` may be one.
    #[error(
        "{}:{line}: the line is not `name=value` (it is not shown: it may be secret); write one variable a line, e.g. `page=2` (`#` starts a comment line)",
        path.display()
    )]
    BadLine {
        path: PathBuf,
        line: usize,
        text: String,
    },
    #[error(
        "{}:{line}: variable `{name}` is already set on line {first}; keep one of them",
        path.display()
    )]
    Twice {
        path: PathBuf,
        line: usize,
        first: usize,
        name: String,
    },
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether a variable's value must be hidden in output.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_VAR_PARTS.iter().any(|part| lower.contains(part))
}

/// Parses one `--var name=value`.
pub(crate) fn parse_assignment(raw: &str) -> Result<(String, String), VarsError> {
    let Some((name, value)) = raw.split_once('=') else {
        return Err(VarsError::NotAssignment { raw: raw.into() });
    };
    let name = name.trim();
    if !valid_name(name) {
        return Err(VarsError::BadName {
            origin: format!("--var {raw:?}"),
            name: name.into(),
        });
    }
    Ok((name.to_string(), value.to_string()))
}

/// Parses the text of a vars file (see the module documentation).
pub(crate) fn parse_file_text(path: &Path, text: &str) -> Result<Vec<(String, String)>, VarsError> {
    let mut out: Vec<(String, String, usize)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((name, value)) = trimmed.split_once('=') else {
            return Err(VarsError::BadLine {
                path: path.into(),
                line: line_no,
                text: trimmed.into(),
            });
        };
        let name = name.trim();
        if !valid_name(name) {
            return Err(VarsError::BadName {
                origin: format!("{}:{line_no}", path.display()),
                name: name.into(),
            });
        }
        if let Some((_, _, first)) = out.iter().find(|(n, _, _)| n == name) {
            return Err(VarsError::Twice {
                path: path.into(),
                line: line_no,
                first: *first,
                name: name.into(),
            });
        }
        out.push((name.to_string(), value.trim().to_string(), line_no));
    }
    Ok(out.into_iter().map(|(n, v, _)| (n, v)).collect())
}

/// Reads a vars file.
pub(crate) fn read_file(path: &Path) -> Result<Vec<(String, String)>, VarsError> {
    let text = std::fs::read_to_string(path).map_err(|e| VarsError::Unreadable {
        path: path.into(),
        reason: e.to_string(),
    })?;
    parse_file_text(path, &text)
}

/// The variables defined by environment entries `MACIE_CONFORM_VAR_<NAME>`,
/// names lower-cased. Entries with names that are not valid variable names
/// are an error, so a typo in CI is not silently ignored.
pub(crate) fn from_env(
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<(String, String)>, VarsError> {
    let mut out = Vec::new();
    for (key, value) in env {
        if let Some(rest) = key.strip_prefix(ENV_PREFIX) {
            let name = rest.to_ascii_lowercase();
            if !valid_name(&name) {
                return Err(VarsError::BadName {
                    origin: format!("environment variable {key}"),
                    name,
                });
            }
            out.push((name, value));
        }
    }
    Ok(out)
}

/// Every variable, by precedence: `--var` over `--vars-file` over the
/// `vars` of the settings file (see [`crate::config`]) over the
/// environment (a later `--var` of one name beats an earlier one).
pub(crate) fn resolve_with_settings(
    cli: &[String],
    file: Option<&Path>,
    settings: &BTreeMap<String, String>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeMap<String, String>, VarsError> {
    let mut vars = BTreeMap::new();
    vars.extend(from_env(env)?);
    for (name, value) in settings {
        if !valid_name(name) {
            return Err(VarsError::BadName {
                origin: "the settings file's vars".into(),
                name: name.clone(),
            });
        }
        vars.insert(name.clone(), value.clone());
    }
    if let Some(path) = file {
        vars.extend(read_file(path)?);
    }
    for raw in cli {
        let (name, value) = parse_assignment(raw)?;
        vars.insert(name, value);
    }
    Ok(vars)
}

/// The values of the process's `MACIE_CONFORM_VAR_*` environment entries
/// (entries whose value is not Unicode are left out).
pub(crate) fn process_env() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
}

/// A variable's value as a case uses it: a string that is exactly
/// `${name}` in a body takes the value with a JSON type, so `maxResults:
/// ${page}` sends a number. A value that reads as a JSON number, `true`,
/// `false` or `null` is that; any other value is a string.
pub(crate) fn typed(value: &str) -> Value {
    match serde_json::from_str::<Value>(value.trim()) {
        Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) if !value.trim().is_empty() => v,
        _ => Value::String(value.to_string()),
    }
}

/// The values to hide in every output: those of variables whose names say
/// they hold a secret.
pub(crate) fn secret_values(vars: &BTreeMap<String, String>) -> Vec<String> {
    vars.iter()
        .filter(|(name, _)| is_secret_name(name))
        .map(|(_, value)| value.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn assignments_split_at_the_first_equals() {
        assert_eq!(
            parse_assignment("q=a=b").unwrap(),
            ("q".into(), "a=b".into())
        );
        assert_eq!(parse_assignment("e=").unwrap(), ("e".into(), String::new()));
        assert!(matches!(
            parse_assignment("noequals"),
            Err(VarsError::NotAssignment { .. })
        ));
        assert!(matches!(
            parse_assignment("a b=1"),
            Err(VarsError::BadName { .. })
        ));
    }

    #[test]
    fn a_vars_file_has_comments_and_says_where_it_is_wrong() {
        let path = Path::new("v.env");
        let ok = parse_file_text(path, "# c\n\n page = 2 \nq=a#b\n").unwrap();
        assert_eq!(ok, env(&[("page", "2"), ("q", "a#b")]));
        let bad = parse_file_text(path, "a=1\nnonsense\n").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "v.env:2: the line is not `name=value` (it is not shown: it may be secret); write one variable a line, e.g. `page=2` (`#` starts a comment line)"
        );
        let twice = parse_file_text(path, "a=1\na=2\n").unwrap_err();
        assert!(
            twice
                .to_string()
                .starts_with("v.env:2: variable `a` is already set on line 1")
        );
    }

    #[test]
    fn precedence_is_var_then_file_then_environment() {
        let dir = std::env::temp_dir().join(format!("vars-prec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("vars");
        std::fs::write(&file, "a=file\nb=file\n").unwrap();
        let vars = resolve_with_settings(
            &["a=cli".to_string()],
            Some(&file),
            &BTreeMap::new(),
            env(&[
                ("MACIE_CONFORM_VAR_A", "env"),
                ("MACIE_CONFORM_VAR_B", "env"),
                ("MACIE_CONFORM_VAR_C", "env"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(vars["a"], "cli");
        assert_eq!(vars["b"], "file");
        assert_eq!(vars["c"], "env");
        assert_eq!(vars.len(), 3);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn values_keep_json_scalars_typed() {
        assert_eq!(typed("2"), serde_json::json!(2));
        assert_eq!(typed("true"), serde_json::json!(true));
        assert_eq!(typed("abc"), serde_json::json!("abc"));
        assert_eq!(typed(""), serde_json::json!(""));
        assert_eq!(typed("[1]"), serde_json::json!("[1]"));
    }

    #[test]
    fn secret_names() {
        assert!(is_secret_name("api_token"));
        assert!(is_secret_name("API_KEY"));
        assert!(is_secret_name("db-password"));
        assert!(!is_secret_name("page"));
    }
}
