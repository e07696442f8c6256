//! How fast a run sends: a cap on requests per second (`--rate-limit`),
//! and, unless `-j` fixes it, a number of requests in flight that follows
//! what the target can take.
//!
//! A case sends one request at a time, so across a network a run is bound
//! by how many cases are in flight: at 50 ms a round trip, 4 at once take
//! 7 s for 570 requests, 32 take under 1 s. Yet a server with a quota, or
//! one that queues, must not be flooded. The window here does what TCP's
//! congestion control does, on requests instead of packets:
//!
//! - it starts at [`START`] requests in flight and, until the target first
//!   pushes back, grows by one for every answer (doubling every round
//!   trip), up to [`MAX`];
//! - after that it grows by one per window of answers (additive increase);
//! - it halves (multiplicative decrease, never below 1) when the target
//!   pushes back: a throttled answer (429, 503, `ThrottlingException`), a
//!   request that timed out, or an answer that took more than twice the
//!   fastest one plus [`SLOW_MARGIN`] (the target queues). One episode
//!   halves it once: only requests sent after the last decrease count.
//!
//! Only requests sent to be judged as usual feed it: a case that asks the
//! target to throttle it (fault injection) learns nothing about its load.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Requests in flight when a run starts.
pub const START: usize = 8;

/// The most requests in flight, and so the most cases at once, when the
/// window adapts. Each case in flight may hold a walk's listing: at 32,
/// the default retained budget holds a fixture-sized listing for each.
pub const MAX: usize = 32;

/// How much slower than twice the fastest answer an answer may be before
/// it reads as a target that queues: enough for a new connection's
/// handshake and a scheduler's hiccup on a loaded machine.
pub const SLOW_MARGIN: Duration = Duration::from_millis(50);

/// A run's pacing, shared by every request it sends.
#[derive(Debug, Default)]
pub struct Pace {
    rate: Option<Rate>,
    window: Option<Window>,
}

/// What one answer said about the target's load.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Signal {
    /// Answered in time.
    Answered(Duration),
    /// Throttled, or timed out: the target pushes back.
    PushedBack,
}

impl Pace {
    /// At most `per_second` requests started a second (when given), and a
    /// window of requests in flight that adapts (when `adaptive`).
    pub fn new(per_second: Option<f64>, adaptive: bool) -> Pace {
        Pace {
            rate: per_second
                .filter(|r| r.is_finite() && *r > 0.0)
                .map(|r| Rate {
                    interval: Duration::from_secs_f64(1.0 / r),
                    next: Mutex::new(None),
                }),
            window: adaptive.then(Window::new),
        }
    }

    /// Whether the window adapts (no `-j`).
    pub fn adaptive(&self) -> bool {
        self.window.is_some()
    }

    /// Waits for a place in the window and then for the request's turn
    /// under the rate limit. The returned ticket is the place: hand it to
    /// [`Pace::done`] with what the answer said.
    pub(crate) async fn enter(&self) -> Ticket<'_> {
        if let Some(window) = &self.window {
            window.enter().await;
        }
        if let Some(rate) = &self.rate {
            rate.wait().await;
        }
        Ticket {
            pace: self,
            sent: Instant::now(),
            open: true,
        }
    }

    /// Waits only for the request's turn under the rate limit: a second
    /// try of a request that already holds its place in the window.
    pub(crate) async fn turn(&self) {
        if let Some(rate) = &self.rate {
            rate.wait().await;
        }
    }

    /// The window now, when it adapts.
    pub fn window_now(&self) -> Option<usize> {
        self.window.as_ref().map(Window::limit)
    }
}

/// A request's place in the window, from its send to its answer. Dropped
/// without [`Ticket::done`] (a case cut off at the deadline), it frees the
/// place and says nothing.
pub(crate) struct Ticket<'a> {
    pace: &'a Pace,
    sent: Instant,
    open: bool,
}

impl Ticket<'_> {
    /// When the request was sent (after any wait for its turn).
    #[cfg(test)]
    pub(crate) fn sent(&self) -> Instant {
        self.sent
    }

    /// Frees the place, and lets the window learn from `signal` if given.
    pub(crate) fn done(mut self, signal: Option<Signal>) {
        self.open = false;
        if let Some(window) = &self.pace.window {
            window.leave(self.sent, signal);
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.open
            && let Some(window) = &self.pace.window
        {
            window.leave(self.sent, None);
        }
    }
}

/// Requests start at least `interval` apart: never more than the rate in
/// any stretch of time, and no burst after an idle spell.
#[derive(Debug)]
struct Rate {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Rate {
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[derive(Debug)]
struct Window {
    state: Mutex<WindowState>,
    /// Wakes a waiting request when a place frees or the window grows.
    freed: tokio::sync::Notify,
}

#[derive(Debug)]
struct WindowState {
    /// Requests allowed in flight (a fraction grows it slowly).
    limit: f64,
    in_flight: usize,
    /// Until the first push back, the window doubles every round trip.
    slow_start: bool,
    fastest: Option<Duration>,
    /// Requests sent before this belong to the episode that already
    /// halved the window.
    last_decrease: Option<Instant>,
}

impl Window {
    fn new() -> Window {
        Window {
            state: Mutex::new(WindowState {
                limit: START as f64,
                in_flight: 0,
                slow_start: true,
                fastest: None,
                last_decrease: None,
            }),
            freed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WindowState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn limit(&self) -> usize {
        self.lock().limit as usize
    }

    async fn enter(&self) {
        loop {
            // Registered before the check, so a place freed in between
            // still wakes this request.
            let freed = self.freed.notified();
            {
                let mut state = self.lock();
                if state.in_flight < (state.limit as usize).max(1) {
                    state.in_flight += 1;
                    return;
                }
            }
            freed.await;
        }
    }

    fn leave(&self, sent: Instant, signal: Option<Signal>) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(signal) = signal {
            state.learn(sent, signal);
        }
        drop(state);
        self.freed.notify_waiters();
    }
}

impl WindowState {
    fn learn(&mut self, sent: Instant, signal: Signal) {
        let pushed_back = match signal {
            Signal::PushedBack => true,
            Signal::Answered(took) => {
                let fastest = *self.fastest.get_or_insert(took);
                self.fastest = Some(fastest.min(took));
                took > fastest * 2 + SLOW_MARGIN
            }
        };
        if pushed_back {
            if self.last_decrease.is_none_or(|last| sent >= last) {
                self.limit = (self.limit / 2.0).max(1.0);
                self.slow_start = false;
                self.last_decrease = Some(Instant::now());
            }
        } else if self.slow_start {
            self.limit = (self.limit + 1.0).min(MAX as f64);
        } else {
            self.limit = (self.limit + 1.0 / self.limit).min(MAX as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> WindowState {
        WindowState {
            limit: START as f64,
            in_flight: 0,
            slow_start: true,
            fastest: None,
            last_decrease: None,
        }
    }

    const FAST: Duration = Duration::from_millis(50);

    #[test]
    fn the_window_doubles_each_round_trip_until_pushed_back_then_grows_by_one() {
        let mut s = state();
        let now = Instant::now();
        for _ in 0..START {
            s.learn(now, Signal::Answered(FAST));
        }
        assert_eq!(s.limit as usize, 2 * START);
        for _ in 0..1000 {
            s.learn(now, Signal::Answered(FAST));
        }
        assert_eq!(s.limit as usize, MAX, "never past the cap");
        s.learn(now, Signal::PushedBack);
        assert_eq!(s.limit as usize, MAX / 2);
        // About a window's worth of answers adds one.
        for _ in 0..=MAX / 2 {
            s.learn(Instant::now(), Signal::Answered(FAST));
        }
        assert_eq!(s.limit as usize, MAX / 2 + 1);
    }

    #[test]
    fn one_episode_of_push_back_halves_the_window_once() {
        let mut s = state();
        let before = Instant::now();
        s.learn(before, Signal::PushedBack);
        assert_eq!(s.limit as usize, START / 2);
        // Requests sent before the decrease were part of the same episode.
        s.learn(before, Signal::PushedBack);
        s.learn(before, Signal::PushedBack);
        assert_eq!(s.limit as usize, START / 2);
        // One sent after it is news.
        s.learn(Instant::now(), Signal::PushedBack);
        assert_eq!(s.limit as usize, START / 4);
        for _ in 0..10 {
            s.learn(Instant::now(), Signal::PushedBack);
        }
        assert_eq!(s.limit as usize, 1, "never below one");
    }

    #[test]
    fn an_answer_far_slower_than_the_fastest_is_push_back_a_steady_slow_one_is_not() {
        let mut s = state();
        let now = Instant::now();
        // A server that always takes 150 ms is slow, not queueing.
        for _ in 0..100 {
            s.learn(now, Signal::Answered(Duration::from_millis(150)));
        }
        assert_eq!(s.limit as usize, MAX);
        // Twice the fastest plus the margin is still in time; beyond is not.
        s.learn(now, Signal::Answered(Duration::from_millis(350)));
        assert_eq!(s.limit as usize, MAX);
        s.learn(now, Signal::Answered(Duration::from_millis(351)));
        assert_eq!(s.limit as usize, MAX / 2);
    }

    #[tokio::test]
    async fn no_more_requests_are_in_flight_than_the_window_allows() {
        let pace = std::sync::Arc::new(Pace::new(None, true));
        let mut tickets = Vec::new();
        for _ in 0..START {
            tickets.push(pace.enter().await);
        }
        let waiting = {
            let pace = std::sync::Arc::clone(&pace);
            tokio::spawn(async move {
                pace.enter().await.done(None);
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "a ninth request waits");
        // A place freed by a dropped ticket lets it in.
        tickets.pop();
        waiting.await.expect("the waiting request enters");
    }

    #[tokio::test]
    async fn requests_start_no_sooner_than_the_rate_allows() {
        let pace = Pace::new(Some(20.0), false);
        let start = Instant::now();
        for k in 0..5u32 {
            // Never ahead of one every 50 ms (a loaded machine only makes
            // a request later).
            let sent = pace.enter().await.sent() - start;
            assert!(
                sent >= Duration::from_millis(50) * k,
                "request {k} at {sent:?}"
            );
        }
    }
}
