//! [`MemoryStore`]: the shared state in this process, bounded in memory.

use std::net::IpAddr;
use std::time::Duration;

use super::failed_auth::{FailedAuth, MAX_TRACKED};
use super::replay::ReplayStore;
use super::{Attempt, ReplayError, Store, StoreFuture, answered};
use crate::rate_limit::limiter::RateLimiters;
use crate::rate_limit::quota::{BucketKey, Charge, Quota};

/// The state of one process: a keyed limiter per route, the sliding log
/// of failed authentications per client, and the spent `jti`s. Never fails.
pub(crate) struct MemoryStore {
    limiters: RateLimiters,
    failed_auth: FailedAuth,
    replay: ReplayStore,
}

impl MemoryStore {
    /// A store tracking at most `max_keys` keys per route, locking a client
    /// out after `auth_failures` failed authentications within
    /// `auth_failure_window`, and remembering at most `replay_capacity`
    /// `jti`s.
    pub(crate) fn new(
        max_keys: usize,
        auth_failures: u32,
        auth_failure_window: Duration,
        replay_capacity: usize,
    ) -> Self {
        Self {
            limiters: RateLimiters::new(max_keys),
            failed_auth: FailedAuth::new(auth_failures, auth_failure_window, MAX_TRACKED),
            replay: ReplayStore::new(replay_capacity),
        }
    }
}

impl Store for MemoryStore {
    fn charge<'a>(
        &'a self,
        route: &'static str,
        quota: Quota,
        key: &'a BucketKey,
    ) -> StoreFuture<'a, Charge> {
        answered(self.limiters.check(route, quota, key))
    }

    fn lockout(&self, client: IpAddr) -> StoreFuture<'_, Option<Duration>> {
        answered(self.failed_auth.locked_out(client))
    }

    fn begin_attempt(&self, client: IpAddr) -> StoreFuture<'_, Result<Attempt, Duration>> {
        answered(self.failed_auth.begin(client))
    }

    fn end_attempt(&self, client: IpAddr, attempt: Attempt, failed: bool) -> StoreFuture<'_, bool> {
        answered(self.failed_auth.end(client, attempt, failed))
    }

    fn record_failure(&self, client: IpAddr) -> StoreFuture<'_, bool> {
        answered(self.failed_auth.record(client))
    }

    fn jti_spent<'a>(&'a self, jti: &'a str, now: u64) -> StoreFuture<'a, bool> {
        answered(self.replay.spent(jti, now))
    }

    fn spend_jti<'a>(
        &'a self,
        jti: &'a str,
        forget_after: u64,
        now: u64,
    ) -> StoreFuture<'a, Result<(), ReplayError>> {
        answered(self.replay.accept(jti, forget_after, now))
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        answered(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}
