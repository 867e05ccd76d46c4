//! The smallest complete secure-api application: one handler, secured with
//! one attribute.
//!
//! ```text
//! export SECURE_API_JWT_SECRET=$(head -c 32 /dev/urandom | base64)
//! export SECURE_API_JWT_ISSUER=https://auth.example.test
//! export SECURE_API_JWT_AUDIENCE=quickstart
//! cargo run -p quickstart &
//! TOKEN=$(cargo run -q -p customer-api -- token --sub alice --role admin)
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/v1/customers/42
//! ```
//!
//! The token is an HS256 JWT signed with that secret, with that `iss` and
//! `aud`, and `"roles": ["admin"]` (the `customer-api` example's `token`
//! command makes one from the same variables). Without a token the answer is
//! 401 problem+json. This example speaks plain HTTP to stay small; for
//! HTTPS, development tokens and more, see the `customer-api` example.

use actix_web::{App, HttpServer, Responder, get, web};
use secure_api::{Principal, Security, SecurityConfig, roles, secure};
use tracing_subscriber::prelude::*;

roles! { admin > editor > viewer; }

/// Returns customer `id`, to admins only, at most 100 times per 15 minutes
/// per caller; served at `/v1/customers/{id}`.
#[secure(role = "admin", rate = "100/15m", version = "v1")]
#[get("/customers/{id}")]
async fn get_customer(id: web::Path<String>, who: Principal) -> impl Responder {
    format!("customer {id}, read by {}", who.subject())
}

/// Reads the configuration from the environment, then serves on
/// `127.0.0.1:3000` until Ctrl-C, with one JSON audit line per request on
/// stderr.
#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::registry()
        .with(secure_api::audit::layer(std::io::stderr))
        .init();
    // A bad or missing variable stops start-up with a message naming it.
    let config = SecurityConfig::from_env().map_err(|e| std::io::Error::other(e.to_string()))?;
    let security = Security::new(config);
    HttpServer::new(move || App::new().service(get_customer).wrap(security.clone()))
        .bind(("127.0.0.1", 3000))?
        .run()
        .await
}
