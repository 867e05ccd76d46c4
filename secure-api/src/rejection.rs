//! Every refusal of secure-api's checks, in one place: why a request was
//! refused before its handler ran ([`Rejection`]), the problem+json answer
//! for each reason (RFC 9457, with the RFC 6750 §3 challenge where one is
//! due), and how the audit trail classifies it.
//!
//! Layer 1: plain data over the primitives; the checks of every layer
//! above return a [`Rejection`], and only this module turns one into an
//! answer. The order in which the checks run is described once, in the
//! crate documentation ([`crate`], "the checks").

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT_ENCODING, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};

use crate::authz::Scopes;
use crate::event::{Outcome, SecurityEvent};
use crate::problem::{FieldError, Problem};

/// `Retry-After` of a 503 for a full one-time token store, in seconds.
const REPLAY_STORE_FULL_RETRY_SECS: u32 = 10;

/// `Retry-After` of a 503 for an unreachable state store, in seconds.
pub(crate) const STORE_UNAVAILABLE_RETRY_SECS: u32 = 5;

/// A refusal by one of the checks of `#[secure]`, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// A credential in the query string: 400 (RFC 6750 §5.3, §2.3).
    CredentialInUrl,
    /// No credentials: 401 with a bare challenge (RFC 6750 §3.1).
    MissingCredentials,
    /// Bad, expired, wrongly signed or wrongly addressed credentials: 401
    /// `error="invalid_token"` (RFC 6750 §3.1).
    InvalidToken,
    /// A token whose `jti` was already used on a one-time route: 401
    /// `error="invalid_token"`, logged as a security event.
    ReplayedToken,
    /// A bearer token and an API key in one request: 400
    /// `error="invalid_request"` (RFC 6750 §3.1: more than one method).
    AmbiguousCredentials,
    /// The one-time token store is full: 503 with `Retry-After`.
    ReplayStoreFull,
    /// Over the route's quota: 429 with `Retry-After` (RFC 6585 §4).
    RateLimited { retry_after: Duration },
    /// Authenticated but lacking the role: 403 `error="insufficient_scope"`
    /// (RFC 6750 §3.1).
    InsufficientRole,
    /// Authenticated but lacking an OAuth2 scope: 403
    /// `error="insufficient_scope"` naming the required scopes in `scope`
    /// (RFC 6750 §3.1).
    InsufficientScope(Scopes),
    /// Not the object's owner: 404, the same answer as a missing object, so
    /// ids cannot be probed (OWASP API1:2023).
    NotOwner,
    /// The `secure-api` middleware is not installed: 500, failing closed.
    NotConfigured,
    /// The shared state (rate limits, lock-outs, spent `jti`s) cannot be
    /// reached: 503 with `Retry-After`, failing closed.
    StoreUnavailable,
}

impl Rejection {
    /// The problem+json answer, with the challenge for `realm` where one is due.
    pub(crate) fn problem(self, realm: &str) -> Problem {
        let challenge_with = |error: Option<&str>, scope: Option<String>| {
            let mut v = format!("Bearer realm=\"{}\"", quoted_string(realm));
            if let Some(e) = error {
                v.push_str(&format!(", error=\"{e}\""));
            }
            if let Some(scope) = scope {
                v.push_str(&format!(", scope=\"{}\"", quoted_string(&scope)));
            }
            HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
        };
        let challenge = |error: Option<&str>| challenge_with(error, None);
        match self {
            Rejection::CredentialInUrl => Problem::new(
                StatusCode::BAD_REQUEST,
                "Credentials must not be sent in the URL; send a token in the Authorization header or an API key in the X-API-Key header.",
            ),
            Rejection::MissingCredentials => Problem::new(
                StatusCode::UNAUTHORIZED,
                "This resource requires authentication.",
            )
            .with_header(WWW_AUTHENTICATE, challenge(None)),
            Rejection::InvalidToken => Problem::new(
                StatusCode::UNAUTHORIZED,
                "The credentials are invalid, expired or not meant for this service.",
            )
            .with_header(WWW_AUTHENTICATE, challenge(Some("invalid_token"))),
            Rejection::ReplayedToken => Problem::new(
                StatusCode::UNAUTHORIZED,
                "This token has already been used; this resource accepts each token once.",
            )
            .with_header(WWW_AUTHENTICATE, challenge(Some("invalid_token"))),
            Rejection::AmbiguousCredentials => Problem::new(
                StatusCode::BAD_REQUEST,
                "Send one credential: either an Authorization header or an X-API-Key header.",
            )
            .with_header(WWW_AUTHENTICATE, challenge(Some("invalid_request"))),
            Rejection::ReplayStoreFull => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service cannot accept more one-time tokens right now; retry later.",
            )
            .with_header(RETRY_AFTER, HeaderValue::from(REPLAY_STORE_FULL_RETRY_SECS)),
            Rejection::RateLimited { retry_after } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests; retry later.",
            )
            .with_header(
                RETRY_AFTER,
                HeaderValue::from(retry_after_seconds(retry_after)),
            ),
            Rejection::InsufficientRole => Problem::new(
                StatusCode::FORBIDDEN,
                "The caller's roles do not allow this request.",
            )
            .with_header(WWW_AUTHENTICATE, challenge(Some("insufficient_scope"))),
            Rejection::InsufficientScope(scopes) => Problem::new(
                StatusCode::FORBIDDEN,
                "The access token does not grant the scope this request needs.",
            )
            .with_header(
                WWW_AUTHENTICATE,
                challenge_with(Some("insufficient_scope"), scopes.challenge()),
            ),
            Rejection::NotOwner => Problem::for_status(StatusCode::NOT_FOUND),
            Rejection::NotConfigured => Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR),
            Rejection::StoreUnavailable => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service cannot check this request right now; retry later.",
            )
            .with_header(RETRY_AFTER, HeaderValue::from(STORE_UNAVAILABLE_RETRY_SECS)),
        }
    }

    /// The outcome and security event of a refusal by a check of `#[secure]`.
    ///
    /// Every rejection is named here, so a new one does not compile until it
    /// is classified: an invalid API key is `Unauthenticated` and an
    /// `AuthenticationFailure` (as a bad token), a replayed token
    /// `Unauthenticated` and `ReplayedToken`, a missing scope `Forbidden` and an
    /// `AuthorizationDenial`.
    pub(crate) fn audit_class(self) -> (Outcome, Option<SecurityEvent>) {
        match self {
            Rejection::CredentialInUrl => {
                (Outcome::InvalidInput, Some(SecurityEvent::CredentialInUrl))
            }
            Rejection::MissingCredentials => (Outcome::Unauthenticated, None),
            Rejection::InvalidToken => (
                Outcome::Unauthenticated,
                Some(SecurityEvent::AuthenticationFailure),
            ),
            Rejection::RateLimited { .. } => {
                (Outcome::RateLimited, Some(SecurityEvent::RateLimited))
            }
            Rejection::ReplayedToken => {
                (Outcome::Unauthenticated, Some(SecurityEvent::ReplayedToken))
            }
            Rejection::AmbiguousCredentials => (Outcome::InvalidInput, None),
            Rejection::InsufficientRole | Rejection::InsufficientScope(_) | Rejection::NotOwner => {
                (Outcome::Forbidden, Some(SecurityEvent::AuthorizationDenial))
            }
            Rejection::ReplayStoreFull | Rejection::NotConfigured | Rejection::StoreUnavailable => {
                (Outcome::Error, None)
            }
        }
    }
}

/// Why a body was refused, before it reached the handler.
#[derive(Debug)]
pub(crate) enum InputRejection {
    UnsupportedMediaType,
    UnsupportedEncoding,
    TooLarge,
    Timeout,
    Malformed,
    Unprocessable(Vec<FieldError>),
}

impl InputRejection {
    pub(crate) fn problem(self) -> Problem {
        match self {
            InputRejection::UnsupportedMediaType => {
                Problem::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            // RFC 9110 §15.5.16: say which codings would have been accepted.
            InputRejection::UnsupportedEncoding => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The request body has an unsupported content coding; send it uncompressed.",
            )
            .with_header(ACCEPT_ENCODING, HeaderValue::from_static("identity")),
            InputRejection::TooLarge => Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE),
            InputRejection::Timeout => Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time.",
            ),
            InputRejection::Malformed => Problem::new(
                StatusCode::BAD_REQUEST,
                "The request body is malformed: invalid syntax, a duplicate key, or nesting too deep.",
            ),
            InputRejection::Unprocessable(errors) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request does not fit the expected shape or rules; see `errors`.",
            )
            .with_errors(errors),
        }
    }
}

/// Whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3).
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// Escapes `"` and `\` for a quoted-string (RFC 9110 §5.6.4).
fn quoted_string(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_at_least_one_second() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(8_001)), 9);
        assert_eq!(retry_after_seconds(Duration::from_secs(9)), 9);
    }
}
