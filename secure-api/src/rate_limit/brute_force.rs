//! Throttling of failed authentications per client IP, across all routes
//! (OWASP API2:2023, broken authentication; credential stuffing).
//!
//! Failures are charged to a per-IP GCRA bucket (governor, through
//! [`KeyedLimiter`]) of `limit` per window. The failure that empties the
//! bucket (the `limit`-th within any window) locks the IP out for a whole
//! window: every request from it that presents credentials, valid or not,
//! gets 429 until then. Requests without credentials are neither counted
//! nor refused.
//!
//! Memory is bounded like every limiter: at most [`MAX_TRACKED`] IPs have a
//! bucket (past that, new IPs share one overflow bucket, so a flood from
//! many addresses locks that shared bucket rather than escaping the count),
//! and at most [`MAX_TRACKED`] lock-outs are held, expired ones pruned at
//! most once a second.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{KeyedLimiter, Quota, RateKey};

/// The default: 20 failures per client IP per minute.
pub(crate) const DEFAULT_FAILURES: u32 = 20;
/// The default window, in seconds.
pub(crate) const DEFAULT_WINDOW_SECS: u64 = 60;

/// The most client IPs tracked, and the most lock-outs held, at once.
pub(crate) const MAX_TRACKED: usize = 100_000;

/// Failed authentications per client IP.
pub(crate) struct FailedAuth {
    window: Duration,
    failures: KeyedLimiter,
    locks: Mutex<Locks>,
}

struct Locks {
    until: HashMap<IpAddr, Instant>,
    overflow_until: Option<Instant>,
    last_prune: Instant,
}

impl FailedAuth {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        let quota =
            Quota::new(limit.max(1), window.as_secs().max(1)).unwrap_or(Quota::__new(1, 1, 1));
        Self {
            window,
            failures: KeyedLimiter::new(quota, MAX_TRACKED),
            locks: Mutex::new(Locks {
                until: HashMap::new(),
                overflow_until: None,
                last_prune: Instant::now(),
            }),
        }
    }

    /// When `ip` is locked out: how long until the lock ends.
    pub(crate) fn locked_out(&self, ip: IpAddr) -> Option<Duration> {
        let locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        let until = locks.until.get(&ip).copied().or_else(|| {
            // An IP without its own bucket is judged by the shared one.
            (self.failures.len() >= self.failures.max_keys())
                .then_some(locks.overflow_until)
                .flatten()
        })?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Counts one failure of `ip`; `true` when this failure locks it out.
    pub(crate) fn record(&self, ip: IpAddr) -> bool {
        let outcome = self.failures.check(&RateKey::Ip(ip));
        if outcome.retry_after.is_none() && outcome.remaining > 0 {
            return false;
        }
        let now = Instant::now();
        let until = now + self.window;
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if locks.until.len() >= MAX_TRACKED
            && now.duration_since(locks.last_prune) >= Duration::from_secs(1)
        {
            locks.until.retain(|_, t| *t > now);
            locks.last_prune = now;
        }
        if locks.until.len() < MAX_TRACKED || locks.until.contains_key(&ip) {
            locks.until.insert(ip, until);
        } else {
            locks.overflow_until = Some(until);
        }
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
    fn failures_are_counted_in_any_window_not_from_the_first_one() {
        // 1 failure, then 2 more at once: 3 within a window.
        let f = FailedAuth::new(3, Duration::from_secs(60));
        let ip = IpAddr::from([192, 0, 2, 9]);
        assert!(!f.record(ip));
        assert!(!f.record(ip));
        assert!(f.record(ip));
    }
}
