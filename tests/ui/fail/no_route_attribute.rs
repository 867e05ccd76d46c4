use actix_web::Responder;
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
/// No route attribute.
async fn reports() -> impl Responder {
    "reports"
}

fn main() {}
