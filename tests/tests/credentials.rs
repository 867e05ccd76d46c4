//! Credentials beyond one static JWT key: API keys in `X-API-Key`, key
//! files reloaded without a restart, a remote JWKS endpoint, OAuth2 scopes,
//! the required token type and one-time tokens (`jti`).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_api::SecurityConfig;
use secure_api::auth::api_key::sha256_hex;
use secure_api_tests::{
    AUDIENCE, ISSUER, SECRET, claims, fixture, get_as, hs256, send, service, sign_with_fixture,
    token,
};
use serde_json::{Value, json};

const INVALID: &str = r#"Bearer realm="customer-api", error="invalid_token""#;

const REPORTS_KEY: &str = "sapi_reports-bot-0123456789abcdef0123456789abcdef";
const EXPIRED_KEY: &str = "sapi_expired-bot-0123456789abcdef0123456789abcdef";
const ADMIN_KEY: &str = "sapi_admin-bot-0123456789abcdef0123456789abcdef00";

/// A fresh directory for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "secure-api-credentials-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Replaces `path` atomically (write aside, then rename), as the README
/// tells operators to.
fn replace(path: &Path, content: &str) {
    let aside = path.with_extension("new");
    std::fs::write(&aside, content).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(&aside, path).unwrap_or_else(|e| panic!("{e}"));
}

/// A `[[keys]]` entry.
fn entry(id: &str, key: &str, roles: &[&str], not_after: Option<&str>) -> String {
    let mut e = format!(
        "[[keys]]\nid = \"{id}\"\nsha256 = \"{}\"\nroles = {roles:?}\n",
        sha256_hex(key)
    );
    if let Some(t) = not_after {
        e.push_str(&format!("not_after = \"{t}\"\n"));
    }
    e
}

fn builder() -> secure_api::SecurityConfigBuilder {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
}

fn build(b: secure_api::SecurityConfigBuilder) -> SecurityConfig {
    b.build()
        .unwrap_or_else(|e| panic!("test configuration: {e}"))
}

/// The HS256 configuration plus an API-key file with `reports-bot`
/// (reporting), `expired-bot` (expired) and `admin-bot` (admin).
fn api_key_config(name: &str) -> SecurityConfig {
    let path = temp_dir(name).join("keys.toml");
    replace(
        &path,
        &[
            entry("reports-bot", REPORTS_KEY, &["reporting"], None),
            entry(
                "expired-bot",
                EXPIRED_KEY,
                &["reporting"],
                Some("2020-01-01T00:00:00Z"),
            ),
            entry(
                "admin-bot",
                ADMIN_KEY,
                &["admin"],
                Some("2999-01-01T00:00:00Z"),
            ),
        ]
        .concat(),
    );
    build(builder().jwt_secret(SECRET).api_keys_file(&path))
}

fn with_key(path: &str, key: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header(("x-api-key", key.to_owned()))
}

// ---------------------------------------------------------------- API keys

#[actix_web::test]
async fn a_valid_api_key_reaches_the_summary_as_its_id() {
    let app = service(api_key_config("valid")).await;
    let a = send(&app, with_key("/reports", REPORTS_KEY)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.json(),
        json!({ "sub": "reports-bot", "method": "ApiKey" })
    );
    let a = send(&app, with_key("/keys-only", REPORTS_KEY)).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::OK, "key:reports-bot")
    );
}

#[actix_web::test]
async fn an_api_key_in_the_query_is_refused() {
    let app = service(api_key_config("query")).await;
    for uri in [
        format!("/reports?api_key={REPORTS_KEY}"),
        format!("/reports?APIKEY={REPORTS_KEY}"),
    ] {
        let a = send(&app, TestRequest::get().uri(&uri)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(a.header("content-type"), "application/problem+json");
        assert!(!a.body.contains(REPORTS_KEY));
    }
}

#[actix_web::test]
async fn expired_and_near_miss_keys_get_invalid_token() {
    let app = service(api_key_config("invalid")).await;
    let mut near_miss = REPORTS_KEY.to_owned();
    near_miss.replace_range(10..11, "X");
    for key in [EXPIRED_KEY, near_miss.as_str(), "sapi_unknown", "x"] {
        let a = send(&app, with_key("/reports", key)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{key}");
        assert_eq!(a.header("www-authenticate"), INVALID, "{key}");
        assert_eq!(a.json()["status"], 401);
        assert!(key.len() < 8 || !a.body.contains(key));
    }
}

#[actix_web::test]
async fn a_route_takes_only_the_credentials_it_names() {
    let app = service(api_key_config("kinds")).await;
    // An API key on a JWT-only route is not looked at: no credentials.
    let a = send(&app, with_key("/me", REPORTS_KEY)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer realm="customer-api""#
    );
    // A JWT on an API-key-only route likewise.
    let a = send(&app, get_as("/keys-only", &token("alice", &["reporting"]))).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // Both at once, whatever the Authorization scheme: 400.
    for authorization in [
        format!("Bearer {}", token("alice", &["admin"])),
        "Basic YTpi".into(),
    ] {
        let both =
            with_key("/reports", REPORTS_KEY).insert_header(("authorization", authorization));
        let a = send(&app, both).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert_eq!(a.json()["status"], 400);
    }
}

#[actix_web::test]
async fn api_key_roles_and_jwt_roles_are_separate_requirements() {
    let app = service(api_key_config("roles")).await;
    // A JWT needs `admin`; `reporting` in a token is not enough.
    let a = send(&app, get_as("/reports", &token("alice", &["admin"]))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["method"], "Jwt");
    let a = send(&app, get_as("/reports", &token("bob", &["reporting"]))).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // An API key needs `reporting`; an admin key is not enough.
    let a = send(&app, with_key("/reports", ADMIN_KEY)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer realm="customer-api", error="insufficient_scope""#
    );
}

#[actix_web::test]
async fn an_api_key_and_a_jwt_sub_of_the_same_name_have_separate_quotas() {
    let app = service(api_key_config("quotas")).await;
    let jwt = token("reports-bot", &["admin"]);
    for _ in 0..2 {
        let a = send(&app, get_as("/reports-limited", &jwt)).await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (StatusCode::OK, "Jwt:reports-bot")
        );
    }
    let a = send(&app, get_as("/reports-limited", &jwt)).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    // The key `reports-bot` has its own bucket, full.
    let a = send(&app, with_key("/reports-limited", REPORTS_KEY)).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::OK, "ApiKey:reports-bot")
    );
    assert_eq!(a.header("ratelimit"), r#""default";r=1;t=1800"#);
}

#[actix_web::test]
async fn bad_api_keys_count_towards_the_brute_force_lockout() {
    let app = service(api_key_config("brute")).await;
    for n in 0..20 {
        let a = send(&app, with_key("/reports", &format!("sapi_guess_{n}"))).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "guess {n}");
    }
    // Locked out: even the valid key gets 429 now.
    let a = send(&app, with_key("/reports", REPORTS_KEY)).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(a.header("retry-after").parse::<u64>().is_ok_and(|s| s >= 1));
}

#[test]
fn a_bad_key_file_stops_start_up_naming_the_variable() {
    let path = temp_dir("bad-file").join("keys.toml");
    replace(
        &path,
        "[[keys]]\nid = \"a\"\nsha256 = \"not-hex\"\nroles = []\n",
    );
    let e = builder()
        .jwt_secret(SECRET)
        .api_keys_file(&path)
        .build()
        .err();
    let e = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(e.starts_with("SECURE_API_API_KEYS_FILE: "), "{e}");
    assert!(e.contains("sha256"), "{e}");
    // With the declared roles given, a role outside them is refused.
    replace(
        &path,
        &entry("reports-bot", REPORTS_KEY, &["reportng"], None),
    );
    let with_roles = |b: secure_api::SecurityConfigBuilder| {
        b.jwt_secret(SECRET)
            .api_keys_file(&path)
            .roles(secure_api_tests::declared_roles())
    };
    let e = with_roles(builder()).build().err();
    let e = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(e.starts_with("SECURE_API_API_KEYS_FILE: "), "{e}");
    assert!(e.contains("\"reportng\" is not declared"), "{e}");
    assert!(e.contains("admin, editor, viewer, reporting"), "{e}");
    // Without them it loads (and the role grants nothing).
    assert!(
        builder()
            .jwt_secret(SECRET)
            .api_keys_file(&path)
            .build()
            .is_ok()
    );
    replace(
        &path,
        &entry("reports-bot", REPORTS_KEY, &["reporting"], None),
    );
    assert!(with_roles(builder()).build().is_ok());
    // Not TOML, or a field the format does not have: still one line.
    for (content, expected) in [
        ("not toml [[\n", "at line 1"),
        (
            "[[keys]]\nid = \"a\"\nsha256 = \"00\"\nroles = []\nextra = 1\n",
            "at line 5",
        ),
    ] {
        replace(&path, content);
        let e = builder()
            .jwt_secret(SECRET)
            .api_keys_file(&path)
            .build()
            .err();
        let e = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("SECURE_API_API_KEYS_FILE: "), "{e}");
        assert!(e.contains(expected) && !e.contains('\n'), "{e:?}");
    }
}

// ------------------------------------------------- rotation without restart

/// Sends `key` to `/keys-only` until it gets `want`, for at most 5 s.
async fn until_key<S>(app: &S, key: &str, want: StatusCode)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse,
            Error = actix_web::Error,
        >,
{
    let start = Instant::now();
    loop {
        if send(app, with_key("/keys-only", key)).await.status == want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{key} never got {want}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn an_api_key_rotates_while_requests_are_in_flight_and_none_fails() {
    const OLD: &str = "sapi_old-0123456789abcdef0123456789abcdef01234567";
    const NEW: &str = "sapi_new-0123456789abcdef0123456789abcdef01234567";
    let path = temp_dir("rotate-keys").join("keys.toml");
    replace(&path, &entry("bot", OLD, &["reporting"], None));
    let app = service(build(
        builder()
            .jwt_secret(SECRET)
            .api_keys_file(&path)
            .key_file_poll_interval(Some(Duration::from_millis(100))),
    ))
    .await;
    let done = AtomicBool::new(false);
    let (sent, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // The caller: always uses a key that the file holds at that moment
    // (the old one until it has seen the new one work).
    let using_new = AtomicBool::new(false);
    let caller = async {
        while !done.load(Ordering::SeqCst) {
            let key = if using_new.load(Ordering::SeqCst) {
                NEW
            } else {
                OLD
            };
            let a = send(&app, with_key("/keys-only", key)).await;
            sent.fetch_add(1, Ordering::SeqCst);
            if a.status != StatusCode::OK {
                failed.fetch_add(1, Ordering::SeqCst);
            }
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let operator = async {
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        // 1. Add the new key beside the old one.
        replace(
            &path,
            &[
                entry("bot", OLD, &["reporting"], None),
                entry("bot", NEW, &["reporting"], None),
            ]
            .concat(),
        );
        until_key(&app, NEW, StatusCode::OK).await;
        // 2. The caller moves to the new key.
        using_new.store(true, Ordering::SeqCst);
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        // 3. A half-written file is refused; the keys in service stay.
        std::fs::write(&path, "[[keys]]\nid = \"bot\"\nsha2").unwrap_or_else(|e| panic!("{e}"));
        actix_web::rt::time::sleep(Duration::from_millis(400)).await;
        // 4. Remove the old key.
        replace(&path, &entry("bot", NEW, &["reporting"], None));
        until_key(&app, OLD, StatusCode::UNAUTHORIZED).await;
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        done.store(true, Ordering::SeqCst);
    };
    futures_join(caller, operator).await;
    assert!(
        sent.load(Ordering::SeqCst) > 20,
        "too few requests in flight"
    );
    assert_eq!(failed.load(Ordering::SeqCst), 0, "a valid request failed");
}

/// Admin tokens signed with the fixture keys `ed-1` (EdDSA) and `ec-256`
/// (ES256), each naming its key's `kid`.
fn admin_tokens_of_ed_1_and_ec_256() -> (String, String) {
    let ed = sign_with_fixture(
        "ed-1",
        Algorithm::EdDSA,
        Some("ed-1"),
        &claims("a", &["admin"]),
    );
    let ec = sign_with_fixture(
        "ec-256",
        Algorithm::ES256,
        Some("ec-256"),
        &claims("a", &["admin"]),
    );
    (ed, ec)
}

#[actix_web::test]
async fn a_jwks_file_rotates_without_a_restart() {
    let path = temp_dir("rotate-jwks").join("jwks.json");
    replace(&path, &jwks_of(&["ed-1"]));
    let app = service(build(
        builder()
            .jwks_file(&path)
            .key_file_poll_interval(Some(Duration::from_millis(100))),
    ))
    .await;
    let (ed, ec) = admin_tokens_of_ed_1_and_ec_256();
    assert_eq!(
        send(&app, get_as("/admin", &ed)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get_as("/admin", &ec)).await.status,
        StatusCode::UNAUTHORIZED
    );
    replace(&path, &jwks_of(&["ed-1", "ec-256"]));
    let start = Instant::now();
    while send(&app, get_as("/admin", &ec)).await.status != StatusCode::OK {
        // The old key keeps working while the new one comes in.
        assert_eq!(
            send(&app, get_as("/admin", &ed)).await.status,
            StatusCode::OK
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the new key never came in"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        send(&app, get_as("/admin", &ed)).await.status,
        StatusCode::OK
    );
}

// ------------------------------------------------- the verified-token cache

#[actix_web::test]
async fn a_key_removed_from_the_jwks_file_stops_its_cached_tokens_at_once() {
    let path = temp_dir("cache-rotation").join("jwks.json");
    replace(&path, &jwks_of(&["ed-1"]));
    let app = service(build(
        builder()
            .jwks_file(&path)
            .key_file_poll_interval(Some(Duration::from_millis(100))),
    ))
    .await;
    let (ed, ec) = admin_tokens_of_ed_1_and_ec_256();
    // Twice: the second answer comes from the cache.
    for _ in 0..2 {
        assert_eq!(
            send(&app, get_as("/admin", &ed)).await.status,
            StatusCode::OK
        );
    }
    replace(&path, &jwks_of(&["ec-256"]));
    let start = Instant::now();
    while send(&app, get_as("/admin", &ec)).await.status != StatusCode::OK {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the new key never came in"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // The set that verified `ed` is gone: so is its cached verdict.
    assert_eq!(
        send(&app, get_as("/admin", &ed)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn a_cached_token_is_refused_once_it_expires() {
    let app = service(build(builder().jwt_secret(SECRET).leeway_seconds(0))).await;
    let mut short = claims("a", &["admin"]);
    short["exp"] = json!(secure_api_tests::now() + 2);
    let token = hs256(&short);
    for _ in 0..2 {
        assert_eq!(
            send(&app, get_as("/admin", &token)).await.status,
            StatusCode::OK
        );
    }
    actix_web::rt::time::sleep(Duration::from_millis(3100)).await;
    let res = send(&app, get_as("/admin", &token)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.header("www-authenticate"), INVALID);
}

#[actix_web::test]
async fn a_token_differing_in_one_byte_is_verified_afresh() {
    let app = service(build(builder().jwt_secret(SECRET))).await;
    let good = token("a", &["admin"]);
    assert_eq!(
        send(&app, get_as("/admin", &good)).await.status,
        StatusCode::OK
    );
    // The same token with its signature's last character changed.
    let mut forged = good.clone();
    let last = forged.pop().unwrap_or('A');
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        send(&app, get_as("/admin", &forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[cfg(unix)]
#[actix_web::test]
async fn sighup_reloads_the_key_files() {
    const KEY: &str = "sapi_sighup-0123456789abcdef0123456789abcdef012345";
    let path = temp_dir("sighup").join("keys.toml");
    replace(&path, &entry("bot", "sapi_other", &["reporting"], None));
    // No polling: only SIGHUP can bring the change in.
    let app = service(build(
        builder()
            .jwt_secret(SECRET)
            .api_keys_file(&path)
            .key_file_poll_interval(None),
    ))
    .await;
    replace(&path, &entry("bot", KEY, &["reporting"], None));
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        send(&app, with_key("/keys-only", KEY)).await.status,
        StatusCode::UNAUTHORIZED,
        "reloaded without SIGHUP"
    );
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap_or_else(|e| panic!("{e}"));
    until_key(&app, KEY, StatusCode::OK).await;
}

// -------------------------------------------------------------- remote JWKS

/// A JWKS of the fixture keys named.
fn jwks_of(kids: &[&str]) -> String {
    let all: Value = serde_json::from_slice(
        &std::fs::read(fixture("jwks.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<Value> = all["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|k| kids.iter().any(|kid| k["kid"] == *kid))
        .cloned()
        .collect();
    json!({ "keys": keys }).to_string()
}

/// A JWKS endpoint on loopback that counts its requests and can be taken
/// down (503) or given a new key set.
struct JwksServer {
    url: String,
    hits: Arc<AtomicUsize>,
    body: Arc<Mutex<String>>,
    down: Arc<AtomicBool>,
    /// How long each answer takes, in milliseconds.
    delay_ms: Arc<AtomicUsize>,
}

impl JwksServer {
    fn start(body: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "http://{}/jwks.json",
            listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
        );
        let hits = Arc::new(AtomicUsize::new(0));
        let body = Arc::new(Mutex::new(body));
        let down = Arc::new(AtomicBool::new(false));
        let delay_ms = Arc::new(AtomicUsize::new(0));
        let (h, b, d, ms) = (hits.clone(), body.clone(), down.clone(), delay_ms.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::sleep(Duration::from_millis(ms.load(Ordering::SeqCst) as u64));
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                h.fetch_add(1, Ordering::SeqCst);
                let answer = if d.load(Ordering::SeqCst) {
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
                } else {
                    let body = b.lock().map(|b| b.clone()).unwrap_or_default();
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = (&stream).write_all(answer.as_bytes());
            }
        });
        Self {
            url,
            hits,
            body,
            down,
            delay_ms,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn remote_config(url: &str, ttl: u64, cooldown: u64) -> SecurityConfig {
    build(builder().jwks_url(url).jwks_cache(ttl, cooldown))
}

fn ed_token(sub: &str) -> String {
    sign_with_fixture(
        "ed-1",
        Algorithm::EdDSA,
        Some("ed-1"),
        &claims(sub, &["admin"]),
    )
}

#[actix_web::test]
async fn remote_keys_verify_tokens_and_are_cached() {
    let server = JwksServer::start(jwks_of(&["ed-1"]));
    let app = service(remote_config(&server.url, 300, 10)).await;
    for n in 0..3 {
        let a = send(&app, get_as("/admin", &ed_token("alice"))).await;
        assert_eq!(a.status, StatusCode::OK, "request {n}");
    }
    assert_eq!(server.hits(), 1);
    // The key's own `alg` is honoured: the same key under ES256 is refused.
    let wrong_alg = sign_with_fixture(
        "ec-256",
        Algorithm::ES256,
        Some("ed-1"),
        &claims("a", &["admin"]),
    );
    assert_eq!(
        send(&app, get_as("/admin", &wrong_alg)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn concurrent_tokens_wait_for_the_fetch_in_flight() {
    let server = JwksServer::start(jwks_of(&["ed-1"]));
    server.delay_ms.store(300, Ordering::SeqCst);
    let app = service(remote_config(&server.url, 300, 10)).await;
    let tokens: Vec<String> = (0..10).map(|n| ed_token(&format!("user-{n}"))).collect();
    let answers =
        futures_util::future::join_all(tokens.iter().map(|t| send(&app, get_as("/admin", t))))
            .await;
    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![StatusCode::OK; 10]);
    assert_eq!(server.hits(), 1);
}

#[actix_web::test]
async fn concurrent_guesses_during_a_slow_key_fetch_never_exceed_the_failure_limit() {
    // Every guess names a `kid` the service does not know, so each one
    // waits for the same 2 s key fetch before it can fail: the lock-out
    // must count the guesses in flight, not only the failures already seen.
    let server = JwksServer::start(jwks_of(&["ed-1"]));
    server.delay_ms.store(2_000, Ordering::SeqCst);
    let app = service(remote_config(&server.url, 300, 10)).await;
    let guesses: Vec<String> = (0..100)
        .map(|n| {
            sign_with_fixture(
                "ed-1",
                Algorithm::EdDSA,
                Some(&format!("guess-{n}")),
                &claims("mallory", &["admin"]),
            )
        })
        .collect();
    let answers =
        futures_util::future::join_all(guesses.iter().map(|t| send(&app, get_as("/admin", t))))
            .await;
    let verified = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // The default limit is 20 failures per client per minute.
    assert!(verified <= 20, "{verified} guesses reached verification");
    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status).collect();
    assert_eq!(verified + refused, 100, "{statuses:?}");
    // And the client is locked out now, valid token or not.
    assert_eq!(
        send(&app, get_as("/admin", &ed_token("mallory")))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn unknown_kids_fetch_at_most_once_per_cooldown() {
    let server = JwksServer::start(jwks_of(&["ed-1"]));
    let app = service(remote_config(&server.url, 300, 10)).await;
    for n in 0..10 {
        let t = sign_with_fixture(
            "ed-1",
            Algorithm::EdDSA,
            Some(&format!("made-up-{n}")),
            &claims("a", &["admin"]),
        );
        let a = send(&app, get_as("/admin", &t)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.header("www-authenticate"), INVALID);
    }
    assert_eq!(
        server.hits(),
        1,
        "unknown kids made the service fetch again"
    );
}

#[actix_web::test]
async fn a_new_kid_is_fetched_after_the_cooldown() {
    let server = JwksServer::start(jwks_of(&["ed-1"]));
    let app = service(remote_config(&server.url, 300, 1)).await;
    assert_eq!(
        send(&app, get_as("/admin", &ed_token("a"))).await.status,
        StatusCode::OK
    );
    *server.body.lock().unwrap_or_else(|e| e.into_inner()) = jwks_of(&["ed-1", "ec-256"]);
    actix_web::rt::time::sleep(Duration::from_millis(1_100)).await;
    let ec = sign_with_fixture(
        "ec-256",
        Algorithm::ES256,
        Some("ec-256"),
        &claims("a", &["admin"]),
    );
    assert_eq!(
        send(&app, get_as("/admin", &ec)).await.status,
        StatusCode::OK
    );
    assert_eq!(server.hits(), 2);
}

#[actix_web::test]
async fn cached_keys_keep_working_while_the_endpoint_is_down() {
    let server = JwksServer::start(jwks_of(&["ed-1"]));
    let app = service(remote_config(&server.url, 1, 1)).await;
    assert_eq!(
        send(&app, get_as("/admin", &ed_token("a"))).await.status,
        StatusCode::OK
    );
    server.down.store(true, Ordering::SeqCst);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(3_500) {
        let a = send(&app, get_as("/admin", &ed_token("a"))).await;
        assert_eq!(a.status, StatusCode::OK, "after {:?}", start.elapsed());
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // The stale cache was refreshed in the background, and each refresh failed.
    assert!(server.hits() >= 2, "no refresh was attempted");
}

#[actix_web::test]
async fn keys_named_by_the_token_itself_are_never_fetched_or_used() {
    let ours = JwksServer::start(jwks_of(&["ed-1"]));
    // The attacker's set names its own key (the ec-256 fixture) "attacker".
    let attacker_set = jwks_of(&["ec-256"]).replace("\"ec-256\"", "\"attacker\"");
    let attacker = JwksServer::start(attacker_set.clone());
    let app = service(remote_config(&ours.url, 300, 10)).await;
    let key = EncodingKey::from_ec_pem(
        &std::fs::read(fixture("ec-256.key.pem")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let jwk: Value =
        serde_json::from_str::<Value>(&attacker_set).unwrap_or_default()["keys"][0].clone();
    let mut headers = Vec::new();
    for jku in ["https://attacker.test/jwks.json", attacker.url.as_str()] {
        let mut h = Header::new(Algorithm::ES256);
        h.kid = Some("attacker".into());
        h.jku = Some(jku.into());
        headers.push(h);
    }
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some("attacker".into());
    h.x5u = Some(attacker.url.clone());
    headers.push(h);
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some("attacker".into());
    h.jwk = serde_json::from_value(jwk).ok();
    assert!(h.jwk.is_some());
    headers.push(h);
    for header in headers {
        let t = jsonwebtoken::encode(&header, &claims("mallory", &["admin"]), &key)
            .unwrap_or_else(|e| panic!("{e}"));
        let a = send(&app, get_as("/admin", &t)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{header:?}");
        assert_eq!(a.header("www-authenticate"), INVALID);
    }
    assert_eq!(
        attacker.hits(),
        0,
        "the service fetched a URL the token named"
    );
    assert_eq!(ours.hits(), 1);
}

#[test]
fn bad_jwks_settings_stop_start_up_naming_the_setting() {
    let e = builder()
        .jwks_url("http://idp.example/jwks.json")
        .build()
        .err();
    assert_eq!(e.map(|e| e.setting()), Some("SECURE_API_JWKS_URL"));
    let e = builder()
        .jwks_url("https://u:hunter2@idp.example/jwks.json")
        .build()
        .err();
    let e = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.starts_with("SECURE_API_JWKS_URL: ") && !e.contains("hunter2"),
        "{e}"
    );
    let e = builder()
        .jwks_url("https://idp.example/jwks.json")
        .jwks_cache(60, 0)
        .build()
        .err();
    assert_eq!(
        e.map(|e| e.setting()),
        Some("SECURE_API_JWKS_COOLDOWN_SECONDS")
    );
    let e = builder()
        .jwks_url("https://idp.example/jwks.json")
        .jwks_cache(0, 1)
        .build()
        .err();
    assert_eq!(e.map(|e| e.setting()), Some("SECURE_API_JWKS_TTL_SECONDS"));
}

// ------------------------------------------------------------------ scopes

fn with_scope(field: &str, value: Value, roles: &[&str]) -> String {
    let mut c = claims("alice", roles);
    c[field] = value;
    hs256(&c)
}

#[actix_web::test]
async fn a_scope_in_scope_or_scp_grants_the_route() {
    let app = service(secure_api_tests::config()).await;
    for t in [
        with_scope("scope", json!("profile customers:read"), &[]),
        with_scope("scp", json!(["customers:read"]), &[]),
    ] {
        let a = send(&app, get_as("/scoped", &t)).await;
        assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "scoped"));
    }
}

#[actix_web::test]
async fn a_missing_scope_gets_403_naming_the_scope() {
    let app = service(secure_api_tests::config()).await;
    for t in [
        with_scope("scope", json!("customers:write"), &["admin"]),
        with_scope("scope", json!("customers:readx"), &[]),
        token("alice", &["admin"]),
    ] {
        let a = send(&app, get_as("/scoped", &t)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(
            a.header("www-authenticate"),
            r#"Bearer realm="customer-api", error="insufficient_scope", scope="customers:read""#
        );
        assert_eq!(a.json()["status"], 403);
    }
    let a = send(
        &app,
        get_as(
            "/scoped-all",
            &with_scope("scope", json!("customers:read"), &["viewer"]),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(
        a.header("www-authenticate")
            .ends_with(r#"scope="customers:read customers:write""#)
    );
    let t = with_scope(
        "scope",
        json!("customers:write customers:read"),
        &["viewer"],
    );
    assert_eq!(
        send(&app, get_as("/scoped-all", &t)).await.status,
        StatusCode::OK
    );
    // Scopes do not replace the role.
    let t = with_scope("scope", json!("customers:write customers:read"), &[]);
    assert_eq!(
        send(&app, get_as("/scoped-all", &t)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn a_scope_claim_of_the_wrong_type_is_an_invalid_token() {
    let app = service(secure_api_tests::config()).await;
    for t in [
        with_scope("scope", json!(["customers:read"]), &[]),
        with_scope("scp", json!([1]), &[]),
    ] {
        let a = send(&app, get_as("/scoped", &t)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.header("www-authenticate"), INVALID);
    }
}

// -------------------------------------------------------------- token type

#[actix_web::test]
async fn a_required_typ_keeps_id_tokens_out() {
    let app = service(build(builder().jwt_secret(SECRET).token_type("at+jwt"))).await;
    let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let with_typ = |typ: Option<&str>| {
        let mut h = Header::new(Algorithm::HS256);
        h.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(&h, &claims("alice", &["admin"]), &key)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        let a = send(&app, get_as("/admin", &with_typ(Some(typ)))).await;
        assert_eq!(a.status, StatusCode::OK, "{typ}");
    }
    for typ in [Some("JWT"), Some("id_token+jwt"), None] {
        let a = send(&app, get_as("/admin", &with_typ(typ))).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{typ:?}");
        assert_eq!(a.header("www-authenticate"), INVALID);
    }
}

// ------------------------------------------------------------------ replay

fn once_request(token: &str) -> TestRequest {
    TestRequest::post()
        .uri("/once")
        .insert_header(("authorization", format!("Bearer {token}")))
}

#[actix_web::test]
async fn a_jti_is_accepted_once() {
    let app = service(secure_api_tests::config()).await;
    let mut c = claims("alice", &["viewer"]);
    c["jti"] = json!("jti-1");
    let t = hs256(&c);
    let a = send(&app, once_request(&t)).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "once"));
    let a = send(&app, once_request(&t)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.header("www-authenticate"), INVALID);
    assert_eq!(a.json()["status"], 401);
    // Another jti passes; the same token on a route without `replay` too.
    c["jti"] = json!("jti-2");
    assert_eq!(
        send(&app, once_request(&hs256(&c))).await.status,
        StatusCode::OK
    );
    assert_eq!(send(&app, get_as("/me", &t)).await.status, StatusCode::OK);
    assert_eq!(send(&app, get_as("/me", &t)).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_one_time_route_refuses_tokens_without_a_jti() {
    let app = service(secure_api_tests::config()).await;
    let t = token("alice", &["viewer"]);
    let a = send(&app, once_request(&t)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    for jti in [json!(42), json!(""), Value::Null] {
        let mut c = claims("alice", &["viewer"]);
        c["jti"] = jti.clone();
        let a = send(&app, once_request(&hs256(&c))).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{jti}");
    }
}

#[actix_web::test]
async fn a_jti_is_spent_only_when_the_request_reaches_the_handler() {
    let app = service(secure_api_tests::config()).await;
    let mut c = claims("alice", &["editor"]);
    c["jti"] = json!("payment-1");
    let t = hs256(&c);
    let post = |body: &'static str| {
        TestRequest::post()
            .uri("/once-body")
            .insert_header(("authorization", format!("Bearer {t}")))
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
    };
    // A malformed body is refused, and the token stays usable.
    assert_eq!(
        send(&app, post("{\"amount\":")).await.status,
        StatusCode::BAD_REQUEST
    );
    // A viewer's token is refused by the role, and its jti not spent.
    let mut v = claims("bob", &["viewer"]);
    v["jti"] = json!("payment-1");
    let viewer = TestRequest::post()
        .uri("/once-body")
        .insert_header(("authorization", format!("Bearer {}", hs256(&v))))
        .insert_header(("content-type", "application/json"))
        .set_payload("{}");
    assert_eq!(send(&app, viewer).await.status, StatusCode::FORBIDDEN);
    // The corrected retry passes once; the replay is refused.
    let a = send(&app, post("{\"amount\":5}")).await;
    assert_eq!(
        (a.status, a.json()),
        (StatusCode::OK, json!({ "amount": 5 }))
    );
    let a = send(&app, post("{\"amount\":5}")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.header("www-authenticate"), INVALID);
}

#[actix_web::test]
async fn a_full_replay_store_fails_closed() {
    let app = service(build(builder().jwt_secret(SECRET).replay_capacity(2))).await;
    let with_jti = |jti: &str| {
        let mut c = claims("alice", &["viewer"]);
        c["jti"] = json!(jti);
        hs256(&c)
    };
    assert_eq!(
        send(&app, once_request(&with_jti("a"))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, once_request(&with_jti("b"))).await.status,
        StatusCode::OK
    );
    let a = send(&app, once_request(&with_jti("c"))).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(a.header("retry-after").parse::<u64>().is_ok_and(|s| s >= 1));
    assert_eq!(a.header("content-type"), "application/problem+json");
}

/// Runs two futures to completion on this task.
async fn futures_join(
    a: impl std::future::Future<Output = ()>,
    b: impl std::future::Future<Output = ()>,
) {
    futures_util::future::join(a, b).await;
}
