//! [`Security`]: the middleware that makes secure-api's policies reachable
//! by `#[secure]` handlers, answers plain HTTP on an HTTPS-only API, runs
//! CORS, sets the secure response headers ([`SecureHeaders`]) on every
//! response, answers 405 with `Allow`, and turns every bare error response
//! into problem+json.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

use crate::auth::rejection::Rejection;
use crate::auth::replay::ReplayStore;
use crate::config::{ConfigError, ForwardedHeader, SecurityConfig};
use crate::problem::{PROBLEM_JSON, Problem};
use crate::rate_limit::RateLimiters;
use crate::rate_limit::brute_force::{FailedAuth, lockout_ip};
use crate::rate_limit::client_ip;

/// The secure response headers and HSTS policy that [`Security`] enforces.
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
const REMOVED_HEADERS: [&str; 2] = ["server", "x-powered-by"];

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
            if REMOVED_HEADERS.contains(&name.as_str()) {
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
    fn apply(&self, headers: &mut HeaderMap, https: bool) {
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        for name in REMOVED_HEADERS {
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

/// What `#[secure]` handlers reach through the request: the configuration
/// and the per-route rate-limit state.
pub(crate) struct SecurityState {
    pub(crate) config: SecurityConfig,
    pub(crate) limiters: RateLimiters,
    pub(crate) failed_auth: FailedAuth,
    pub(crate) replay: ReplayStore,
    /// Audit events, metrics and alerts.
    pub(crate) trail: crate::audit::Trail,
}

/// The secure-api middleware. Register it on every `App` that has
/// `#[secure]` routes, as the last `.wrap(..)` so that it is outermost:
///
/// ```no_run
/// # use actix_web::{App, HttpServer};
/// # use secure_api::{Security, SecurityConfig};
/// # async fn run() -> std::io::Result<()> {
/// let security = Security::new(SecurityConfig::from_env().map_err(std::io::Error::other)?);
/// HttpServer::new(move || App::new().wrap(security.clone()))
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await
/// # }
/// ```
///
/// For each request, in this order:
///
/// 1. On a listener made with [`plain_http`](Self::plain_http), a request
///    that did not come over HTTPS is answered without reaching the app: a
///    `GET` or `HEAD` without credentials gets `308 Permanent Redirect` to
///    the same path and query on HTTPS (RFC 9110 §15.4.9); any request
///    carrying credentials (`Authorization`, `X-API-Key`, a credential
///    parameter in the URL) or using another method gets 403 problem+json and is
///    logged as a security event (its audit line, `secure_api::audit`), since
///    what it carried already crossed the network in clear (RFC 6750 §5.3).
/// 2. With CORS configured ([`CorsPolicy`](crate::CorsPolicy)), a preflight
///    (`OPTIONS` with `Access-Control-Request-Method`) is answered here,
///    before routing, so before authentication and rate limits; an
///    `OPTIONS` without that header is routed like any other method.
/// 3. A credential in the URL (a credential parameter in the query string
///    or in a path segment's matrix parameters) gets 400 (RFC 6750 §5.3),
///    on every path, routed or not, preflights included. Then a client locked out
///    for failed authentications gets 429 for every request that presents
///    credentials, on every path. Except on a preflight, these refusals
///    pass back through CORS, so a browser script of an allowed origin can
///    read why.
/// 4. A path that exists, requested with a method none of its `#[secure]`
///    routes accepts, gets `405 Method Not Allowed` with `Allow` listing
///    the methods (RFC 9110 §15.5.6) instead of 404.
/// 5. Every response, errors, 404s and 429s included, gets the
///    [`SecureHeaders`] of the configuration (HSTS only over HTTPS,
///    RFC 6797 §7.2); `Server` and `X-Powered-By` are removed. An error
///    response whose body is empty or plain text gets an RFC 9457
///    problem+json body for its status.
///
/// A request counts as HTTPS when it arrived on a TLS listener, or when a
/// trusted proxy (`SECURE_API_TRUSTED_PROXIES`) says so with
/// `X-Forwarded-Proto: https` or `Forwarded: proto=https` (RFC 7239 §5.4);
/// from anyone else those headers are ignored.
///
/// A `#[secure]` handler reached without this middleware answers 500
/// (fail closed) and logs an error.
#[derive(Clone)]
pub struct Security {
    state: Arc<SecurityState>,
    plain_http: Option<Arc<HttpsAuthority>>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("config", &self.state.config)
            .field("plain_http", &self.plain_http)
            .finish_non_exhaustive()
    }
}

impl Security {
    /// The middleware for `config`. Clone it into each worker's `App`: the
    /// clones share one set of rate-limit buckets.
    pub fn new(config: SecurityConfig) -> Self {
        Self {
            state: Arc::new(SecurityState {
                limiters: RateLimiters::new(config.limits().max_keys),
                replay: ReplayStore::new(config.replay_capacity()),
                failed_auth: FailedAuth::new(
                    config.limits().auth_failures,
                    std::time::Duration::from_secs(config.limits().auth_failure_window_secs),
                ),
                trail: crate::audit::Trail::new(&config),
                config,
            }),
            plain_http: None,
        }
    }

    /// The same middleware (sharing its rate-limit buckets) for a listener
    /// of plain HTTP: requests that did not come over HTTPS are redirected
    /// to `https://{redirect_to}` or refused (see step 1 above) and never
    /// reach the app; requests a trusted proxy received over HTTPS are
    /// served as on the HTTPS listener.
    ///
    /// ```no_run
    /// # use actix_web::{App, HttpServer};
    /// # use secure_api::{HttpsAuthority, Security, SecurityConfig};
    /// # async fn run(security: Security) -> std::io::Result<()> {
    /// let plain = security.plain_http(HttpsAuthority::parse("api.example.com").map_err(std::io::Error::other)?);
    /// HttpServer::new(move || App::new().wrap(plain.clone()))
    ///     .bind(("0.0.0.0", 80))?
    ///     .run()
    ///     .await
    /// # }
    /// ```
    pub fn plain_http(&self, redirect_to: HttpsAuthority) -> Self {
        Self {
            state: Arc::clone(&self.state),
            plain_http: Some(Arc::new(redirect_to)),
        }
    }

    /// The configuration this middleware enforces.
    pub fn config(&self) -> &SecurityConfig {
        &self.state.config
    }

    /// The metrics of this middleware and its clones (see [`Metrics`](crate::Metrics)).
    pub fn metrics(&self) -> crate::Metrics {
        self.state.trail.metrics().clone()
    }
}

impl<S, B> Transform<S, ServiceRequest> for Security
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = SecurityMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let service = Rc::new(BeforeRouting {
            service,
            state: Arc::clone(&self.state),
        });
        let cors = match self.state.config.cors() {
            Some(policy) => match policy
                .to_cors()
                .new_transform(Rc::clone(&service))
                .into_inner()
            {
                Ok(cors) => Some(cors),
                Err(()) => {
                    tracing::error!(target: "secure_api::config", "the CORS policy cannot be applied");
                    return ready(Err(()));
                }
            },
            None => None,
        };
        ready(Ok(SecurityMiddleware {
            service,
            cors,
            state: Arc::clone(&self.state),
            plain_http: self.plain_http.clone(),
        }))
    }
}

/// The service made by [`Security`]; see there.
#[doc(hidden)]
pub struct SecurityMiddleware<S> {
    service: Rc<BeforeRouting<S>>,
    cors: Option<actix_cors::CorsMiddleware<Rc<BeforeRouting<S>>>>,
    state: Arc<SecurityState>,
    plain_http: Option<Arc<HttpsAuthority>>,
}

impl<S, B> Service<ServiceRequest> for SecurityMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let state = Arc::clone(&self.state);
        // The audit event is emitted once the response is ready.
        let audit = crate::audit::Pending::begin(&mut req, &state.config);
        let https = is_https(req.request(), &state.config);
        if !https && let Some(authority) = &self.plain_http {
            let answer = plain_http_answer(req.request(), authority);
            let res = req.into_response(answer);
            let res = audit.finish(finish(res, https, &state), &state.trail);
            return Box::pin(ready(Ok(res)));
        }
        req.extensions_mut().insert(Arc::clone(&state));
        // CORS answers a preflight itself, so the app never sees it: the
        // checks before routing are made for it here.
        let preflight_refusal = match &self.cors {
            Some(_) if is_preflight(&req) => refusal_before_routing(&req, &state),
            _ => None,
        };
        let fut: LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>> =
            match (preflight_refusal, &self.cors) {
                (Some(rejection), _) => {
                    Box::pin(ready(Ok(refuse_before_routing(req, &state, rejection))))
                }
                (None, Some(cors)) if !is_options_without_preflight(&req) => {
                    let fut = cors.call(req);
                    Box::pin(async move { fut.await.map(ServiceResponse::map_into_boxed_body) })
                }
                (None, _) => self.service.call(req),
            };
        Box::pin(async move {
            match fut.await {
                Ok(res) => {
                    let res = finish(crate::methods::method_not_allowed(res), https, &state);
                    Ok(audit.finish(res, &state.trail))
                }
                // The request is gone with the error; answer through an error
                // whose response is the same problem+json with the same headers.
                Err(err) => {
                    let status = err.as_response_error().status_code();
                    let request_id = audit.fail(status, &state.trail);
                    Err(HardenedError {
                        status,
                        https,
                        state,
                        request_id,
                    }
                    .into())
                }
            }
        })
    }
}

/// The app behind CORS: the checks that run before anything routes the
/// request (step 3 of [`Security`]), then the app.
pub(crate) struct BeforeRouting<S> {
    service: S,
    state: Arc<SecurityState>,
}

impl<S, B> Service<ServiceRequest> for BeforeRouting<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if let Some(rejection) = refusal_before_routing(&req, &self.state) {
            return Box::pin(ready(Ok(refuse_before_routing(
                req,
                &self.state,
                rejection,
            ))));
        }
        let fut = self.service.call(req);
        Box::pin(async move { fut.await.map(ServiceResponse::map_into_boxed_body) })
    }
}

/// Why `req` is refused before routing, if it is: a credential in the
/// URL (RFC 6750 §5.3), or credentials from a client locked out
/// for failed authentications (see `rate_limit::brute_force`).
fn refusal_before_routing(req: &ServiceRequest, state: &SecurityState) -> Option<Rejection> {
    if crate::auth::credential_in_url(req.request()) {
        return Some(Rejection::CredentialInUrl);
    }
    if !crate::auth::presents_credentials(req.request()) {
        return None;
    }
    let ip = lockout_ip(req.request(), state.config.limits().ipv6_prefix_len);
    state
        .failed_auth
        .locked_out(ip)
        .map(|retry_after| Rejection::RateLimited { retry_after })
}

/// The answer to a request refused before routing: its problem+json,
/// noted for the audit event (a security event) and logged.
fn refuse_before_routing(
    req: ServiceRequest,
    state: &SecurityState,
    rejection: Rejection,
) -> ServiceResponse<BoxBody> {
    tracing::warn!(
        target: "secure_api::security",
        rejection = ?rejection,
        "request refused before routing"
    );
    crate::audit::note_rejection(req.request(), rejection);
    req.into_response(rejection.problem(state.config.realm()).to_response())
}

/// A CORS preflight: `OPTIONS` with `Access-Control-Request-Method`
/// (Fetch Standard §3.2.2).
fn is_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// An `OPTIONS` request that is not a CORS preflight (no
/// `Access-Control-Request-Method`): routed like any other method, not
/// answered by CORS (Fetch Standard §3.2.2).
fn is_options_without_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS && !is_preflight(req)
}

/// Whether `req` arrived over HTTPS: a TLS listener, or a trusted proxy's
/// `Forwarded: proto=https` (RFC 7239 §5.4) or `X-Forwarded-Proto: https`.
/// From anyone else those headers are ignored.
pub(crate) fn is_https(req: &HttpRequest, config: &SecurityConfig) -> bool {
    if req.app_config().secure() {
        return true;
    }
    let from_trusted = req
        .peer_addr()
        .is_some_and(|p| client_ip::is_trusted(p.ip(), config.trusted_proxies()));
    from_trusted && forwarded_proto_is_https(req.headers(), config.limits().forwarded_header)
}

/// Whether the one forwarding header the trusted proxies write (the same
/// one the client IP is read from, [`ForwardedHeader`]) says every hop
/// used HTTPS: each `X-Forwarded-Proto` value is `https`, or each
/// `Forwarded` element has `proto=https`. The other header is ignored, as a
/// client can pass it through a proxy that does not rewrite it. One hop in
/// clear, an element without a protocol, or no header at all: plain HTTP.
fn forwarded_proto_is_https(headers: &HeaderMap, header: ForwardedHeader) -> bool {
    let (name, proto_of): (_, fn(&str) -> Option<&str>) = match header {
        ForwardedHeader::XForwardedFor => ("x-forwarded-proto", |v| Some(v.trim())),
        ForwardedHeader::Forwarded => (header::FORWARDED.as_str(), |element| {
            element.split(';').find_map(|pair| {
                let (name, proto) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("proto")
                    .then(|| proto.trim().trim_matches('"'))
            })
        }),
    };
    let mut seen = false;
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        for element in value.split(',') {
            if !proto_of(element).is_some_and(|p| p.eq_ignore_ascii_case("https")) {
                return false;
            }
            seen = true;
        }
    }
    seen
}

/// Whether `req` carries a credential: an `Authorization` or `X-API-Key`
/// header, or a credential parameter in the URL (after percent-decoding).
fn carries_credentials(req: &HttpRequest) -> bool {
    crate::auth::presents_credentials(req) || crate::auth::credential_in_url(req)
}

/// The plain HTTP listener's answer (see [`Security::plain_http`]): 308 to
/// HTTPS, or 403 logged as a security event.
fn plain_http_answer(req: &HttpRequest, authority: &HttpsAuthority) -> HttpResponse {
    let credentials = carries_credentials(req);
    if !credentials && (req.method() == Method::GET || req.method() == Method::HEAD) {
        return HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, https_location(req, authority)))
            .finish();
    }
    crate::audit::note(
        req,
        crate::audit::Outcome::Forbidden,
        Some(if credentials {
            crate::audit::SecurityEvent::CredentialsOverPlainHttp
        } else {
            crate::audit::SecurityEvent::PlainHttpRefused
        }),
    );
    // Logged by its audit line (a security event, the path scrubbed).
    let detail = if credentials {
        "Credentials were sent over plain HTTP and must be considered exposed; this API is served over HTTPS only."
    } else {
        "This API is served over HTTPS only; send the request over HTTPS."
    };
    Problem::new(StatusCode::FORBIDDEN, detail).to_response()
}

/// `https://{authority}` + the request's path and query; `/` for a target
/// that is not in origin form (`*`, RFC 9110 §7.1), or that would not make
/// a valid header value.
fn https_location(req: &HttpRequest, authority: &HttpsAuthority) -> HeaderValue {
    let uri = req.uri();
    let target = match uri.path_and_query() {
        Some(pq) if uri.path().starts_with('/') => pq.as_str(),
        _ => "/",
    };
    HeaderValue::from_str(&format!("https://{authority}{target}"))
        .or_else(|_| HeaderValue::from_str(&format!("https://{authority}/")))
        .unwrap_or_else(|_| HeaderValue::from_static("/"))
}

/// Problem+json for bare error bodies, then the secure headers.
fn finish(
    res: ServiceResponse<BoxBody>,
    https: bool,
    state: &SecurityState,
) -> ServiceResponse<BoxBody> {
    let mut res = if needs_problem_body(&res) {
        let status = res.status();
        res.map_body(|head, _| {
            head.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
            head.headers_mut().remove(header::CONTENT_LENGTH);
            Problem::for_status(status).to_response().into_body()
        })
    } else {
        res
    };
    state
        .config
        .secure_headers()
        .apply(res.headers_mut(), https);
    res
}

/// An error raised by a service inside [`Security`], answered as
/// problem+json for its status with the secure headers.
struct HardenedError {
    status: StatusCode,
    https: bool,
    state: Arc<SecurityState>,
    request_id: crate::RequestId,
}

impl std::fmt::Debug for HardenedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HardenedError")
            .field("status", &self.status)
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for HardenedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request failed with status {}", self.status)
    }
}

impl actix_web::ResponseError for HardenedError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self
            .request_id
            .stamp(Problem::for_status(self.status).to_response());
        self.state
            .config
            .secure_headers()
            .apply(res.headers_mut(), self.https);
        res
    }
}

/// An error status whose body is not already problem+json and is empty or
/// plain text (actix-web's own error bodies, which may echo parser detail).
fn needs_problem_body(res: &ServiceResponse<BoxBody>) -> bool {
    if !(res.status().is_client_error() || res.status().is_server_error()) {
        return false;
    }
    match res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(ct) => ct.starts_with("text/plain"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn forwarded_proto_needs_https_on_every_hop_of_the_configured_header() {
        use ForwardedHeader::{Forwarded, XForwardedFor};
        let https = |h: &[(&'static str, &'static str)], which| {
            forwarded_proto_is_https(&headers(h), which)
        };
        assert!(https(
            &[("forwarded", "for=192.0.2.1;proto=https")],
            Forwarded
        ));
        assert!(https(
            &[(
                "forwarded",
                "for=192.0.2.1;Proto=\"HTTPS\", for=10.0.0.1;proto=https"
            )],
            Forwarded
        ));
        assert!(!https(
            &[(
                "forwarded",
                "for=192.0.2.1;proto=https, for=10.0.0.1;proto=http"
            )],
            Forwarded
        ));
        // An element without a protocol is a hop not known to be HTTPS.
        assert!(!https(
            &[("forwarded", "for=1.2.3.4;proto=https, for=5.6.7.8")],
            Forwarded
        ));
        // Only the configured header counts: a client's `Forwarded` cannot
        // outvote the proxy's `X-Forwarded-Proto`, nor the other way round.
        assert!(!https(
            &[("forwarded", "proto=https"), ("x-forwarded-proto", "http")],
            XForwardedFor
        ));
        assert!(!https(
            &[("forwarded", "for=1.2.3.4"), ("x-forwarded-proto", "https")],
            Forwarded
        ));
        assert!(https(
            &[("forwarded", "proto=http"), ("x-forwarded-proto", "https")],
            XForwardedFor
        ));
        assert!(!https(
            &[("x-forwarded-proto", "https, http")],
            XForwardedFor
        ));
        assert!(!https(&[], XForwardedFor));
        assert!(!https(&[], Forwarded));
    }

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

    #[test]
    fn plain_http_redirect_targets_are_valid_urls() {
        let authority = HttpsAuthority::of(([127, 0, 0, 1], 8443).into());
        let req = actix_web::test::TestRequest::get()
            .uri("/v1/customers?limit=2")
            .to_http_request();
        assert_eq!(
            https_location(&req, &authority),
            "https://127.0.0.1:8443/v1/customers?limit=2"
        );
        let star = actix_web::test::TestRequest::get()
            .uri("*")
            .to_http_request();
        assert_eq!(https_location(&star, &authority), "https://127.0.0.1:8443/");
    }
}
