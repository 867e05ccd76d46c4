//! [`StoreHealth`]: whether the state store that requests share answers,
//! for a `/health` handler.
//!
//! Layer 4: reads the [`SecurityState`] of the request.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{FromRequest, HttpRequest};

use crate::problem::Problem;
use crate::rejection::{Rejection, STORE_UNAVAILABLE_RETRY_SECS};
use crate::state::SecurityState;

/// The state store of the [`Security`](crate::Security) middleware that
/// carries the request (actix-web `FromRequest`): in process memory, or
/// Redis with `SECURE_API_REDIS_URL`. A handler takes it to report the
/// store's health.
///
/// ```
/// use actix_web::{get, web};
/// use secure_api::{Problem, StoreHealth, secure};
///
/// /// `GET /health`: 200 while the shared store answers, 503 naming it
/// /// while it is down. `on_store_error = "allow"` keeps the route's own
/// /// quota from answering for it (the quota is skipped while the store is down).
/// #[secure(public, rate = "600/1m", on_store_error = "allow")]
/// #[get("/health")]
/// async fn health(store: StoreHealth) -> Result<web::Json<serde_json::Value>, Problem> {
///     store.check().await?;
///     Ok(web::Json(serde_json::json!({ "status": "ok" })))
/// }
/// ```
pub struct StoreHealth {
    state: Arc<SecurityState>,
}

impl StoreHealth {
    /// The store's kind: `"memory"` or `"redis"`.
    pub fn kind(&self) -> &'static str {
        self.state.store.kind()
    }

    /// Asks the store to answer, within its timeout (one round trip to
    /// Redis; nothing for the in-memory store).
    ///
    /// # Errors
    /// A 503 [`Problem`] with `Retry-After` whose `detail` names the store
    /// when it cannot be reached or answers too slowly.
    pub async fn check(&self) -> Result<(), Problem> {
        self.state.store.ping().await.map_err(|_| {
            let detail = match self.kind() {
                "redis" => "The shared state store (Redis) cannot be reached.",
                _ => "The state store cannot be reached.",
            };
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, detail)
                .with_header(RETRY_AFTER, HeaderValue::from(STORE_UNAVAILABLE_RETRY_SECS))
        })
    }
}

impl FromRequest for StoreHealth {
    type Error = Problem;
    type Future = Ready<Result<Self, Self::Error>>;

    /// The store of the middleware that carries the request.
    ///
    /// # Errors
    /// 500 problem+json when the middleware is not installed (fail closed).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match SecurityState::of(req) {
            Some(state) => Ok(StoreHealth { state }),
            None => Err(Rejection::NotConfigured.problem("")),
        })
    }
}
