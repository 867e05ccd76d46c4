//! One route's keyed limiter ([`KeyedLimiter`]): governor's GCRA bucket
//! per [`BucketKey`], idle keys swept, the number of keys capped; and the
//! limiters of every route of one middleware.
//!
//! The cap never turns into a bucket that strangers share: a new key that
//! finds the limiter full evicts the least recently seen tenth of the keys
//! first, so every key gets a bucket of its own and a flood of new clients
//! cannot make a client that took no part in it wait. An evicted key starts
//! again with a full bucket, which takes a flood of `max_keys / 10` other
//! keys at least.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultDirectRateLimiter, RateLimiter};

use super::quota::{BucketKey, Charge, Quota};

/// How often idle keys are swept from a route's limiter.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(10);

/// The default cap on keys tracked per route.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

type Bucket = DefaultDirectRateLimiter<StateInformationMiddleware>;

/// One tracked key: its GCRA bucket and when it was last charged
/// (nanoseconds since the limiter started).
struct Entry {
    bucket: Bucket,
    last_seen_ns: AtomicU64,
}

/// One route's keyed limiter: a GCRA bucket per key (governor), idle keys
/// swept, key count capped by evicting the least recently seen keys.
pub struct KeyedLimiter {
    quota: Quota,
    buckets: DashMap<BucketKey, Entry>,
    clock: DefaultClock,
    max_keys: usize,
    started: Instant,
    last_sweep_ns: AtomicU64,
    /// Set while one thread evicts, so that others do not pile up behind it.
    evicting: AtomicBool,
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
            clock,
            max_keys: max_keys.max(1),
            started: Instant::now(),
            last_sweep_ns: AtomicU64::new(0),
            evicting: AtomicBool::new(false),
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
    /// the first time while [`max_keys`](Self::max_keys) keys are tracked
    /// makes room first (see the module documentation).
    pub fn check(&self, key: &BucketKey) -> Charge {
        let now_ns = self.now_ns();
        self.sweep_if_due(now_ns);
        let result = if let Some(entry) = self.buckets.get(key) {
            entry.last_seen_ns.store(now_ns, Ordering::Relaxed);
            entry.bucket.check()
        } else {
            if self.buckets.len() >= self.max_keys {
                self.evict_least_recent();
            }
            let entry = self.buckets.entry(key.clone()).or_insert_with(|| Entry {
                bucket: Self::bucket(self.quota, &self.clock),
                last_seen_ns: AtomicU64::new(now_ns),
            });
            entry.bucket.check()
        };
        match result {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Charge {
                    remaining,
                    reset_secs: self.quota.full_after(remaining),
                    retry_after: None,
                }
            }
            Err(not_until) => Charge {
                remaining: 0,
                reset_secs: self.quota.full_after(0),
                retry_after: Some(not_until.wait_time_from(self.clock.now())),
            },
        }
    }

    /// Nanoseconds since the limiter started: fine enough that keys seen
    /// one after the other are told apart by recency.
    fn now_ns(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Drops the least recently seen tenth of the keys (at least one),
    /// in one pass: for every `max_keys / 10` new keys. A thread that finds
    /// another evicting inserts without waiting, so the cap may be passed
    /// by as many keys as there are threads at once.
    fn evict_least_recent(&self) {
        if self
            .evicting
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let mut seen: Vec<u64> = self
            .buckets
            .iter()
            .map(|e| e.last_seen_ns.load(Ordering::Relaxed))
            .collect();
        if !seen.is_empty() {
            let nth = (self.max_keys / 10).min(seen.len() - 1);
            let (_, cutoff, _) = seen.select_nth_unstable(nth);
            let cutoff = *cutoff;
            self.buckets
                .retain(|_, e| e.last_seen_ns.load(Ordering::Relaxed) > cutoff);
        }
        self.evicting.store(false, Ordering::Release);
    }

    /// Drops keys idle long enough for their bucket to be full again (so
    /// indistinguishable from a new one), at most once per
    /// [`SWEEP_INTERVAL`].
    fn sweep_if_due(&self, now_ns: u64) {
        let last = self.last_sweep_ns.load(Ordering::Relaxed);
        let due = u64::try_from(SWEEP_INTERVAL.as_nanos()).unwrap_or(u64::MAX);
        if now_ns.saturating_sub(last) < due
            || self
                .last_sweep_ns
                .compare_exchange(last, now_ns, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let idle_ns = u64::try_from(
            self.quota
                .period()
                .saturating_mul(self.quota.burst())
                .as_nanos(),
        )
        .unwrap_or(u64::MAX);
        self.buckets.retain(|_, entry| {
            now_ns.saturating_sub(entry.last_seen_ns.load(Ordering::Relaxed)) < idle_ns
        });
        self.buckets.shrink_to_fit();
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
    pub(crate) fn check(&self, handler: &'static str, quota: Quota, key: &BucketKey) -> Charge {
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
    use crate::rate_limit::quota::MAX_REFILL_SECS;
    use std::net::IpAddr;

    #[test]
    fn burst_then_refusal_with_wait_and_headers() {
        let limiters = RateLimiters::new(DEFAULT_MAX_KEYS);
        let q = Quota::__new(3, 60, 3);
        let key = BucketKey::Principal("alice".into());
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
                .check("r", q, &BucketKey::Principal("bob".into()))
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
        let key = BucketKey::Ip(IpAddr::from([192, 0, 2, 1]));
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
        let key = BucketKey::Principal("a".into());
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
    fn a_full_limiter_gives_every_new_key_a_fresh_bucket() {
        let limiter = KeyedLimiter::new(Quota::__new(2, 60, 2), 100);
        for i in 0..1_000u32 {
            let key = BucketKey::Ip(IpAddr::from(i.to_be_bytes()));
            // Each key of the flood empties its own bucket...
            assert!(limiter.check(&key).retry_after.is_none());
            assert!(limiter.check(&key).retry_after.is_none());
            assert!(limiter.check(&key).retry_after.is_some());
            // ...and the cap holds.
            assert!(limiter.len() <= 100, "{}", limiter.len());
        }
        // A client that took no part in the flood starts with a full bucket.
        let fresh = limiter.check(&BucketKey::Ip(IpAddr::from([192, 0, 2, 1])));
        assert_eq!((fresh.remaining, fresh.retry_after), (1, None));
        // The latest keys of the flood keep their state.
        let latest = limiter.check(&BucketKey::Ip(IpAddr::from(999u32.to_be_bytes())));
        assert!(latest.retry_after.is_some());
    }
}
