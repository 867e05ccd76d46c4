use actix_web::{post, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "editor", replay = "jti", on_store_error = "allow")]
#[post("/transfers")]
async fn transfer() -> impl Responder {
    "done"
}

fn main() {}
