use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(scope = "")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
