//! Bodies being read at once, bounded across every case: what keeps a
//! run's memory flat when a target answers with pages near `--max-body`.

use std::sync::Arc;
use std::time::Duration;

/// Bounds the bytes of answer bodies read at once, all cases together.
///
/// Each body is read whole before it is judged, and at `-j 16` sixteen
/// bodies of up to `--max-body` may be read at once: 7 MB pages took a run
/// to 340 MiB. A read reserves its body's size here first (what
/// `Content-Length` declares, or, without one, what has come so far) and
/// waits while other reads hold the rest; small bodies hardly wait at all.
/// Judging a body is synchronous, so once read it is parsed and dropped
/// before its task waits again: what is in memory at once is the bodies
/// this gate admits, the ones being judged (one per worker thread), and
/// what walks keep, which `--max-retained` bounds.
///
/// The gate is apart from the retained-bytes budget on purpose: a walk
/// holds its pages while it reads the next one, so a read that waited on
/// that budget could wait on its own walk forever.
pub(super) struct BodyGate {
    permits: Arc<tokio::sync::Semaphore>,
    /// The gate's size in KiB (its permits).
    capacity: u32,
}

/// Gives the memory the allocator holds free back to the system (glibc).
///
/// Called before a large body is read: glibc keeps what is freed in the
/// arena of the thread that allocated it, and a run judges pages near the
/// body cap on whichever worker thread picks their case up, so without it
/// each arena kept a few such pages (7 MB pages at `-j 16`: 141–147 MiB,
/// against 97–102 MiB; `cargo bench --bench hostile_memory`). One arena
/// would do the same for every allocation but halved the rate of cases
/// run (`cargo bench --bench harness`); a trim before large bodies only
/// costs what large bodies are rare enough to afford.
pub(super) fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it takes
    // the allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What [`BodyGate`] admits at once: the body cap, and at least 8 MiB.
/// Bodies of a few KiB, which a correct server sends, pass side by side by
/// the thousand; bodies near the cap are read one after the other.
pub(super) fn gate_bytes(max_body: usize) -> usize {
    max_body.max(8 << 20)
}

impl BodyGate {
    pub(super) fn new(bytes: usize) -> BodyGate {
        let capacity = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .min(tokio::sync::Semaphore::MAX_PERMITS as u32);
        BodyGate {
            permits: Arc::new(tokio::sync::Semaphore::new(capacity as usize)),
            capacity,
        }
    }

    pub(super) fn kib(&self, bytes: usize) -> u32 {
        u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, self.capacity)
    }

    /// Waits until `bytes` may be read (a body larger than the gate takes
    /// all of it), but no longer than `patience`: bodies hold their claim
    /// until they are judged, and a case that waited on a claim its own
    /// task holds would wait forever. Past it the body is read unclaimed,
    /// a rare overshoot rather than a hang.
    pub(super) async fn reserve(
        &self,
        bytes: usize,
        patience: Duration,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let claim = Arc::clone(&self.permits).acquire_many_owned(self.kib(bytes));
        let claim = tokio::time::timeout(patience, claim).await.ok()?.ok();
        // The large bodies read before this one have been judged and
        // dropped by now (the gate admits them one or two at a time).
        if bytes >= 1 << 20 {
            trim();
        }
        claim
    }

    /// Grows `held` to `bytes` if the gate has room now; never waits, since
    /// a read that holds part of the gate and waits for more could wait on
    /// others doing the same.
    pub(super) fn try_grow(
        &self,
        held: &mut tokio::sync::OwnedSemaphorePermit,
        bytes: usize,
    ) -> bool {
        let want = self.kib(bytes);
        let have = held.num_permits() as u32;
        if want <= have {
            return true;
        }
        match Arc::clone(&self.permits).try_acquire_many_owned(want - have) {
            Ok(more) => {
                held.merge(more);
                true
            }
            Err(_) => false,
        }
    }
}
