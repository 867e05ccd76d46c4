use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
#[get("/reports")]
async fn reports<T: Default>() -> impl Responder {
    "reports"
}

fn main() {}
