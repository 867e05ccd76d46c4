//! A one-role declaration without a trailing `;`.
#![deny(warnings)]

use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin }

#[secure(role = "admin")]
#[get("/admin")]
async fn admin_only() -> impl Responder {
    "admin"
}

fn main() {
    let _ = actix_web::App::new().service(admin_only);
    assert_eq!(roles::ADMIN.name(), "admin");
}
