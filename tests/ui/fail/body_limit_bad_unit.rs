use actix_web::{post, web, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "editor", body_limit = "1mb")]
#[post("/upload")]
async fn upload(body: web::Json<Vec<String>>) -> impl Responder {
    body.len().to_string()
}

fn main() {}
