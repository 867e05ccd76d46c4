//! Shared helpers for the secure-api test suites: a test application with
//! one `#[secure]` route per policy shape, configurations, and token minting
//! with fixture keys.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, Responder, delete, get, post, test, web};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_api::{Principal, Security, SecurityConfig, roles, secure};
use serde_json::{Value, json};

roles! { admin > editor > viewer; reporting; }

/// The issuer every test configuration requires.
pub const ISSUER: &str = "https://auth.customer-api.test";
/// The audience every test configuration requires.
pub const AUDIENCE: &str = "customer-api";
/// The HS256 secret of [`config`] (32 bytes or more).
pub const SECRET: &str = "test-secret-0123456789-abcdefghij-klmnop";

/// Admins only.
#[secure(role = "admin")]
#[get("/admin")]
async fn admin_only(who: Principal) -> impl Responder {
    format!("admin:{}", who.subject())
}

/// Any viewer (editors and admins included); echoes the subject.
#[secure(role = "viewer")]
#[get("/me")]
async fn me(who: Principal) -> impl Responder {
    HttpResponse::Ok().json(json!({ "sub": who.subject(), "roles": who.roles() }))
}

/// No authentication.
#[secure(public)]
#[get("/open")]
async fn open() -> impl Responder {
    "open"
}

/// A customer, readable by its owner or by an editor and above.
#[secure(role = "viewer", owner(param = "id", unless = "editor"))]
#[get("/customers/{id}")]
async fn customer(id: web::Path<String>) -> impl Responder {
    format!("customer:{id}")
}

/// Editors post JSON; the body is read only after the checks, and parsed
/// strictly but with no rules (free-form `Value`).
#[secure(role = "editor", unvalidated(body))]
#[post("/echo")]
async fn echo(body: web::Json<Value>) -> impl Responder {
    HttpResponse::Ok().json(body.into_inner())
}

/// Needs both `editor` and `reporting`.
#[secure(roles(all("editor", "reporting")))]
#[get("/both")]
async fn both() -> impl Responder {
    "both"
}

/// Needs `reporting` or `admin`.
#[secure(roles(any("reporting", "admin")))]
#[get("/either")]
async fn either() -> impl Responder {
    "either"
}

/// First of two routes with the same small quota.
#[secure(role = "viewer", rate = "2/1m")]
#[get("/limited-a")]
async fn limited_a() -> impl Responder {
    "a"
}

/// Second of two routes with the same small quota.
#[secure(role = "viewer", rate = "2/1m")]
#[get("/limited-b")]
async fn limited_b() -> impl Responder {
    "b"
}

/// A public route limited per client IP.
#[secure(public, rate = "2/1m")]
#[get("/limited-open")]
async fn limited_open() -> impl Responder {
    "open"
}

/// Served under `/v1`.
#[secure(role = "viewer", version = "v1")]
#[get("/versioned")]
async fn versioned() -> impl Responder {
    "v1"
}

/// Admins delete.
#[secure(role = "admin", version = "v1")]
#[delete("/customers/{id}")]
async fn delete_customer(_id: web::Path<String>) -> impl Responder {
    HttpResponse::NoContent().finish()
}

/// Registers every test route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(admin_only)
        .service(me)
        .service(open)
        .service(customer)
        .service(echo)
        .service(both)
        .service(either)
        .service(limited_a)
        .service(limited_b)
        .service(limited_open)
        .service(versioned)
        .service(delete_customer);
}

/// The HS256 test configuration: [`SECRET`], [`ISSUER`], [`AUDIENCE`].
pub fn config() -> SecurityConfig {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .build()
        .unwrap_or_else(|e| panic!("test configuration: {e}"))
}

/// The JWKS test configuration: the public keys of `fixtures/jwks.json` and no secret.
pub fn jwks_config() -> SecurityConfig {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwks_file(fixture("jwks.json"))
        .build()
        .unwrap_or_else(|e| panic!("test configuration: {e}"))
}

/// The path of a file in `tests/fixtures`.
pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Valid claims for `sub` with `roles`, expiring in 10 minutes.
pub fn claims(sub: &str, roles: &[&str]) -> Value {
    json!({ "sub": sub, "roles": roles, "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 600 })
}

/// `claims` signed with HS256 and [`SECRET`].
pub fn hs256(claims: &Value) -> String {
    sign(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}")),
    )
}

/// A valid HS256 token for `sub` with `roles`.
pub fn token(sub: &str, roles: &[&str]) -> String {
    hs256(&claims(sub, roles))
}

/// `claims` signed with the fixture private key `kid` (see `fixtures/`),
/// with header `alg` and `kid` (the header's `kid` may differ from the key's).
pub fn sign_with_fixture(
    key: &str,
    alg: Algorithm,
    header_kid: Option<&str>,
    claims: &Value,
) -> String {
    let pem =
        std::fs::read(fixture(&format!("{key}.key.pem"))).unwrap_or_else(|e| panic!("{key}: {e}"));
    let encoding = match alg {
        Algorithm::RS256 | Algorithm::PS256 => EncodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(&pem),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem),
        _ => panic!("no fixture for {alg:?}"),
    }
    .unwrap_or_else(|e| panic!("{key}: {e}"));
    let mut header = Header::new(alg);
    header.kid = header_kid.map(str::to_owned);
    sign(&header, claims, &encoding)
}

fn sign(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).unwrap_or_else(|e| panic!("signing: {e}"))
}

/// A token assembled by hand: base64url(header) . base64url(claims) . signature
/// as given, for shapes no JWT library will produce (`alg: none`, odd headers).
pub fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// Unpadded base64url (RFC 4648 §5).
pub fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// A test service with every route, the given configuration, and the
/// [`Security`] middleware outermost.
pub async fn service(
    config: SecurityConfig,
) -> impl Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>
{
    test::init_service(App::new().configure(routes).wrap(Security::new(config))).await
}

/// A response's status, headers and body (as text), for assertions.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: actix_web::http::header::HeaderMap,
    /// The body as UTF-8 text.
    pub body: String,
}

impl Answer {
    /// Reads a test response.
    pub async fn of(res: ServiceResponse<impl MessageBody>) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        Self {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body parsed as JSON (`null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends `req` through `app` and reads the answer.
pub async fn send<S>(app: &S, req: test::TestRequest) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
{
    Answer::of(test::call_service(app, req.to_request()).await).await
}

/// A GET of `path` with `Authorization: Bearer <token>`.
pub fn get_as(path: &str, token: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .insert_header(("authorization", format!("Bearer {token}")))
}

/// Log output captured on the current thread, for tests that assert what
/// reaches a log (the audit trail, alerts, and every other event).
pub mod logs {
    use std::io::Write;
    use std::sync::{Arc, Mutex, PoisonError};

    use serde_json::Value;
    use tracing::subscriber::DefaultGuard;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::prelude::*;

    /// Everything written by the subscriber of [`Captured::install`].
    #[derive(Clone, Default)]
    pub struct Captured(Arc<Mutex<Vec<u8>>>);

    /// A writer into a [`Captured`] buffer.
    pub struct Writer(Arc<Mutex<Vec<u8>>>);

    impl Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Writer;
        fn make_writer(&'a self) -> Writer {
            Writer(Arc::clone(&self.0))
        }
    }

    impl Captured {
        /// Captures, on this thread until the guard drops, what an app
        /// would log: the audit lines of `secure_api::audit::layer`, and
        /// every other event of every target at every level (TRACE
        /// included) as tracing-subscriber's JSON lines.
        pub fn install() -> (Self, DefaultGuard) {
            let captured = Self::default();
            let others = Targets::new()
                .with_default(LevelFilter::TRACE)
                .with_target(secure_api::audit::TARGET, LevelFilter::OFF);
            let subscriber = tracing_subscriber::registry()
                .with(secure_api::audit::layer(captured.clone()))
                .with(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .with_writer(captured.clone())
                        .with_filter(others),
                );
            let guard = tracing::subscriber::set_default(subscriber);
            (captured, guard)
        }

        /// Everything captured, as text.
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner))
                .into_owned()
        }

        /// Every captured line parsed as JSON; a line that is not a JSON
        /// object fails the test (a forged or broken line).
        pub fn lines(&self) -> Vec<Value> {
            self.text()
                .lines()
                .map(|l| match serde_json::from_str::<Value>(l) {
                    Ok(v @ Value::Object(_)) => v,
                    _ => panic!("a log line that is not a JSON object: {l:?}"),
                })
                .collect()
        }

        /// The audit lines (flat, with `ts`), in order.
        pub fn audit(&self) -> Vec<Value> {
            self.lines()
                .into_iter()
                .filter(|l| l["target"] == secure_api::audit::TARGET && l.get("ts").is_some())
                .collect()
        }

        /// The audit line of the request with `request_id`; fails the test
        /// unless there is exactly one.
        pub fn audit_of(&self, request_id: &str) -> Value {
            let found: Vec<Value> = self
                .audit()
                .into_iter()
                .filter(|l| l["request_id"] == request_id)
                .collect();
            assert_eq!(found.len(), 1, "audit lines of {request_id}: {found:?}");
            found.into_iter().next().unwrap_or(Value::Null)
        }

        /// The `fields` of the captured events of `target` (the alerts of
        /// `secure_api::alert`, ...).
        pub fn events(&self, target: &str) -> Vec<Value> {
            self.lines()
                .into_iter()
                .filter(|l| l["target"] == target)
                .map(|l| l["fields"].clone())
                .collect()
        }
    }
}
