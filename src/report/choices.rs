//! The choices a target made where the document leaves them open.
//!
//! Each info case observes an open choice: its requirements name the
//! choice (`section: OC-n` in the catalogue) and say in words what is
//! chosen (the requirement's statement). What the target did is read from
//! the case's first answer, as typed data (status, error name, the jobs and
//! `nextToken` of a listing), and said in plain words by [`answer`]. Every
//! choice is listed whether or not it matches the case's expectation: a
//! vendor sees what their own server chose.

use super::{CaseReport, RunReport};
use crate::engine::case::Level;
use crate::engine::exchange::Exchange;
use serde::Serialize;

/// One open choice and what the target made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The open choice's id in `docs/open-choices.md` (`OC-1`).
    pub choice: String,
    /// The requirement that names it (`LCJ-OPEN-001`).
    pub requirement: String,
    /// What is chosen, in words (the requirement's statement).
    pub question: String,
    /// The info case that observed it.
    pub case: String,
    /// What the target did, in words.
    pub answer: String,
}

/// Every open choice the run observed, in the catalogue's order, then by
/// case.
pub fn made(report: &RunReport) -> Vec<Choice> {
    let mut out = Vec::new();
    for (order, requirement) in report.requirements.iter().enumerate() {
        if !requirement.section.starts_with("OC-") {
            continue;
        }
        for case in report
            .cases
            .iter()
            .filter(|c| c.level == Level::Info && c.ran())
            .filter(|c| c.requirements.iter().any(|r| r == &requirement.id))
        {
            out.push((
                order,
                Choice {
                    choice: requirement.section.clone(),
                    requirement: requirement.id.clone(),
                    question: requirement.statement.trim_end_matches('.').to_string(),
                    case: case.id.clone(),
                    answer: case_answer(case),
                },
            ));
        }
    }
    out.sort_by_key(|(order, _)| *order);
    out.into_iter().map(|(_, c)| c).collect()
}

/// What the target answered to the case's first request.
fn case_answer(case: &CaseReport) -> String {
    case.exchanges
        .first()
        .map(answer)
        .unwrap_or_else(|| "no request was sent".into())
}

/// One answer in plain words: the listing it gave, or the error it named.
pub fn answer(exchange: &Exchange) -> String {
    let response = match &exchange.outcome {
        Ok(r) => r,
        Err(e) => return format!("gave no answer ({e})"),
    };
    let body = response.json().ok();
    if response.status >= 400 {
        let name = crate::engine::check::error_signals(response, body.as_ref())
            .into_iter()
            .next()
            .map(|(_, n)| n);
        return match name {
            Some(n) => format!("refused it: {} {n}", response.status),
            None => format!("refused it: status {}", response.status),
        };
    }
    match body
        .as_ref()
        .and_then(|b| crate::engine::check::items(b).map(|items| (b, items.len())))
    {
        Some((b, jobs)) => {
            let more = b.get("nextToken").is_some_and(|t| !t.is_null());
            format!(
                "accepted it: a page of {jobs} job(s){}",
                if more {
                    ", with a nextToken"
                } else {
                    ", the last page"
                }
            )
        }
        None if response.body.is_empty() && response.received.is_some() => {
            format!("accepted it: status {}", response.status)
        }
        None => format!("answered status {}", response.status),
    }
}
