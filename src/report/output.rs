//! Where reports go: the paths a run was asked to write, checked before
//! anything is sent, and the certification bundle (`run --report-dir`).
//!
//! A run can take minutes against a slow target; finding out afterwards
//! that its report cannot be written wastes it, so [`ReportPaths::check`]
//! runs first and [`ReportPaths::write`] only writes.

use super::RunReport;
use super::terminal::Style;
use std::path::{Path, PathBuf};

/// File names inside a `--report-dir` bundle. Fixed, so a customer
/// comparing two bundles finds the same files in each.
pub(crate) const JUNIT_FILE: &str = "junit.xml";
pub(crate) const JSON_FILE: &str = "report.json";
pub(crate) const HTML_FILE: &str = "report.html";
pub(crate) const MARKDOWN_FILE: &str = "report.md";
pub(crate) const RUN_INFO_FILE: &str = "run-info.json";

pub(crate) use super::certification::{Certification, Product, RunInfo};

/// Why a report cannot be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error(
        "cannot write report {path}: the folder {folder} does not exist; create it or choose another {option} path"
    )]
    NoFolder {
        option: &'static str,
        path: PathBuf,
        folder: PathBuf,
    },
    #[error("cannot write report {path}: it is a folder; give {option} a file name")]
    IsFolder { option: &'static str, path: PathBuf },
    #[error(
        "cannot write report {path}: the folder {folder} is not writable ({reason}); choose another {option} path or fix its permissions"
    )]
    NotWritable {
        option: &'static str,
        path: PathBuf,
        folder: PathBuf,
        reason: String,
    },
    #[error("cannot create {option} {path}: {blocker} is not a folder; choose another {option}")]
    DirBlocked {
        option: &'static str,
        path: PathBuf,
        blocker: PathBuf,
    },
    #[error(
        "cannot create {option} {path}: {reason}; choose another {option} or fix the permissions of its parent"
    )]
    DirCreate {
        option: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("cannot write report {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("cannot render the JUnit report: {0}")]
    Junit(#[from] super::junit::JunitError),
    #[error(
        "{first} and {second} would both write {path}, one over the other; give each report its own path"
    )]
    SameFile {
        first: String,
        second: String,
        path: PathBuf,
    },
    #[error(
        "{option} would overwrite {path}, which is one of the reports read; write the merged report elsewhere"
    )]
    OverwritesInput { option: String, path: PathBuf },
}

/// Every report a run was asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReportPaths {
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    /// The bundle folder: all four reports and the run information.
    pub dir: Option<PathBuf>,
}

impl ReportPaths {
    /// Checks that every report can be written, without writing any: each
    /// file's folder exists and takes a new file, and the bundle folder
    /// exists or can be created.
    pub(crate) fn check(&self) -> Result<(), OutputError> {
        for (option, path) in self.files() {
            check_file(option, path)?;
        }
        if let Some(dir) = &self.dir {
            check_dir("--report-dir", dir)?;
        }
        // No report may land on another: `--json P --html P` would keep
        // only the last one written.
        let outputs = self.outputs();
        for (i, (first, a)) in outputs.iter().enumerate() {
            if let Some((second, _)) = outputs[i + 1..].iter().find(|(_, b)| b == a) {
                return Err(OutputError::SameFile {
                    first: first.clone(),
                    second: second.clone(),
                    path: a.clone(),
                });
            }
        }
        Ok(())
    }

    /// Checks that no report overwrites one of `inputs` (the shard
    /// reports `merge-reports` reads).
    pub(crate) fn check_inputs(&self, inputs: &[PathBuf]) -> Result<(), OutputError> {
        // An input is read at its path, and through any link there.
        let inputs: Vec<PathBuf> = inputs
            .iter()
            .flat_map(|p| {
                [crate::files::identity(p)]
                    .into_iter()
                    .chain(std::fs::canonicalize(p).ok())
            })
            .collect();
        match self
            .outputs()
            .into_iter()
            .find(|(_, path)| inputs.contains(path))
        {
            Some((option, path)) => Err(OutputError::OverwritesInput { option, path }),
            None => Ok(()),
        }
    }

    /// Every file the run will write, named by its option, as the file
    /// system resolves it.
    fn outputs(&self) -> Vec<(String, PathBuf)> {
        let mut out: Vec<(String, PathBuf)> = self
            .files()
            .map(|(option, path)| (option.to_string(), crate::files::identity(path)))
            .collect();
        if let Some(dir) = &self.dir {
            for name in [
                JUNIT_FILE,
                JSON_FILE,
                HTML_FILE,
                MARKDOWN_FILE,
                RUN_INFO_FILE,
            ] {
                out.push((
                    format!("--report-dir ({name})"),
                    crate::files::identity(&dir.join(name)),
                ));
            }
        }
        out
    }

    fn files(&self) -> impl Iterator<Item = (&'static str, &PathBuf)> {
        [
            ("--junit", &self.junit),
            ("--json", &self.json),
            ("--html", &self.html),
            ("--markdown", &self.markdown),
        ]
        .into_iter()
        .filter_map(|(option, path)| path.as_ref().map(|p| (option, p)))
    }

    /// Writes every report asked for, and the bundle; returns the files
    /// written. Stops at the first that cannot be written.
    pub(crate) fn write(
        &self,
        report: &RunReport,
        style: &Style,
        info: &RunInfo,
    ) -> Result<Vec<PathBuf>, OutputError> {
        let mut junit = None;
        let mut junit_text = || -> Result<String, OutputError> {
            if junit.is_none() {
                junit = Some(super::junit::render(report, style)?);
            }
            Ok(junit.clone().unwrap_or_default())
        };
        let mut written = Vec::new();
        if let Some(path) = &self.junit {
            write(path, &junit_text()?, &mut written)?;
        }
        if let Some(path) = &self.json {
            write(path, &super::json::render(report), &mut written)?;
        }
        if let Some(path) = &self.html {
            write(path, &super::html::render(report, style), &mut written)?;
        }
        if let Some(path) = &self.markdown {
            write(path, &super::markdown::render(report, style), &mut written)?;
        }
        if let Some(dir) = &self.dir {
            std::fs::create_dir_all(dir).map_err(|e| OutputError::DirCreate {
                option: "--report-dir",
                path: dir.clone(),
                reason: e.to_string(),
            })?;
            write(&dir.join(JUNIT_FILE), &junit_text()?, &mut written)?;
            write(
                &dir.join(JSON_FILE),
                &super::json::render(report),
                &mut written,
            )?;
            write(
                &dir.join(HTML_FILE),
                &super::html::render(report, style),
                &mut written,
            )?;
            write(
                &dir.join(MARKDOWN_FILE),
                &super::markdown::render(report, style),
                &mut written,
            )?;
            write(&dir.join(RUN_INFO_FILE), &info.render(), &mut written)?;
        }
        Ok(written)
    }
}

fn write(path: &Path, text: &str, written: &mut Vec<PathBuf>) -> Result<(), OutputError> {
    // Never through a symlink at the path (see `crate::files`).
    crate::files::write_replacing(path, text.as_bytes()).map_err(|e| OutputError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    written.push(path.to_path_buf());
    Ok(())
}

/// The folder a relative file name lands in: its parent, or the current
/// folder for a bare name.
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn check_file(option: &'static str, path: &Path) -> Result<(), OutputError> {
    if path.is_dir() {
        return Err(OutputError::IsFolder {
            option,
            path: path.to_path_buf(),
        });
    }
    let folder = folder_of(path);
    if !folder.is_dir() {
        return Err(OutputError::NoFolder {
            option,
            path: path.to_path_buf(),
            folder,
        });
    }
    probe_writable(&folder).map_err(|reason| OutputError::NotWritable {
        option,
        path: path.to_path_buf(),
        folder,
        reason,
    })
}

/// Checks, before anything is sent, that a folder `option` names (the
/// bundle folder, `explore --save-failures`) exists or can be created and
/// takes new files.
pub(crate) fn check_dir(option: &'static str, dir: &Path) -> Result<(), OutputError> {
    // The nearest folder that exists is where the bundle folder would be
    // created (or is the bundle folder itself).
    let mut existing = dir.to_path_buf();
    while !existing.exists() {
        match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => existing = p.to_path_buf(),
            _ => {
                existing = PathBuf::from(".");
                break;
            }
        }
    }
    if !existing.is_dir() {
        return Err(OutputError::DirBlocked {
            option,
            path: dir.to_path_buf(),
            blocker: existing,
        });
    }
    probe_writable(&existing).map_err(|reason| OutputError::DirCreate {
        option,
        path: dir.to_path_buf(),
        reason: format!("{} is not writable ({reason})", existing.display()),
    })
}

/// Creates and removes a file in `folder`: permission bits do not tell
/// (ACLs, read-only mounts, root), trying does.
fn probe_writable(folder: &Path) -> Result<(), String> {
    let probe = folder.join(format!(".macie-conform-probe-{}", std::process::id()));
    // create_new: a link left at the probe's name is not written through.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "macie-conform-output-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        dir
    }

    #[test]
    fn report_files_need_an_existing_folder() {
        let dir = scratch("files");
        let ok = ReportPaths {
            json: Some(dir.join("r.json")),
            ..ReportPaths::default()
        };
        assert!(ok.check().is_ok());
        assert!(!dir.join("r.json").exists(), "checking writes nothing");
        assert_eq!(
            std::fs::read_dir(&dir).expect("dir").count(),
            0,
            "the probe file is removed"
        );
        let missing = ReportPaths {
            html: Some(dir.join("nope/r.html")),
            ..ReportPaths::default()
        };
        let e = missing.check().expect_err("missing folder").to_string();
        assert!(e.contains("does not exist; create it"), "{e}");
        assert!(e.contains("--html"), "{e}");
        let folder = ReportPaths {
            markdown: Some(dir.clone()),
            ..ReportPaths::default()
        };
        let e = folder.check().expect_err("a folder").to_string();
        assert!(e.contains("it is a folder"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_report_dir_may_be_created_but_not_under_a_file() {
        let dir = scratch("dir");
        let ok = ReportPaths {
            dir: Some(dir.join("a/b/bundle")),
            ..ReportPaths::default()
        };
        assert!(ok.check().is_ok());
        assert!(!dir.join("a").exists(), "checking creates nothing");
        std::fs::write(dir.join("file"), "x").expect("file");
        let blocked = ReportPaths {
            dir: Some(dir.join("file/bundle")),
            ..ReportPaths::default()
        };
        let e = blocked.check().expect_err("under a file").to_string();
        assert!(e.contains("is not a folder"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn credentials_are_stripped_from_a_target() {
        assert_eq!(
            super::super::without_credentials("https://user:pa55@example.test:8443/prefix"),
            "https://example.test:8443/prefix"
        );
        assert_eq!(
            super::super::without_credentials("http://127.0.0.1:4566"),
            "http://127.0.0.1:4566"
        );
        assert_eq!(
            super::super::without_credentials("http://user@h"),
            "http://h"
        );
        assert_eq!(
            super::super::redact_credentials("http://u:p@h:1/jobs/list?a=b@c"),
            "http://[REDACTED]@h:1/jobs/list?a=b@c"
        );
        assert_eq!(
            super::super::redact_credentials("http://h/x@y"),
            "http://h/x@y"
        );
    }
}
