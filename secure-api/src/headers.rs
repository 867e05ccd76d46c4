//! The response-header policy: the secure headers set on every response
//! ([`SecureHeaders`], OWASP Secure Headers Project), HSTS ([`Hsts`],
//! RFC 6797) and where plain HTTP is redirected to ([`HttpsAuthority`]).
//! The [`Security`](crate::Security) middleware applies them.
//!
//! Layer 2: policy types with their checks; they know nothing of requests.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::error::ConfigError;

/// The secure response headers and HSTS policy that [`Security`](crate::Security) enforces.
///
/// The default, [`SecureHeaders::strict`], is for a JSON API (OWASP Secure
/// Headers Project):
///
/// | header | value |
/// | --- | --- |
/// | `X-Content-Type-Options` | `nosniff` |
/// | `X-Frame-Options` | `DENY` |
/// | `Content-Security-Policy` | `default-src 'none'; frame-ancestors 'none'` |
/// | `Referrer-Policy` | `no-referrer` |
/// | `Cache-Control` | `no-store` |
/// | `Cross-Origin-Resource-Policy` | `same-origin` |
/// | `Strict-Transport-Security` (HTTPS only) | `max-age=31536000; includeSubDomains` |
///
/// Each header is set on every response, errors, 404s and 429s included,
/// replacing any value a handler set. [`set`](Self::set) changes or adds
/// one; [`remove`](Self::remove) stops enforcing one (a handler may then
/// set its own, for example a `Cache-Control` of its choosing). HSTS is
/// configured with [`hsts`](Self::hsts) only: it is sent over HTTPS only
/// and at most once (RFC 6797 §7.2, §8.1). `Server` and `X-Powered-By` are
/// always removed.
///
/// ```
/// use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
/// use secure_api::{Hsts, SecureHeaders};
///
/// let headers = SecureHeaders::strict()
///     .set(CACHE_CONTROL, HeaderValue::from_static("private, max-age=60"))
///     .remove(actix_web::http::header::X_FRAME_OPTIONS)
///     .hsts(Some(Hsts::default().preload(true)));
/// # let _ = headers;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
    hsts: Option<Hsts>,
}

/// The headers of [`SecureHeaders::strict`], HSTS aside.
const STRICT: [(&str, &str); 6] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Headers that would name software or versions; always removed.
const REMOVED_HEADERS: [HeaderName; 2] = [header::SERVER, HeaderName::from_static("x-powered-by")];

impl Default for SecureHeaders {
    fn default() -> Self {
        Self::strict()
    }
}

impl SecureHeaders {
    /// The strict defaults for a JSON API (see the table above), with
    /// [`Hsts::default`].
    pub fn strict() -> Self {
        Self {
            headers: STRICT
                .iter()
                .map(|(name, value)| {
                    (
                        HeaderName::from_static(name),
                        HeaderValue::from_static(value),
                    )
                })
                .collect(),
            hsts: Some(Hsts::default()),
        }
    }

    /// Sets `name` to `value` on every response (replacing the default of
    /// that name, or adding a header). `Strict-Transport-Security`,
    /// `Server` and `X-Powered-By` cannot be set this way: building the
    /// configuration then fails (see [`SecurityConfigBuilder::build`](crate::SecurityConfigBuilder::build)).
    pub fn set(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value));
        self
    }

    /// Stops enforcing `name`: the framework no longer sets it, and a value
    /// set by a handler passes through. For HSTS use [`hsts`](Self::hsts)`(None)`.
    pub fn remove(mut self, name: HeaderName) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    /// The HSTS policy sent over HTTPS; `None` sends none (and removes any
    /// that a handler set).
    pub fn hsts(mut self, hsts: Option<Hsts>) -> Self {
        self.hsts = hsts;
        self
    }

    /// The headers set on every response, in order.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    /// The HSTS policy, if any.
    pub fn hsts_policy(&self) -> Option<Hsts> {
        self.hsts
    }

    /// Refuses headers that only the framework may set.
    ///
    /// # Errors
    /// A [`ConfigError`] for `SecureHeaders::set` naming the header.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (name, _) in &self.headers {
            if *name == header::STRICT_TRANSPORT_SECURITY {
                return Err(ConfigError::new(
                    "SecureHeaders::set",
                    "`Strict-Transport-Security` is configured with `SecureHeaders::hsts`, which sends it over HTTPS only",
                ));
            }
            if REMOVED_HEADERS.contains(name) {
                return Err(ConfigError::new(
                    "SecureHeaders::set",
                    format!("`{name}` names software or versions and is always removed"),
                ));
            }
        }
        if let Some(hsts) = self.hsts {
            hsts.validate()?;
        }
        Ok(())
    }

    /// Sets the headers on `headers`; HSTS only when `https`.
    pub(crate) fn apply(&self, headers: &mut HeaderMap, https: bool) {
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        for name in &REMOVED_HEADERS {
            headers.remove(name);
        }
        match (https, self.hsts) {
            (true, Some(hsts)) => {
                if let Ok(value) = HeaderValue::from_str(&hsts.header_value()) {
                    headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
                }
            }
            _ => {
                headers.remove(header::STRICT_TRANSPORT_SECURITY);
            }
        }
    }
}

/// An HTTP Strict Transport Security policy (RFC 6797 §6.1).
///
/// Default: `max-age=31536000; includeSubDomains` (one year, subdomains
/// included, no `preload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hsts {
    max_age_secs: u64,
    include_subdomains: bool,
    preload: bool,
}

impl Default for Hsts {
    fn default() -> Self {
        Self {
            max_age_secs: 31_536_000,
            include_subdomains: true,
            preload: false,
        }
    }
}

impl Hsts {
    /// `max-age`, in seconds (RFC 6797 §6.1.1).
    pub fn max_age_secs(mut self, seconds: u64) -> Self {
        self.max_age_secs = seconds;
        self
    }

    /// Whether to send `includeSubDomains` (RFC 6797 §6.1.2).
    pub fn include_subdomains(mut self, include: bool) -> Self {
        self.include_subdomains = include;
        self
    }

    /// Whether to send `preload`, the consent to be built into browsers'
    /// HSTS preload lists (<https://hstspreload.org>). Needs a `max-age` of
    /// at least one year and `includeSubDomains`.
    pub fn preload(mut self, preload: bool) -> Self {
        self.preload = preload;
        self
    }

    /// The header value: `max-age=N[; includeSubDomains][; preload]`.
    pub fn header_value(&self) -> String {
        let mut value = format!("max-age={}", self.max_age_secs);
        if self.include_subdomains {
            value.push_str("; includeSubDomains");
        }
        if self.preload {
            value.push_str("; preload");
        }
        value
    }

    /// `preload` needs one year and subdomains (the preload list's rules).
    fn validate(self) -> Result<(), ConfigError> {
        if self.preload && (self.max_age_secs < 31_536_000 || !self.include_subdomains) {
            return Err(ConfigError::new(
                "SecureHeaders::hsts",
                "`preload` needs a max-age of at least 31536000 seconds and includeSubDomains",
            ));
        }
        Ok(())
    }
}

/// Where the plain HTTP listener redirects to: the `host[:port]` of the
/// HTTPS listener (RFC 3986 §3.2), without user information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsAuthority(String);

impl HttpsAuthority {
    /// The authority of an HTTPS listener bound to `addr`: its IP (in
    /// brackets for IPv6) and port; `localhost` when it listens on every
    /// address.
    pub fn of(addr: std::net::SocketAddr) -> Self {
        let port = addr.port();
        Self(match addr {
            a if a.ip().is_unspecified() => format!("localhost:{port}"),
            std::net::SocketAddr::V4(a) => format!("{}:{port}", a.ip()),
            std::net::SocketAddr::V6(a) => format!("[{}]:{port}", a.ip()),
        })
    }

    /// Parses `host` or `host:port` (`api.example.com`, `[::1]:8443`).
    ///
    /// # Errors
    /// A [`ConfigError`] for `HttpsAuthority` when `authority` is not an
    /// RFC 3986 §3.2 authority, or holds user information.
    pub fn parse(authority: &str) -> Result<Self, ConfigError> {
        let bad = || {
            ConfigError::new(
                "HttpsAuthority",
                format!("`{authority}` is not a host or host:port, e.g. api.example.com:8443"),
            )
        };
        let parsed: actix_web::http::uri::Authority = authority.parse().map_err(|_| bad())?;
        if authority.is_empty() || authority.contains('@') || parsed.host().is_empty() {
            return Err(bad());
        }
        Ok(Self(authority.to_owned()))
    }

    /// `host:port`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HttpsAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_values() {
        assert_eq!(
            Hsts::default().header_value(),
            "max-age=31536000; includeSubDomains"
        );
        assert_eq!(
            Hsts::default().preload(true).header_value(),
            "max-age=31536000; includeSubDomains; preload"
        );
        assert!(
            Hsts::default()
                .max_age_secs(60)
                .preload(true)
                .validate()
                .is_err()
        );
        assert!(
            Hsts::default()
                .include_subdomains(false)
                .preload(true)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn authorities() {
        assert_eq!(
            HttpsAuthority::of(([127, 0, 0, 1], 8443).into()).as_str(),
            "127.0.0.1:8443"
        );
        assert_eq!(
            HttpsAuthority::of(([0, 0, 0, 0], 8443).into()).as_str(),
            "localhost:8443"
        );
        assert_eq!(
            HttpsAuthority::of(std::net::SocketAddr::from((
                std::net::Ipv6Addr::LOCALHOST,
                8443
            )))
            .as_str(),
            "[::1]:8443"
        );
        assert!(HttpsAuthority::parse("api.example.com").is_ok());
        assert!(HttpsAuthority::parse("[::1]:8443").is_ok());
        for bad in ["", "user@host", "a b", "host/path"] {
            assert!(HttpsAuthority::parse(bad).is_err(), "{bad}");
        }
    }
}
