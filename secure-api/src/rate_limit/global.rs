//! An app-wide limit in front of all routes with `actix_governor::Governor`,
//! keyed by secure-api's client IP (feature `actix-governor`).
//!
//! Layer 3: an adapter built from the [`SecurityConfig`].
//!
//! **Licence:** the `actix-governor` crate is GPL-3.0-or-later. Enabling this
//! feature links it into your program; the default build of secure-api does
//! not depend on it.
//!
//! ```ignore
//! use actix_governor::{Governor, GovernorConfigBuilder};
//! use secure_api::rate_limit::global::ClientIpKey;
//!
//! let limit = GovernorConfigBuilder::default()
//!     .requests_per_second(50)
//!     .burst_size(100)
//!     .key_extractor(ClientIpKey::new(security.config()))
//!     .finish()
//!     .ok_or("bad governor configuration")?;
//! App::new().wrap(Governor::new(&limit)).wrap(security.clone())
//! ```

use std::net::IpAddr;
use std::sync::Arc;

use actix_governor::KeyExtractor;
use actix_web::dev::ServiceRequest;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use governor::NotUntil;
use governor::clock::{Clock, DefaultClock, QuantaInstant};
use ipnet::IpNet;

use crate::client_ip::{ForwardedHeader, bucket_ip, client_ip};
use crate::config::SecurityConfig;
use crate::problem::Problem;
use crate::rejection::Rejection;

/// Keys `actix_governor` buckets by client IP exactly as `#[secure]` routes
/// do: the TCP peer unless it is a trusted proxy (then the right-most
/// untrusted forwarding hop), IPv6 grouped by the configured prefix.
#[derive(Debug, Clone)]
pub struct ClientIpKey {
    trusted: Arc<Vec<IpNet>>,
    header: ForwardedHeader,
    ipv6_prefix_len: u8,
}

impl ClientIpKey {
    /// The extractor for `config`'s trusted proxies and IPv6 prefix length.
    pub fn new(config: &SecurityConfig) -> Self {
        Self {
            trusted: Arc::new(config.trusted_proxies().to_vec()),
            header: config.limits().forwarded_header,
            ipv6_prefix_len: config.limits().ipv6_prefix_len,
        }
    }
}

impl KeyExtractor for ClientIpKey {
    type Key = IpAddr;
    type KeyExtractionError = Problem;

    /// The client IP.
    ///
    /// # Errors
    /// 400 problem+json when the connection has no peer address.
    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, Problem> {
        client_ip(req.request(), &self.trusted, self.header)
            .map(|ip| bucket_ip(ip, self.ipv6_prefix_len))
            .ok_or_else(|| Problem::new(StatusCode::BAD_REQUEST, "The client address is unknown."))
    }

    /// 429 problem+json with `Retry-After` in whole seconds, at least 1.
    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        _: HttpResponseBuilder,
    ) -> HttpResponse {
        let retry_after = negative.wait_time_from(DefaultClock::default().now());
        Rejection::RateLimited { retry_after }
            .problem("")
            .to_response()
    }
}

#[cfg(test)]
mod tests {
    use actix_governor::{Governor, GovernorConfigBuilder};
    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    #[actix_web::test]
    async fn the_global_limit_keys_by_client_ip_and_answers_problem_json() {
        let config = SecurityConfig::builder()
            .issuer("i")
            .audience("a")
            .development_mode(true)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let limit = GovernorConfigBuilder::default()
            .seconds_per_request(60)
            .burst_size(2)
            .key_extractor(ClientIpKey::new(&config))
            .finish()
            .unwrap_or_else(|| panic!("governor configuration"));
        let app = test::init_service(
            App::new()
                .wrap(Governor::new(&limit))
                .route("/", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let from = |ip: &str| {
            test::TestRequest::get()
                .uri("/")
                .peer_addr(
                    format!("{ip}:1000")
                        .parse()
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .to_request()
        };
        for _ in 0..2 {
            assert_eq!(
                test::call_service(&app, from("192.0.2.1")).await.status(),
                StatusCode::OK
            );
        }
        let refused = test::call_service(&app, from("192.0.2.1")).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            refused
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        assert!(refused.headers().contains_key("retry-after"));
        assert_eq!(
            test::call_service(&app, from("192.0.2.2")).await.status(),
            StatusCode::OK
        );
    }
}
