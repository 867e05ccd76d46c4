//! HTTPS: whether a request arrived over it (a TLS listener, or a trusted
//! proxy that says so, RFC 7239 §5.4), and the plain HTTP listener's
//! answer: 308 to HTTPS, or 403 for credentials sent in clear
//! (RFC 6750 §5.3).

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

use crate::audit::{Outcome, SecurityEvent, note};
use crate::auth::bearer::{credential_in_url, presents_credentials};
use crate::client_ip::{ForwardedHeader, is_trusted};
use crate::config::SecurityConfig;
use crate::headers::HttpsAuthority;
use crate::problem::Problem;

/// Whether `req` arrived over HTTPS: a TLS listener, or a trusted proxy's
/// `Forwarded: proto=https` (RFC 7239 §5.4) or `X-Forwarded-Proto: https`.
/// From anyone else those headers are ignored.
pub(super) fn is_https(req: &HttpRequest, config: &SecurityConfig) -> bool {
    if req.app_config().secure() {
        return true;
    }
    let from_trusted = req
        .peer_addr()
        .is_some_and(|p| is_trusted(p.ip(), config.trusted_proxies()));
    from_trusted && forwarded_proto_is_https(req.headers(), config.limits().forwarded_header)
}

/// Whether the one forwarding header the trusted proxies write (the same
/// one the client IP is read from, [`ForwardedHeader`]) says every hop
/// used HTTPS: each `X-Forwarded-Proto` value is `https`, or each
/// `Forwarded` element has `proto=https`. The other header is ignored, as a
/// client can pass it through a proxy that does not rewrite it. One hop in
/// clear, an element without a protocol, or no header at all: plain HTTP.
fn forwarded_proto_is_https(headers: &HeaderMap, header: ForwardedHeader) -> bool {
    let (name, proto_of): (_, fn(&str) -> Option<&str>) = match header {
        ForwardedHeader::XForwardedFor => ("x-forwarded-proto", |v| Some(v.trim())),
        ForwardedHeader::Forwarded => (header::FORWARDED.as_str(), |element| {
            element.split(';').find_map(|pair| {
                let (name, proto) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("proto")
                    .then(|| proto.trim().trim_matches('"'))
            })
        }),
    };
    let mut seen = false;
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        for element in value.split(',') {
            if !proto_of(element).is_some_and(|p| p.eq_ignore_ascii_case("https")) {
                return false;
            }
            seen = true;
        }
    }
    seen
}

/// Whether `req` carries a credential: an `Authorization` or `X-API-Key`
/// header, or a credential parameter in the URL (after percent-decoding).
fn carries_credentials(req: &HttpRequest) -> bool {
    presents_credentials(req) || credential_in_url(req)
}

/// The plain HTTP listener's answer (see [`Security::plain_http`](super::Security::plain_http)): 308 to
/// HTTPS, or 403 logged as a security event.
pub(super) fn plain_http_answer(req: &HttpRequest, authority: &HttpsAuthority) -> HttpResponse {
    let credentials = carries_credentials(req);
    if !credentials && (req.method() == Method::GET || req.method() == Method::HEAD) {
        return HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, https_location(req, authority)))
            .finish();
    }
    note(
        req,
        Outcome::Forbidden,
        Some(if credentials {
            SecurityEvent::CredentialsOverPlainHttp
        } else {
            SecurityEvent::PlainHttpRefused
        }),
    );
    // Logged by its audit line (a security event, the path scrubbed).
    let detail = if credentials {
        "Credentials were sent over plain HTTP and must be considered exposed; this API is served over HTTPS only."
    } else {
        "This API is served over HTTPS only; send the request over HTTPS."
    };
    Problem::new(StatusCode::FORBIDDEN, detail).to_response()
}

/// `https://{authority}` + the request's path and query; `/` for a target
/// that is not in origin form (`*`, RFC 9110 §7.1), or that would not make
/// a valid header value.
fn https_location(req: &HttpRequest, authority: &HttpsAuthority) -> HeaderValue {
    let uri = req.uri();
    let target = match uri.path_and_query() {
        Some(pq) if uri.path().starts_with('/') => pq.as_str(),
        _ => "/",
    };
    HeaderValue::from_str(&format!("https://{authority}{target}"))
        .or_else(|_| HeaderValue::from_str(&format!("https://{authority}/")))
        .unwrap_or_else(|_| HeaderValue::from_static("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderName;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn forwarded_proto_needs_https_on_every_hop_of_the_configured_header() {
        use ForwardedHeader::{Forwarded, XForwardedFor};
        let https = |h: &[(&'static str, &'static str)], which| {
            forwarded_proto_is_https(&headers(h), which)
        };
        assert!(https(
            &[("forwarded", "for=192.0.2.1;proto=https")],
            Forwarded
        ));
        assert!(https(
            &[(
                "forwarded",
                "for=192.0.2.1;Proto=\"HTTPS\", for=10.0.0.1;proto=https"
            )],
            Forwarded
        ));
        assert!(!https(
            &[(
                "forwarded",
                "for=192.0.2.1;proto=https, for=10.0.0.1;proto=http"
            )],
            Forwarded
        ));
        // An element without a protocol is a hop not known to be HTTPS.
        assert!(!https(
            &[("forwarded", "for=1.2.3.4;proto=https, for=5.6.7.8")],
            Forwarded
        ));
        // Only the configured header counts: a client's `Forwarded` cannot
        // outvote the proxy's `X-Forwarded-Proto`, nor the other way round.
        assert!(!https(
            &[("forwarded", "proto=https"), ("x-forwarded-proto", "http")],
            XForwardedFor
        ));
        assert!(!https(
            &[("forwarded", "for=1.2.3.4"), ("x-forwarded-proto", "https")],
            Forwarded
        ));
        assert!(https(
            &[("forwarded", "proto=http"), ("x-forwarded-proto", "https")],
            XForwardedFor
        ));
        assert!(!https(
            &[("x-forwarded-proto", "https, http")],
            XForwardedFor
        ));
        assert!(!https(&[], XForwardedFor));
        assert!(!https(&[], Forwarded));
    }

    #[test]
    fn plain_http_redirect_targets_are_valid_urls() {
        let authority = HttpsAuthority::of(([127, 0, 0, 1], 8443).into());
        let req = actix_web::test::TestRequest::get()
            .uri("/v1/customers?limit=2")
            .to_http_request();
        assert_eq!(
            https_location(&req, &authority),
            "https://127.0.0.1:8443/v1/customers?limit=2"
        );
        let star = actix_web::test::TestRequest::get()
            .uri("*")
            .to_http_request();
        assert_eq!(https_location(&star, &authority), "https://127.0.0.1:8443/");
    }
}
