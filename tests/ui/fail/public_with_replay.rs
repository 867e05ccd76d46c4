use actix_web::{post, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(public, replay = "jti")]
#[post("/payments")]
async fn pay() -> impl Responder {
    "paid"
}

fn main() {}
