//! What the audit trail records about a request: how it ended
//! ([`Outcome`]) and whether it was a security event ([`SecurityEvent`]),
//! and what the alert detector counts ([`AlertKind`]). Shared by the audit
//! trail, the metrics and the alert detector.
//!
//! Layer 1: plain data, importing nothing from the crate.

use actix_web::http::StatusCode;

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

/// What an alert counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlertKind {
    /// Authentication failures: bad, expired or wrongly signed tokens,
    /// unknown or expired API keys, replayed tokens.
    AuthenticationFailures,
    /// Authorization denials: a role or scope too low, someone else's object.
    Denials,
}

impl AlertKind {
    /// Every kind, for metrics.
    pub const ALL: [AlertKind; 2] = [AlertKind::AuthenticationFailures, AlertKind::Denials];

    /// `authentication_failures` or `denials`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::AuthenticationFailures => "authentication_failures",
            AlertKind::Denials => "denials",
        }
    }

    /// The kind a security event counts towards, if any.
    pub fn of(event: SecurityEvent) -> Option<Self> {
        match event {
            SecurityEvent::AuthenticationFailure | SecurityEvent::ReplayedToken => {
                Some(AlertKind::AuthenticationFailures)
            }
            SecurityEvent::AuthorizationDenial => Some(AlertKind::Denials),
            SecurityEvent::RateLimited
            | SecurityEvent::CredentialInUrl
            | SecurityEvent::CredentialsOverPlainHttp
            | SecurityEvent::PlainHttpRefused => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            AlertKind::AuthenticationFailures => 0,
            AlertKind::Denials => 1,
        }
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
}
