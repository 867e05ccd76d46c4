//! `#[secure]` reads JSON, form, query and struct path arguments through
//! its validating extractors (plain data, and arguments named in
//! `unvalidated`, without rules), honours `body_limit`, and answers `Json`,
//! `Result<Json>` and `Reply` responses redacted. Warnings are errors.
#![deny(warnings)]

use std::collections::HashMap;

use actix_web::{get, post, web, HttpRequest, Responder};
use secure_api::{secure, Input, Principal, Problem, Redact, Reply};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use validator::Validate;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Deserialize, Validate, Input)]
struct NewCustomer {
    #[validate(length(min = 1))]
    name: String,
}

#[derive(Deserialize, Validate, Input)]
struct Page {
    #[validate(range(min = 1, max = 100))]
    limit: u32,
}

#[derive(Deserialize, Validate, Input)]
struct CustomerPath {
    #[validate(length(max = 8))]
    id: String,
}

/// No rules, so no `Validate`: named in `unvalidated`.
#[derive(Deserialize)]
struct Raw {
    text: String,
}

#[derive(Serialize, Redact)]
struct Customer {
    name: String,
    #[redact(mask(last = 4), unless_role = "admin")]
    ssn: String,
}

fn customer(name: String) -> Customer {
    Customer { name, ssn: "123-45-6789".into() }
}

#[secure(role = "editor", body_limit = "1MiB")]
#[post("/customers")]
async fn create(body: web::Json<NewCustomer>) -> web::Json<Customer> {
    web::Json(customer(body.into_inner().name))
}

#[secure(role = "editor", body_limit = "500KB")]
#[post("/customers/form")]
async fn create_from_form(
    web::Form(NewCustomer { name }): web::Form<NewCustomer>,
) -> Result<web::Json<Customer>, Problem> {
    Ok(web::Json(customer(name)))
}

#[secure(role = "viewer")]
#[get("/customers")]
async fn list(page: actix_web::web::Query<Page>, who: Principal) -> actix_web::Result<web::Json<Vec<Customer>>> {
    let _ = who.subject();
    Ok(web::Json((0..page.limit).map(|i| customer(i.to_string())).collect()))
}

#[secure(role = "viewer", owner(param = "id"))]
#[get("/customers/{id}")]
async fn one(path: web::Path<CustomerPath>) -> Reply<Customer> {
    Reply::ok(customer(path.into_inner().id))
}

#[secure(role = "viewer")]
#[get("/customers/{id}/orders/{order}")]
async fn order(path: web::Path<(String, u32)>, n: web::Path<u64>) -> impl Responder {
    format!("{} {} {n}", path.0, path.1)
}

#[secure(role = "editor", unvalidated(raw, query), body_limit = "64KiB")]
#[post("/raw")]
async fn raw(raw: web::Json<Raw>, mut query: web::Query<Raw>) -> impl Responder {
    query.text.push('!');
    format!("{} {}", raw.text, query.text)
}

#[secure(public, body_limit = "2048B", unvalidated(body))]
#[post("/free-form")]
async fn free_form(
    body: web::Json<Value>,
    tags: web::Query<HashMap<String, String>>,
    req: HttpRequest,
) -> impl Responder {
    format!("{body} {} {}", tags.len(), req.path())
}

#[secure(public)]
#[post("/batch")]
async fn batch(items: web::Json<Vec<NewCustomer>>, names: web::Json<Vec<String>>) -> impl Responder {
    format!("{} {}", items.len(), names.len())
}

fn main() {
    let _ = actix_web::App::new()
        .service(create)
        .service(create_from_form)
        .service(list)
        .service(one)
        .service(order)
        .service(raw)
        .service(free_form)
        .service(batch);
}
