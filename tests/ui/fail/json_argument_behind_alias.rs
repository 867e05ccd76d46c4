use actix_web::{post, web, Responder};
use secure_api::{roles, secure};
use serde::Deserialize;

roles! { admin > editor > viewer; reporting; }

#[derive(Deserialize)]
struct NewThing {
    name: String,
}

type Body = web::Json<NewThing>;

#[secure(role = "editor")]
#[post("/things")]
async fn create(body: Body) -> impl Responder {
    body.into_inner().name
}

fn main() {}
