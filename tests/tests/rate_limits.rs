//! Rate limiting in depth: client identity behind proxies, IPv6 grouping,
//! per-route buckets whatever the path spelling, the RateLimit header
//! fields, `burst` and `rate_key`, and failed-authentication lockout.

use actix_web::http::StatusCode;
use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::test::TestRequest;
use actix_web::{App, Responder, get};
use secure_api::{Security, SecurityConfig, secure};
use secure_api_tests::{AUDIENCE, Answer, ISSUER, SECRET, send, token};

secure_api::roles! { admin > editor > viewer; reporting; }

/// 100 per 15 minutes per client IP.
#[secure(public, rate = "100/15m")]
#[get("/catalog")]
async fn catalog() -> impl Responder {
    "catalog"
}

/// 100 per 15 minutes, but only 2 at once.
#[secure(role = "viewer", rate = "100/15m", burst = 2)]
#[get("/bursty")]
async fn bursty() -> impl Responder {
    "bursty"
}

/// Authenticated, but charged per client IP.
#[secure(role = "viewer", rate = "2/1m", rate_key = "ip")]
#[get("/per-ip")]
async fn per_ip() -> impl Responder {
    "per-ip"
}

/// Authenticated, charged per principal.
#[secure(role = "viewer", rate = "2/1m")]
#[get("/per-principal")]
async fn per_principal() -> impl Responder {
    "per-principal"
}

fn config(trusted: &[&str]) -> SecurityConfig {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .trusted_proxies(trusted.iter().filter_map(|t| t.parse().ok()))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn app(
    config: SecurityConfig,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
    Error = actix_web::Error,
> {
    actix_web::test::init_service(
        App::new()
            .service(catalog)
            .service(bursty)
            .service(per_ip)
            .service(per_principal)
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .wrap(Security::new(config)),
    )
    .await
}

fn from(peer: &str, path: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .peer_addr(peer.parse().unwrap_or_else(|e| panic!("{peer}: {e}")))
}

async fn statuses<S>(app: &S, reqs: impl IntoIterator<Item = TestRequest>) -> Vec<Answer>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
            Error = actix_web::Error,
        >,
{
    let mut out = Vec::new();
    for req in reqs {
        out.push(send(app, req).await);
    }
    out
}

#[actix_web::test]
async fn spoofed_forwarding_headers_from_an_untrusted_peer_change_nothing() {
    let app = app(config(&[])).await;
    let answers = statuses(
        &app,
        (0..101).map(|i| {
            from("192.0.2.10:4000", "/catalog")
                .insert_header(("x-forwarded-for", format!("203.0.113.{}", i % 250)))
        }),
    )
    .await;
    assert!(answers[..100].iter().all(|a| a.status == StatusCode::OK));
    let last = &answers[100];
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(last.header("content-type"), "application/problem+json");
    let retry: u64 = last.header("retry-after").parse().unwrap_or(0);
    assert!((1..=9).contains(&retry), "{retry}");
    assert_eq!(last.header("ratelimit-policy"), "\"default\";q=100;w=900");
    assert_eq!(last.header("ratelimit"), "\"default\";r=0;t=900");
    assert_eq!(last.header("x-content-type-options"), "nosniff");
    assert_eq!(last.header("cache-control"), "no-store");
}

#[actix_web::test]
async fn every_response_of_a_limited_route_carries_the_ratelimit_fields() {
    let app = app(config(&[])).await;
    let first = send(&app, from("192.0.2.11:4000", "/catalog")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("ratelimit-policy"), "\"default\";q=100;w=900");
    assert_eq!(first.header("ratelimit"), "\"default\";r=99;t=9");
    let second = send(&app, from("192.0.2.11:4000", "/catalog")).await;
    assert_eq!(second.header("ratelimit"), "\"default\";r=98;t=18");
    // A refusal after the charge (403 here) carries them too.
    let forbidden = send(
        &app,
        from("192.0.2.11:4000", "/per-principal").insert_header((
            "authorization",
            format!("Bearer {}", token("u", &["reporting"])),
        )),
    )
    .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.header("ratelimit-policy"), "\"default\";q=2;w=60");
}

#[actix_web::test]
async fn behind_trusted_proxies_the_key_is_the_first_untrusted_hop() {
    let app = app(config(&["10.0.0.0/8"])).await;
    let via = |header: (&'static str, &'static str)| {
        from("10.0.0.1:5000", "/catalog").insert_header(header)
    };
    // 198.51.100.7 spends its 100 through spoofed prefixes and hops with ports.
    for i in 0..100 {
        let req = match i % 3 {
            0 => via(("x-forwarded-for", "198.51.100.7, 10.0.0.2")),
            1 => via(("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2")),
            _ => via((
                "x-forwarded-for",
                "6.6.6.6, 198.51.100.7:40000, [::ffff:10.0.0.2]:443",
            )),
        };
        assert_eq!(send(&app, req).await.status, StatusCode::OK, "request {i}");
    }
    let refused = send(&app, via(("x-forwarded-for", "198.51.100.7"))).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy, and the proxy itself, are untouched.
    assert_eq!(
        send(&app, via(("x-forwarded-for", "198.51.100.8, 10.0.0.2")))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, from("10.0.0.1:5000", "/catalog")).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn only_the_configured_forwarding_header_is_believed() {
    // Default: X-Forwarded-For. A client-sent `Forwarded` that the proxy
    // passed through untouched cannot pick the key.
    let xff = app(config(&["10.0.0.0/8"])).await;
    for i in 0..101 {
        let req = from("10.0.0.1:5000", "/catalog")
            .insert_header(("x-forwarded-for", "198.51.100.9"))
            .insert_header(("forwarded", format!("for=203.0.113.{}", i % 250)));
        let status = send(&xff, req).await.status;
        assert_eq!(
            status,
            if i < 100 {
                StatusCode::OK
            } else {
                StatusCode::TOO_MANY_REQUESTS
            },
            "request {i}"
        );
    }
    // Configured for RFC 7239 `Forwarded`: `for=` nodes with ports and brackets.
    let forwarded = SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .trusted_proxies(["10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}"))])
        .forwarded_header(secure_api::ForwardedHeader::Forwarded)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let rfc7239 = app(forwarded).await;
    for i in 0..101 {
        let req = from("10.0.0.1:5000", "/catalog")
            .insert_header(("x-forwarded-for", format!("203.0.113.{}", i % 250)))
            .insert_header((
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2",
            ));
        let status = send(&rfc7239, req).await.status;
        assert_eq!(
            status,
            if i < 100 {
                StatusCode::OK
            } else {
                StatusCode::TOO_MANY_REQUESTS
            },
            "request {i}"
        );
    }
}

#[actix_web::test]
async fn one_ipv6_slash_64_is_one_client() {
    let app = app(config(&[])).await;
    let answers = statuses(
        &app,
        (0..101).map(|i| from(&format!("[2001:db8:7:7:{i:x}::1]:4000"), "/catalog")),
    )
    .await;
    assert!(answers[..100].iter().all(|a| a.status == StatusCode::OK));
    assert_eq!(answers[100].status, StatusCode::TOO_MANY_REQUESTS);
    // The next /64 is another client; IPv4-mapped IPv6 is its IPv4 address.
    assert_eq!(
        send(&app, from("[2001:db8:7:8::1]:4000", "/catalog"))
            .await
            .status,
        StatusCode::OK
    );
    for _ in 0..100 {
        send(&app, from("192.0.2.77:4000", "/catalog")).await;
    }
    assert_eq!(
        send(&app, from("[::ffff:192.0.2.77]:4000", "/catalog"))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn every_path_spelling_is_charged_to_the_same_handler() {
    let app = app(config(&[])).await;
    let t = token("alice", &["viewer"]);
    let get = |path: &str| {
        from("192.0.2.12:4000", path).insert_header(("authorization", format!("Bearer {t}")))
    };
    assert_eq!(
        send(&app, get("/per-principal")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get("/per-principal/")).await.status,
        StatusCode::OK
    );
    let third = send(&app, get("//per-principal//")).await;
    assert_eq!(
        third.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        third.body
    );
}

#[actix_web::test]
async fn burst_overrides_the_count_and_rate_key_selects_the_bucket() {
    let app = app(config(&[])).await;
    let as_user = |user: &str, path: &str| {
        from("192.0.2.13:4000", path).insert_header((
            "authorization",
            format!("Bearer {}", token(user, &["viewer"])),
        ))
    };
    assert_eq!(
        send(&app, as_user("a", "/bursty")).await.status,
        StatusCode::OK
    );
    let second = send(&app, as_user("a", "/bursty")).await;
    assert_eq!(
        (second.status, second.header("ratelimit")),
        (StatusCode::OK, "\"default\";r=0;t=18")
    );
    assert_eq!(
        send(&app, as_user("a", "/bursty")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // rate_key = "ip": two principals on one address share the bucket...
    assert_eq!(
        send(&app, as_user("a", "/per-ip")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, as_user("b", "/per-ip")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, as_user("c", "/per-ip")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...while per principal each has their own.
    for user in ["a", "b", "c"] {
        assert_eq!(
            send(&app, as_user(user, "/per-principal")).await.status,
            StatusCode::OK,
            "{user}"
        );
    }
}

/// A CORS preflight is answered before routing; one that presents
/// credentials from a locked-out client gets the 429 all the same.
#[actix_web::test]
async fn a_preflight_with_credentials_from_a_locked_out_client_gets_429() {
    let config = SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .cors(secure_api::CorsPolicy::allow_origins([
            "https://app.example.test",
        ]))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(config).await;
    let preflight = |authorization: Option<&str>| {
        let req = from("192.0.2.60:1", "/per-principal")
            .method(actix_web::http::Method::OPTIONS)
            .insert_header(("origin", "https://app.example.test"))
            .insert_header(("access-control-request-method", "GET"));
        match authorization {
            Some(a) => req.insert_header(("authorization", a.to_owned())),
            None => req,
        }
    };
    for _ in 0..20 {
        let bad = from("192.0.2.60:1", "/per-principal")
            .insert_header(("authorization", "Bearer not.a.token"));
        assert_eq!(send(&app, bad).await.status, StatusCode::UNAUTHORIZED);
    }
    let a = send(&app, preflight(Some("Bearer not.a.token"))).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.json()["status"], 429);
    // A preflight as browsers send it, without credentials, is answered.
    assert_eq!(send(&app, preflight(None)).await.status, StatusCode::OK);
}

/// A request from `n`'s own address behind the trusted proxy 10.0.0.1.
fn through_proxy(n: u32, path: &str) -> TestRequest {
    let [_, a, b, c] = n.to_be_bytes();
    from("10.0.0.1:1", path).insert_header(("x-forwarded-for", format!("100.{a}.{b}.{c}")))
}

/// Ten clients that took no part in a flood: none gets 429 on its first
/// credentialed request, nor on its first request of the public route
/// (whose bucket is full: `r=99`).
async fn bystanders_are_served<S>(app: &S)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
            Error = actix_web::Error,
        >,
{
    for n in 0..10u32 {
        let fresh = format!("198.51.100.{n}");
        let with_token = from("10.0.0.1:1", "/per-principal")
            .insert_header(("x-forwarded-for", fresh.clone()))
            .insert_header((
                "authorization",
                format!("Bearer {}", token(&format!("bystander-{n}"), &["viewer"])),
            ));
        assert_eq!(
            send(app, with_token).await.status,
            StatusCode::OK,
            "{fresh}"
        );
        let public =
            from("10.0.0.1:1", "/catalog").insert_header(("x-forwarded-for", fresh.clone()));
        let answer = send(app, public).await;
        assert_eq!(answer.status, StatusCode::OK, "{fresh}");
        assert_eq!(
            answer.header("ratelimit"),
            "\"default\";r=99;t=9",
            "{fresh}"
        );
    }
}

#[actix_web::test]
async fn a_flood_of_failed_authentications_from_new_addresses_never_locks_out_a_bystander() {
    // 150,000 distinct addresses behind a trusted proxy, each failing
    // authentication once: more than the 100,000 clients the lock-out
    // tracks.
    let app = app(config(&["10.0.0.1/32"])).await;
    for n in 0..150_000u32 {
        let bad = through_proxy(n, "/per-principal")
            .insert_header(("authorization", "Bearer not.a.token"))
            .to_request();
        let res = actix_web::test::call_service(&app, bad).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "flood request {n}");
    }
    bystanders_are_served(&app).await;
}

#[actix_web::test]
async fn a_flood_of_new_addresses_on_a_limited_route_never_gets_a_bystander_429() {
    // 15,000 distinct addresses, each spending one request of the public
    // route's quota, against a cap of 10,000 tracked keys per route.
    let config = SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .trusted_proxies(["10.0.0.1/32".parse().unwrap_or_else(|e| panic!("{e}"))])
        .max_rate_keys(10_000)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(config).await;
    for n in 0..15_000u32 {
        let res =
            actix_web::test::call_service(&app, through_proxy(n, "/catalog").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "flood request {n}");
    }
    bystanders_are_served(&app).await;
}

#[actix_web::test]
async fn too_many_failed_authentications_lock_the_client_out() {
    let app = app(config(&[])).await;
    let bad = |peer: &str| {
        from(peer, "/per-principal").insert_header(("authorization", "Bearer not.a.token"))
    };
    let good = |peer: &str| {
        from(peer, "/per-principal").insert_header((
            "authorization",
            format!("Bearer {}", token("u", &["viewer"])),
        ))
    };
    for i in 0..20 {
        assert_eq!(
            send(&app, bad("192.0.2.50:1")).await.status,
            StatusCode::UNAUTHORIZED,
            "failure {i}"
        );
    }
    // Past 20 failures in the window: every credentialed request, valid or not, gets 429.
    let locked = send(&app, good("192.0.2.50:2")).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked
            .header("retry-after")
            .parse::<u64>()
            .is_ok_and(|s| (1..=60).contains(&s))
    );
    assert_eq!(
        send(&app, bad("192.0.2.50:3")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // On every path: one no route matches, and a method the path refuses.
    let token = format!("Bearer {}", token("u", &["viewer"]));
    for req in [
        from("192.0.2.50:5", "/nowhere"),
        from("192.0.2.50:5", "/per-principal").method(actix_web::http::Method::PUT),
    ] {
        let locked = send(&app, req.insert_header(("authorization", token.clone()))).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.body
        );
        assert_eq!(locked.json()["status"], 429);
        assert!(locked.header("retry-after").parse::<u64>().is_ok());
    }
    // Requests without credentials are neither counted nor refused with 429.
    assert_eq!(
        send(&app, from("192.0.2.50:4", "/per-principal"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, from("192.0.2.50:4", "/catalog")).await.status,
        StatusCode::OK
    );
    // Other clients are unaffected.
    assert_eq!(
        send(&app, good("192.0.2.51:1")).await.status,
        StatusCode::OK
    );
}
