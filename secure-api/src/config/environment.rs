//! Reading the environment: [`SecurityConfig::from_env`] and
//! [`SecurityConfigBuilder::read_env`], one variable of [`env`] at a time,
//! each through [`read`] so that every variable is trimmed, parsed and
//! reported the same way.

use ipnet::IpNet;
use secrecy::SecretString;
use std::path::PathBuf;
use std::str::FromStr;

use super::builder::SecurityConfigBuilder;
use super::settings::SecurityConfig;
use crate::alert::AlertPolicy;
use crate::client_ip::ForwardedHeader;
use crate::cors::CorsPolicy;
use crate::error::{ConfigError, env};

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
}

impl SecurityConfigBuilder {
    /// Overrides the builder's values with the environment variables of
    /// [`env`](mod@env) that are set.
    ///
    /// # Errors
    /// A [`ConfigError`] naming a variable that is not valid UTF-8, a
    /// number of seconds that is not a whole number, a proxy list entry
    /// that is neither an IP address nor a CIDR network, or any other value
    /// outside its variable's range.
    pub fn read_env(mut self) -> Result<Self, ConfigError> {
        if let Some(v) = read(env::JWT_SECRET, text)? {
            self.secret = Some(SecretString::from(v));
        }
        if let Some(v) = read(env::JWKS_FILE, text)? {
            self.jwks_file = Some(PathBuf::from(v));
        }
        if let Some(v) = read(env::JWKS_URL, text)? {
            self.jwks_url = Some(v);
        }
        if let Some(v) = read(env::JWKS_TTL_SECONDS, seconds)? {
            self.jwks_ttl_seconds = Some(v);
        }
        if let Some(v) = read(env::JWKS_COOLDOWN_SECONDS, seconds)? {
            self.jwks_cooldown_seconds = Some(v);
        }
        if let Some(v) = read(env::JWT_TYPE, text)? {
            self.token_type = Some(v);
        }
        if let Some(v) = read(env::API_KEYS_FILE, text)? {
            self.api_keys_file = Some(PathBuf::from(v));
        }
        if let Some(v) = read(env::JWT_ISSUER, text)? {
            self.issuer = Some(v);
        }
        if let Some(v) = read(env::JWT_AUDIENCE, text)? {
            self.audience = Some(v);
        }
        if let Some(v) = read(env::JWT_LEEWAY_SECONDS, seconds)? {
            self.leeway_seconds = Some(v);
        }
        if let Some(v) = read(env::TRUSTED_PROXIES, proxy_list)? {
            self.trusted_proxies = v;
        }
        if let Some(v) = read(env::FORWARDED_HEADER, forwarded_header)? {
            self.limits.forwarded_header = v;
        }
        if let Some(v) = read(env::IPV6_PREFIX_LENGTH, |v| {
            number(v, "a prefix length from 0 to 128", |n: &u8| *n <= 128)
        })? {
            self.limits.ipv6_prefix_len = v;
        }
        if let Some(v) = read(env::AUTH_FAILURES_PER_MINUTE, |v| {
            number(v, "a whole number of at least 1", |n: &u32| *n >= 1)
        })? {
            self.limits.auth_failures = v;
            self.limits.auth_failure_window_secs = 60;
        }
        if let Some(v) = read(env::CORS_ORIGINS, text)? {
            let origins = v.split(',').map(str::trim).filter(|o| !o.is_empty());
            self.cors = Some(match self.cors.take() {
                // Keep what code said about methods and headers.
                Some(code) => code.with_origins(origins),
                None => CorsPolicy::allow_origins(origins),
            });
        }
        if let Some(v) = read(env::CORS_ALLOW_CREDENTIALS, boolean)? {
            self.cors_credentials = Some(v);
        }
        if let Some(v) = read(env::RATE_LIMIT_MAX_KEYS, |v| {
            number(v, "a whole number of at least 1", |n: &usize| *n >= 1)
        })? {
            self.limits.max_keys = v;
        }
        if let Some(v) = read(env::REDIS_URL, text)? {
            self.redis_url = Some(SecretString::from(v));
        }
        if let Some(v) = read(env::REDIS_TIMEOUT_MS, |v| {
            number(v, "a whole number of milliseconds", |_: &u64| true)
        })? {
            self.redis_timeout_ms = Some(v);
        }
        read_alert_env(&mut self.alerts)?;
        Ok(self)
    }
}

/// Reads the variable `name` and parses its value with `parse`: `None`
/// when it is unset.
///
/// # Errors
/// A [`ConfigError`] naming `name` when the value is not valid UTF-8, or
/// with the problem `parse` reports.
fn read<T>(
    name: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    let value = match std::env::var(name) {
        Ok(v) => v,
        Err(std::env::VarError::NotPresent) => return Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(ConfigError::new(name, "is not valid UTF-8"));
        }
    };
    parse(&value)
        .map(Some)
        .map_err(|problem| ConfigError::new(name, problem))
}

/// The value as it is.
fn text(v: &str) -> Result<String, String> {
    Ok(v.to_owned())
}

/// A number (spaces around it ignored) for which `ok` holds; otherwise
/// the problem "`v` is not `what`".
fn number<T: FromStr>(v: &str, what: &str, ok: impl Fn(&T) -> bool) -> Result<T, String> {
    v.trim()
        .parse::<T>()
        .ok()
        .filter(ok)
        .ok_or_else(|| format!("`{v}` is not {what}"))
}

/// A whole number of seconds.
fn seconds(v: &str) -> Result<u64, String> {
    number(v, "a whole number of seconds", |_| true)
}

/// `true` or `false`.
fn boolean(v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("`{other}` is neither `true` nor `false`")),
    }
}

/// `x-forwarded-for` or `forwarded`, in any case.
fn forwarded_header(v: &str) -> Result<ForwardedHeader, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
        "forwarded" => Ok(ForwardedHeader::Forwarded),
        _ => Err(format!(
            "`{v}` is neither `x-forwarded-for` nor `forwarded`"
        )),
    }
}

/// Parses `10.0.0.0/8, 192.0.2.1, ::1`: CIDR networks or single addresses.
fn proxy_list(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{item}` is neither an IP address nor a CIDR network"))
        })
        .collect()
}

/// [`proxy_list`], with the error naming `SECURE_API_TRUSTED_PROXIES`.
#[cfg(test)]
fn parse_proxies(list: &str) -> Result<Vec<IpNet>, ConfigError> {
    proxy_list(list).map_err(|problem| ConfigError::new(env::TRUSTED_PROXIES, problem))
}

/// Reads `SECURE_API_ALERT_AUTH_FAILURES`, `SECURE_API_ALERT_DENIALS` and
/// `SECURE_API_ALERT_WINDOW_SECONDS` into `policy` (their ranges are
/// checked by `build`).
///
/// # Errors
/// A [`ConfigError`] naming a variable that is not a whole number.
fn read_alert_env(policy: &mut AlertPolicy) -> Result<(), ConfigError> {
    let threshold = |v: &str| -> Result<u32, String> {
        let n: u64 = number(v, "a whole number", |_| true)?;
        u32::try_from(n).map_err(|_| format!("`{n}` is too large"))
    };
    if let Some(n) = read(env::ALERT_AUTH_FAILURES, threshold)? {
        *policy = policy.clone().auth_failures(n);
    }
    if let Some(n) = read(env::ALERT_DENIALS, threshold)? {
        *policy = policy.clone().denials(n);
    }
    if let Some(secs) = read(env::ALERT_WINDOW_SECONDS, |v| {
        number(v, "a whole number", |_: &u64| true)
    })? {
        *policy = policy.clone().window_secs(secs);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
