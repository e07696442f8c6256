//! # macie-conform
//!
//! A contract and conformance harness for the Amazon Macie
//! `ListClassificationJobs` operation (`POST /jobs/list`).
//!
//! - [`core`]: the pure core (no I/O): the oracle and, later, cases and checks.
//! - [`model`]: the document's types, the only thing the server and the checks share.
//! - [`schema`]: the JSON Schemas derived from the document, embedded and compiled.
//! - [`runner`]: sends the requests (HTTP, concurrency, timeouts, retries).
//! - [`report`]: the report model and one renderer per format.
//! - [`server`]: the reference implementation, used as the default target.

pub mod core;
pub mod model;
pub mod report;
pub mod runner;
pub mod schema;
pub mod server;
