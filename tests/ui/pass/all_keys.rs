//! Every key of `#[secure]` at once, on a public documented handler of a
//! crate that denies missing docs: the doc comment must reach the service
//! actix-web generates.
#![deny(warnings, missing_docs)]

use actix_web::{get, web, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

/// Returns one customer.
#[secure(role = "viewer", owner(param = "id", unless = "editor"), rate = "100/15m", version = "v1")]
#[get("/customers/{id}")]
pub async fn customer(id: web::Path<String>) -> impl Responder {
    format!("customer {id}")
}

fn main() {
    let _ = actix_web::App::new().service(customer);
}
