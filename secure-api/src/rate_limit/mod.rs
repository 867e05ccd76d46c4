//! Per-route quotas enforced with `governor`'s keyed GCRA limiter, with
//! bounded memory and the draft-ietf-httpapi-ratelimit-headers fields.
//!
//! `rate = "N/W"` is GCRA with a burst of N: N requests are admitted at
//! once, then one more every W/N (so `100/15m` admits 100, then one every
//! 9 s). `burst = M` changes the burst and keeps the rate. Every `#[secure]`
//! handler has its own buckets, whatever path spelling reached it; a request
//! is charged to the principal when authenticated (a JWT's `sub`, or an API
//! key's id in a bucket of its own) and to its client IP (see `client_ip`)
//! otherwise, unless `rate_key` says which.
//!
//! Memory is bounded: keys idle long enough for their bucket to be full
//! again (indistinguishable from a fresh one) are dropped every
//! [`SWEEP_INTERVAL`], and at most [`KeyedLimiter::max_keys`] keys are
//! tracked per route; past that, new keys share one overflow bucket until a
//! sweep makes room, so a flood of fresh addresses costs no memory and limits
//! itself, while keys already tracked keep their own buckets.

pub(crate) mod brute_force;
pub(crate) mod client_ip;
#[cfg(feature = "actix-governor")]
pub mod global;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultDirectRateLimiter, RateLimiter};

/// How often idle keys are swept from a route's limiter.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(10);

/// The longest time a whole burst may take to refill, in seconds (100
/// years): `window / count × burst`.
pub const MAX_REFILL_SECS: u64 = 100 * 365 * 24 * 60 * 60;

/// The default cap on keys tracked per route.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// A quota: `count` requests per `window_secs` seconds, with a burst of
/// `burst` (`rate = "N/W"`, `burst = M`).
///
/// Made by `#[secure]`, which checks at compile time that every number is
/// at least 1 and fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    count: u32,
    window_secs: u64,
    burst: u32,
}

impl Quota {
    #[doc(hidden)]
    /// Used by generated code; the arguments were checked at compile time
    /// to be at least 1.
    pub const fn __new(count: u32, window_secs: u64, burst: u32) -> Self {
        Self {
            count,
            window_secs,
            burst,
        }
    }

    /// A quota of `count` requests per `window_secs` seconds, with a burst
    /// of `count`; `None` when either is 0.
    pub const fn new(count: u32, window_secs: u64) -> Option<Self> {
        if count == 0 || window_secs == 0 {
            None
        } else {
            Some(Self::__new(count, window_secs, count))
        }
    }

    /// Requests per window.
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// The window in seconds.
    pub const fn window_secs(&self) -> u64 {
        self.window_secs
    }

    /// Requests admitted at once.
    pub const fn burst(&self) -> u32 {
        self.burst
    }

    /// The time one request's cell takes to come back: `window / count`.
    ///
    /// The time to refill a whole burst (`period × burst`) is capped at
    /// [`MAX_REFILL_SECS`] (100 years), which keeps governor's nanosecond
    /// arithmetic from overflowing; `#[secure]` refuses longer quotas at
    /// compile time.
    pub fn period(&self) -> Duration {
        let window_nanos = u128::from(self.window_secs.max(1)) * 1_000_000_000;
        let max_nanos = u128::from(MAX_REFILL_SECS) * 1_000_000_000 / u128::from(self.burst.max(1));
        let nanos = (window_nanos / u128::from(self.count.max(1))).clamp(1, max_nanos.max(1));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    fn to_governor(self) -> governor::Quota {
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(self.period())
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }

    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers §5.1):
    /// `"default";q=<count>;w=<window seconds>`.
    pub fn policy_header(&self) -> String {
        format!("\"default\";q={};w={}", self.count, self.window_secs)
    }
}

/// Which bucket `rate_key` selects.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKeyKind {
    /// The principal when authenticated, else the client IP.
    Auto,
    /// Always the client IP.
    Ip,
    /// Always the principal (authenticated routes only).
    Principal,
}

/// Whose bucket a request is charged to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateKey {
    /// A JWT caller's `sub`.
    Principal(String),
    /// An API-key caller's key id: a bucket apart from a JWT `sub` that is
    /// the same string.
    ApiKey(String),
    /// A client address (an IPv6 address already grouped to its prefix).
    Ip(IpAddr),
    /// New keys arriving while the limiter is full share this bucket.
    Overflow,
}

/// The state of a bucket after a request was charged to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Requests still admitted now (`r` of the `RateLimit` field).
    pub remaining: u32,
    /// Seconds until the bucket is full again (`t`), rounded up.
    pub reset_secs: u64,
    /// When refused: how long until one request is admitted.
    pub retry_after: Option<Duration>,
}

impl Outcome {
    /// `RateLimit` (draft-ietf-httpapi-ratelimit-headers §5.2):
    /// `"default";r=<remaining>;t=<seconds>`.
    pub fn header(&self) -> String {
        format!("\"default\";r={};t={}", self.remaining, self.reset_secs)
    }
}

type Bucket = DefaultDirectRateLimiter<StateInformationMiddleware>;

/// One tracked key: its GCRA bucket and when it was last charged
/// (milliseconds since the limiter started).
struct Entry {
    bucket: Bucket,
    last_seen_ms: AtomicU64,
}

/// One route's keyed limiter: a GCRA bucket per key (governor), idle keys
/// swept, key count capped.
pub struct KeyedLimiter {
    quota: Quota,
    buckets: DashMap<RateKey, Entry>,
    overflow: Bucket,
    clock: DefaultClock,
    max_keys: usize,
    started: Instant,
    last_sweep_ms: AtomicU64,
    /// Set when a new key found the limiter full (and went to the overflow
    /// bucket): sweeps are then due every second. Kept so that the hot path
    /// never counts the keys (`DashMap::len` locks every shard).
    full: AtomicBool,
}

impl std::fmt::Debug for KeyedLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedLimiter")
            .field("quota", &self.quota)
            .field("keys", &self.buckets.len())
            .field("max_keys", &self.max_keys)
            .finish()
    }
}

impl KeyedLimiter {
    /// A limiter for `quota` tracking at most `max_keys` keys (at least 1).
    pub fn new(quota: Quota, max_keys: usize) -> Self {
        let clock = DefaultClock::default();
        Self {
            quota,
            buckets: DashMap::new(),
            overflow: Self::bucket(quota, &clock),
            clock,
            max_keys: max_keys.max(1),
            started: Instant::now(),
            last_sweep_ms: AtomicU64::new(0),
            full: AtomicBool::new(false),
        }
    }

    fn bucket(quota: Quota, clock: &DefaultClock) -> Bucket {
        RateLimiter::direct_with_clock(quota.to_governor(), clock.clone())
            .with_middleware::<StateInformationMiddleware>()
    }

    /// The cap on tracked keys.
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// How many keys are tracked now.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Charges one request to `key` and says what is left. A key seen for
    /// the first time while [`max_keys`](Self::max_keys) keys are tracked is
    /// charged to the shared overflow bucket instead.
    pub fn check(&self, key: &RateKey) -> Outcome {
        let now_ms = self.now_ms();
        self.sweep_if_due(now_ms);
        let result = if let Some(entry) = self.buckets.get(key) {
            entry.last_seen_ms.store(now_ms, Ordering::Relaxed);
            entry.bucket.check()
        } else if self.buckets.len() >= self.max_keys {
            self.full.store(true, Ordering::Relaxed);
            self.overflow.check()
        } else {
            let entry = self.buckets.entry(key.clone()).or_insert_with(|| Entry {
                bucket: Self::bucket(self.quota, &self.clock),
                last_seen_ms: AtomicU64::new(now_ms),
            });
            entry.bucket.check()
        };
        match result {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Outcome {
                    remaining,
                    reset_secs: self.full_after(remaining),
                    retry_after: None,
                }
            }
            Err(not_until) => Outcome {
                remaining: 0,
                reset_secs: self.full_after(0),
                retry_after: Some(not_until.wait_time_from(self.clock.now())),
            },
        }
    }

    /// Whole seconds until a bucket with `remaining` cells is full again.
    fn full_after(&self, remaining: u32) -> u64 {
        let missing = self.quota.burst.saturating_sub(remaining);
        (self.quota.period().as_secs_f64() * f64::from(missing)).ceil() as u64
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Drops keys idle long enough for their bucket to be full again (so
    /// indistinguishable from a new one), at most once per
    /// [`SWEEP_INTERVAL`], or once a second while the limiter is full.
    fn sweep_if_due(&self, now_ms: u64) {
        let last = self.last_sweep_ms.load(Ordering::Relaxed);
        let due = if self.full.load(Ordering::Relaxed) {
            1_000
        } else {
            SWEEP_INTERVAL.as_millis() as u64
        };
        if now_ms.saturating_sub(last) < due
            || self
                .last_sweep_ms
                .compare_exchange(last, now_ms, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let idle_ms = u64::try_from(
            self.quota
                .period()
                .saturating_mul(self.quota.burst)
                .as_millis(),
        )
        .unwrap_or(u64::MAX);
        self.buckets.retain(|_, entry| {
            now_ms.saturating_sub(entry.last_seen_ms.load(Ordering::Relaxed)) < idle_ms
        });
        self.buckets.shrink_to_fit();
        self.full
            .store(self.buckets.len() >= self.max_keys, Ordering::Relaxed);
    }
}

/// The limiters of every `#[secure]` route of one [`Security`](crate::Security).
pub(crate) struct RateLimiters {
    routes: RwLock<HashMap<&'static str, Arc<KeyedLimiter>>>,
    max_keys: usize,
}

impl RateLimiters {
    pub(crate) fn new(max_keys: usize) -> Self {
        Self {
            routes: RwLock::new(HashMap::new()),
            max_keys,
        }
    }

    /// Charges one request of `key` to the route `handler`.
    pub(crate) fn check(&self, handler: &'static str, quota: Quota, key: &RateKey) -> Outcome {
        self.limiter(handler, quota).check(key)
    }

    fn limiter(&self, handler: &'static str, quota: Quota) -> Arc<KeyedLimiter> {
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
                .or_insert_with(|| Arc::new(KeyedLimiter::new(quota, self.max_keys))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_with_wait_and_headers() {
        let limiters = RateLimiters::new(DEFAULT_MAX_KEYS);
        let q = Quota::__new(3, 60, 3);
        let key = RateKey::Principal("alice".into());
        let first = limiters.check("r", q, &key);
        assert_eq!(
            (first.remaining, first.reset_secs, first.retry_after),
            (2, 20, None)
        );
        assert_eq!(first.header(), "\"default\";r=2;t=20");
        limiters.check("r", q, &key);
        limiters.check("r", q, &key);
        let refused = limiters.check("r", q, &key);
        let wait = refused.retry_after.unwrap_or_default();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(refused.remaining, 0);
        // Another key and another route have their own buckets.
        assert!(
            limiters
                .check("r", q, &RateKey::Principal("bob".into()))
                .retry_after
                .is_none()
        );
        assert!(limiters.check("other", q, &key).retry_after.is_none());
    }

    #[test]
    fn burst_overrides_the_count_and_keeps_the_rate() {
        let q = Quota::__new(100, 900, 5);
        assert_eq!(q.period(), Duration::from_secs(9));
        let limiter = KeyedLimiter::new(q, 10);
        let key = RateKey::Ip(IpAddr::from([192, 0, 2, 1]));
        for _ in 0..5 {
            assert!(limiter.check(&key).retry_after.is_none());
        }
        assert!(limiter.check(&key).retry_after.is_some());
        assert_eq!(q.policy_header(), "\"default\";q=100;w=900");
    }

    #[test]
    fn absurd_quotas_are_clamped_instead_of_overflowing() {
        let q = Quota::__new(1, 300_000 * 86_400, 1);
        let limiter = KeyedLimiter::new(q, 10);
        let key = RateKey::Principal("a".into());
        assert!(limiter.check(&key).retry_after.is_none());
        let refused = limiter.check(&key);
        assert!(refused.retry_after.is_some());
        assert!(
            refused.reset_secs <= MAX_REFILL_SECS,
            "{}",
            refused.reset_secs
        );
        let q = Quota::__new(1, 365 * 86_400, 1000);
        let limiter = KeyedLimiter::new(q, 10);
        let admitted = (0..1001)
            .filter(|_| limiter.check(&key).retry_after.is_none())
            .count();
        assert_eq!(admitted, 1000);
    }

    #[test]
    fn a_full_limiter_sends_new_keys_to_the_overflow_bucket() {
        let limiter = KeyedLimiter::new(Quota::__new(2, 60, 2), 100);
        for i in 0..1_000u32 {
            let _ = limiter.check(&RateKey::Ip(IpAddr::from(i.to_be_bytes())));
        }
        // The cap holds (the overflow bucket is the one extra key).
        assert!(limiter.len() <= 101, "{}", limiter.len());
    }
}
