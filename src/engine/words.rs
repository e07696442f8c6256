//! How a hint names a setting. The library knows which setting would help
//! (a [`Setting`]); the front end that started the run knows what the user
//! can type: the CLI has options, the `cargo test` builder has methods, a
//! program using [`crate::harness::Harness`] has its builder. The run is
//! given the front end's [`Vocabulary`] (and so is the loader, through
//! `runner::SuiteSources`), so a `cargo test` user is never told to pass
//! a flag they do not have.

/// A setting that a message may point the user to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// The target holds the canonical data set.
    Fixture,
    /// The target honours the fault-injection header.
    Faults,
    /// The target checks SigV4 signatures.
    ChecksSignatures,
    /// The run's deadline.
    Deadline,
    /// The per-request timeout.
    Timeout,
    /// Requests in a row without an answer before the run stops sending.
    MaxTransportFailures,
    /// The bytes that walks may hold at once.
    MaxRetained,
    /// Which cases run.
    Selection,
    /// Record snapshots that are missing or differ, for review.
    SnapshotsNew,
    /// Define a variable for case files (`{var}` stands for its name).
    Variable,
    /// A folder of the user's own cases.
    CasesFolder,
}

/// The words of one front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Vocabulary {
    /// The [`crate::harness::Harness`] builder and its option structs.
    #[default]
    Harness,
    /// The `macie-conform` command line.
    Cli,
    /// The [`crate::libtest`] builder (`Conformance::builder()`).
    CargoTest,
}

impl Vocabulary {
    /// How the user turns a capability on, as an imperative phrase: "pass
    /// --faults", "call .faults(true)".
    pub fn declare(self, setting: Setting) -> String {
        match self {
            Vocabulary::Cli => format!("pass {}", self.name(setting)),
            _ => format!("call {}", self.name(setting)),
        }
    }

    /// How the user defines the variable `var`.
    pub fn define_variable(self, var: &str) -> String {
        self.name(Setting::Variable)
            .replace("{var}", var)
            .replace("{VAR}", &var.to_ascii_uppercase())
    }

    /// What the user types to change the setting.
    pub fn name(self, setting: Setting) -> &'static str {
        use Setting as S;
        match self {
            Vocabulary::Cli => match setting {
                S::Fixture => "--fixture builtin",
                S::Faults => "--faults",
                S::ChecksSignatures => "--target-checks-signatures",
                S::Deadline => "--deadline",
                S::Timeout => "--timeout",
                S::MaxTransportFailures => "--max-transport-failures",
                S::MaxRetained => "--max-retained",
                S::Selection => "--filter, --tag or --level",
                S::SnapshotsNew => "--snapshots new",
                S::Variable => {
                    "--var {var}=VALUE, a --vars-file line `{var}=VALUE`, or MACIE_CONFORM_VAR_{VAR}"
                }
                S::CasesFolder => "--cases folder",
            },
            Vocabulary::CargoTest => match setting {
                S::Fixture => ".embedded_fixture() (or .fixture_file(PATH))",
                S::Faults => ".faults(true)",
                S::ChecksSignatures => ".checks_signatures(true)",
                S::Deadline => "ClientOptions::deadline (.client_options)",
                S::Timeout => ".timeout(DURATION)",
                S::MaxTransportFailures => {
                    "ClientOptions::max_transport_failures (.client_options)"
                }
                S::MaxRetained => "ClientOptions::max_retained_bytes (.client_options)",
                S::Selection => "a test name filter (cargo test NAME)",
                S::SnapshotsNew => "INSTA_UPDATE=new",
                S::Variable => ".var(\"{var}\", VALUE)",
                S::CasesFolder => ".cases_dir(..) folder",
            },
            Vocabulary::Harness => match setting {
                S::Fixture => "Harness::fixture",
                S::Faults => "Harness::faults(true)",
                S::ChecksSignatures => "Harness::checks_signatures(true)",
                S::Deadline => "ClientOptions::deadline",
                S::Timeout => "ClientOptions::timeout",
                S::MaxTransportFailures => "ClientOptions::max_transport_failures",
                S::MaxRetained => "ClientOptions::max_retained_bytes",
                S::Selection => "the Selection",
                S::SnapshotsNew => "SnapshotMode::New",
                S::Variable => "Harness::vars (and SuiteSources::variables)",
                S::CasesFolder => "SuiteSources::dirs folder",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_cli_names_flags() {
        let all = [
            Setting::Fixture,
            Setting::Faults,
            Setting::ChecksSignatures,
            Setting::Deadline,
            Setting::Timeout,
            Setting::MaxTransportFailures,
            Setting::MaxRetained,
            Setting::Selection,
            Setting::SnapshotsNew,
            Setting::Variable,
            Setting::CasesFolder,
        ];
        for s in all {
            assert!(Vocabulary::Cli.name(s).starts_with("--"), "{s:?}");
            for v in [Vocabulary::Harness, Vocabulary::CargoTest] {
                assert!(!v.name(s).contains("--"), "{v:?} {s:?}");
                assert!(v.declare(s).starts_with("call "), "{v:?} {s:?}");
            }
        }
        assert_eq!(Vocabulary::Cli.declare(Setting::Faults), "pass --faults");
    }
}
