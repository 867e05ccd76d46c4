use actix_web::{get, web};
use secure_api::{roles, secure, Redact};
use serde::Serialize;

roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
struct Customer {
    #[redact(mask(last = 4), unless_role = "admin")]
    ssn: String,
}

#[secure(role = "viewer")]
#[get("/customer")]
async fn customer() -> Option<web::Json<Customer>> {
    None
}

fn main() {}
