use actix_web::get;
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
#[get("/reports")]
async fn reports() {}

fn main() {}
