use actix_web::{get, HttpRequest, Responder};
use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
#[get("/reports")]
async fn reports(
    _a0: HttpRequest,
    _a1: HttpRequest,
    _a2: HttpRequest,
    _a3: HttpRequest,
    _a4: HttpRequest,
    _a5: HttpRequest,
    _a6: HttpRequest,
    _a7: HttpRequest,
    _a8: HttpRequest,
    _a9: HttpRequest,
    _a10: HttpRequest,
    _a11: HttpRequest,
    _a12: HttpRequest,
    _a13: HttpRequest,
    _a14: HttpRequest,
    _a15: HttpRequest,
    _a16: HttpRequest,
) -> impl Responder {
    "reports"
}

fn main() {}
