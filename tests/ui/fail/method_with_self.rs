use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

struct Reports;

impl Reports {
    #[secure(role = "admin")]
    async fn reports(&self) -> impl Responder {
        "reports"
    }
}

fn main() {}
