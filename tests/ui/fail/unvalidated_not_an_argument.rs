use actix_web::{post, web, Responder};
use secure_api::secure;
use serde::Deserialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Deserialize)]
struct Note {
    text: String,
}

#[secure(role = "editor", unvalidated(note))]
#[post("/notes")]
async fn create(body: web::Json<Note>) -> impl Responder {
    body.into_inner().text
}

fn main() {}
