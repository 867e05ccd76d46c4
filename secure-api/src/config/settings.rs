//! [`SecurityConfig`]: the checked configuration that the middleware
//! enforces, and its rate-limit settings ([`Limits`]).

use std::fmt;
use std::time::Duration;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

use crate::alert::AlertPolicy;
use crate::auth::Authenticator;
use crate::client_ip::ForwardedHeader;
use crate::cors::CorsPolicy;
use crate::error::{ConfigError, env};
use crate::headers::SecureHeaders;
use crate::rate_limit::limiter::DEFAULT_MAX_KEYS;
use crate::secret::REDACTED;
use crate::store::failed_auth::{DEFAULT_FAILURES, DEFAULT_WINDOW_SECS};

/// The shortest accepted HMAC secret, in bytes (RFC 7518 §3.2: a key of the
/// same size as the hash output or larger; 32 bytes for HS256).
pub const MIN_SECRET_BYTES: usize = 32;

/// The default clock-skew allowance for `exp`, `nbf` and `iat`, in seconds.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;

/// How long keys fetched from `SECURE_API_JWKS_URL` are used before they
/// are refreshed, in seconds.
pub const DEFAULT_JWKS_TTL_SECONDS: u64 = 300;

/// The least time between two fetches of `SECURE_API_JWKS_URL`, in seconds.
pub const DEFAULT_JWKS_COOLDOWN_SECONDS: u64 = 10;

/// The default bound on one call to the shared store (connecting
/// included), in milliseconds.
pub const DEFAULT_REDIS_TIMEOUT_MS: u64 = 250;

/// Validated security configuration: token keys and claims rules, realm,
/// trusted proxies.
///
/// Build it with [`SecurityConfig::from_env`] or [`SecurityConfig::builder`],
/// then hand it to [`Security::new`](crate::Security::new).
pub struct SecurityConfig {
    pub(super) realm: String,
    pub(super) authenticator: Authenticator,
    pub(super) secret: Option<SecretString>,
    pub(super) replay_capacity: usize,
    pub(super) development_mode: bool,
    pub(super) trusted_proxies: Vec<IpNet>,
    pub(super) limits: Limits,
    pub(super) secure_headers: SecureHeaders,
    pub(super) cors: Option<CorsPolicy>,
    pub(super) alerts: AlertPolicy,
    pub(super) store: StoreChoice,
}

/// Where the state that requests share (quotas, failed authentications,
/// spent `jti`s) is kept.
#[derive(Debug, Clone)]
pub(crate) enum StoreChoice {
    /// In this process (the default).
    Memory,
    /// In Redis, shared by every replica (`SECURE_API_REDIS_URL`).
    #[cfg(feature = "redis")]
    Redis(crate::store::redis::RedisSettings),
}

/// Rate-limit settings of a [`SecurityConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The header trusted proxies append the client to.
    pub forwarded_header: ForwardedHeader,
    /// IPv6 clients share a bucket per prefix of this length (default 64).
    pub ipv6_prefix_len: u8,
    /// The most keys tracked per rate-limited route (default 100,000).
    pub max_keys: usize,
    /// Failed authentications per client IP within `auth_failure_window_secs`
    /// before its credentialed requests get 429 (default 20).
    pub auth_failures: u32,
    /// The failure window in seconds (default 60).
    pub auth_failure_window_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            forwarded_header: ForwardedHeader::XForwardedFor,
            ipv6_prefix_len: 64,
            max_keys: DEFAULT_MAX_KEYS,
            auth_failures: DEFAULT_FAILURES,
            auth_failure_window_secs: DEFAULT_WINDOW_SECS,
        }
    }
}

impl fmt::Debug for SecurityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityConfig")
            .field("realm", &self.realm)
            .field("authenticator", &self.authenticator)
            .field("secret", &self.secret.as_ref().map(|_| REDACTED))
            .field("replay_capacity", &self.replay_capacity)
            .field("development_mode", &self.development_mode)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("limits", &self.limits)
            .field("secure_headers", &self.secure_headers)
            .field("cors", &self.cors)
            .field("alerts", &self.alerts)
            .field("store", &self.store)
            .finish()
    }
}

impl SecurityConfig {
    /// The realm named in `WWW-Authenticate` challenges (RFC 6750 §3).
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// Whether no key was configured and a random development secret was
    /// generated (see [`SecurityConfigBuilder::development_mode`](crate::SecurityConfigBuilder::development_mode)).
    pub fn is_development_mode(&self) -> bool {
        self.development_mode
    }

    /// Where the shared state is kept.
    pub(crate) fn store(&self) -> &StoreChoice {
        &self.store
    }

    /// The proxies whose forwarding headers are believed.
    pub fn trusted_proxies(&self) -> &[IpNet] {
        &self.trusted_proxies
    }

    /// The rate-limit settings.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The secure response headers and HSTS policy.
    pub fn secure_headers(&self) -> &SecureHeaders {
        &self.secure_headers
    }

    /// The CORS policy; `None` when no origin may call from a browser.
    pub fn cors(&self) -> Option<&CorsPolicy> {
        self.cors.as_ref()
    }

    /// The alert detector's thresholds, window and sinks.
    pub fn alerts(&self) -> &AlertPolicy {
        &self.alerts
    }

    /// What verifies the credentials of a request: the JWT keys and claim
    /// rules, and the API keys.
    pub(crate) fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    /// The most `jti`s remembered for `replay = "jti"` routes.
    pub fn replay_capacity(&self) -> usize {
        self.replay_capacity
    }

    /// Signs an HS256 access token with the configured secret: `sub`,
    /// `roles`, the configured `iss` and `aud`, `iat` now and `exp` after
    /// `ttl` (whole seconds). For development and tests.
    ///
    /// # Errors
    /// A [`ConfigError`] for `SECURE_API_JWT_SECRET` when no secret is
    /// configured (a JWKS holds public keys only), or when signing fails.
    pub fn issue_token(
        &self,
        sub: &str,
        roles: &[&str],
        ttl: Duration,
    ) -> Result<String, ConfigError> {
        let secret = self.secret.as_ref().ok_or_else(|| {
            ConfigError::new(
                env::JWT_SECRET,
                "not set; tokens can only be issued with an HS256 secret",
            )
        })?;
        self.authenticator
            .verifier()
            .issue_hs256(secret.expose_secret().as_bytes(), sub, roles, ttl)
            .map_err(|e| ConfigError::new(env::JWT_SECRET, format!("cannot sign a token: {e}")))
    }
}
