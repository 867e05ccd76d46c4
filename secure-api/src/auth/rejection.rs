//! Why a request was refused before its handler ran, and the problem+json
//! answer for each reason.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};

use crate::Problem;

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
    /// Over the route's quota: 429 with `Retry-After` (RFC 6585 §4).
    RateLimited { retry_after: Duration },
    /// Authenticated but lacking the role: 403 `error="insufficient_scope"`
    /// (RFC 6750 §3.1).
    InsufficientRole,
    /// Not the object's owner: 404, the same answer as a missing object, so
    /// ids cannot be probed (OWASP API1:2023).
    NotOwner,
    /// The `secure-api` middleware is not installed: 500, failing closed.
    NotConfigured,
}

impl Rejection {
    /// The problem+json answer, with the challenge for `realm` where one is due.
    pub(crate) fn problem(self, realm: &str) -> Problem {
        let challenge = |error: Option<&str>| {
            let mut v = format!("Bearer realm=\"{}\"", quoted_string(realm));
            if let Some(e) = error {
                v.push_str(&format!(", error=\"{e}\""));
            }
            HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
        };
        match self {
            Rejection::CredentialInUrl => Problem::new(
                StatusCode::BAD_REQUEST,
                "Credentials must not be sent in the URL; send them in the Authorization header.",
            ),
            Rejection::MissingCredentials => Problem::new(
                StatusCode::UNAUTHORIZED,
                "This resource requires a bearer token.",
            )
            .with_header(WWW_AUTHENTICATE, challenge(None)),
            Rejection::InvalidToken => Problem::new(
                StatusCode::UNAUTHORIZED,
                "The credentials are invalid, expired or not meant for this service.",
            )
            .with_header(WWW_AUTHENTICATE, challenge(Some("invalid_token"))),
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
            Rejection::NotOwner => {
                Problem::new(StatusCode::NOT_FOUND, "The resource does not exist.")
            }
            Rejection::NotConfigured => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server could not complete the request.",
            ),
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
