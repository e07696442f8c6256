//! The settings file, `macie-conform.toml`: `run` settings under the long
//! names of their command-line options, at the top level (for every run)
//! and in named profiles (`[profile.NAME]`, chosen with `--profile NAME`),
//! which override the top level. Command-line options override both; the
//! merge itself is the CLI's (it alone knows which options were given).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "macie-conform.toml";

/// Defines [`Settings`] and the file's top level (the same keys and
/// `profile`) from one list, so the two cannot drift apart. The top level
/// is its own struct rather than a flattened `Settings` because serde
/// cannot refuse unknown keys through `flatten`, nor say where they are.
macro_rules! settings {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// One set of `run` settings; every one optional. Keys are the long
        /// option names (`max-body`, `report-dir`); options that may be
        /// repeated are arrays (`header = ["X-Tenant: ci"]`), variables a
        /// table.
        #[derive(Debug, Clone, Default, Deserialize, PartialEq)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        pub struct Settings {
            $($(#[$doc])* pub $field: Option<$ty>,)*
        }

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct RawFile {
            $($field: Option<$ty>,)*
            #[serde(default)]
            profile: BTreeMap<String, Settings>,
        }

        impl RawFile {
            fn split(self) -> ConfigFile {
                ConfigFile {
                    defaults: Settings { $($field: self.$field,)* },
                    profile: self.profile,
                }
            }
        }

        impl Settings {
            /// `self` with every setting `over` gives replaced; variables
            /// are merged name by name.
            pub fn overridden_by(self, over: Settings) -> Settings {
                let vars = match (self.vars.clone(), over.vars.clone()) {
                    (Some(mut base), Some(more)) => {
                        base.extend(more);
                        Some(base)
                    }
                    (base, more) => more.or(base),
                };
                let merged = Settings { $($field: over.$field.or(self.$field),)* };
                Settings { vars, ..merged }
            }
        }
    };
}

settings! {
    target: String,
    fixture: PathBuf,
    faults: bool,
    sigv4: bool,
    region: String,
    target_checks_signatures: bool,
    header: Vec<String>,
    redact_header: Vec<String>,
    timeout: f64,
    deadline: f64,
    max_transport_failures: usize,
    jobs: u16,
    rate_limit: f64,
    retries: u32,
    insecure: bool,
    max_body: usize,
    max_retained: usize,
    junit: PathBuf,
    json: PathBuf,
    html: PathBuf,
    markdown: PathBuf,
    report_dir: PathBuf,
    product: String,
    product_version: String,
    min_coverage: f64,
    /// Variables, as `--var` gives them (below `--var` and `--vars-file`,
    /// above `MACIE_CONFORM_VAR_<NAME>`).
    vars: BTreeMap<String, String>,
}

/// The whole file: top-level settings and the profiles.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    pub defaults: Settings,
    pub profile: BTreeMap<String, Settings>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
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

/// Parses a settings file's text; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str::<RawFile>(text)
        .map(RawFile::split)
        .map_err(|e| ConfigError::Malformed {
            path: path.to_path_buf(),
            reason: without_values(&e, text),
        })
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
pub fn resolve(
    file: Option<&Path>,
    profile: Option<&str>,
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
    let config = parse(&path, &text)?;
    let settings = select(&path, config, profile)?;
    Ok(Some((path, settings)))
}

/// The top level with the named profile over it.
pub fn select(
    path: &Path,
    mut config: ConfigFile,
    profile: Option<&str>,
) -> Result<Settings, ConfigError> {
    let Some(name) = profile else {
        return Ok(config.defaults);
    };
    let Some(chosen) = config.profile.remove(name) else {
        let known: Vec<String> = config.profile.keys().cloned().collect();
        let suggestion = known
            .iter()
            .map(|k| (strsim::levenshtein(k, name), k))
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, k)| k.clone());
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

    #[test]
    fn a_profile_overrides_the_top_level() {
        let p = Path::new("m.toml");
        let s = select(p, parse(p, FILE).unwrap(), Some("staging")).unwrap();
        assert_eq!(s.target.as_deref(), Some("https://staging"));
        assert_eq!(s.jobs, Some(2));
        assert_eq!(s.report_dir, Some(PathBuf::from("out")));
        let vars = s.vars.unwrap();
        assert_eq!((vars["a"].as_str(), vars["b"].as_str()), ("top", "staging"));
        let top = select(p, parse(p, FILE).unwrap(), None).unwrap();
        assert_eq!(top.target.as_deref(), Some("http://top"));
    }

    #[test]
    fn unknown_profiles_and_keys_and_bad_syntax_say_what_and_where() {
        let p = Path::new("m.toml");
        let e = select(p, parse(p, FILE).unwrap(), Some("stagin")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.toml: there is no profile `stagin`; the profiles are: staging; did you mean `staging`?"
        );
        let e = parse(p, "jobs = 2\ntargte = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2, column 1"), "{e}");
        assert!(e.contains("unknown field `targte`"), "{e}");
        let e = parse(p, "[profile.x]\njobs = \n").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
