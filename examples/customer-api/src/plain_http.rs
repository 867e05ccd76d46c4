//! The plain HTTP listener. It never serves the API: a `GET` or `HEAD`
//! without credentials is redirected (308) to the same path and query on
//! HTTPS; a request that carries credentials, or uses any other method, is
//! refused with 403 problem+json and logged as a security event, since its
//! credentials or body already crossed the network in clear
//! (RFC 6750 §5.3, OWASP ASVS V9.1).
//!
//! The one exception is a request that a trusted proxy received over HTTPS
//! ([`forwarded_https`]): it counts as HTTPS and is served the API.

use std::net::{IpAddr, SocketAddr};

use actix_web::dev::RequestHead;
use actix_web::http::header::{HeaderValue, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use secure_api::{Problem, SecurityConfig};

/// Query parameter names that carry credentials, compared
/// case-insensitively; the same list the framework refuses on HTTPS.
const CREDENTIAL_PARAMS: [&str; 6] = [
    "access_token",
    "token",
    "api_key",
    "apikey",
    "jwt",
    "id_token",
];

/// Where redirects point: the HTTPS listener's `host:port`.
#[derive(Debug, Clone)]
pub(crate) struct HttpsAuthority(String);

impl HttpsAuthority {
    /// The authority of the HTTPS listener at `addr`: its IP (in brackets
    /// for IPv6) and port; `localhost` when it listens on every address.
    pub(crate) fn of(addr: SocketAddr) -> Self {
        let port = addr.port();
        Self(match addr {
            a if a.ip().is_unspecified() => format!("localhost:{port}"),
            SocketAddr::V4(a) => format!("{}:{port}", a.ip()),
            SocketAddr::V6(a) => format!("[{}]:{port}", a.ip()),
        })
    }

    /// `host:port`.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a trusted proxy received the request over HTTPS:
/// `X-Forwarded-Proto: https` from a peer listed in
/// `SECURE_API_TRUSTED_PROXIES`. From anyone else the header is ignored.
pub(crate) fn forwarded_https(head: &RequestHead, config: &SecurityConfig) -> bool {
    let Some(peer) = head.peer_addr else {
        return false;
    };
    let ip = match peer.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    config.trusted_proxies().iter().any(|net| net.contains(&ip))
        && head
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The listener's answer to every request that is not [`forwarded_https`].
pub(crate) async fn answer(req: HttpRequest, https: web::Data<HttpsAuthority>) -> HttpResponse {
    let carries_credentials = has_credentials(&req);
    if !carries_credentials && (req.method() == Method::GET || req.method() == Method::HEAD) {
        let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        if let Ok(location) = HeaderValue::from_str(&format!("https://{}{target}", https.0)) {
            return HttpResponse::PermanentRedirect()
                .insert_header((LOCATION, location))
                .finish();
        }
    }
    // The path only: the query may hold a credential, which is never logged.
    tracing::warn!(
        target: "customer_api::plain_http",
        security_event = true,
        client_ip = %req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default(),
        method = %req.method(),
        path = req.path(),
        credentials = carries_credentials,
        "refused a request over plain HTTP"
    );
    let detail = if carries_credentials {
        "Credentials were sent over plain HTTP and must be considered exposed; this API is served over HTTPS only."
    } else {
        "This API is served over HTTPS only; send the request over HTTPS."
    };
    Problem::new(StatusCode::FORBIDDEN, detail).to_response()
}

/// Whether `req` carries a credential: an `Authorization` or `X-API-Key`
/// header, or a credential parameter in the query (after percent-decoding).
fn has_credentials(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key("authorization")
        || headers.contains_key("x-api-key")
        || form_urlencoded::parse(req.query_string().as_bytes()).any(|(name, _)| {
            CREDENTIAL_PARAMS
                .iter()
                .any(|c| name.trim().eq_ignore_ascii_case(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn credentials_are_found_in_headers_and_any_spelling_of_the_query() {
        for uri in [
            "/?access_token=x",
            "/?limit=5&API_KEY=x",
            "/?acc%65ss_token=x",
            "/?jwt",
            "/?Id_Token=1",
        ] {
            assert!(
                has_credentials(&TestRequest::get().uri(uri).to_http_request()),
                "{uri}"
            );
        }
        for uri in ["/", "/?limit=5&tokens=3", "/?x=token"] {
            assert!(
                !has_credentials(&TestRequest::get().uri(uri).to_http_request()),
                "{uri}"
            );
        }
        let with_key = TestRequest::get()
            .insert_header(("X-API-Key", "k"))
            .to_http_request();
        assert!(has_credentials(&with_key));
    }

    #[test]
    fn redirects_name_the_https_listener() {
        assert_eq!(
            HttpsAuthority::of(([127, 0, 0, 1], 8443).into()).0,
            "127.0.0.1:8443"
        );
        assert_eq!(
            HttpsAuthority::of(([0, 0, 0, 0], 8443).into()).0,
            "localhost:8443"
        );
        assert_eq!(
            HttpsAuthority::of("[::1]:8443".parse().unwrap_or(([0; 4], 0).into())).0,
            "[::1]:8443"
        );
    }
}
