//! The settings file, `macie-conform.toml`: `run` settings under the long
//! names of their command-line options, at the top level (for every run)
//! and in named profiles (`[profile.NAME]`, chosen with `--profile NAME`),
//! which override the top level. Command-line options override both; the
//! merge itself is the CLI's (it alone knows which options were given).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file read when `--config` is not given, if it exists.
pub(crate) const DEFAULT_FILE: &str = "macie-conform.toml";

/// What the file gives one setting, as the command line would take it:
/// the settings are the command's own options (the CLI decides which, from
/// its option definitions, so a setting is defined once), and the file's
/// values become their arguments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `true` or `false`: a flag set, or left as it is.
    Flag(bool),
    /// One value, spelled as on the command line (numbers as written).
    One(String),
    /// An array: the option given once per element.
    Many(Vec<String>),
}

/// A setting's value and where it is written (1-based), for errors that
/// point at it without showing it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Setting {
    pub value: Value,
    pub line: usize,
    pub column: usize,
}

/// One set of settings: the top level, or a profile. Keys are the long
/// option names (`max-body`, `report-dir`); options that may be repeated
/// are arrays (`header = ["X-Tenant: ci"]`), variables a table.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Settings {
    pub values: BTreeMap<String, Setting>,
    /// Variables, as `--var` gives them (below `--var` and `--vars-file`,
    /// above `MACIE_CONFORM_VAR_<NAME>`).
    pub vars: Option<BTreeMap<String, String>>,
}

impl Settings {
    /// `self` with every setting `over` gives replaced; variables are
    /// merged name by name.
    pub(crate) fn overridden_by(mut self, over: Settings) -> Settings {
        self.values.extend(over.values);
        self.vars = match (self.vars, over.vars) {
            (Some(mut base), Some(more)) => {
                base.extend(more);
                Some(base)
            }
            (base, more) => more.or(base),
        };
        self
    }
}

/// The whole file: top-level settings and the profiles.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigFile {
    pub defaults: Settings,
    pub profile: BTreeMap<String, Settings>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("cannot read the settings file {}: {reason}; check the path given to --config", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    #[error("{}: there is no profile `{name}`; {}{}", path.display(), known_profiles(known), suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownProfile {
        path: PathBuf,
        name: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },
    #[error(
        "{}: line {line}, column {column}: unknown field `{key}`, expected one of {} (values are not shown: they may be secret){}",
        path.display(),
        expected.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
        suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    UnknownKey {
        path: PathBuf,
        key: String,
        line: usize,
        column: usize,
        expected: Vec<String>,
        suggestion: Option<String>,
    },
    #[error(
        "--profile {name} needs a settings file: there is no {DEFAULT_FILE} here; give one with --config PATH (macie-conform init writes an example)"
    )]
    NoFile { name: String },
}

fn known_profiles(known: &[String]) -> String {
    if known.is_empty() {
        "the file defines no profiles ([profile.NAME] sections)".to_string()
    } else {
        format!("the profiles are: {}", known.join(", "))
    }
}

/// Parses a settings file's text; `path` names it in errors. `known` are
/// the keys a settings file may give (the options the CLI takes from it);
/// any other, at the top level or in a profile, is an error.
pub(crate) fn parse(path: &Path, text: &str, known: &[&str]) -> Result<ConfigFile, ConfigError> {
    let malformed = |reason: String| ConfigError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let table: Table = toml::from_str(text).map_err(|e| malformed(without_values(&e, text)))?;
    let mut top = Table::new();
    let mut has_profiles = false;
    for (key, value) in table {
        if key.get_ref() == "profile" {
            if !matches!(value.get_ref(), toml::Value::Table(_)) {
                return Err(malformed(at(
                    text,
                    value.span(),
                    "`profile` holds tables, [profile.NAME]",
                )));
            }
            has_profiles = true;
        } else {
            top.insert(key, value);
        }
    }
    let mut file = ConfigFile {
        defaults: settings_of(path, text, top, known)?,
        profile: BTreeMap::new(),
    };
    if has_profiles {
        // Read again for the profiles alone, so that their keys and values
        // keep where they are written too.
        #[derive(serde::Deserialize)]
        struct Profiles {
            profile: BTreeMap<String, Table>,
        }
        let profiles: Profiles =
            toml::from_str(text).map_err(|e| malformed(without_values(&e, text)))?;
        for (name, table) in profiles.profile {
            let settings = settings_of(path, text, table, known)?;
            file.profile.insert(name, settings);
        }
    }
    Ok(file)
}

/// The file's tables, with where each key and value is written.
type Table = BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>;

/// The name among `known` nearest to a mistyped `name`, if one is close.
fn nearest<'a>(known: impl Iterator<Item = &'a str>, name: &str) -> Option<String> {
    known
        .map(|k| (strsim::levenshtein(k, name), k))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_string())
}

/// "line L, column C: what", at the start of `span` in `text`.
fn at(text: &str, span: std::ops::Range<usize>, what: &str) -> String {
    let (line, column) = line_column(text, span.start);
    format!("line {line}, column {column}: {what}")
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// One set of settings from its table.
fn settings_of(
    path: &Path,
    text: &str,
    table: Table,
    known: &[&str],
) -> Result<Settings, ConfigError> {
    let malformed = |reason: String| ConfigError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let mut settings = Settings::default();
    for (key, value) in table {
        let span = value.span();
        let name = key.get_ref().as_str();
        if name == "vars" {
            let toml::Value::Table(vars) = value.get_ref() else {
                return Err(malformed(at(
                    text,
                    span,
                    "`vars` must be a table of variables, [vars]",
                )));
            };
            let mut out = BTreeMap::new();
            for (var, v) in vars {
                let toml::Value::String(v) = v else {
                    return Err(malformed(at(
                        text,
                        span,
                        &format!(
                            "variable `{var}` must be a string (values are not shown: they may be secret)"
                        ),
                    )));
                };
                out.insert(var.clone(), v.clone());
            }
            settings.vars = Some(out);
            continue;
        }
        if !known.contains(&name) {
            let (line, column) = line_column(text, key.span().start);
            let suggestion = nearest(known.iter().copied(), name);
            return Err(ConfigError::UnknownKey {
                path: path.to_path_buf(),
                key: name.to_string(),
                line,
                column,
                expected: known.iter().map(|k| k.to_string()).collect(),
                suggestion,
            });
        }
        let scalar = |v: &toml::Value| match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Integer(i) => Some(i.to_string()),
            // As written: `80.0` stays `80.0`.
            toml::Value::Float(f) => Some(format!("{f:?}")),
            toml::Value::Datetime(d) => Some(d.to_string()),
            toml::Value::Boolean(_) | toml::Value::Array(_) | toml::Value::Table(_) => None,
        };
        let shaped = match value.get_ref() {
            toml::Value::Boolean(b) => Some(Value::Flag(*b)),
            toml::Value::Array(items) => items
                .iter()
                .map(scalar)
                .collect::<Option<Vec<_>>>()
                .map(Value::Many),
            other => scalar(other).map(Value::One),
        };
        let Some(value) = shaped else {
            return Err(malformed(at(
                text,
                span,
                &format!(
                    "`{name}` takes a value or an array of values (values are not shown: they may be secret)"
                ),
            )));
        };
        let (line, column) = line_column(text, span.start);
        settings.values.insert(
            name.to_string(),
            Setting {
                value,
                line,
                column,
            },
        );
    }
    Ok(settings)
}

/// What is wrong with a settings file, at its line and column, without
/// any of its values: a settings file holds credentials (`header =
/// ["Authorization: ..."]`, a target's password), so neither the line
/// (which toml's own message quotes) nor a quoted value in the message is
/// shown. Keys stay: they say which setting is wrong.
fn without_values(error: &toml::de::Error, text: &str) -> String {
    let place = error.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}: ")
    });
    let mut message = String::new();
    let mut quoted = false;
    for c in error.message().trim_end().chars() {
        if c == '"' {
            if !quoted {
                message.push_str("\"…");
            }
            quoted = !quoted;
            if !quoted {
                message.push('"');
            }
        } else if !quoted {
            message.push(c);
        }
    }
    format!(
        "{}{message} (values are not shown: they may be secret)",
        place.unwrap_or_default()
    )
}

/// The settings a run uses: the top level with the profile's over it.
/// `file` is `--config` or, when absent, `macie-conform.toml` if it exists.
/// Returns the file read (if any) with the merged settings.
pub(crate) fn resolve(
    file: Option<&Path>,
    profile: Option<&str>,
    known: &[&str],
) -> Result<Option<(PathBuf, Settings)>, ConfigError> {
    let path = match file {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => {
            return match profile {
                Some(name) => Err(ConfigError::NoFile { name: name.into() }),
                None => Ok(None),
            };
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Unreadable {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let config = parse(&path, &text, known)?;
    let settings = select(&path, config, profile)?;
    Ok(Some((path, settings)))
}

/// The top level with the named profile over it.
pub(crate) fn select(
    path: &Path,
    mut config: ConfigFile,
    profile: Option<&str>,
) -> Result<Settings, ConfigError> {
    let Some(name) = profile else {
        return Ok(config.defaults);
    };
    let Some(chosen) = config.profile.remove(name) else {
        let known: Vec<String> = config.profile.keys().cloned().collect();
        let suggestion = nearest(known.iter().map(String::as_str), name);
        return Err(ConfigError::UnknownProfile {
            path: path.to_path_buf(),
            name: name.into(),
            known,
            suggestion,
        });
    };
    Ok(config.defaults.overridden_by(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
jobs = 2
target = "http://top"
[vars]
a = "top"
b = "top"

[profile.staging]
target = "https://staging"
report-dir = "out"
[profile.staging.vars]
b = "staging"
"#;

    const KNOWN: &[&str] = &[
        "jobs",
        "target",
        "report-dir",
        "faults",
        "header",
        "min-coverage",
    ];

    fn one(value: &str) -> Value {
        Value::One(value.to_string())
    }

    #[test]
    fn a_profile_overrides_the_top_level() {
        let p = Path::new("m.toml");
        let s = select(p, parse(p, FILE, KNOWN).unwrap(), Some("staging")).unwrap();
        let value = |s: &Settings, key: &str| s.values.get(key).map(|v| v.value.clone());
        assert_eq!(value(&s, "target"), Some(one("https://staging")));
        assert_eq!(value(&s, "jobs"), Some(one("2")));
        assert_eq!(value(&s, "report-dir"), Some(one("out")));
        let vars = s.vars.unwrap();
        assert_eq!((vars["a"].as_str(), vars["b"].as_str()), ("top", "staging"));
        let top = select(p, parse(p, FILE, KNOWN).unwrap(), None).unwrap();
        assert_eq!(value(&top, "target"), Some(one("http://top")));
    }

    #[test]
    fn values_are_read_as_the_command_line_spells_them_with_where_they_are() {
        let p = Path::new("m.toml");
        let text = "faults = true\nheader = [\"A: 1\", \"B: 2\"]\nmin-coverage = 80.0\njobs = 4\n";
        let s = parse(p, text, KNOWN).unwrap().defaults;
        assert_eq!(s.values["faults"].value, Value::Flag(true));
        assert_eq!(
            s.values["header"].value,
            Value::Many(vec!["A: 1".into(), "B: 2".into()])
        );
        assert_eq!(s.values["min-coverage"].value, one("80.0"));
        assert_eq!((s.values["jobs"].line, s.values["jobs"].column), (4, 8));
    }

    #[test]
    fn unknown_profiles_and_keys_and_bad_syntax_say_what_and_where() {
        let p = Path::new("m.toml");
        let e = select(p, parse(p, FILE, KNOWN).unwrap(), Some("stagin")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.toml: there is no profile `stagin`; the profiles are: staging; did you mean `staging`?"
        );
        let e = parse(p, "jobs = 2\ntargte = \"x\"\n", KNOWN)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2, column 1"), "{e}");
        assert!(e.contains("unknown field `targte`"), "{e}");
        assert!(e.contains("did you mean `target`?"), "{e}");
        // In a profile too, at the key.
        let e = parse(p, "[profile.x]\njobs = 1\ntargte = \"x\"\n", KNOWN)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3, column 1: unknown field `targte`"),
            "{e}"
        );
        let e = parse(p, "[profile.x]\njobs = \n", KNOWN)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
