use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(public, api_key_roles(any("reporting")))]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
