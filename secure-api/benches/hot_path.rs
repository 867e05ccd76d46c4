//! The per-request cost of secure-api, against its floors:
//!
//! - `guard/*`: one request through `Security` and a `#[secure]` route
//!   (HS256 token, a never-tripping quota), with the verified-token cache
//!   and without, against the same handler with no security at all and
//!   against bare `jsonwebtoken::decode` of the same token with the same
//!   key (the floor of verifying it). The guard's cost is `secured` minus
//!   `plain`.
//! - `redaction/*`: a 20-item list redacted for a viewer while it is
//!   written (`redact::to_vec`, what responses do) and into a `Value` then
//!   written, against plain `serde_json::to_vec`.
//! - `audit/*`: the secured request with an audit subscriber installed
//!   (JSON lines to a sink) and without one.
//!
//! Run: `cargo bench -p secure-api --bench hot_path`.

use std::hint::black_box;
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, HttpResponse, get, test};
use criterion::{Criterion, criterion_group, criterion_main};
use secure_api::{Redact, Security, SecurityConfig, Viewer, roles, secure};
use serde::Serialize;
use tracing_subscriber::prelude::*;

roles! { admin > viewer; }

const SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";

/// One item of the redacted list.
#[derive(Clone, Serialize, Redact)]
struct Customer {
    id: u32,
    name: String,
    email: String,
    #[redact(mask(last = 4), unless_role = "admin")]
    ssn: String,
}

/// The secured route.
#[secure(role = "viewer", rate = "1000000000/1s", version = "v1")]
#[get("/customers")]
async fn secured() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// The same handler, unsecured.
#[get("/v1/customers")]
async fn plain() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

fn config(cache: bool) -> SecurityConfig {
    let mut builder = SecurityConfig::builder()
        .jwt_secret(SECRET)
        .issuer("https://auth.bench.test")
        .audience("bench");
    if !cache {
        builder = builder.token_cache(0, 0);
    }
    builder.build().unwrap_or_else(|e| panic!("{e}"))
}

/// Times one request through `app` per iteration.
fn bench_requests<S>(c: &mut Criterion, name: &str, app: &S, token: Option<&str>)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let rt = actix_web::rt::System::new();
    c.bench_function(name, |b| {
        b.iter(|| {
            let mut req = test::TestRequest::get().uri("/v1/customers");
            if let Some(token) = token {
                req = req.insert_header(("authorization", format!("Bearer {token}")));
            }
            let res = rt.block_on(test::call_service(app, req.to_request()));
            assert!(res.status().is_success());
            black_box(res)
        })
    });
}

fn guard(c: &mut Criterion) {
    let rt = actix_web::rt::System::new();
    let cached = config(true);
    let token = cached
        .issue_token("bench-user", &["viewer"], Duration::from_secs(3600))
        .unwrap_or_else(|e| panic!("{e}"));
    let plain_app = rt.block_on(test::init_service(App::new().service(plain)));
    let secured_app = rt.block_on(test::init_service(
        App::new().service(secured).wrap(Security::new(cached)),
    ));
    let uncached_app = rt.block_on(test::init_service(
        App::new()
            .service(secured)
            .wrap(Security::new(config(false))),
    ));
    bench_requests(c, "guard/plain handler", &plain_app, None);
    bench_requests(c, "guard/secured, token cache", &secured_app, Some(&token));
    bench_requests(c, "guard/secured, no cache", &uncached_app, Some(&token));

    let key =
        jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["https://auth.bench.test"]);
    validation.set_audience(&["bench"]);
    c.bench_function("guard/bare jsonwebtoken::decode", |b| {
        b.iter(|| {
            black_box(jsonwebtoken::decode::<serde_json::Value>(
                black_box(&token),
                &key,
                &validation,
            ))
        })
    });

    // The same secured request with an audit subscriber reading every line.
    let subscriber = tracing_subscriber::registry().with(secure_api::audit::layer(std::io::sink));
    tracing::subscriber::with_default(subscriber, || {
        bench_requests(
            c,
            "audit/secured, with an audit subscriber",
            &secured_app,
            Some(&token),
        );
    });
    bench_requests(
        c,
        "audit/secured, no subscriber",
        &secured_app,
        Some(&token),
    );
}

fn redaction(c: &mut Criterion) {
    let list: Vec<Customer> = (0..20)
        .map(|i| Customer {
            id: i,
            name: format!("Customer {i}"),
            email: format!("customer{i}@example.com"),
            ssn: format!("123-45-{:04}", 1000 + i),
        })
        .collect();
    let roles = vec!["viewer".to_owned()];
    c.bench_function("redaction/serde_json::to_vec", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&list))))
    });
    c.bench_function("redaction/redact::to_vec for a viewer", |b| {
        b.iter(|| {
            let viewer = Viewer::with_roles(&roles);
            black_box(secure_api::redact::to_vec(black_box(&list), &viewer))
        })
    });
    c.bench_function("redaction/redacted for a viewer, then to_vec", |b| {
        b.iter(|| {
            let viewer = Viewer::with_roles(&roles);
            let value = secure_api::redact::redacted(black_box(&list), &viewer)
                .unwrap_or_else(|e| panic!("{e}"));
            black_box(serde_json::to_vec(&value))
        })
    });
}

fn short() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = short(); targets = guard, redaction }
criterion_main!(benches);
