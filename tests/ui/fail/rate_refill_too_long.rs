use actix_web::{get, Responder};
use secure_api::{roles, secure};

roles! { admin > editor > viewer; reporting; }

#[secure(public, rate = "1/300000d")]
#[get("/x")]
async fn handler() -> impl Responder {
    "x"
}

fn main() {}
