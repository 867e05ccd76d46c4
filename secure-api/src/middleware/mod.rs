//! [`Security`]: the middleware that makes secure-api's policies reachable
//! by `#[secure]` handlers, answers plain HTTP on an HTTPS-only API, runs
//! CORS, refuses what must be refused before routing, sets the secure
//! response headers on every response, answers 405 with `Allow`, turns
//! every bare error response into problem+json, and keeps the audit trail.
//!
//! Layer 4, the request pipeline: `before_routing` (credentials in the
//! URL, the lock-out), `https` (what counts as HTTPS, the plain-HTTP
//! answer), `finish` (the problem rewrite and the headers), `extract`
//! (`FromRequest` for [`Principal`](crate::Principal) and [`Metrics`]).

mod before_routing;
mod extract;
mod finish;
mod https;

pub(crate) use before_routing::lockout_unknown;

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, HttpMessage};
use futures_util::future::LocalBoxFuture;

use crate::audit::Pending;
use crate::client_ip::{Resolved, client_ip};
use crate::config::SecurityConfig;
use crate::headers::HttpsAuthority;
use crate::metrics::Metrics;
use crate::state::SecurityState;
use before_routing::BeforeRouting;
use finish::{ServiceFailure, finish};

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
/// What it does for each request (in which order, with the checks of
/// `#[secure]`: [the checks, in order](crate#the-checks-in-order)):
///
/// - On a listener made with [`plain_http`](Self::plain_http), a request
///   that did not come over HTTPS is answered without reaching the app: a
///   `GET` or `HEAD` without credentials gets `308 Permanent Redirect` to
///   the same path and query on HTTPS (RFC 9110 §15.4.9); any request
///   carrying credentials (`Authorization`, `X-API-Key`, a credential
///   parameter in the URL) or using another method gets 403 problem+json and is
///   logged as a security event (its audit line, `secure_api::audit`), since
///   what it carried already crossed the network in clear (RFC 6750 §5.3).
/// - With CORS configured ([`CorsPolicy`](crate::CorsPolicy)), a preflight
///   (`OPTIONS` with `Access-Control-Request-Method`) is answered here,
///   before routing, so before authentication and rate limits; an
///   `OPTIONS` without that header is routed like any other method.
/// - A credential in the URL (a credential parameter in the query string
///   or in a path segment's matrix parameters) gets 400 (RFC 6750 §5.3),
///   on every path, routed or not, preflights included. Then a client locked out
///   for failed authentications gets 429 for every request that presents
///   credentials, on every path. Except on a preflight, these refusals
///   pass back through CORS, so a browser script of an allowed origin can
///   read why.
/// - A path that exists, requested with a method none of its `#[secure]`
///   routes accepts, gets `405 Method Not Allowed` with `Allow` listing
///   the methods (RFC 9110 §15.5.6) instead of 404.
/// - Every response, errors, 404s and 429s included, gets the
///   [`SecureHeaders`](crate::SecureHeaders) of the configuration (HSTS only over HTTPS,
///   RFC 6797 §7.2); `Server` and `X-Powered-By` are removed. An error
///   response whose body is empty or plain text gets an RFC 9457
///   problem+json body for its status.
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
            state: Arc::new(SecurityState::new(config)),
            plain_http: None,
        }
    }

    /// The same middleware (sharing its rate-limit buckets) for a listener
    /// of plain HTTP: requests that did not come over HTTPS are redirected
    /// to `https://{redirect_to}` or refused (see above) and never
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
    pub fn metrics(&self) -> Metrics {
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
        let service = Rc::new(BeforeRouting::new(service, Arc::clone(&self.state)));
        let cors = match self.state.config.cors() {
            Some(policy) => match policy
                .to_cors()
                .new_transform(Rc::clone(&service))
                .into_inner()
            {
                Ok(cors) => Some(Rc::new(cors)),
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
    cors: Option<Rc<actix_cors::CorsMiddleware<Rc<BeforeRouting<S>>>>>,
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
        let started = Instant::now();
        let state = Arc::clone(&self.state);
        // Resolved once per request; the audit trail and the checks of
        // `#[secure]` read it.
        let client = client_ip(
            req.request(),
            state.config.trusted_proxies(),
            state.config.limits().forwarded_header,
        );
        req.extensions_mut().insert(Resolved(client));
        // The audit event is emitted once the response is ready.
        let audit = Pending::begin(&mut req, started, client);
        let https = https::is_https(req.request(), &state.config);
        if !https && let Some(authority) = &self.plain_http {
            let answer = https::plain_http_answer(req.request(), authority);
            let res = req.into_response(answer);
            let res = audit.finish(finish(res, https, &state), &state.trail);
            return Box::pin(ready(Ok(res)));
        }
        req.extensions_mut().insert(Arc::clone(&state));
        let service = Rc::clone(&self.service);
        let cors = self.cors.clone();
        Box::pin(async move {
            let result = match cors {
                // CORS answers a preflight itself, so the app never sees
                // it: the checks before routing are made for it here.
                Some(cors) if before_routing::is_preflight(&req) => {
                    match before_routing::refusal(&req, &state).await {
                        Some(rejection) => Ok(before_routing::refuse(req, &state, rejection)),
                        None => cors
                            .call(req)
                            .await
                            .map(ServiceResponse::map_into_boxed_body),
                    }
                }
                Some(cors) if !before_routing::is_options_without_preflight(&req) => cors
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_boxed_body),
                _ => service.call(req).await,
            };
            match result {
                Ok(res) => {
                    let res = finish(crate::methods::method_not_allowed(res), https, &state);
                    Ok(audit.finish(res, &state.trail))
                }
                // The request is gone with the error; answer through an error
                // whose response is the same problem+json with the same headers.
                Err(err) => {
                    let status = err.as_response_error().status_code();
                    let request_id = audit.fail(status, &state.trail);
                    Err(ServiceFailure {
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
