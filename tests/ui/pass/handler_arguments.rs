//! Handlers with no argument, several, sixteen (actix-web's most), argument
//! patterns and `mut` bindings, which stay on the user's function.
#![deny(warnings)]

use actix_web::{get, post, web, HttpRequest, Responder};
use secure_api::secure;
use secure_api::Input;
use serde::Deserialize;
use validator::Validate;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Deserialize, Validate, Input)]
struct NewCustomer {
    name: String,
}

#[derive(Deserialize, Validate, Input)]
struct Page {
    page: u32,
}

#[secure(role = "viewer")]
#[get("/none")]
async fn no_argument() -> impl Responder {
    "none"
}

#[secure(role = "editor")]
#[post("/customers/{id}")]
async fn several(
    id: web::Path<u64>,
    web::Json(NewCustomer { name }): web::Json<NewCustomer>,
    web::Query(Page { page }): web::Query<Page>,
    mut req: HttpRequest,
) -> impl Responder {
    req = req.clone();
    format!("{} {id} {name} {page}", req.path())
}

#[secure(role = "viewer")]
#[get("/sixteen")]
async fn sixteen(
    a0: HttpRequest, a1: HttpRequest, a2: HttpRequest, a3: HttpRequest,
    a4: HttpRequest, a5: HttpRequest, a6: HttpRequest, a7: HttpRequest,
    a8: HttpRequest, a9: HttpRequest, a10: HttpRequest, a11: HttpRequest,
    a12: HttpRequest, a13: HttpRequest, a14: HttpRequest, a15: HttpRequest,
) -> impl Responder {
    let all = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15];
    format!("{}", all.len())
}

#[secure(role = "viewer")]
#[get("/result")]
async fn returns_result(id: web::Query<Page>) -> actix_web::Result<String> {
    Ok(id.page.to_string())
}

fn main() {
    let _ = actix_web::App::new()
        .service(no_argument)
        .service(several)
        .service(sixteen)
        .service(returns_result);
}
