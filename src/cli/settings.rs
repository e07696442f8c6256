//! The settings file under the command line: what it fills in, and
//! `--print-config`.
//!
//! A setting is an option, defined once, as clap defines it: the options
//! of the target, report and gate groups are the settings, under their
//! long names. The file's values become those options' arguments, put
//! before the command line's and read by clap again (as ripgrep reads its
//! configuration file), so an option given on the command line (or by its
//! environment variable) beats the file, every value is parsed and checked
//! as on the command line, and `--print-config` lists what clap read.
//! Adding an option to one of those groups makes it a setting: nothing
//! here changes.

use super::prelude::*;
use crate::config::Value;
use clap::ArgAction;

/// The options a settings file may give, by long name, in help order.
pub(crate) fn setting_keys() -> Vec<String> {
    let groups = [
        TargetArgs::augment_args(clap::Command::new("target")),
        ReportArgs::augment_args(clap::Command::new("reports")),
        GateArgs::augment_args(clap::Command::new("gate")),
    ];
    groups
        .iter()
        .flat_map(|g| g.get_arguments())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

/// The settings file for a command, its keys checked: the top level with
/// the chosen profile over it, and the file it comes from.
pub(crate) fn resolve(
    file: Option<&Path>,
    profile: Option<&str>,
) -> Result<Option<(PathBuf, Settings)>, ExitCode> {
    let keys = setting_keys();
    let known: Vec<&str> = keys.iter().map(String::as_str).collect();
    config::resolve(file, profile, &known).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_USAGE)
    })
}

/// The command `sub` read again with the settings file's options under
/// the ones `given` holds (from the command line or the environment):
/// its arguments and their matches. An option `sub` does not take (a
/// setting of `run` only, for `explore`) is left out.
pub(crate) fn with_settings(
    sub: &str,
    matches: &ArgMatches,
    settings: &Settings,
    file: &Path,
) -> Result<(Command, ArgMatches), ExitCode> {
    let cli = crate::cli::command();
    let Some(command) = cli.find_subcommand(sub) else {
        unreachable!("{sub} is a subcommand")
    };
    let usage = |key: &str, at: &config::Setting, what: &str| {
        eprintln!(
            "error: {}: line {}, column {}: `{key}` {what} (values are not shown: they may be secret)",
            file.display(),
            at.line,
            at.column
        );
        ExitCode::from(EXIT_USAGE)
    };
    let mut from_file: Vec<String> = Vec::new();
    for (key, setting) in &settings.values {
        let Some(arg) = command
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()))
        else {
            continue;
        };
        if given(matches, arg.get_id().as_str()) {
            continue;
        }
        let flag = !arg.get_action().takes_values();
        let mut tokens = Vec::new();
        match (&setting.value, flag) {
            (Value::Flag(true), true) => tokens.push(format!("--{key}")),
            (Value::Flag(false), true) => {}
            (_, true) => return Err(usage(key, setting, "takes true or false")),
            (Value::Flag(_), false) => {
                return Err(usage(key, setting, "takes a value, not true or false"));
            }
            (Value::One(v), false) => tokens.push(format!("--{key}={v}")),
            (Value::Many(vs), false) => {
                if !matches!(arg.get_action(), ArgAction::Append) {
                    return Err(usage(key, setting, "takes one value, not an array"));
                }
                tokens.extend(vs.iter().map(|v| format!("--{key}={v}")));
            }
        }
        // Each setting checked alone, so a bad one is named at its place
        // in the file; clap's own message would quote the value.
        if !tokens.is_empty() {
            let alone = ["macie-conform".to_string(), sub.to_string()]
                .into_iter()
                .chain(tokens.iter().cloned());
            if let Err(e) = crate::cli::command().try_get_matches_from(alone) {
                let what = match e.kind() {
                    clap::error::ErrorKind::InvalidValue
                    | clap::error::ErrorKind::ValueValidation => "has a value it cannot take",
                    _ => "cannot be used here",
                };
                return Err(usage(key, setting, what));
            }
        }
        from_file.extend(tokens);
    }
    // The command line as given, after the file's options: the file's
    // fill in only what it left out.
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let rest = argv.split_off(argv.len().min(2));
    let argv = argv
        .into_iter()
        .chain(from_file.into_iter().map(Into::into))
        .chain(rest);
    let matches = crate::cli::command()
        .try_get_matches_from(argv)
        .map_err(|e| {
            // Only the command line's own mistakes reach here (each setting
            // was checked alone), or a setting that conflicts with an option
            // given: clap names options, not values.
            let _ = e.print();
            ExitCode::from(EXIT_USAGE)
        })?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| {
        let _ = e.print();
        ExitCode::from(EXIT_USAGE)
    })?;
    let Some(sub_matches) = matches.subcommand_matches(sub) else {
        unreachable!("clap parsed the {sub} subcommand")
    };
    Ok((cli.command, sub_matches.clone()))
}

/// The settings a run uses, in the settings file's format, as clap read
/// them, with the values of secret headers, a URL's password and
/// secret-looking variables hidden.
pub(crate) fn print_config(
    matches: &ArgMatches,
    redact: &[String],
    source: Option<&Path>,
    profile: Option<&str>,
    variables: &BTreeMap<String, String>,
) -> String {
    use std::fmt::Write as _;
    let q = |s: &str| format!("{s:?}");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# resolved settings: {}{}, then the command line",
        source.map_or("no settings file".to_string(), |p| format!(
            "settings file {}",
            p.display()
        )),
        profile
            .map(|p| format!(", profile {p}"))
            .unwrap_or_default()
    );
    let cli = crate::cli::command();
    let Some(run) = cli.find_subcommand("run") else {
        unreachable!("run is a subcommand")
    };
    for key in setting_keys() {
        let Some(arg) = run
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()))
        else {
            continue;
        };
        let id = arg.get_id().as_str();
        if !arg.get_action().takes_values() {
            let _ = writeln!(out, "{key} = {}", matches.get_flag(id));
            continue;
        }
        let Some(raw) = matches.get_raw(id) else {
            let _ = writeln!(out, "# {key} (not set)");
            continue;
        };
        let values: Vec<String> = raw
            .map(|v| shown(&key, &v.to_string_lossy(), redact))
            .collect();
        // Text and paths quoted, numbers as they are: as the file writes them.
        let parser = arg.get_value_parser().type_id();
        let textual = [
            clap::builder::ValueParser::string(),
            clap::builder::ValueParser::path_buf(),
            clap::builder::ValueParser::os_string(),
        ]
        .iter()
        .any(|p| p.type_id() == parser);
        let spelled = |v: &String| if textual { q(v) } else { v.clone() };
        if matches!(arg.get_action(), ArgAction::Append) {
            let listed: Vec<String> = values.iter().map(|v| q(v)).collect();
            let _ = writeln!(out, "{key} = [{}]", listed.join(", "));
        } else if let Some(value) = values.first() {
            let _ = writeln!(out, "{key} = {}", spelled(value));
        }
    }
    let _ = writeln!(out, "\n[vars]");
    for (name, value) in variables {
        let shown = if vars::is_secret_name(name) {
            crate::report::REDACTED
        } else {
            value
        };
        let _ = writeln!(out, "{name} = {}", q(shown));
    }
    out
}

/// A setting's value as `--print-config` may show it: a password in the
/// target URL and the values of secret headers are as secret as a
/// credential.
fn shown(key: &str, value: &str, redact: &[String]) -> String {
    match key {
        "target" => crate::report::redact_credentials(value),
        "header" => match parse_header(value) {
            Ok((name, _)) if crate::report::is_secret(&name, redact) => {
                format!("{name}: {}", crate::report::REDACTED)
            }
            _ => value.to_string(),
        },
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_an_option_of_run_and_print_config_lists_it() {
        let keys = setting_keys();
        assert!(keys.len() >= 25, "{keys:?}");
        let matches = crate::cli::command()
            .try_get_matches_from(["macie-conform", "run"])
            .expect("run parses");
        let run = matches.subcommand_matches("run").expect("run");
        let shown = print_config(run, &[], None, None, &BTreeMap::new());
        for key in &keys {
            assert!(
                shown.contains(&format!("\n{key} = "))
                    || shown.contains(&format!("\n# {key} (not set)")),
                "{key} is not listed:\n{shown}"
            );
        }
        // `explore` takes every target and report setting.
        let cli = crate::cli::command();
        let explore = cli.find_subcommand("explore").expect("explore");
        for key in keys.iter().filter(|k| *k != "min-coverage") {
            assert!(
                explore.get_arguments().any(|a| a.get_long() == Some(key)),
                "{key}"
            );
        }
    }
}
