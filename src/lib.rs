//! # macie-conform
//!
//! A contract and conformance harness for the Amazon Macie
//! `ListClassificationJobs` operation (`POST /jobs/list`): YAML cases are
//! sent to a target, every answer is judged against the JSON Schemas and the
//! semantics the API document implies, and the verdict is reported in the
//! terminal, JUnit, JSON, HTML and Markdown.
//!
//! Most users run the `macie-conform` binary (see the README). This crate
//! is the same tool as a library, for running the suite from your own code.
//!
//! ## Running the suite from code
//!
//! Every use starts from one entry point, [`harness::Harness`]: where the
//! target is, what it holds, how to talk to it. The `macie-conform`
//! binary, `explore` and the `cargo test` builder all start there.
//!
//! ```no_run
//! use macie_conform::harness::Harness;
//! use macie_conform::report::terminal::{self, Style};
//! use macie_conform::runner::{self, RunEvent};
//!
//! # async fn example() -> Result<(), macie_conform::harness::HarnessError> {
//! // The built-in suite, compiled into the crate; add folders of your own
//! // cases to `dirs`.
//! let suite = runner::load_suites(&runner::SuiteSources::default())?;
//! // No target: the embedded reference server, which holds the canonical data.
//! let running = Harness::new().start().await?;
//! let report = running
//!     .run(&suite, |event| {
//!         if let RunEvent::CaseFinished { report, .. } = event {
//!             eprintln!("{}: {:?}", report.id, report.verdict);
//!         }
//!     })
//!     .await?;
//! running.finish().await;
//! print!("{}", terminal::render(&report, &Style::default()));
//! # Ok(())
//! # }
//! ```
//!
//! Exploring the same target takes its set-up from the same start:
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use macie_conform::{explore, harness::Harness};
//! use std::sync::Arc;
//! let running = Harness::new().target("http://127.0.0.1:8080").start().await?;
//! let options = explore::ExploreOptions::new(1, 500);
//! let report = explore::explore(&running.explore_setup(), &options, Arc::new(|_| {})).await?;
//! running.finish().await;
//! # let _ = report;
//! # Ok(())
//! # }
//! ```
//!
//! To run the suite as tests of your own crate's `cargo test`, one test
//! per case against your axum app, see [`libtest`] (its builder starts a
//! [`harness::Harness`] too).
//!
//! ## How it is built
//!
//! Each concern is one module, and imports only point down the list:
//!
//! - [`model`]: the document's types, the only thing the reference server
//!   and the checks share.
//! - [`schema`]: the JSON Schemas derived from the document, embedded and
//!   compiled.
//! - [`engine`]: the pure core, without I/O: the case format and its loader
//!   with positioned diagnostics, the checks, the oracle over a known data
//!   set, diffs and snapshot normalisation. Given the same answers it
//!   always reaches the same verdict.
//! - [`runner`]: everything that talks to a target: HTTP with timeouts,
//!   retries and size caps, concurrency, page walks, the data census, and
//!   the events reporters listen to.
//! - [`report`]: the report model (verdict, findings, requirement matrix,
//!   coverage) and one renderer per format.
//! - [`harness`]: the one entry point: a target prepared (a URL, a router
//!   served on loopback, or the embedded server) with its client and limits.
//! - [`explore`]: generative exploration on top of the runner: requests
//!   drawn from the request schema and the target's data, written as cases
//!   and judged by the same checks, with failures shrunk and saved as case
//!   files.
//! - [`server`]: the reference implementation, the default target, which
//!   can also make the other choices the document leaves open.
//!
//! What the document leaves open, and how the suite treats each point, is
//! listed in `docs/open-choices.md`.

// An item no user can reach is `pub(crate)`, so what `pub` says is the
// API; clippy's -D warnings in CI keeps it so.
#![warn(unreachable_pub)]

pub(crate) mod builtin;
#[doc(hidden)]
pub mod cli;
pub(crate) mod config;
pub mod engine;
pub mod explore;
pub(crate) mod files;
pub mod harness;
pub mod libtest;
pub mod model;
pub mod report;
pub mod runner;
pub mod schema;
pub mod server;
pub(crate) mod vars;
