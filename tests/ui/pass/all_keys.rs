//! Every key of `#[secure]` at once, on a handler with extractors.
#![deny(missing_docs)]

use actix_web::{get, web, Responder};

secure_api::roles! { admin > editor > viewer; reporting; }

/// Returns one customer.
#[secure_api::secure(role = "viewer", owner(param = "id", unless = "editor"), rate = "100/15m", version = "v1")]
#[get("/customers/{id}")]
pub async fn customer(id: web::Path<String>, query: web::Query<Vec<(String, String)>>) -> impl Responder {
    format!("customer {id} {}", query.len())
}

fn main() {
    let _ = actix_web::App::new().service(customer);
}
