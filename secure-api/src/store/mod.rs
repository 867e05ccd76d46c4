//! The state that requests share: the rate-limit buckets of every route,
//! the failed-authentication counts behind the lock-out, and the spent
//! `jti`s of one-time tokens, behind one small interface ([`Store`]).
//!
//! `memory::MemoryStore` keeps them in this process (the default), with
//! `failed_auth` and `replay`. Another
//! implementation (a store shared by several replicas) implements
//! [`Store`] and nothing else changes: the checks of `#[secure]` and the
//! middleware only ever call these methods, and a [`StoreError`] is
//! answered 503 (failing closed).
//!
//! Layer 2: knows the quota and bucket types and nothing of the
//! configuration or the request pipeline. This file is the interface and
//! imports none of its implementations.

pub(crate) mod failed_auth;
pub(crate) mod memory;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod replay;

use std::future::{Future, Ready};
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

use futures_util::future::Either;

use crate::rate_limit::quota::{BucketKey, Charge, Quota};
use crate::rejection::Rejection;

/// What a [`Store`] call yields: the answer, or [`StoreError`] when the
/// state cannot be reached. An answer known at once (the in-memory
/// store's, [`answered`]) allocates nothing; a store that waits on the
/// network returns its future boxed, `Either::Right(Box::pin(..))`.
pub(crate) type StoreFuture<'a, T> = Either<
    Ready<Result<T, StoreError>>,
    Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>,
>;

/// A [`StoreFuture`] of an answer known now.
pub(crate) fn answered<'a, T>(answer: T) -> StoreFuture<'a, T> {
    Either::Left(std::future::ready(Ok(answer)))
}

/// The shared state could not be read or written (a remote store down or
/// too slow). The request that needed it is refused with 503; nothing is
/// let through on a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoreError;

impl From<StoreError> for Rejection {
    /// 503 with `Retry-After`: nothing is let through on a guess.
    fn from(_: StoreError) -> Self {
        Rejection::StoreUnavailable
    }
}

/// One credential check of a client in progress ([`Store::begin_attempt`]):
/// it counts against the client's failed-authentication limit until it
/// ends ([`Store::end_attempt`]). An attempt that never ends (its request
/// dropped) keeps counting until the window passes, and never locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attempt(pub(crate) u64);

/// Why a `jti` was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplayError {
    /// The `jti` was already used.
    Replayed,
    /// The store holds its capacity of unexpired `jti`s; nothing new can be
    /// remembered, so nothing new is accepted (failing closed).
    Full,
}

/// The state requests share, one instance per [`Security`](crate::Security)
/// middleware (and its clones).
///
/// Every method is one atomic step: of two requests racing for the last
/// cell of a bucket or for one `jti`, exactly one wins.
pub(crate) trait Store: Send + Sync + 'static {
    /// Charges one request to `key`'s bucket on the route `route` (a name
    /// unique to the handler) under `quota`, GCRA (see
    /// [`KeyedLimiter`](crate::rate_limit::KeyedLimiter)); what is left.
    fn charge<'a>(
        &'a self,
        route: &'static str,
        quota: Quota,
        key: &'a BucketKey,
    ) -> StoreFuture<'a, Charge>;

    /// When the client bucket `client` is locked out for failed
    /// authentications: how long until the lock ends; `None` when it is not.
    fn lockout(&self, client: IpAddr) -> StoreFuture<'_, Option<Duration>>;

    /// Reserves one credential check of `client` before it is verified,
    /// atomically: `Err(wait)` when the client is locked out, or when its
    /// failures and checks in progress already make the limit, so that
    /// concurrent guesses can never exceed it (OWASP API2:2023).
    fn begin_attempt(&self, client: IpAddr) -> StoreFuture<'_, Result<Attempt, Duration>>;

    /// Ends `attempt` of `client`: refunded when the credentials were
    /// good (`failed` false), counted as a failure otherwise; `true` when
    /// this failure locks the client out for a window.
    fn end_attempt(&self, client: IpAddr, attempt: Attempt, failed: bool) -> StoreFuture<'_, bool>;

    /// Counts one failed authentication of `client` that no attempt was
    /// reserved for (a replayed token found after the body was read);
    /// `true` when this one locks it out.
    fn record_failure(&self, client: IpAddr) -> StoreFuture<'_, bool>;

    /// Whether `jti` was spent and is still remembered at `now` (Unix
    /// seconds). Spends nothing.
    fn jti_spent<'a>(&'a self, jti: &'a str, now: u64) -> StoreFuture<'a, bool>;

    /// Spends `jti` if it was not spent before, remembering it until
    /// `forget_after` (Unix seconds); `now` is the current Unix time.
    /// [`ReplayError::Replayed`] for a `jti` spent before,
    /// [`ReplayError::Full`] when nothing more can be remembered.
    fn spend_jti<'a>(
        &'a self,
        jti: &'a str,
        forget_after: u64,
        now: u64,
    ) -> StoreFuture<'a, Result<(), ReplayError>>;

    /// Whether the store answers now: `Ok` from a round trip, or
    /// [`StoreError`] (for a health check).
    fn ping(&self) -> StoreFuture<'_, ()>;

    /// The store's kind as operators know it (`memory`, `redis`), for
    /// health reports and logs.
    fn kind(&self) -> &'static str;
}
