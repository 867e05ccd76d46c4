use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", rate = "100/15x")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
