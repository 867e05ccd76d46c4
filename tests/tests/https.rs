//! HTTPS, plain HTTP, secure headers, CORS, methods and versions, through
//! real listeners: an actix-web `HttpServer` over rustls with the
//! framework's development certificate, a plain HTTP listener with the
//! framework's plain-HTTP policy, and `reqwest` as the client.

use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, X_FRAME_OPTIONS};
use actix_web::{App, HttpResponse, HttpServer, Responder, delete, get, post, web};
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use reqwest::{Certificate, Client, Method, Response, StatusCode};
use secure_api::server::Tls;
use secure_api::{
    CorsPolicy, Hsts, HttpsAuthority, SecureHeaders, Security, SecurityConfig, secure,
};
use secure_api_tests::{AUDIENCE, ISSUER, SECRET, token};
use serde_json::{Value, json};

secure_api::roles! { admin > editor > viewer; reporting; }

/// A test's outcome; `?` turns any failure into a test failure.
type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The origin the CORS tests allow.
const APP_ORIGIN: &str = "https://app.example.test";

/// Customers, for viewers; five a minute per caller.
#[secure(role = "viewer", rate = "5/1m", version = "v1")]
#[get("/customers")]
async fn list() -> impl Responder {
    web::Json(json!([{ "id": "c-1" }]))
}

/// Editors create.
#[secure(role = "editor", version = "v1")]
#[post("/customers")]
async fn create() -> impl Responder {
    HttpResponse::Created().finish()
}

/// One customer, for viewers.
#[secure(role = "viewer", version = "v1")]
#[get("/customers/{id}")]
async fn one(id: web::Path<String>) -> impl Responder {
    web::Json(json!({ "id": id.into_inner() }))
}

/// Admins delete.
#[secure(role = "admin", version = "v1")]
#[delete("/customers/{id}")]
async fn remove(_id: web::Path<String>) -> impl Responder {
    HttpResponse::NoContent().finish()
}

/// Deprecated, not yet retired.
#[secure(
    role = "viewer",
    version = "v0",
    deprecated(
        since = "2026-01-01",
        sunset = "2027-12-31",
        link = "https://docs.customer-api.test/migrate-v1",
        sunset_link = "https://docs.customer-api.test/sunset"
    )
)]
#[get("/customers")]
async fn list_v0() -> impl Responder {
    web::Json(json!([{ "id": "c-1" }]))
}

/// Retired: its sunset has passed.
#[secure(
    role = "admin",
    version = "v0",
    deprecated(since = "2025-01-01", sunset = "2025-06-30")
)]
#[get("/export")]
async fn export_v0() -> impl Responder {
    "never served"
}

/// A handler that sets weak security headers of its own.
#[secure(public)]
#[get("/weak")]
async fn weak() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=3600"))
        .insert_header(("x-frame-options", "ALLOWALL"))
        .insert_header(("server", "handmade/1.0"))
        .insert_header(("x-powered-by", "hope"))
        .insert_header(("strict-transport-security", "max-age=1"))
        .body("weak")
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(one)
        .service(remove)
        .service(list_v0)
        .service(export_v0)
        .service(weak);
}

/// A configuration builder with the test keys.
fn builder() -> secure_api::SecurityConfigBuilder {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
}

/// Both listeners of one configuration, stopped when dropped.
struct Servers {
    /// `https://127.0.0.1:<port>`.
    https: String,
    /// `http://127.0.0.1:<port>`.
    http: String,
    /// `127.0.0.1:<port>` of the HTTPS listener.
    authority: String,
    /// A client that trusts only the development certificate and follows no redirect.
    client: Client,
    handles: Vec<ServerHandle>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for handle in &self.handles {
            drop(handle.stop(false));
        }
    }
}

/// Starts an HTTPS listener with a fresh development certificate and a
/// plain HTTP listener redirecting to it, both on free ports.
fn start(test: &str, config: SecurityConfig) -> TestResult<Servers> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("https-{test}"));
    let tls = Tls::development(dir.join("dev-cert.pem"))?;
    let security = Security::new(config);
    let api = security.clone();
    let https = HttpServer::new(move || App::new().configure(routes).wrap(api.clone()))
        .workers(1)
        .disable_signals()
        .bind_rustls_0_23("127.0.0.1:0", tls.server_config())?;
    let https_addr = *https.addrs().first().ok_or("no HTTPS address")?;
    let plain = security.plain_http(HttpsAuthority::of(https_addr));
    let http = HttpServer::new(move || App::new().configure(routes).wrap(plain.clone()))
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")?;
    let http_addr = *http.addrs().first().ok_or("no HTTP address")?;
    let (https, http) = (https.run(), http.run());
    let handles = vec![https.handle(), http.handle()];
    actix_web::rt::spawn(https);
    actix_web::rt::spawn(http);
    let pem = std::fs::read(tls.dev_cert().ok_or("no development certificate")?)?;
    let client = Client::builder()
        .tls_certs_only([Certificate::from_pem(&pem)?])
        .redirect(Policy::none())
        .build()?;
    Ok(Servers {
        https: format!("https://{https_addr}"),
        http: format!("http://{http_addr}"),
        authority: https_addr.to_string(),
        client,
        handles,
    })
}

/// One header's value as text ("" when absent).
fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The strict secure headers, HSTS exactly when `https`, and nothing that
/// names software.
fn assert_strict_headers(res: &Response, https: bool) {
    let h = res.headers();
    let url = res.url().as_str();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        ("cross-origin-resource-policy", "same-origin"),
    ] {
        assert_eq!(header(h, name), value, "{name} of {url}");
        assert_eq!(h.get_all(name).iter().count(), 1, "one {name} on {url}");
    }
    assert!(
        h.get("server").is_none() && h.get("x-powered-by").is_none(),
        "{url}"
    );
    let hsts: Vec<_> = h.get_all("strict-transport-security").iter().collect();
    if https {
        assert_eq!(hsts, ["max-age=31536000; includeSubDomains"], "{url}");
    } else {
        assert!(hsts.is_empty(), "HSTS over plain HTTP: {url}");
    }
}

/// Asserts a problem+json answer with `status` and returns its body.
async fn problem(res: Response, status: StatusCode) -> TestResult<Value> {
    let url = res.url().to_string();
    assert_eq!(res.status(), status, "{url}");
    assert_eq!(
        header(res.headers(), "content-type"),
        "application/problem+json",
        "{url}"
    );
    let body: Value = res.json().await?;
    assert_eq!(body["status"], status.as_u16(), "{url}: {body}");
    Ok(body)
}

#[actix_web::test]
async fn plain_http_redirects_or_refuses_and_never_serves() -> TestResult {
    let s = start("plain", builder().build()?)?;
    let viewer = token("c-1", &["viewer"]);

    // Credentials over plain HTTP: 403, no redirect, no HSTS.
    let res = s
        .client
        .get(format!("{}/v1/customers", s.http))
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_strict_headers(&res, false);
    assert!(res.headers().get("location").is_none());
    let body = problem(res, StatusCode::FORBIDDEN).await?;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("HTTPS"),
        "{body}"
    );
    for req in [
        s.client
            .get(format!("{}/v1/customers", s.http))
            .header("X-API-Key", "k"),
        s.client
            .get(format!("{}/v1/customers?limit=1&API_KEY=k", s.http)),
        s.client.post(format!("{}/v1/customers", s.http)),
        s.client.delete(format!("{}/v1/customers/c-1", s.http)),
        s.client
            .request(Method::OPTIONS, format!("{}/v1/customers", s.http)),
    ] {
        let res = req.send().await?;
        assert_strict_headers(&res, false);
        assert!(res.headers().get("location").is_none());
        problem(res, StatusCode::FORBIDDEN).await?;
    }

    // GET and HEAD without credentials: 308 to the same path and query.
    for method in [Method::GET, Method::HEAD] {
        let res = s
            .client
            .request(method.clone(), format!("{}/v1/customers?limit=2", s.http))
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT, "{method}");
        assert_strict_headers(&res, false);
        assert_eq!(
            header(res.headers(), "location"),
            format!("https://{}/v1/customers?limit=2", s.authority)
        );
    }

    // No proxy is trusted: forwarding headers change nothing.
    for (name, value) in [
        ("x-forwarded-proto", "https"),
        ("forwarded", "for=192.0.2.1;proto=https"),
    ] {
        let res = s
            .client
            .get(format!("{}/v1/customers", s.http))
            .header(name, value)
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT, "{name}");
        assert_strict_headers(&res, false);
        let res = s
            .client
            .get(format!("{}/v1/customers", s.http))
            .header(name, value)
            .bearer_auth(&viewer)
            .send()
            .await?;
        assert_strict_headers(&res, false);
        problem(res, StatusCode::FORBIDDEN).await?;
    }
    Ok(())
}

#[actix_web::test]
async fn a_trusted_proxy_forwarding_https_is_served() -> TestResult {
    let config = builder()
        .trusted_proxies(["127.0.0.1/32".parse()?])
        .build()?;
    let s = start("proxy", config)?;
    let viewer = token("c-1", &["viewer"]);
    let res = s
        .client
        .get(format!("{}/v1/customers/c-1", s.http))
        .header("x-forwarded-proto", "https")
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_strict_headers(&res, true);
    // By default only X-Forwarded-Proto is read: a `Forwarded: proto=https`
    // the client sent through the proxy does not outvote it.
    let res = s
        .client
        .get(format!("{}/v1/customers/c-1", s.http))
        .header("forwarded", "for=192.0.2.1;proto=https")
        .header("x-forwarded-proto", "http")
        .bearer_auth(&viewer)
        .send()
        .await?;
    problem(res, StatusCode::FORBIDDEN).await?;

    // Proxies configured to write RFC 7239 `Forwarded`.
    let config = builder()
        .trusted_proxies(["127.0.0.1/32".parse()?])
        .forwarded_header(secure_api::ForwardedHeader::Forwarded)
        .build()?;
    let s = start("proxy-forwarded", config)?;
    let res = s
        .client
        .get(format!("{}/v1/customers/c-1", s.http))
        .header("forwarded", "for=192.0.2.1;proto=https")
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_strict_headers(&res, true);
    // An element without a protocol is a hop not known to be HTTPS.
    let res = s
        .client
        .get(format!("{}/v1/customers/c-1", s.http))
        .header("forwarded", "for=192.0.2.1;proto=https, for=10.0.0.1")
        .bearer_auth(&viewer)
        .send()
        .await?;
    problem(res, StatusCode::FORBIDDEN).await?;
    // One hop in clear is plain HTTP.
    let res = s
        .client
        .get(format!("{}/v1/customers/c-1", s.http))
        .header("forwarded", "proto=https, proto=http")
        .bearer_auth(&viewer)
        .send()
        .await?;
    problem(res, StatusCode::FORBIDDEN).await?;
    Ok(())
}

#[actix_web::test]
async fn every_https_answer_has_the_secure_headers_and_hsts() -> TestResult {
    let s = start("headers", builder().build()?)?;
    let res = s.client.get(format!("{}/nope", s.https)).send().await?;
    assert_strict_headers(&res, true);
    problem(res, StatusCode::NOT_FOUND).await?;

    // Weaker values a handler set are overwritten; software names removed.
    let res = s.client.get(format!("{}/weak", s.https)).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_strict_headers(&res, true);

    // 401 and 429 too.
    let viewer = token("heavy", &["viewer"]);
    let res = s
        .client
        .get(format!("{}/v1/customers", s.https))
        .send()
        .await?;
    assert_strict_headers(&res, true);
    problem(res, StatusCode::UNAUTHORIZED).await?;
    for _ in 0..5 {
        let res = s
            .client
            .get(format!("{}/v1/customers", s.https))
            .bearer_auth(&viewer)
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = s
        .client
        .get(format!("{}/v1/customers", s.https))
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_strict_headers(&res, true);
    problem(res, StatusCode::TOO_MANY_REQUESTS).await?;
    Ok(())
}

#[actix_web::test]
async fn secure_headers_are_configurable() -> TestResult {
    let headers = SecureHeaders::strict()
        .remove(X_FRAME_OPTIONS)
        .set(
            CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=60"),
        )
        .hsts(Some(Hsts::default().preload(true)));
    let s = start("configured", builder().secure_headers(headers).build()?)?;
    let res = s.client.get(format!("{}/nope", s.https)).send().await?;
    let h = res.headers();
    assert!(h.get("x-frame-options").is_none());
    assert_eq!(header(h, "cache-control"), "private, max-age=60");
    assert_eq!(header(h, "x-content-type-options"), "nosniff");
    let hsts: Vec<_> = h.get_all("strict-transport-security").iter().collect();
    assert_eq!(hsts, ["max-age=31536000; includeSubDomains; preload"]);

    // A removed header is the handler's to set; a set one is enforced.
    let res = s.client.get(format!("{}/weak", s.https)).send().await?;
    let h = res.headers();
    assert_eq!(header(h, "x-frame-options"), "ALLOWALL");
    assert_eq!(header(h, "cache-control"), "private, max-age=60");
    assert!(h.get("server").is_none());

    // Over plain HTTP: still no HSTS.
    let res = s.client.get(format!("{}/nope", s.http)).send().await?;
    assert!(res.headers().get("strict-transport-security").is_none());

    // HSTS only through `hsts`; `preload` needs a year and subdomains.
    let direct = SecureHeaders::strict().set(
        actix_web::http::header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=1"),
    );
    assert!(builder().secure_headers(direct).build().is_err());
    let short = SecureHeaders::strict().hsts(Some(Hsts::default().max_age_secs(60).preload(true)));
    assert!(builder().secure_headers(short).build().is_err());
    let none = SecureHeaders::strict().hsts(None);
    let s = start("no-hsts", builder().secure_headers(none).build()?)?;
    let res = s.client.get(format!("{}/weak", s.https)).send().await?;
    assert!(res.headers().get("strict-transport-security").is_none());
    Ok(())
}

#[actix_web::test]
async fn an_unsupported_method_gets_405_with_allow() -> TestResult {
    let s = start("methods", builder().build()?)?;
    for (method, path, allow) in [
        (Method::PUT, "/v1/customers", "GET, HEAD, POST"),
        (Method::DELETE, "/v1/customers", "GET, HEAD, POST"),
        (Method::PATCH, "/v1/customers/c-1", "GET, HEAD, DELETE"),
        (Method::POST, "/v0/export", "GET, HEAD"),
        // An OPTIONS that is no preflight is a method like any other.
        (Method::OPTIONS, "/v1/customers", "GET, HEAD, POST"),
    ] {
        let res = s
            .client
            .request(method.clone(), format!("{}{path}", s.https))
            .send()
            .await?;
        assert_eq!(header(res.headers(), "allow"), allow, "{method} {path}");
        assert_strict_headers(&res, true);
        problem(res, StatusCode::METHOD_NOT_ALLOWED).await?;
    }
    // A path that does not exist stays 404, whatever the method.
    let res = s
        .client
        .put(format!("{}/v1/nothing", s.https))
        .send()
        .await?;
    assert!(res.headers().get("allow").is_none());
    problem(res, StatusCode::NOT_FOUND).await?;
    Ok(())
}

#[actix_web::test]
async fn head_is_authorised_like_get() -> TestResult {
    let s = start("head", builder().build()?)?;
    let url = format!("{}/v1/customers/c-1", s.https);
    let res = s.client.head(&url).send().await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(res.headers(), "www-authenticate"),
        r#"Bearer realm="customer-api""#
    );
    let res = s
        .client
        .head(&url)
        .bearer_auth(token("c-1", &["reporting"]))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = s
        .client
        .head(&url)
        .bearer_auth(token("c-1", &["viewer"]))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_strict_headers(&res, true);
    assert!(res.bytes().await?.is_empty());
    Ok(())
}

#[actix_web::test]
async fn cors_preflights_are_answered_before_authentication_and_rate_limits() -> TestResult {
    let config = builder()
        .cors(CorsPolicy::allow_origins([APP_ORIGIN]))
        .build()?;
    let s = start("cors", config)?;
    let url = format!("{}/v1/customers", s.https);
    let preflight = |origin: &str| {
        s.client
            .request(Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
    };
    // More preflights than the route's quota of 5, without a token.
    for _ in 0..7 {
        let res = preflight(APP_ORIGIN).send().await?;
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers();
        assert_eq!(header(h, "access-control-allow-origin"), APP_ORIGIN);
        assert!(header(h, "access-control-allow-methods").contains("GET"));
        assert!(
            header(h, "access-control-allow-headers")
                .to_ascii_lowercase()
                .contains("authorization")
        );
        assert!(h.get("ratelimit").is_none(), "a preflight is not charged");
        assert!(h.get("www-authenticate").is_none(), "nor authenticated");
        assert_strict_headers(&res, true);
    }
    // The first real request is the first one charged to the bucket.
    let res = s
        .client
        .get(&url)
        .header("origin", APP_ORIGIN)
        .bearer_auth(token("cors", &["viewer"]))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(header(h, "access-control-allow-origin"), APP_ORIGIN);
    assert!(
        header(h, "access-control-expose-headers")
            .to_ascii_lowercase()
            .contains("ratelimit")
    );
    assert_eq!(
        header(h, "ratelimit").split(';').nth(1),
        Some("r=4"),
        "{:?}",
        h.get("ratelimit")
    );

    // An OPTIONS without Access-Control-Request-Method is no preflight.
    let res = s
        .client
        .request(Method::OPTIONS, &url)
        .header("origin", APP_ORIGIN)
        .send()
        .await?;
    assert_eq!(header(res.headers(), "allow"), "GET, HEAD, POST");
    problem(res, StatusCode::METHOD_NOT_ALLOWED).await?;
    // A 405 to an allowed origin keeps the CORS headers, so the browser can read it.
    let res = s
        .client
        .put(&url)
        .header("origin", APP_ORIGIN)
        .send()
        .await?;
    assert_eq!(
        header(res.headers(), "access-control-allow-origin"),
        APP_ORIGIN
    );
    problem(res, StatusCode::METHOD_NOT_ALLOWED).await?;
    // So does a 401,
    let res = s
        .client
        .get(&url)
        .header("origin", APP_ORIGIN)
        .send()
        .await?;
    assert_eq!(
        header(res.headers(), "access-control-allow-origin"),
        APP_ORIGIN
    );
    problem(res, StatusCode::UNAUTHORIZED).await?;
    // and the 400 for a credential in the URL, on a route or not.
    for path in ["/v1/customers", "/nowhere"] {
        let res = s
            .client
            .get(format!("{}{path}?access_token=abc.def.ghi", s.https))
            .header("origin", APP_ORIGIN)
            .send()
            .await?;
        assert_eq!(
            header(res.headers(), "access-control-allow-origin"),
            APP_ORIGIN,
            "{path}"
        );
        assert_strict_headers(&res, true);
        let body = problem(res, StatusCode::BAD_REQUEST).await?;
        assert!(body.to_string().contains("URL"), "{body}");
    }

    // Another origin: the preflight is refused, the request not helped.
    let res = preflight("https://evil.example.test").send().await?;
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_strict_headers(&res, true);
    problem(res, StatusCode::BAD_REQUEST).await?;
    let res = s
        .client
        .get(&url)
        .header("origin", "https://evil.example.test")
        .bearer_auth(token("cors", &["viewer"]))
        .send()
        .await?;
    assert!(res.headers().get("access-control-allow-origin").is_none());
    Ok(())
}

#[test]
fn cors_with_any_origin_and_credentials_is_refused_at_start_up() {
    let error = builder()
        .cors(CorsPolicy::allow_origins(["*"]).allow_credentials(true))
        .build()
        .err();
    assert_eq!(
        error.as_ref().map(secure_api::ConfigError::setting),
        Some("SECURE_API_CORS_ORIGINS")
    );
    for bad in ["app.example.test", "https://app.example.test/", ""] {
        assert!(
            builder()
                .cors(CorsPolicy::allow_origins([bad]))
                .build()
                .is_err(),
            "{bad}"
        );
    }
    assert!(
        builder()
            .cors(CorsPolicy::allow_origins(["*"]))
            .build()
            .is_ok()
    );
}

#[actix_web::test]
async fn deprecated_routes_say_so_and_retired_ones_are_gone() -> TestResult {
    let s = start("versions", builder().build()?)?;
    let res = s
        .client
        .get(format!("{}/v0/customers", s.https))
        .bearer_auth(token("c-1", &["viewer"]))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(header(h, "deprecation"), "@1767225600");
    assert_eq!(header(h, "sunset"), "Fri, 31 Dec 2027 00:00:00 GMT");
    assert_eq!(
        header(h, "link"),
        r#"<https://docs.customer-api.test/migrate-v1>; rel="deprecation", <https://docs.customer-api.test/sunset>; rel="sunset""#
    );
    assert_strict_headers(&res, true);
    // A route that is not deprecated says nothing.
    let res = s
        .client
        .get(format!("{}/v1/customers/c-1", s.https))
        .bearer_auth(token("c-1", &["viewer"]))
        .send()
        .await?;
    assert!(res.headers().get("deprecation").is_none());

    // Past the sunset: 410 before authentication, for anyone.
    for auth in [None, Some(token("root", &["admin"]))] {
        let mut req = s.client.get(format!("{}/v0/export", s.https));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        assert_eq!(
            header(res.headers(), "sunset"),
            "Mon, 30 Jun 2025 00:00:00 GMT"
        );
        assert!(res.headers().get("www-authenticate").is_none());
        assert_strict_headers(&res, true);
        problem(res, StatusCode::GONE).await?;
    }
    Ok(())
}

#[actix_web::test]
async fn routes_in_a_scope_get_405_too() {
    use actix_web::test::{TestRequest, call_service, init_service};
    let app = init_service(
        App::new()
            .service(web::scope("/api").service(list).service(create))
            .service(one)
            .wrap(Security::new(
                builder().build().unwrap_or_else(|e| panic!("{e}")),
            )),
    )
    .await;
    let res = call_service(
        &app,
        TestRequest::put().uri("/api/v1/customers").to_request(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET, HEAD, POST")
    );
    // The same pattern outside the scope is not this app's.
    let res = call_service(&app, TestRequest::put().uri("/v1/customers").to_request()).await;
    assert_eq!(res.status().as_u16(), 404);
    // Only the methods of the routes this app holds.
    let res = call_service(
        &app,
        TestRequest::patch().uri("/v1/customers/c-1").to_request(),
    )
    .await;
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET, HEAD")
    );
}
