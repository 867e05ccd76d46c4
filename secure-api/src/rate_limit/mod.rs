//! Per-route quotas enforced with `governor`'s keyed GCRA limiter.
//!
//! `rate = "N/W"` admits a burst of N requests, then replenishes one every
//! W/N (GCRA, as governor implements it). Every `#[secure]` handler has its
//! own set of buckets, keyed by the principal's `sub` on authenticated routes
//! and by the client IP ([`client_ip`]) on `public` ones.

pub(crate) mod client_ip;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};

/// A quota: `count` requests per `window_secs` seconds (`rate = "N/W"`).
///
/// Made by `#[secure]`, which checks at compile time that `count` is at
/// least 1 and `window_secs` at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    count: u32,
    window_secs: u64,
}

impl Quota {
    #[doc(hidden)]
    /// Used by generated code; `count` and `window_secs` were checked at
    /// compile time to be at least 1.
    pub const fn __new(count: u32, window_secs: u64) -> Self {
        Self { count, window_secs }
    }

    /// The burst: requests admitted at once.
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// The window in seconds.
    pub const fn window_secs(&self) -> u64 {
        self.window_secs
    }

    /// The governor quota: a burst of `count`, one cell back every
    /// `window / count`.
    fn to_governor(self) -> governor::Quota {
        let burst = NonZeroU32::new(self.count).unwrap_or(NonZeroU32::MIN);
        let window_nanos = u128::from(self.window_secs.max(1)) * 1_000_000_000;
        let period_nanos = (window_nanos / u128::from(burst.get())).clamp(1, u128::from(u64::MAX));
        let period = Duration::from_nanos(u64::try_from(period_nanos).unwrap_or(u64::MAX));
        governor::Quota::with_period(period)
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

/// Whose bucket a request is charged to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RateKey {
    /// An authenticated caller's `sub`.
    Principal(String),
    /// The client address of an unauthenticated request.
    Ip(IpAddr),
}

/// The buckets of every `#[secure]` route of one [`Security`](crate::Security).
#[derive(Default)]
pub(crate) struct RateLimiters {
    routes: RwLock<HashMap<&'static str, Arc<DefaultKeyedRateLimiter<RateKey>>>>,
}

impl RateLimiters {
    /// Charges one request of `key` to the route `handler`.
    ///
    /// # Errors
    /// The time until a request would be admitted, when the bucket is empty.
    pub(crate) fn check(
        &self,
        handler: &'static str,
        quota: Quota,
        key: &RateKey,
    ) -> Result<(), Duration> {
        let limiter = self.limiter(handler, quota);
        limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn limiter(
        &self,
        handler: &'static str,
        quota: Quota,
    ) -> Arc<DefaultKeyedRateLimiter<RateKey>> {
        if let Some(l) = self
            .routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(handler)
        {
            return Arc::clone(l);
        }
        let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            routes
                .entry(handler)
                .or_insert_with(|| Arc::new(RateLimiter::keyed(quota.to_governor()))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_with_wait() {
        let limiters = RateLimiters::default();
        let q = Quota::__new(3, 60);
        let key = RateKey::Principal("alice".into());
        for _ in 0..3 {
            assert_eq!(limiters.check("r", q, &key), Ok(()));
        }
        let wait = limiters.check("r", q, &key).err().unwrap_or_default();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Another key and another route have their own buckets.
        assert_eq!(
            limiters.check("r", q, &RateKey::Principal("bob".into())),
            Ok(())
        );
        assert_eq!(limiters.check("other", q, &key), Ok(()));
    }
}
