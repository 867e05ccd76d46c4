//! Cases found by an independent review of one-time tokens, handler
//! panics, log scrubbing, the alert detector under a flood, and
//! `Authorization` together with `X-API-Key`; each is kept as a test.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, Responder, get, post, web};
use secure_api::alert::AlertPolicy;
use secure_api::{Security, SecurityConfig, secure};
use secure_api_tests::KeptAlerts;
use secure_api_tests::logs::Captured;
use secure_api_tests::{AUDIENCE, ISSUER, SECRET, claims, hs256, send};
use serde_json::{Value, json};

secure_api::roles! { admin > editor > viewer; }

#[secure(public)]
#[get("/open")]
async fn open() -> impl Responder {
    "open"
}

#[secure(public, rate = "100/1m")]
#[get("/boom")]
async fn boom() -> impl Responder {
    #[allow(clippy::panic)]
    {
        panic!("handler bug");
    }
    #[allow(unreachable_code)]
    "never"
}

#[secure(role = "editor", replay = "jti", unvalidated(body))]
#[post("/once-body")]
async fn once_body(body: web::Json<Value>) -> impl Responder {
    HttpResponse::Ok().json(body.into_inner())
}

#[secure(role = "viewer", replay = "jti")]
#[post("/once-boom")]
async fn once_boom() -> impl Responder {
    #[allow(clippy::panic)]
    {
        panic!("bug");
    }
    #[allow(unreachable_code)]
    "never"
}

#[secure(auth = "any", role = "admin", api_key_role = "viewer")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(open)
        .service(boom)
        .service(once_body)
        .service(once_boom)
        .service(reports);
}

fn builder() -> secure_api::SecurityConfigBuilder {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
}

async fn app(
    security: Security,
) -> impl Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>
{
    test::init_service(App::new().configure(routes).wrap(security)).await
}

// ---------------------------------------------------------- scrub: leaks

#[actix_web::test]
async fn secrets_in_odd_places_are_scrubbed() {
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.SECRETSIGNATURExyz";
    let (logs, _guard) = Captured::install();
    let cases = [
        // JWT with its dots percent-encoded, in a non-secret parameter.
        ("enc-dot", format!("/open?q={}", jwt.replace('.', "%2E"))),
        // JWT whose `J` is percent-encoded, in the path.
        ("enc-j", format!("/open/ey%4A{}", &jwt[3..])),
        // Bracketed / prefixed secret names (Rails, PHP, common forms).
        (
            "bracket",
            "/open?user%5Bpassword%5D=SECRETSIGNATURExyz".to_owned(),
        ),
        (
            "prefixed",
            "/open?new_password=SECRETSIGNATURExyz".to_owned(),
        ),
        // Matrix parameter in the path (`;` separates parameters).
        ("matrix", "/open;password=SECRETSIGNATURExyz".to_owned()),
    ];
    let mut leaked = Vec::new();
    for (id, uri) in &cases {
        let req = TestRequest::get()
            .uri(uri)
            .insert_header(("x-request-id", *id));
        let _ = send(&app, req).await;
        let line = logs.audit_of(id);
        if line["path"]
            .as_str()
            .unwrap_or("")
            .contains("SECRETSIGNATURE")
        {
            leaked.push(format!("{id}: {}", line["path"]));
        }
    }
    assert!(
        leaked.is_empty(),
        "secrets in audit paths:\n{}",
        leaked.join("\n")
    );
}

/// No slicing panic in the scrubber for any mix of multi-byte characters.
#[test]
fn scrubber_never_panics() {
    let alphabet: Vec<&str> = vec![
        "e", "s", "eyJ", "sapi_", ".", "=", "&", ";", "%", "%2E", "é", "€", "𝄞", "\u{202e}", "\n",
        "a", "0", "-", "_", "token", "password",
    ];
    let mut seed: u64 = 0x1234_5678_9abc_def0;
    for _ in 0..50_000 {
        let mut s = String::new();
        let n = (seed % 40) as usize;
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        seed = seed.wrapping_add(1);
        let _ = secure_api::scrub::shapes(&s);
        let _ = secure_api::scrub::query(&s);
        let _ = secure_api::scrub::escape(&s);
    }
}

// ------------------------------------------------------------ alerts

/// Flood subjects that each fail twice, and a brute-forcer that fails once
/// between two new flood sources: it still raises its alert (a newcomer
/// takes over the evicted subject's count).
#[actix_web::test]
async fn a_brute_forcer_cannot_hide_behind_flood_sources() {
    let sink = KeptAlerts::default();
    let config = builder()
        .auth_failure_limit(100_000, 60)
        .alerts(AlertPolicy::default().sink(sink.clone()))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(Security::new(config)).await;
    let fail = |ip: [u8; 4]| {
        TestRequest::get()
            .uri("/reports")
            .peer_addr(SocketAddr::from((ip, 1)))
            .insert_header(("authorization", "Bearer not.a.token"))
            .to_request()
    };
    let ip_of = |i: u32| [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
    for i in 0..10_000u32 {
        for _ in 0..2 {
            assert_eq!(test::call_service(&app, fail(ip_of(i))).await.status(), 401);
        }
    }
    let mut worst = Duration::ZERO;
    for n in 0..40u32 {
        let t = Instant::now();
        assert_eq!(
            test::call_service(&app, fail([198, 51, 100, 7]))
                .await
                .status(),
            401
        );
        worst = worst.max(t.elapsed());
        // One new flood source per attempt.
        assert_eq!(
            test::call_service(&app, fail(ip_of(20_000 + n)))
                .await
                .status(),
            401
        );
    }
    eprintln!("worst latency of a failing request with a full detector: {worst:?}");
    assert_eq!(
        sink.len(),
        1,
        "40 authentication failures from 198.51.100.7 (threshold 20) raised no alert"
    );
}

// ------------------------------------------------------------ replay

fn editor_jti(jti: &str) -> String {
    let mut c = claims("alice", &["editor"]);
    c["jti"] = json!(jti);
    hs256(&c)
}

/// Two requests racing with one token through body extraction: exactly one
/// reaches the handler.
#[actix_web::test]
async fn concurrent_uses_of_a_one_time_token_pass_once() {
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let t = editor_jti("race-1");
    let req = || {
        TestRequest::post()
            .uri("/once-body")
            .insert_header(("authorization", format!("Bearer {t}")))
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"amount\":5}")
            .to_request()
    };
    let futs: Vec<_> = (0..8).map(|_| test::call_service(&app, req())).collect();
    let statuses: Vec<u16> = futures_util::future::join_all(futs)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

/// A token without a `jti` on a one-time route with a bad body: the
/// contract says authentication failures are 401 before the body is read.
#[actix_web::test]
async fn a_token_without_jti_is_answered_before_the_body() {
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let t = hs256(&claims("alice", &["editor"]));
    let req = TestRequest::post()
        .uri("/once-body")
        .insert_header(("authorization", format!("Bearer {t}")))
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"amount\":");
    let a = send(&app, req).await;
    eprintln!("no-jti token + malformed body: {}", a.status);
    assert_eq!(
        a.status, 401,
        "no-jti token + malformed body answered {}",
        a.status
    );
}

// ------------------------------------------------------------ panics

#[actix_web::test]
async fn a_panicking_handler_answers_a_full_500_and_the_app_lives_on() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    for i in 0..3 {
        let id = format!("boom-{i}");
        let a = send(
            &app,
            TestRequest::get()
                .uri("/boom")
                .insert_header(("x-request-id", id.as_str())),
        )
        .await;
        assert_eq!(a.status, 500);
        assert_eq!(a.header("content-type"), "application/problem+json");
        assert_eq!(a.header("x-content-type-options"), "nosniff");
        assert_eq!(a.header("cache-control"), "no-store");
        assert!(!a.header("ratelimit").is_empty(), "no RateLimit header");
        assert_eq!(a.json()["status"], 500);
        assert!(!a.body.contains("handler bug"));
        let line = logs.audit_of(&id);
        assert_eq!(line["outcome"], "error");
        assert_eq!(line["status"], 500);
    }
    assert_eq!(
        send(&app, TestRequest::get().uri("/open")).await.status,
        200
    );
    // A one-time token whose handler panicked is spent (documented: spent
    // before the handler).
    let mut c = claims("bob", &["viewer"]);
    c["jti"] = json!("boom-jti");
    let t = hs256(&c);
    let r = || {
        TestRequest::post()
            .uri("/once-boom")
            .insert_header(("authorization", format!("Bearer {t}")))
    };
    assert_eq!(send(&app, r()).await.status, 500);
    assert_eq!(send(&app, r()).await.status, 401);
}

// ------------------------------------------- Authorization + X-API-Key

#[actix_web::test]
async fn any_authorization_with_an_api_key_is_400() {
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    for auth in [
        "Basic dXNlcjpwYXNz",
        "Bearer abc.def.ghi",
        "Bearer",
        "",
        "Digest x",
        "bearer  a b",
    ] {
        let req = TestRequest::get()
            .uri("/reports")
            .insert_header(("authorization", auth))
            .insert_header(("x-api-key", "sapi_whatever"));
        let a = send(&app, req).await;
        assert_eq!(a.status, 400, "{auth:?}");
        assert_eq!(a.header("content-type"), "application/problem+json");
    }
    // Malformed key + bearer too.
    let req = TestRequest::get()
        .uri("/reports")
        .insert_header(("authorization", "Bearer abc.def.ghi"))
        .insert_header(("x-api-key", ""));
    assert_eq!(send(&app, req).await.status, 400);
}
