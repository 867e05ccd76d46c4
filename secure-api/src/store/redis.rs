//! [`RedisStore`]: the state shared by every replica, in Redis (feature
//! `redis`, `SECURE_API_REDIS_URL`).
//!
//! Every check is one round trip, atomic in Redis: a Lua script for the
//! GCRA bucket of a route (`redis/gcra.lua`, on the Redis clock, so replica
//! clocks need not agree) and for the failed-authentication log and lock
//! (`redis/begin_attempt.lua`, `redis/end_attempt.lua`); `SET NX EX` for a
//! spent `jti`. Every key expires with its window, so Redis holds only
//! live state; keys start with `secure-api:`.
//!
//! Failure: every call is bounded by the timeout (connection and answer
//! together). A call that fails or times out is a [`StoreError`] (503,
//! failing closed), drops the connection, and for the next
//! [`RECONNECT_AFTER`] requests are refused at once without waiting; then
//! the next request connects again, so service resumes by itself when
//! Redis is back. An outage is logged once when it starts and once when it
//! ends (target `secure_api::security`), not once per request.
//!
//! Configure Redis with `maxmemory-policy noeviction`: an evicted spent
//! `jti` would let its token be replayed; with `noeviction` a full Redis
//! refuses writes, and requests that need one get 503.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::Either;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, FromRedisValue, Script, ScriptInvocation};

use super::{Attempt, ReplayError, Store, StoreError, StoreFuture};
use crate::rate_limit::quota::{BucketKey, Charge, Quota};
use crate::secret::REDACTED;

/// How long requests are refused at once after a failed call before the
/// store tries to connect again.
pub(crate) const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// Where the shared store is and how long a call may take: parsed from
/// `SECURE_API_REDIS_URL` when the configuration is built, so a bad URL
/// stops start-up. Connecting waits for the first request.
#[derive(Clone)]
pub(crate) struct RedisSettings {
    client: Client,
    timeout: Duration,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only where it points is shown.
        let info = self.client.get_connection_info();
        f.debug_struct("RedisSettings")
            .field("addr", &info.addr().to_string())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RedisSettings {
    /// Settings for the Redis at `url`
    /// (`redis://[user:password@]host[:port][/db]`; `rediss://`, TLS, is not
    /// built in), with every call bounded by `timeout`.
    ///
    /// # Errors
    /// What is wrong with `url`, with its password (if any) replaced by
    /// `[REDACTED]`.
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("rediss://") {
            return Err("uses `rediss://` (TLS), which this build does not support; use `redis://` to a Redis reached over a trusted network, or a TLS tunnel".to_owned());
        }
        let client = Client::open(url).map_err(|e| {
            let mut problem = e.to_string();
            if let Some(password) = url::Url::parse(url)
                .ok()
                .and_then(|u| u.password().map(str::to_owned))
                .filter(|p| !p.is_empty())
            {
                problem = problem.replace(&password, REDACTED);
            }
            format!("is not a Redis URL (`redis://host:port`): {problem}")
        })?;
        Ok(Self { client, timeout })
    }
}

/// The connection (numbered, so that a failure on an old one never drops
/// a newer one), or when the last attempt failed.
enum Link {
    Connected(MultiplexedConnection, u64),
    Down { since: Option<Instant> },
}

/// The state shared by replicas, in Redis.
pub(crate) struct RedisStore {
    settings: RedisSettings,
    /// Failures within `window` that lock a client out.
    failure_limit: u32,
    window: Duration,
    link: tokio::sync::Mutex<Link>,
    /// The number of the next connection.
    next_connection: AtomicU64,
    /// Whether the store is taken to be up (so an outage is logged once):
    /// set false by any failure, true again only by a write that succeeds.
    up: AtomicBool,
    gcra: Script,
    begin_attempt: Script,
    end_attempt: Script,
}

/// Whether a call changes the store. An outage ends only when a write
/// succeeds: a Redis that still answers reads but refuses writes (full,
/// read-only) is still down for what requests need.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Call {
    Read,
    Write,
}

/// No connection was taken yet (connection numbers count up from 0).
const NO_CONNECTION: u64 = u64::MAX;

/// One call to Redis: a command, or a script (sent by `EVALSHA`, loaded
/// when Redis does not know it yet).
enum Request<'a> {
    Command(redis::Cmd),
    Script(ScriptInvocation<'a>),
}

impl Request<'_> {
    async fn send<T: FromRedisValue>(
        &self,
        connection: &mut MultiplexedConnection,
    ) -> redis::RedisResult<T> {
        match self {
            Request::Command(cmd) => cmd.query_async(connection).await,
            Request::Script(script) => script.invoke_async(connection).await,
        }
    }
}

/// Why a call failed inside the timeout.
enum Failure {
    /// No connection could be made (logged already).
    Unreachable,
    /// The connection broke.
    Broken(String),
    /// Redis answered with an error (full, read-only, ...): the connection
    /// is fine.
    Refused(String),
}

impl From<StoreError> for Failure {
    fn from(_: StoreError) -> Self {
        Failure::Unreachable
    }
}

/// Whether `e` means the connection itself failed (rather than Redis
/// answering with an error).
fn broke(e: &redis::RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_unrecoverable_error()
}

impl RedisStore {
    /// A store in the Redis of `settings`, locking a client out after
    /// `failure_limit` failed authentications within `window`.
    pub(crate) fn new(settings: RedisSettings, failure_limit: u32, window: Duration) -> Self {
        Self {
            settings,
            failure_limit: failure_limit.max(1),
            window,
            link: tokio::sync::Mutex::new(Link::Down { since: None }),
            next_connection: AtomicU64::new(0),
            up: AtomicBool::new(true),
            gcra: Script::new(include_str!("redis/gcra.lua")),
            begin_attempt: Script::new(include_str!("redis/begin_attempt.lua")),
            end_attempt: Script::new(include_str!("redis/end_attempt.lua")),
        }
    }

    /// The connection and its number: the open one, or a new one unless
    /// the last attempt failed less than [`RECONNECT_AFTER`] ago.
    async fn connection(&self) -> Result<(MultiplexedConnection, u64), StoreError> {
        let mut link = self.link.lock().await;
        match &*link {
            Link::Connected(connection, number) => return Ok((connection.clone(), *number)),
            Link::Down { since: Some(since) } if since.elapsed() < RECONNECT_AFTER => {
                return Err(StoreError);
            }
            Link::Down { .. } => {}
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.settings.timeout))
            .set_response_timeout(Some(self.settings.timeout));
        match self
            .settings
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
        {
            Ok(connection) => {
                let number = self.next_connection.fetch_add(1, Ordering::Relaxed);
                *link = Link::Connected(connection.clone(), number);
                Ok((connection, number))
            }
            Err(e) => {
                *link = Link::Down {
                    since: Some(Instant::now()),
                };
                drop(link);
                self.went_down(&e.to_string());
                Err(StoreError)
            }
        }
    }

    /// Forgets connection `number` if it is still the current one; `retry`
    /// lets the next call connect at once, otherwise not before
    /// [`RECONNECT_AFTER`]. Never waits: when another request holds the
    /// link, it is connecting already.
    fn drop_connection(&self, number: u64, retry: bool) {
        if let Ok(mut link) = self.link.try_lock()
            && matches!(&*link, Link::Connected(_, n) if *n == number)
        {
            *link = Link::Down {
                since: (!retry).then(Instant::now),
            };
        }
    }

    /// Runs `call` (a read or a write) within the timeout. A connection
    /// that broke while idle (closed by Redis's `timeout`, a proxy, a
    /// restart) is replaced once, within the same timeout, before the
    /// call fails.
    async fn run<T: FromRedisValue>(
        &self,
        kind: Call,
        request: Request<'_>,
    ) -> Result<T, StoreError> {
        // The connection the call went out on, for a failure to drop it
        // (and never a newer one) even when the timeout cuts the call off.
        let in_use = AtomicU64::new(NO_CONNECTION);
        let answer = tokio::time::timeout(self.settings.timeout, async {
            let (mut connection, number) = self.connection().await?;
            in_use.store(number, Ordering::Relaxed);
            match request.send(&mut connection).await {
                Ok(value) => return Ok(value),
                Err(e) if !broke(&e) => return Err(Failure::Refused(e.to_string())),
                Err(_) => self.drop_connection(number, true),
            }
            let (mut connection, number) = self.connection().await?;
            in_use.store(number, Ordering::Relaxed);
            request.send(&mut connection).await.map_err(|e| {
                if broke(&e) {
                    Failure::Broken(e.to_string())
                } else {
                    Failure::Refused(e.to_string())
                }
            })
        })
        .await;
        let problem = match answer {
            Ok(Ok(value)) => {
                if kind == Call::Write && !self.up.swap(true, Ordering::AcqRel) {
                    tracing::warn!(
                        target: "secure_api::security",
                        store = "redis",
                        "the shared state store answers again; requests are checked as before"
                    );
                }
                return Ok(value);
            }
            Ok(Err(Failure::Unreachable)) => return Err(StoreError),
            Ok(Err(Failure::Refused(problem))) => problem,
            Ok(Err(Failure::Broken(problem))) => {
                self.drop_connection(in_use.load(Ordering::Relaxed), false);
                problem
            }
            Err(_elapsed) => {
                self.drop_connection(in_use.load(Ordering::Relaxed), false);
                format!("no answer within {} ms", self.settings.timeout.as_millis())
            }
        };
        self.went_down(&problem);
        Err(StoreError)
    }

    /// Logs the start of an outage, once.
    fn went_down(&self, problem: &str) {
        if self.up.swap(false, Ordering::AcqRel) {
            tracing::error!(
                target: "secure_api::security",
                security_event = true,
                store = "redis",
                problem,
                "the shared state store cannot be reached or refuses writes; requests that need it are refused with 503 until it answers"
            );
        }
    }

    fn boxed<'a, T: Send + 'a>(
        &'a self,
        future: impl Future<Output = Result<T, StoreError>> + Send + 'a,
    ) -> StoreFuture<'a, T> {
        Either::Right(Box::pin(future))
    }

    fn window_ms(&self) -> u64 {
        u64::try_from(self.window.as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// The Redis key of `key`'s bucket on the route `route`.
fn bucket_key(route: &str, key: &BucketKey) -> String {
    match key {
        BucketKey::Principal(sub) => format!("secure-api:rate:{route}:sub:{sub}"),
        BucketKey::ApiKey(id) => format!("secure-api:rate:{route}:key:{id}"),
        BucketKey::Ip(ip) => format!("secure-api:rate:{route}:ip:{ip}"),
    }
}

/// The Redis keys of `client`'s checks and lock.
fn failure_keys(client: IpAddr) -> [String; 2] {
    [
        format!("secure-api:auth:{client}:checks"),
        format!("secure-api:auth:{client}:lock"),
    ]
}

fn jti_key(jti: &str) -> String {
    format!("secure-api:jti:{jti}")
}

impl Store for RedisStore {
    fn charge<'a>(
        &'a self,
        route: &'static str,
        quota: Quota,
        key: &'a BucketKey,
    ) -> StoreFuture<'a, Charge> {
        self.boxed(async move {
            let period_us = u64::try_from(quota.period().as_micros())
                .unwrap_or(u64::MAX)
                .max(1);
            let key = bucket_key(route, key);
            let (admitted, remaining, wait_us): (u8, u32, u64) = self
                .run(
                    Call::Write,
                    Request::Script({
                        let mut gcra = self.gcra.prepare_invoke();
                        gcra.key(&key).arg(period_us).arg(quota.burst());
                        gcra
                    }),
                )
                .await?;
            Ok(Charge {
                remaining,
                reset_secs: quota.full_after(remaining),
                retry_after: (admitted == 0).then(|| Duration::from_micros(wait_us)),
            })
        })
    }

    fn lockout(&self, client: IpAddr) -> StoreFuture<'_, Option<Duration>> {
        self.boxed(async move {
            let [_, lock] = failure_keys(client);
            let ttl_ms: i64 = self
                .run(
                    Call::Read,
                    Request::Command(redis::cmd("PTTL").arg(&lock).clone()),
                )
                .await?;
            Ok(u64::try_from(ttl_ms)
                .ok()
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis))
        })
    }

    fn begin_attempt(&self, client: IpAddr) -> StoreFuture<'_, Result<Attempt, Duration>> {
        self.boxed(async move {
            let [checks, lock] = failure_keys(client);
            let attempt = Attempt(rand::random());
            let (reserved, wait_ms): (u8, u64) = self
                .run(
                    Call::Write,
                    Request::Script({
                        let mut begin = self.begin_attempt.prepare_invoke();
                        begin
                            .key(&checks)
                            .key(&lock)
                            .arg(self.window_ms())
                            .arg(self.failure_limit)
                            .arg(attempt.0);
                        begin
                    }),
                )
                .await?;
            Ok(if reserved == 1 {
                Ok(attempt)
            } else {
                Err(Duration::from_millis(wait_ms))
            })
        })
    }

    fn end_attempt(&self, client: IpAddr, attempt: Attempt, failed: bool) -> StoreFuture<'_, bool> {
        self.boxed(async move {
            let [checks, lock] = failure_keys(client);
            let locked: u8 = self
                .run(
                    Call::Write,
                    Request::Script({
                        let mut end = self.end_attempt.prepare_invoke();
                        end.key(&checks)
                            .key(&lock)
                            .arg(self.window_ms())
                            .arg(self.failure_limit)
                            .arg(attempt.0)
                            .arg(if failed { "1" } else { "0" });
                        end
                    }),
                )
                .await?;
            Ok(locked == 1)
        })
    }

    fn record_failure(&self, client: IpAddr) -> StoreFuture<'_, bool> {
        self.end_attempt(client, Attempt(rand::random()), true)
    }

    fn jti_spent<'a>(&'a self, jti: &'a str, _now: u64) -> StoreFuture<'a, bool> {
        self.boxed(async move {
            let key = jti_key(jti);
            let exists: u8 = self
                .run(
                    Call::Read,
                    Request::Command(redis::cmd("EXISTS").arg(&key).clone()),
                )
                .await?;
            Ok(exists == 1)
        })
    }

    fn spend_jti<'a>(
        &'a self,
        jti: &'a str,
        forget_after: u64,
        now: u64,
    ) -> StoreFuture<'a, Result<(), ReplayError>> {
        self.boxed(async move {
            let key = jti_key(jti);
            let ttl_secs = forget_after.saturating_sub(now).max(1);
            let set: Option<String> = self
                .run(
                    Call::Write,
                    Request::Command(
                        redis::cmd("SET")
                            .arg(&key)
                            .arg(1)
                            .arg("NX")
                            .arg("EX")
                            .arg(ttl_secs)
                            .clone(),
                    ),
                )
                .await?;
            Ok(match set {
                Some(_) => Ok(()),
                None => Err(ReplayError::Replayed),
            })
        })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        self.boxed(async move {
            let _: String = self
                .run(Call::Read, Request::Command(redis::cmd("PING")))
                .await?;
            Ok(())
        })
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}
