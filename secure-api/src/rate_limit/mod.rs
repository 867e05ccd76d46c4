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

#[cfg(feature = "actix-governor")]
pub mod global;
pub(crate) mod limiter;
pub(crate) mod quota;

pub use limiter::{DEFAULT_MAX_KEYS, KeyedLimiter, SWEEP_INTERVAL};
pub use quota::{BucketKey, Charge, MAX_REFILL_SECS, Quota, RateKeyKind};

/// The old name of [`BucketKey`].
#[deprecated(since = "0.1.0", note = "renamed `BucketKey`")]
pub type RateKey = BucketKey;

/// The old name of [`Charge`].
#[deprecated(since = "0.1.0", note = "renamed `Charge`")]
pub type Outcome = Charge;
