//! `owner` on each form of path parameter, with and without `unless`.
#![deny(warnings)]

use actix_web::{delete, get, web, HttpRequest, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", owner(param = "id"))]
#[get("/customers/{id}")]
async fn plain(id: web::Path<String>) -> impl Responder {
    id.into_inner()
}

#[secure(role = "viewer", owner(unless = "admin", param = "id"))]
#[get("/accounts/{id:[0-9a-f]{8}}/statements")]
async fn with_regex(req: HttpRequest) -> impl Responder {
    req.path().to_owned()
}

#[secure(role = "editor", owner(param = "owner", unless = "admin"))]
#[delete("/files/{owner}/{tail}*")]
async fn with_tail(path: web::Path<(String, String)>) -> impl Responder {
    path.into_inner().1
}

fn main() {
    let _ = actix_web::App::new().service(plain).service(with_regex).service(with_tail);
}
