use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", deprecated(since = "2026-01-01", sunset = "2027-12-31"))]
#[get("/customers")]
async fn customers() -> impl Responder {
    "customers"
}

fn main() {}
