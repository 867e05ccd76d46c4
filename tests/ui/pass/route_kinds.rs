//! Every route attribute of actix-web, also by full path, with `#[route]`
//! keeping its other arguments when `version` rewrites its path.
#![deny(warnings)]

use actix_web::{connect, delete, get, head, options, patch, post, put, query, route, trace, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "viewer")]
#[get("/get")]
async fn on_get() -> impl Responder {
    "get"
}

#[secure(role = "editor")]
#[post("/post")]
async fn on_post() -> impl Responder {
    "post"
}

#[secure(role = "editor")]
#[put("/put")]
async fn on_put() -> impl Responder {
    "put"
}

#[secure(role = "editor")]
#[patch("/patch")]
async fn on_patch() -> impl Responder {
    "patch"
}

#[secure(role = "admin")]
#[delete("/delete")]
async fn on_delete() -> impl Responder {
    "delete"
}

#[secure(public)]
#[head("/head")]
async fn on_head() -> impl Responder {
    ""
}

#[secure(public)]
#[options("/options")]
async fn on_options() -> impl Responder {
    ""
}

#[secure(public)]
#[trace("/trace")]
async fn on_trace() -> impl Responder {
    ""
}

#[secure(public)]
#[connect("/connect")]
async fn on_connect() -> impl Responder {
    ""
}

#[secure(role = "viewer")]
#[query("/query")]
async fn on_query() -> impl Responder {
    "query"
}

#[secure(role = "editor", version = "v1")]
#[route("/route", method = "GET", method = "POST", name = "routed")]
async fn on_route() -> impl Responder {
    "route"
}

#[secure(role = "viewer", version = "v3")]
#[actix_web::get("/full-path")]
async fn by_full_path() -> impl Responder {
    "full path"
}

fn main() {
    let _ = actix_web::App::new()
        .service(on_get)
        .service(on_post)
        .service(on_put)
        .service(on_patch)
        .service(on_delete)
        .service(on_head)
        .service(on_options)
        .service(on_trace)
        .service(on_connect)
        .service(on_query)
        .service(on_route)
        .service(by_full_path);
}
