//! [`Metrics`]: request counts, latency and security events in the
//! Prometheus text exposition format (version 0.0.4), one registry per
//! [`Security`](crate::Security) middleware.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `secure_api_requests_total` | counter | `route` (the pattern, `unmatched` when no route matched), `method`, `status`, `outcome` |
//! | `secure_api_request_duration_seconds` | histogram | `route`, `method` |
//! | `secure_api_security_events_total` | counter | `kind` (each [`SecurityEvent`], present from the start at 0) |
//! | `secure_api_alerts_total` | counter | `kind` (each [`AlertKind`], present at 0) |
//!
//! Labels are bounded: routes are patterns (never a raw path), methods
//! other than the nine of RFC 9110 §9 and RFC 5789 count as `OTHER`.
//! Nothing is registered in a process-wide registry, so two apps (or two
//! tests) in one process count apart.
//!
//! Serve them like any other route, behind `#[secure]`:
//!
//! ```
//! use actix_web::{HttpResponse, get};
//! use secure_api::{Metrics, secure};
//! # secure_api::roles! { admin; }
//!
//! /// Prometheus scrapes with an admin token.
//! #[secure(role = "admin")]
//! #[get("/metrics")]
//! async fn metrics(metrics: Metrics) -> HttpResponse {
//!     metrics.response()
//! }
//! # fn main() {}
//! ```

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::http::header::CONTENT_TYPE;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::event::{AlertKind, Outcome, SecurityEvent};

/// The media type of the exposition (Prometheus text format 0.0.4).
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `route` label of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Upper bounds of the latency histogram's buckets, in seconds.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The metrics of one [`Security`](crate::Security) middleware (shared by
/// its clones, and by its [`plain_http`](crate::Security::plain_http)
/// twin). Cheap to clone.
///
/// As a handler argument it is the app's metrics (500 problem+json when
/// the [`Security`](crate::Security) middleware is not installed).
#[derive(Clone)]
pub struct Metrics {
    inner: Option<Arc<Inner>>,
}

/// The registry and its collectors.
struct Inner {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    security_events: IntCounterVec,
    alerts: IntCounterVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh set of metrics in its own registry, every security-event
    /// and alert kind at 0.
    pub fn new() -> Self {
        match Inner::new() {
            Ok(inner) => Self {
                inner: Some(Arc::new(inner)),
            },
            Err(e) => {
                // Only a bad metric name could fail, and the names are fixed.
                tracing::error!(target: "secure_api::config", error = %e, "metrics cannot be registered; none will be recorded");
                Self { inner: None }
            }
        }
    }

    /// Every metric in the Prometheus text exposition format, version
    /// 0.0.4 (`# HELP`, `# TYPE`, then one sample a line).
    pub fn render(&self) -> String {
        let Some(inner) = &self.inner else {
            return String::new();
        };
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&inner.registry.gather(), &mut out) {
            tracing::error!(target: "secure_api::metrics", error = %e, "metrics cannot be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// `200 OK` with [`render`](Self::render) as the body and
    /// `Content-Type: text/plain; version=0.0.4; charset=utf-8`.
    pub fn response(&self) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, CONTENT_TYPE_TEXT))
            .body(self.render())
    }

    /// Counts one finished request.
    pub(crate) fn observe(
        &self,
        route: Option<&str>,
        method: &Method,
        status: u16,
        outcome: Outcome,
        latency: Duration,
        event: Option<SecurityEvent>,
    ) {
        let Some(inner) = &self.inner else { return };
        let route = route.unwrap_or(UNMATCHED_ROUTE);
        let method = method_label(method);
        let mut status_label = itoa::Buffer::new();
        let status = status_label.format(status);
        inner
            .requests
            .with_label_values(&[route, method, status, outcome.as_str()])
            .inc();
        inner
            .latency
            .with_label_values(&[route, method])
            .observe(latency.as_secs_f64());
        if let Some(event) = event {
            inner
                .security_events
                .with_label_values(&[event.as_str()])
                .inc();
        }
    }

    /// Counts one alert raised.
    pub(crate) fn alert(&self, kind: AlertKind) {
        if let Some(inner) = &self.inner {
            inner.alerts.with_label_values(&[kind.as_str()]).inc();
        }
    }
}

impl Inner {
    fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "secure_api_requests_total",
                "Requests answered, by route pattern, method, status and outcome.",
            ),
            &["route", "method", "status", "outcome"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "secure_api_request_duration_seconds",
                "Time from the request's arrival to its response head, in seconds.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )?;
        let security_events = IntCounterVec::new(
            Opts::new(
                "secure_api_security_events_total",
                "Security events (authentication failures, denials, rate-limit rejections, credentials in clear or in the URL, replayed tokens), by kind.",
            ),
            &["kind"],
        )?;
        let alerts = IntCounterVec::new(
            Opts::new(
                "secure_api_alerts_total",
                "Alerts raised by the security-event detector, by kind.",
            ),
            &["kind"],
        )?;
        for kind in SecurityEvent::ALL {
            security_events.with_label_values(&[kind.as_str()]);
        }
        for kind in AlertKind::ALL {
            alerts.with_label_values(&[kind.as_str()]);
        }
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(security_events.clone()))?;
        registry.register(Box::new(alerts.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            security_events,
            alerts,
        })
    }
}

/// The method as a label: one of the registered methods, or `OTHER`, so a
/// client cannot grow the label set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_registry_shows_every_kind_at_zero() {
        let text = Metrics::new().render();
        assert!(
            text.contains("# TYPE secure_api_security_events_total counter"),
            "{text}"
        );
        assert!(
            text.contains(r#"secure_api_security_events_total{kind="authentication_failure"} 0"#),
            "{text}"
        );
        assert!(
            text.contains(r#"secure_api_alerts_total{kind="denials"} 0"#),
            "{text}"
        );
    }

    #[test]
    fn requests_are_counted_with_bounded_labels() {
        let m = Metrics::new();
        let odd = Method::from_bytes(b"BREW").unwrap_or(Method::GET);
        m.observe(
            None,
            &odd,
            405,
            Outcome::InvalidInput,
            Duration::from_micros(700),
            None,
        );
        m.observe(
            Some("/v1/customers/{id}"),
            &Method::GET,
            403,
            Outcome::Forbidden,
            Duration::from_millis(3),
            Some(SecurityEvent::AuthorizationDenial),
        );
        let text = m.render();
        assert!(
            text.contains(r#"secure_api_requests_total{method="OTHER",outcome="invalid_input",route="unmatched",status="405"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"secure_api_request_duration_seconds_bucket{method="GET",route="/v1/customers/{id}",le="0.005"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"secure_api_security_events_total{kind="authorization_denial"} 1"#),
            "{text}"
        );
    }
}
