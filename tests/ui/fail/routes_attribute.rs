use actix_web::{routes, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
#[routes]
#[get("/reports")]
#[post("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
