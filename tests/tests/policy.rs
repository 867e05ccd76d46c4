//! The checks around authentication: credentials in the URL, rate limits,
//! secure headers, problem+json for every error, failing closed.

use actix_web::App;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use secure_api_tests::{config, get_as, send, service, token};

const SECURE_HEADERS: [(&str, &str); 6] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("cross-origin-resource-policy", "same-origin"),
];

#[actix_web::test]
async fn credentials_in_the_query_string_get_400_before_authentication() {
    let app = service(config()).await;
    let t = token("u", &["admin"]);
    for q in [
        "access_token",
        "ACCESS_TOKEN",
        "token",
        "api_key",
        "apikey",
        "jwt",
        "id_token",
        "acc%65ss_token",
    ] {
        let a = send(&app, get_as(&format!("/admin?limit=1&{q}={t}"), &t)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(a.header("content-type"), "application/problem+json");
        assert!(!a.body.contains(&t), "the token is echoed");
        // On public routes too.
        let a = send(&app, TestRequest::get().uri(&format!("/open?{q}=x"))).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{q} on a public route");
    }
    // A parameter that merely resembles one is fine.
    assert_eq!(
        send(&app, get_as("/admin?tokens=1", &t)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_quota_is_per_route_and_per_principal() {
    let app = service(config()).await;
    let alice = token("alice", &["viewer"]);
    for _ in 0..2 {
        assert_eq!(
            send(&app, get_as("/limited-a", &alice)).await.status,
            StatusCode::OK
        );
    }
    let a = send(&app, get_as("/limited-a", &alice)).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.header("content-type"), "application/problem+json");
    let retry: u64 = a.header("retry-after").parse().unwrap_or(0);
    assert!((1..=30).contains(&retry), "Retry-After {retry}");
    for (name, value) in SECURE_HEADERS {
        assert_eq!(a.header(name), value);
    }
    // The other route with the same quota, and another principal, are untouched.
    assert_eq!(
        send(&app, get_as("/limited-b", &alice)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get_as("/limited-a", &token("bob", &["viewer"])))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn public_routes_are_limited_per_client_ip() {
    let app = service(config()).await;
    let from = |ip: &str| {
        TestRequest::get().uri("/limited-open").peer_addr(
            format!("{ip}:40000")
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
        )
    };
    assert_eq!(send(&app, from("192.0.2.1")).await.status, StatusCode::OK);
    assert_eq!(send(&app, from("192.0.2.1")).await.status, StatusCode::OK);
    assert_eq!(
        send(&app, from("192.0.2.1")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // X-Forwarded-For from an untrusted peer changes nothing.
    let spoofed = from("192.0.2.1").insert_header(("x-forwarded-for", "203.0.113.9"));
    assert_eq!(
        send(&app, spoofed).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(send(&app, from("192.0.2.2")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn authentication_comes_before_the_rate_limit() {
    let app = service(config()).await;
    // Unauthenticated requests do not drain the quota of a limited route.
    for _ in 0..5 {
        assert_eq!(
            send(&app, TestRequest::get().uri("/limited-a"))
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        send(&app, get_as("/limited-a", &token("carol", &["viewer"])))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn every_response_carries_the_secure_headers_and_no_hsts_over_plain_http() {
    let app = service(config()).await;
    let t = token("u", &["viewer"]);
    for req in [
        get_as("/me", &t),
        TestRequest::get().uri("/me"),
        get_as("/admin", &t),
        TestRequest::get().uri("/nope"),
        TestRequest::get().uri("/open"),
    ] {
        let a = send(&app, req).await;
        for (name, value) in SECURE_HEADERS {
            assert_eq!(a.header(name), value, "{name} on {}", a.status);
        }
        assert_eq!(
            a.header("strict-transport-security"),
            "",
            "HSTS over plain HTTP"
        );
        assert_eq!(a.header("server"), "");
    }
}

#[actix_web::test]
async fn unknown_paths_and_methods_answer_problem_json() {
    let app = service(config()).await;
    let a = send(&app, TestRequest::get().uri("/nope")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.header("content-type"), "application/problem+json");
    assert_eq!(a.json()["status"], 404);
}

#[actix_web::test]
async fn a_bad_body_after_the_checks_is_a_problem_not_an_echo() {
    let app = service(config()).await;
    let req = get_as("/echo", &token("u", &["editor"]))
        .method(actix_web::http::Method::POST)
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"secret": "hunter2""#);
    let a = send(&app, req).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.header("content-type"), "application/problem+json");
    assert!(!a.body.contains("hunter2"));
    let ok = get_as("/echo", &token("u", &["editor"]))
        .method(actix_web::http::Method::POST)
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"a":1}"#);
    let a = send(&app, ok).await;
    assert_eq!(
        (a.status, a.json()),
        (StatusCode::OK, serde_json::json!({"a": 1}))
    );
}

#[actix_web::test]
async fn without_the_middleware_a_secure_route_fails_closed() {
    let app = test::init_service(App::new().configure(secure_api_tests::routes)).await;
    let res =
        test::call_service(&app, get_as("/admin", &token("u", &["admin"])).to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let res = test::call_service(&app, TestRequest::get().uri("/open").to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

fn behind_proxy() -> secure_api::SecurityConfig {
    let trusted: ipnet::IpNet = "10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}"));
    secure_api::SecurityConfig::builder()
        .realm("customer-api")
        .issuer(secure_api_tests::ISSUER)
        .audience(secure_api_tests::AUDIENCE)
        .jwt_secret(secure_api_tests::SECRET)
        .trusted_proxies([trusted])
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[actix_web::test]
async fn hsts_follows_x_forwarded_proto_only_from_a_trusted_proxy() {
    let app = service(behind_proxy()).await;
    let via = |peer: &str| {
        TestRequest::get()
            .uri("/open")
            .peer_addr(peer.parse().unwrap_or_else(|e| panic!("{e}")))
            .insert_header(("x-forwarded-proto", "https"))
    };
    let trusted = send(&app, via("10.1.2.3:5000")).await;
    assert_eq!(
        trusted.header("strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    let untrusted = send(&app, via("192.0.2.50:5000")).await;
    assert_eq!(untrusted.header("strict-transport-security"), "");
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop() {
    let app = service(behind_proxy()).await;
    let via_proxy = |xff: &str| {
        TestRequest::get()
            .uri("/limited-open")
            .peer_addr("10.0.0.1:5000".parse().unwrap_or_else(|e| panic!("{e}")))
            .insert_header(("x-forwarded-for", xff.to_owned()))
    };
    // The client prepends a spoofed hop; the key is still 198.51.100.7.
    assert_eq!(
        send(&app, via_proxy("198.51.100.7, 10.0.0.2")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, via_proxy("1.2.3.4, 198.51.100.7, 10.0.0.2"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, via_proxy("198.51.100.7")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy has its own bucket.
    assert_eq!(
        send(&app, via_proxy("198.51.100.8, 10.0.0.2")).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn over_https_credentials_in_the_url_are_refused_on_unrouted_paths_too() {
    let app = service(behind_proxy()).await;
    let req = TestRequest::get()
        .uri("/nope?access_token=abc")
        .peer_addr("10.1.2.3:5000".parse().unwrap_or_else(|e| panic!("{e}")))
        .insert_header(("x-forwarded-proto", "https"));
    let a = send(&app, req).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.header("content-type"), "application/problem+json");
    assert_eq!(
        a.header("strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    // One hop in clear, and the request is plain HTTP: no HSTS.
    let mixed = TestRequest::get()
        .uri("/open")
        .peer_addr("10.1.2.3:5000".parse().unwrap_or_else(|e| panic!("{e}")))
        .insert_header(("x-forwarded-proto", "https, http"));
    assert_eq!(
        send(&app, mixed).await.header("strict-transport-security"),
        ""
    );
}
