//! The conformance suite as `cargo test`: one test per YAML case, named by
//! its id, so `cargo test --test conformance -- filter.` selects cases. It
//! uses [`macie_conform::libtest`], the entry point other crates use, so
//! this file is its first user.
//!
//! The target is `MACIE_CONFORM_TARGET` when set (declare the canonical data
//! set with `MACIE_CONFORM_FIXTURE=cases/fixtures/jobs.json` and fault
//! injection with `MACIE_CONFORM_FAULTS=1`); otherwise the embedded reference
//! server is started in-process. Snapshots follow `INSTA_UPDATE`, as with
//! insta.

use macie_conform::libtest::Conformance;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut conformance = Conformance::builder().snapshots(root.join("snapshots"));
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(url) = set("MACIE_CONFORM_TARGET") {
        conformance = conformance.target(url);
    }
    if let Some(path) = set("MACIE_CONFORM_FIXTURE") {
        conformance = conformance.fixture_file(path);
    }
    if set("MACIE_CONFORM_FAULTS").as_deref() == Some("1") {
        conformance = conformance.faults(true);
    }
    conformance.run()
}
