//! Identity: who is calling. Bearer credentials (RFC 6750) verified as JWTs
//! (RFC 7519, RFC 8725), or API keys in `X-API-Key`, into a [`Principal`],
//! by an authenticator that the configuration builds; and the one-time
//! use of tokens on `replay = "jti"` routes.
//!
//! Layer 2: a mechanism. It reads credentials and the shared state
//! (the store); it knows nothing of the configuration or the middleware.

pub mod api_key;
pub(crate) mod bearer;
mod claims;
pub(crate) mod jwks;
pub(crate) mod jwt;
mod principal;
pub(crate) mod reload;
pub mod token_cache;

pub use principal::{AuthMethod, Principal};

use std::sync::Arc;

use actix_web::HttpRequest;
use serde_json::Value;

use api_key::{ApiKeys, Presented};
use bearer::Bearer;
use jwt::JwtVerifier;
use reload::Watched;

use crate::policy::AcceptedCredentials;
use crate::rejection::Rejection;
use crate::store::{ReplayError, Store};

/// Verifies the credentials a request presents: JWTs with the configured
/// keys and claim rules, API keys against the key file. Built once by
/// [`SecurityConfigBuilder::build`](crate::SecurityConfigBuilder::build).
pub(crate) struct Authenticator {
    jwt: JwtVerifier,
    api_keys: Option<Arc<Watched<ApiKeys>>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("jwt", &self.jwt)
            .field("api_keys", &self.api_keys.as_ref().map(|k| k.current()))
            .finish()
    }
}

impl Authenticator {
    /// An authenticator verifying JWTs with `jwt` and API keys with
    /// `api_keys` (`None`: every API key is invalid).
    pub(crate) fn new(jwt: JwtVerifier, api_keys: Option<Arc<Watched<ApiKeys>>>) -> Self {
        Self { jwt, api_keys }
    }

    /// The JWT verifier.
    pub(crate) fn verifier(&self) -> &JwtVerifier {
        &self.jwt
    }

    /// The API keys, reloaded when their file changes.
    pub(crate) fn api_keys(&self) -> Option<&Watched<ApiKeys>> {
        self.api_keys.as_deref()
    }

    /// Authenticates `req` by the credentials `accepted`: a valid bearer
    /// JWT or a valid, unexpired API key becomes a [`Principal`].
    ///
    /// A credential of a kind the route does not accept is not looked at:
    /// the request is answered as one without credentials.
    ///
    /// # Errors
    /// [`Rejection::MissingCredentials`] with no accepted credential;
    /// [`Rejection::AmbiguousCredentials`] with both an `Authorization` and
    /// an `X-API-Key` header on a route that takes either;
    /// [`Rejection::InvalidToken`] for a malformed header, a token that
    /// fails any check of [`jwt`], an unknown or expired key.
    pub(crate) async fn authenticate(
        &self,
        req: &HttpRequest,
        accepted: AcceptedCredentials,
    ) -> Result<Principal, Rejection> {
        let jwt = matches!(
            accepted,
            AcceptedCredentials::Jwt | AcceptedCredentials::Any
        );
        let keys = matches!(
            accepted,
            AcceptedCredentials::ApiKey | AcceptedCredentials::Any
        );
        let token = if jwt {
            bearer::bearer(req)
        } else {
            Bearer::Absent
        };
        let key = if keys {
            api_key::presented(req)
        } else {
            Presented::Absent
        };
        match (token, key) {
            (Bearer::Absent, Presented::Absent) => Err(Rejection::MissingCredentials),
            (Bearer::Absent, Presented::Key(key)) => self.verify_api_key(key),
            (Bearer::Token(_) | Bearer::Malformed, Presented::Key(_))
            | (Bearer::Token(_) | Bearer::Malformed, Presented::Malformed) => {
                Err(Rejection::AmbiguousCredentials)
            }
            (Bearer::Absent, Presented::Malformed) | (Bearer::Malformed, Presented::Absent) => {
                Err(Rejection::InvalidToken)
            }
            (Bearer::Token(token), Presented::Absent) => {
                let claims = self.jwt.verify(token).await.map_err(|e| {
                    tracing::info!(target: "secure_api::auth", reason = %e, "bearer token rejected");
                    Rejection::InvalidToken
                })?;
                Ok(Principal::from_claims(claims, AuthMethod::Jwt))
            }
        }
    }

    /// The principal of `req` when the route takes JWTs and its bearer
    /// token was verified recently (the verified-token cache holds it):
    /// nothing in it can fail, so no guess is being made. `None` means
    /// [`authenticate`](Self::authenticate) must tell.
    pub(crate) fn verified_before(
        &self,
        req: &HttpRequest,
        accepted: AcceptedCredentials,
    ) -> Option<Principal> {
        if accepted == AcceptedCredentials::ApiKey
            || (accepted == AcceptedCredentials::Any
                && !matches!(api_key::presented(req), Presented::Absent))
        {
            return None;
        }
        match bearer::bearer(req) {
            Bearer::Token(token) => self
                .jwt
                .verified_before(token)
                .map(|claims| Principal::from_claims(claims, AuthMethod::Jwt)),
            Bearer::Absent | Bearer::Malformed => None,
        }
    }

    fn verify_api_key(&self, key: &str) -> Result<Principal, Rejection> {
        let Some(keys) = self.api_keys() else {
            tracing::info!(target: "secure_api::auth", "API key presented, but no key file is configured");
            return Err(Rejection::InvalidToken);
        };
        keys.current().verify(key).map_err(|e| {
            tracing::info!(target: "secure_api::auth", reason = %e, "API key rejected");
            Rejection::InvalidToken
        })
    }
}

/// The token's `jti`, a non-empty string.
///
/// # Errors
/// [`Rejection::InvalidToken`] when there is none (a one-time route cannot
/// take the token).
fn jti(principal: &Principal) -> Result<&str, Rejection> {
    match principal.claims().get("jti") {
        Some(Value::String(jti)) if !jti.is_empty() => Ok(jti),
        _ => {
            tracing::info!(target: "secure_api::auth", "token without a string `jti` on a one-time route");
            Err(Rejection::InvalidToken)
        }
    }
}

/// Checks, before the body is read, that the token can be spent on a
/// `replay = "jti"` route: it has a `jti` not spent yet. Only
/// [`spend_jti`], just before the handler, spends it.
///
/// # Errors
/// [`Rejection::InvalidToken`] without a `jti`; [`Rejection::ReplayedToken`]
/// for a `jti` already spent; [`Rejection::StoreUnavailable`] when the
/// store cannot be reached.
pub(crate) async fn check_jti(store: &dyn Store, principal: &Principal) -> Result<(), Rejection> {
    let spent = store.jti_spent(jti(principal)?, jwt::unix_now()).await?;
    if spent {
        tracing::warn!(target: "secure_api::security", "replayed token: its `jti` was already used");
        return Err(Rejection::ReplayedToken);
    }
    Ok(())
}

/// Spends the token's `jti`: accepts it once within the token's lifetime
/// (`exp` plus `leeway` seconds), for `replay = "jti"` routes. Atomic: of
/// two requests racing with one token, one passes.
///
/// # Errors
/// [`Rejection::InvalidToken`] for a token without a string `jti`;
/// [`Rejection::ReplayedToken`] for a `jti` already spent;
/// [`Rejection::ReplayStoreFull`] when no more can be remembered;
/// [`Rejection::StoreUnavailable`] when the store cannot be reached.
pub(crate) async fn spend_jti(
    store: &dyn Store,
    principal: &Principal,
    leeway: u64,
) -> Result<(), Rejection> {
    let claims = principal.claims();
    let jti = jti(principal)?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .map_or(0, |e| e as u64);
    let spent = store
        .spend_jti(jti, exp.saturating_add(leeway), jwt::unix_now())
        .await?;
    match spent {
        Ok(()) => Ok(()),
        Err(ReplayError::Replayed) => {
            tracing::warn!(target: "secure_api::security", "replayed token: its `jti` was already used");
            Err(Rejection::ReplayedToken)
        }
        Err(ReplayError::Full) => {
            tracing::error!(target: "secure_api::security", "the one-time token store is full; refusing new tokens");
            Err(Rejection::ReplayStoreFull)
        }
    }
}
