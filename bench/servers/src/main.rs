//! The servers `bench/load.sh` measures, one per mode, each serving the
//! same 442-byte customer list at `GET /v1/customers` with one actix worker:
//!
//! | mode | what |
//! | --- | --- |
//! | `plain` | a plain actix-web handler, no security |
//! | `secure` | the same handler under `#[secure(role = "viewer", rate = .., version = "v1")]`, HS256 |
//! | `hand` | the stack users compose by hand: actix-governor, actix-web-httpauth with jsonwebtoken, actix-web-grants `#[protect]`, `DefaultHeaders` |
//! | `redact` | `secure`, returning `web::Json<Vec<Customer>>` with `#[derive(Redact)]` |
//! | `es256` | `secure` with an ES256 token checked against a JWKS file |
//! | `es256-nocache` | `es256` with the verified-token cache turned off |
//!
//! With `SECURE_API_REDIS_URL` set, `secure` and `redact` keep their state
//! in that Redis (`bench/redis.sh`).
//!
//! Usage: `bench-servers MODE PORT`. The server prints `token <JWT>` (a
//! valid token for the mode, role `viewer`) and `ready` on stdout, then
//! serves on `127.0.0.1:PORT` until killed.

use std::collections::HashSet;
use std::io::Write as _;
use std::time::Duration;

use actix_web::dev::ServiceRequest;
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, get, middleware, web};
use actix_web_grants::protect;
use actix_web_httpauth::extractors::bearer::BearerAuth;
use actix_web_httpauth::middleware::HttpAuthentication;
use base64::Engine as _;
use secure_api::{Redact, Security, SecurityConfig, roles, secure};
use serde::{Deserialize, Serialize};

roles! { admin > editor > viewer; }

/// The HS256 secret of every mode but `es256`.
const SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";
const ISSUER: &str = "https://auth.bench.test";
const AUDIENCE: &str = "bench";

/// One customer of the list.
#[derive(Clone, Serialize, Redact)]
struct Customer {
    id: u32,
    name: &'static str,
    email: &'static str,
    #[redact(mask(last = 4), unless_role = "admin")]
    ssn: &'static str,
}

/// The list every mode serves (442 bytes of JSON).
fn customers() -> Vec<Customer> {
    let names = [
        ("Ada Lovelace", "ada@example.com", "123-45-6789"),
        ("Alan Turing", "alan@example.com", "234-56-7890"),
        ("Grace Hopper", "grace@example.com", "345-67-8901"),
        ("Edsger Dijkstra", "edsger@example.com", "456-78-9012"),
        ("Barbara Liskov", "barbara@example.com", "567-89-0123"),
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, &(name, email, ssn))| Customer {
            id: 1000 + i as u32,
            name,
            email,
            ssn,
        })
        .collect()
}

/// A: no security.
#[get("/v1/customers")]
async fn plain() -> HttpResponse {
    HttpResponse::Ok().json(customers())
}

/// B and E: the same handler under `#[secure]`.
#[secure(role = "viewer", rate = "1000000000/1s", version = "v1")]
#[get("/customers")]
async fn secured() -> HttpResponse {
    HttpResponse::Ok().json(customers())
}

/// D: B returning `Json<T>`, redacted for the caller.
#[secure(role = "viewer", rate = "1000000000/1s", version = "v1")]
#[get("/customers")]
async fn redacted() -> web::Json<Vec<Customer>> {
    web::Json(customers())
}

/// C: the hand-composed stack's handler.
#[get("/v1/customers")]
#[protect("viewer")]
async fn hand() -> HttpResponse {
    HttpResponse::Ok().json(customers())
}

/// The claims the hand-composed stack reads.
#[derive(Deserialize)]
struct Claims {
    roles: Vec<String>,
}

/// actix-web-httpauth's validator for C: verifies the bearer token with
/// jsonwebtoken (HS256, issuer, audience, expiry) and attaches its roles
/// for actix-web-grants.
async fn validate(
    req: ServiceRequest,
    credentials: BearerAuth,
) -> Result<ServiceRequest, (actix_web::Error, ServiceRequest)> {
    let Ok(key) = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()) else {
        return Err((actix_web::error::ErrorInternalServerError("key"), req));
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    match jsonwebtoken::decode::<Claims>(credentials.token(), &key, &validation) {
        Ok(data) => {
            let roles: HashSet<String> = data.claims.roles.into_iter().collect();
            req.extensions_mut().insert(roles);
            Ok(req)
        }
        Err(_) => Err((actix_web::error::ErrorUnauthorized("invalid token"), req)),
    }
}

/// The roles the validator attached, for actix-web-grants.
async fn authorities(req: &ServiceRequest) -> Result<HashSet<String>, actix_web::Error> {
    Ok(req
        .extensions()
        .get::<HashSet<String>>()
        .cloned()
        .unwrap_or_default())
}

/// The secure headers `secure` sets, set by hand for C.
fn default_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add(("x-content-type-options", "nosniff"))
        .add(("x-frame-options", "DENY"))
        .add((
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add(("referrer-policy", "no-referrer"))
        .add(("cache-control", "no-store"))
        .add(("cross-origin-resource-policy", "same-origin"))
}

/// The configuration of B and D (HS256), and a token for it; the state
/// store in Redis when `SECURE_API_REDIS_URL` is set (`bench/redis.sh`).
fn hs256() -> Result<(SecurityConfig, String), String> {
    let mut builder = SecurityConfig::builder()
        .jwt_secret(SECRET)
        .issuer(ISSUER)
        .audience(AUDIENCE);
    if let Ok(url) = std::env::var("SECURE_API_REDIS_URL") {
        builder = builder.redis_url(url);
    }
    let config = builder.build().map_err(|e| e.to_string())?;
    let token = config
        .issue_token("bench-user", &["viewer"], Duration::from_secs(3600))
        .map_err(|e| e.to_string())?;
    Ok((config, token))
}

/// The configuration of E (a JWKS file holding one P-256 key), and an
/// ES256 token signed with it.
fn es256(cache: bool) -> Result<(SecurityConfig, String), String> {
    let pair =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let point = pair.public_key_raw();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (x, y) = (b64.encode(&point[1..33]), b64.encode(&point[33..65]));
    let jwks = serde_json::json!({"keys": [{
        "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "bench",
        "x": x, "y": y,
    }]});
    let path = std::env::temp_dir().join(format!("bench-jwks-{}.json", std::process::id()));
    std::fs::write(&path, jwks.to_string()).map_err(|e| e.to_string())?;
    let mut builder = SecurityConfig::builder()
        .jwks_file(&path)
        .issuer(ISSUER)
        .audience(AUDIENCE);
    if !cache {
        builder = builder.token_cache(0, 0);
    }
    let config = builder.build().map_err(|e| e.to_string())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let claims = serde_json::json!({
        "sub": "bench-user", "roles": ["viewer"], "iss": ISSUER, "aud": AUDIENCE,
        "iat": now, "exp": now + 3600,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("bench".to_owned());
    let key = jsonwebtoken::EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes())
        .map_err(|e| e.to_string())?;
    let token = jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())?;
    Ok((config, token))
}

/// A token for C, signed like B's.
fn hand_token() -> Result<String, String> {
    hs256().map(|(_, token)| token)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(port)) = (args.next(), args.next()) else {
        return Err(std::io::Error::other(
            "usage: bench-servers plain|secure|hand|redact|es256|es256-nocache PORT",
        ));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| std::io::Error::other("PORT is not a port number"))?;
    let setup = match mode.as_str() {
        "plain" => Ok((None, String::new())),
        "secure" | "redact" => hs256().map(|(c, t)| (Some(Security::new(c)), t)),
        "es256" => es256(true).map(|(c, t)| (Some(Security::new(c)), t)),
        "es256-nocache" => es256(false).map(|(c, t)| (Some(Security::new(c)), t)),
        "hand" => hand_token().map(|t| (None, t)),
        other => Err(format!("unknown mode `{other}`")),
    };
    let (security, token) = setup.map_err(std::io::Error::other)?;
    let mut out = std::io::stdout();
    writeln!(out, "token {token}")?;
    let server = match mode.as_str() {
        "plain" => HttpServer::new(|| App::new().service(plain))
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run(),
        "hand" => HttpServer::new(|| {
            let governor = actix_governor::GovernorConfigBuilder::default()
                .requests_per_second(1_000_000_000)
                .burst_size(1_000_000_000)
                .finish();
            App::new()
                .service(hand)
                .wrap(actix_web_grants::GrantsMiddleware::with_extractor(
                    authorities,
                ))
                .wrap(HttpAuthentication::bearer(validate))
                .wrap(actix_governor::Governor::new(
                    governor
                        .as_ref()
                        .unwrap_or(&actix_governor::GovernorConfig::default()),
                ))
                .wrap(default_headers())
        })
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run(),
        _ => {
            let security = security.ok_or_else(|| std::io::Error::other("no configuration"))?;
            let redact = mode == "redact";
            HttpServer::new(move || {
                let app = App::new();
                let app = if redact {
                    app.service(redacted)
                } else {
                    app.service(secured)
                };
                app.wrap(security.clone())
            })
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run()
        }
    };
    writeln!(out, "ready")?;
    out.flush()?;
    server.await
}
