use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(auth = "any", api_key_roles(any("reporting", "admin")))]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
