//! Snapshot files on disk, in insta's format and layout, so that
//! `cargo insta review` can accept or reject what a run wrote.
//!
//! `<dir>/<name>.snap` is the reviewed snapshot; `<dir>/<name>.snap.new` is
//! a pending one waiting for review. The contents and the file format are
//! the core's (`engine::snapshot`); this module only decides what to read,
//! write or remove, and turns the outcome into a [`CheckResult`].

use crate::engine::case::Level;
use crate::engine::check::{CheckKind, CheckResult};
use crate::engine::{diff, snapshot};
use serde_json::Value;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a run does with snapshots that are missing or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare only; never write. For CI, where a difference must fail.
    Check,
    /// Write `.snap` files directly: accept whatever the target answered.
    Update,
    /// Write `.snap.new` files next to the stored ones, for review.
    New,
}

impl SnapshotMode {
    /// The mode `cargo test` runs in, read from `INSTA_UPDATE` (and `CI`)
    /// the way insta reads them, so the harness behaves like any other
    /// insta-using test suite.
    pub fn from_insta_env() -> SnapshotMode {
        Self::from_insta(std::env::var("INSTA_UPDATE").ok().as_deref(), is_ci())
    }

    /// `always`/`1`/`force` rewrite, `new` writes `.snap.new` files,
    /// `no`/`0` only compare; unset, empty or `auto` write `.snap.new`
    /// files except on CI, where they only compare.
    ///
    /// `unseen` (insta: pending files for new snapshots, in-place rewrites
    /// for changed ones) is taken as `new`, so that nothing reviewed is
    /// overwritten without a review. Values insta rejects fall back to
    /// `auto` rather than stopping the run.
    pub fn from_insta(update: Option<&str>, ci: bool) -> SnapshotMode {
        match update {
            Some("always" | "1" | "force") => SnapshotMode::Update,
            Some("new" | "unseen") => SnapshotMode::New,
            Some("no" | "0") => SnapshotMode::Check,
            _ if ci => SnapshotMode::Check,
            _ => SnapshotMode::New,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotMode::Check => "check",
            SnapshotMode::Update => "update",
            SnapshotMode::New => "new",
        }
    }
}

/// Insta's notion of CI, so `cargo test` compares only where insta would.
fn is_ci() -> bool {
    match std::env::var("CI").ok().as_deref() {
        Some("false" | "0" | "") => false,
        None => std::env::var_os("TF_BUILD").is_some(),
        Some(_) => true,
    }
}

impl FromStr for SnapshotMode {
    type Err = String;

    /// The `--snapshots` values of the CLI.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "check" => Ok(SnapshotMode::Check),
            "update" => Ok(SnapshotMode::Update),
            "new" => Ok(SnapshotMode::New),
            other => Err(format!(
                "unknown snapshot mode {other:?}; valid values: check, update, new"
            )),
        }
    }
}

impl std::fmt::Display for SnapshotMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A folder of snapshot files and what to do with differences.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    dir: PathBuf,
    mode: SnapshotMode,
    /// Whether a snapshot missing from `dir` is read from the copies
    /// embedded in the binary (`crate::builtin::SNAPSHOTS`), so the
    /// built-in suite checks its snapshots from any folder.
    builtin: bool,
    /// How hints name the snapshot mode (set by the front end; see
    /// [`super::Vocabulary`]).
    words: super::Vocabulary,
}

/// What is stored under a snapshot's name, compared with a fresh answer.
enum Stored {
    Missing,
    Same,
    /// The stored content differs; holds it, for the diff.
    Changed(String),
    /// The file is not in insta's format; holds its text, for the diff.
    Damaged(String),
    Unreadable(io::Error),
}

impl SnapshotStore {
    pub fn new(dir: impl Into<PathBuf>, mode: SnapshotMode) -> Self {
        SnapshotStore {
            dir: dir.into(),
            mode,
            builtin: false,
            words: super::Vocabulary::default(),
        }
    }

    /// This store, naming the snapshot mode in its hints as `words` does.
    pub fn with_words(mut self, words: super::Vocabulary) -> Self {
        self.words = words;
        self
    }

    /// This store, reading a snapshot that `dir` lacks from the built-in
    /// copy. Writes still go to `dir` only: a built-in snapshot the target
    /// matches is not copied there, one it does not match is written there
    /// (update) or beside it for review (new), and `dir`'s copy wins after.
    pub fn with_builtin(mut self) -> Self {
        self.builtin = true;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn mode(&self) -> SnapshotMode {
        self.mode
    }

    /// Compares `value` (already normalised by the caller) with the
    /// snapshot `name`, and writes or removes files as the mode says.
    /// `source` is the case file, recorded in the snapshot's metadata.
    /// Never panics: file errors become failed checks naming the path.
    pub fn compare(&self, name: &str, source: &str, value: &Value, level: Level) -> CheckResult {
        let path = self.dir.join(format!("{name}.snap"));
        let pending = self.dir.join(format!("{name}.snap.new"));
        let rendered = snapshot::render(name, source, &snapshot::content(value));
        // Both sides go through `parse`, so they are normalised alike.
        let fresh = snapshot::parse(&rendered).unwrap_or_default();
        let classify = |text: String| match snapshot::parse(&text) {
            Some(old) if old == fresh => Stored::Same,
            Some(old) => Stored::Changed(old),
            None => Stored::Damaged(text),
        };
        let mut from_builtin = false;
        let stored = match std::fs::read_to_string(&path) {
            Ok(text) => classify(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match crate::builtin::snapshot(name).filter(|_| self.builtin) {
                    Some(text) => {
                        from_builtin = true;
                        classify(text.to_string())
                    }
                    None => Stored::Missing,
                }
            }
            Err(e) => Stored::Unreadable(e),
        };
        let pass = |message: String| CheckResult::pass(CheckKind::Snapshot, level, message);
        let fail = |message: String| CheckResult::fail(CheckKind::Snapshot, level, message);

        match (self.mode, stored) {
            (_, Stored::Unreadable(e)) if self.mode != SnapshotMode::Update => {
                fail(format!("cannot read snapshot {}: {e}", path.display()))
            }
            (SnapshotMode::Check, Stored::Same) => pass(format!("snapshot `{name}` matches")),
            (SnapshotMode::New, Stored::Same) => match remove_stale(&pending) {
                Ok(()) => pass(format!("snapshot `{name}` matches")),
                Err(e) => fail(format!(
                    "snapshot `{name}` matches, but the stale {} cannot be removed: {e}",
                    pending.display()
                )),
            },
            (SnapshotMode::Check, stored) => {
                let fail = failure(&fresh, &stored, level);
                let (message, detail) = describe(name, &path, &fresh, &stored);
                let hint = match (&stored, self.words) {
                    (Stored::Missing, super::Vocabulary::Cli) => {
                        "run with --snapshots new (or update) and review, \
                         e.g. `macie-conform run --snapshots new`, then `cargo insta review`"
                            .to_string()
                    }
                    (_, super::Vocabulary::Cli) => {
                        "if the change is intended, run with --snapshots new and review it (or update)"
                            .to_string()
                    }
                    (Stored::Missing, words) => format!(
                        "run with {} and review with `cargo insta review`",
                        words.name(super::Setting::SnapshotsNew)
                    ),
                    (_, words) => format!(
                        "if the change is intended, run with {} and review it with `cargo insta review`",
                        words.name(super::Setting::SnapshotsNew)
                    ),
                };
                with_detail(fail(format!("{message}; {hint}")), detail)
            }
            (SnapshotMode::New, stored) => {
                let fail = failure(&fresh, &stored, level);
                let (message, detail) = describe(name, &path, &fresh, &stored);
                let result = match write(&pending, &rendered) {
                    Ok(()) => fail(format!(
                        "{message}; wrote {} for review: run `cargo insta review`, \
                         or accept it with --snapshots update",
                        pending.display()
                    )),
                    Err(e) => fail(format!("{message}; and {e}")),
                };
                with_detail(result, detail)
            }
            // The built-in copy stands; nothing to write into `dir`.
            (SnapshotMode::Update, Stored::Same) if from_builtin => {
                pass(format!("snapshot `{name}` matches"))
            }
            (SnapshotMode::Update, stored) => {
                let what = match stored {
                    Stored::Missing => "written",
                    Stored::Same => "matches",
                    _ => "updated",
                };
                // Rewriting an unchanged snapshot is not needed, but its
                // metadata may be stale (the case moved to another file).
                let current = std::fs::read_to_string(&path).ok();
                if current.as_deref() != Some(rendered.as_str())
                    && let Err(e) = write(&path, &rendered)
                {
                    return fail(e);
                }
                match remove_stale(&pending) {
                    Ok(()) => pass(format!("snapshot `{name}` {what}")),
                    Err(e) => fail(format!(
                        "snapshot `{name}` {what}, but the stale {} cannot be removed \
                         and would undo it on review: {e}",
                        pending.display()
                    )),
                }
            }
        }
    }
}

/// How a snapshot that is not as stored fails: as a `sort` check when the
/// answer holds the stored jobs in another order (the defect it shows, and
/// the requirements it counts against; see `report::attribution`), else as
/// a `snapshot` check.
fn failure(fresh: &str, stored: &Stored, level: Level) -> impl Fn(String) -> CheckResult {
    let kind = match stored {
        Stored::Changed(old) if snapshot::differs_only_in_order(old, fresh) => CheckKind::Sort,
        _ => CheckKind::Snapshot,
    };
    move |message: String| CheckResult::fail(kind, level, message)
}

/// The first part of a failure message, and the diff to show, for a
/// snapshot that is not as stored.
fn describe(name: &str, path: &Path, fresh: &str, stored: &Stored) -> (String, Option<String>) {
    match stored {
        Stored::Missing => (format!("no snapshot `{name}` stored"), None),
        Stored::Changed(old) if snapshot::differs_only_in_order(old, fresh) => (
            format!(
                "snapshot `{name}` changed only in order: the same jobs, listed in another order than the request asks for"
            ),
            Some(diff::text_diff(&with_newline(old), &with_newline(fresh))),
        ),
        Stored::Changed(old) => (
            format!("snapshot `{name}` changed"),
            Some(diff::text_diff(&with_newline(old), &with_newline(fresh))),
        ),
        Stored::Damaged(text) => (
            format!(
                "snapshot file {} is not an insta snapshot (no `---` metadata block)",
                path.display()
            ),
            Some(diff::text_diff(text, &with_newline(fresh))),
        ),
        // Handled before describing; kept total so no case can panic.
        Stored::Same => (format!("snapshot `{name}` matches"), None),
        Stored::Unreadable(e) => (format!("cannot read {}: {e}", path.display()), None),
    }
}

/// Contents are stored without a final newline; adding one keeps the diff
/// free of "no newline at end of file" noise.
fn with_newline(s: &str) -> String {
    format!("{s}\n")
}

fn with_detail(result: CheckResult, detail: Option<String>) -> CheckResult {
    match detail {
        Some(d) => result.with_detail(d),
        None => result,
    }
}

/// Writes a snapshot file, creating its folder first (a name may hold
/// `/`). The error names the path, since the OS error alone does not.
fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create snapshot folder {}: {e}", parent.display()))?;
    }
    crate::files::write_replacing(path, text.as_bytes())
        .map_err(|e| format!("cannot write snapshot {}: {e}", path.display()))
}

/// Removes a pending file that no longer applies; left behind, `cargo insta
/// review` would offer to replace a good snapshot with an outdated one.
fn remove_stale(pending: &Path) -> io::Result<()> {
    match std::fs::remove_file(pending) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::check::Outcome;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh folder under the system temp dir, removed when dropped (also
    /// when a test fails).
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Scratch {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "macie-conform-snapshots-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            Scratch(dir)
        }
        /// A store whose hints are the command line's, as these tests read.
        fn store(&self, mode: SnapshotMode) -> SnapshotStore {
            SnapshotStore::new(self.0.clone(), mode).with_words(crate::runner::Vocabulary::Cli)
        }
        fn snap(&self) -> PathBuf {
            self.0.join("case.one.snap")
        }
        fn pending(&self) -> PathBuf {
            self.0.join("case.one.snap.new")
        }
        fn read(&self, p: &Path) -> Option<String> {
            std::fs::read_to_string(p).ok()
        }
        /// Stores `v` as the reviewed snapshot.
        fn stored(&self, v: &Value) {
            std::fs::create_dir_all(&self.0).expect("scratch dir");
            std::fs::write(
                self.snap(),
                snapshot::render("case.one", SOURCE, &snapshot::content(v)),
            )
            .expect("store snapshot");
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const SOURCE: &str = "cases/x.yaml";

    fn old() -> Value {
        json!({"status": 200, "body": {"items": [{"jobId": "a"}], "nextToken": null}})
    }
    fn new() -> Value {
        json!({"status": 200, "body": {"items": [{"jobId": "b"}], "nextToken": null}})
    }

    fn run(s: &Scratch, mode: SnapshotMode, v: &Value) -> CheckResult {
        let r = s.store(mode).compare("case.one", SOURCE, v, Level::Should);
        assert_eq!(r.kind, CheckKind::Snapshot);
        assert_eq!(r.level, Level::Should);
        r
    }

    #[test]
    fn a_cargo_test_user_is_told_their_own_way_to_record_snapshots() {
        let s = Scratch::new();
        let words = crate::runner::Vocabulary::CargoTest;
        let store = s.store(SnapshotMode::Check).with_words(words);
        let missing = store.compare("case.one", SOURCE, &old(), Level::Must);
        s.stored(&old());
        let changed = store.compare("case.one", SOURCE, &new(), Level::Must);
        for r in [missing, changed] {
            assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
            assert!(r.message.contains("INSTA_UPDATE=new"), "{}", r.message);
            assert!(!r.message.contains("--"), "no flag: {}", r.message);
        }
    }

    #[test]
    fn the_same_jobs_in_another_order_fail_as_a_sort_defect() {
        let s = Scratch::new();
        let listing = |ids: [&str; 2]| json!({"status": 200, "body": {"items": [{"jobId": ids[0]}, {"jobId": ids[1]}]}});
        s.stored(&listing(["a", "b"]));
        for mode in [SnapshotMode::Check, SnapshotMode::New] {
            let r = s
                .store(mode)
                .compare("case.one", SOURCE, &listing(["b", "a"]), Level::Must);
            assert_eq!(r.outcome, Outcome::Fail, "{mode}: {r:?}");
            assert_eq!(r.kind, CheckKind::Sort, "{mode}: {r:?}");
            assert!(r.message.contains("changed only in order"), "{}", r.message);
            assert!(r.detail.is_some(), "the diff is kept");
        }
        // Other jobs are not an order defect.
        let r = run(&s, SnapshotMode::Check, &listing(["b", "c"]));
        assert_eq!(r.outcome, Outcome::Fail);
    }

    #[test]
    fn check_mode_compares_and_never_writes() {
        let s = Scratch::new();
        let r = run(&s, SnapshotMode::Check, &new());
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.message
                .starts_with("no snapshot `case.one` stored; run with --snapshots new"),
            "{}",
            r.message
        );
        assert!(r.message.contains("macie-conform run --snapshots new"));
        assert!(!s.0.exists(), "not even the folder is created");

        s.stored(&old());
        std::fs::write(s.pending(), "stale").expect("pending");
        let r = run(&s, SnapshotMode::Check, &old());
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert_eq!(s.read(&s.pending()).as_deref(), Some("stale"), "untouched");

        let before = s.read(&s.snap());
        let r = run(&s, SnapshotMode::Check, &new());
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.message.starts_with("snapshot `case.one` changed"),
            "{}",
            r.message
        );
        let d = r.detail.expect("a diff");
        assert!(
            d.contains("--- expected") && d.contains("+++ actual"),
            "{d}"
        );
        assert!(
            d.contains("-        \"jobId\": \"a\"") && d.contains("+        \"jobId\": \"b\""),
            "{d}"
        );
        assert!(!d.contains("No newline"), "{d}");
        assert_eq!(s.read(&s.snap()), before, "the stored snapshot is kept");
        assert_eq!(s.read(&s.pending()).as_deref(), Some("stale"));
    }

    #[test]
    fn new_mode_writes_pending_files_for_review() {
        let s = Scratch::new();
        let r = run(&s, SnapshotMode::New, &new());
        assert_eq!(r.outcome, Outcome::Fail, "a missing snapshot still fails");
        assert!(
            r.message
                .starts_with("no snapshot `case.one` stored; wrote ")
        );
        assert!(r.message.contains(&s.pending().display().to_string()));
        assert!(
            r.message.contains("cargo insta review") && r.message.contains("--snapshots update")
        );
        assert!(!s.snap().exists());
        let pending = s.read(&s.pending()).expect("pending written");
        assert_eq!(
            snapshot::parse(&pending),
            Some(snapshot::content(&new())),
            "{pending}"
        );

        s.stored(&old());
        let r = run(&s, SnapshotMode::New, &new());
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.message.starts_with("snapshot `case.one` changed; wrote "));
        assert!(
            r.detail
                .is_some_and(|d| d.contains("+        \"jobId\": \"b\""))
        );
        assert_eq!(
            s.read(&s.snap()).and_then(|t| snapshot::parse(&t)),
            Some(snapshot::content(&old())),
            "the reviewed snapshot is kept until review"
        );
        assert!(s.pending().exists());

        let r = run(&s, SnapshotMode::New, &old());
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert!(!s.pending().exists(), "a stale pending file is removed");
    }

    #[test]
    fn update_mode_writes_snapshots() {
        let s = Scratch::new();
        std::fs::create_dir_all(&s.0).expect("dir");
        std::fs::write(s.pending(), "stale").expect("pending");
        let r = run(&s, SnapshotMode::Update, &old());
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert_eq!(r.message, "snapshot `case.one` written");
        assert!(!s.pending().exists(), "the pending file is cleared");
        let text = s.read(&s.snap()).expect("written");
        assert_eq!(
            text,
            snapshot::render("case.one", SOURCE, &snapshot::content(&old()))
        );

        let r = run(&s, SnapshotMode::Update, &old());
        assert_eq!(r.outcome, Outcome::Pass);
        assert_eq!(r.message, "snapshot `case.one` matches");

        let r = run(&s, SnapshotMode::Update, &new());
        assert_eq!(r.outcome, Outcome::Pass);
        assert_eq!(r.message, "snapshot `case.one` updated");
        assert_eq!(
            s.read(&s.snap()).and_then(|t| snapshot::parse(&t)),
            Some(snapshot::content(&new()))
        );
        assert!(!s.pending().exists());
    }

    #[test]
    fn a_damaged_file_is_reported_and_replaced_only_on_update() {
        let s = Scratch::new();
        std::fs::create_dir_all(&s.0).expect("dir");
        std::fs::write(s.snap(), "garbage\n").expect("damage");
        let r = run(&s, SnapshotMode::Check, &old());
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.message.contains("is not an insta snapshot"),
            "{}",
            r.message
        );
        assert!(r.detail.is_some_and(|d| d.contains("-garbage")));

        let r = run(&s, SnapshotMode::New, &old());
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(s.pending().exists());
        assert_eq!(s.read(&s.snap()).as_deref(), Some("garbage\n"));

        let r = run(&s, SnapshotMode::Update, &old());
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert_eq!(r.message, "snapshot `case.one` updated");
        assert!(!s.pending().exists());
    }

    #[test]
    fn file_errors_fail_with_the_path_instead_of_panicking() {
        // A folder where the snapshot file should be: reading and writing fail.
        let s = Scratch::new();
        std::fs::create_dir_all(s.snap()).expect("dir in the way");
        for mode in [SnapshotMode::Check, SnapshotMode::New, SnapshotMode::Update] {
            let r = run(&s, mode, &old());
            assert_eq!(r.outcome, Outcome::Fail, "{mode}: {r:?}");
            assert!(
                r.message.contains(&s.snap().display().to_string()),
                "{mode}: {}",
                r.message
            );
        }

        // A file where the snapshot folder should be.
        let s = Scratch::new();
        std::fs::write(&s.0, "not a folder").expect("file in the way");
        let r = run(&s, SnapshotMode::Update, &old());
        assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
        assert!(
            r.message.contains(&s.0.display().to_string()),
            "{}",
            r.message
        );
        let r = run(&s, SnapshotMode::New, &old());
        assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
        let _ = std::fs::remove_file(&s.0);
    }

    #[test]
    fn insta_update_values() {
        use SnapshotMode::*;
        for (value, ci, mode) in [
            (Some("always"), true, Update),
            (Some("1"), true, Update),
            (Some("force"), true, Update),
            (Some("new"), true, New),
            (Some("unseen"), false, New),
            (Some("no"), false, Check),
            (Some("0"), false, Check),
            (None, true, Check),
            (None, false, New),
            (Some(""), false, New),
            (Some("auto"), false, New),
            (Some("auto"), true, Check),
        ] {
            assert_eq!(
                SnapshotMode::from_insta(value, ci),
                mode,
                "{value:?} ci={ci}"
            );
        }
    }

    #[test]
    fn cli_values() {
        for mode in [SnapshotMode::Check, SnapshotMode::Update, SnapshotMode::New] {
            assert_eq!(mode.as_str().parse::<SnapshotMode>(), Ok(mode));
        }
        let e = "sometimes".parse::<SnapshotMode>().expect_err("rejected");
        assert!(
            e.contains("\"sometimes\"") && e.contains("check, update, new"),
            "{e}"
        );
    }
}
