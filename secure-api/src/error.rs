//! [`ConfigError`], the one error of start-up, and the names of the
//! settings it can name ([`env`]): the environment variables that
//! [`SecurityConfig::from_env`](crate::SecurityConfig::from_env) reads.
//!
//! Layer 0: imports nothing from the crate, so every module that checks a
//! setting can report it.

use std::fmt;

/// One day in seconds: the longest window or leeway a setting accepts
/// (brute-force and alert windows, JWT leeway).
pub(crate) const ONE_DAY_SECS: u64 = 86_400;

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

/// The names of the environment variables [`SecurityConfig::from_env`](crate::SecurityConfig::from_env) reads.
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
    /// Redis URL (`redis://host:port`) of the state store shared by
    /// replicas (quotas, failed-authentication lock-outs, spent `jti`s);
    /// unset keeps the state in process memory. Needs the `redis` feature.
    pub const REDIS_URL: &str = "SECURE_API_REDIS_URL";
    /// The longest one call to the shared store may take, connecting
    /// included, in milliseconds (default 250); a slower call is answered 503.
    pub const REDIS_TIMEOUT_MS: &str = "SECURE_API_REDIS_TIMEOUT_MS";
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_kept_to_one_line() {
        let e = ConfigError::new(env::JWKS_FILE, "bad value\n  |\n1 | x\r\n");
        assert_eq!(e.to_string(), "SECURE_API_JWKS_FILE: bad value | 1 | x");
    }
}
