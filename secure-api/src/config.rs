//! [`SecurityConfig`]: the one place where secure-api's configuration is
//! read and checked.
//!
//! A configuration is built once at start-up, from the environment
//! ([`SecurityConfig::from_env`]), from code ([`SecurityConfig::builder`]),
//! or both (code sets defaults, [`SecurityConfigBuilder::read_env`] lets the
//! environment override them). Every bad value stops the build with a
//! [`ConfigError`] naming the setting; nothing is served with a half-read
//! configuration.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

use crate::alert::{AlertPolicy, AlertSink};
use crate::auth::api_key::ApiKeys;
use crate::auth::jwks::{KeySet, RemoteJwks};
use crate::auth::jwt::{JwtVerifier, PublicKeys};
use crate::auth::reload::Watched;
use crate::cors::CorsPolicy;
use crate::headers::SecureHeaders;

/// The shortest accepted HMAC secret, in bytes (RFC 7518 §3.2: a key of the
/// same size as the hash output or larger; 32 bytes for HS256).
pub const MIN_SECRET_BYTES: usize = 32;

/// The default clock-skew allowance for `exp`, `nbf` and `iat`, in seconds.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;

/// The longest brute-force window, in seconds (one day).
const MAX_WINDOW_SECS: u64 = 86_400;

/// How long keys fetched from `SECURE_API_JWKS_URL` are used before they
/// are refreshed, in seconds.
pub const DEFAULT_JWKS_TTL_SECONDS: u64 = 300;

/// The least time between two fetches of `SECURE_API_JWKS_URL`, in seconds.
pub const DEFAULT_JWKS_COOLDOWN_SECONDS: u64 = 10;

/// A configuration value that cannot be used. Start-up must stop on it.
///
/// Its `Display` is one line that names the setting (the environment
/// variable, e.g. `SECURE_API_JWT_SECRET`) and the problem, and never holds a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    setting: &'static str,
    problem: String,
}

impl ConfigError {
    /// The problem is kept to one line: a parser's multi-line report (a
    /// TOML error shows the offending line and a caret) is joined with
    /// single spaces.
    pub(crate) fn new(setting: &'static str, problem: impl Into<String>) -> Self {
        let problem: String = problem.into();
        let problem = if problem.contains(['\n', '\r']) {
            problem.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            problem
        };
        Self { setting, problem }
    }

    /// The setting at fault, named as its environment variable.
    pub fn setting(&self) -> &'static str {
        self.setting
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// The names of the environment variables [`SecurityConfig::from_env`] reads.
pub mod env {
    /// HS256/384/512 secret; its bytes are used as they are (not base64-decoded).
    pub const JWT_SECRET: &str = "SECURE_API_JWT_SECRET";
    /// Path of a JWKS file (RFC 7517 §5) of public keys, each with `kid` and
    /// `alg`; re-read on `SIGHUP` and when it changes.
    pub const JWKS_FILE: &str = "SECURE_API_JWKS_FILE";
    /// URL of a JWKS endpoint (RFC 7517 §5; `https`, or `http` to a
    /// loopback host); keys are cached and refetched for an unknown `kid`.
    pub const JWKS_URL: &str = "SECURE_API_JWKS_URL";
    /// Seconds keys from the JWKS endpoint are used before a refresh (default 300).
    pub const JWKS_TTL_SECONDS: &str = "SECURE_API_JWKS_TTL_SECONDS";
    /// Least seconds between two fetches of the JWKS endpoint (default 10).
    pub const JWKS_COOLDOWN_SECONDS: &str = "SECURE_API_JWKS_COOLDOWN_SECONDS";
    /// The required JWT `typ` header, e.g. `at+jwt` (RFC 9068 §2.1).
    pub const JWT_TYPE: &str = "SECURE_API_JWT_TYPE";
    /// Path of the TOML file of API keys (see [`crate::auth::api_key`]);
    /// re-read on `SIGHUP` and when it changes.
    pub const API_KEYS_FILE: &str = "SECURE_API_API_KEYS_FILE";
    /// The required `iss` claim (RFC 7519 §4.1.1).
    pub const JWT_ISSUER: &str = "SECURE_API_JWT_ISSUER";
    /// The audience that the `aud` claim must contain (RFC 7519 §4.1.3).
    pub const JWT_AUDIENCE: &str = "SECURE_API_JWT_AUDIENCE";
    /// Clock-skew allowance for `exp`, `nbf`, `iat`, in whole seconds.
    pub const JWT_LEEWAY_SECONDS: &str = "SECURE_API_JWT_LEEWAY_SECONDS";
    /// Comma-separated IPs or CIDRs of proxies whose forwarding headers are believed.
    pub const TRUSTED_PROXIES: &str = "SECURE_API_TRUSTED_PROXIES";
    /// Which header trusted proxies append the client to: `x-forwarded-for`
    /// (default) or `forwarded` (RFC 7239).
    pub const FORWARDED_HEADER: &str = "SECURE_API_FORWARDED_HEADER";
    /// Prefix length (0 to 128) IPv6 clients are grouped by for rate limits.
    pub const IPV6_PREFIX_LENGTH: &str = "SECURE_API_IPV6_PREFIX_LENGTH";
    /// Failed authentications per client IP per minute before 429.
    pub const AUTH_FAILURES_PER_MINUTE: &str = "SECURE_API_AUTH_FAILURES_PER_MINUTE";
    /// The most client keys tracked per rate-limited route.
    pub const RATE_LIMIT_MAX_KEYS: &str = "SECURE_API_RATE_LIMIT_MAX_KEYS";
    /// Comma-separated origins (`https://app.example.com`) allowed to call
    /// the API from a browser (CORS); `*` for any origin.
    pub const CORS_ORIGINS: &str = "SECURE_API_CORS_ORIGINS";
    /// `true` or `false`: whether CORS allows credentialed requests.
    pub const CORS_ALLOW_CREDENTIALS: &str = "SECURE_API_CORS_ALLOW_CREDENTIALS";
    /// Authentication failures per client IP within the alert window that
    /// raise an alert (see [`crate::alert`]).
    pub const ALERT_AUTH_FAILURES: &str = "SECURE_API_ALERT_AUTH_FAILURES";
    /// Authorization denials per client IP or principal within the alert
    /// window that raise an alert.
    pub const ALERT_DENIALS: &str = "SECURE_API_ALERT_DENIALS";
    /// The alert detector's sliding window, in whole seconds.
    pub const ALERT_WINDOW_SECONDS: &str = "SECURE_API_ALERT_WINDOW_SECONDS";
}

/// Validated security configuration: token keys and claims rules, realm,
/// trusted proxies.
///
/// Build it with [`SecurityConfig::from_env`] or [`SecurityConfig::builder`],
/// then hand it to [`Security::new`](crate::Security::new).
pub struct SecurityConfig {
    realm: String,
    jwt: JwtVerifier,
    secret: Option<SecretString>,
    api_keys: Option<Arc<Watched<ApiKeys>>>,
    replay_capacity: usize,
    development_mode: bool,
    trusted_proxies: Vec<IpNet>,
    limits: Limits,
    secure_headers: SecureHeaders,
    cors: Option<CorsPolicy>,
    alerts: AlertPolicy,
}

/// The header trusted proxies append the client's address to. Only that
/// one is read: a client can send the other through a proxy that leaves it
/// untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (the de facto standard; the default).
    #[default]
    XForwardedFor,
    /// `Forwarded` `for=` (RFC 7239 §5.2).
    Forwarded,
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
            max_keys: crate::rate_limit::DEFAULT_MAX_KEYS,
            auth_failures: crate::rate_limit::brute_force::DEFAULT_FAILURES,
            auth_failure_window_secs: crate::rate_limit::brute_force::DEFAULT_WINDOW_SECS,
        }
    }
}

impl fmt::Debug for SecurityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityConfig")
            .field("realm", &self.realm)
            .field("jwt", &self.jwt)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("api_keys", &self.api_keys.as_ref().map(|k| k.current()))
            .field("replay_capacity", &self.replay_capacity)
            .field("development_mode", &self.development_mode)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("limits", &self.limits)
            .field("secure_headers", &self.secure_headers)
            .field("cors", &self.cors)
            .field("alerts", &self.alerts)
            .finish()
    }
}

impl SecurityConfig {
    /// Reads the configuration from the environment (see [`env`](mod@env)) with no
    /// defaults for issuer and audience.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or bad:
    /// no key at all (none of `SECURE_API_JWT_SECRET`, `SECURE_API_JWKS_FILE`,
    /// `SECURE_API_JWKS_URL`, `SECURE_API_API_KEYS_FILE`), a secret under 32 bytes, an unreadable or
    /// invalid JWKS file, a missing issuer or audience, a bad leeway or proxy
    /// list.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder().read_env()?.build()
    }

    /// Starts a configuration in code. Values set on the builder are
    /// defaults that [`SecurityConfigBuilder::read_env`] may override.
    pub fn builder() -> SecurityConfigBuilder {
        SecurityConfigBuilder::default()
    }

    /// The realm named in `WWW-Authenticate` challenges (RFC 6750 §3).
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// Whether no key was configured and a random development secret was
    /// generated (see [`SecurityConfigBuilder::development_mode`]).
    pub fn is_development_mode(&self) -> bool {
        self.development_mode
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

    pub(crate) fn verifier(&self) -> &JwtVerifier {
        &self.jwt
    }

    pub(crate) fn api_keys(&self) -> Option<&Watched<ApiKeys>> {
        self.api_keys.as_deref()
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
        self.jwt
            .issue_hs256(secret.expose_secret().as_bytes(), sub, roles, ttl)
            .map_err(|e| ConfigError::new(env::JWT_SECRET, format!("cannot sign a token: {e}")))
    }
}

/// Builds a [`SecurityConfig`]; see [`SecurityConfig::builder`].
#[derive(Default)]
pub struct SecurityConfigBuilder {
    realm: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_seconds: Option<u64>,
    secret: Option<SecretString>,
    jwks_file: Option<PathBuf>,
    jwks_url: Option<String>,
    jwks_ttl_seconds: Option<u64>,
    jwks_cooldown_seconds: Option<u64>,
    token_type: Option<String>,
    api_keys_file: Option<PathBuf>,
    roles: Option<Vec<String>>,
    key_file_poll: Option<Option<Duration>>,
    replay_capacity: Option<usize>,
    trusted_proxies: Vec<IpNet>,
    development_mode: bool,
    limits: Limits,
    secure_headers: SecureHeaders,
    cors: Option<CorsPolicy>,
    cors_credentials: Option<bool>,
    alerts: AlertPolicy,
}

impl fmt::Debug for SecurityConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityConfigBuilder")
            .field("realm", &self.realm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("jwks_file", &self.jwks_file)
            .field(
                "jwks_url",
                &self.jwks_url.as_deref().map(crate::auth::jwks::shown_url),
            )
            .field("jwks_ttl_seconds", &self.jwks_ttl_seconds)
            .field("jwks_cooldown_seconds", &self.jwks_cooldown_seconds)
            .field("token_type", &self.token_type)
            .field("api_keys_file", &self.api_keys_file)
            .field("roles", &self.roles)
            .field("key_file_poll", &self.key_file_poll)
            .field("replay_capacity", &self.replay_capacity)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("development_mode", &self.development_mode)
            .field("limits", &self.limits)
            .field("secure_headers", &self.secure_headers)
            .field("cors", &self.cors)
            .field("alerts", &self.alerts)
            .finish()
    }
}

impl SecurityConfigBuilder {
    /// The alert detector's thresholds, window and sinks (default
    /// [`AlertPolicy::default`]: 20 authentication failures or 50 denials
    /// in 5 minutes, no sink). The `SECURE_API_ALERT_*` variables replace
    /// the thresholds and window; the sinks stay.
    pub fn alerts(mut self, policy: AlertPolicy) -> Self {
        self.alerts = policy;
        self
    }

    /// Adds a sink that every alert is handed to (see [`AlertSink`]).
    pub fn alert_sink(mut self, sink: impl AlertSink) -> Self {
        self.alerts = self.alerts.sink(sink);
        self
    }

    /// The secure response headers and HSTS policy (default
    /// [`SecureHeaders::strict`]).
    pub fn secure_headers(mut self, headers: SecureHeaders) -> Self {
        self.secure_headers = headers;
        self
    }

    /// Allows cross-origin requests from browsers by `policy` (default:
    /// none). `SECURE_API_CORS_ORIGINS` replaces its origins and
    /// `SECURE_API_CORS_ALLOW_CREDENTIALS` its credentials setting.
    pub fn cors(mut self, policy: CorsPolicy) -> Self {
        self.cors = Some(policy);
        self
    }

    /// The header trusted proxies append the client's address to (default
    /// `X-Forwarded-For`).
    pub fn forwarded_header(mut self, header: ForwardedHeader) -> Self {
        self.limits.forwarded_header = header;
        self
    }

    /// IPv6 clients share a rate-limit bucket per prefix of `len` bits
    /// (0 to 128; default 64, one subscriber's network).
    pub fn ipv6_prefix_len(mut self, len: u8) -> Self {
        self.limits.ipv6_prefix_len = len;
        self
    }

    /// The most client keys tracked per rate-limited route (default
    /// 100,000); past it, new keys share one overflow bucket.
    pub fn max_rate_keys(mut self, keys: usize) -> Self {
        self.limits.max_keys = keys;
        self
    }

    /// After `failures` failed authentications from one client IP within
    /// `window_secs` seconds, its credentialed requests get 429 until the
    /// window ends (default 20 per 60 s).
    pub fn auth_failure_limit(mut self, failures: u32, window_secs: u64) -> Self {
        self.limits.auth_failures = failures;
        self.limits.auth_failure_window_secs = window_secs;
        self
    }

    /// The realm of `WWW-Authenticate` challenges (RFC 6750 §3). Default:
    /// the audience.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// The required `iss` claim (RFC 7519 §4.1.1), compared exactly.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The audience that the `aud` claim (a string, or an array of strings)
    /// must contain (RFC 7519 §4.1.3).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat`, in seconds
    /// (RFC 7519 §4.1.4; default 30).
    pub fn leeway_seconds(mut self, seconds: u64) -> Self {
        self.leeway_seconds = Some(seconds);
        self
    }

    /// The HS256/384/512 secret; its UTF-8 bytes are the key. At least 32
    /// bytes (checked by [`build`](Self::build)).
    pub fn jwt_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(SecretString::from(secret.into()));
        self
    }

    /// A JWKS file (RFC 7517 §5) of public keys; each key needs a `kid` and
    /// an `alg` (RS256/384/512, PS256/384/512, ES256, ES384, EdDSA).
    pub fn jwks_file(mut self, path: impl AsRef<Path>) -> Self {
        self.jwks_file = Some(path.as_ref().to_path_buf());
        self
    }

    /// A JWKS endpoint (RFC 7517 §5): `https`, or plain `http` only to a
    /// loopback host. Keys are cached for the TTL, refetched (at most once
    /// per cooldown) when a token names an unknown `kid`, and the last good
    /// set is kept when the endpoint fails. Each key needs `kid` and `alg`.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// How long keys from [`jwks_url`](Self::jwks_url) are used before a
    /// refresh, in seconds (default 300), and the least time between two
    /// fetches, in seconds (default 10).
    pub fn jwks_cache(mut self, ttl_seconds: u64, cooldown_seconds: u64) -> Self {
        self.jwks_ttl_seconds = Some(ttl_seconds);
        self.jwks_cooldown_seconds = Some(cooldown_seconds);
        self
    }

    /// Requires the JWT header's `typ` to be `typ` (compared as a media
    /// type: case-insensitively, `application/` optional), e.g. `at+jwt`
    /// for OAuth 2.0 access tokens (RFC 9068 §2.1, RFC 8725 §3.11), so that
    /// ID tokens cannot be used as access tokens. Default: any `typ`.
    pub fn token_type(mut self, typ: impl Into<String>) -> Self {
        self.token_type = Some(typ.into());
        self
    }

    /// The TOML file of API keys (format in [`crate::auth::api_key`]),
    /// re-read on `SIGHUP` and when it changes.
    pub fn api_keys_file(mut self, path: impl AsRef<Path>) -> Self {
        self.api_keys_file = Some(path.as_ref().to_path_buf());
        self
    }

    /// The roles an API key may grant: those declared with
    /// [`roles!`](crate::roles), as `roles::names()` lists them. With it, an
    /// API-key file that names any other role (a typo such as `reportng`)
    /// is refused like any other bad file: at start-up with a
    /// [`ConfigError`] naming `SECURE_API_API_KEYS_FILE`, on a reload by
    /// keeping the last good keys. Without it, such a role loads and grants
    /// nothing.
    pub fn roles(mut self, names: &[&str]) -> Self {
        self.roles = Some(names.iter().map(|&n| n.to_owned()).collect());
        self
    }

    /// How often the JWKS and API-key files are checked for changes
    /// (default every second); `None` reloads them on `SIGHUP` only.
    pub fn key_file_poll_interval(mut self, every: Option<Duration>) -> Self {
        self.key_file_poll = Some(every);
        self
    }

    /// The most `jti`s remembered at once for `replay = "jti"` routes
    /// (default 100,000); when full of unexpired ones, new one-time tokens
    /// get 503 until some expire.
    pub fn replay_capacity(mut self, jtis: usize) -> Self {
        self.replay_capacity = Some(jtis);
        self
    }

    /// Proxies (IP addresses or CIDR networks) whose `X-Forwarded-For`,
    /// `Forwarded` and `X-Forwarded-Proto` headers are believed.
    pub fn trusted_proxies(mut self, proxies: impl IntoIterator<Item = IpNet>) -> Self {
        self.trusted_proxies = proxies.into_iter().collect();
        self
    }

    /// With no JWT key configured (no secret, JWKS file or JWKS URL),
    /// generate a random 32-byte HS256 secret instead of failing. For local development only: the
    /// application should say so loudly.
    pub fn development_mode(mut self, allowed: bool) -> Self {
        self.development_mode = allowed;
        self
    }

    /// Overrides the builder's values with the environment variables of
    /// [`env`](mod@env) that are set.
    ///
    /// # Errors
    /// A [`ConfigError`] naming a variable that is not valid UTF-8, a leeway
    /// that is not a whole number of seconds, or a proxy list entry that is
    /// neither an IP address nor a CIDR network.
    pub fn read_env(mut self) -> Result<Self, ConfigError> {
        if let Some(v) = var(env::JWT_SECRET)? {
            self.secret = Some(SecretString::from(v));
        }
        if let Some(v) = var(env::JWKS_FILE)? {
            self.jwks_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var(env::JWKS_URL)? {
            self.jwks_url = Some(v);
        }
        if let Some(v) = var(env::JWKS_TTL_SECONDS)? {
            self.jwks_ttl_seconds = Some(seconds(&v, env::JWKS_TTL_SECONDS)?);
        }
        if let Some(v) = var(env::JWKS_COOLDOWN_SECONDS)? {
            self.jwks_cooldown_seconds = Some(seconds(&v, env::JWKS_COOLDOWN_SECONDS)?);
        }
        if let Some(v) = var(env::JWT_TYPE)? {
            self.token_type = Some(v);
        }
        if let Some(v) = var(env::API_KEYS_FILE)? {
            self.api_keys_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var(env::JWT_ISSUER)? {
            self.issuer = Some(v);
        }
        if let Some(v) = var(env::JWT_AUDIENCE)? {
            self.audience = Some(v);
        }
        if let Some(v) = var(env::JWT_LEEWAY_SECONDS)? {
            self.leeway_seconds = Some(seconds(&v, env::JWT_LEEWAY_SECONDS)?);
        }
        if let Some(v) = var(env::TRUSTED_PROXIES)? {
            self.trusted_proxies = parse_proxies(&v)?;
        }
        if let Some(v) = var(env::FORWARDED_HEADER)? {
            self.limits.forwarded_header = match v.trim().to_ascii_lowercase().as_str() {
                "x-forwarded-for" => ForwardedHeader::XForwardedFor,
                "forwarded" => ForwardedHeader::Forwarded,
                _ => {
                    return Err(ConfigError::new(
                        env::FORWARDED_HEADER,
                        format!("`{v}` is neither `x-forwarded-for` nor `forwarded`"),
                    ));
                }
            };
        }
        if let Some(v) = var(env::IPV6_PREFIX_LENGTH)? {
            self.limits.ipv6_prefix_len = v
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 128)
                .ok_or_else(|| {
                    ConfigError::new(
                        env::IPV6_PREFIX_LENGTH,
                        format!("`{v}` is not a prefix length from 0 to 128"),
                    )
                })?;
        }
        if let Some(v) = var(env::AUTH_FAILURES_PER_MINUTE)? {
            self.limits.auth_failures = v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ConfigError::new(
                        env::AUTH_FAILURES_PER_MINUTE,
                        format!("`{v}` is not a whole number of at least 1"),
                    )
                })?;
            self.limits.auth_failure_window_secs = 60;
        }
        if let Some(v) = var(env::CORS_ORIGINS)? {
            let origins = v.split(',').map(str::trim).filter(|o| !o.is_empty());
            self.cors = Some(match self.cors.take() {
                // Keep what code said about methods and headers.
                Some(code) => code.with_origins(origins),
                None => CorsPolicy::allow_origins(origins),
            });
        }
        if let Some(v) = var(env::CORS_ALLOW_CREDENTIALS)? {
            self.cors_credentials = Some(match v.trim() {
                "true" => true,
                "false" => false,
                other => {
                    return Err(ConfigError::new(
                        env::CORS_ALLOW_CREDENTIALS,
                        format!("`{other}` is neither `true` nor `false`"),
                    ));
                }
            });
        }
        if let Some(v) = var(env::RATE_LIMIT_MAX_KEYS)? {
            self.limits.max_keys = v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ConfigError::new(
                        env::RATE_LIMIT_MAX_KEYS,
                        format!("`{v}` is not a whole number of at least 1"),
                    )
                })?;
        }
        read_alert_env(&mut self.alerts)?;
        Ok(self)
    }

    /// Checks every value and loads the keys.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the setting: no key (unless
    /// [`development_mode`](Self::development_mode)), a secret under 32
    /// bytes, a JWKS file that cannot be read or holds an unusable key, an
    /// empty or missing issuer or audience, a leeway over one day; no
    /// rate-limit keys, a brute-force window over one day, a realm that is
    /// not printable ASCII; a bad JWKS URL, TTL or cooldown, an unreadable
    /// or invalid API-key file; a CORS
    /// policy allowing any origin with credentials, or naming something
    /// that is not an origin (`SECURE_API_CORS_ORIGINS`); secure headers
    /// that set HSTS, `Server` or `X-Powered-By` directly, or HSTS
    /// `preload` under a year or without subdomains (`SecureHeaders::...`).
    pub fn build(self) -> Result<SecurityConfig, ConfigError> {
        let issuer = required(self.issuer, env::JWT_ISSUER)?;
        let audience = required(self.audience, env::JWT_AUDIENCE)?;
        if self.limits.ipv6_prefix_len > 128 {
            return Err(ConfigError::new(
                env::IPV6_PREFIX_LENGTH,
                "must be from 0 to 128",
            ));
        }
        if self.limits.auth_failures == 0
            || !(1..=MAX_WINDOW_SECS).contains(&self.limits.auth_failure_window_secs)
        {
            return Err(ConfigError::new(
                env::AUTH_FAILURES_PER_MINUTE,
                format!("must be at least 1 per 1 to {MAX_WINDOW_SECS} seconds"),
            ));
        }
        if self.limits.max_keys == 0 {
            return Err(ConfigError::new(
                env::RATE_LIMIT_MAX_KEYS,
                "must be at least 1",
            ));
        }
        if let Some(realm) = &self.realm
            && (realm.is_empty() || !realm.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
        {
            return Err(ConfigError::new(
                "SecurityConfigBuilder::realm",
                "must be printable ASCII (it is sent in WWW-Authenticate, RFC 9110 §11.6.1)",
            ));
        }
        self.secure_headers.validate()?;
        self.alerts.validate()?;
        let cors = match (self.cors, self.cors_credentials) {
            (Some(policy), Some(credentials)) => Some(policy.allow_credentials(credentials)),
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    env::CORS_ALLOW_CREDENTIALS,
                    format!("has no effect without {}", env::CORS_ORIGINS),
                ));
            }
            (policy, None) => policy,
        };
        if let Some(policy) = &cors {
            policy.validate()?;
        }
        let leeway = self.leeway_seconds.unwrap_or(DEFAULT_LEEWAY_SECONDS);
        if leeway > 86_400 {
            return Err(ConfigError::new(
                env::JWT_LEEWAY_SECONDS,
                "must be at most 86400 seconds",
            ));
        }
        crate::auth::reload::start_watching();
        let poll = self
            .key_file_poll
            .unwrap_or(Some(crate::auth::reload::DEFAULT_POLL_INTERVAL));
        let public = PublicKeys {
            file: match &self.jwks_file {
                Some(path) => Some(Watched::open(
                    path,
                    env::JWKS_FILE,
                    KeySet::parse_file,
                    poll,
                )?),
                None => None,
            },
            remote: match &self.jwks_url {
                Some(url) => {
                    let ttl = self.jwks_ttl_seconds.unwrap_or(DEFAULT_JWKS_TTL_SECONDS);
                    let cooldown = self
                        .jwks_cooldown_seconds
                        .unwrap_or(DEFAULT_JWKS_COOLDOWN_SECONDS);
                    if ttl == 0 {
                        return Err(ConfigError::new(
                            env::JWKS_TTL_SECONDS,
                            "must be at least 1 second",
                        ));
                    }
                    if cooldown == 0 {
                        return Err(ConfigError::new(
                            env::JWKS_COOLDOWN_SECONDS,
                            "must be at least 1 second",
                        ));
                    }
                    let remote = RemoteJwks::new(
                        url,
                        Duration::from_secs(ttl),
                        Duration::from_secs(cooldown),
                    )
                    .map_err(|e| ConfigError::new(env::JWKS_URL, e))?;
                    Some(Arc::new(remote))
                }
                None => None,
            },
        };
        let api_keys = match &self.api_keys_file {
            Some(path) => {
                let roles = self.roles.clone();
                let load = move |bytes: &[u8]| ApiKeys::parse(bytes, roles.as_deref());
                Some(Watched::open(path, env::API_KEYS_FILE, load, poll)?)
            }
            None => None,
        };
        if let Some(typ) = &self.token_type
            && (typ.trim().is_empty() || !typ.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(ConfigError::new(
                env::JWT_TYPE,
                format!("`{typ}` is not a media type such as `at+jwt`"),
            ));
        }
        let replay_capacity = self
            .replay_capacity
            .unwrap_or(crate::auth::replay::DEFAULT_CAPACITY);
        if replay_capacity == 0 {
            return Err(ConfigError::new(
                "SecurityConfigBuilder::replay_capacity",
                "must be at least 1",
            ));
        }
        let mut secret = self.secret;
        if let Some(s) = &secret {
            let len = s.expose_secret().len();
            if len < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    env::JWT_SECRET,
                    format!("must be at least {MIN_SECRET_BYTES} bytes, got {len}"),
                ));
            }
        }
        let mut development_mode = false;
        // Development mode stands in for a missing JWT key only; an
        // API-key file alone is a complete (API-key-only) configuration.
        let no_jwt_key = secret.is_none() && public.file.is_none() && public.remote.is_none();
        if no_jwt_key && self.development_mode {
            secret = Some(random_secret()?);
            development_mode = true;
        } else if no_jwt_key && api_keys.is_none() {
            return Err(ConfigError::new(
                env::JWT_SECRET,
                format!(
                    "no key configured: set {}, {}, {} or {}",
                    env::JWT_SECRET,
                    env::JWKS_FILE,
                    env::JWKS_URL,
                    env::API_KEYS_FILE
                ),
            ));
        }
        let jwt = JwtVerifier::new(
            secret.as_ref().map(|s| s.expose_secret().as_bytes()),
            public,
            issuer,
            audience.clone(),
            leeway,
            self.token_type.as_deref(),
        );
        Ok(SecurityConfig {
            realm: self.realm.unwrap_or(audience),
            jwt,
            secret,
            api_keys,
            replay_capacity,
            development_mode,
            trusted_proxies: self.trusted_proxies,
            limits: self.limits,
            secure_headers: self.secure_headers,
            cors,
            alerts: self.alerts,
        })
    }
}

/// A whole number of seconds from variable `name`.
fn seconds(v: &str, name: &'static str) -> Result<u64, ConfigError> {
    v.trim()
        .parse::<u64>()
        .map_err(|_| ConfigError::new(name, format!("`{v}` is not a whole number of seconds")))
}

/// Reads one variable: `None` when unset, an error when not UTF-8.
fn var(name: &'static str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::new(name, "is not valid UTF-8")),
    }
}

fn required(value: Option<String>, setting: &'static str) -> Result<String, ConfigError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        Some(_) => Err(ConfigError::new(setting, "must not be empty")),
        None => Err(ConfigError::new(setting, "is required")),
    }
}

/// Parses `10.0.0.0/8, 192.0.2.1, ::1`: CIDR networks or single addresses.
fn parse_proxies(list: &str) -> Result<Vec<IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ConfigError::new(
                        env::TRUSTED_PROXIES,
                        format!("`{item}` is neither an IP address nor a CIDR network"),
                    )
                })
        })
        .collect()
}

/// Reads `SECURE_API_ALERT_AUTH_FAILURES`, `SECURE_API_ALERT_DENIALS` and
/// `SECURE_API_ALERT_WINDOW_SECONDS` into `policy` (their ranges are
/// checked by `build`).
///
/// # Errors
/// A [`ConfigError`] naming a variable that is not a whole number.
fn read_alert_env(policy: &mut AlertPolicy) -> Result<(), ConfigError> {
    let number = |name: &'static str| -> Result<Option<u64>, ConfigError> {
        var(name)?
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| ConfigError::new(name, format!("`{v}` is not a whole number")))
            })
            .transpose()
    };
    let threshold = |name: &'static str| -> Result<Option<u32>, ConfigError> {
        number(name)?
            .map(|n| {
                u32::try_from(n).map_err(|_| ConfigError::new(name, format!("`{n}` is too large")))
            })
            .transpose()
    };
    if let Some(n) = threshold(env::ALERT_AUTH_FAILURES)? {
        *policy = policy.clone().auth_failures(n);
    }
    if let Some(n) = threshold(env::ALERT_DENIALS)? {
        *policy = policy.clone().denials(n);
    }
    if let Some(secs) = number(env::ALERT_WINDOW_SECONDS)? {
        *policy = policy.clone().window_secs(secs);
    }
    Ok(())
}

/// 32 random bytes from the operating system, hex-encoded (64 bytes of key).
fn random_secret() -> Result<SecretString, ConfigError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        ConfigError::new(
            env::JWT_SECRET,
            format!("cannot generate a development secret: {e}"),
        )
    })?;
    let hex = crate::hex::encode(&bytes);
    Ok(SecretString::from(hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_kept_to_one_line() {
        let e = ConfigError::new(env::JWKS_FILE, "bad value\n  |\n1 | x\r\n");
        assert_eq!(e.to_string(), "SECURE_API_JWKS_FILE: bad value | 1 | x");
    }

    #[test]
    fn proxies_accept_addresses_and_networks() {
        let p = parse_proxies("10.0.0.0/8, 192.0.2.1 ,::1").unwrap_or_default();
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].to_string(), "192.0.2.1/32");
    }

    #[test]
    fn proxies_reject_garbage_naming_the_variable() {
        let e = parse_proxies("10.0.0.0/8, example.com").err();
        assert_eq!(e.map(|e| e.setting()), Some(env::TRUSTED_PROXIES));
    }

    #[test]
    fn short_secret_is_refused() {
        let e = SecurityConfig::builder()
            .issuer("i")
            .audience("a")
            .jwt_secret("too short")
            .build()
            .err();
        assert_eq!(
            e.map(|e| e.to_string()),
            Some("SECURE_API_JWT_SECRET: must be at least 32 bytes, got 9".into())
        );
    }

    #[test]
    fn limits_and_realm_set_in_code_are_checked_too() {
        let base = || {
            SecurityConfig::builder()
                .issuer("i")
                .audience("a")
                .jwt_secret("0123456789abcdef0123456789abcdef")
        };
        let setting = |b: SecurityConfigBuilder| b.build().err().map(|e| e.setting());
        assert_eq!(
            setting(base().max_rate_keys(0)),
            Some(env::RATE_LIMIT_MAX_KEYS)
        );
        assert_eq!(
            setting(base().auth_failure_limit(20, u64::MAX)),
            Some(env::AUTH_FAILURES_PER_MINUTE)
        );
        assert_eq!(
            setting(base().realm("api\r\n")),
            Some("SecurityConfigBuilder::realm")
        );
        assert!(base().realm("customer api").build().is_ok());
    }

    #[test]
    fn no_key_is_refused_outside_development_mode() {
        let e = SecurityConfig::builder()
            .issuer("i")
            .audience("a")
            .build()
            .err();
        assert_eq!(e.map(|e| e.setting()), Some(env::JWT_SECRET));
        let dev = SecurityConfig::builder()
            .issuer("i")
            .audience("a")
            .development_mode(true)
            .build();
        assert!(dev.is_ok_and(|c| c.is_development_mode()));
    }
}
