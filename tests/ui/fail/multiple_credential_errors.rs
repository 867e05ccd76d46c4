use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(auth = "oauth", scope = "reports read", api_key_roles(any("")), replay = "once")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
