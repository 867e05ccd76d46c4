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
use crate::config::SecurityConfig;
use crate::store::Store;
use crate::store::memory::MemoryStore;

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
    /// The state for `config`, with an in-memory store sized by it.
    pub(crate) fn new(config: SecurityConfig) -> Self {
        let limits = config.limits();
        Self {
            store: Box::new(MemoryStore::new(
                limits.max_keys,
                limits.auth_failures,
                Duration::from_secs(limits.auth_failure_window_secs),
                config.replay_capacity(),
            )),
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
