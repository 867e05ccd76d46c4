//! Every key of `#[secure]` at once, on a public documented handler of a
//! crate that denies missing docs: the doc comment must reach the service
//! actix-web generates.
#![deny(warnings, missing_docs)]

use actix_web::{post, web, Responder};
use secure_api::{secure, Input};
use serde::Deserialize;
use validator::Validate;

secure_api::roles! { admin > editor > viewer; reporting; }

/// A note on a customer.
#[derive(Deserialize, Validate, Input)]
pub struct Note {
    /// The text.
    #[validate(length(max = 100))]
    pub text: String,
}

/// Import options.
#[derive(Deserialize)]
pub struct Options {
    /// Whether to notify.
    pub notify: bool,
}

/// Adds a note to one customer.
#[secure(
    role = "viewer",
    owner(param = "id", unless = "editor"),
    rate = "100/15m",
    version = "v1",
    unvalidated(options),
    body_limit = "16KiB",
    on_store_error = "allow"
)]
#[post("/customers/{id}/notes")]
pub async fn customer(
    id: web::Path<String>,
    note: web::Json<Note>,
    options: web::Query<Options>,
) -> impl Responder {
    format!("customer {id}: {} ({})", note.text, options.notify)
}

fn main() {
    let _ = actix_web::App::new().service(customer);
}
