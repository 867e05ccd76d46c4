//! [`SecurityState`]: what one [`Security`](crate::Security) middleware
//! and its clones share, reachable by every request through its
//! extensions: the configuration, the shared state store and the audit
//! trail.
//!
//! Layer 4: the request pipeline's one piece of shared data.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpMessage, HttpRequest};

use crate::audit::Trail;
use crate::config::{SecurityConfig, StoreChoice};
use crate::store::Store;
use crate::store::memory::MemoryStore;
#[cfg(feature = "redis")]
use crate::store::redis::RedisStore;

/// What `#[secure]` handlers reach through the request: the configuration
/// and the per-route rate-limit state.
pub(crate) struct SecurityState {
    pub(crate) config: SecurityConfig,
    /// Rate-limit buckets, failed authentications, spent `jti`s.
    pub(crate) store: Box<dyn Store>,
    /// Audit events, metrics and alerts.
    pub(crate) trail: Trail,
}

impl SecurityState {
    /// The state for `config`, with the store it chose: in this process
    /// (sized by it), or in Redis.
    pub(crate) fn new(config: SecurityConfig) -> Self {
        let limits = config.limits();
        let window = Duration::from_secs(limits.auth_failure_window_secs);
        let store: Box<dyn Store> = match config.store() {
            StoreChoice::Memory => Box::new(MemoryStore::new(
                limits.max_keys,
                limits.auth_failures,
                window,
                config.replay_capacity(),
            )),
            #[cfg(feature = "redis")]
            StoreChoice::Redis(settings) => Box::new(RedisStore::new(
                settings.clone(),
                limits.auth_failures,
                window,
            )),
        };
        tracing::info!(
            target: "secure_api::config",
            store = store.kind(),
            "the state requests share (quotas, lock-outs, spent jti) is kept in this store"
        );
        Self {
            store,
            trail: Trail::new(config.alerts(), limits.ipv6_prefix_len),
            config,
        }
    }

    /// The state of the middleware that carries `req`; `None` when no
    /// [`Security`](crate::Security) middleware is installed.
    pub(crate) fn of(req: &HttpRequest) -> Option<Arc<SecurityState>> {
        req.extensions().get::<Arc<SecurityState>>().cloned()
    }
}
