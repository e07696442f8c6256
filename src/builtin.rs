//! The built-in suite, embedded in the binary (the list is made by
//! `build.rs`): case files, requirements catalogue and reviewed snapshots,
//! so an installed `macie-conform` needs no checkout to run. The fixture
//! is embedded by the server (`server::EMBEDDED_FIXTURE`) and the schemas
//! by [`crate::schema`].

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// The case-file schema, which `macie-conform init` writes beside a new
/// suite folder for editors (the repository path is not there).
pub(crate) const CASE_SCHEMA: &str = include_str!("../schemas/case.schema.json");

/// The embedded text of the reviewed snapshot `name`, if there is one.
pub(crate) fn snapshot(name: &str) -> Option<&'static str> {
    SNAPSHOTS
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| SNAPSHOTS[i].1)
}

/// The files `macie-conform init` writes, as (name inside the folder,
/// text): an example case with the editor schema line, its requirements
/// catalogue, the schema it points at, an example settings file and a
/// CI snippet. `dir` is the folder as the user named it, for the commands
/// the files show.
pub(crate) fn starter_files(dir: &str) -> Vec<(&'static str, String)> {
    let fill = |text: &str| text.replace("__DIR__", dir);
    vec![
        ("example.yaml", fill(include_str!("starter/example.yaml"))),
        (
            "requirements.yaml",
            fill(include_str!("starter/requirements.yaml")),
        ),
        ("case.schema.json", CASE_SCHEMA.to_string()),
        (
            "macie-conform.toml",
            fill(include_str!("starter/macie-conform.toml")),
        ),
        ("README-ci.md", fill(include_str!("starter/README-ci.md"))),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_suite_is_embedded_in_disk_order() {
        assert!(super::CASE_FILES.len() >= 5);
        assert!(
            super::CASE_FILES
                .iter()
                .any(|(n, _)| *n == "cases/filter.yaml")
        );
        assert!(super::CASE_FILES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::REQUIREMENTS.1.contains("requirements:"));
        let (name, text) = super::SNAPSHOTS[0];
        assert_eq!(super::snapshot(name), Some(text));
        assert_eq!(super::snapshot("no.such.snapshot"), None);
    }
}
