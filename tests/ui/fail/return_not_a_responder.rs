use actix_web::get;
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

struct Report;

#[secure(role = "admin")]
#[get("/reports")]
async fn reports() -> Report {
    Report
}

fn main() {}
