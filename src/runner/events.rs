//! What a run reports while it goes, for whoever shows progress or builds a
//! report: as cargo-nextest's runner does, the runner emits events and the
//! reporters consume them, rather than the runner printing anything.
//!
//! Cases run concurrently, so the events of different cases interleave; the
//! events of one case come in order: started, then exchanges and checks as
//! each step ends, then finished. Every check names the exchange it judged
//! by the index announced in an earlier [`RunEvent::ExchangeRecorded`] of
//! the same case.

use crate::engine::check::CheckResult;
use crate::engine::exchange::Exchange;
use crate::report::CaseReport;
use std::sync::Arc;

/// One thing that happened in a run.
#[derive(Debug, Clone, Copy)]
pub enum RunEvent<'a> {
    /// A case got its turn. `index` is its place among the selected cases.
    CaseStarted { index: usize, id: &'a str },
    /// An exchange was kept as evidence; `exchange` is its index in the
    /// case's report, the one checks name.
    ExchangeRecorded {
        case: &'a str,
        exchange: usize,
        recorded: &'a Exchange,
    },
    /// A check of a case ended (passed, failed or skipped).
    CheckFinished {
        case: &'a str,
        check: &'a CheckResult,
    },
    /// A case ended; its report is complete. A case skipped before it sent
    /// anything, or whose task failed, comes with no events before this one
    /// but its start.
    CaseFinished {
        index: usize,
        report: &'a CaseReport,
    },
    /// The run stopped sending, once: its deadline passed or the target
    /// stopped answering. Every case that had not finished fails with this
    /// `reason`, and carries `cause`.
    Stopped {
        cause: crate::engine::check::Unjudged,
        reason: &'a str,
    },
}

/// Where the runner sends its events.
pub type EventSink = Arc<dyn Fn(&RunEvent<'_>) + Send + Sync>;
