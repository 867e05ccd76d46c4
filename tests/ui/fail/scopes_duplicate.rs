use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(scopes(all("reports:read", "reports:write", "reports:read")))]
#[get("/reports")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
