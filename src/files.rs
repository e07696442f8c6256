//! Writing the files a run leaves behind (reports, saved failures,
//! snapshots, the fixture) so that nothing already at their paths is
//! written through.
//!
//! An output folder may hold a symlink where a report will go, put there
//! by a hostile folder or left over from elsewhere: `std::fs::write`
//! follows it and overwrites whatever it points at. So a file is written
//! under a new name in the same folder (created with `create_new`, which
//! never follows a link) and then renamed over the path, which replaces
//! the link itself and leaves its target alone. The rename also means a
//! reader never sees a half-written report.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path`, replacing what is there (a file, or a
/// symlink, whose target is not touched).
pub(crate) fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let scratch = folder.join(format!(
        ".{}.{}-{}.partial",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&scratch)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&scratch, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&scratch);
    }
    written
}

/// Where [`write_replacing`] puts `path`, for telling whether two outputs
/// (or an output and an input) are one file: the folder resolved (links
/// followed), the name kept, since a link at the name itself is replaced,
/// not written through. A folder that does not exist yet is taken as
/// written, relative to the current folder.
pub(crate) fn identity(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    match (absolute.parent(), absolute.file_name()) {
        (Some(folder), Some(name)) => std::fs::canonicalize(folder)
            .unwrap_or_else(|_| folder.to_path_buf())
            .join(name),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("macie-conform-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        dir
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_path_is_replaced_and_its_target_kept() {
        let dir = scratch("link");
        let precious = dir.join("precious.txt");
        std::fs::write(&precious, "keep me").expect("write");
        let report = dir.join("report.html");
        std::os::unix::fs::symlink(&precious, &report).expect("symlink");
        write_replacing(&report, b"<html>").expect("written");
        assert_eq!(std::fs::read_to_string(&precious).expect("read"), "keep me");
        assert_eq!(std::fs::read_to_string(&report).expect("read"), "<html>");
        assert!(!report.is_symlink());
        // Nothing is left behind but the two files.
        assert_eq!(std::fs::read_dir(&dir).expect("list").count(), 2);
        assert_eq!(identity(&precious), identity(&dir.join("./precious.txt")));
        assert_ne!(
            identity(&report),
            identity(&precious),
            "the link is its own path"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_path_that_cannot_be_written_leaves_nothing_behind() {
        let dir = scratch("folder");
        std::fs::create_dir_all(dir.join("taken")).expect("folder");
        assert!(write_replacing(&dir.join("taken"), b"x").is_err());
        assert_eq!(std::fs::read_dir(&dir).expect("list").count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
