//! `auth`, `scope(s)`, `api_key_role(s)` and `replay`, in the combinations
//! an API uses them.
#![deny(warnings)]

use actix_web::{get, post, web, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

/// Any caller whose token grants the scope: no role needed.
#[secure(scope = "customers:read")]
#[get("/customers")]
async fn list_customers() -> impl Responder {
    "customers"
}

/// A role and every one of two scopes.
#[secure(role = "editor", scopes(all("customers:read", "customers:write")))]
#[post("/customers")]
async fn create_customer() -> impl Responder {
    "created"
}

/// One of two scopes, a URI among them (any scope-token is accepted).
#[secure(scopes(any("reports:read", "https://api.example.com/reports")), rate = "100/m")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

/// A machine-to-machine route: API keys only.
#[secure(auth = "api_key", role = "reporting", version = "v1")]
#[get("/exports")]
async fn exports() -> impl Responder {
    "exports"
}

/// API keys with a scope of their own.
#[secure(auth = "api_key", roles(any("reporting", "admin")), scope = "exports:write")]
#[post("/exports")]
async fn create_export() -> impl Responder {
    "export started"
}

/// People with a JWT need `viewer`; integrations with an API key need
/// `reporting`.
#[secure(auth = "any", role = "viewer", api_key_role = "reporting")]
#[get("/customers/{id}/summary")]
async fn summary(id: web::Path<String>) -> impl Responder {
    id.into_inner()
}

/// Lists on both sides, and a scope that applies to both.
#[secure(
    auth = "any",
    roles(any("editor", "reporting")),
    api_key_roles(all("reporting", "viewer")),
    scope = "reports:read"
)]
#[get("/reports/{id}")]
async fn report(id: web::Path<String>) -> impl Responder {
    id.into_inner()
}

/// JWT callers need only the scope; API keys need `reporting`.
#[secure(auth = "any", scope = "metrics:read", api_key_roles(any("reporting")))]
#[get("/metrics")]
async fn metrics() -> impl Responder {
    "metrics"
}

/// `auth = "any"` without `api_key_role`: the same roles for both.
#[secure(auth = "any", roles(all("viewer", "reporting")))]
#[get("/dashboards")]
async fn dashboards() -> impl Responder {
    "dashboards"
}

/// A payment: each JWT is accepted once, by its `jti`.
#[secure(role = "editor", scope = "payments:write", replay = "jti", rate = "10/m")]
#[post("/payments")]
async fn pay() -> impl Responder {
    "paid"
}

/// `auth = "jwt"` written out, with `replay` and an owner.
#[secure(auth = "jwt", replay = "jti", role = "viewer", owner(param = "id"))]
#[post("/accounts/{id}/close")]
async fn close_account(id: web::Path<String>) -> impl Responder {
    id.into_inner()
}

fn main() {
    let _ = actix_web::App::new()
        .service(list_customers)
        .service(create_customer)
        .service(reports)
        .service(exports)
        .service(create_export)
        .service(summary)
        .service(report)
        .service(metrics)
        .service(dashboards)
        .service(pay)
        .service(close_account);
}
