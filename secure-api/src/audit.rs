//! The audit trail: one structured event per request, through `tracing`
//! with target [`TARGET`] (`secure_api::audit`), emitted by the
//! [`Security`](crate::Security) middleware once the response is ready, on
//! every listener (HTTPS and [`plain_http`](crate::Security::plain_http)),
//! for every answer (served, refused, redirected, 404, 500). OWASP ASVS 4.0
//! §7.1–7.3, OWASP Logging Cheat Sheet.
//!
//! [`layer`] renders each event as one JSON line (JSON Lines; RFC 8259
//! objects) with these members, in this order:
//!
//! | member | value |
//! | --- | --- |
//! | `ts` | when the request arrived, RFC 3339 in UTC with microseconds: `2026-11-29T18:10:25.123456Z` |
//! | `request_id` | the [`RequestId`], also sent back in `X-Request-Id` |
//! | `client_ip` | the client as resolved through the trusted proxies (`SECURE_API_TRUSTED_PROXIES`), or `null` when unknown |
//! | `method` | the request method |
//! | `path` | the path and query as sent, the values of credential parameters replaced by `[REDACTED]` ([`scrub::query`]) |
//! | `route` | the route pattern that matched (`/v1/customers/{id}`), or `null` |
//! | `principal` | the token's `sub` or the API key's id, or `null` |
//! | `auth_method` | `jwt` or `api_key`, or `null` |
//! | `api_key_sha256` | for an API key, the first 12 hex digits of its SHA-256, as at the start of its `sha256` in the key file (which of an id's keys was used), else `null` |
//! | `outcome` | an [`Outcome`]: `allowed`, `unauthenticated`, `forbidden`, `rate_limited`, `invalid_input`, `error` |
//! | `status` | the HTTP status code |
//! | `latency_us` | microseconds from the request's arrival to its response head |
//! | `security_event` | `true` for a [`SecurityEvent`] |
//! | `security_event_kind` | the [`SecurityEvent`] (`authentication_failure`, ...), or `null` |
//! | `level` | `INFO`, or `WARN` for a security event |
//! | `target` | `secure_api::audit` |
//!
//! No member ever holds a header value, a body or a credential: tokens,
//! API keys and cookies are never read into the event, credential query
//! values are redacted, and every string is escaped so that no control
//! character (CR, LF, ...) reaches the line ([`scrub`]).
//!
//! Security events also feed the metrics ([`Metrics`]) and
//! the alert detector ([`alert`](crate::alert)).

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest};
use serde_json::Value;
use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::alert::Detector;
use crate::auth::rejection::Rejection;
use crate::auth::{AuthMethod, Principal};
use crate::config::SecurityConfig;
use crate::metrics::Metrics;
use crate::rate_limit::client_ip::{Resolved, bucket_ip, client_ip};
use crate::request_id::RequestId;
use crate::scrub;

/// The most characters of a request method written to a log.
const MAX_LOGGED_METHOD_CHARS: usize = 32;

/// The `tracing` target of audit events.
pub const TARGET: &str = "secure_api::audit";

/// The members of an audit line, in order (see the module documentation).
pub const MEMBERS: [&str; 14] = [
    "ts",
    "request_id",
    "client_ip",
    "method",
    "path",
    "route",
    "principal",
    "auth_method",
    "api_key_sha256",
    "outcome",
    "status",
    "latency_us",
    "security_event",
    "security_event_kind",
];

/// How a request ended, for the audit line and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Served (1xx, 2xx, 3xx): the handler ran, or a redirect to HTTPS.
    Allowed,
    /// No credentials, or credentials that did not authenticate (401).
    Unauthenticated,
    /// Authenticated but not allowed: a role or scope too low, someone
    /// else's object (answered 404), a request refused over plain HTTP (403).
    Forbidden,
    /// Over a quota, or locked out after failed authentications (429).
    RateLimited,
    /// Any other client error: a malformed, invalid, too large or
    /// unsupported request, a credential in the URL, an unknown path, a
    /// method not allowed, a retired version (4xx).
    InvalidInput,
    /// The server failed (5xx).
    Error,
}

impl Outcome {
    /// The name written in the audit line and the `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::Forbidden => "forbidden",
            Outcome::RateLimited => "rate_limited",
            Outcome::InvalidInput => "invalid_input",
            Outcome::Error => "error",
        }
    }

    /// The outcome a status means when no check of secure-api refused the
    /// request (a handler's own answer, a 404 for an unknown path).
    pub fn of_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Outcome::Unauthenticated,
            403 => Outcome::Forbidden,
            429 => Outcome::RateLimited,
            400..=499 => Outcome::InvalidInput,
            500.. => Outcome::Error,
            _ => Outcome::Allowed,
        }
    }
}

/// A security event: what a log pipeline filters on (`security_event`
/// true) and what the alert detector counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecurityEvent {
    /// Credentials that did not authenticate: a bad, expired, wrongly
    /// signed or wrongly addressed token, an unknown or expired API key. A
    /// request without credentials is not one.
    AuthenticationFailure,
    /// An authenticated caller refused: role or scope too low, someone
    /// else's object.
    AuthorizationDenial,
    /// A request over a quota, or from a client locked out after failed
    /// authentications.
    RateLimited,
    /// Credentials (`Authorization`, `X-API-Key`, a credential query
    /// parameter) sent over plain HTTP (RFC 6750 §5.3).
    CredentialsOverPlainHttp,
    /// A request other than `GET` or `HEAD` sent over plain HTTP.
    PlainHttpRefused,
    /// A credential in the query string (RFC 6750 §5.3).
    CredentialInUrl,
    /// A token presented again where a route accepts each `jti` once.
    ReplayedToken,
}

impl SecurityEvent {
    /// Every kind, for metrics.
    pub const ALL: [SecurityEvent; 7] = [
        SecurityEvent::AuthenticationFailure,
        SecurityEvent::AuthorizationDenial,
        SecurityEvent::RateLimited,
        SecurityEvent::CredentialsOverPlainHttp,
        SecurityEvent::PlainHttpRefused,
        SecurityEvent::CredentialInUrl,
        SecurityEvent::ReplayedToken,
    ];

    /// The name written in `security_event_kind` and the `kind` label.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEvent::AuthenticationFailure => "authentication_failure",
            SecurityEvent::AuthorizationDenial => "authorization_denial",
            SecurityEvent::RateLimited => "rate_limited",
            SecurityEvent::CredentialsOverPlainHttp => "credentials_over_plain_http",
            SecurityEvent::PlainHttpRefused => "plain_http_refused",
            SecurityEvent::CredentialInUrl => "credential_in_url",
            SecurityEvent::ReplayedToken => "replayed_token",
        }
    }
}

/// The outcome and security event of a refusal by a check of `#[secure]`.
///
/// Every rejection is named here, so a new one does not compile until it
/// is classified: an invalid API key is `Unauthenticated` and an
/// `AuthenticationFailure` (as a bad token), a replayed token
/// `Unauthenticated` and `ReplayedToken`, a missing scope `Forbidden` and an
/// `AuthorizationDenial`.
fn classify(rejection: Rejection) -> (Outcome, Option<SecurityEvent>) {
    match rejection {
        Rejection::CredentialInUrl => (Outcome::InvalidInput, Some(SecurityEvent::CredentialInUrl)),
        Rejection::MissingCredentials => (Outcome::Unauthenticated, None),
        Rejection::InvalidToken => (
            Outcome::Unauthenticated,
            Some(SecurityEvent::AuthenticationFailure),
        ),
        Rejection::RateLimited { .. } => (Outcome::RateLimited, Some(SecurityEvent::RateLimited)),
        Rejection::ReplayedToken => (Outcome::Unauthenticated, Some(SecurityEvent::ReplayedToken)),
        Rejection::AmbiguousCredentials => (Outcome::InvalidInput, None),
        Rejection::InsufficientRole | Rejection::InsufficientScope(_) | Rejection::NotOwner => {
            (Outcome::Forbidden, Some(SecurityEvent::AuthorizationDenial))
        }
        Rejection::ReplayStoreFull | Rejection::NotConfigured => (Outcome::Error, None),
    }
}

/// The name of an authentication method in the audit line.
fn auth_method_name(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Jwt => "jwt",
        AuthMethod::ApiKey => "api_key",
    }
}

/// What a check noted about the request, in its extensions, for the
/// audit event: how it ended and the security event, if any.
#[derive(Debug, Clone, Copy)]
struct Noted {
    outcome: Outcome,
    event: Option<SecurityEvent>,
}

/// The principal a request authenticated as, noted even when a later
/// check refused it.
#[derive(Debug, Clone)]
struct NotedPrincipal {
    subject: String,
    method: AuthMethod,
    api_key_sha256: Option<String>,
}

/// Notes how the request ended, for its audit event.
pub(crate) fn note(req: &HttpRequest, outcome: Outcome, event: Option<SecurityEvent>) {
    req.extensions_mut().insert(Noted { outcome, event });
}

/// Notes the refusal of a check of `#[secure]`, for the audit event.
pub(crate) fn note_rejection(req: &HttpRequest, rejection: Rejection) {
    let (outcome, event) = classify(rejection);
    note(req, outcome, event);
}

/// Notes who the request authenticated as (nothing for `None`), for the
/// audit event, whatever the later checks decide.
pub(crate) fn note_principal(req: &HttpRequest, principal: Option<&Principal>) {
    if let Some(p) = principal {
        let subject = scrub::truncate(p.subject(), scrub::MAX_LOGGED_SUBJECT_CHARS);
        req.extensions_mut().insert(NotedPrincipal {
            subject: scrub::escape(&subject).into_owned(),
            method: p.auth_method(),
            api_key_sha256: p.api_key_sha256().map(str::to_owned),
        });
    }
}

/// What the audit trail keeps for a [`Security`](crate::Security)
/// middleware: its metrics and its alert detector.
pub(crate) struct Trail {
    metrics: Metrics,
    detector: Detector,
    ipv6_prefix_len: u8,
}

impl Trail {
    pub(crate) fn new(config: &SecurityConfig) -> Self {
        Self {
            metrics: Metrics::new(),
            detector: Detector::new(config.alerts()),
            ipv6_prefix_len: config.limits().ipv6_prefix_len,
        }
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

/// A request on its way: what its audit event needs from the request,
/// taken when it arrives (the request itself is not kept: actix-web needs
/// it unshared while routing).
pub(crate) struct Pending {
    started: Instant,
    arrived: OffsetDateTime,
    id: RequestId,
    client_ip: Option<IpAddr>,
    method: Method,
    path: String,
}

impl Pending {
    /// Starts the audit of `req`: gives it a [`RequestId`] (in its
    /// extensions), marks its credential headers sensitive, and takes the
    /// client IP, method and scrubbed path.
    pub(crate) fn begin(req: &mut ServiceRequest, config: &SecurityConfig) -> Self {
        let started = Instant::now();
        let id = RequestId::from_headers(req.headers());
        if scrub::SENSITIVE_HEADERS
            .iter()
            .any(|h| req.headers().contains_key(*h))
        {
            scrub::mark_sensitive(req.headers_mut());
        }
        req.extensions_mut().insert(id.clone());
        // Resolved once per request; the checks of `#[secure]` read it.
        let client_ip = client_ip(
            req.request(),
            config.trusted_proxies(),
            config.limits().forwarded_header,
        );
        req.extensions_mut().insert(Resolved(client_ip));
        Self {
            started,
            arrived: OffsetDateTime::now_utc(),
            id,
            client_ip,
            method: req.method().clone(),
            path: scrub::path_and_query(req.request()),
        }
    }

    /// Ends the audit of a request answered with `res`: stamps the request
    /// id on it, then emits the audit event, counts the metrics and feeds
    /// the alert detector.
    pub(crate) fn finish(
        self,
        res: ServiceResponse<BoxBody>,
        trail: &Trail,
    ) -> ServiceResponse<BoxBody> {
        let (req, res) = res.into_parts();
        let res = self.id.stamp(res);
        let route = req.match_pattern();
        let noted = req.extensions().get::<Noted>().copied();
        let principal = req.extensions().get::<NotedPrincipal>().cloned();
        self.record(trail, res.status(), route.as_deref(), noted, principal);
        ServiceResponse::new(req, res)
    }

    /// Ends the audit of a request whose service failed with `status`
    /// (the request is gone with the error); the id for the error's answer.
    pub(crate) fn fail(self, status: StatusCode, trail: &Trail) -> RequestId {
        let id = self.id.clone();
        self.record(trail, status, None, None, None);
        id
    }

    fn record(
        self,
        trail: &Trail,
        status: StatusCode,
        route: Option<&str>,
        noted: Option<Noted>,
        principal: Option<NotedPrincipal>,
    ) {
        let latency = self.started.elapsed();
        let (outcome, event) =
            noted.map_or((Outcome::of_status(status), None), |n| (n.outcome, n.event));
        // Extension methods are tokens of any length (RFC 9110 §9.1).
        let method = scrub::truncate(self.method.as_str(), MAX_LOGGED_METHOD_CHARS);
        let line = Line {
            ts: rfc3339(self.arrived),
            request_id: self.id.as_str(),
            client_ip: self.client_ip.map(|ip| ip.to_string()),
            method: &method,
            path: &self.path,
            route: route.map(|r| scrub::escape(r).into_owned()),
            principal: principal.as_ref().map(|p| p.subject.as_str()),
            auth_method: principal.as_ref().map(|p| auth_method_name(p.method)),
            api_key_sha256: principal.as_ref().and_then(|p| p.api_key_sha256.as_deref()),
            outcome,
            status: status.as_u16(),
            latency,
            event,
        };
        line.emit();
        trail.metrics.observe(
            route,
            &self.method,
            status.as_u16(),
            outcome,
            latency,
            event,
        );
        if let Some(event) = event {
            trail.detector.observe(
                event,
                self.client_ip
                    .map(|ip| bucket_ip(ip, trail.ipv6_prefix_len)),
                principal.as_ref().map(|p| p.subject.as_str()),
                &trail.metrics,
            );
        }
    }
}

/// The values of one audit event.
struct Line<'a> {
    ts: String,
    request_id: &'a str,
    client_ip: Option<String>,
    method: &'a str,
    path: &'a str,
    route: Option<String>,
    principal: Option<&'a str>,
    auth_method: Option<&'static str>,
    api_key_sha256: Option<&'a str>,
    outcome: Outcome,
    status: u16,
    latency: Duration,
    event: Option<SecurityEvent>,
}

/// The audit event at `$level` (a callsite's level is fixed).
macro_rules! audit_event {
    ($level:expr, $line:expr) => {
        tracing::event!(
            target: TARGET,
            $level,
            ts = $line.ts.as_str(),
            request_id = $line.request_id,
            client_ip = $line.client_ip.as_deref(),
            method = $line.method,
            path = $line.path,
            route = $line.route.as_deref(),
            principal = $line.principal,
            auth_method = $line.auth_method,
            api_key_sha256 = $line.api_key_sha256,
            outcome = $line.outcome.as_str(),
            status = u64::from($line.status),
            latency_us = u64::try_from($line.latency.as_micros()).unwrap_or(u64::MAX),
            security_event = $line.event.is_some(),
            security_event_kind = $line.event.map(SecurityEvent::as_str),
        )
    };
}

impl Line<'_> {
    fn emit(&self) {
        if self.event.is_some() {
            audit_event!(Level::WARN, self);
        } else {
            audit_event!(Level::INFO, self);
        }
    }
}

/// `2026-11-29T18:10:25.123456Z` (RFC 3339 §5.6, UTC, microseconds).
fn rfc3339(t: OffsetDateTime) -> String {
    let mut s = String::with_capacity(27);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    );
    s
}

/// A `tracing-subscriber` layer that writes each audit event (target
/// [`TARGET`]) as one JSON line with the members of the module
/// documentation, flat and in that order, `null` for a member without a
/// value, to `make_writer` (for example `std::io::stderr`). Other events
/// are left to the application's other layers; this one has its own
/// filter, so `RUST_LOG` and the like neither silence it nor make it see
/// more.
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// tracing_subscriber::registry()
///     .with(secure_api::audit::layer(std::io::stderr))
///     // ... the application's own layers, e.g. tracing_subscriber::fmt::layer()
///     .init();
/// ```
pub fn layer<S, W>(make_writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    AuditLines { make_writer }.with_filter(filter_fn(|meta| meta.target() == TARGET))
}

/// See [`layer`].
struct AuditLines<W> {
    make_writer: W,
}

impl<S, W> Layer<S> for AuditLines<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() != TARGET {
            return;
        }
        let mut fields = JsonFields::default();
        event.record(&mut fields);
        let mut line = String::from("{");
        let mut member = |name: &str, value: &Value| {
            if line.len() > 1 {
                line.push(',');
            }
            line.push_str(&Value::from(name).to_string());
            line.push(':');
            line.push_str(&value.to_string());
        };
        for name in MEMBERS {
            let value = fields
                .values
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(Value::Null, |(_, v)| v.clone());
            member(name, &value);
        }
        for (name, value) in &fields.values {
            if !MEMBERS.contains(name) {
                member(name, value);
            }
        }
        member("level", &Value::from(meta.level().as_str()));
        member("target", &Value::from(meta.target()));
        line.push_str("}\n");
        let _ = self
            .make_writer
            .make_writer_for(meta)
            .write_all(line.as_bytes());
    }
}

/// The fields of one event as JSON values, in the order recorded.
#[derive(Default)]
struct JsonFields {
    values: Vec<(&'static str, Value)>,
}

impl JsonFields {
    fn push(&mut self, field: &Field, value: Value) {
        self.values.push((field.name(), value));
    }
}

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, Value::from(scrub::escape(value).into_owned()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        self.push(field, Value::from(scrub::escape(&text).into_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_of_statuses() {
        let of = |s: u16| Outcome::of_status(StatusCode::from_u16(s).unwrap_or(StatusCode::OK));
        assert_eq!(of(200), Outcome::Allowed);
        assert_eq!(of(308), Outcome::Allowed);
        assert_eq!(of(401), Outcome::Unauthenticated);
        assert_eq!(of(403), Outcome::Forbidden);
        assert_eq!(of(404), Outcome::InvalidInput);
        assert_eq!(of(422), Outcome::InvalidInput);
        assert_eq!(of(429), Outcome::RateLimited);
        assert_eq!(of(503), Outcome::Error);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_796_000_000_123_456_789)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(rfc3339(t), "2026-11-30T00:53:20.123456Z");
    }
}
