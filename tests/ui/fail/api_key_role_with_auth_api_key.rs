use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(auth = "api_key", role = "viewer", api_key_role = "reporting")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
