//! The in-memory count of failed authentications per client IP, across all routes
//! (OWASP API2:2023, broken authentication; credential stuffing).
//!
//! Each client keeps a sliding log of its recent credential checks: the
//! failures within the window and the checks still in progress. A check
//! is reserved before its credentials are verified ([`FailedAuth::begin`])
//! and refused when the failures and the checks in progress already make
//! `limit`, so concurrent guesses (waiting together on a key fetch, say)
//! can never exceed the limit. A check that succeeds is refunded; the
//! failure that makes `limit` within one window locks the client out for a
//! whole window: every request from it that presents credentials, valid or
//! not, on any path (routed or not), gets 429 until then; the
//! [`Security`](crate::Security) middleware checks before routing.
//! Requests without credentials are neither counted nor refused.
//!
//! Memory is bounded: at most `max_tracked` clients (default
//! [`MAX_TRACKED`]) are tracked. A new client that finds the table full
//! makes room by evicting the least recently active tenth (and every idle
//! client), so a new client always gets a track of its own: a flood of new
//! addresses can never lock out a client that took no part in it. The
//! price: a client evicted while it had failures starts again from zero,
//! which takes a flood of `max_tracked / 10` other addresses at least.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Attempt;

/// The default: 20 failures per client IP per minute.
pub(crate) const DEFAULT_FAILURES: u32 = 20;
/// The default window, in seconds.
pub(crate) const DEFAULT_WINDOW_SECS: u64 = 60;

/// The most client IPs tracked at once, by default.
pub(crate) const MAX_TRACKED: usize = 100_000;

/// Failed authentications per client IP.
pub(crate) struct FailedAuth {
    limit: usize,
    window: Duration,
    max_tracked: usize,
    state: Mutex<State>,
}

struct State {
    ips: HashMap<IpAddr, Track>,
    /// The id of the next attempt.
    next_attempt: u64,
}

/// One client's recent checks and lock.
struct Track {
    /// Failures within the window and checks in progress, oldest first;
    /// at most `limit`.
    checks: VecDeque<Check>,
    locked_until: Option<Instant>,
    last_active: Instant,
}

struct Check {
    at: Instant,
    attempt: Attempt,
    /// `false` while the check is in progress.
    failed: bool,
}

impl Track {
    fn new(now: Instant) -> Self {
        Self {
            checks: VecDeque::new(),
            locked_until: None,
            last_active: now,
        }
    }

    /// Forgets the checks older than `window`.
    fn forget_before(&mut self, now: Instant, window: Duration) {
        while self
            .checks
            .front()
            .is_some_and(|c| now.duration_since(c.at) >= window)
        {
            self.checks.pop_front();
        }
    }

    /// How long the lock still holds at `now`, if it does.
    fn lock(&self, now: Instant) -> Option<Duration> {
        self.locked_until?
            .checked_duration_since(now)
            .filter(|d| !d.is_zero())
    }

    fn idle(&self, now: Instant, window: Duration) -> bool {
        let recent = self
            .checks
            .back()
            .is_some_and(|c| now.duration_since(c.at) < window);
        !recent && self.lock(now).is_none()
    }

    /// Counts one failure; `true` when it makes `limit` and locks.
    fn fail(&mut self, now: Instant, window: Duration, limit: usize) -> bool {
        if self.checks.iter().filter(|c| c.failed).count() < limit {
            return false;
        }
        self.checks.clear();
        self.locked_until = Some(now.checked_add(window).unwrap_or(now));
        true
    }
}

impl FailedAuth {
    /// `limit` failures (at least 1) within `window` lock an IP out for
    /// `window`; at most `max_tracked` IPs (at least 10) are tracked.
    pub(crate) fn new(limit: u32, window: Duration, max_tracked: usize) -> Self {
        Self {
            limit: usize::try_from(limit.max(1)).unwrap_or(usize::MAX),
            window,
            max_tracked: max_tracked.max(10),
            state: Mutex::new(State {
                ips: HashMap::new(),
                next_attempt: 0,
            }),
        }
    }

    /// When `ip` is locked out: how long until the lock ends.
    pub(crate) fn locked_out(&self, ip: IpAddr) -> Option<Duration> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.ips.get(&ip)?.lock(Instant::now())
    }

    /// Reserves one check of `ip`'s credentials; `Err(wait)` when `ip` is
    /// locked out or its failures and checks in progress make the limit.
    pub(crate) fn begin(&self, ip: IpAddr) -> Result<Attempt, Duration> {
        self.begin_at(ip, Instant::now())
    }

    fn begin_at(&self, ip: IpAddr, now: Instant) -> Result<Attempt, Duration> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let state = &mut *state;
        let attempt = Attempt(state.next_attempt);
        state.next_attempt = state.next_attempt.wrapping_add(1);
        let track = self.track(&mut state.ips, ip, now);
        if let Some(wait) = track.lock(now) {
            return Err(wait);
        }
        if track.checks.len() >= self.limit {
            // Full of failures and checks in progress: wait until the
            // oldest one leaves the window.
            let oldest = track.checks.front().map_or(now, |c| c.at);
            let wait = (oldest + self.window).saturating_duration_since(now);
            return Err(wait.max(Duration::from_secs(1)));
        }
        track.checks.push_back(Check {
            at: now,
            attempt,
            failed: false,
        });
        Ok(attempt)
    }

    /// Ends `attempt` of `ip`: refunded when `failed` is false, a failure
    /// otherwise; `true` when the failure locks `ip` out.
    pub(crate) fn end(&self, ip: IpAddr, attempt: Attempt, failed: bool) -> bool {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(track) = state.ips.get_mut(&ip) else {
            // Evicted meanwhile: a failure starts a new track.
            return failed && self.record_in(&mut state, ip, now);
        };
        let Some(i) = track.checks.iter().position(|c| c.attempt == attempt) else {
            return failed && self.record_in(&mut state, ip, now);
        };
        if !failed {
            track.checks.remove(i);
            return false;
        }
        if let Some(check) = track.checks.get_mut(i) {
            check.failed = true;
        }
        track.fail(now, self.window, self.limit)
    }

    /// Counts one failure of `ip` without a reserved attempt; `true` when
    /// it locks `ip` out.
    pub(crate) fn record(&self, ip: IpAddr) -> bool {
        self.record_at(ip, Instant::now())
    }

    fn record_at(&self, ip: IpAddr, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.record_in(&mut state, ip, now)
    }

    fn record_in(&self, state: &mut State, ip: IpAddr, now: Instant) -> bool {
        let attempt = Attempt(state.next_attempt);
        state.next_attempt = state.next_attempt.wrapping_add(1);
        let track = self.track(&mut state.ips, ip, now);
        track.checks.push_back(Check {
            at: now,
            attempt,
            failed: true,
        });
        while track.checks.len() > self.limit {
            track.checks.pop_front();
        }
        track.fail(now, self.window, self.limit)
    }

    /// `ip`'s track, made (room first) when it has none, its old checks
    /// forgotten and its activity stamped.
    fn track<'a>(
        &self,
        ips: &'a mut HashMap<IpAddr, Track>,
        ip: IpAddr,
        now: Instant,
    ) -> &'a mut Track {
        if ips.len() >= self.max_tracked && !ips.contains_key(&ip) {
            self.make_room(ips, now);
        }
        let track = ips.entry(ip).or_insert_with(|| Track::new(now));
        track.forget_before(now, self.window);
        track.last_active = now;
        track
    }

    /// Drops every idle track and the least recently active tenth: one pass
    /// over the table for every `max_tracked / 10` new clients.
    fn make_room(&self, ips: &mut HashMap<IpAddr, Track>, now: Instant) {
        let mut active: Vec<Instant> = ips.values().map(|t| t.last_active).collect();
        let Some(last) = active.len().checked_sub(1) else {
            return;
        };
        let (_, cutoff, _) = active.select_nth_unstable((self.max_tracked / 10).min(last));
        let cutoff = *cutoff;
        let window = self.window;
        ips.retain(|_, t| t.last_active > cutoff && !t.idle(now, window));
    }

    /// How many clients are tracked.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ips
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(limit: u32) -> FailedAuth {
        FailedAuth::new(limit, Duration::from_secs(60), MAX_TRACKED)
    }

    #[test]
    fn locks_out_after_the_limit_and_only_that_ip() {
        let f = failures(3);
        let ip = IpAddr::from([192, 0, 2, 1]);
        for _ in 0..2 {
            assert!(!f.record(ip));
        }
        assert_eq!(f.locked_out(ip), None);
        assert!(f.record(ip));
        assert!(
            f.locked_out(ip)
                .is_some_and(|d| d <= Duration::from_secs(60) && d > Duration::from_secs(59))
        );
        assert_eq!(f.locked_out(IpAddr::from([192, 0, 2, 2])), None);
        assert!(f.begin(ip).is_err());
    }

    #[test]
    fn no_window_holds_more_than_the_limit_without_a_lock() {
        // Two failures at once, then one more a little later: the third
        // within the window locks, however the failures are spread.
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        let f = failures(3);
        let ip = IpAddr::from([192, 0, 2, 7]);
        assert!(!f.record_at(ip, at(0)));
        assert!(!f.record_at(ip, at(0)));
        assert!(f.record_at(ip, at(57)));
        // Failures further apart than the window never lock.
        let other = IpAddr::from([192, 0, 2, 8]);
        for n in 0..10 {
            assert!(!f.record_at(other, at(n * 31)));
        }
    }

    #[test]
    fn attempts_in_progress_count_against_the_limit_and_good_ones_are_refunded() {
        let f = failures(3);
        let ip = IpAddr::from([192, 0, 2, 9]);
        let a = f.begin(ip).unwrap_or(Attempt(u64::MAX));
        let b = f.begin(ip).unwrap_or(Attempt(u64::MAX));
        let c = f.begin(ip).unwrap_or(Attempt(u64::MAX));
        // Three checks in flight: a fourth concurrent guess is refused.
        assert!(f.begin(ip).is_err());
        // Good credentials are refunded.
        assert!(!f.end(ip, a, false));
        let d = f.begin(ip).unwrap_or(Attempt(u64::MAX));
        assert!(!f.end(ip, b, true));
        assert!(!f.end(ip, d, false));
        assert!(!f.end(ip, c, true));
        assert_eq!(f.locked_out(ip), None);
        // The third failure locks.
        let e = f.begin(ip).unwrap_or(Attempt(u64::MAX));
        assert!(f.end(ip, e, true));
        assert!(f.locked_out(ip).is_some());
    }

    #[test]
    fn a_flood_of_new_addresses_never_locks_out_a_bystander() {
        let f = FailedAuth::new(1, Duration::from_secs(60), 1_000);
        // Each address of the flood fails once: with a limit of 1, each
        // one locks itself out.
        for i in 0..15_000u32 {
            assert!(f.record(IpAddr::from((0x0a00_0000 + i).to_be_bytes())));
        }
        assert!(f.tracked() <= 1_000, "{}", f.tracked());
        let bystander = IpAddr::from([192, 0, 2, 200]);
        assert_eq!(f.locked_out(bystander), None);
        assert!(f.begin(bystander).is_ok());
        // The most recent of the flood are still locked out.
        assert!(
            f.locked_out(IpAddr::from((0x0a00_0000 + 14_999u32).to_be_bytes()))
                .is_some()
        );
    }
}
