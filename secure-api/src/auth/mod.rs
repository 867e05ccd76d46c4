//! Identity: who is calling. Bearer credentials (RFC 6750) verified as JWTs
//! (RFC 7519, RFC 8725) into a [`Principal`].

pub(crate) mod jwt;
mod principal;
pub(crate) mod rejection;

pub use principal::{AuthMethod, Principal};

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

use crate::config::SecurityConfig;
use rejection::Rejection;

/// Which credentials a route accepts (`#[secure(auth = "..")]`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethods {
    /// `auth = "jwt"` (the default): a bearer JWT in `Authorization`.
    Jwt,
    /// `auth = "api_key"`: an API key in `X-API-Key`.
    ApiKey,
    /// `auth = "any"`: either, but not both in one request.
    Any,
}

/// Whether a route accepts a token more than once (`#[secure(replay = "jti")]`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// The default: a valid token may be used until it expires.
    Allowed,
    /// `replay = "jti"`: a token's `jti` is accepted once within its lifetime.
    OncePerJti,
}

/// The bearer credential a request presents, if any (RFC 6750 §2.1).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bearer<'a> {
    /// No `Authorization` header.
    Absent,
    /// `Authorization: Bearer <b64token>`; the scheme is case-insensitive
    /// (RFC 9110 §11.1).
    Token(&'a str),
    /// Anything else: two headers, another scheme, no token, two tokens,
    /// characters outside the b64token syntax.
    Malformed,
}

/// Reads the bearer credential of `req`.
pub(crate) fn bearer(req: &HttpRequest) -> Bearer<'_> {
    let mut values = req.headers().get_all(AUTHORIZATION);
    let Some(value) = values.next() else {
        return Bearer::Absent;
    };
    if values.next().is_some() {
        return Bearer::Malformed;
    }
    let Ok(value) = value.to_str() else {
        return Bearer::Malformed;
    };
    parse_bearer(value)
}

/// Parses `credentials = "Bearer" 1*SP b64token` (RFC 6750 §2.1), where
/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn parse_bearer(value: &str) -> Bearer<'_> {
    let Some((scheme, rest)) = value.split_once(' ') else {
        return Bearer::Malformed;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Bearer::Malformed;
    }
    let token = rest.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let valid = !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
    if valid {
        Bearer::Token(token)
    } else {
        Bearer::Malformed
    }
}

/// Authenticates `req`: a valid bearer JWT becomes a [`Principal`].
///
/// # Errors
/// [`Rejection::MissingCredentials`] with no `Authorization` header;
/// [`Rejection::InvalidToken`] for a malformed header or a token that fails
/// any check of [`jwt`].
pub(crate) fn authenticate(
    req: &HttpRequest,
    config: &SecurityConfig,
) -> Result<Principal, Rejection> {
    match bearer(req) {
        Bearer::Absent => Err(Rejection::MissingCredentials),
        Bearer::Malformed => Err(Rejection::InvalidToken),
        Bearer::Token(token) => match config.verifier().verify(token) {
            Ok(claims) => Ok(Principal::from_claims(claims, AuthMethod::Jwt)),
            Err(e) => {
                tracing::info!(target: "secure_api::auth", reason = %e, "bearer token rejected");
                Err(Rejection::InvalidToken)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_is_case_insensitive() {
        assert_eq!(
            parse_bearer("bearer abc.def.ghi"),
            Bearer::Token("abc.def.ghi")
        );
        assert_eq!(parse_bearer("BEARER abc"), Bearer::Token("abc"));
    }

    #[test]
    fn missing_or_doubled_tokens_are_malformed() {
        assert_eq!(parse_bearer("Bearer"), Bearer::Malformed);
        assert_eq!(parse_bearer("Bearer "), Bearer::Malformed);
        assert_eq!(parse_bearer("Bearer a.b.c d.e.f"), Bearer::Malformed);
        assert_eq!(parse_bearer("Basic dXNlcjpwYXNz"), Bearer::Malformed);
        assert_eq!(parse_bearer("Bearer ==="), Bearer::Malformed);
    }
}
