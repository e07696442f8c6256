//! The pure core: everything that decides a verdict, without I/O.
//!
//! - [`case`]: the case format; [`load`]: parsing and pre-run checks with
//!   positioned diagnostics.
//! - [`exchange`]: requests and responses as data.
//! - [`check`]: judging an answer against expectations, as [`check::CheckResult`]s.
//! - [`oracle`]: the expected listing over a known job set.
//! - [`diff`]: readable JSON differences.

pub mod case;
pub mod check;
pub mod diff;
pub mod exchange;
pub mod load;
pub mod oracle;
pub mod requirements;
pub mod snapshot;
