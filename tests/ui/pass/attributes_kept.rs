//! Doc comments (before and after `#[secure]`), `#[cfg]`, and other
//! attributes on a handler; a handler in a nested module; visibilities.
#![deny(warnings, missing_docs, unused_mut)]

use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

/// Lists customers.
#[secure(role = "viewer")]
/// More about listing customers.
#[get("/customers")]
#[allow(unused_mut)]
#[must_use]
pub async fn customers() -> impl Responder {
    let mut body = "customers";
    body
}

/// Only in test builds of nothing: compiled out.
#[cfg(any())]
#[secure(role = "viewer")]
#[get("/never")]
pub async fn never() -> impl Responder {
    "never"
}

/// Handlers of a nested module still find the crate root's roles.
pub mod api {
    use actix_web::{get, Responder};
    use secure_api::secure;

    /// One report.
    #[secure(roles(any("reporting", "admin")), rate = "10/m")]
    #[get("/reports/{id}")]
    pub(crate) async fn report() -> impl Responder {
        "report"
    }

    #[cfg_attr(all(), doc = "Documented through `cfg_attr`.")]
    #[secure(public)]
    #[get("/health")]
    pub async fn health() -> impl Responder {
        "ok"
    }
}

fn main() {
    let _ = actix_web::App::new().service(customers).service(api::report).service(api::health);
}
