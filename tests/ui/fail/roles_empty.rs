use actix_web::{get, Responder};
use secure_api::secure;

secure_api::roles! {}

fn main() {}
