use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(roles(any("editor", "editor")))]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
