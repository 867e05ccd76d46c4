use actix_web::{get, web, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", unvalidated(id))]
#[get("/customers/{id}")]
async fn customer(id: web::Path<u64>) -> impl Responder {
    id.to_string()
}

fn main() {}
