use actix_web::{get, Responder};
use secure_api::{roles, secure};

roles! { admin > editor > viewer; reporting; }

#[secure(public, rate = "10/1m", rate_key = "principal")]
#[get("/x")]
async fn handler() -> impl Responder {
    "x"
}

fn main() {}
