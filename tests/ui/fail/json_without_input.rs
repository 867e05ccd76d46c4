use actix_web::{post, web, Responder};
use secure_api::secure;
use serde::Deserialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Deserialize)]
struct NewCustomer {
    name: String,
}

#[secure(role = "editor")]
#[post("/customers")]
async fn create(body: web::Json<NewCustomer>) -> impl Responder {
    body.into_inner().name
}

fn main() {}
