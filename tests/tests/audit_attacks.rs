//! The audit trail, metrics and alerts under attack (issue 7), in process:
//! each case was found by a review that attacked the first version.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, Responder, get, post, web};
use secure_api::alert::AlertPolicy;
use secure_api::{Metrics, Principal, Security, SecurityConfig, secure};
use secure_api_tests::KeptAlerts;
use secure_api_tests::logs::Captured;
use secure_api_tests::{
    AUDIENCE, ISSUER, SECRET, claims, exposition, hs256, raw_token, send, token,
};
use serde_json::{Value, json};

secure_api::roles! { admin > editor > viewer; }

#[secure(role = "viewer")]
#[get("/me")]
async fn me(who: Principal) -> impl Responder {
    who.subject().to_owned()
}

#[secure(public)]
#[get("/open")]
async fn open() -> impl Responder {
    "open"
}

#[secure(public)]
#[get("/items/{id:\\d+}")]
async fn item(id: web::Path<String>) -> impl Responder {
    id.into_inner()
}

#[secure(role = "editor", unvalidated(body), body_limit = "1KiB")]
#[post("/echo")]
async fn echo(body: web::Json<Value>) -> impl Responder {
    HttpResponse::Ok().json(body.into_inner())
}

#[secure(role = "admin")]
#[get("/metrics")]
async fn serve_metrics(metrics: Metrics) -> HttpResponse {
    metrics.response()
}

#[secure(role = "viewer", replay = "jti")]
#[post("/once")]
async fn once() -> impl Responder {
    "once"
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(me)
        .service(once)
        .service(open)
        .service(item)
        .service(echo)
        .service(serve_metrics);
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

fn from(ip: [u8; 4], id: &str, req: TestRequest) -> TestRequest {
    req.peer_addr(SocketAddr::from((ip, 40_000)))
        .insert_header(("x-request-id", id))
}

/// An attacker that owns many addresses (an IPv6 /48 has 65,536 /64s)
/// keeps 10,000 subjects busy with one failure each; a brute force from a
/// new address still raises its alert (the quietest subjects make room).
#[actix_web::test]
async fn a_full_detector_still_alerts_on_a_new_attacker() {
    let sink = KeptAlerts::default();
    let config = builder()
        .auth_failure_limit(1000, 60)
        .alerts(AlertPolicy::default().sink(sink.clone()))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(Security::new(config)).await;
    for i in 0..10_000u32 {
        let ip = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let req = TestRequest::get()
            .uri("/me")
            .peer_addr(SocketAddr::from((ip, 1)))
            .insert_header(("authorization", "Bearer not.a.token"));
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), 401);
    }
    assert_eq!(sink.len(), 0);
    let (logs, _guard) = Captured::install();
    for i in 0..25 {
        let req = from(
            [198, 51, 100, 7],
            &format!("bf-{i}"),
            TestRequest::get()
                .uri("/me")
                .insert_header(("authorization", "Bearer not.a.token")),
        );
        assert_eq!(send(&app, req).await.status, 401);
    }
    eprintln!("alert events: {:?}", logs.events("secure_api::alert"));
    assert_eq!(
        sink.len(),
        1,
        "25 authentication failures from 198.51.100.7 raised no alert"
    );
}

/// A JWKS URL with a credential query parameter (some endpoints are
/// protected by a `?api_key=` / `?token=`) appears neither in `Debug` of the
/// configuration nor in the JWKS fetch log lines.
#[actix_web::test]
async fn a_secret_in_the_jwks_url_stays_out_of_debug_and_logs() {
    let (logs, _guard) = Captured::install();
    let url = "http://127.0.0.1:9/jwks.json?api_key=JWKS-SECRET-42";
    let b = SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwks_url(url);
    let builder_debug = format!("{b:?}");
    let config = b.build().unwrap_or_else(|e| panic!("{e}"));
    let config_debug = format!("{config:?}");
    let app = app(Security::new(config)).await;
    let t = raw_token(
        &json!({"alg": "RS256", "kid": "k-new", "typ": "JWT"}),
        &claims("c-1", &["viewer"]),
        "c2ln",
    );
    let a = send(
        &app,
        from(
            [203, 0, 113, 1],
            "jwks-1",
            TestRequest::get()
                .uri("/me")
                .insert_header(("authorization", format!("Bearer {t}"))),
        ),
    )
    .await;
    assert_eq!(a.status, 401);
    let text = logs.text();
    let mut leaks = Vec::new();
    if builder_debug.contains("JWKS-SECRET-42") {
        leaks.push("Debug of SecurityConfigBuilder");
    }
    if config_debug.contains("JWKS-SECRET-42") {
        leaks.push("Debug of SecurityConfig");
    }
    for l in text.lines().filter(|l| l.contains("JWKS-SECRET-42")) {
        eprintln!("leaking line: {l}");
        leaks.push("a log line");
    }
    assert!(leaks.is_empty(), "JWKS URL secret in: {leaks:?}");
}

/// `;` separates parameters for some servers: a token after it is refused
/// and never logged.
#[actix_web::test]
async fn a_token_after_a_semicolon_is_refused_and_not_logged() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let t = token("c-1", &["viewer"]);
    let a = send(
        &app,
        from(
            [203, 0, 113, 1],
            "semi-1",
            TestRequest::get().uri(&format!("/open?x=1;access_token={t}")),
        ),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(logs.audit_of("semi-1")["outcome"], "invalid_input");
    assert!(!logs.text().contains(&t), "token in the audit path");
    // A credential name with no value of its own: a parser that splits on
    // `&` only reads what follows as its value.
    for (id, query) in [
        ("semi-2", "access_token;=opaque-secret-1"),
        ("semi-3", "token;x=opaque-secret-2"),
    ] {
        let a = send(
            &app,
            from(
                [203, 0, 113, 1],
                id,
                TestRequest::get().uri(&format!("/open?{query}&page=2")),
            ),
        )
        .await;
        assert_eq!(a.status, 400, "{query}");
        let path = logs.audit_of(id)["path"].clone();
        assert!(
            path.as_str()
                .is_some_and(|p| p.ends_with("=[REDACTED]&page=2")),
            "{path}"
        );
    }
    assert!(!logs.text().contains("opaque-secret"), "{}", logs.text());
}

/// With CORS, a credential in the URL is refused and audited whether CORS
/// answers the request itself (a preflight) or passes it on; the refusal
/// of a real request carries the CORS headers.
#[actix_web::test]
async fn a_credential_in_the_url_is_refused_around_cors() {
    const ORIGIN: &str = "https://app.example.test";
    let (logs, _guard) = Captured::install();
    let config = builder()
        .cors(secure_api::CorsPolicy::allow_origins([ORIGIN]))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(Security::new(config)).await;
    let preflight = TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/me?access_token=opaque-1")
        .insert_header(("origin", ORIGIN))
        .insert_header(("access-control-request-method", "GET"));
    let get = TestRequest::get()
        .uri("/me?access_token=opaque-2")
        .insert_header(("origin", ORIGIN));
    // A matrix parameter is a parameter too, to some servers.
    let matrix = TestRequest::get()
        .uri("/me;access_token=opaque-3")
        .insert_header(("origin", ORIGIN));
    for (id, req, cors_headers, path) in [
        ("cors-pre", preflight, false, "/me?access_token=[REDACTED]"),
        ("cors-get", get, true, "/me?access_token=[REDACTED]"),
        ("cors-matrix", matrix, true, "/me;access_token=[REDACTED]"),
    ] {
        let a = send(&app, from([203, 0, 113, 9], id, req)).await;
        assert_eq!(a.status, 400, "{id}: {}", a.body);
        assert_eq!(a.json()["status"], 400, "{id}");
        assert_eq!(
            a.headers.contains_key("access-control-allow-origin"),
            cors_headers,
            "{id}"
        );
        let line = logs.audit_of(id);
        assert_eq!(line["security_event_kind"], "credential_in_url", "{id}");
        assert_eq!(line["path"], path, "{id}");
    }
    assert!(!logs.text().contains("opaque-"));
}

/// Unicode format characters (bidi overrides, zero-width) in a `sub` are
/// escaped, so a log viewer cannot be shown a reordered principal.
#[actix_web::test]
async fn bidi_controls_in_a_subject_are_escaped() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let sub = "user\u{202E}nimda\u{202C}\u{200B}\u{FEFF}\u{61C}";
    let t = hs256(&claims(sub, &["viewer"]));
    let a = send(
        &app,
        from(
            [203, 0, 113, 1],
            "bidi-1",
            TestRequest::get()
                .uri("/me")
                .insert_header(("authorization", format!("Bearer {t}"))),
        ),
    )
    .await;
    assert_eq!(a.status, 200);
    let raw = logs
        .text()
        .lines()
        .find(|l| l.contains("bidi-1"))
        .map(str::to_owned)
        .unwrap_or_default();
    let bad: Vec<String> = raw
        .chars()
        .filter(|c| matches!(*c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{61C}'))
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect();
    assert!(bad.is_empty(), "raw format characters in the line: {bad:?}");
}

/// Random paths, methods and request ids must not create new label values;
/// the exposition must stay valid with a regex route pattern.
#[actix_web::test]
async fn metrics_labels_stay_bounded_and_valid() {
    let (logs, _guard) = Captured::install();
    let security = Security::new(builder().build().unwrap_or_else(|e| panic!("{e}")));
    let metrics = security.metrics();
    let app = app(security).await;
    for i in 0..200u32 {
        let method = Method::from_bytes(format!("X{i}M").as_bytes()).unwrap_or(Method::GET);
        let req = from(
            [203, 0, 113, 1],
            &format!("rid-{i}"),
            TestRequest::default()
                .method(method)
                .uri(&format!("/rand{i}/{i}?q={i}")),
        );
        send(&app, req).await;
        send(
            &app,
            from(
                [203, 0, 113, 1],
                &format!("it-{i}"),
                TestRequest::get().uri(&format!("/items/{i}")),
            ),
        )
        .await;
        send(
            &app,
            from(
                [203, 0, 113, 1],
                &format!("ix-{i}"),
                TestRequest::get().uri(&format!("/items/x{i}")),
            ),
        )
        .await;
        send(
            &app,
            from(
                [203, 0, 113, 1],
                &format!("im-{i}"),
                TestRequest::delete().uri(&format!("/items/{i}")),
            ),
        )
        .await;
    }
    // HEAD, OPTIONS (no CORS) and a 405 each have exactly one line.
    for (id, m) in [
        ("h-1", Method::HEAD),
        ("o-1", Method::OPTIONS),
        ("p-1", Method::PUT),
    ] {
        let a = send(
            &app,
            from(
                [203, 0, 113, 1],
                id,
                TestRequest::default().method(m).uri("/open"),
            ),
        )
        .await;
        let line = logs.audit_of(id);
        eprintln!("{id}: {} {} {}", a.status, line["outcome"], line["route"]);
    }
    let text = metrics.render();
    let samples = exposition::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut label_sets = BTreeSet::new();
    for s in samples
        .iter()
        .filter(|s| s.name == "secure_api_requests_total")
    {
        label_sets.insert(format!("{:?}", s.labels));
    }
    for l in &label_sets {
        eprintln!("{l}");
    }
    assert!(label_sets.len() < 15, "{} label sets", label_sets.len());
}

/// Request ids: exactly 64 safe characters kept, 65 or unsafe replaced, two
/// headers replaced; the same id may be reused by any client.
#[actix_web::test]
async fn request_id_rules() {
    let (_logs, _guard) = Captured::install();
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let ok64 = "a".repeat(64);
    let a = send(
        &app,
        from([203, 0, 113, 1], &ok64, TestRequest::get().uri("/open")),
    )
    .await;
    assert_eq!(a.header("x-request-id"), ok64);
    for bad in [
        "a".repeat(65),
        "a b".into(),
        "a/b".into(),
        "é".into(),
        "a\"b".into(),
    ] {
        let req = TestRequest::get().uri("/open").insert_header((
            "x-request-id",
            actix_web::http::header::HeaderValue::from_bytes(bad.as_bytes())
                .unwrap_or_else(|e| panic!("{e}")),
        ));
        let a = send(&app, req).await;
        assert_ne!(a.header("x-request-id"), bad);
        assert_eq!(a.header("x-request-id").len(), 36);
    }
    let req = TestRequest::get()
        .uri("/open")
        .append_header(("x-request-id", "one"))
        .append_header(("x-request-id", "two"));
    let a = send(&app, req).await;
    assert_eq!(a.header("x-request-id").len(), 36);
}

/// X-Forwarded-For from an untrusted peer is ignored; from a trusted proxy
/// the right-most untrusted hop is the client.
#[actix_web::test]
async fn client_ip_resists_spoofing() {
    let (logs, _guard) = Captured::install();
    let app1 = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    send(
        &app1,
        from(
            [203, 0, 113, 1],
            "xff-1",
            TestRequest::get()
                .uri("/open")
                .insert_header(("x-forwarded-for", "1.2.3.4"))
                .insert_header(("forwarded", "for=5.6.7.8")),
        ),
    )
    .await;
    assert_eq!(logs.audit_of("xff-1")["client_ip"], "203.0.113.1");
    let proxy: ipnet::IpNet = "10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}"));
    let app2 = app(Security::new(
        builder()
            .trusted_proxies([proxy])
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    send(
        &app2,
        from(
            [10, 0, 0, 1],
            "xff-2",
            TestRequest::get()
                .uri("/open")
                .insert_header(("x-forwarded-for", "1.2.3.4, 198.51.100.9, 10.0.0.7")),
        ),
    )
    .await;
    assert_eq!(logs.audit_of("xff-2")["client_ip"], "198.51.100.9");
}

/// A 413 (by Content-Length) and a 415 are audited once, with the principal.
#[actix_web::test]
async fn body_refusals_are_audited() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let ed = token("ed-1", &["editor"]);
    let a = send(
        &app,
        from(
            [203, 0, 113, 1],
            "big-1",
            TestRequest::post()
                .uri("/echo")
                .insert_header(("authorization", format!("Bearer {ed}")))
                .insert_header(("content-type", "application/json"))
                .set_payload(format!("[\"{}\"]", "x".repeat(5000))),
        ),
    )
    .await;
    assert_eq!(a.status, 413);
    let l = logs.audit_of("big-1");
    assert_eq!(
        (&l["outcome"], &l["principal"]),
        (&json!("invalid_input"), &json!("ed-1"))
    );
}

/// An extension method of 20,000 characters is cut in the line.
#[actix_web::test]
async fn a_long_method_is_cut_in_the_log() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let m = "M".repeat(20_000);
    send(
        &app,
        from(
            [203, 0, 113, 1],
            "lm-1",
            TestRequest::default()
                .method(Method::from_bytes(m.as_bytes()).unwrap_or(Method::GET))
                .uri("/open"),
        ),
    )
    .await;
    let l = logs.audit_of("lm-1");
    let len = l["method"].as_str().map_or(0, str::len);
    assert!(len <= 40, "method of {len} characters in the line");
}

/// Tokens and API keys sent in the URL under other names (or in the path)
/// are not refused, but never logged: secret-looking names and the shapes
/// of a JWT and of a generated key (`sapi_` + 64 hex) are redacted.
#[actix_web::test]
async fn credentials_under_other_names_stay_out_of_the_audit_line() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(
        builder().build().unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    let key = format!("sapi_{}", "ab".repeat(32));
    let t = token("c-1", &["viewer"]);
    let mut leaked = Vec::new();
    for (i, q) in [
        format!("/open?x-api-key={key}"),
        format!("/open?access-token={t}"),
        format!("/open?accessToken={t}"),
        format!("/open?bearer={t}"),
        "/open?password=hunter2-secret".to_owned(),
        format!("/open?{t}"),
        format!("/items/{key}"),
    ]
    .iter()
    .enumerate()
    {
        let id = format!("nm-{i}");
        let a = send(&app, from([203, 0, 113, 1], &id, TestRequest::get().uri(q))).await;
        let path = logs.audit_of(&id)["path"].as_str().unwrap_or("").to_owned();
        if path.contains(&key) || path.contains(&t) || path.contains("hunter2") {
            leaked.push(format!("{} {q}", a.status.as_u16()));
        }
    }
    assert!(leaked.is_empty(), "in clear in the audit line: {leaked:#?}");
}

/// A replayed token: unauthenticated, `replayed_token`, principal noted,
/// counted towards the authentication-failure alert of the IP.
#[actix_web::test]
async fn replays_are_classified_and_counted() {
    let (logs, _guard) = Captured::install();
    let sink = KeptAlerts::default();
    let config = builder()
        .alerts(AlertPolicy::default().auth_failures(3).sink(sink.clone()))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(Security::new(config)).await;
    let mut c = claims("c-9", &["viewer"]);
    c["jti"] = json!("j-1");
    let t = hs256(&c);
    for i in 0..4 {
        let a = send(
            &app,
            from(
                [203, 0, 113, 5],
                &format!("rp-{i}"),
                TestRequest::post()
                    .uri("/once")
                    .insert_header(("authorization", format!("Bearer {t}"))),
            ),
        )
        .await;
        eprintln!("{i}: {}", a.status);
    }
    let l = logs.audit_of("rp-1");
    assert_eq!(
        (&l["outcome"], &l["security_event_kind"], &l["principal"]),
        (
            &json!("unauthenticated"),
            &json!("replayed_token"),
            &json!("c-9")
        )
    );
    assert_eq!(
        sink.len(),
        2,
        "one for the IP, one for the principal: {:?}",
        sink.taken()
    );
}
