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

mod layer;

pub use crate::event::{MEMBERS, Outcome, SecurityEvent, TARGET};
pub use layer::layer;

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, Uri};
use actix_web::{HttpMessage, HttpRequest};
use time::OffsetDateTime;
use tracing::Level;

use crate::alert::{AlertPolicy, Detector};
use crate::auth::{AuthMethod, Principal};
use crate::client_ip::bucket_ip;
use crate::metrics::Metrics;
use crate::rejection::Rejection;
use crate::request_id::RequestId;
use crate::scrub;

/// The most characters of a request method written to a log.
const MAX_LOGGED_METHOD_CHARS: usize = 32;

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

/// The subject of `principal` as logged: cut to
/// [`scrub::MAX_LOGGED_SUBJECT_CHARS`] and escaped.
fn logged_subject(principal: &Principal) -> String {
    let subject = scrub::truncate(principal.subject(), scrub::MAX_LOGGED_SUBJECT_CHARS);
    scrub::escape(&subject).into_owned()
}

/// Notes how the request ended, for its audit event.
pub(crate) fn note(req: &HttpRequest, outcome: Outcome, event: Option<SecurityEvent>) {
    req.extensions_mut().insert(Noted { outcome, event });
}

/// Notes the refusal of a check of `#[secure]`, for the audit event.
pub(crate) fn note_rejection(req: &HttpRequest, rejection: Rejection) {
    let (outcome, event) = rejection.audit_class();
    note(req, outcome, event);
}

/// Notes who the request authenticated as (nothing for `None`), for the
/// audit event, whatever the later checks decide: the [`Principal`] in the
/// request's extensions, where the handler's `Principal` argument is taken
/// from too (a refused request never reaches the handler).
pub(crate) fn note_principal(req: &HttpRequest, principal: Option<&Principal>) {
    if let Some(p) = principal {
        req.extensions_mut().insert(p.clone());
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
    /// A trail with fresh metrics, alerting by `alerts`; client IPs are
    /// counted by their bucket (IPv6 cut to `ipv6_prefix_len` bits).
    pub(crate) fn new(alerts: &AlertPolicy, ipv6_prefix_len: u8) -> Self {
        Self {
            metrics: Metrics::new(),
            detector: Detector::new(alerts),
            ipv6_prefix_len,
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
    /// The request target, scrubbed only when an audit line is written.
    uri: Uri,
}

impl Pending {
    /// Starts the audit of `req`, which arrived at `started` and whose
    /// client IP the middleware resolved (`None` when unknown): gives it a
    /// [`RequestId`] (in its extensions), marks its credential headers
    /// sensitive, and keeps the method and the target (scrubbed only if an
    /// audit line is written).
    pub(crate) fn begin(
        req: &mut ServiceRequest,
        started: Instant,
        client_ip: Option<IpAddr>,
    ) -> Self {
        let id = RequestId::from_headers(req.headers());
        if scrub::has_sensitive(req.headers()) {
            scrub::mark_sensitive(req.headers_mut());
        }
        req.extensions_mut().insert(id.clone());
        Self {
            started,
            arrived: OffsetDateTime::now_utc(),
            id,
            client_ip,
            method: req.method().clone(),
            uri: req.uri().clone(),
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
        let principal = req.extensions().get::<Principal>().cloned();
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
        principal: Option<Principal>,
    ) {
        let latency = self.started.elapsed();
        let (outcome, event) =
            noted.map_or((Outcome::of_status(status), None), |n| (n.outcome, n.event));
        // The line is built only for a subscriber that will read it.
        let wanted = if event.is_some() {
            tracing::enabled!(target: TARGET, Level::WARN)
        } else {
            tracing::enabled!(target: TARGET, Level::INFO)
        };
        let subject = principal
            .as_ref()
            .filter(|_| wanted || event.is_some())
            .map(logged_subject);
        if wanted {
            // Extension methods are tokens of any length (RFC 9110 §9.1).
            let method = scrub::truncate(self.method.as_str(), MAX_LOGGED_METHOD_CHARS);
            let path = scrub::uri_path_and_query(&self.uri);
            Line {
                ts: rfc3339(self.arrived),
                request_id: self.id.as_str(),
                client_ip: self.client_ip.map(|ip| ip.to_string()),
                method: &method,
                path: &path,
                route: route.map(|r| scrub::escape(r).into_owned()),
                principal: subject.as_deref(),
                auth_method: principal
                    .as_ref()
                    .map(|p| auth_method_name(p.auth_method())),
                api_key_sha256: principal.as_ref().and_then(|p| p.api_key_sha256()),
                outcome,
                status: status.as_u16(),
                latency,
                event,
            }
            .emit();
        }
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
                subject.as_deref(),
                |kind| trail.metrics.alert(kind),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_796_000_000_123_456_789)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(rfc3339(t), "2026-11-30T00:53:20.123456Z");
    }
}
