use actix_web::{get, web};
use secure_api::secure;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize)]
struct Customer {
    ssn: String,
}

#[secure(role = "viewer")]
#[get("/customers/{id}")]
async fn customer(id: web::Path<String>) -> actix_web::Result<web::Json<Customer>> {
    Ok(web::Json(Customer { ssn: id.into_inner() }))
}

fn main() {}
