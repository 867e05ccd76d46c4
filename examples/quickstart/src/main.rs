//! The smallest complete secure-api application: one handler, secured with
//! one attribute.
//!
//! ```text
//! SECURE_API_JWT_SECRET=$(head -c 32 /dev/urandom | base64) \
//! SECURE_API_JWT_ISSUER=https://auth.example.test \
//! SECURE_API_JWT_AUDIENCE=quickstart \
//!     cargo run -p quickstart
//! ```
//!
//! Then `GET http://127.0.0.1:8080/v1/customers/42` with
//! `Authorization: Bearer <token>`: a JWT signed (HS256) with that secret,
//! with that `iss` and `aud`, and `"roles": ["admin"]`. Without a token the
//! answer is 401 problem+json. For HTTPS, development tokens and more, see
//! the `customer-api` example.

use actix_web::{App, HttpServer, Responder, get, web};
use secure_api::{Principal, Security, SecurityConfig, roles, secure};

roles! { admin > editor > viewer; }

/// Returns customer `id`, to admins only, at most 100 times per 15 minutes
/// per caller; served at `/v1/customers/{id}`.
#[secure(role = "admin", rate = "100/15m", version = "v1")]
#[get("/customers/{id}")]
async fn get_customer(id: web::Path<String>, who: Principal) -> impl Responder {
    web::Json(serde_json::json!({ "id": id.into_inner(), "read_by": who.subject() }))
}

/// Reads the configuration from the environment, then serves on
/// `127.0.0.1:8080` until Ctrl-C.
#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let security = Security::new(SecurityConfig::from_env().map_err(std::io::Error::other)?);
    HttpServer::new(move || App::new().service(get_customer).wrap(security.clone()))
        .bind(("127.0.0.1", 8080))?
        .run()
        .await
}
