//! An exploration's part of the terminal report: what was generated,
//! what failed and how it shrank.

use super::*;

/// What an exploration did: its shrunk failures, where they were saved,
/// what the target refused, and how to explore the same way again.
pub fn exploration(e: &crate::report::Exploration, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{}",
        style.paint(
            "1",
            &format!(
                "Explored: seed {}, {} generated case(s), {} request(s) of a budget of {}{}",
                e.seed,
                e.cases,
                e.requests,
                e.budget,
                if e.shrink_requests > 0 {
                    format!(", {} more shrinking failures", e.shrink_requests)
                } else {
                    String::new()
                }
            )
        )
    );
    if let Some(note) = e.deadline_note() {
        let _ = writeln!(out, "  {}", style.paint("1;33", &note));
    }
    if !e.refused_pairs.is_empty() {
        let _ = writeln!(
            out,
            "  the target refused these filter pairs (open choice OC-7, not a failure): {}",
            e.refused_pairs.join(", ")
        );
    }
    for f in &e.failures {
        let _ = writeln!(
            out,
            "  {} {} (found by {}, {} step(s) smaller){}",
            if f.confirmed {
                style.paint("1;31", "shrunk failure")
            } else {
                style.paint("1;33", "not confirmed")
            },
            line(&f.id),
            line(&f.found_by),
            f.steps_taken,
            if f.confirmed {
                ""
            } else {
                ": it passed when run again, so the target may answer differently from one request to the next; it is not saved"
            }
        );
        for check in &f.failed_checks {
            let _ = writeln!(out, "      {}", line(check));
        }
        for yaml in f.yaml.lines() {
            let _ = writeln!(out, "      {}", line(yaml));
        }
    }
    if let Some(path) = &e.saved_to {
        let _ = writeln!(
            out,
            "  failures saved to {}; replay them with `macie-conform run --cases {}`",
            line(path),
            line(
                std::path::Path::new(path)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
                    .as_str()
            )
        );
    }
    let _ = writeln!(out, "  explore the same way again: {}", line(&e.rerun));
    out
}

/// Failed generated cases an exploration details on a terminal.
pub(super) const EXPLORED_DETAILS_SHOWN: usize = 5;
