//! `deprecated` in every form: since alone, with a sunset, with links,
//! on a versioned and an unversioned route, on `#[route]`.
#![deny(warnings)]

use actix_web::{get, post, route, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer", version = "v0", deprecated(since = "2026-01-01"))]
#[get("/since")]
async fn since() -> impl Responder {
    "since"
}

#[secure(
    role = "viewer",
    version = "v0",
    deprecated(
        since = "2026-01-01",
        sunset = "2027-12-31",
        link = "https://docs.example.com/migrate-v1",
        sunset_link = "https://docs.example.com/sunset?v=0#when",
    )
)]
#[get("/everything")]
async fn everything() -> impl Responder {
    "everything"
}

#[secure(public, version = "v0", deprecated(since = "2024-02-29", sunset = "2024-02-29"))]
#[post("/same-day")]
async fn same_day() -> impl Responder {
    "same day"
}

#[secure(role = "editor", version = "v0", deprecated(since = "1970-01-01", link = "https://[::1]:8443/docs"))]
#[route("/routed", method = "GET", method = "PUT")]
async fn routed() -> impl Responder {
    "routed"
}

fn main() {
    let _ = actix_web::App::new()
        .service(since)
        .service(everything)
        .service(same_day)
        .service(routed);
}
