//! Reading a suite folder and a fixture file from disk.

use super::RunError;
use crate::engine::load::{self, SourceFile, Suite};
use crate::schema::SchemaSet;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Reads every `*.yaml` file under `dir` (sorted, so runs are repeatable).
/// Names are shown relative to `dir`'s parent (`cases/filter.yaml`).
pub fn read_case_files(dir: &Path) -> Result<Vec<SourceFile>, RunError> {
    let mut paths = Vec::new();
    collect_yaml(dir, &mut paths).map_err(|source| RunError::ReadCases {
        path: dir.to_path_buf(),
        source,
    })?;
    paths.sort();
    let base = dir.parent().unwrap_or(Path::new(""));
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| RunError::ReadCases {
            path: path.clone(),
            source,
        })?;
        let name = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        files.push(SourceFile { name, text });
    }
    if files.is_empty() {
        return Err(RunError::NoCases(dir.to_path_buf()));
    }
    Ok(files)
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            // Fixtures and other data live beside the cases; they are not cases.
            if path.file_name().is_some_and(|n| n == "fixtures") {
                continue;
            }
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path.file_name().is_some_and(|n| n != REQUIREMENTS_FILE)
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Name of the requirements catalogue inside a suite folder.
pub const REQUIREMENTS_FILE: &str = "requirements.yaml";

/// Loads and checks a suite folder, with its requirements catalogue when
/// the folder has one.
pub fn load_suite(dir: &Path) -> Result<Suite, RunError> {
    let files = read_case_files(dir)?;
    let schemas = SchemaSet::embedded().map_err(|e| RunError::Schemas(e.to_string()))?;
    let catalogue_path = dir.join(REQUIREMENTS_FILE);
    let catalogue = if catalogue_path.is_file() {
        let text =
            std::fs::read_to_string(&catalogue_path).map_err(|source| RunError::ReadCases {
                path: catalogue_path.clone(),
                source,
            })?;
        let base = dir.parent().unwrap_or(Path::new(""));
        let name = catalogue_path
            .strip_prefix(base)
            .unwrap_or(&catalogue_path)
            .to_string_lossy()
            .replace('\\', "/");
        Some(SourceFile { name, text })
    } else {
        None
    };
    load::load_with_requirements(&files, catalogue.as_ref(), schemas).map_err(RunError::Cases)
}

/// Reads a fixture file (a JSON array of jobs).
pub fn read_fixture(path: &Path) -> Result<Vec<Value>, RunError> {
    let text = std::fs::read_to_string(path).map_err(|e| RunError::Fixture {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse_fixture(&text).map_err(|reason| RunError::Fixture {
        path: path.to_path_buf(),
        reason,
    })
}

pub fn parse_fixture(text: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(jobs)) => Ok(jobs),
        Ok(_) => Err("it is not a JSON array of jobs".into()),
        Err(e) => Err(format!("it is not valid JSON: {e}")),
    }
}
