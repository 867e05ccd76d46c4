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

/// The roles declared above, as `roles!` lists them (`roles::names()`).
pub fn declared_roles() -> &'static [&'static str] {
    roles::names()
}

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

/// Admins with a JWT, or integrations with an API key of role `reporting`.
#[secure(auth = "any", role = "admin", api_key_role = "reporting")]
#[get("/reports")]
async fn reports(who: Principal) -> impl Responder {
    HttpResponse::Ok()
        .json(json!({ "sub": who.subject(), "method": format!("{:?}", who.auth_method()) }))
}

/// As `/reports`, two requests an hour per principal.
#[secure(
    auth = "any",
    role = "admin",
    api_key_role = "reporting",
    rate = "2/1h"
)]
#[get("/reports-limited")]
async fn reports_limited(who: Principal) -> impl Responder {
    format!("{:?}:{}", who.auth_method(), who.subject())
}

/// API keys of role `reporting` only.
#[secure(auth = "api_key", role = "reporting")]
#[get("/keys-only")]
async fn keys_only(who: Principal) -> impl Responder {
    format!("key:{}", who.subject())
}

/// Any caller whose token grants the `customers:read` scope.
#[secure(scope = "customers:read")]
#[get("/scoped")]
async fn scoped() -> impl Responder {
    "scoped"
}

/// Viewers whose token grants both scopes.
#[secure(role = "viewer", scopes(all("customers:read", "customers:write")))]
#[get("/scoped-all")]
async fn scoped_all() -> impl Responder {
    "scoped-all"
}

/// Viewers, each token once (`jti`).
#[secure(role = "viewer", replay = "jti")]
#[post("/once")]
async fn once() -> impl Responder {
    "once"
}

/// Editors post JSON, each token once: the `jti` is spent only when the
/// body has been accepted.
#[secure(role = "editor", replay = "jti", unvalidated(body))]
#[post("/once-body")]
async fn once_body(body: web::Json<Value>) -> impl Responder {
    HttpResponse::Ok().json(body.into_inner())
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
        .service(delete_customer)
        .service(reports)
        .service(reports_limited)
        .service(keys_only)
        .service(scoped)
        .service(scoped_all)
        .service(once)
        .service(once_body);
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

    /// The body without its `request_id` member (a random id could hold any
    /// short string), for asserting that a value is not echoed.
    pub fn body_without_request_id(&self) -> String {
        match self.json() {
            Value::Object(mut o) => {
                o.remove("request_id");
                Value::Object(o).to_string()
            }
            _ => self.body.clone(),
        }
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

/// An alert sink (`secure_api::alert::AlertSink`) that keeps every alert
/// it is sent, for assertions.
#[derive(Clone, Default)]
pub struct KeptAlerts(std::sync::Arc<std::sync::Mutex<Vec<secure_api::alert::Alert>>>);

impl secure_api::alert::AlertSink for KeptAlerts {
    fn send(&self, alert: &secure_api::alert::Alert) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(alert.clone());
    }
}

impl KeptAlerts {
    /// The alerts received so far, in order.
    pub fn taken(&self) -> Vec<secure_api::alert::Alert> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many alerts were received.
    pub fn len(&self) -> usize {
        self.taken().len()
    }

    /// Whether no alert was received.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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

    /// A process-wide subscriber that takes no event but answers
    /// `Interest::sometimes()` for every callsite, held for the life of the
    /// test binary.
    ///
    /// `tracing` caches each callsite's interest globally, combined over
    /// every live subscriber, while tests capture on their own thread
    /// (`set_default`). Without this anchor the cache can say `always`, so
    /// an event skips the per-event `enabled` check that the per-layer
    /// filters of the capturing subscriber rely on, or `never`; either way
    /// a test running beside others would now and then miss a line. With
    /// it the interest is always `sometimes`, and every event is asked
    /// about on the thread that emits it.
    fn anchor() {
        static ANCHOR: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        ANCHOR.get_or_init(|| tracing::Dispatch::new(Sometimes));
    }

    /// See [`anchor`].
    struct Sometimes;

    impl tracing::Subscriber for Sometimes {
        fn register_callsite(
            &self,
            _: &'static tracing::Metadata<'static>,
        ) -> tracing::subscriber::Interest {
            tracing::subscriber::Interest::sometimes()
        }
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            false
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

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
            anchor();
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

/// A strict reader of the Prometheus text exposition format (version
/// 0.0.4): every line must be a `# HELP`, a `# TYPE`, a comment, blank, or a
/// well-formed sample, with the metric's `# TYPE` before its samples.
/// `prometheus-parse` skips lines it cannot read (a label value with `}` in
/// it, for one), so the tests read each scrape with this too.
pub mod exposition {
    use std::collections::{BTreeMap, HashMap};

    /// One sample line.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Sample {
        /// The metric name (`secure_api_requests_total`,
        /// `..._bucket`, ...).
        pub name: String,
        /// The labels, unescaped.
        pub labels: BTreeMap<String, String>,
        /// The value.
        pub value: f64,
    }

    /// Reads `text`; the first line that does not fit is the error.
    ///
    /// # Errors
    /// The offending line and what is wrong with it.
    pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
        let mut types: HashMap<String, String> = HashMap::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            let fail = |what: &str| format!("{what}: {line:?}");
            if line.trim().is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').ok_or_else(|| fail("TYPE"))?;
                if !is_name(name, true)
                    || !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind)
                {
                    return Err(fail("TYPE"));
                }
                if types.insert(name.to_owned(), kind.to_owned()).is_some() {
                    return Err(fail("a second TYPE"));
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let sample = sample(line).ok_or_else(|| fail("not a sample"))?;
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| sample.name.strip_suffix(s))
                .filter(|base| types.get(*base).is_some_and(|t| t == "histogram"))
                .unwrap_or(&sample.name);
            if !types.contains_key(family) {
                return Err(fail("a sample before its TYPE"));
            }
            samples.push(sample);
        }
        Ok(samples)
    }

    /// `name{labels} value [timestamp]`.
    fn sample(line: &str) -> Option<Sample> {
        let end = line.find(['{', ' ']).unwrap_or(line.len());
        let name = &line[..end];
        if !is_name(name, true) {
            return None;
        }
        let mut rest = &line[end..];
        let mut labels = BTreeMap::new();
        if let Some(mut inside) = rest.strip_prefix('{') {
            loop {
                if let Some(after) = inside.strip_prefix('}') {
                    rest = after;
                    break;
                }
                let eq = inside.find('=')?;
                let label = &inside[..eq];
                if !is_name(label, false) {
                    return None;
                }
                let mut chars = inside[eq + 1..].strip_prefix('"')?.char_indices();
                let mut value = String::new();
                let close = loop {
                    match chars.next()? {
                        (i, '"') => break i,
                        (_, '\\') => match chars.next()?.1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            _ => return None,
                        },
                        (_, '\n') => return None,
                        (_, c) => value.push(c),
                    }
                };
                labels.insert(label.to_owned(), value);
                inside = &inside[eq + 1 + 1 + close + 1..];
                inside = inside.strip_prefix(',').unwrap_or(inside);
            }
        }
        let mut parts = rest.strip_prefix(' ')?.trim_start().split(' ');
        let value = match parts.next()? {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().ok()?,
        };
        match (parts.next(), parts.next()) {
            (None, _) => {}
            (Some(ts), None) if ts.parse::<i64>().is_ok() => {}
            _ => return None,
        }
        Some(Sample {
            name: name.to_owned(),
            labels,
            value,
        })
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` for metrics, without `:` for labels.
    fn is_name(s: &str, colon: bool) -> bool {
        let ok = |c: char, first: bool| {
            c.is_ascii_alphabetic()
                || c == '_'
                || (colon && c == ':')
                || (!first && c.is_ascii_digit())
        };
        let mut chars = s.chars();
        chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
    }

    /// The value of the sample `name` whose labels include `labels`.
    pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        samples
            .iter()
            .find(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn reads_the_format_and_refuses_what_is_not() {
            let text = "# HELP m_total Help.\n# TYPE m_total counter\nm_total{a=\"/x/{id}\",b=\"q\\\"\\\\\"} 3\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n";
            let samples = parse(text).unwrap_or_default();
            assert_eq!(samples.len(), 4);
            assert_eq!(
                value(&samples, "m_total", &[("a", "/x/{id}"), ("b", "q\"\\")]),
                Some(3.0)
            );
            for bad in [
                "m_total 1\n",
                "# TYPE m counter\nm{a=\"x} 1\n",
                "# TYPE m counter\nm{a=x} 1\n",
                "# TYPE m counter\nm 1 2 3\n",
                "# TYPE m counter\nm one\n",
                "# TYPE m counter\n# TYPE m counter\n",
            ] {
                assert!(parse(bad).is_err(), "{bad:?}");
            }
        }
    }
}
