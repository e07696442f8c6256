//! Command-line entry point. The command itself lives in the library
//! (`macie_conform::cli`); its outcome is one of the documented exit codes:
//!
//! - 0: every selected must/should check passed
//! - 1: at least one must/should check failed (or, with `--certify`, the
//!   run does not support a conformance claim)
//! - 2: usage, configuration or case-file error
//! - 3: the target could not be reached at all (no status line and headers
//!   in time); one that sends headers and then stalls fails its cases (1)

fn main() -> std::process::ExitCode {
    macie_conform::cli::main()
}
