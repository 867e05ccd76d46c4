//! Every form of window, and versions on every kind of path.
#![deny(warnings)]

use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", rate = "10/1m", version = "v0")]
#[get("/")]
async fn root() -> impl Responder {
    "served at /v0"
}

#[secure(role = "viewer", rate = "600/m", version = "v1")]
#[get("/per-minute")]
async fn per_minute() -> impl Responder {
    "600 a minute"
}

#[secure(role = "viewer", rate = "5/30s", version = "v12")]
#[get("/per-30s")]
async fn per_30s() -> impl Responder {
    "5 per 30 seconds"
}

#[secure(role = "viewer", rate = "1000/2h")]
#[get("/per-2h")]
async fn per_2h() -> impl Responder {
    "1000 per 2 hours"
}

#[secure(role = "viewer", rate = "1/d")]
#[get("/per-day")]
async fn per_day() -> impl Responder {
    "1 a day"
}

#[secure(role = "viewer", rate = "4294967295/1s")]
#[get("/max")]
async fn max_count() -> impl Responder {
    "u32::MAX a second"
}

fn main() {
    let _ = actix_web::App::new()
        .service(root)
        .service(per_minute)
        .service(per_30s)
        .service(per_2h)
        .service(per_day)
        .service(max_count);
}
