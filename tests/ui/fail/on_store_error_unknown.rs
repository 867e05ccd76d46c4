use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", rate = "10/1m", on_store_error = "ignore")]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
