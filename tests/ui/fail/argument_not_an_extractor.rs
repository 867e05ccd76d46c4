use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

struct Limit(u32);

#[secure(role = "admin")]
#[get("/reports")]
async fn reports(limit: Limit) -> impl Responder {
    format!("{}", limit.0)
}

fn main() {}
