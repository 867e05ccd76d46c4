//! The API's handlers, each secured with one `#[secure(...)]` attribute.
//!
//! By the time a handler body runs, the caller is authenticated, within
//! its rate limit, holds the role and (for `owner`) owns the object: the
//! handlers only do the work.

use actix_web::error::{InternalError, JsonPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, Responder, delete, get, post, web};
use secure_api::problem::PROBLEM_JSON;
use secure_api::{Principal, Problem, secure};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::model::{Customer, FieldError, NewCustomer, Store, field_errors};

/// The largest accepted request body, in bytes (64 KiB).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// How many customers a list returns when `limit` is not given.
const DEFAULT_LIMIT: usize = 20;

/// Registers every route and the JSON body rules on an `App`.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config())
        .service(health)
        .service(list_customers)
        .service(get_customer)
        .service(create_customer)
        .service(delete_customer);
}

/// `GET /health`: `{"status":"ok"}`, to anyone, 600 requests a minute per
/// client IP.
#[secure(public, rate = "600/1m")]
#[get("/health")]
async fn health() -> impl Responder {
    web::Json(serde_json::json!({ "status": "ok" }))
}

/// The query of `GET /v1/customers`.
#[derive(Debug, Deserialize, Validate)]
struct ListQuery {
    /// How many customers to return, 1 to 100 (default 20).
    #[validate(range(min = 1, max = 100))]
    limit: Option<i64>,
}

/// `GET /v1/customers?limit=N`: the first N customers, each masked for the
/// caller. Viewers and above; 100 requests per 15 minutes per caller.
#[secure(role = "viewer", rate = "100/15m", version = "v1")]
#[get("/customers")]
async fn list_customers(
    query: web::Query<ListQuery>,
    who: Principal,
    store: web::Data<Store>,
) -> HttpResponse {
    if let Err(errors) = query.validate() {
        return unprocessable(&field_errors(&errors));
    }
    let limit = query
        .limit
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(DEFAULT_LIMIT);
    let customers: Vec<Customer> = store
        .list(limit)
        .iter()
        .map(|c| c.redacted_for(&who))
        .collect();
    HttpResponse::Ok().json(customers)
}

/// `GET /v1/customers/{id}`: one customer, masked for the caller. Viewers
/// may read only their own record (`id` equal to their `sub`); editors and
/// admins any. Someone else's record and a missing one get the same 404.
#[secure(
    role = "viewer",
    owner(param = "id", unless = "editor"),
    version = "v1"
)]
#[get("/customers/{id}")]
async fn get_customer(
    id: web::Path<String>,
    who: Principal,
    store: web::Data<Store>,
) -> Result<web::Json<Customer>, Problem> {
    let customer = store.get(&id).ok_or_else(not_found)?;
    Ok(web::Json(customer.redacted_for(&who)))
}

/// `POST /v1/customers`: creates a customer from a validated JSON body;
/// 201 with `Location` and the customer, masked for the caller. Editors and
/// admins.
#[secure(role = "editor", version = "v1")]
#[post("/customers")]
async fn create_customer(
    body: web::Json<NewCustomer>,
    who: Principal,
    store: web::Data<Store>,
) -> HttpResponse {
    if let Err(errors) = body.validate() {
        return unprocessable(&field_errors(&errors));
    }
    let customer = store.create(body.into_inner());
    tracing::info!(customer = %customer.id, by = who.subject(), "customer created");
    HttpResponse::Created()
        .insert_header((LOCATION, format!("/v1/customers/{}", customer.id)))
        .json(customer.redacted_for(&who))
}

/// `DELETE /v1/customers/{id}`: 204, or 404 when there is no such customer.
/// Admins only; 10 requests a minute per caller.
#[secure(role = "admin", rate = "10/1m", version = "v1")]
#[delete("/customers/{id}")]
async fn delete_customer(
    id: web::Path<String>,
    who: Principal,
    store: web::Data<Store>,
) -> Result<HttpResponse, Problem> {
    if !store.delete(&id) {
        return Err(not_found());
    }
    tracing::info!(customer = %id, by = who.subject(), "customer deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// 404 problem+json with the same body as the framework's answer to a
/// caller who does not own the object, so ids cannot be probed.
fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "The resource does not exist.")
}

/// 422 problem+json (RFC 9457 §3.2 extension member `errors`) listing each
/// broken rule as `{"field","code"}`.
///
/// A small stand-in: the next issue moves validated extraction and this
/// answer into the framework.
fn unprocessable(errors: &[FieldError]) -> HttpResponse {
    /// The problem's members, then `errors`.
    #[derive(Serialize)]
    struct WithErrors<'a> {
        /// `type`, `title`, `status`, `detail`.
        #[serde(flatten)]
        problem: &'a Problem,
        /// The broken rules.
        errors: &'a [FieldError],
    }
    let problem = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "The request does not pass validation; see `errors`.",
    );
    match serde_json::to_string(&WithErrors {
        problem: &problem,
        errors,
    }) {
        Ok(body) => HttpResponse::UnprocessableEntity()
            .content_type(PROBLEM_JSON)
            .body(body),
        // Serialising strings and integers cannot fail; keep a valid answer anyway.
        Err(_) => problem.to_response(),
    }
}

/// JSON bodies: `Content-Type: application/json` (else 415), at most
/// [`MAX_BODY_BYTES`] (else 413), malformed JSON 400; JSON that parses but
/// names an unknown field or misses one is 422 with `errors`.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(json_error)
}

/// Answers a refused JSON body: 415 for another content type, 422 with
/// `errors` for JSON that parses but does not fit. Other errors keep
/// actix-web's status (413, 400), and the `Security` middleware gives them a
/// problem+json body that echoes nothing.
fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let response = match &err {
        JsonPayloadError::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request body must be application/json.",
        )
        .to_response(),
        JsonPayloadError::Deserialize(e) if e.is_data() => match data_error(&e.to_string()) {
            Some(errors) => unprocessable(&errors),
            None => return err.into(),
        },
        _ => return err.into(),
    };
    InternalError::from_response(err, response).into()
}

/// The `{"field","code"}` entries for serde's message about a body that
/// parsed but does not fit; `None` for a duplicate key (400 by the
/// contract). A wrong-typed value names no field in serde's message, so it
/// gives an empty list until the framework's validated extractor replaces
/// this.
fn data_error(message: &str) -> Option<Vec<FieldError>> {
    let quoted = || message.split('`').nth(1).unwrap_or_default().to_owned();
    let code = if message.starts_with("unknown field `") {
        "unknown_field"
    } else if message.starts_with("missing field `") {
        "required"
    } else if message.starts_with("duplicate field `") {
        return None;
    } else {
        return Some(Vec::new());
    };
    Some(vec![FieldError {
        field: quoted(),
        code: code.into(),
    }])
}
