use actix_web::{get, Responder};
use secure_api::{roles, secure};

roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", burst = 5)]
#[get("/x")]
async fn handler() -> impl Responder {
    "x"
}

fn main() {}
