//! Each way of saying who may call a handler.
#![deny(warnings)]

use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
#[get("/role")]
async fn one_role() -> impl Responder {
    "role"
}

#[secure(roles(any("editor", "reporting")))]
#[get("/any")]
async fn any_role() -> impl Responder {
    "any"
}

#[secure(roles(all("viewer", "reporting"),))]
#[get("/all")]
async fn all_roles() -> impl Responder {
    "all"
}

#[secure(roles(any("reporting")))]
#[get("/any-one")]
async fn any_of_one() -> impl Responder {
    "any of one"
}

#[secure(public)]
#[get("/public")]
async fn public() -> impl Responder {
    "public"
}

#[secure(public, rate = "5/30s", version = "v2")]
#[get("/public-limited")]
async fn public_limited() -> impl Responder {
    "public, limited"
}

fn main() {
    let _ = actix_web::App::new()
        .service(one_role)
        .service(any_role)
        .service(all_roles)
        .service(any_of_one)
        .service(public)
        .service(public_limited);
}
