//! [`Security`]: the middleware that makes secure-api's policies reachable
//! by `#[secure]` handlers, sets secure response headers on every response,
//! and turns every bare error response into problem+json.

use std::future::{Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage, HttpRequest};

use crate::auth::rejection::Rejection;
use crate::config::SecurityConfig;
use crate::problem::{self, PROBLEM_JSON};
use crate::rate_limit::RateLimiters;
use crate::rate_limit::brute_force::FailedAuth;
use crate::rate_limit::client_ip;

/// Headers set on every response, overwriting any weaker value a handler
/// set (OWASP Secure Headers Project; values for a JSON API).
const SECURE_HEADERS: [(&str, &str); 6] = [
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

/// HSTS (RFC 6797 §6.1), sent only on responses over HTTPS (RFC 6797 §7.2).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Headers that would name software or versions.
const REMOVED_HEADERS: [&str; 2] = ["server", "x-powered-by"];

/// What `#[secure]` handlers reach through the request: the configuration
/// and the per-route rate-limit state.
pub(crate) struct SecurityState {
    pub(crate) config: SecurityConfig,
    pub(crate) limiters: RateLimiters,
    pub(crate) failed_auth: FailedAuth,
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
/// On every response, errors and 404s included, it sets
/// `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
/// `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`,
/// `Referrer-Policy: no-referrer`, `Cache-Control: no-store`,
/// `Cross-Origin-Resource-Policy: same-origin`; over HTTPS also
/// `Strict-Transport-Security: max-age=31536000; includeSubDomains`
/// (RFC 6797 §7.2: never over plain HTTP). It removes `Server` and
/// `X-Powered-By`. An error response (4xx, 5xx) whose body is empty or plain
/// text is replaced by an RFC 9457 problem+json body for its status.
///
/// A `#[secure]` handler reached without this middleware answers 500
/// (fail closed) and logs an error.
#[derive(Clone)]
pub struct Security {
    state: Arc<SecurityState>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("config", &self.state.config)
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
                failed_auth: FailedAuth::new(
                    config.limits().auth_failures,
                    std::time::Duration::from_secs(config.limits().auth_failure_window_secs),
                ),
                config,
            }),
        }
    }

    /// The configuration this middleware enforces.
    pub fn config(&self) -> &SecurityConfig {
        &self.state.config
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
        ready(Ok(SecurityMiddleware {
            service: Rc::new(service),
            state: Arc::clone(&self.state),
        }))
    }
}

/// The service made by [`Security`]; see there.
#[doc(hidden)]
pub struct SecurityMiddleware<S> {
    service: Rc<S>,
    state: Arc<SecurityState>,
}

impl<S, B> Service<ServiceRequest> for SecurityMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let https = is_https(req.request(), self.state.config.trusted_proxies());
        // Credentials in the URL are refused on every path, routed or not
        // (RFC 6750 §5.3). Over plain HTTP the application's HTTPS policy
        // answers first (see `customer-api`'s plain listener).
        if https && crate::guard::has_credential_in_query(req.query_string()) {
            tracing::warn!(target: "secure_api::security", "credential in the query string refused");
            let problem = Rejection::CredentialInUrl.problem(self.state.config.realm());
            let res = req.into_response(problem.to_response());
            return Box::pin(std::future::ready(Ok(finish(res, https))));
        }
        req.extensions_mut().insert(Arc::clone(&self.state));
        let fut = self.service.call(req);
        Box::pin(async move {
            match fut.await {
                Ok(res) => Ok(finish(res.map_into_boxed_body(), https)),
                // The request is gone with the error; answer through an error
                // whose response is the same problem+json with the same headers.
                Err(err) => Err(HardenedError {
                    status: err.as_response_error().status_code(),
                    https,
                }
                .into()),
            }
        })
    }
}

/// Whether `req` arrived over HTTPS: a TLS listener, or a trusted proxy's
/// `X-Forwarded-Proto: https` (from anyone else that header is ignored).
pub(crate) fn is_https(req: &HttpRequest, trusted: &[ipnet::IpNet]) -> bool {
    if req.app_config().secure() {
        return true;
    }
    let from_trusted = req
        .peer_addr()
        .is_some_and(|p| client_ip::is_trusted(p.ip(), trusted));
    from_trusted && forwarded_proto_is_https(req.headers())
}

/// Whether `X-Forwarded-Proto` is present and every value in it (all
/// headers, comma-separated) says `https`: one hop in clear makes the
/// request plain HTTP.
fn forwarded_proto_is_https(headers: &header::HeaderMap) -> bool {
    let mut seen = false;
    for value in headers.get_all("x-forwarded-proto") {
        let Ok(value) = value.to_str() else {
            return false;
        };
        for proto in value.split(',') {
            if !proto.trim().eq_ignore_ascii_case("https") {
                return false;
            }
            seen = true;
        }
    }
    seen
}

/// Problem+json for bare error bodies, then the secure headers.
fn finish(res: ServiceResponse<BoxBody>, https: bool) -> ServiceResponse<BoxBody> {
    let mut res = if needs_problem_body(&res) {
        let status = res.status();
        res.map_body(|head, _| {
            head.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
            head.headers_mut().remove(header::CONTENT_LENGTH);
            problem::for_status(status).to_response().into_body()
        })
    } else {
        res
    };
    set_secure_headers(res.headers_mut(), https);
    res
}

/// Sets the secure headers on `headers`, HSTS only when `https`.
fn set_secure_headers(headers: &mut header::HeaderMap, https: bool) {
    for (name, value) in SECURE_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    for name in REMOVED_HEADERS {
        headers.remove(name);
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    } else {
        headers.remove(header::STRICT_TRANSPORT_SECURITY);
    }
}

/// An error raised by a service inside [`Security`], answered as
/// problem+json for its status with the secure headers.
#[derive(Debug)]
struct HardenedError {
    status: actix_web::http::StatusCode,
    https: bool,
}

impl std::fmt::Display for HardenedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request failed with status {}", self.status)
    }
}

impl actix_web::ResponseError for HardenedError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.status
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut res = problem::for_status(self.status).to_response();
        set_secure_headers(res.headers_mut(), self.https);
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
