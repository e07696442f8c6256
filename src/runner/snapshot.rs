//! Snapshot files on disk, in insta's format and layout.

use crate::core::case::Level;
use crate::core::check::{CheckKind, CheckResult};
use crate::core::{diff, snapshot};
use serde_json::Value;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    Check,
    Update,
    New,
}

impl SnapshotMode {
    /// `INSTA_UPDATE` as insta reads it, for `cargo test`.
    pub fn from_insta_env() -> SnapshotMode {
        Self::from_insta(
            std::env::var("INSTA_UPDATE").ok().as_deref(),
            std::env::var_os("CI").is_some(),
        )
    }

    /// `always` rewrites, `new` writes `.snap.new` files, `no` only
    /// compares; unset (or `auto`) writes `.snap.new` files except on CI.
    pub fn from_insta(update: Option<&str>, ci: bool) -> SnapshotMode {
        match update {
            Some("always") | Some("1") => SnapshotMode::Update,
            Some("new") => SnapshotMode::New,
            Some("no") | Some("0") => SnapshotMode::Check,
            _ if ci => SnapshotMode::Check,
            _ => SnapshotMode::New,
        }
    }
}

impl FromStr for SnapshotMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "check" => Ok(SnapshotMode::Check),
            "update" => Ok(SnapshotMode::Update),
            "new" => Ok(SnapshotMode::New),
            other => Err(format!(
                "unknown snapshot mode {other:?}; use check, update or new"
            )),
        }
    }
}

pub struct SnapshotStore {
    dir: PathBuf,
    mode: SnapshotMode,
}

impl SnapshotStore {
    pub fn new(dir: PathBuf, mode: SnapshotMode) -> Self {
        SnapshotStore { dir, mode }
    }

    pub fn compare(&self, name: &str, source: &str, value: &Value, level: Level) -> CheckResult {
        let path = self.dir.join(format!("{name}.snap"));
        let pending = self.dir.join(format!("{name}.snap.new"));
        let new = snapshot::content(value);
        let stored = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| snapshot::parse(&t));
        if stored.as_deref() == Some(new.trim_end()) {
            let _ = std::fs::remove_file(&pending);
            return CheckResult::pass(
                CheckKind::Snapshot,
                level,
                format!("snapshot `{name}` unchanged"),
            );
        }
        let write = |p: &PathBuf| -> Result<(), String> {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| format!("{}: {e}", self.dir.display()))?;
            std::fs::write(p, snapshot::render(name, source, &new))
                .map_err(|e| format!("{}: {e}", p.display()))
        };
        match (self.mode, &stored) {
            (SnapshotMode::Update, _) => match write(&path) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&pending);
                    CheckResult::pass(
                        CheckKind::Snapshot,
                        level,
                        format!("snapshot `{name}` written"),
                    )
                }
                Err(e) => CheckResult::fail(
                    CheckKind::Snapshot,
                    level,
                    format!("cannot write snapshot: {e}"),
                ),
            },
            (mode, stored) => {
                let mut message = match stored {
                    None => format!("no snapshot `{name}` stored"),
                    Some(_) => format!("snapshot `{name}` changed"),
                };
                if mode == SnapshotMode::New {
                    match write(&pending) {
                        Ok(()) => message.push_str(&format!(
                            "; wrote {} for review (cargo insta review, or --snapshots update)",
                            pending.display()
                        )),
                        Err(e) => message.push_str(&format!("; cannot write it: {e}")),
                    }
                } else {
                    message.push_str("; run with --snapshots new (or update) and review");
                }
                let result = CheckResult::fail(CheckKind::Snapshot, level, message);
                match stored {
                    Some(old) => result.with_detail(diff::text_diff(old, &new)),
                    None => result,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn insta_update_values() {
        assert_eq!(
            SnapshotMode::from_insta(Some("always"), true),
            SnapshotMode::Update
        );
        assert_eq!(
            SnapshotMode::from_insta(Some("new"), true),
            SnapshotMode::New
        );
        assert_eq!(
            SnapshotMode::from_insta(Some("no"), false),
            SnapshotMode::Check
        );
        assert_eq!(SnapshotMode::from_insta(None, true), SnapshotMode::Check);
        assert_eq!(SnapshotMode::from_insta(None, false), SnapshotMode::New);
        assert_eq!(
            SnapshotMode::from_insta(Some("auto"), false),
            SnapshotMode::New
        );
        assert!("sometimes".parse::<SnapshotMode>().is_err());
    }

    #[test]
    fn insta_reads_our_snapshot_files() {
        let dir = std::env::temp_dir().join(format!("macie-conform-insta-{}", std::process::id()));
        let store = SnapshotStore::new(dir.clone(), SnapshotMode::Update);
        let value = json!({"status": 200, "body": {"items": [{"jobId": "a", "name": "ünïcode"}]}});
        let result = store.compare("case.one", "cases/x.yaml", &value, Level::Must);
        assert_eq!(
            result.outcome,
            crate::core::check::Outcome::Pass,
            "{result:?}"
        );
        let snap =
            insta::Snapshot::from_file(&dir.join("case.one.snap")).expect("insta parses the file");
        assert_eq!(snap.metadata().source(), Some("cases/x.yaml"));
        assert_eq!(snap.metadata().expression(), Some("case.one"));
        let text = snap.as_text().expect("a text snapshot").to_string();
        assert_eq!(text, snapshot::content(&value));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
