//! The engine: the pure core that decides every verdict, without I/O.
//! (Named `engine` rather than `core` so it does not shadow `::core`.)
//!
//! - [`case`]: the case format; [`load`]: parsing and pre-run checks with
//!   positioned diagnostics.
//! - [`exchange`]: requests and responses as data.
//! - [`check`]: judging an answer against expectations, as [`check::CheckResult`]s.
//! - [`oracle`]: the expected listing over a known job set.
//! - [`diagnose`]: the likely cause behind failed checks.
//! - [`diff`]: readable JSON differences, whole: cutting them for display
//!   is a renderer's business.
//! - [`requirements`]: the requirements catalogue's format.
//! - [`snapshot`]: the `.snap` format and the normalisation snapshots use.

pub mod case;
pub mod check;
pub mod diagnose;
pub mod diff;
pub mod exchange;
pub mod load;
pub mod oracle;
pub(crate) mod requirements;
pub mod select;
pub mod snapshot;
pub(crate) mod walk;
pub mod words;
