//! [`SecurityConfigBuilder`]: a configuration set in code, checked and
//! turned into a [`SecurityConfig`] by [`build`](SecurityConfigBuilder::build),
//! one named step per concern.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

use super::settings::{
    DEFAULT_JWKS_COOLDOWN_SECONDS, DEFAULT_JWKS_TTL_SECONDS, DEFAULT_LEEWAY_SECONDS,
    DEFAULT_REDIS_TIMEOUT_MS, Limits, MIN_SECRET_BYTES, SecurityConfig, StoreChoice,
};
use crate::alert::{AlertPolicy, AlertSink};
use crate::auth::Authenticator;
use crate::auth::api_key::ApiKeys;
use crate::auth::jwks::{KeySet, RemoteJwks, shown_url};
use crate::auth::jwt::{JwtVerifier, PublicKeys};
use crate::auth::reload::{self, Watched};
use crate::auth::token_cache::{self, TokenCache};
use crate::client_ip::ForwardedHeader;
use crate::cors::CorsPolicy;
use crate::error::{ConfigError, ONE_DAY_SECS, env};
use crate::headers::SecureHeaders;
use crate::secret::REDACTED;
use crate::store::replay::DEFAULT_CAPACITY as DEFAULT_REPLAY_CAPACITY;

impl SecurityConfig {
    /// Starts a configuration in code. Values set on the builder are
    /// defaults that [`SecurityConfigBuilder::read_env`] may override.
    pub fn builder() -> SecurityConfigBuilder {
        SecurityConfigBuilder::default()
    }
}

/// Builds a [`SecurityConfig`]; see [`SecurityConfig::builder`].
#[derive(Default)]
pub struct SecurityConfigBuilder {
    pub(super) realm: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) audience: Option<String>,
    pub(super) leeway_seconds: Option<u64>,
    pub(super) secret: Option<SecretString>,
    pub(super) jwks_file: Option<PathBuf>,
    pub(super) jwks_url: Option<String>,
    pub(super) jwks_ttl_seconds: Option<u64>,
    pub(super) jwks_cooldown_seconds: Option<u64>,
    pub(super) token_type: Option<String>,
    pub(super) api_keys_file: Option<PathBuf>,
    pub(super) roles: Option<Vec<String>>,
    pub(super) key_file_poll: Option<Option<Duration>>,
    pub(super) replay_capacity: Option<usize>,
    pub(super) token_cache: Option<(usize, u64)>,
    pub(super) trusted_proxies: Vec<IpNet>,
    pub(super) development_mode: bool,
    pub(super) limits: Limits,
    pub(super) secure_headers: SecureHeaders,
    pub(super) cors: Option<CorsPolicy>,
    pub(super) cors_credentials: Option<bool>,
    pub(super) alerts: AlertPolicy,
    pub(super) redis_url: Option<SecretString>,
    pub(super) redis_timeout_ms: Option<u64>,
}

impl fmt::Debug for SecurityConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityConfigBuilder")
            .field("realm", &self.realm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("secret", &self.secret.as_ref().map(|_| REDACTED))
            .field("jwks_file", &self.jwks_file)
            .field("jwks_url", &self.jwks_url.as_deref().map(shown_url))
            .field("jwks_ttl_seconds", &self.jwks_ttl_seconds)
            .field("jwks_cooldown_seconds", &self.jwks_cooldown_seconds)
            .field("token_type", &self.token_type)
            .field("api_keys_file", &self.api_keys_file)
            .field("roles", &self.roles)
            .field("key_file_poll", &self.key_file_poll)
            .field("replay_capacity", &self.replay_capacity)
            .field("token_cache", &self.token_cache)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("development_mode", &self.development_mode)
            .field("limits", &self.limits)
            .field("secure_headers", &self.secure_headers)
            .field("cors", &self.cors)
            .field("alerts", &self.alerts)
            .field("redis_url", &self.redis_url.as_ref().map(|_| REDACTED))
            .field("redis_timeout_ms", &self.redis_timeout_ms)
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

    /// The cache of verified JWTs: at most `capacity` tokens (default
    /// 10,000; 0 turns the cache off), each used for at most `ttl_secs`
    /// seconds (default 60) and never past its `exp`. A token presented
    /// again within that time is not verified again; a JWKS key set that
    /// is replaced (a file reloaded, the endpoint fetched again) empties it
    /// in effect. See [`auth::token_cache`](crate::auth::token_cache) for
    /// the bound and the trade-off.
    pub fn token_cache(mut self, capacity: usize, ttl_secs: u64) -> Self {
        self.token_cache = Some((capacity, ttl_secs));
        self
    }

    /// Keeps the state that requests share (quotas, failed-authentication
    /// lock-outs, spent `jti`s) in the Redis at `url`
    /// (`redis://[user:password@]host[:port][/db]`), shared by every
    /// replica, instead of in process memory. Needs the `redis` feature;
    /// see the README, "Several replicas".
    pub fn redis_url(mut self, url: impl Into<String>) -> Self {
        self.redis_url = Some(SecretString::from(url.into()));
        self
    }

    /// The longest one call to the shared store may take, connecting
    /// included, in milliseconds (default 250, 1 to 60,000): a slower
    /// call is answered 503, failing closed.
    pub fn redis_timeout_ms(mut self, milliseconds: u64) -> Self {
        self.redis_timeout_ms = Some(milliseconds);
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
    /// `preload` under a year or without subdomains (`SecureHeaders::...`);
    /// a Redis URL that is not one, or set without the `redis` feature, or
    /// a store timeout outside 1 to 60,000 ms.
    pub fn build(self) -> Result<SecurityConfig, ConfigError> {
        let issuer = required(self.issuer, env::JWT_ISSUER)?;
        let audience = required(self.audience, env::JWT_AUDIENCE)?;
        check_limits(&self.limits)?;
        check_realm(self.realm.as_deref())?;
        self.secure_headers.validate()?;
        self.alerts.validate()?;
        let cors = cors_policy(self.cors, self.cors_credentials)?;
        let leeway = self.leeway_seconds.unwrap_or(DEFAULT_LEEWAY_SECONDS);
        if leeway > ONE_DAY_SECS {
            return Err(ConfigError::new(
                env::JWT_LEEWAY_SECONDS,
                format!("must be at most {ONE_DAY_SECS} seconds"),
            ));
        }
        reload::start_watching();
        let poll = self
            .key_file_poll
            .unwrap_or(Some(reload::DEFAULT_POLL_INTERVAL));
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
                Some(url) => Some(remote_jwks(
                    url,
                    self.jwks_ttl_seconds,
                    self.jwks_cooldown_seconds,
                )?),
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
        check_token_type(self.token_type.as_deref())?;
        let replay_capacity = self.replay_capacity.unwrap_or(DEFAULT_REPLAY_CAPACITY);
        if replay_capacity == 0 {
            return Err(ConfigError::new(
                "SecurityConfigBuilder::replay_capacity",
                "must be at least 1",
            ));
        }
        check_secret(self.secret.as_ref())?;
        let store = store_choice(self.redis_url.as_ref(), self.redis_timeout_ms)?;
        let (cache_capacity, cache_ttl_secs) = self
            .token_cache
            .unwrap_or((token_cache::DEFAULT_CAPACITY, token_cache::DEFAULT_TTL_SECS));
        // Development mode stands in for a missing JWT key only; an
        // API-key file alone is a complete (API-key-only) configuration.
        let no_jwt_key = self.secret.is_none() && public.file.is_none() && public.remote.is_none();
        let (secret, development_mode) = if no_jwt_key && self.development_mode {
            (Some(random_secret()?), true)
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
        } else {
            (self.secret, false)
        };
        let jwt = JwtVerifier::new(
            secret.as_ref().map(|s| s.expose_secret().as_bytes()),
            public,
            issuer,
            audience.clone(),
            leeway,
            self.token_type.as_deref(),
            TokenCache::new(cache_capacity, cache_ttl_secs),
        );
        Ok(SecurityConfig {
            realm: self.realm.unwrap_or(audience),
            authenticator: Authenticator::new(jwt, api_keys),
            secret,
            replay_capacity,
            development_mode,
            trusted_proxies: self.trusted_proxies,
            limits: self.limits,
            secure_headers: self.secure_headers,
            cors,
            alerts: self.alerts,
            store,
        })
    }
}

/// The longest accepted timeout of the shared store, in milliseconds.
const MAX_REDIS_TIMEOUT_MS: u64 = 60_000;

/// Where the shared state is kept: Redis when a URL is set, else memory.
///
/// # Errors
/// `SECURE_API_REDIS_URL` that is not a Redis URL, or set while secure-api
/// was built without the `redis` feature (never silently one process's
/// state); `SECURE_API_REDIS_TIMEOUT_MS` outside 1 to 60,000.
fn store_choice(
    url: Option<&SecretString>,
    timeout_ms: Option<u64>,
) -> Result<StoreChoice, ConfigError> {
    let timeout_ms = timeout_ms.unwrap_or(DEFAULT_REDIS_TIMEOUT_MS);
    if !(1..=MAX_REDIS_TIMEOUT_MS).contains(&timeout_ms) {
        return Err(ConfigError::new(
            env::REDIS_TIMEOUT_MS,
            format!("must be from 1 to {MAX_REDIS_TIMEOUT_MS} milliseconds"),
        ));
    }
    let Some(url) = url else {
        return Ok(StoreChoice::Memory);
    };
    #[cfg(feature = "redis")]
    {
        crate::store::redis::RedisSettings::new(
            url.expose_secret(),
            Duration::from_millis(timeout_ms),
        )
        .map(StoreChoice::Redis)
        .map_err(|problem| ConfigError::new(env::REDIS_URL, problem))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = url;
        Err(ConfigError::new(
            env::REDIS_URL,
            "is set, but secure-api was built without its `redis` feature: enable it, or unset the variable to keep the state in this process",
        ))
    }
}

/// A value that must be set and not blank.
fn required(value: Option<String>, setting: &'static str) -> Result<String, ConfigError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        Some(_) => Err(ConfigError::new(setting, "must not be empty")),
        None => Err(ConfigError::new(setting, "is required")),
    }
}

/// The IPv6 prefix (0 to 128), the brute-force limit (at least 1 per 1 s
/// to one day) and the keys per route (at least 1).
fn check_limits(limits: &Limits) -> Result<(), ConfigError> {
    if limits.ipv6_prefix_len > 128 {
        return Err(ConfigError::new(
            env::IPV6_PREFIX_LENGTH,
            "must be from 0 to 128",
        ));
    }
    if limits.auth_failures == 0 || !(1..=ONE_DAY_SECS).contains(&limits.auth_failure_window_secs) {
        return Err(ConfigError::new(
            env::AUTH_FAILURES_PER_MINUTE,
            format!("must be at least 1 per 1 to {ONE_DAY_SECS} seconds"),
        ));
    }
    if limits.max_keys == 0 {
        return Err(ConfigError::new(
            env::RATE_LIMIT_MAX_KEYS,
            "must be at least 1",
        ));
    }
    Ok(())
}

/// A realm is printable ASCII: it is sent in `WWW-Authenticate`.
fn check_realm(realm: Option<&str>) -> Result<(), ConfigError> {
    if let Some(realm) = realm
        && (realm.is_empty() || !realm.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
    {
        return Err(ConfigError::new(
            "SecurityConfigBuilder::realm",
            "must be printable ASCII (it is sent in WWW-Authenticate, RFC 9110 §11.6.1)",
        ));
    }
    Ok(())
}

/// The CORS policy with the credentials setting of the environment, checked.
fn cors_policy(
    policy: Option<CorsPolicy>,
    credentials: Option<bool>,
) -> Result<Option<CorsPolicy>, ConfigError> {
    let cors = match (policy, credentials) {
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
    Ok(cors)
}

/// The JWKS endpoint at `url`, cached for `ttl_seconds` (default 300) and
/// fetched at most once per `cooldown_seconds` (default 10), both at
/// least 1.
fn remote_jwks(
    url: &str,
    ttl_seconds: Option<u64>,
    cooldown_seconds: Option<u64>,
) -> Result<Arc<RemoteJwks>, ConfigError> {
    let ttl = ttl_seconds.unwrap_or(DEFAULT_JWKS_TTL_SECONDS);
    let cooldown = cooldown_seconds.unwrap_or(DEFAULT_JWKS_COOLDOWN_SECONDS);
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
    let remote = RemoteJwks::new(url, Duration::from_secs(ttl), Duration::from_secs(cooldown))
        .map_err(|e| ConfigError::new(env::JWKS_URL, e))?;
    Ok(Arc::new(remote))
}

/// A required `typ` is a media type: visible ASCII, not blank.
fn check_token_type(typ: Option<&str>) -> Result<(), ConfigError> {
    if let Some(typ) = typ
        && (typ.trim().is_empty() || !typ.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(ConfigError::new(
            env::JWT_TYPE,
            format!("`{typ}` is not a media type such as `at+jwt`"),
        ));
    }
    Ok(())
}

/// An HMAC secret has at least [`MIN_SECRET_BYTES`] bytes.
fn check_secret(secret: Option<&SecretString>) -> Result<(), ConfigError> {
    if let Some(s) = secret {
        let len = s.expose_secret().len();
        if len < MIN_SECRET_BYTES {
            return Err(ConfigError::new(
                env::JWT_SECRET,
                format!("must be at least {MIN_SECRET_BYTES} bytes, got {len}"),
            ));
        }
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
