use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", version = "v1")]
#[get("/v1/customers")]
async fn customers() -> impl Responder {
    "customers"
}

fn main() {}
