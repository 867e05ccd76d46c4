//! Secure actix-web endpoints with one attribute.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, Responder, get, web};
//! use secure_api::{Principal, Security, SecurityConfig, roles, secure};
//!
//! roles! { admin > editor > viewer; reporting; }
//!
//! /// One customer, for admins.
//! #[secure(role = "admin", rate = "100/15m", version = "v1")]
//! #[get("/customers/{id}")]
//! async fn customer(id: web::Path<String>, who: Principal) -> impl Responder {
//!     format!("customer {id}, read by {}", who.subject())
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let config = SecurityConfig::from_env().map_err(std::io::Error::other)?;
//!     let security = Security::new(config);
//!     HttpServer::new(move || App::new().service(customer).wrap(security.clone()))
//!         .bind(("127.0.0.1", 8080))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! # The checks, in order
//!
//! This table is the one description of the order in which secure-api
//! checks a request; the other documentation links here. The first three
//! rows are the [`Security`] middleware's, on every path, routed or not;
//! the rest are the checks `#[secure(...)]`, written above the route
//! attribute, makes its handler run before any of its arguments is
//! extracted (so before the body is read). The first that fails answers
//! with an RFC 9457 problem+json body:
//!
//! | check | key | failure |
//! | --- | --- | --- |
//! | on a [`plain_http`](Security::plain_http) listener, a request that did not come over HTTPS | always | 308 to HTTPS; 403 with credentials or another method than `GET`/`HEAD` (RFC 6750 §5.3) |
//! | no credential in the URL: a credential parameter in the query string or a path segment's matrix parameters (RFC 6750 §5.3) | always | 400 |
//! | a client locked out for failed authentications presents credentials | always | 429 + `Retry-After` |
//! | the route's sunset has passed (RFC 8594) | `deprecated(since = "2026-01-01", sunset = "2027-12-31", link = "https://..")` | 410 |
//! | authentication: a valid JWT bearer token (RFC 6750, RFC 8725), or an API key in `X-API-Key` ([`auth::api_key`]) | `auth = "jwt"` (default), `"api_key"`, `"any"`; skipped only with `public` | 401 + `WWW-Authenticate` |
//! | one-time tokens: a `jti` (RFC 7519 §4.1.7) not spent yet | `replay = "jti"` | 401 |
//! | rate limit, GCRA per principal (per client IP when `public`) | `rate = "100/15m"` | 429 + `Retry-After` |
//! | role, with the hierarchy of [`roles!`] | `role = "editor"`, `roles(any(..))`, `roles(all(..))`; `api_key_role(s)` for API-key callers | 403 `insufficient_scope` |
//! | OAuth2 scopes of the `scope` (RFC 8693 §4.2) or `scp` claim | `scope = "customers:read"`, `scopes(any(..))`, `scopes(all(..))` | 403 `insufficient_scope` + `scope` (RFC 6750 §3) |
//! | ownership: path parameter equals `sub` | `owner(param = "id", unless = "editor")` | 404 |
//! | the handler's arguments: body and inputs (see below) | `body_limit`, `unvalidated(..)` | 400, 413, 415, 422 |
//! | the one-time token's `jti` is spent, just before the handler runs | `replay = "jti"` | 401; 503 when the store is full |
//!
//! The lock-out, the quota and the spent `jti`s live in the state store:
//! in process memory, or in Redis shared by every replica
//! (`SECURE_API_REDIS_URL`, feature `redis`). While the store cannot be
//! reached a route that needs it answers 503 + `Retry-After` (fail closed);
//! `on_store_error = "allow"` skips the lock-out and quota checks instead
//! (fail open; refused with `replay` at compile time). [`StoreHealth`]
//! reports the store to a health handler.
//!
//! Every answer, refusals included, then carries the route's
//! `Deprecation`, `Sunset` and `Link` headers (RFC 9745, RFC 8594) and its
//! `RateLimit` fields, the [`SecureHeaders`] of the configuration, a
//! problem+json body in place of an empty or plain-text error body, and
//! one audit line. A route is served under its `version = "v1"` prefix; a
//! path that exists, asked with a method it does not serve, gets 405 with
//! `Allow`.
//!
//! Then the handler's arguments are extracted; request inputs are checked
//! and responses redacted:
//!
//! | what | how | failure |
//! | --- | --- | --- |
//! | `Json<T>`, `Form<T>`, `Query<T>`, struct `Path<T>` arguments: strict parsing, `validator` rules (OWASP API3:2023, API4:2023) | `T` derives `validator::Validate` and [`Input`](derive@Input); `unvalidated(arg)` skips the rules; `body_limit = "1MiB"` (default 64 KiB) | 400, 413, 415, 422 with `errors` |
//! | `Json<T>` and `Result<Json<T>, E>` responses: fields marked `#[redact]` masked or removed for callers without the role | `T` derives [`Redact`](derive@Redact) | — |
//!
//! ```no_run
//! use actix_web::{post, web};
//! use secure_api::{Input, Redact, roles, secure};
//! use serde::{Deserialize, Serialize};
//! use validator::Validate;
//!
//! roles! { admin > editor > viewer; }
//!
//! /// What a client sends: `{"fullName": "..", "ssn": ".."}`. Any other
//! /// member is refused (422 `unknown_field`); no `deny_unknown_fields`
//! /// needed.
//! #[derive(Deserialize, Validate, Input)]
//! #[serde(rename_all = "camelCase")]
//! struct NewCustomer {
//!     #[validate(length(min = 1, max = 100))]
//!     full_name: String,
//!     #[validate(length(equal = 11))]
//!     ssn: String,
//! }
//!
//! /// What a client gets back: the SSN masked (`***-**-6789`) unless an admin asks.
//! #[derive(Serialize, Redact)]
//! #[serde(rename_all = "camelCase")]
//! struct Customer {
//!     full_name: String,
//!     #[redact(mask(last = 4), unless_role = "admin")]
//!     ssn: String,
//! }
//!
//! /// Editors create customers; an invalid body never reaches this function.
//! #[secure(role = "editor", body_limit = "16KiB")]
//! #[post("/customers")]
//! async fn create(body: web::Json<NewCustomer>) -> web::Json<Customer> {
//!     let NewCustomer { full_name, ssn } = body.into_inner();
//!     web::Json(Customer { full_name, ssn })
//! }
//! # fn main() {}
//! ```
//!
//! The [`Security`] middleware, registered on the `App`, carries the
//! configuration to the handlers, answers CORS preflights ([`CorsPolicy`]),
//! answers 405 with `Allow` for a method a path does not serve, and sets
//! the [`SecureHeaders`] on every response (HSTS over HTTPS only).
//! [`Security::plain_http`] makes it the policy of a plain HTTP listener
//! (308 to HTTPS, 403 for credentials sent in clear), and [`server::Tls`]
//! (cargo feature `tls`, on by default) configures the HTTPS listener with
//! rustls from PEM files or a generated development certificate.
//!
//! The middleware also keeps the audit trail: one structured event per
//! request ([`audit`], target `secure_api::audit`, rendered as one JSON line
//! by [`audit::layer`]) with its [`RequestId`], the client IP, the route,
//! the principal and the outcome, never a credential ([`scrub`]); counts in
//! the app's own Prometheus registry ([`Metrics`]); and alerts when one
//! client IP or principal crosses a threshold of security events
//! ([`alert`]).
//!
//! See [`secure`] for the attribute's full syntax, [`Redact`](derive@Redact)
//! and [`Input`](derive@Input) for the derives.

// Layer 0, primitives: import nothing from the crate.
mod error;
mod hex;
pub mod problem;
mod secret;
// Layer 1, policy data: what the macro emits and every refusal.
pub mod authz;
mod event;
mod policy;
mod rejection;
pub mod version;
// Layer 2, mechanisms: one concept each; they know nothing of the
// configuration or the request pipeline.
pub mod alert;
pub mod auth;
mod client_ip;
pub mod cors;
mod headers;
mod methods;
pub mod metrics;
pub mod rate_limit;
pub mod redact;
pub mod request_id;
pub mod scrub;
mod store;
pub mod validation;
// Layer 3, assembly: the configuration, read and checked in one place.
pub mod config;
// Layer 4, the request pipeline.
pub mod audit;
mod guard;
mod health;
mod middleware;
mod state;
// Layer 5, the facade: public paths and what generated code names.
#[doc(hidden)]
pub mod __private;
#[cfg(feature = "tls")]
pub mod server;

pub use auth::{AuthMethod, Principal};
pub use authz::Role;
pub use config::{ConfigError, ForwardedHeader, Limits, SecurityConfig, SecurityConfigBuilder};
pub use cors::CorsPolicy;
pub use headers::{Hsts, HttpsAuthority, SecureHeaders};
pub use health::StoreHealth;
pub use metrics::Metrics;
pub use middleware::Security;
pub use problem::{FieldError, Problem};
pub use redact::{Redact, Reply, Viewer};
pub use request_id::RequestId;
pub use secure_api_macros::{Input, Redact, roles, secure};
pub use validation::Input;
