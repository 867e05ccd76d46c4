//! The API's handlers, each secured with one `#[secure(...)]` attribute.
//!
//! By the time a handler body runs, the caller is authenticated, within
//! its rate limit, holds the role, (for `owner`) owns the object, and the
//! query or body has passed its rules; responses are redacted for the
//! caller by the framework. The handlers only do the work.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use secure_api::{Input, Metrics, Principal, Problem, Reply, StoreHealth, secure};
use serde::Deserialize;
use validator::Validate;

use crate::model::{Customer, NewCustomer, Store, Summary};

/// How many customers a list returns when `limit` is not given.
const DEFAULT_LIMIT: usize = 20;

/// Registers every route on an `App`.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health)
        .service(list_customers)
        .service(get_customer)
        .service(create_customer)
        .service(delete_customer)
        .service(reports_summary)
        .service(list_customers_v0)
        .service(export_v0)
        .service(metrics);
}

/// `GET /metrics`: request counts, latency and security events in the
/// Prometheus text format, for admins (a scraper holds an admin token).
#[secure(role = "admin")]
#[get("/metrics")]
async fn metrics(metrics: Metrics) -> HttpResponse {
    metrics.response()
}

/// `GET /health`: `{"status":"ok"}`, to anyone, 600 requests a minute per
/// client IP; 503 problem+json naming the store while the shared state
/// store (`SECURE_API_REDIS_URL`) cannot be reached. While it is down the
/// quota cannot be counted, so it is skipped (`on_store_error = "allow"`)
/// and the handler reports the store.
#[secure(public, rate = "600/1m", on_store_error = "allow")]
#[get("/health")]
async fn health(store: StoreHealth) -> Result<web::Json<serde_json::Value>, Problem> {
    store.check().await?;
    Ok(web::Json(serde_json::json!({ "status": "ok" })))
}

/// The query of `GET /v1/customers`.
#[derive(Debug, Deserialize, Validate, Input)]
struct ListQuery {
    /// How many customers to return, 1 to 100 (default 20).
    #[validate(range(min = 1, max = 100))]
    limit: Option<i64>,
}

impl ListQuery {
    /// The first `limit` customers (v0 and v1 answer alike).
    fn answer(&self, store: &Store) -> web::Json<Vec<Customer>> {
        let limit = self
            .limit
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(DEFAULT_LIMIT);
        web::Json(store.list(limit))
    }
}

/// `GET /v1/customers?limit=N`: the first N customers, each masked for the
/// caller. Viewers and above; 100 requests per 15 minutes per caller.
#[secure(role = "viewer", rate = "100/15m", version = "v1")]
#[get("/customers")]
async fn list_customers(
    query: web::Query<ListQuery>,
    store: web::Data<Store>,
) -> web::Json<Vec<Customer>> {
    query.answer(&store)
}

/// `GET /v0/customers?limit=N`: `GET /v1/customers` as it was in v0,
/// deprecated since 2026-01-01 and retired at the end of 2027. Responses
/// carry `Deprecation`, `Sunset` and a `Link` to the migration guide. It
/// has a quota of its own, as large as v1's, so the old path is no
/// unmetered way to the same data.
#[secure(
    role = "viewer",
    rate = "100/15m",
    version = "v0",
    deprecated(
        since = "2026-01-01",
        sunset = "2027-12-31",
        link = "https://docs.customer-api.test/migrate-v1"
    )
)]
#[get("/customers")]
async fn list_customers_v0(
    query: web::Query<ListQuery>,
    store: web::Data<Store>,
) -> web::Json<Vec<Customer>> {
    query.answer(&store)
}

/// `GET /v0/export`: every customer, for admins; retired on 2025-06-30,
/// so the framework answers 410 before this function could run.
#[secure(
    role = "admin",
    version = "v0",
    deprecated(since = "2025-01-01", sunset = "2025-06-30")
)]
#[get("/export")]
async fn export_v0(store: web::Data<Store>) -> web::Json<Vec<Customer>> {
    web::Json(store.list(usize::MAX))
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
    store: web::Data<Store>,
) -> Result<web::Json<Customer>, Problem> {
    store.get(&id).map(web::Json).ok_or_else(not_found)
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
) -> Reply<Customer> {
    let customer = store.create(body.into_inner());
    tracing::info!(customer = %customer.id, by = who.subject(), "customer created");
    Reply::created(&format!("/v1/customers/{}", customer.id), customer)
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

/// `GET /v1/reports/summary`: `{"customers":N,"total_balance_cents":M}`,
/// for integrations with an API key of role `reporting` (sent in
/// `X-API-Key`), and for admins with a JWT.
#[secure(
    auth = "any",
    role = "admin",
    api_key_role = "reporting",
    version = "v1"
)]
#[get("/reports/summary")]
async fn reports_summary(store: web::Data<Store>) -> web::Json<Summary> {
    web::Json(store.summary())
}

/// 404 problem+json: the framework's own answer to a caller who does not
/// own the object, so ids cannot be probed.
fn not_found() -> Problem {
    Problem::for_status(StatusCode::NOT_FOUND)
}
