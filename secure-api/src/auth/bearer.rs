//! What credentials a request presents, read without verifying them: the
//! bearer token of `Authorization` (RFC 6750 §2.1), whether an
//! `X-API-Key` or `Authorization` header is there at all, and whether the
//! URL carries a credential (RFC 6750 §5.3).

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

use crate::secret::{API_KEY_HEADER, CREDENTIAL_PARAMS};

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
    parse_bearer_bytes(value.as_bytes())
}

/// The bytes of a b64token (RFC 6750 §2.1), `=` aside.
const B64TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] =
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        b += 1;
    }
    table
};

/// Parses `credentials = "Bearer" 1*SP b64token` (RFC 6750 §2.1), where
/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
#[cfg(test)]
fn parse_bearer(value: &str) -> Bearer<'_> {
    parse_bearer_bytes(value.as_bytes())
}

/// [`parse_bearer`] of a header's bytes, in one pass over the token.
fn parse_bearer_bytes(value: &[u8]) -> Bearer<'_> {
    let Some((scheme, rest)) = value.split_at_checked(6) else {
        return Bearer::Malformed;
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") || rest.first() != Some(&b' ') {
        return Bearer::Malformed;
    }
    let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    let token = &rest[start..];
    let end = token.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let body = &token[..end];
    if body.is_empty() || !body.iter().all(|&b| B64TOKEN[usize::from(b)]) {
        return Bearer::Malformed;
    }
    // Every byte is ASCII now.
    match std::str::from_utf8(token) {
        Ok(token) => Bearer::Token(token),
        Err(_) => Bearer::Malformed,
    }
}

/// Whether `req` presents a credential header: `Authorization` or
/// `X-API-Key`, well-formed or not.
pub(crate) fn presents_credentials(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(AUTHORIZATION) || headers.contains_key(API_KEY_HEADER)
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
