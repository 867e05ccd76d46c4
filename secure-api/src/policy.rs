//! [`Policy`]: what one `#[secure]` handler enforces, as data the macro
//! emits into a `static`, and the small enums only a policy holds.
//!
//! Layer 1: plain data over the other policy types (roles, scopes,
//! ownership, quota, deprecation). The checks that read a policy run in
//! the order of the crate documentation's table ([`crate`]).

use crate::authz::{Access, Owner, Scopes};
use crate::rate_limit::quota::{Quota, RateKeyKind};
use crate::version::Deprecation;

/// Which credentials a route accepts (`#[secure(auth = "..")]`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptedCredentials {
    /// `auth = "jwt"` (the default): a bearer JWT in `Authorization`.
    Jwt,
    /// `auth = "api_key"`: an API key in `X-API-Key`.
    ApiKey,
    /// `auth = "any"`: either, but not both in one request.
    Any,
}

/// Whether a route accepts a token more than once (`#[secure(replay = "jti")]`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// The default: a valid token may be used until it expires.
    Allowed,
    /// `replay = "jti"`: a token's `jti` is accepted once within its lifetime.
    OncePerJti,
}

/// What a route does when the shared state store cannot be reached
/// (`#[secure(on_store_error = "..")]`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFailure {
    /// The default: 503 problem+json with `Retry-After` (fail closed).
    Refuse,
    /// `on_store_error = "allow"`: the checks that need the store (the
    /// quota, the failed-authentication lock-out) are skipped while it is
    /// down, and the request goes on (fail open).
    Allow,
}

/// The compiled policy of one `#[secure]` handler.
#[doc(hidden)]
#[derive(Debug)]
pub struct Policy {
    /// A name unique to the handler (`module_path!()::fn_name`), keying its
    /// rate-limit buckets.
    pub handler: &'static str,
    /// The route pattern as served, version prefix included (`/v1/customers/{id}`).
    pub route: &'static str,
    /// Who may call the route.
    pub access: Access,
    /// Which credentials the route accepts (`auth`; default JWT only).
    pub auth: AcceptedCredentials,
    /// Who may call the route with an API key, when it differs from
    /// `access` (`api_key_role`, `api_key_roles(..)`).
    pub api_key_access: Option<Access>,
    /// The OAuth2 scopes the route requires (`scope`, `scopes(..)`).
    pub scopes: Scopes,
    /// Whether a token may be used more than once (`replay`).
    pub replay: Replay,
    /// The ownership rule, if any.
    pub owner: Option<Owner>,
    /// The quota, if any.
    pub rate: Option<Quota>,
    /// Whose bucket a request is charged to (`rate_key`).
    pub rate_key: RateKeyKind,
    /// The largest request body accepted, in bytes (`body_limit`).
    pub body_limit: usize,
    /// `deprecated(..)`: the `Deprecation`, `Sunset` and `Link` headers,
    /// and 410 from the sunset on.
    pub deprecation: Option<Deprecation>,
    /// What happens while the shared store cannot be reached
    /// (`on_store_error`).
    pub on_store_error: StoreFailure,
}
