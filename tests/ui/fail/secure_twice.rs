use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
#[secure(rate = "10/1m")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
