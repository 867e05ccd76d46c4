use actix_web::{get, Responder};
use secure_api::{roles, secure};

roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", rate = "10/1m", rate_key = "user")]
#[get("/x")]
async fn handler() -> impl Responder {
    "x"
}

fn main() {}
