use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(auth = "any", role = "viewer", api_key_role = "reporting", api_key_roles(all("reporting", "viewer")))]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
