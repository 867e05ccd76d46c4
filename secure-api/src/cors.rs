//! Cross-origin requests (Fetch Standard §3.2, CORS) through `actix-cors`,
//! with an allowlist of origins from the configuration.
//!
//! With a [`CorsPolicy`] in the [`SecurityConfig`](crate::SecurityConfig)
//! (`SECURE_API_CORS_ORIGINS`, or [`SecurityConfigBuilder::cors`](crate::SecurityConfigBuilder::cors)),
//! the [`Security`](crate::Security) middleware runs `actix_cors::Cors`
//! itself: nothing else to wire. A preflight (`OPTIONS` with
//! `Access-Control-Request-Method`) is answered by it before routing, so it
//! never authenticates, never runs a handler and never consumes a
//! rate-limit cell; one from an origin, method or header not allowed gets
//! 400 problem+json. Without a policy no CORS header is ever sent, and
//! browsers keep cross-origin scripts out (the same-origin policy).

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName};

use crate::error::{ConfigError, env};

/// Which origins may call the API from a browser, and how.
///
/// Defaults besides the origins: methods `GET`, `HEAD`, `POST`, `PUT`,
/// `PATCH`, `DELETE`; request headers `Authorization`, `Content-Type`,
/// `X-API-Key`; exposed response headers `Location`, `Retry-After`,
/// `RateLimit`, `RateLimit-Policy`, `Deprecation`, `Sunset`, `Link`,
/// `WWW-Authenticate`; preflights cached for 600 seconds; no credentials
/// (cookies, TLS client certificates; a bearer token in `Authorization`
/// needs none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Origins,
    allow_credentials: bool,
    methods: Vec<Method>,
    headers: Vec<HeaderName>,
    expose: Vec<HeaderName>,
    max_age_secs: usize,
}

/// The origins a [`CorsPolicy`] allows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origins {
    /// `*`: any origin.
    Any,
    /// These serialized origins (RFC 6454 §6.2), compared exactly.
    List(Vec<String>),
}

/// The request headers allowed by default.
const DEFAULT_HEADERS: [&str; 3] = ["authorization", "content-type", "x-api-key"];

/// The response headers exposed to scripts by default.
const DEFAULT_EXPOSED: [&str; 8] = [
    "location",
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
    "deprecation",
    "sunset",
    "link",
    "www-authenticate",
];

impl CorsPolicy {
    /// Allows the serialized origins `origins` (`https://app.example.com`,
    /// `http://localhost:3000`): scheme, host and port, nothing else.
    /// `"*"` in the list allows any origin.
    pub fn allow_origins<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list: Vec<String> = origins.into_iter().map(Into::into).collect();
        let origins = if list.iter().any(|o| o.trim() == "*") {
            Origins::Any
        } else {
            Origins::List(list)
        };
        Self {
            origins,
            allow_credentials: false,
            methods: [
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ]
            .to_vec(),
            headers: DEFAULT_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect(),
            expose: DEFAULT_EXPOSED
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect(),
            max_age_secs: 600,
        }
    }

    /// The same policy with `origins` instead of its own (as
    /// [`allow_origins`](Self::allow_origins) reads them).
    pub fn with_origins<I, S>(self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            origins: Self::allow_origins(origins).origins,
            ..self
        }
    }

    /// Whether credentialed requests are allowed
    /// (`Access-Control-Allow-Credentials: true`, Fetch Standard §3.2.3).
    /// Refused with any origin allowed.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.allow_credentials = allow;
        self
    }

    /// The methods a cross-origin request may use.
    pub fn allowed_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// The request headers a cross-origin request may send.
    pub fn allowed_headers(mut self, headers: impl IntoIterator<Item = HeaderName>) -> Self {
        self.headers = headers.into_iter().collect();
        self
    }

    /// The response headers scripts may read.
    pub fn expose_headers(mut self, headers: impl IntoIterator<Item = HeaderName>) -> Self {
        self.expose = headers.into_iter().collect();
        self
    }

    /// How long browsers may cache a preflight answer, in seconds
    /// (`Access-Control-Max-Age`).
    pub fn max_age_secs(mut self, seconds: usize) -> Self {
        self.max_age_secs = seconds;
        self
    }

    /// Whether any origin is allowed (`*`).
    pub fn allows_any_origin(&self) -> bool {
        self.origins == Origins::Any
    }

    /// Whether credentialed requests are allowed.
    pub fn allows_credentials(&self) -> bool {
        self.allow_credentials
    }

    /// Checks the policy.
    ///
    /// # Errors
    /// A [`ConfigError`] for `SECURE_API_CORS_ORIGINS`: any origin together
    /// with credentials (Fetch Standard §3.2.5 forbids `*` with
    /// credentials, and echoing every origin instead would hand every site
    /// the user's session), an empty list, or an entry that is not a
    /// serialized `http`/`https` origin.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        match &self.origins {
            Origins::Any if self.allow_credentials => Err(ConfigError::new(
                env::CORS_ORIGINS,
                format!(
                    "`*` (any origin) cannot be combined with credentials ({}=true); list the origins",
                    env::CORS_ALLOW_CREDENTIALS
                ),
            )),
            Origins::Any => Ok(()),
            Origins::List(list) if list.is_empty() => Err(ConfigError::new(
                env::CORS_ORIGINS,
                "lists no origin; list them, e.g. https://app.example.com",
            )),
            Origins::List(list) => list.iter().try_for_each(|origin| check_origin(origin)),
        }
    }

    /// The `actix_cors::Cors` for this policy.
    pub(crate) fn to_cors(&self) -> actix_cors::Cors {
        let mut cors = actix_cors::Cors::default()
            .allowed_methods(self.methods.clone())
            .allowed_headers(self.headers.clone())
            .max_age(self.max_age_secs);
        if !self.expose.is_empty() {
            cors = cors.expose_headers(self.expose.clone());
        }
        cors = match &self.origins {
            Origins::Any => cors.allow_any_origin().send_wildcard(),
            Origins::List(list) => list
                .iter()
                .fold(cors, |cors, origin| cors.allowed_origin(origin)),
        };
        if self.allow_credentials {
            cors = cors.supports_credentials();
        }
        cors
    }
}

/// A serialized origin: `http` or `https`, `://`, a host, an optional
/// port; no path, query, user information or trailing slash
/// (RFC 6454 §6.2).
fn check_origin(origin: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| {
        ConfigError::new(
            env::CORS_ORIGINS,
            format!(
                "`{origin}` is not an origin ({why}); expected scheme://host[:port], e.g. https://app.example.com"
            ),
        )
    };
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| bad("the scheme must be http or https"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return Err(bad("only scheme, host and port"));
    }
    rest.parse::<actix_web::http::uri::Authority>()
        .map_err(|_| bad("the host is not valid"))?;
    header::HeaderValue::from_str(origin).map_err(|_| bad("not a header value"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_origin_with_credentials_is_refused() {
        let e = CorsPolicy::allow_origins(["*"])
            .allow_credentials(true)
            .validate()
            .err();
        assert_eq!(e.map(|e| e.setting()), Some(env::CORS_ORIGINS));
        assert!(CorsPolicy::allow_origins(["*"]).validate().is_ok());
        assert!(
            CorsPolicy::allow_origins(["https://app.example.com"])
                .allow_credentials(true)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        for ok in [
            "https://app.example.com",
            "http://localhost:3000",
            "https://[::1]:8443",
        ] {
            assert!(check_origin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "app.example.com",
            "https://",
            "https://app.example.com/",
            "https://app.example.com/path",
            "ftp://app.example.com",
            "https://user@app.example.com",
            "https://a b",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
        assert!(
            CorsPolicy::allow_origins(Vec::<String>::new())
                .validate()
                .is_err()
        );
    }
}
