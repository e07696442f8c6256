//! The harness writes and reads insta's `.snap` format itself (insta has no
//! public writer; see `src/engine/snapshot.rs`). These tests hold it to insta
//! 1.x, with insta as the oracle, both ways:
//!
//! - insta reads what we write, `.snap` and `.snap.new`, with its metadata,
//!   and rewrites it byte for byte, which is what `cargo insta review` does
//!   when it accepts a pending file; so an accepted review leaves no
//!   spurious change and equals what `--snapshots update` writes;
//! - we read what insta's own assertion macros write, `.snap` and
//!   `.snap.new`, as insta reads it.
//!
//! `insta::Snapshot::from_file` is public API. `Snapshot::save` is
//! `#[doc(hidden)]`: it is used here only as an oracle, because it is the
//! very call cargo-insta makes to accept a pending snapshot.

use macie_conform::engine::case::Level;
use macie_conform::engine::check::Outcome;
use macie_conform::engine::snapshot::{content, parse, render};
use macie_conform::runner::snapshot::{SnapshotMode, SnapshotStore};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh folder under the system temp dir, removed when dropped (also
/// when a test fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "macie-conform-insta-compat-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn answer() -> Value {
    json!({"status": 200, "body": {
        "items": [{"jobId": "a", "name": "ünïcode: \"x\" # not a comment\n---"}],
        "nextToken": "[nextToken]"
    }})
}

/// Strings at the edge of YAML's plain scalars, for the metadata: every
/// ASCII character alone, leading, trailing and inside a word, then the
/// words and numbers YAML would read as something other than a string, and
/// a few non-ASCII characters YAML treats specially.
fn awkward_strings() -> Vec<String> {
    let mut out = Vec::new();
    for c in (0u8..=0x7f).map(char::from) {
        out.extend([
            c.to_string(),
            format!("{c}a"),
            format!("a{c}"),
            format!("a{c}b"),
        ]);
    }
    // Separated by `|`, which none of them holds; the first is empty.
    let words = concat!(
        "| |  a|a  |true|False|yes|NO|on|Off|null|Null|~|12|-3|+4|1.5|.5|1e3|0x1F|0o17|0b1|",
        ".inf|-.Inf|.NaN|nan|inf|---|...|- a|? a|a: b|a:b|a #b|a#b|[a]|{a}|'a'|\"a\"|a\\b|",
        "é|a\u{85}b|a\u{a0}b|a\u{2028}b|\u{feff}a|日本|a\r\nb|\ta|a\t",
    )
    .split('|');
    // What the harness really writes: case ids and case files.
    let real = [
        "filter.jobStatus.eq.paged",
        "page.walk.fixture-oracle.1",
        "cases/filter.yaml",
        "cases/a b/x.yaml",
        "C:\\cases\\x.yaml",
    ];
    out.extend(words.chain(real).map(str::to_string));
    out
}

/// Strings insta 1.49 itself cannot keep in its metadata: its emitter
/// writes `0o17` plain (it quotes only `0x…` among prefixed numbers) and
/// its parser reads that back as the number 15. We write what insta's
/// emitter writes, so a review changes nothing; listed here so that a fixed
/// insta makes this test fail and the writer can follow it.
const INSTA_MISREADS: &[&str] = &["0o17"];

#[test]
fn insta_reads_what_we_write_and_rewrites_it_identically() {
    let dir = Scratch::new();
    let c = content(&answer());
    let ours = dir.0.join("ours.snap");
    let theirs = dir.0.join("theirs.snap");
    let mut wrong = Vec::new();
    for s in INSTA_MISREADS {
        let text = render("x", s, &c);
        assert!(text.contains(&format!("\nsource: {s}\n")), "{text}");
        std::fs::write(&ours, &text).expect("write");
        let snap = insta::Snapshot::from_file(&ours).expect("insta reads the file");
        assert_eq!(snap.metadata().source(), None, "insta now reads {s:?}");
    }
    for s in awkward_strings() {
        if INSTA_MISREADS.contains(&s.as_str()) {
            continue;
        }
        // The same awkward string as both fields, and each beside a plain
        // one, so that neither field's quoting can hide the other's.
        for (name, source) in [(s.as_str(), s.as_str()), (s.as_str(), "x.yaml"), ("x", &s)] {
            let text = render(name, source, &c);
            std::fs::write(&ours, &text).expect("write");
            let snap = match insta::Snapshot::from_file(&ours) {
                Ok(snap) => snap,
                Err(e) => {
                    wrong.push(format!("{name:?}/{source:?}: insta cannot read it: {e}"));
                    continue;
                }
            };
            let metadata = (snap.metadata().source(), snap.metadata().expression());
            if metadata != (Some(source), Some(name)) {
                wrong.push(format!("{name:?}/{source:?}: insta reads {metadata:?}"));
            }
            if snap.as_text().map(ToString::to_string) != Some(c.clone()) {
                wrong.push(format!("{name:?}/{source:?}: insta reads other content"));
            }
            snap.save(&theirs).expect("insta saves");
            let rewritten = std::fs::read_to_string(&theirs).expect("read back");
            if rewritten != text {
                wrong.push(format!(
                    "{name:?}/{source:?}: insta writes {rewritten:?}, we wrote {text:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Accepts a pending snapshot as `cargo insta review` does: read the
/// `.snap.new` with insta, save it as the `.snap`, remove the pending file.
fn accept_as_cargo_insta_does(pending: &Path, snap: &Path) {
    let new = insta::Snapshot::from_file(pending).expect("insta reads the pending file");
    new.save(snap).expect("insta saves the accepted file");
    std::fs::remove_file(pending).expect("pending file removed");
}

#[test]
fn a_pending_file_we_write_is_one_cargo_insta_review_accepts() {
    let (review, update) = (Scratch::new(), Scratch::new());
    let name = "filter.status: \"odd\"";
    let source = "cases/a b.yaml";
    let old = json!({"status": 200, "body": {"items": [{"jobId": "a"}]}});
    let new = answer();
    let store = |dir: &Scratch, mode| SnapshotStore::new(dir.0.clone(), mode);
    let snap = review.0.join(format!("{name}.snap"));
    let pending = review.0.join(format!("{name}.snap.new"));

    // A stored snapshot and a changed answer: the run writes `.snap.new`.
    store(&review, SnapshotMode::Update).compare(name, source, &old, Level::Must);
    let r = store(&review, SnapshotMode::New).compare(name, source, &new, Level::Must);
    assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
    assert!(pending.exists(), "{r:?}");

    // Insta reads both files, with their metadata, and sees the change a
    // review would show.
    let stored = insta::Snapshot::from_file(&snap).expect("insta reads the .snap");
    let fresh = insta::Snapshot::from_file(&pending).expect("insta reads the .snap.new");
    for s in [&stored, &fresh] {
        assert_eq!(s.metadata().source(), Some(source));
        assert_eq!(s.metadata().expression(), Some(name));
    }
    assert!(
        stored.contents() != fresh.contents(),
        "a review shows a change"
    );
    assert_eq!(
        fresh.as_text().map(ToString::to_string),
        Some(content(&new))
    );

    // Accepted, the file is what `--snapshots update` writes, and the next
    // check passes without writing anything.
    accept_as_cargo_insta_does(&pending, &snap);
    store(&update, SnapshotMode::Update).compare(name, source, &new, Level::Must);
    let updated = update.0.join(format!("{name}.snap"));
    assert_eq!(
        std::fs::read_to_string(&snap).expect("accepted"),
        std::fs::read_to_string(&updated).expect("updated")
    );
    let r = store(&review, SnapshotMode::Check).compare(name, source, &new, Level::Must);
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
}

/// Set for the child process that lets insta's macros write files.
const WRITE_DIR: &str = "MACIE_CONFORM_TEST_INSTA_WRITE_DIR";

/// Snapshot contents for insta's writer, with the edges of its text
/// normalisation: trailing whitespace, CRLF and lone CR, blank lines first,
/// `---` lines, nothing at all.
fn written_by_insta() -> Vec<(&'static str, String)> {
    vec![
        ("answer", content(&answer())),
        ("trailing_space", "line  \n\n\t \n".into()),
        ("crlf", "a\r\nb\r\n".into()),
        ("lone_cr", "a\rb".into()),
        ("leading_blank", "\n\nx".into()),
        ("dashes", "---\nbody\n---".into()),
        ("empty", String::new()),
    ]
}

/// Not a test of its own: the body of the child process that
/// [`we_read_what_insta_writes_as_insta_does`] starts, where insta's
/// assertion macros write files into [`WRITE_DIR`]. Run any other way, it
/// does nothing.
#[test]
fn insta_writes_when_asked() {
    let Some(dir) = std::env::var_os(WRITE_DIR) else {
        return;
    };
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(PathBuf::from(dir));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (name, text) in written_by_insta() {
            insta::assert_snapshot!(name, text);
        }
    });
}

/// Runs [`insta_writes_when_asked`] in a child process with `INSTA_UPDATE`
/// set: insta decides from the environment whether to compare, write or
/// write pending files, so a process of its own keeps that away from every
/// other test and from the caller's settings.
fn insta_writes(dir: &Path, update: &str) {
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = Command::new(exe);
    child
        .args(["insta_writes_when_asked", "--exact", "--test-threads=1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("INSTA_") {
            child.env_remove(key);
        }
    }
    let output = child
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env(WRITE_DIR, dir)
        // Saves insta a `cargo metadata` run to find the workspace.
        .env("INSTA_WORKSPACE_ROOT", env!("CARGO_MANIFEST_DIR"))
        .env("INSTA_UPDATE", update)
        // A new snapshot is not a failure here; it is what we ask for.
        .env("INSTA_FORCE_PASS", "1")
        .env("INSTA_OUTPUT", "none")
        .output()
        .expect("the test binary runs");
    assert!(
        output.status.success(),
        "insta's writer failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn we_read_what_insta_writes_as_insta_does() {
    let (snaps, pending) = (Scratch::new(), Scratch::new());
    insta_writes(&snaps.0, "always");
    insta_writes(&pending.0, "new");
    for (name, text) in written_by_insta() {
        for path in [
            snaps.0.join(format!("{name}.snap")),
            pending.0.join(format!("{name}.snap.new")),
        ] {
            let file = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("insta wrote no {}: {e}", path.display()));
            let theirs = insta::Snapshot::from_file(&path).expect("insta reads its own file");
            let theirs = theirs.as_text().map(ToString::to_string);
            assert_eq!(parse(&file), theirs, "{}:\n{file}", path.display());
            let normalised = text.trim_end().replace("\r\n", "\n");
            assert_eq!(theirs.as_deref(), Some(normalised.as_str()), "{name}");
            // Insta trims what it writes; a checkout with CRLF endings
            // (git's autocrlf) or an editor's trailing lines must still
            // read as insta reads it.
            for edited in [file.replace('\n', "\r\n"), format!("{file}\n \t\n\n")] {
                let copy = snaps.0.join("edited.snap");
                std::fs::write(&copy, &edited).expect("write");
                let theirs = insta::Snapshot::from_file(&copy).expect("insta reads it");
                let theirs = theirs.as_text().map(ToString::to_string);
                assert_eq!(parse(&edited), theirs, "{edited:?}");
            }
        }
    }
    // The runner matches an answer against a snapshot insta wrote.
    let store = SnapshotStore::new(snaps.0.clone(), SnapshotMode::Check);
    let r = store.compare("answer", "cases/x.yaml", &answer(), Level::Must);
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
}
