//! What a route's quota is (`rate = "N/W"`, `burst = M`), whose bucket a
//! request is charged to ([`BucketKey`]), and what is left after a charge
//! ([`Charge`]), with the draft-ietf-httpapi-ratelimit-headers fields.
//!
//! Layer 1: plain data, made by `#[secure]` and read by the limiters.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::http::header::HeaderValue;

/// The longest time a whole burst may take to refill, in seconds (100
/// years): `window / count × burst`.
pub const MAX_REFILL_SECS: u64 = 100 * 365 * 24 * 60 * 60;

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

    /// Whole seconds, rounded up, until a bucket with `remaining` cells
    /// is full again (the `t` of the `RateLimit` field).
    pub(crate) fn full_after(&self, remaining: u32) -> u64 {
        let missing = self.burst.saturating_sub(remaining);
        (self.period().as_secs_f64() * f64::from(missing)).ceil() as u64
    }

    pub(crate) fn to_governor(self) -> governor::Quota {
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(self.period())
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }

    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers §5.1):
    /// `"default";q=<count>;w=<window seconds>`.
    pub fn policy_header(&self) -> String {
        self.policy_header_value()
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    /// [`policy_header`](Self::policy_header) as a header value.
    pub(crate) fn policy_header_value(&self) -> Option<HeaderValue> {
        field_value("q", u64::from(self.count), "w", self.window_secs)
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
pub enum BucketKey {
    /// A JWT caller's `sub`.
    Principal(String),
    /// An API-key caller's key id: a bucket apart from a JWT `sub` that is
    /// the same string.
    ApiKey(String),
    /// A client address (an IPv6 address already grouped to its prefix).
    Ip(IpAddr),
}

/// The state of a bucket after a request was charged to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    /// Requests still admitted now (`r` of the `RateLimit` field).
    pub remaining: u32,
    /// Seconds until the bucket is full again (`t`), rounded up.
    pub reset_secs: u64,
    /// When refused: how long until one request is admitted.
    pub retry_after: Option<Duration>,
}

impl Charge {
    /// `RateLimit` (draft-ietf-httpapi-ratelimit-headers §5.2):
    /// `"default";r=<remaining>;t=<seconds>`.
    pub fn header(&self) -> String {
        self.header_value()
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    /// [`header`](Self::header) as a header value.
    pub(crate) fn header_value(&self) -> Option<HeaderValue> {
        field_value("r", u64::from(self.remaining), "t", self.reset_secs)
    }
}

/// `"default";<a>=<x>;<b>=<y>` as a header value, built on the stack (one
/// allocation, the value's own); `None` cannot happen for numbers.
fn field_value(a: &str, x: u64, b: &str, y: u64) -> Option<HeaderValue> {
    let mut numbers = (itoa::Buffer::new(), itoa::Buffer::new());
    let parts = [
        "\"default\";",
        a,
        "=",
        numbers.0.format(x),
        ";",
        b,
        "=",
        numbers.1.format(y),
    ];
    let mut buf = [0u8; 64];
    let mut len = 0;
    for part in parts {
        let end = len + part.len();
        buf.get_mut(len..end)?.copy_from_slice(part.as_bytes());
        len = end;
    }
    HeaderValue::from_bytes(&buf[..len]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_written_as_the_draft_spells_them() {
        let quota = Quota::__new(100, 900, 100);
        assert_eq!(quota.policy_header(), "\"default\";q=100;w=900");
        let charge = Charge {
            remaining: u32::MAX,
            reset_secs: u64::MAX,
            retry_after: None,
        };
        assert_eq!(
            charge.header(),
            format!("\"default\";r={};t={}", u32::MAX, u64::MAX)
        );
    }
}
