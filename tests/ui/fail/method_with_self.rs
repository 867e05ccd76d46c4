use actix_web::get;
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

struct Reports;

impl Reports {
    #[secure(role = "admin")]
    #[get("/reports")]
    async fn reports(&self) -> &'static str {
        "reports"
    }
}

fn main() {}
