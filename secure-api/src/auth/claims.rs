//! [`VerifiedClaims`]: what a verified credential says about its caller,
//! shared by the JWT verifier, its cache and the principal.

use serde_json::{Map, Value};

/// The claims of a token that passed every check.
#[derive(Clone)]
pub(crate) struct VerifiedClaims {
    pub(crate) sub: String,
    pub(crate) roles: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Map<String, Value>,
}
