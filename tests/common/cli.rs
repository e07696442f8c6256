//! Helpers for tests that run the built binary as a user does: in a
//! scratch folder of its own, with nothing from the developer's shell
//! deciding the outcome.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The built binary, without the environment entries that would change
/// what it does: a target, variables, and `NO_COLOR` (colour must follow
/// the terminal, and tests never run on one).
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_macie-conform"));
    command
        .env_remove("MACIE_CONFORM_TARGET")
        .env_remove("NO_COLOR");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MACIE_CONFORM_VAR_") {
            command.env_remove(key);
        }
    }
    command
}

/// A folder with an empty `cases/` in it, unique to this process and
/// call, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// `name` says which test file made it, for whoever finds one left
    /// behind by a killed run.
    pub fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "macie-conform-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("cases")).expect("scratch folder");
        Scratch(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.0
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// `rel` as a command-line argument.
    pub fn arg(&self, rel: &str) -> String {
        self.path(rel).to_str().expect("a UTF-8 path").to_string()
    }

    /// Writes `bytes` to `rel`, making its folders.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent folder");
        }
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

/// A scratch folder stands for its path wherever a `&Path` is asked for.
impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Standard output and standard error, as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `args` made to read the scratch folder's own suite in `cases/` alone,
/// without the built-in one, for `run`, `list` and `check`.
pub fn own_suite(args: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    // A claim needs the built-in suite: a certifying run names any folder
    // it adds itself.
    if matches!(args.first(), Some(&("run" | "list" | "check"))) && !args.contains(&"--certify") {
        if !args.contains(&"--cases") {
            out.splice(1..1, ["--cases".to_string(), "cases".to_string()]);
        }
        if !args.contains(&"--no-builtin") {
            out.insert(1, "--no-builtin".to_string());
        }
    }
    out
}

/// Every file under `dir`, with its text (bytes that are not UTF-8 shown
/// as U+FFFD), for tests that look for what must appear nowhere.
pub fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            let bytes = std::fs::read(&path).expect("a written file is readable");
            out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

/// A JSON file the binary wrote.
pub fn read_json(path: impl AsRef<Path>) -> serde_json::Value {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Asserts that a run exited 0 with the full claim, and returns its
/// output.
pub fn assert_conformant(out: &Output) -> (String, String) {
    let (stdout, stderr) = text(out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("\nConformant at must and should level\n"),
        "{stdout}"
    );
    (stdout, stderr)
}
