//! Throttling of failed authentications per client IP, across all routes
//! (OWASP API2:2023, broken authentication; credential stuffing).
//!
//! Each client IP has a window that starts at its first failed
//! authentication (a bad, expired or wrongly signed token). Once `limit`
//! failures fall in one window, every request from that IP that presents
//! credentials, valid or not, gets 429 until the window ends. Requests
//! without credentials are neither counted nor refused.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default: 20 failures per client IP per minute.
pub(crate) const DEFAULT_FAILURES: u32 = 20;
/// The default window, in seconds.
pub(crate) const DEFAULT_WINDOW_SECS: u64 = 60;

/// The most client IPs tracked at once; past that, expired windows are
/// dropped, and if none has expired a new IP is not tracked until one does.
const MAX_TRACKED: usize = 100_000;

struct Window {
    started: Instant,
    failures: u32,
}

/// Failed authentications per client IP.
pub(crate) struct FailedAuth {
    limit: u32,
    window: Duration,
    ips: Mutex<HashMap<IpAddr, Window>>,
}

impl FailedAuth {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            ips: Mutex::new(HashMap::new()),
        }
    }

    /// When `ip` is locked out: how long until its window ends.
    pub(crate) fn locked_out(&self, ip: IpAddr) -> Option<Duration> {
        let ips = self.ips.lock().unwrap_or_else(|p| p.into_inner());
        let w = ips.get(&ip)?;
        let left = self.window.checked_sub(w.started.elapsed())?;
        (w.failures >= self.limit && !left.is_zero()).then_some(left)
    }

    /// Counts one failure of `ip`; `true` when this failure locks it out.
    pub(crate) fn record(&self, ip: IpAddr) -> bool {
        let mut ips = self.ips.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if ips.len() >= MAX_TRACKED && !ips.contains_key(&ip) {
            ips.retain(|_, w| now.duration_since(w.started) < self.window);
            if ips.len() >= MAX_TRACKED {
                return false;
            }
        }
        let w = ips.entry(ip).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.duration_since(w.started) >= self.window {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
        w.failures == self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_after_the_limit_and_only_that_ip() {
        let f = FailedAuth::new(3, Duration::from_secs(60));
        let ip = IpAddr::from([192, 0, 2, 1]);
        assert!(!f.record(ip));
        assert!(!f.record(ip));
        assert_eq!(f.locked_out(ip), None);
        assert!(f.record(ip));
        assert!(
            f.locked_out(ip)
                .is_some_and(|d| d <= Duration::from_secs(60))
        );
        assert_eq!(f.locked_out(IpAddr::from([192, 0, 2, 2])), None);
    }

    #[test]
    fn the_window_ends() {
        let f = FailedAuth::new(1, Duration::from_millis(20));
        let ip = IpAddr::from([192, 0, 2, 1]);
        f.record(ip);
        assert!(f.locked_out(ip).is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(f.locked_out(ip), None);
    }
}
