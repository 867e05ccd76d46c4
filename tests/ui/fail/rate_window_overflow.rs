use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", rate = "1/99999999999999999d")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
