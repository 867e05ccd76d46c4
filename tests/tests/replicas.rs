//! Several replicas sharing one Redis (`SECURE_API_REDIS_URL`): a quota,
//! a lock-out and a spent `jti` hold across two app instances; Redis going
//! away gives 503 (fail closed, one security event per outage), and its
//! return restores service without restarting the apps.
//!
//! These tests need a real `redis-server`: `.ci/run` starts one and sets
//! `SECURE_API_TEST_REDIS_URL`. Without that variable each test says it
//! was skipped and passes. The outage test starts a `redis-server` of its
//! own (it stops and restarts it), on a free loopback port.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use actix_web::{App, HttpResponse, Responder, get, post};
use secure_api::{Problem, Security, SecurityConfig, StoreHealth, secure};
use secure_api_tests::logs::Captured;
use secure_api_tests::{AUDIENCE, ISSUER, SECRET, claims, hs256, send, token};

secure_api::roles! { admin > editor > viewer; reporting; }

/// 100 requests per 15 minutes per caller.
#[secure(role = "viewer", rate = "100/15m")]
#[get("/limited")]
async fn limited() -> impl Responder {
    "limited"
}

/// Each token once.
#[secure(role = "viewer", replay = "jti")]
#[post("/once")]
async fn once() -> impl Responder {
    "once"
}

/// Public and limited, but served while the store is down.
#[secure(public, rate = "600/1m", on_store_error = "allow")]
#[get("/open")]
async fn open() -> impl Responder {
    "open"
}

/// The store's health.
#[secure(public, rate = "600/1m", on_store_error = "allow")]
#[get("/health")]
async fn health(store: StoreHealth) -> Result<HttpResponse, Problem> {
    store.check().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "store": store.kind() })))
}

/// The Redis URL of the test run, or `None` (the test is skipped).
fn redis_url(test: &str) -> Option<String> {
    match std::env::var("SECURE_API_TEST_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("{test}: skipped: SECURE_API_TEST_REDIS_URL is not set (no redis-server)");
            None
        }
    }
}

fn config(redis_url: &str) -> SecurityConfig {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .redis_url(redis_url)
        .redis_timeout_ms(200)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One replica: every route of this file behind its own `Security`.
async fn replica(
    redis_url: &str,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
    Error = actix_web::Error,
> {
    actix_web::test::init_service(
        App::new()
            .service(limited)
            .service(once)
            .service(open)
            .service(health)
            .wrap(Security::new(config(redis_url))),
    )
    .await
}

/// A name no other test run uses, so runs sharing one Redis never meet.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A client address no other test run uses.
fn unique_peer() -> String {
    let n = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id())
        % 0xff_ffff;
    let [_, a, b, c] = n.to_be_bytes();
    format!("10.{a}.{b}.{c}:4000")
}

fn get_from(peer: &str, path: &str, token: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .peer_addr(peer.parse().unwrap_or_else(|e| panic!("{peer}: {e}")))
        .insert_header(("authorization", format!("Bearer {token}")))
}

#[actix_web::test]
async fn two_replicas_share_one_quota_exactly() {
    let Some(url) = redis_url("two_replicas_share_one_quota_exactly") else {
        return;
    };
    let (a, b) = (replica(&url).await, replica(&url).await);
    let caller = token(&unique("quota"), &["viewer"]);
    for n in 0..100 {
        let app = if n % 2 == 0 { &a } else { &b };
        let answer = send(app, get_from("192.0.2.1:1", "/limited", &caller)).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "request {n}: {}",
            answer.body
        );
        assert_eq!(
            answer.header("ratelimit"),
            format!("\"default\";r={};t={}", 99 - n, (n + 1) * 9),
            "request {n}"
        );
    }
    for app in [&a, &b] {
        let refused = send(app, get_from("192.0.2.1:1", "/limited", &caller)).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = refused.header("retry-after").parse().unwrap_or(0);
        assert!((1..=9).contains(&wait), "Retry-After {wait}");
    }
}

#[actix_web::test]
async fn a_lockout_earned_on_one_replica_holds_on_the_other() {
    let Some(url) = redis_url("a_lockout_earned_on_one_replica_holds_on_the_other") else {
        return;
    };
    let (a, b) = (replica(&url).await, replica(&url).await);
    let peer = unique_peer();
    for n in 0..20 {
        let bad = send(&a, get_from(&peer, "/limited", "not.a.token")).await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "guess {n}");
    }
    let good = token(&unique("locked"), &["viewer"]);
    let locked = send(&b, get_from(&peer, "/limited", &good)).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    let wait: u64 = locked.header("retry-after").parse().unwrap_or(0);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // Another client is served on both.
    let other = unique_peer()
        .replace(":4000", ":4001")
        .replacen("10.", "172.", 1);
    assert_eq!(
        send(&b, get_from(&other, "/limited", &good)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_jti_spent_on_one_replica_is_refused_on_the_other() {
    let Some(url) = redis_url("a_jti_spent_on_one_replica_is_refused_on_the_other") else {
        return;
    };
    let (a, b) = (replica(&url).await, replica(&url).await);
    let mut c = claims("payer", &["viewer"]);
    c["jti"] = serde_json::Value::from(unique("jti"));
    let one_time = hs256(&c);
    let post = |token: &str| {
        TestRequest::post()
            .uri("/once")
            .insert_header(("authorization", format!("Bearer {token}")))
    };
    assert_eq!(send(&a, post(&one_time)).await.status, StatusCode::OK);
    let replayed = send(&b, post(&one_time)).await;
    assert_eq!(
        replayed.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        replayed.body
    );
    assert_eq!(
        send(&a, post(&one_time)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// A `redis-server` of this test's own on `port`, without persistence.
fn start_redis(port: u16) -> Option<Child> {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        // `DEBUG SLEEP` makes it slow on purpose (Redis 7 refuses DEBUG by default).
        .args(["--enable-debug-command", "local"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(child)
}

/// For the test `test`: a `redis-server` of its own on a free loopback
/// port, and the port; `None` (the test says it was skipped) without
/// `SECURE_API_TEST_REDIS_URL` or when it cannot start.
fn own_redis(test: &str) -> Option<(Child, u16)> {
    redis_url(test)?;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    match start_redis(port) {
        Some(server) => Some((server, port)),
        None => {
            eprintln!("{test}: skipped: cannot start redis-server");
            None
        }
    }
}

fn stop_redis(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[actix_web::test]
async fn redis_down_gives_503_and_its_return_restores_service() {
    let Some((server, port)) = own_redis("redis_down_gives_503_and_its_return_restores_service")
    else {
        return;
    };
    let url = format!("redis://127.0.0.1:{port}");
    let (logs, _guard) = Captured::install();
    let app = replica(&url).await;
    let caller = token(&unique("outage"), &["viewer"]);
    assert_eq!(
        send(&app, get_from("192.0.2.9:1", "/limited", &caller))
            .await
            .status,
        StatusCode::OK
    );
    let healthy = send(&app, TestRequest::get().uri("/health")).await;
    assert_eq!(healthy.status, StatusCode::OK);
    assert_eq!(healthy.json()["store"], "redis");

    stop_redis(server);
    for n in 0..5 {
        let refused = send(&app, get_from("192.0.2.9:1", "/limited", &caller)).await;
        assert_eq!(
            refused.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "request {n}"
        );
        assert_eq!(refused.header("content-type"), "application/problem+json");
        assert_eq!(refused.json()["status"], 503);
        assert!(refused.header("retry-after").parse::<u64>().is_ok());
    }
    // Without credentials the lock-out is not needed, but the quota is.
    let anonymous = send(&app, TestRequest::get().uri("/limited")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // A route that fails open is served; /health names the store.
    assert_eq!(
        send(&app, TestRequest::get().uri("/open")).await.status,
        StatusCode::OK
    );
    let down = send(&app, TestRequest::get().uri("/health")).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.header("content-type"), "application/problem+json");
    assert!(
        down.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Redis")),
        "{}",
        down.body
    );
    // One security event for the whole outage, not one per request.
    let outages = logs
        .events("secure_api::security")
        .into_iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot be reached"))
        })
        .count();
    assert_eq!(outages, 1, "{}", logs.text());

    let Some(server) = start_redis(port) else {
        panic!("cannot restart redis-server on port {port}");
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    let restored = loop {
        let answer = send(&app, get_from("192.0.2.9:1", "/limited", &caller)).await;
        if answer.status == StatusCode::OK || Instant::now() > deadline {
            break answer;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    stop_redis(server);
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    let back = logs
        .events("secure_api::security")
        .into_iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("answers again"))
        })
        .count();
    assert_eq!(back, 1, "{}", logs.text());
}

#[actix_web::test]
async fn a_slow_redis_gives_503_within_the_timeout() {
    let Some((server, port)) = own_redis("a_slow_redis_gives_503_within_the_timeout") else {
        return;
    };
    let url = format!("redis://127.0.0.1:{port}");
    let app = replica(&url).await;
    let caller = token(&unique("slow"), &["viewer"]);
    assert_eq!(
        send(&app, get_from("192.0.2.10:1", "/limited", &caller))
            .await
            .status,
        StatusCode::OK
    );
    // Redis busy for 1.5 s: the request is answered 503 once the 200 ms
    // timeout passes, not when Redis answers.
    let sleeper = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "DEBUG", "SLEEP", "1.5"])
        .stdout(Stdio::null())
        .spawn();
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let slow = send(&app, get_from("192.0.2.10:1", "/limited", &caller)).await;
    let waited = started.elapsed();
    assert_eq!(
        slow.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        slow.body
    );
    assert!(
        waited < Duration::from_millis(900),
        "answered after {waited:?}"
    );
    if let Ok(mut sleeper) = sleeper {
        let _ = sleeper.wait();
    }
    // Redis answers again: so does the app, by itself.
    let deadline = Instant::now() + Duration::from_secs(5);
    let restored = loop {
        let answer = send(&app, get_from("192.0.2.10:1", "/limited", &caller)).await;
        if answer.status == StatusCode::OK || Instant::now() > deadline {
            break answer;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    stop_redis(server);
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
}

/// Runs `redis-cli -p port ARGS..` to its end.
fn redis_cli(port: u16, args: &[&str]) {
    let _ = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .stdout(Stdio::null())
        .status();
}

/// Captured security events whose message contains `text`.
fn events_saying(logs: &Captured, text: &str) -> usize {
    logs.events("secure_api::security")
        .into_iter()
        .filter(|f| f["message"].as_str().is_some_and(|m| m.contains(text)))
        .count()
}

#[actix_web::test]
async fn a_connection_closed_while_idle_is_replaced_without_a_503() {
    let Some((server, port)) =
        own_redis("a_connection_closed_while_idle_is_replaced_without_a_503")
    else {
        return;
    };
    let (logs, _guard) = Captured::install();
    let url = format!("redis://127.0.0.1:{port}");
    let app = replica(&url).await;
    let caller = token(&unique("idle"), &["viewer"]);
    assert_eq!(
        send(&app, get_from("192.0.2.11:1", "/limited", &caller))
            .await
            .status,
        StatusCode::OK
    );
    // Redis (or a proxy, or NAT) closes the idle connection.
    redis_cli(port, &["CLIENT", "KILL", "TYPE", "normal"]);
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    for n in 0..3 {
        let answer = send(&app, get_from("192.0.2.11:1", "/limited", &caller)).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "request {n}: {}",
            answer.body
        );
    }
    stop_redis(server);
    assert_eq!(
        events_saying(&logs, "cannot be reached"),
        0,
        "{}",
        logs.text()
    );
}

#[actix_web::test]
async fn a_full_redis_is_one_outage_however_many_reads_still_succeed() {
    let Some((server, port)) =
        own_redis("a_full_redis_is_one_outage_however_many_reads_still_succeed")
    else {
        return;
    };
    let (logs, _guard) = Captured::install();
    let url = format!("redis://127.0.0.1:{port}");
    let app = replica(&url).await;
    let caller = token(&unique("full"), &["viewer"]);
    assert_eq!(
        send(&app, get_from("192.0.2.12:1", "/limited", &caller))
            .await
            .status,
        StatusCode::OK
    );
    // Full: every write is refused (OOM), reads are still answered.
    redis_cli(port, &["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    redis_cli(port, &["CONFIG", "SET", "maxmemory", "1"]);
    for n in 0..10 {
        let refused = send(&app, get_from("192.0.2.12:1", "/limited", &caller)).await;
        assert_eq!(
            refused.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "request {n}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(60)).await;
    }
    redis_cli(port, &["CONFIG", "SET", "maxmemory", "0"]);
    let restored = send(&app, get_from("192.0.2.12:1", "/limited", &caller)).await;
    stop_redis(server);
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_eq!(
        events_saying(&logs, "cannot be reached"),
        1,
        "{}",
        logs.text()
    );
    assert_eq!(events_saying(&logs, "answers again"), 1, "{}", logs.text());
}

#[test]
fn a_bad_redis_url_stops_start_up_naming_the_variable() {
    let e = SecurityConfig::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .redis_url("http://user:hunter2@cache.example:6379")
        .build()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.starts_with("SECURE_API_REDIS_URL: "), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
    for (url, says) in [
        ("rediss://cache.example:6380", "TLS"),
        (
            "redis://u:hunter2@cache.example:notaport",
            "redis://host:port",
        ),
    ] {
        let e = SecurityConfig::builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .jwt_secret(SECRET)
            .redis_url(url)
            .build()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("SECURE_API_REDIS_URL: ") && e.contains(says),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
    }
    let e = SecurityConfig::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .redis_url("redis://127.0.0.1:6379")
        .redis_timeout_ms(0)
        .build()
        .err()
        .map(|e| e.setting());
    assert_eq!(e, Some("SECURE_API_REDIS_TIMEOUT_MS"));
}
