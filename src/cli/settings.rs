//! The settings file under the command line: what it fills in, and
//! `--print-config`.

use super::prelude::*;

/// Sets each listed field of `$args` from the settings file `$s`, unless
/// the option was given (`$m`).
macro_rules! take_settings {
    ($args:expr, $s:expr, $m:expr; $($key:ident => $field:ident $(as $wrap:ident)?),* $(,)?) => {$(
        if let Some(v) = $s.$key.clone()
            && !given($m, stringify!($field))
        {
            $args.$field = take_settings!(@wrap v $($wrap)?);
        }
    )*};
    (@wrap $v:ident Some) => { Some($v) };
    (@wrap $v:ident) => { $v };
}

/// Fills in, from the settings file, every target option not given.
pub(crate) fn apply_target_settings(args: &mut TargetArgs, s: &Settings, m: &ArgMatches) {
    take_settings! { args, s, m;
        target => target as Some,
        fixture => fixture as Some,
        faults => faults,
        sigv4 => sigv4,
        region => region as Some,
        target_checks_signatures => target_checks_signatures,
        header => headers,
        redact_header => redact,
        timeout => timeout,
        deadline => deadline,
        max_transport_failures => max_transport_failures,
        jobs => concurrency as Some,
        rate_limit => rate_limit as Some,
        retries => retries,
        insecure => insecure,
        max_body => max_body,
        max_retained => max_retained,
    }
}

/// Fills in, from the settings file, every report option not given.
pub(crate) fn apply_report_settings(args: &mut ReportArgs, s: &Settings, m: &ArgMatches) {
    take_settings! { args, s, m;
        junit => junit as Some,
        json => json as Some,
        html => html as Some,
        markdown => markdown as Some,
        report_dir => report_dir as Some,
        product => product as Some,
        product_version => product_version as Some,
    }
}

/// Fills in, from the settings file, every `run` option not given.
pub(crate) fn apply_settings(args: &mut RunArgs, s: &Settings, m: &ArgMatches) {
    apply_target_settings(&mut args.net, s, m);
    apply_report_settings(&mut args.reports, s, m);
    take_settings! { args, s, m;
        min_coverage => min_coverage as Some,
    }
}

/// The settings a run uses, in the settings file's format, with the
/// values of secret headers and secret-looking variables hidden.
pub(crate) fn print_config(
    args: &RunArgs,
    source: Option<&Path>,
    variables: &BTreeMap<String, String>,
) -> String {
    use std::fmt::Write as _;
    let q = |s: &str| format!("{s:?}");
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| q(&p.display().to_string()));
    let list = |v: &[String]| {
        format!(
            "[{}]",
            v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
        )
    };
    let headers: Vec<String> = args
        .net
        .headers
        .iter()
        .map(|raw| match parse_header(raw) {
            Ok((name, _)) if macie_conform::report::is_secret(&name, &args.net.redact) => {
                format!("{name}: {}", macie_conform::report::REDACTED)
            }
            _ => raw.clone(),
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# resolved settings: {}{}, then the command line",
        source.map_or("no settings file".to_string(), |p| format!(
            "settings file {}",
            p.display()
        )),
        args.suite
            .profile
            .as_ref()
            .map(|p| format!(", profile {p}"))
            .unwrap_or_default()
    );
    let lines: Vec<(&str, Option<String>)> = vec![
        // A password in the URL is as secret as a credential header.
        (
            "target",
            args.net
                .target
                .as_deref()
                .map(|t| q(&macie_conform::report::redact_credentials(t))),
        ),
        ("fixture", path(&args.net.fixture)),
        ("faults", Some(args.net.faults.to_string())),
        ("sigv4", Some(args.net.sigv4.to_string())),
        ("region", args.net.region.as_deref().map(q)),
        (
            "target-checks-signatures",
            Some(args.net.target_checks_signatures.to_string()),
        ),
        ("header", Some(list(&headers))),
        ("redact-header", Some(list(&args.net.redact))),
        ("timeout", Some(format!("{:?}", args.net.timeout))),
        ("deadline", Some(format!("{:?}", args.net.deadline))),
        (
            "max-transport-failures",
            Some(args.net.max_transport_failures.to_string()),
        ),
        ("jobs", args.net.concurrency.map(|j| j.to_string())),
        ("rate-limit", args.net.rate_limit.map(|r| format!("{r:?}"))),
        ("retries", Some(args.net.retries.to_string())),
        ("insecure", Some(args.net.insecure.to_string())),
        ("max-body", Some(args.net.max_body.to_string())),
        ("max-retained", Some(args.net.max_retained.to_string())),
        ("junit", path(&args.reports.junit)),
        ("json", path(&args.reports.json)),
        ("html", path(&args.reports.html)),
        ("markdown", path(&args.reports.markdown)),
        ("report-dir", path(&args.reports.report_dir)),
        ("product", args.reports.product.as_deref().map(q)),
        (
            "product-version",
            args.reports.product_version.as_deref().map(q),
        ),
        ("min-coverage", args.min_coverage.map(|v| format!("{v:?}"))),
    ];
    for (key, value) in lines {
        match value {
            Some(v) => {
                let _ = writeln!(out, "{key} = {v}");
            }
            None => {
                let _ = writeln!(out, "# {key} (not set)");
            }
        }
    }
    let _ = writeln!(out, "\n[vars]");
    for (name, value) in variables {
        let shown = if vars::is_secret_name(name) {
            macie_conform::report::REDACTED
        } else {
            value
        };
        let _ = writeln!(out, "{name} = {}", q(shown));
    }
    out
}
