//! [`Principal`]: the authenticated caller, as handlers see it.

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::claims::VerifiedClaims;
use crate::authz::Role;

/// How a principal authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// A JWT bearer token (RFC 6750, RFC 7519).
    Jwt,
    /// An API key in the `X-API-Key` header.
    ApiKey,
}

/// The authenticated caller of a `#[secure]` route: subject, roles and the
/// token's verified claims.
///
/// Use it as a handler argument. It is available only on routes that
/// authenticate (not `public` ones); elsewhere extraction fails with 401
/// problem+json, so a handler can never run believing it has a caller it
/// does not have.
///
/// `Debug` shows the subject, roles and method, never the claims.
///
/// Cloning is cheap: the verified claims are shared, not copied.
#[derive(Clone)]
pub struct Principal {
    verified: Arc<VerifiedClaims>,
    method: AuthMethod,
    api_key_sha256: Option<Arc<str>>,
}

impl Principal {
    /// The principal of a verified token's `claims`.
    pub(crate) fn from_claims(claims: Arc<VerifiedClaims>, method: AuthMethod) -> Self {
        Self {
            verified: claims,
            method,
            api_key_sha256: None,
        }
    }

    /// The principal of an API-key caller: its `id` is the subject, its
    /// roles and scopes come from the key file; it has no claims.
    /// `sha256_prefix` tells which of the id's keys was used.
    pub(crate) fn from_api_key(
        id: String,
        roles: Vec<String>,
        scopes: Vec<String>,
        sha256_prefix: String,
    ) -> Self {
        Self {
            verified: Arc::new(VerifiedClaims {
                sub: id,
                roles,
                scopes,
                claims: Map::new(),
            }),
            method: AuthMethod::ApiKey,
            api_key_sha256: Some(Arc::from(sha256_prefix)),
        }
    }

    /// For an API-key caller, the first 12 hex digits of the key's SHA-256
    /// (the start of its `sha256` in the key file), which tells apart the
    /// keys of one id during a rotation and reveals nothing of the key;
    /// `None` for a token.
    pub fn api_key_sha256(&self) -> Option<&str> {
        self.api_key_sha256.as_deref()
    }

    /// Who the caller is: the `sub` claim of a token (RFC 7519 §4.1.2), or
    /// the `id` of an API key.
    pub fn subject(&self) -> &str {
        &self.verified.sub
    }

    /// The role names of the `roles` claim, exactly as the token holds them.
    pub fn roles(&self) -> &[String] {
        &self.verified.roles
    }

    /// The OAuth2 scopes granted: the space-separated `scope` claim
    /// (RFC 8693 §4.2), or else the `scp` array; for an API key, its
    /// `scopes` in the key file.
    pub fn scopes(&self) -> &[String] {
        &self.verified.scopes
    }

    /// Whether the caller holds `role`, directly or through a role above it
    /// in the hierarchy declared with [`roles!`](crate::roles).
    pub fn has_role(&self, role: &Role) -> bool {
        role.is_held_by(&self.verified.roles)
    }

    /// All claims of the verified token, registered and private (empty for
    /// an API key).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.verified.claims
    }

    /// How the caller authenticated.
    pub fn auth_method(&self) -> AuthMethod {
        self.method
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("sub", &self.verified.sub)
            .field("roles", &self.verified.roles)
            .field("scopes", &self.verified.scopes)
            .field("method", &self.method)
            .field("api_key_sha256", &self.api_key_sha256)
            .finish_non_exhaustive()
    }
}
