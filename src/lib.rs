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
//! ```no_run
//! use macie_conform::report::terminal::{self, Style};
//! use macie_conform::runner::{self, RunEvent, RunOptions, Selection, Target};
//! use macie_conform::runner::http::ClientOptions;
//!
//! # async fn example() -> Result<(), runner::RunError> {
//! // The built-in suite, compiled into the crate; add folders of your own
//! // cases to `dirs`.
//! let suite = runner::load_suites(&runner::SuiteSources::default())?;
//! // No URL: the embedded reference server, which holds the canonical data.
//! let target = Target::resolve(None, None, false).await?;
//! let options = RunOptions {
//!     target: target.url.clone(),
//!     client: target.client_options(ClientOptions::default()),
//!     concurrency: 4,
//!     fixture: target.fixture.clone(),
//!     faults: target.faults,
//!     snapshots: None,
//!     redact: Vec::new(),
//!     vars: Default::default(),
//!     keep_passed_bodies: true,
//! };
//! let report = runner::run(&suite, &Selection::default(), options, |event| {
//!     if let RunEvent::CaseFinished { report, .. } = event {
//!         eprintln!("{}: {:?}", report.id, report.verdict);
//!     }
//! })
//! .await?;
//! target.finish().await;
//! print!("{}", terminal::render(&report, &Style::default()));
//! # Ok(())
//! # }
//! ```
//!
//! To run the suite as tests of your own crate's `cargo test`, one test
//! per case against your axum app, see [`libtest`].
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
//! - [`explore`]: generative exploration on top of the runner: requests
//!   drawn from the request schema and the target's data, written as cases
//!   and judged by the same checks, with failures shrunk and saved as case
//!   files.
//! - [`server`]: the reference implementation, the default target, which
//!   can also make the other choices the document leaves open.
//!
//! What the document leaves open, and how the suite treats each point, is
//! listed in `docs/open-choices.md`.

pub mod builtin;
pub mod config;
pub mod engine;
pub mod explore;
pub mod files;
pub mod libtest;
pub mod model;
pub mod report;
pub mod runner;
pub mod schema;
pub mod server;
pub mod vars;
