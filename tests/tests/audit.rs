//! The audit trail, request ids, metrics and alerts (issue 7), through real
//! requests, asserting on the log output captured from the app: one audit
//! line per request with the contract's members, no secret in any line,
//! no forged line, one alert per subject and window, and a `/metrics`
//! scrape that a Prometheus parser reads.

use std::net::SocketAddr;

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, post, web};
use secure_api::alert::{AlertKind, AlertPolicy, AlertSubject};
use secure_api::scrub::RequestDebug;
use secure_api::{
    HttpsAuthority, Input, Metrics, Principal, Redact, RequestId, Security, SecurityConfig, secure,
};
use secure_api_tests::KeptAlerts;
use secure_api_tests::exposition;
use secure_api_tests::logs::Captured;
use secure_api_tests::{AUDIENCE, Answer, ISSUER, SECRET, claims, hs256, send, token};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use validator::{Validate, ValidationError};

secure_api::roles! { admin > editor > viewer; reporting; }

/// A card number that passes the Luhn check.
const CARD: &str = "4111111111111111";
/// A card number that fails it.
const BAD_CARD: &str = "4111111111111112";

/// A customer as answered: the card number masked unless an admin asks.
#[derive(Serialize, Redact)]
struct Customer {
    id: String,
    #[redact(mask(last = 4), unless_role = "admin")]
    card_number: String,
}

/// What an editor posts.
#[derive(Deserialize, Validate, Input)]
struct NewCustomer {
    #[validate(length(min = 1))]
    name: String,
    #[validate(custom(function = "luhn"))]
    card_number: String,
    balance_cents: i64,
}

/// The Luhn check (ISO/IEC 7812-1 Annex B).
fn luhn(number: &str) -> Result<(), ValidationError> {
    let digits: Option<Vec<u32>> = number.chars().rev().map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .ok_or_else(|| ValidationError::new("luhn"))?
        .iter()
        .enumerate()
        .map(|(i, d)| match (i % 2, d * 2) {
            (1, twice) if twice > 9 => twice - 9,
            (1, twice) => twice,
            _ => *d,
        })
        .sum();
    if sum.is_multiple_of(10) {
        Ok(())
    } else {
        Err(ValidationError::new("luhn"))
    }
}

/// Any viewer; the handler logs the principal and the request, as an
/// application might.
#[secure(role = "viewer")]
#[get("/me")]
async fn me(who: Principal, id: RequestId, req: HttpRequest) -> impl Responder {
    tracing::info!(target: "app", request_id = %id, principal = ?who, request = ?RequestDebug(&req), actix = ?req, "handler ran");
    who.subject().to_owned()
}

/// Admins only.
#[secure(role = "admin")]
#[get("/admin")]
async fn admin_only() -> impl Responder {
    "admin"
}

/// One customer, for its owner or an editor and above.
#[secure(role = "viewer", owner(param = "id", unless = "editor"))]
#[get("/customers/{id}")]
async fn read_customer(id: web::Path<String>) -> web::Json<Customer> {
    let customer = Customer {
        id: id.into_inner(),
        card_number: CARD.into(),
    };
    tracing::info!(target: "app", customer = ?customer, "customer read");
    web::Json(customer)
}

/// Editors create customers from a validated body.
#[secure(role = "editor")]
#[post("/customers")]
async fn create(body: web::Json<NewCustomer>) -> impl Responder {
    let new = body.into_inner();
    HttpResponse::Created().body(format!("{} {}", new.name, new.balance_cents))
}

/// Two requests a minute per caller.
#[secure(role = "viewer", rate = "2/1m")]
#[get("/limited")]
async fn limited() -> impl Responder {
    "limited"
}

/// A handler that fails.
#[secure(public)]
#[get("/boom")]
async fn boom() -> impl Responder {
    HttpResponse::InternalServerError().finish()
}

/// The app's metrics, for admins.
#[secure(role = "admin")]
#[get("/metrics")]
async fn serve_metrics(metrics: Metrics) -> HttpResponse {
    metrics.response()
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(me)
        .service(admin_only)
        .service(read_customer)
        .service(create)
        .service(limited)
        .service(boom)
        .service(serve_metrics);
}

/// The test configuration with `alerts`.
fn config_with(alerts: AlertPolicy, auth_failures_per_minute: u32) -> SecurityConfig {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .auth_failure_limit(auth_failures_per_minute, 60)
        .alerts(alerts)
        .build()
        .unwrap_or_else(|e| panic!("test configuration: {e}"))
}

async fn app(
    security: Security,
) -> impl Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>
{
    test::init_service(App::new().configure(routes).wrap(security)).await
}

/// A request from `ip` with `X-Request-Id: id`.
fn from(ip: [u8; 4], id: &str, req: TestRequest) -> TestRequest {
    req.peer_addr(SocketAddr::from((ip, 40_000)))
        .insert_header(("x-request-id", id))
}

fn bearer(t: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {t}"))
}

const CLIENT: [u8; 4] = [203, 0, 113, 9];

#[actix_web::test]
async fn every_request_has_one_audit_line_with_the_contract_members() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(config_with(AlertPolicy::default(), 20))).await;
    let viewer = token("c-1", &["viewer"]);
    let cases: Vec<(&str, TestRequest, u16)> = vec![
        (
            "r-ok",
            TestRequest::get().uri("/me").insert_header(bearer(&viewer)),
            200,
        ),
        ("r-missing", TestRequest::get().uri("/me"), 401),
        (
            "r-bad",
            TestRequest::get()
                .uri("/me")
                .insert_header(bearer("not.a.token")),
            401,
        ),
        (
            "r-role",
            TestRequest::get()
                .uri("/admin")
                .insert_header(bearer(&viewer)),
            403,
        ),
        (
            "r-owner",
            TestRequest::get()
                .uri("/customers/c-2")
                .insert_header(bearer(&viewer)),
            404,
        ),
        (
            "r-limit-1",
            TestRequest::get()
                .uri("/limited")
                .insert_header(bearer(&viewer)),
            200,
        ),
        (
            "r-limit-2",
            TestRequest::get()
                .uri("/limited")
                .insert_header(bearer(&viewer)),
            200,
        ),
        (
            "r-limit-3",
            TestRequest::get()
                .uri("/limited")
                .insert_header(bearer(&viewer)),
            429,
        ),
        (
            "r-invalid",
            TestRequest::post()
                .uri("/customers")
                .insert_header(bearer(&token("ed", &["editor"])))
                .insert_header(("content-type", "application/json"))
                .set_payload(r#"{"name":"","card_number":"1","balance_cents":1}"#),
            422,
        ),
        ("r-nowhere", TestRequest::get().uri("/nowhere?x=1"), 404),
        ("r-boom", TestRequest::get().uri("/boom"), 500),
    ];
    for (id, req, status) in cases {
        let a = send(&app, from(CLIENT, id, req)).await;
        assert_eq!(a.status.as_u16(), status, "{id}: {}", a.body);
        assert_eq!(a.header("x-request-id"), id);
    }

    let expect = |id: &str, route: Value, principal: Value, outcome: &str, kind: Value| {
        let line = logs.audit_of(id);
        // Every member, in the documented order, and nothing else.
        let raw = logs
            .text()
            .lines()
            .find(|l| l.starts_with("{\"ts\"") && l.contains(&format!("\"request_id\":\"{id}\"")))
            .map(str::to_owned)
            .unwrap_or_default();
        let mut members: Vec<String> = secure_api::audit::MEMBERS
            .iter()
            .map(|m| (*m).to_owned())
            .collect();
        members.extend(["level".to_owned(), "target".to_owned()]);
        let at: Vec<usize> = members
            .iter()
            .map(|m| raw.find(&format!("\"{m}\":")).unwrap_or(usize::MAX))
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1] && w[1] != usize::MAX),
            "{raw}"
        );
        assert_eq!(
            line.as_object().map(|o| o.len()),
            Some(members.len()),
            "{line}"
        );
        assert_eq!(
            &members[..14],
            [
                "ts",
                "request_id",
                "client_ip",
                "method",
                "path",
                "route",
                "principal",
                "auth_method",
                "api_key_sha256",
                "outcome",
                "status",
                "latency_us",
                "security_event",
                "security_event_kind",
            ]
        );
        let ts = line["ts"].as_str().unwrap_or_default();
        assert!(
            ts.len() == 27
                && ts.ends_with('Z')
                && &ts[4..5] == "-"
                && &ts[10..11] == "T"
                && &ts[19..20] == ".",
            "RFC 3339 UTC: {ts}"
        );
        assert_eq!(line["client_ip"], "203.0.113.9");
        assert_eq!(line["route"], route, "{id}");
        assert_eq!(line["principal"], principal, "{id}");
        assert_eq!(
            line["auth_method"],
            if principal.is_null() {
                Value::Null
            } else {
                json!("jwt")
            },
            "{id}"
        );
        assert_eq!(line["outcome"], outcome, "{id}");
        assert_eq!(line["security_event"], !kind.is_null(), "{id}");
        assert_eq!(line["security_event_kind"], kind, "{id}");
        assert_eq!(
            line["level"],
            if kind.is_null() { "INFO" } else { "WARN" },
            "{id}"
        );
        assert!(line["latency_us"].is_u64(), "{line}");
        line
    };
    let line = expect("r-ok", json!("/me"), json!("c-1"), "allowed", Value::Null);
    assert_eq!(
        (&line["method"], &line["path"], &line["status"]),
        (&json!("GET"), &json!("/me"), &json!(200))
    );
    expect(
        "r-missing",
        json!("/me"),
        Value::Null,
        "unauthenticated",
        Value::Null,
    );
    expect(
        "r-bad",
        json!("/me"),
        Value::Null,
        "unauthenticated",
        json!("authentication_failure"),
    );
    expect(
        "r-role",
        json!("/admin"),
        json!("c-1"),
        "forbidden",
        json!("authorization_denial"),
    );
    let line = expect(
        "r-owner",
        json!("/customers/{id}"),
        json!("c-1"),
        "forbidden",
        json!("authorization_denial"),
    );
    assert_eq!(line["status"], 404);
    expect(
        "r-limit-2",
        json!("/limited"),
        json!("c-1"),
        "allowed",
        Value::Null,
    );
    expect(
        "r-limit-3",
        json!("/limited"),
        json!("c-1"),
        "rate_limited",
        json!("rate_limited"),
    );
    let line = expect(
        "r-invalid",
        json!("/customers"),
        json!("ed"),
        "invalid_input",
        Value::Null,
    );
    assert_eq!(
        (&line["method"], &line["status"]),
        (&json!("POST"), &json!(422))
    );
    let line = expect(
        "r-nowhere",
        Value::Null,
        Value::Null,
        "invalid_input",
        Value::Null,
    );
    assert_eq!(line["path"], "/nowhere?x=1");
    expect("r-boom", json!("/boom"), Value::Null, "error", Value::Null);
    assert_eq!(logs.audit().len(), 11, "one line per request");
}

#[actix_web::test]
async fn tokens_in_the_header_and_the_query_reach_no_log() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(config_with(AlertPolicy::default(), 20))).await;
    let header_token = token("c-1", &["viewer"]);
    let query_token = token("c-2", &["viewer"]);
    let req = TestRequest::get()
        .uri(&format!("/me?limit=5&access_token={query_token}&page=2"))
        .insert_header(bearer(&header_token))
        .insert_header(("x-api-key", "key-0123456789"))
        .insert_header(("cookie", "session=cookie-secret"));
    let a = send(&app, from(CLIENT, "r-query", req)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let line = logs.audit_of("r-query");
    assert_eq!(line["path"], "/me?limit=5&access_token=[REDACTED]&page=2");
    assert_eq!(line["outcome"], "invalid_input");
    assert_eq!(line["security_event_kind"], "credential_in_url");

    // The same credentials on a request that is served: the handler logs
    // the principal, the request through `RequestDebug`, and actix-web's
    // own `Debug` of the request.
    let req = TestRequest::get()
        .uri("/me?limit=5")
        .insert_header(bearer(&header_token))
        .insert_header(("x-api-key", "key-0123456789"))
        .insert_header(("cookie", "session=cookie-secret"));
    let a = send(&app, from(CLIENT, "r-served", req)).await;
    assert_eq!(a.status, StatusCode::OK);
    let handler = logs.events("app");
    assert_eq!(handler.len(), 1);
    let shown = handler[0]["request"].as_str().unwrap_or_default();
    assert!(shown.contains("authorization: [REDACTED]"), "{shown}");
    assert!(shown.contains("x-api-key: [REDACTED]"), "{shown}");
    assert!(shown.contains("cookie: [REDACTED]"), "{shown}");
    assert!(
        handler[0]["principal"]
            .as_str()
            .unwrap_or_default()
            .contains("c-1")
    );

    let text = logs.text();
    for secret in [
        header_token.as_str(),
        query_token.as_str(),
        "key-0123456789",
        "cookie-secret",
    ] {
        assert!(!text.contains(secret), "{secret} reached the log:\n{text}");
    }
    // Not a signature, not a payload: no piece of a token either.
    for part in header_token.split('.').chain(query_token.split('.')) {
        assert!(!text.contains(part), "part of a token reached the log");
    }
}

#[test]
fn debug_output_of_request_config_and_principal_hides_secrets() {
    let req = TestRequest::get()
        .uri("/me?ACCESS_TOKEN=tok-123&limit=5&jwt=jwt-456")
        .insert_header(("authorization", "Bearer tok-789"))
        .insert_header(("x-api-key", "key-123"))
        .insert_header(("cookie", "sid=cookie-123"))
        .insert_header(("accept", "application/json"))
        .to_http_request();
    let shown = format!("{:?}", RequestDebug(&req));
    for secret in ["tok-123", "jwt-456", "tok-789", "key-123", "cookie-123"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(
        shown.contains("/me?ACCESS_TOKEN=[REDACTED]&limit=5&jwt=[REDACTED]"),
        "{shown}"
    );
    assert!(shown.contains("accept: application/json"), "{shown}");

    let config = config_with(AlertPolicy::default(), 20);
    let shown = format!("{config:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("[REDACTED]"), "{shown}");
    let shown = format!("{:?}", SecurityConfig::builder().jwt_secret(SECRET));
    assert!(!shown.contains(SECRET), "{shown}");
    let shown = format!("{:?}", Security::new(config));
    assert!(!shown.contains(SECRET), "{shown}");
    // Public keys are no secret, but only their ids are shown.
    let shown = format!("{:?}", secure_api_tests::jwks_config());
    assert!(shown.contains("jwks_file_kids: Some(\"ec-256,"), "{shown}");
    assert!(
        !shown.contains("BEGIN") && !shown.contains("\"n\""),
        "{shown}"
    );
}

#[actix_web::test]
async fn a_forged_request_id_is_never_echoed() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(config_with(AlertPolicy::default(), 20))).await;
    // A real CR LF cannot be sent in a header value (the HTTP parser
    // rejects it, see the customer-api e2e test); these are what can be.
    let forged: [&[u8]; 4] = [
        br#"abc\r\n{"forged":true}"#,
        b"abc\x85{\"forged\":true}",
        b"abc\t{\"forged\":true}",
        b"a-much-too-long-id-0123456789012345678901234567890123456789012345678901234567890",
    ];
    for value in forged {
        let value = HeaderValue::from_bytes(value).unwrap_or_else(|e| panic!("{e}"));
        let req = TestRequest::get()
            .uri("/me")
            .peer_addr(SocketAddr::from((CLIENT, 1)))
            .insert_header(("x-request-id", value.clone()));
        let a = send(&app, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        let id = a.header("x-request-id").to_owned();
        assert_ne!(id.as_bytes(), value.as_bytes());
        assert!(
            id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'),
            "a generated UUID: {id}"
        );
        assert_eq!(a.json()["request_id"], id, "the problem body carries it");
        logs.audit_of(&id);
    }
    let text = logs.text();
    assert!(!text.contains("forged"), "{text}");
    // Every line is a JSON object: `lines` fails on anything else.
    assert_eq!(logs.audit().len(), 4);

    // A safe id is kept, in the header, the problem body and the log.
    let a = send(
        &app,
        TestRequest::get()
            .uri("/me")
            .insert_header(("x-request-id", "Trace-42.a_b")),
    )
    .await;
    assert_eq!(a.header("x-request-id"), "Trace-42.a_b");
    assert_eq!(a.json()["request_id"], "Trace-42.a_b");
    logs.audit_of("Trace-42.a_b");
    // Two ids: neither is believed.
    let a = send(
        &app,
        TestRequest::get()
            .uri("/me")
            .append_header(("x-request-id", "one"))
            .append_header(("x-request-id", "two")),
    )
    .await;
    assert!(!["one", "two"].contains(&a.header("x-request-id")));
}

#[actix_web::test]
async fn control_characters_in_a_subject_cannot_forge_a_line() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(config_with(AlertPolicy::default(), 20))).await;
    let sub = "eve\r\n{\"forged\":true,\"outcome\":\"allowed\"}\u{2028}";
    let t = hs256(&claims(sub, &["viewer"]));
    let a = send(
        &app,
        from(
            CLIENT,
            "r-eve",
            TestRequest::get().uri("/admin").insert_header(bearer(&t)),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let line = logs.audit_of("r-eve");
    assert_eq!(
        line["principal"],
        "eve\\r\\n{\"forged\":true,\"outcome\":\"allowed\"}\\u{2028}"
    );
    assert_eq!(line["outcome"], "forbidden");
    assert!(!logs.text().contains('\r'));
    assert!(!logs.text().contains('\u{2028}'));
    // `lines` parses every line as an object: nothing was split.
    assert!(logs.lines().iter().all(|l| l.get("forged").is_none()));
}

#[actix_web::test]
async fn a_card_number_in_a_failed_validation_reaches_no_log() {
    let (logs, _guard) = Captured::install();
    let app = app(Security::new(config_with(AlertPolicy::default(), 20))).await;
    let editor = token("ed", &["editor"]);
    let post = |id: &str, body: String| {
        from(
            CLIENT,
            id,
            TestRequest::post()
                .uri("/customers")
                .insert_header(bearer(&editor))
                .insert_header(("content-type", "application/json"))
                .set_payload(body),
        )
    };
    // A card number failing its rule, one in a field of the wrong type, and
    // one in a field that does not exist.
    let bodies = [
        json!({"name": "Ann", "card_number": BAD_CARD, "balance_cents": 1}),
        json!({"name": "Ann", "card_number": CARD, "balance_cents": BAD_CARD}),
        json!({"name": "Ann", "card_number": CARD, "balance_cents": 1, "backup_card": BAD_CARD}),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let id = format!("r-card-{i}");
        let a = send(&app, post(&id, body.to_string())).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert!(!a.body.contains(BAD_CARD), "{}", a.body);
        assert_eq!(logs.audit_of(&id)["outcome"], "invalid_input");
    }
    // Redacted response fields stay out of the log too: a viewer's answer
    // is masked, an admin's is not, and the log holds neither clear value.
    let a = send(
        &app,
        from(
            CLIENT,
            "r-read",
            TestRequest::get()
                .uri("/customers/c-1")
                .insert_header(bearer(&token("c-1", &["viewer"]))),
        ),
    )
    .await;
    assert_eq!(a.json()["card_number"], "************1111");
    let a = send(
        &app,
        from(
            CLIENT,
            "r-admin",
            TestRequest::get()
                .uri("/customers/c-1")
                .insert_header(bearer(&token("root", &["admin"]))),
        ),
    )
    .await;
    assert_eq!(a.json()["card_number"], CARD);
    let text = logs.text();
    assert!(!text.contains(BAD_CARD), "{text}");
    assert!(!text.contains(CARD), "{text}");
    assert!(
        logs.events("app").iter().all(|e| e["customer"]
            .as_str()
            .is_some_and(|c| c.contains("************1111"))),
        "the handler's Debug of the customer is masked"
    );
}

#[actix_web::test]
async fn twenty_five_bad_tokens_from_one_ip_raise_exactly_one_alert() {
    let (logs, _guard) = Captured::install();
    let sink = KeptAlerts::default();
    // The defaults: 20 failures in 5 minutes; 20 failures a minute lock the
    // client out, so the last 5 are 429s (rate-limit events, not failures).
    let security = Security::new(config_with(AlertPolicy::default().sink(sink.clone()), 20));
    let app = app(security.clone()).await;
    let attacker = [198, 51, 100, 7];
    for i in 0..25 {
        let req = TestRequest::get()
            .uri("/me")
            .insert_header(bearer("bad.token.here"));
        let a = send(&app, from(attacker, &format!("a-{i}"), req)).await;
        assert_eq!(a.status.as_u16(), if i < 20 { 401 } else { 429 }, "{i}");
    }
    // Another client's few failures raise nothing.
    for i in 0..5 {
        let req = TestRequest::get()
            .uri("/me")
            .insert_header(bearer("bad.token.here"));
        send(&app, from([198, 51, 100, 8], &format!("b-{i}"), req)).await;
    }
    let alerts = logs.events(secure_api::alert::TARGET);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["client_ip"], "198.51.100.7");
    assert_eq!(alert["alert"], "authentication_failures");
    assert_eq!(
        (&alert["count"], &alert["threshold"]),
        (&json!(20), &json!(20))
    );
    assert_eq!(alert["window_secs"], 300);
    // The alert follows the request that crossed the threshold.
    let lines = logs.lines();
    let at = |pred: &dyn Fn(&Value) -> bool| lines.iter().position(pred).unwrap_or(usize::MAX);
    assert_eq!(
        at(&|l| l["target"] == secure_api::alert::TARGET),
        at(&|l| l["request_id"] == "a-19") + 1
    );
    // The sink got the same alert.
    let sent = sink.taken();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, AlertKind::AuthenticationFailures);
    assert_eq!(
        sent[0].subject,
        AlertSubject::ClientIp([198, 51, 100, 7].into())
    );
    assert_eq!(sent[0].count, 20);
    assert!(
        security
            .metrics()
            .render()
            .contains(r#"secure_api_alerts_total{kind="authentication_failures"} 1"#)
    );
}

#[actix_web::test]
async fn an_alert_comes_once_per_window_then_again_if_the_events_go_on() {
    let (logs, _guard) = Captured::install();
    // No lock-out in the way; a 2-second window.
    let policy = AlertPolicy::default().auth_failures(20).window_secs(2);
    let app = app(Security::new(config_with(policy, 10_000))).await;
    let attacker = [198, 51, 100, 9];
    let fail = |i: usize| {
        from(
            attacker,
            &format!("w-{i}"),
            TestRequest::get()
                .uri("/me")
                .insert_header(bearer("bad.token.here")),
        )
    };
    for i in 0..45 {
        assert_eq!(send(&app, fail(i)).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(logs.events(secure_api::alert::TARGET).len(), 1);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2_100)).await;
    for i in 45..65 {
        send(&app, fail(i)).await;
    }
    let alerts = logs.events(secure_api::alert::TARGET);
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(alerts.iter().all(|a| a["client_ip"] == "198.51.100.9"));
}

#[actix_web::test]
async fn denials_alert_for_the_ip_and_for_the_principal() {
    let (logs, _guard) = Captured::install();
    let policy = AlertPolicy::default().denials(3);
    let app = app(Security::new(config_with(policy, 20))).await;
    let viewer = token("mallory", &["viewer"]);
    for i in 0..4 {
        let req = TestRequest::get()
            .uri("/admin")
            .insert_header(bearer(&viewer));
        assert_eq!(
            send(&app, from([192, 0, 2, 50], &format!("d-{i}"), req))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    let alerts = logs.events(secure_api::alert::TARGET);
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(
        alerts
            .iter()
            .all(|a| a["alert"] == "denials" && a["count"] == 3)
    );
    assert!(alerts.iter().any(|a| a["client_ip"] == "192.0.2.50"));
    assert!(alerts.iter().any(|a| a["principal"] == "mallory"));
}

/// The samples of a scrape, read strictly (every line must fit the
/// format), then cross-checked with `prometheus-parse`.
fn scrape(body: &str) -> (Vec<exposition::Sample>, prometheus_parse::Scrape) {
    let strict = exposition::parse(body).unwrap_or_else(|e| panic!("not the text format: {e}"));
    let lax = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned())))
        .unwrap_or_else(|e| panic!("prometheus-parse: {e}\n{body}"));
    (strict, lax)
}

#[actix_web::test]
async fn metrics_are_served_to_admins_in_the_prometheus_text_format() {
    let app = app(Security::new(config_with(AlertPolicy::default(), 20))).await;
    let viewer = token("c-1", &["viewer"]);
    for _ in 0..3 {
        send(
            &app,
            TestRequest::get().uri("/me").insert_header(bearer(&viewer)),
        )
        .await;
    }
    send(
        &app,
        TestRequest::get()
            .uri("/admin")
            .insert_header(bearer(&viewer)),
    )
    .await;
    send(
        &app,
        TestRequest::get().uri("/me").insert_header(bearer("bad")),
    )
    .await;
    send(&app, TestRequest::get().uri("/nowhere")).await;
    send(
        &app,
        TestRequest::get()
            .uri("/customers/c-1")
            .insert_header(bearer(&viewer)),
    )
    .await;

    // Not for viewers, nor for anonymous callers.
    let a = send(
        &app,
        TestRequest::get()
            .uri("/metrics")
            .insert_header(bearer(&viewer)),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&app, TestRequest::get().uri("/metrics")).await.status,
        StatusCode::UNAUTHORIZED
    );

    let admin = token("root", &["admin"]);
    let a: Answer = send(
        &app,
        TestRequest::get()
            .uri("/metrics")
            .insert_header(bearer(&admin)),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(a.header("cache-control"), "no-store");
    let (s, lax) = scrape(&a.body);
    let requests =
        |labels: &[(&str, &str)]| exposition::value(&s, "secure_api_requests_total", labels);
    assert_eq!(
        requests(&[
            ("route", "/me"),
            ("method", "GET"),
            ("status", "200"),
            ("outcome", "allowed")
        ]),
        Some(3.0)
    );
    assert_eq!(
        requests(&[
            ("route", "/admin"),
            ("status", "403"),
            ("outcome", "forbidden")
        ]),
        Some(1.0)
    );
    assert_eq!(
        requests(&[
            ("route", "/me"),
            ("status", "401"),
            ("outcome", "unauthenticated")
        ]),
        Some(1.0)
    );
    assert_eq!(
        requests(&[
            ("route", "unmatched"),
            ("status", "404"),
            ("outcome", "invalid_input")
        ]),
        Some(1.0)
    );
    // The 403 and 401 scrapes of /metrics itself were counted too.
    assert_eq!(
        requests(&[("route", "/metrics"), ("status", "403")]),
        Some(1.0)
    );
    assert_eq!(
        requests(&[("route", "/customers/{id}"), ("status", "200")]),
        Some(1.0),
        "a route pattern with braces in a label value"
    );
    let events =
        |kind: &str| exposition::value(&s, "secure_api_security_events_total", &[("kind", kind)]);
    assert_eq!(events("authorization_denial"), Some(2.0));
    assert_eq!(events("authentication_failure"), Some(1.0));
    assert_eq!(events("replayed_token"), Some(0.0));
    let latency = |name: &str, labels: &[(&str, &str)]| exposition::value(&s, name, labels);
    assert_eq!(
        latency(
            "secure_api_request_duration_seconds_bucket",
            &[("route", "/me"), ("le", "+Inf")]
        ),
        Some(4.0)
    );
    assert_eq!(
        latency(
            "secure_api_request_duration_seconds_count",
            &[("route", "/me")]
        ),
        Some(4.0)
    );
    let histogram = lax
        .samples
        .iter()
        .find(|x| {
            x.metric == "secure_api_request_duration_seconds"
                && x.labels.get("route") == Some("/me")
        })
        .map(|x| x.value.clone());
    match histogram {
        Some(prometheus_parse::Value::Histogram(buckets)) => {
            let inf = buckets
                .iter()
                .find(|b| b.less_than == f64::INFINITY)
                .map(|b| b.count);
            assert_eq!(inf, Some(4.0), "three 200s and one 401 on /me");
        }
        other => panic!("no latency histogram for /me: {other:?}"),
    }
    assert!(lax.docs.contains_key("secure_api_requests_total"));
}

#[actix_web::test]
async fn each_app_counts_its_own_requests() {
    let (one, two) = (
        Security::new(config_with(AlertPolicy::default(), 20)),
        Security::new(config_with(AlertPolicy::default(), 20)),
    );
    let app_one = app(one.clone()).await;
    let _app_two = app(two.clone()).await;
    send(&app_one, TestRequest::get().uri("/nowhere")).await;
    let count = |m: &str| {
        exposition::value(
            &scrape(m).0,
            "secure_api_requests_total",
            &[("route", "unmatched")],
        )
    };
    assert_eq!(count(&one.metrics().render()), Some(1.0));
    assert_eq!(count(&two.metrics().render()), None);
}

#[actix_web::test]
async fn the_plain_http_listener_is_audited_too() {
    let (logs, _guard) = Captured::install();
    let security = Security::new(config_with(AlertPolicy::default(), 20));
    let authority = HttpsAuthority::parse("api.example.test").unwrap_or_else(|e| panic!("{e}"));
    let app = app(security.plain_http(authority)).await;
    let viewer = token("c-1", &["viewer"]);
    let a = send(
        &app,
        from(CLIENT, "p-redirect", TestRequest::get().uri("/me?limit=1")),
    )
    .await;
    assert_eq!(a.status, StatusCode::PERMANENT_REDIRECT);
    let line = logs.audit_of("p-redirect");
    assert_eq!(
        (&line["outcome"], &line["status"], &line["security_event"]),
        (&json!("allowed"), &json!(308), &json!(false))
    );
    let a = send(
        &app,
        from(
            CLIENT,
            "p-bearer",
            TestRequest::get().uri("/me").insert_header(bearer(&viewer)),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json()["request_id"], "p-bearer");
    let line = logs.audit_of("p-bearer");
    assert_eq!(line["outcome"], "forbidden");
    assert_eq!(line["security_event_kind"], "credentials_over_plain_http");
    assert_eq!(
        line["principal"],
        Value::Null,
        "never authenticated in clear"
    );
    send(
        &app,
        from(
            CLIENT,
            "p-query",
            TestRequest::get().uri(&format!("/me?access_token={viewer}")),
        ),
    )
    .await;
    let line = logs.audit_of("p-query");
    assert_eq!(line["path"], "/me?access_token=[REDACTED]");
    assert_eq!(line["security_event_kind"], "credentials_over_plain_http");
    send(
        &app,
        from(CLIENT, "p-post", TestRequest::post().uri("/customers")),
    )
    .await;
    assert_eq!(
        logs.audit_of("p-post")["security_event_kind"],
        "plain_http_refused"
    );
    assert!(!logs.text().contains(&viewer));
}

#[actix_web::test]
async fn an_error_inside_the_middleware_is_audited_and_carries_the_id() {
    let (logs, _guard) = Captured::install();
    let app = test::init_service(
        App::new()
            .configure(routes)
            .wrap_fn(|_req, _srv| async {
                Err::<ServiceResponse<BoxBody>, _>(actix_web::error::ErrorServiceUnavailable(
                    "inner failure with details",
                ))
            })
            .wrap(Security::new(config_with(AlertPolicy::default(), 20))),
    )
    .await;
    let req = from(CLIENT, "e-1", TestRequest::get().uri("/me")).to_request();
    let res = test::try_call_service(&app, req).await;
    let err = match res {
        Ok(res) => panic!("expected an error, got {}", res.status()),
        Err(err) => err,
    };
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("e-1")
    );
    let body = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert_eq!(body["request_id"], "e-1");
    let line = logs.audit_of("e-1");
    assert_eq!(
        (&line["outcome"], &line["status"]),
        (&json!("error"), &json!(503))
    );
    assert!(!logs.text().contains("inner failure with details"));
}
