use actix_web::{get, HttpRequest, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
#[get("/reports")]
async fn reports(
    a0: HttpRequest,
    a1: HttpRequest,
    a2: HttpRequest,
    a3: HttpRequest,
    a4: HttpRequest,
    a5: HttpRequest,
    a6: HttpRequest,
    a7: HttpRequest,
    a8: HttpRequest,
    a9: HttpRequest,
    a10: HttpRequest,
    a11: HttpRequest,
    a12: HttpRequest,
    a13: HttpRequest,
    a14: HttpRequest,
    a15: HttpRequest,
    a16: HttpRequest,
) -> impl Responder {
    "reports"
}

fn main() {}
