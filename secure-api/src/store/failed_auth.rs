//! The in-memory count of failed authentications per client IP, across all routes
//! (OWASP API2:2023, broken authentication; credential stuffing).
//!
//! Each IP keeps the times of its last `limit` failures (a sliding log).
//! The failure that makes `limit` within one window locks the IP out for a
//! whole window: every request from it that presents credentials, valid or
//! not, on any path (routed or not), gets 429 until then; the
//! [`Security`](crate::Security) middleware checks before routing. So no IP
//! gets more than `limit` failures into any window. Requests without
//! credentials are neither counted nor refused.
//!
//! Memory is bounded: at most [`MAX_TRACKED`] IPs are tracked (idle ones
//! pruned at most once a second); past that, new IPs share one overflow
//! track, so a flood from many addresses locks that shared track rather
//! than escaping the count.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default: 20 failures per client IP per minute.
pub(crate) const DEFAULT_FAILURES: u32 = 20;
/// The default window, in seconds.
pub(crate) const DEFAULT_WINDOW_SECS: u64 = 60;

/// The most client IPs tracked at once.
pub(crate) const MAX_TRACKED: usize = 100_000;

/// Failed authentications per client IP.
pub(crate) struct FailedAuth {
    limit: usize,
    window: Duration,
    state: Mutex<State>,
}

struct State {
    ips: HashMap<IpAddr, Track>,
    /// Shared by the IPs that find the table full.
    overflow: Track,
    last_prune: Instant,
}

/// One IP's recent failures and lock.
#[derive(Default)]
struct Track {
    /// The times of the latest failures within the window, at most `limit`.
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl Track {
    fn idle(&self, now: Instant, window: Duration) -> bool {
        let recent = self
            .failures
            .back()
            .is_some_and(|t| now.duration_since(*t) < window);
        !recent && self.locked_until.is_none_or(|t| t <= now)
    }
}

impl FailedAuth {
    /// `limit` failures (at least 1) within `window` lock an IP out for
    /// `window`.
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: usize::try_from(limit.max(1)).unwrap_or(usize::MAX),
            window,
            state: Mutex::new(State {
                ips: HashMap::new(),
                overflow: Track::default(),
                last_prune: Instant::now(),
            }),
        }
    }

    /// When `ip` is locked out: how long until the lock ends.
    pub(crate) fn locked_out(&self, ip: IpAddr) -> Option<Duration> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let track = match state.ips.get(&ip) {
            Some(track) => track,
            // An IP without its own track is judged by the shared one.
            None if state.ips.len() >= MAX_TRACKED => &state.overflow,
            None => return None,
        };
        track
            .locked_until?
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Counts one failure of `ip`; `true` when this failure locks it out.
    pub(crate) fn record(&self, ip: IpAddr) -> bool {
        self.record_at(ip, Instant::now())
    }

    fn record_at(&self, ip: IpAddr, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let state = &mut *state;
        if state.ips.len() >= MAX_TRACKED
            && !state.ips.contains_key(&ip)
            && now.duration_since(state.last_prune) >= Duration::from_secs(1)
        {
            let window = self.window;
            state.ips.retain(|_, track| !track.idle(now, window));
            state.last_prune = now;
        }
        let track = if state.ips.len() < MAX_TRACKED || state.ips.contains_key(&ip) {
            state.ips.entry(ip).or_default()
        } else {
            &mut state.overflow
        };
        track.failures.push_back(now);
        while track.failures.len() > self.limit
            || track
                .failures
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            track.failures.pop_front();
        }
        if track.failures.len() < self.limit {
            return false;
        }
        track.failures.clear();
        track.locked_until = Some(now.checked_add(self.window).unwrap_or(now));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_after_the_limit_and_only_that_ip() {
        let f = FailedAuth::new(3, Duration::from_secs(60));
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
    }

    #[test]
    fn no_window_holds_more_than_the_limit_without_a_lock() {
        // Two failures at once, then one more a little later: the third
        // within the window locks, however the failures are spread.
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        let f = FailedAuth::new(3, Duration::from_secs(60));
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
    fn failures_are_counted_in_any_window_not_from_the_first_one() {
        // 1 failure, then 2 more at once: 3 within a window.
        let f = FailedAuth::new(3, Duration::from_secs(60));
        let ip = IpAddr::from([192, 0, 2, 9]);
        assert!(!f.record(ip));
        assert!(!f.record(ip));
        assert!(f.record(ip));
    }
}
