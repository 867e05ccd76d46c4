//! Identity: who is calling. Bearer credentials (RFC 6750) verified as JWTs
//! (RFC 7519, RFC 8725), or API keys in `X-API-Key`, into a [`Principal`].

pub mod api_key;
pub(crate) mod jwks;
pub(crate) mod jwt;
mod principal;
pub(crate) mod rejection;
pub(crate) mod reload;
pub(crate) mod replay;

pub use principal::{AuthMethod, Principal};

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

use serde_json::Value;

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

/// Query parameter names that carry credentials, compared
/// case-insensitively (RFC 6750 §2.3 and §5.3: bearer tokens must not be in
/// URLs, where logs and `Referer` leak them).
pub(crate) const CREDENTIAL_PARAMS: [&str; 6] = [
    "access_token",
    "token",
    "api_key",
    "apikey",
    "jwt",
    "id_token",
];

/// Whether `req` presents a credential header: `Authorization` or
/// `X-API-Key`, well-formed or not.
pub(crate) fn presents_credentials(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(AUTHORIZATION) || headers.contains_key(api_key::HEADER)
}

/// Whether the URL of `req` carries a credential: a credential parameter
/// in its query string ([`credential_in_query`]) or in the matrix
/// parameters of a path segment (`/v1/customers;access_token=..`,
/// RFC 3986 §3.3), which some servers and frameworks read as parameters.
pub(crate) fn credential_in_url(req: &HttpRequest) -> bool {
    credential_in_query(req.query_string())
        || req
            .uri()
            .path()
            .split('/')
            .filter_map(|segment| segment.split_once(';'))
            .any(|(_, params)| credential_in_query(params))
}

/// Whether the query string names a credential parameter (after
/// percent-decoding, case-insensitively). `;` separates parameters as `&`
/// does, as some servers and proxies read it (W3C HTML 4.01 §B.2.2).
pub(crate) fn credential_in_query(query: &str) -> bool {
    query.split(';').any(|part| {
        form_urlencoded::parse(part.as_bytes()).any(|(name, _)| {
            CREDENTIAL_PARAMS
                .iter()
                .any(|c| name.trim().eq_ignore_ascii_case(c))
        })
    })
}

/// Authenticates `req` by the credentials `methods` accepts: a valid bearer
/// JWT or a valid, unexpired API key becomes a [`Principal`].
///
/// A credential of a kind the route does not accept is not looked at: the
/// request is answered as one without credentials.
///
/// # Errors
/// [`Rejection::MissingCredentials`] with no accepted credential;
/// [`Rejection::AmbiguousCredentials`] with both an `Authorization` and an
/// `X-API-Key` header on a route that takes either; [`Rejection::InvalidToken`]
/// for a malformed header, a token that fails any check of [`jwt`], an
/// unknown or expired key.
pub(crate) async fn authenticate(
    req: &HttpRequest,
    config: &SecurityConfig,
    methods: AuthMethods,
) -> Result<Principal, Rejection> {
    let jwt = matches!(methods, AuthMethods::Jwt | AuthMethods::Any);
    let keys = matches!(methods, AuthMethods::ApiKey | AuthMethods::Any);
    let token = if jwt { bearer(req) } else { Bearer::Absent };
    let key = if keys {
        api_key::presented(req)
    } else {
        api_key::Presented::Absent
    };
    match (token, key) {
        (Bearer::Absent, api_key::Presented::Absent) => Err(Rejection::MissingCredentials),
        (Bearer::Absent, api_key::Presented::Key(key)) => verify_api_key(config, key),
        (Bearer::Token(_) | Bearer::Malformed, api_key::Presented::Key(_))
        | (Bearer::Token(_) | Bearer::Malformed, api_key::Presented::Malformed) => {
            Err(Rejection::AmbiguousCredentials)
        }
        (Bearer::Absent, api_key::Presented::Malformed)
        | (Bearer::Malformed, api_key::Presented::Absent) => Err(Rejection::InvalidToken),
        (Bearer::Token(token), api_key::Presented::Absent) => {
            let claims = config.verifier().verify(token).await.map_err(|e| {
                tracing::info!(target: "secure_api::auth", reason = %e, "bearer token rejected");
                Rejection::InvalidToken
            })?;
            Ok(Principal::from_claims(claims, AuthMethod::Jwt))
        }
    }
}

fn verify_api_key(config: &SecurityConfig, key: &str) -> Result<Principal, Rejection> {
    let Some(keys) = config.api_keys() else {
        tracing::info!(target: "secure_api::auth", "API key presented, but no key file is configured");
        return Err(Rejection::InvalidToken);
    };
    keys.current().verify(key).map_err(|e| {
        tracing::info!(target: "secure_api::auth", reason = %e, "API key rejected");
        Rejection::InvalidToken
    })
}

/// The token's `jti`, a non-empty string.
///
/// # Errors
/// [`Rejection::InvalidToken`] when there is none (a one-time route cannot
/// take the token).
fn jti(principal: &Principal) -> Result<&str, Rejection> {
    match principal.claims().get("jti") {
        Some(Value::String(jti)) if !jti.is_empty() => Ok(jti),
        _ => {
            tracing::info!(target: "secure_api::auth", "token without a string `jti` on a one-time route");
            Err(Rejection::InvalidToken)
        }
    }
}

/// Checks, before the body is read, that the token can be spent on a
/// `replay = "jti"` route: it has a `jti` not spent yet. Only
/// [`spend_jti`], just before the handler, spends it.
///
/// # Errors
/// [`Rejection::InvalidToken`] without a `jti`; [`Rejection::ReplayedToken`]
/// for a `jti` already spent.
pub(crate) fn check_jti(
    store: &replay::ReplayStore,
    principal: &Principal,
) -> Result<(), Rejection> {
    if store.spent(jti(principal)?, jwt::unix_now()) {
        tracing::warn!(target: "secure_api::security", "replayed token: its `jti` was already used");
        return Err(Rejection::ReplayedToken);
    }
    Ok(())
}

/// Spends the token's `jti`: accepts it once within the token's lifetime
/// (`exp` plus leeway), for `replay = "jti"` routes. Atomic: of two
/// requests racing with one token, one passes.
///
/// # Errors
/// [`Rejection::InvalidToken`] for a token without a string `jti`;
/// [`Rejection::ReplayedToken`] for a `jti` already spent;
/// [`Rejection::ReplayStoreFull`] when no more can be remembered.
pub(crate) fn spend_jti(
    store: &replay::ReplayStore,
    principal: &Principal,
    leeway: u64,
) -> Result<(), Rejection> {
    let claims = principal.claims();
    let jti = jti(principal)?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .map_or(0, |e| e as u64);
    match store.accept(jti, exp.saturating_add(leeway), jwt::unix_now()) {
        Ok(()) => Ok(()),
        Err(replay::ReplayError::Replayed) => {
            tracing::warn!(target: "secure_api::security", "replayed token: its `jti` was already used");
            Err(Rejection::ReplayedToken)
        }
        Err(replay::ReplayError::Full) => {
            tracing::error!(target: "secure_api::security", "the one-time token store is full; refusing new tokens");
            Err(Rejection::ReplayStoreFull)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_parameters_are_found_in_any_spelling() {
        assert!(credential_in_query("access_token=x"));
        assert!(credential_in_query("limit=5&API_KEY=x"));
        assert!(credential_in_query("acc%65ss_token=x"));
        assert!(credential_in_query("jwt"));
        assert!(credential_in_query("x=1;access_token=y"));
        assert!(!credential_in_query("limit=5&tokens=3"));
        assert!(!credential_in_query(""));
        let url = |uri: &str| {
            credential_in_url(
                &actix_web::test::TestRequest::get()
                    .uri(uri)
                    .to_http_request(),
            )
        };
        assert!(url("/v1/customers?jwt=x"));
        assert!(url("/v1/customers;access_token=x"));
        assert!(url("/v1;a=1;Token=x/customers"));
        assert!(url("/v1/customers;acc%65ss_token=x"));
        assert!(!url("/v1/customers;page=2?limit=5"));
        assert!(!url("/v1/tokens/customers"));
    }

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
