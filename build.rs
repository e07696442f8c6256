//! Embeds the built-in suite in the binary, so an installed
//! `macie-conform` runs from any folder: every case file under `cases/`
//! (not `cases/fixtures/`, which the server embeds itself), the
//! requirements catalogue, and the reviewed snapshots. The list is made
//! here because `include_str!` needs each path spelled out, and a case
//! file added to `cases/` must not need a second edit to be shipped.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let cases = root.join("cases");
    let snapshots = root.join("snapshots");
    let mut case_files = Vec::new();
    collect(&cases, &mut case_files);
    // Sorted as the loader sorts a folder read from disk, so the built-in
    // suite runs in the same order as `--cases cases --no-builtin`.
    case_files.sort();
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(&snapshots)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "snap"))
                .collect()
        })
        .unwrap_or_default();
    // By snapshot name, for the binary search in src/builtin.rs (file
    // names sort differently: `a.b.snap` before `a.snap`).
    snaps.sort_by_key(|p| p.file_stem().map(|s| s.to_os_string()));

    let mut out = String::new();
    out.push_str("/// The built-in case files, as (name shown to users, text).\n");
    out.push_str("pub(crate) const CASE_FILES: &[(&str, &str)] = &[\n");
    for path in &case_files {
        let name = path.strip_prefix(&root).expect("under the root");
        let name = name.to_string_lossy().replace('\\', "/");
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let requirements = cases.join("requirements.yaml");
    let _ = writeln!(
        out,
        "/// The built-in requirements catalogue, as (name, text).\npub(crate) const REQUIREMENTS: (&str, &str) = (\"cases/requirements.yaml\", include_str!({:?}));",
        requirements.display().to_string()
    );
    out.push_str("/// The reviewed snapshots, as (snapshot name, file text).\n");
    out.push_str("pub(crate) const SNAPSHOTS: &[(&str, &str)] = &[\n");
    for path in &snaps {
        let stem = path
            .file_stem()
            .expect("a .snap file has a stem")
            .to_string_lossy();
        let _ = writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");

    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("builtin.rs");
    std::fs::write(&dest, out).expect("write the list of embedded files");
    // A folder's change (a file added or removed) reruns this; each file's
    // own edits are tracked through include_str!.
    println!("cargo:rerun-if-changed=cases");
    println!("cargo:rerun-if-changed=snapshots");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Every `*.yaml`/`*.yml` case file under `dir`, as the loader reads a
/// folder: `fixtures/` and the catalogue are not cases.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "fixtures") {
                println!("cargo:rerun-if-changed={}", path.display());
                collect(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path.file_name().is_some_and(|n| n != "requirements.yaml")
        {
            out.push(path);
        }
    }
}
